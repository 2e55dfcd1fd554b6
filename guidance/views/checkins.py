"""Check-in pages: the patient's (list, book, one check-in, change, cancel, calendar file) and the
staff's (the therapist's availability; one patient's check-ins and one check-in).

Patients book only with sync or mixed contact; an async patient gets a plain explanation. A clinic
admin reads a patient's check-in pages; only the patient's therapist writes (403 otherwise).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clinics.access import access_enrollment_as_staff
from clinics.roles import user_roles
from clinics.services import audit_log
from guidance import checkin_mail
from guidance import checkins as service
from guidance.checkin_forms import (
    BookForm,
    BookingSettingsForm,
    ExceptionForm,
    OutcomeForm,
    RuleForm,
    StaffScheduleForm,
)
from guidance.checkins import CheckInError
from guidance.models import AvailabilityException, AvailabilityRule, CheckIn
from modules.access import access_own_enrollment

DAYS_SHOWN = 5  # days of free slots on a booking page; "Show more days" adds as many again
PREVIEW_SLOTS = 8


# --- Patients --------------------------------------------------------------------------------------


def _own_checkin(request, code) -> CheckIn:
    enrollment = access_own_enrollment(request.user)
    try:
        checkin = CheckIn.objects.select_related("therapist").get(enrollment=enrollment, code=code)
    except CheckIn.DoesNotExist:
        raise Http404("No such check-in.") from None
    checkin.enrollment = enrollment
    return checkin


def _split(checkins, now):
    upcoming = [c for c in checkins if c.status == CheckIn.Status.BOOKED and c.ends_at > now]
    past = [c for c in checkins if c not in upcoming]
    past.reverse()
    return upcoming, past


@require_GET
def patient_checkins(request):
    enrollment = access_own_enrollment(request.user)
    now = timezone.now()
    checkins = list(CheckIn.objects.filter(enrollment=enrollment).order_by("starts_at", "id"))
    upcoming, past = _split(checkins, now)
    periods = service.expected_periods(enrollment, checkins, today=timezone.localdate(), zone=request.user.zone)
    for checkin in upcoming:
        checkin.enrollment = enrollment
    return render(
        request,
        "guidance/checkins/patient_list.html",
        {
            "enrollment": enrollment,
            "can_book": service.can_patient_book(enrollment),
            "upcoming": upcoming,
            "past": past,
            "every_weeks": service.cadence_weeks(enrollment),
            "is_mixed": enrollment.contact_mode == enrollment.ContactMode.MIXED,
            "due": service.checkin_due(periods) and not upcoming,
        },
    )


def _booking_page(request, enrollment, form, *, checkin=None, error=None, days_shown=DAYS_SHOWN):
    return render(
        request,
        "guidance/checkins/book.html",
        {
            "enrollment": enrollment,
            "form": form,
            "error": error,
            "checkin": checkin,
            "zone_name": request.user.time_zone,
            "slot_days": form.slot_days[:days_shown],
            "more_url": f"{request.path}?days={days_shown + DAYS_SHOWN}" if len(form.slot_days) > days_shown else "",
            "video": service.video_available(enrollment),
        },
    )


def _days_shown(request) -> int:
    try:
        return max(DAYS_SHOWN, min(int(request.GET.get("days", DAYS_SHOWN)), 400))
    except ValueError:
        return DAYS_SHOWN


@require_http_methods(["GET", "POST"])
def checkin_book(request):
    enrollment = access_own_enrollment(request.user)
    if not service.can_patient_book(enrollment):
        return render(request, "guidance/checkins/cannot_book.html", {"enrollment": enrollment})
    upcoming = service.upcoming_for(enrollment)
    if upcoming is not None:
        return render(request, "guidance/checkins/already_booked.html", {"enrollment": enrollment, "checkin": upcoming})
    form, error = _book_form(request, enrollment), None
    if request.method == "POST" and form.is_valid():
        try:
            checkin = service.checkin_book(
                enrollment=enrollment,
                by=request.user,
                starts_at=form.cleaned_data["slot"],
                mode=form.cleaned_data["mode"],
                request=request,
            )
        except CheckInError as refused:
            # Taken by someone else a moment ago: the fresh free times, with the reason on top.
            form, error = _book_form(request, enrollment, bound=False), str(refused)
        else:
            messages.success(request, _("Your check-in is booked. We have sent you an e-mail with the details."))
            return redirect("patient_checkin", code=checkin.code)
    return _booking_page(request, enrollment, form, error=error, days_shown=_days_shown(request))


def _book_form(request, enrollment, *, checkin=None, bound=True):
    slots = service.therapist_free_slots(enrollment.therapist, ignore=checkin)
    data = request.POST if request.method == "POST" and bound else None
    initial = {"mode": checkin.mode} if checkin is not None else None
    return BookForm(
        data,
        initial=initial,
        slots=slots,
        zone=request.user.zone,
        video=service.video_available(enrollment),
    )


@require_GET
def patient_checkin(request, code):
    checkin = _own_checkin(request, code)
    return render(
        request,
        "guidance/checkins/patient_detail.html",
        {
            "checkin": checkin,
            "enrollment": checkin.enrollment,
            "join_url": service.join_url(checkin),
            "may_change": service.patient_may_change(checkin),
            "is_upcoming": checkin.status == CheckIn.Status.BOOKED and checkin.ends_at > timezone.now(),
        },
    )


@require_http_methods(["GET", "POST"])
def patient_checkin_reschedule(request, code):
    checkin = _own_checkin(request, code)
    enrollment = checkin.enrollment
    if not service.patient_may_change(checkin):
        return render(request, "guidance/checkins/too_late.html", {"checkin": checkin, "enrollment": enrollment})
    form, error = _book_form(request, enrollment, checkin=checkin), None
    if request.method == "POST" and form.is_valid():
        try:
            service.checkin_reschedule(
                checkin=checkin,
                by=request.user,
                starts_at=form.cleaned_data["slot"],
                mode=form.cleaned_data["mode"],
                request=request,
            )
        except CheckInError as refused:
            form, error = _book_form(request, enrollment, checkin=checkin, bound=False), str(refused)
        else:
            messages.success(request, _("Your check-in has been changed. We have sent you an e-mail with the details."))
            return redirect("patient_checkin", code=checkin.code)
    return _booking_page(request, enrollment, form, checkin=checkin, error=error, days_shown=_days_shown(request))


@require_http_methods(["GET", "POST"])
def patient_checkin_cancel(request, code):
    checkin = _own_checkin(request, code)
    if checkin.status == CheckIn.Status.CANCELLED:
        return redirect("patient_checkin", code=checkin.code)
    if not service.patient_may_change(checkin):
        return render(
            request, "guidance/checkins/too_late.html", {"checkin": checkin, "enrollment": checkin.enrollment}
        )
    error = None
    if request.method == "POST":
        try:
            service.checkin_cancel(checkin=checkin, by=request.user, request=request)
        except CheckInError as refused:
            error = str(refused)
        else:
            messages.success(request, _("Your check-in has been cancelled."))
            return redirect("patient_checkins")
    return render(request, "guidance/checkins/cancel.html", {"checkin": checkin, "error": error})


def _ics_response(checkin: CheckIn, user) -> HttpResponse:
    response = HttpResponse(
        checkin_mail.checkin_ics(checkin, for_user=user), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{checkin_mail.ics_filename(checkin)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def patient_checkin_ics(request, code):
    checkin = _own_checkin(request, code)
    return _ics_response(checkin, request.user)


# --- The therapist's availability ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def availability(request):
    if not user_roles(request.user).is_therapist:
        raise Http404("Not a therapist.")
    therapist = request.user
    booking = service.booking_settings(therapist)
    forms = {
        "settings": BookingSettingsForm.for_settings(booking),
        "rule": RuleForm(),
        "exception": ExceptionForm(),
    }
    if request.method == "POST":
        done = _availability_post(request, booking, forms)
        if done is not None:
            messages.success(request, done)
            return redirect("availability")
        booking = service.booking_settings(therapist)
    today = timezone.localdate()
    rules = list(AvailabilityRule.objects.filter(therapist=therapist))
    exceptions = list(AvailabilityException.objects.filter(therapist=therapist, date__gte=today))
    preview = service.therapist_free_slots(therapist, booking=booking)[:PREVIEW_SLOTS]
    return render(
        request,
        "guidance/checkins/availability.html",
        {
            **{f"{name}_form": form for name, form in forms.items()},
            "booking": booking,
            "rules": rules,
            "exceptions": exceptions,
            "preview": preview,
            "zone_name": therapist.time_zone,
        },
    )


def _availability_post(request, booking, forms) -> str | None:
    """Handle one of the page's forms; a success message, or None with the form's errors in ``forms``."""
    therapist, action = request.user, request.POST.get("action")
    if action == "settings":
        form = forms["settings"] = BookingSettingsForm.for_settings(booking, request.POST)
        if form.is_valid():
            service.booking_settings_save(therapist=therapist, values=form.cleaned_data, request=request)
            return _("Your booking settings have been saved.")
    elif action == "add_rule":
        form = forms["rule"] = RuleForm(request.POST)
        if form.is_valid():
            service.availability_rule_add(therapist=therapist, request=request, **form.cleaned_data)
            return _("The weekly hours have been added.")
    elif action == "remove_rule":
        service.availability_rule_remove(therapist=therapist, rule_id=_int(request.POST.get("rule")), request=request)
        return _("The weekly hours have been removed.")
    elif action == "add_exception":
        form = forms["exception"] = ExceptionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            service.availability_exception_add(
                therapist=therapist,
                date=data["date"],
                available=data["kind"] == "extra",
                start_time=data["start_time"],
                end_time=data["end_time"],
                note=data["note"],
                request=request,
            )
            return _("The change for %(date)s has been added.") % {"date": data["date"].strftime("%d/%m/%Y")}
    elif action == "remove_exception":
        service.availability_exception_remove(
            therapist=therapist, exception_id=_int(request.POST.get("exception")), request=request
        )
        return _("The change has been removed.")
    return None


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- Staff: one patient's check-ins ----------------------------------------------------------------


def _staff_access(request, code):
    enrollment = access_enrollment_as_staff(request.user, code)
    can_write = (
        enrollment.therapist_id == request.user.pk
        and enrollment.clinic_id in user_roles(request.user).therapist_clinic_ids
    )
    return enrollment, can_write


def _staff_checkin(enrollment, code) -> CheckIn:
    try:
        checkin = CheckIn.objects.select_related("therapist").get(enrollment=enrollment, code=code)
    except CheckIn.DoesNotExist:
        raise Http404("No such check-in.") from None
    checkin.enrollment = enrollment
    return checkin


def _schedule_form(request, enrollment, *, data=None, moving: CheckIn | None = None):
    therapist = enrollment.therapist
    slots = service.therapist_free_slots(therapist, apply_notice=False, ignore=moving) if therapist else []
    form = StaffScheduleForm(
        data, slots=slots, zone=request.user.zone, video=service.video_available(enrollment), prefix="schedule"
    )
    if moving is not None:
        del form.fields["minutes"]  # a move keeps the check-in's length
    return form


@require_http_methods(["GET", "POST"])
def staff_checkins(request, code):
    enrollment, can_write = _staff_access(request, code)
    form = _schedule_form(request, enrollment) if can_write else None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied("Only the patient's therapist books their check-ins.")
        form = _schedule_form(request, enrollment, data=request.POST)
        if form.is_valid():
            try:
                checkin = service.checkin_book(
                    enrollment=enrollment,
                    by=request.user,
                    starts_at=form.cleaned_data["starts_at"],
                    mode=form.cleaned_data["mode"],
                    minutes=form.cleaned_data.get("minutes"),
                    request=request,
                )
            except CheckInError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("The check-in is booked. The patient has been sent the details."))
                return redirect("staff_checkin", code=enrollment.code, checkin=checkin.code)
    audit_log(
        actor=request.user, action="guidance.checkins.viewed", enrollment=enrollment, target=enrollment, request=request
    )
    now = timezone.now()
    checkins = list(CheckIn.objects.filter(enrollment=enrollment).order_by("starts_at", "id"))
    upcoming, past = _split(checkins, now)
    periods = service.expected_periods(enrollment, checkins, today=timezone.localdate(), zone=enrollment.patient.zone)
    return render(
        request,
        "guidance/checkins/staff_list.html",
        {
            "enrollment": enrollment,
            "can_write": can_write,
            "form": form,
            "upcoming": upcoming,
            "past": past,
            "periods": periods,
            "missed": sum(p.missed for p in periods),
            "every_weeks": service.cadence_weeks(enrollment),
            "slot_days": form.slot_days[:DAYS_SHOWN] if form is not None else [],
            "zone_name": request.user.time_zone,
        },
    )


@require_http_methods(["GET", "POST"])
def staff_checkin(request, code, checkin):
    enrollment, can_write = _staff_access(request, code)
    checkin = _staff_checkin(enrollment, checkin)
    # The clinic's default for a held check-in (Settings), which counts preparation and notes too.
    default_minutes = enrollment.clinic.checkin_minutes
    outcome_form = OutcomeForm(default_minutes=default_minutes)
    move_form = None
    error = None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied("Only the patient's therapist changes their check-ins.")
        action = request.POST.get("action")
        try:
            if action == "outcome":
                outcome_form = OutcomeForm(request.POST, default_minutes=default_minutes)
                if outcome_form.is_valid():
                    service.checkin_record_outcome(
                        checkin=checkin,
                        by=request.user,
                        outcome=outcome_form.cleaned_data["outcome"],
                        minutes=outcome_form.cleaned_data["minutes"],
                        request=request,
                    )
                    messages.success(request, _("The outcome has been recorded."))
                    return redirect("staff_checkin", code=enrollment.code, checkin=checkin.code)
            elif action == "cancel":
                service.checkin_cancel(checkin=checkin, by=request.user, request=request)
                messages.success(request, _("The check-in has been cancelled. The patient has been told."))
                return redirect("staff_checkin", code=enrollment.code, checkin=checkin.code)
            elif action == "reschedule":
                move_form = _schedule_form(request, enrollment, data=request.POST, moving=checkin)
                if move_form.is_valid():
                    service.checkin_reschedule(
                        checkin=checkin,
                        by=request.user,
                        starts_at=move_form.cleaned_data["starts_at"],
                        mode=move_form.cleaned_data["mode"],
                        request=request,
                    )
                    messages.success(request, _("The check-in has been moved. The patient has been sent the details."))
                    return redirect("staff_checkin", code=enrollment.code, checkin=checkin.code)
        except CheckInError as refused:
            error = str(refused)
    audit_log(
        actor=request.user, action="guidance.checkin.viewed", enrollment=enrollment, target=checkin, request=request
    )
    booked = checkin.status == CheckIn.Status.BOOKED
    if move_form is None and can_write and booked:
        move_form = _schedule_form(request, enrollment, moving=checkin)
        move_form.fields["mode"].initial = checkin.mode
    return render(
        request,
        "guidance/checkins/staff_detail.html",
        {
            "enrollment": enrollment,
            "checkin": checkin,
            "can_write": can_write,
            "booked": booked,
            "started": checkin.starts_at <= timezone.now(),
            "join_url": service.join_url(checkin),
            "outcome_form": outcome_form,
            "form": move_form,
            "slot_days": move_form.slot_days[:DAYS_SHOWN] if move_form is not None else [],
            "error": error,
            "zone_name": request.user.time_zone,
            "time_entry_minutes": checkin.minutes,
        },
    )


@require_GET
def staff_checkin_ics(request, code, checkin):
    enrollment, _can_write = _staff_access(request, code)
    checkin = _staff_checkin(enrollment, checkin)
    audit_log(
        actor=request.user, action="guidance.checkin.viewed", enrollment=enrollment, target=checkin, request=request
    )
    return _ics_response(checkin, request.user)
