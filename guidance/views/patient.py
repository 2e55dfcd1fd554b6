"""The therapist's view of one patient (summary, links, outcomes, timeline, contact mode, private
notes, time), and the time ledger pages (one patient's entries; the therapist's own weeks).

Staff in scope read (the patient's therapist and the clinic's admins); only the current therapist
writes: an in-scope admin gets 403, anyone else 404 (clinics.access).
"""

from django.contrib import messages
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinics.access import access_enrollment_as_staff
from clinics.models import Enrollment
from clinics.roles import user_roles
from clinics.selectors import enrollment_invitations
from clinics.services import audit_log
from guidance import ledger, notes, patient_view
from guidance.dashboard import programme_week
from guidance.models import TimeEntry
from guidance.patient_forms import ClinicalNoteForm, ContactModeForm, TimeEntryForm, TimeMinutesForm
from modules.models import Module
from outcomes import progress

DETAIL = "guidance/patient/detail.html"
LEDGER = "guidance/patient/time_ledger.html"


def _feedback_modules(enrollment: Enrollment) -> list[Module]:
    """Modules with submitted work, for the "Give feedback" links."""
    return list(
        Module.objects.filter(
            exercises__responses__enrollment=enrollment, exercises__responses__submitted_at__isnull=False
        )
        .distinct()
        .order_by("position")
    )


def _detail_context(request, enrollment: Enrollment, *, note_form=None, contact_form=None) -> dict:
    roles = user_roles(request.user)
    can_write = notes.is_current_therapist(enrollment, request.user)
    is_clinic_admin = enrollment.clinic_id in roles.admin_clinic_ids
    plan = patient_view.plan_of(enrollment)
    items = list(plan.items.all()) if plan else []
    week, weeks = programme_week(enrollment, items, timezone.localdate())
    overview = progress.progress_overview(enrollment)
    return {
        "enrollment": enrollment,
        "can_write": can_write,
        "is_clinic_admin": is_clinic_admin,
        "week": week,
        "weeks": weeks,
        "overview": overview,
        "timeline": patient_view.timeline(enrollment, before=patient_view.parse_before(request.GET.get("before"))),
        "before": request.GET.get("before", ""),
        "notes": patient_view.clinical_notes(enrollment),
        "time": patient_view.time_summary(enrollment, zone=request.user.zone),
        "feedback_modules": _feedback_modules(enrollment) if can_write else [],
        "invitations": list(enrollment_invitations(enrollment)) if is_clinic_admin else [],
        "note_form": note_form or ClinicalNoteForm(),
        "contact_form": contact_form
        or ContactModeForm(
            initial={"contact_mode": enrollment.contact_mode, "checkin_every_weeks": enrollment.checkin_every_weeks}
        ),
    }


@require_GET
def enrollment_detail(request, code):
    enrollment = access_enrollment_as_staff(request.user, code)
    audit_log(
        actor=request.user, action="guidance.patient.viewed", enrollment=enrollment, target=enrollment, request=request
    )
    return render(request, DETAIL, _detail_context(request, enrollment))


@require_POST
def clinical_note_add(request, code):
    enrollment = access_enrollment_as_staff(request.user, code)
    notes.check_can_write(enrollment, request.user)
    form = ClinicalNoteForm(request.POST)
    if not form.is_valid():
        return render(request, DETAIL, _detail_context(request, enrollment, note_form=form))
    notes.clinical_note_add(enrollment=enrollment, author=request.user, body=form.cleaned_data["body"], request=request)
    messages.success(request, _("Your note is saved."))
    return redirect(reverse("enrollment_detail", args=[enrollment.code]) + "#notes")


@require_POST
def contact_mode_change(request, code):
    enrollment = access_enrollment_as_staff(request.user, code)
    notes.check_can_write(enrollment, request.user)
    form = ContactModeForm(request.POST)
    if not form.is_valid():
        return render(request, DETAIL, _detail_context(request, enrollment, contact_form=form))
    changed = notes.contact_mode_change(
        enrollment=enrollment,
        mode=form.cleaned_data["contact_mode"],
        every_weeks=form.cleaned_data.get("checkin_every_weeks"),
        by=request.user,
        request=request,
    )
    if changed:
        messages.success(request, _("Contact is now: %(mode)s.") % {"mode": enrollment.get_contact_mode_display()})
    else:
        messages.info(request, _("Nothing changed: that was already the contact mode."))
    return redirect(reverse("enrollment_detail", args=[enrollment.code]) + "#contact")


# --- Time ledger ------------------------------------------------------------------------------------


def _ledger_context(request, enrollment: Enrollment, form) -> dict:
    entries = list(TimeEntry.objects.filter(enrollment=enrollment).select_related("therapist").order_by("-at", "-pk"))
    totals = {row["activity"]: row["minutes"] for row in _activity_totals(enrollment)}
    labels = dict(TimeEntry.Activity.choices)
    return {
        "enrollment": enrollment,
        "entries": entries,
        "totals": [(labels[key], minutes) for key, minutes in totals.items()],
        "total": sum(totals.values()),
        "can_write": notes.is_current_therapist(enrollment, request.user),
        "form": form,
    }


def _activity_totals(enrollment: Enrollment):
    return (
        TimeEntry.objects.filter(enrollment=enrollment)
        .values("activity")
        .annotate(minutes=Sum("minutes"))
        .order_by("activity")
    )


@require_http_methods(["GET", "POST"])
def time_ledger(request, code):
    enrollment = access_enrollment_as_staff(request.user, code)
    form = TimeEntryForm(request.POST or None, zone=request.user.zone)
    if request.method == "POST":
        notes.check_can_write(enrollment, request.user)
        if form.is_valid():
            try:
                _add_entry(request, enrollment, form)
            except ledger.LedgerError as error:
                form.add_error({"activity": "activity", "minutes": "minutes"}.get(error.field, "day"), str(error))
            else:
                messages.success(request, _("The time is added."))
                return redirect("time_ledger", code=enrollment.code)
    else:
        audit_log(
            actor=request.user, action="guidance.time.viewed", enrollment=enrollment, target=enrollment, request=request
        )
    return render(request, LEDGER, _ledger_context(request, enrollment, form))


def _add_entry(request, enrollment: Enrollment, form: TimeEntryForm) -> TimeEntry:
    data = form.cleaned_data
    return ledger.time_entry_add(
        therapist=request.user, enrollment=enrollment, activity=data["activity"], minutes=data["minutes"],
        at=form.at(), note=data["note"], request=request,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def time_entry_edit(request, code, entry):
    enrollment = access_enrollment_as_staff(request.user, code)
    try:
        time_entry = TimeEntry.objects.get(enrollment=enrollment, code=entry, therapist=request.user)
    except TimeEntry.DoesNotExist:
        raise Http404("No such time entry.") from None
    if not notes.is_current_therapist(enrollment, request.user):
        raise Http404("Only the patient's therapist changes time entries.")
    form = TimeMinutesForm(request.POST or None, initial={"minutes": time_entry.minutes})
    if request.method == "POST" and form.is_valid():
        try:
            ledger.time_entry_change_minutes(
                entry=time_entry, minutes=form.cleaned_data["minutes"], by=request.user, request=request
            )
        except ledger.LedgerError as error:
            form.add_error("minutes", str(error))
        else:
            messages.success(request, _("The minutes are changed."))
            return redirect("time_ledger", code=enrollment.code)
    audit_log(
        actor=request.user, action="guidance.time.viewed", enrollment=enrollment, target=time_entry, request=request
    )
    return render(
        request, "guidance/patient/time_entry_edit.html", {"enrollment": enrollment, "entry": time_entry, "form": form}
    )


@require_GET
def my_time(request):
    roles = user_roles(request.user)
    if not roles.is_therapist:
        raise Http404("Not a therapist.")
    zone = request.user.zone
    report = patient_view.my_weeks(request.user, roles, zone=zone)
    week_value = request.GET.get("week", "")
    chosen, week_error = patient_view.parse_week(week_value, zone=zone) if week_value else (None, "")
    chosen = chosen or report.weeks[0].start
    breakdown = patient_view.week_breakdown(request.user, roles, start=chosen)
    return render(
        request,
        "guidance/patient/my_time.html",
        {"report": report, "chosen": chosen, "breakdown": breakdown, "week_error": week_error},
    )
