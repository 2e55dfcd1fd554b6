"""Clinic admin pages for staff (invite, deactivate, reactivate) and caseloads (load, reassign)."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from clinics import selectors
from clinics.access import access_clinic_as_admin
from clinics.models import Clinic, Membership
from clinics.services import audit_log
from clinics.staff import (
    ReassignError,
    StaffError,
    enrollments_reassign,
    membership_deactivate,
    membership_deactivation_problem,
    membership_reactivate,
    staff_invite,
)
from clinics.staff_forms import ReassignForm, StaffInviteForm

CASELOAD_PAGE_SIZE = 50
UNASSIGNED = "none"

# --- Staff ------------------------------------------------------------------------------------------


@dataclass
class StaffPerson:
    """One person on the staff page, with the roles they hold here."""

    user: User
    has_mfa: bool
    open_count: int = 0
    roles: list[Membership] = field(default_factory=list)

    @property
    def has_signed_in(self) -> bool:
        return self.user.has_usable_password()

    @property
    def therapist(self) -> Membership | None:
        return next((m for m in self.roles if m.role == Membership.Role.THERAPIST), None)


def staff_people(memberships: list[Membership]) -> list[StaffPerson]:
    people: dict[int, StaffPerson] = {}
    for membership in memberships:
        if not membership.is_active:
            continue
        person = people.setdefault(membership.user_id, StaffPerson(user=membership.user, has_mfa=membership.has_mfa))
        person.roles.append(membership)
        if membership.role == Membership.Role.THERAPIST:
            person.open_count = membership.open_count
    return list(people.values())


def render_staff_page(request, clinic: Clinic, form: StaffInviteForm, *, confirm=None, status: int = 200):
    memberships = list(selectors.clinic_staff(clinic))
    if confirm is None:
        confirm = deactivation_to_confirm(request, memberships)
    context = {
        "clinic": clinic,
        "admin_section": "staff",
        "form": form,
        "people": staff_people(memberships),
        "deactivated": [membership for membership in memberships if not membership.is_active],
        "invitations": list(selectors.clinic_staff_invitations(clinic)),
        "confirm": confirm,
    }
    return render(request, "clinics/staff/list.html", context, status=status)


def deactivation_to_confirm(request, memberships: list[Membership]) -> dict | None:
    """?deactivate=<membership id> asks "are you sure?" on the staff page, or says what is in the way."""
    wanted = request.GET.get("deactivate", "")
    membership = next((m for m in memberships if str(m.pk) == wanted and m.is_active), None)
    if membership is None:
        return None
    return {"membership": membership, "problem": membership_deactivation_problem(membership, by=request.user)}


def clinic_membership(clinic: Clinic, membership_id: int) -> Membership:
    membership = clinic.memberships.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such staff member.")
    return membership


@require_GET
def staff_list(request, slug):
    clinic = access_clinic_as_admin(request.user, slug)
    return render_staff_page(request, clinic, StaffInviteForm())


INVITE_MESSAGES = {
    "new": gettext_lazy(
        "We sent an invitation to %(email)s. They choose a password and set up an authenticator app when they first "
        "sign in."
    ),
    "resent": gettext_lazy("We sent %(email)s a new invitation. The link in the earlier e-mail no longer works."),
    "added": gettext_lazy(
        "%(name)s already has a Steady staff account. They are now a %(role)s here too and sign in as usual."
    ),
}


@require_POST
def staff_invite_view(request, slug):
    clinic = access_clinic_as_admin(request.user, slug)
    form = StaffInviteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = staff_invite(
                clinic=clinic,
                name=data["name"],
                email=data["email"],
                role=data["role"],
                by=request.user,
                request=request,
            )
        except StaffError as error:
            form.add_error(error.field, str(error))
        else:
            user = result.membership.user
            text = str(INVITE_MESSAGES[result.outcome]) % {
                "email": user.email,
                "name": user.name or user.email,
                "role": result.membership.get_role_display().lower(),
            }
            messages.success(request, text)
            return redirect("staff_list", slug=clinic.slug)
    return render_staff_page(request, clinic, form)


@require_POST
def staff_deactivate(request, slug, membership_id):
    clinic = access_clinic_as_admin(request.user, slug)
    membership = clinic_membership(clinic, membership_id)
    try:
        membership_deactivate(membership=membership, by=request.user, request=request)
    except StaffError as error:
        return render_staff_page(
            request, clinic, StaffInviteForm(), confirm={"membership": membership, "problem": error}
        )
    messages.success(
        request,
        _("%(name)s is no longer a %(role)s here. They have been signed out.")
        % {"name": membership.user.name or membership.user.email, "role": membership.get_role_display().lower()},
    )
    return redirect("staff_list", slug=clinic.slug)


@require_POST
def staff_reactivate(request, slug, membership_id):
    clinic = access_clinic_as_admin(request.user, slug)
    membership = clinic_membership(clinic, membership_id)
    try:
        membership_reactivate(membership=membership, by=request.user, request=request)
    except StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s is a %(role)s here again.")
            % {"name": membership.user.name or membership.user.email, "role": membership.get_role_display().lower()},
        )
    return redirect("staff_list", slug=clinic.slug)


# --- Caseloads --------------------------------------------------------------------------------------


@dataclass
class TherapistLoad:
    membership: Membership
    open_count: int
    percent_of_average: int | None
    bar: int  # 0-100: this load against the largest on the page
    average_mark: int  # 0-100: where the clinic's average falls on the same scale

    @property
    def comparison(self) -> str:
        if self.percent_of_average is None:
            return ""
        if self.percent_of_average > 110:
            return _("above average")
        if self.percent_of_average < 90:
            return _("below average")
        return _("about average")


def therapist_loads(memberships: list[Membership]) -> tuple[list[TherapistLoad], float]:
    counts = [m.active_count + m.paused_count + m.invited_count for m in memberships]
    average = sum(counts) / len(counts) if counts else 0
    scale = max([*counts, average, 1])
    loads = [
        TherapistLoad(
            membership=membership,
            open_count=count,
            percent_of_average=round(100 * count / average) if average else None,
            bar=round(100 * count / scale),
            average_mark=round(100 * average / scale),
        )
        for membership, count in zip(memberships, counts, strict=True)
    ]
    return loads, average


@dataclass
class CaseloadFilter:
    value: str = ""  # as given: a membership id, "none", or ""
    membership: Membership | None = None
    unassigned: bool = False
    not_found: bool = False

    @property
    def active(self) -> bool:
        return self.membership is not None or self.unassigned


def caseload_filter(value: str, memberships: list[Membership]) -> CaseloadFilter:
    value = (value or "").strip()
    if not value:
        return CaseloadFilter()
    if value == UNASSIGNED:
        return CaseloadFilter(value=value, unassigned=True)
    membership = next((m for m in memberships if str(m.pk) == value), None)
    if membership is None:
        return CaseloadFilter(not_found=True)
    return CaseloadFilter(value=value, membership=membership)


def filtered_enrollments(clinic: Clinic, chosen: CaseloadFilter):
    therapist_id = chosen.membership.user_id if chosen.membership else None
    return selectors.clinic_open_enrollments(clinic, therapist_id=therapist_id, unassigned=chosen.unassigned)


def render_caseloads(request, clinic: Clinic, form: ReassignForm, params, *, status: int = 200):
    memberships = list(selectors.clinic_therapist_loads(clinic))
    loads, average = therapist_loads(memberships)
    unassigned = selectors.clinic_unassigned_count(clinic)
    chosen = caseload_filter(params.get("therapist", ""), memberships)
    page = Paginator(filtered_enrollments(clinic, chosen), CASELOAD_PAGE_SIZE).get_page(params.get("page"))
    audit_log(actor=request.user, action="clinics.caseloads.viewed", clinic=clinic, request=request)
    context = {
        "clinic": clinic,
        "admin_section": "caseloads",
        "loads": loads,
        "average": average,
        "total_open": sum(load.open_count for load in loads) + unassigned,
        "unassigned": unassigned,
        "chosen": chosen,
        "page": page,
        "form": form,
        "ticked": set(form.data.getlist("enrollments")) if form.is_bound else set(),
    }
    return render(request, "clinics/staff/caseloads.html", context, status=status)


@require_GET
def caseloads(request, slug):
    clinic = access_clinic_as_admin(request.user, slug)
    return render_caseloads(request, clinic, ReassignForm(clinic=clinic), request.GET)


@require_POST
def caseload_reassign(request, slug):
    clinic = access_clinic_as_admin(request.user, slug)
    form = ReassignForm(request.POST, clinic=clinic)
    if form.is_valid():
        target = form.cleaned_data["to_therapist"].user
        codes = form.cleaned_data["enrollments"] or []
        if form.cleaned_data["move_all"]:
            chosen = caseload_filter(request.POST.get("therapist", ""), list(selectors.clinic_therapist_loads(clinic)))
            codes = filtered_enrollments(clinic, chosen).values_list("code", flat=True) if chosen.active else []
        try:
            moved = enrollments_reassign(
                clinic=clinic, enrollment_codes=codes, to_therapist=target, by=request.user, request=request
            )
        except ReassignError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, moved_message(moved, target))
            return redirect(caseloads_url(clinic, request.POST.get("therapist", "")))
    return render_caseloads(request, clinic, form, request.POST)


def moved_message(moved: int, target: User) -> str:
    return ngettext(
        "%(count)d patient now has %(name)s as their therapist. We are letting them both know by e-mail.",
        "%(count)d patients now have %(name)s as their therapist. We are letting them all know by e-mail.",
        moved,
    ) % {"count": moved, "name": target.name or target.email}


def caseloads_url(clinic: Clinic, therapist: str) -> str:
    url = reverse("caseloads", args=[clinic.slug])
    return f"{url}?{urlencode({'therapist': therapist})}" if therapist else url
