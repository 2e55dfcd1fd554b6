"""Staff and caseloads: invite and deactivate staff, move patients between therapists.

Every write here runs in one transaction with its AuditEvent; e-mails go through the outbox, which
hands them to a worker only after commit.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.services import user_sessions_end
from clinics.models import Clinic, Enrollment, Invitation, Membership
from clinics.selectors import active_therapists
from clinics.services import audit_log, invitation_create
from clinics.signals import enrollments_reassigned
from notifications.services import notify

THERAPIST_CHANGED_KIND = "clinics.therapist_changed"
CASELOAD_RECEIVED_KIND = "clinics.caseload_received"


class StaffError(Exception):
    """The change cannot be made; the message is safe to show to the clinic admin.

    ``open_patients`` is set when a therapist still has patients to hand over first.
    """

    def __init__(self, message: str, field: str | None = None, open_patients: int = 0):
        super().__init__(message)
        self.field = field
        self.open_patients = open_patients


class ReassignError(StaffError):
    pass


# --- Inviting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffInviteResult:
    membership: Membership
    # new: an invitation went to a new account; resent: a fresh link for an invitation not yet used;
    # added: an existing staff account got the role and signs in as before.
    outcome: str


def role_label(role: str) -> str:
    return str(Membership.Role(role).label).lower()


@transaction.atomic
def staff_invite(*, clinic: Clinic, name: str, email: str, role: str, by: User, request=None) -> StaffInviteResult:
    """Give a person a staff role at the clinic, making and inviting their account if it is new."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return _invite_new_person(clinic=clinic, name=name, email=email, role=role, by=by, request=request)
    if Enrollment.objects.filter(patient=user).exists():
        raise StaffError(
            _(
                "This address belongs to a patient's account. Patients and staff need separate accounts, so "
                "use another e-mail address for this member of staff."
            ),
            field="email",
        )
    membership = Membership.objects.filter(user=user, clinic=clinic, role=role).first()
    never_signed_in = not user.has_usable_password()
    if membership is not None and not membership.is_active:
        raise StaffError(
            _("%(name)s was a %(role)s here before. Use “Reactivate” in the list of deactivated staff.")
            % {"name": user.name or user.email, "role": role_label(role)},
            field="email",
        )
    if membership is not None and not never_signed_in:
        raise StaffError(
            _("%(name)s is already a %(role)s at this clinic.")
            % {"name": user.name or user.email, "role": role_label(role)},
            field="email",
        )
    if membership is None:
        membership = _membership_create(user=user, clinic=clinic, role=role)
    if never_signed_in:
        # Invited before (here or at another clinic) but never set up: a fresh link replaces the old one.
        invitation_create(user=user, clinic=clinic, role=role, by=by, request=request)
        outcome = "resent"
    else:
        if not user.is_active:  # staff deactivated everywhere earlier, now back with their own password
            user.is_active = True
            user.save(update_fields=["is_active"])
        outcome = "added"
    audit_log(actor=by, action=f"clinics.staff.{outcome}", clinic=clinic, target=membership, request=request)
    return StaffInviteResult(membership=membership, outcome=outcome)


def _invite_new_person(*, clinic: Clinic, name: str, email: str, role: str, by: User, request) -> StaffInviteResult:
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=None, name=name, time_zone=clinic.time_zone, is_active=False
            )
    except IntegrityError:
        # Two admins inviting the same new address at once: the second is told it is taken.
        raise StaffError(
            _("Someone has just invited this address. Reload the page to see them."), field="email"
        ) from None
    membership = _membership_create(user=user, clinic=clinic, role=role)
    invitation_create(user=user, clinic=clinic, role=role, by=by, request=request)
    audit_log(actor=by, action="clinics.staff.invited", clinic=clinic, target=membership, request=request)
    return StaffInviteResult(membership=membership, outcome="new")


def _membership_create(*, user: User, clinic: Clinic, role: str) -> Membership:
    try:
        with transaction.atomic():
            return Membership.objects.create(user=user, clinic=clinic, role=role)
    except IntegrityError:
        raise StaffError(
            _("%(name)s is already a %(role)s at this clinic.")
            % {"name": user.name or user.email, "role": role_label(role)},
            field="email",
        ) from None


# --- Deactivating and reactivating ----------------------------------------------------------------


def open_patient_count(membership: Membership) -> int:
    return Enrollment.objects.filter(
        clinic_id=membership.clinic_id, therapist_id=membership.user_id, status__in=Enrollment.OPEN_STATUSES
    ).count()


def membership_deactivation_problem(membership: Membership, *, by: User) -> StaffError | None:
    """Why this role cannot be taken away now, or None. The staff page asks before offering the button,
    and the service asks again inside its transaction."""
    name = membership.user.name or membership.user.email
    if not membership.is_active:
        return StaffError(
            _("%(name)s is already deactivated as a %(role)s.") % {"name": name, "role": role_label(membership.role)}
        )
    if membership.user_id == by.pk:
        return StaffError(_("You cannot deactivate yourself. Ask another clinic admin to do it."))
    if membership.role == Membership.Role.THERAPIST:
        count = open_patient_count(membership)
        if count:
            message = ngettext(
                "%(name)s still has %(count)d patient. Move them to another therapist first.",
                "%(name)s still has %(count)d patients. Move them to other therapists first.",
                count,
            ) % {"name": name, "count": count}
            return StaffError(message, open_patients=count)
    if membership.role == Membership.Role.ADMIN and not _other_working_admins(membership).exists():
        return StaffError(
            _("%(name)s is the clinic's only admin. Invite another admin first, so someone can still run the clinic.")
            % {"name": name}
        )
    return None


def _other_working_admins(membership: Membership):
    # Only admins who have set up their account count: an unanswered invitation runs nothing.
    return Membership.objects.filter(
        clinic_id=membership.clinic_id, role=Membership.Role.ADMIN, is_active=True, user__is_active=True
    ).exclude(pk=membership.pk)


@transaction.atomic
def membership_deactivate(*, membership: Membership, by: User, request=None) -> Membership:
    """Take the role away, end the person's sessions at once, and close their account if it was
    their last role anywhere (operators keep theirs: Django admin is not a clinic role)."""
    # Lock the clinic's admin rows, so two admins cannot deactivate each other at the same moment.
    list(Membership.objects.select_for_update().filter(clinic_id=membership.clinic_id, role=Membership.Role.ADMIN))
    membership = (
        Membership.objects.select_for_update(of=("self", "user")).select_related("user", "clinic").get(pk=membership.pk)
    )
    problem = membership_deactivation_problem(membership, by=by)
    if problem is not None:
        raise problem
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    user = membership.user
    Invitation.objects.filter(
        user=user, clinic_id=membership.clinic_id, role=membership.role, accepted_at=None, revoked_at=None
    ).update(revoked_at=timezone.now())
    # Sessions live in the database: ending them here makes them end with this transaction, and
    # before the account may be closed below (allauth only lists sessions of an active account).
    user_sessions_end(user=user)
    still_staff = Membership.objects.filter(user=user, is_active=True).exists()
    if not still_staff and not (user.is_superuser or user.is_staff) and user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    audit_log(
        actor=by, action="clinics.staff.deactivated", clinic=membership.clinic, target=membership, request=request
    )
    return membership


@transaction.atomic
def membership_reactivate(*, membership: Membership, by: User, request=None) -> Membership:
    """Give a deactivated role back. Someone who had set up their account signs in as before; someone
    who never did gets a new invitation."""
    membership = (
        Membership.objects.select_for_update(of=("self", "user")).select_related("user", "clinic").get(pk=membership.pk)
    )
    user = membership.user
    if membership.is_active:
        raise StaffError(
            _("%(name)s is already an active %(role)s.")
            % {"name": user.name or user.email, "role": role_label(membership.role)}
        )
    membership.is_active = True
    membership.save(update_fields=["is_active"])
    if not user.has_usable_password():
        invitation_create(user=user, clinic=membership.clinic, role=membership.role, by=by, request=request)
    elif not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    audit_log(
        actor=by, action="clinics.staff.reactivated", clinic=membership.clinic, target=membership, request=request
    )
    return membership


# --- Moving patients between therapists -----------------------------------------------------------


def _active_therapist(clinic: Clinic, user: User) -> bool:
    return active_therapists(clinic).filter(user=user).exists()


def _as_codes(values: Iterable) -> set[uuid.UUID]:
    try:
        return {value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)) for value in values}
    except ValueError:
        raise ReassignError(_("Choose patients from the list."), field="enrollments") from None


@transaction.atomic
def enrollments_reassign(
    *, clinic: Clinic, enrollment_codes: Iterable, to_therapist: User, by: User, request=None
) -> int:
    """Give the chosen open patients of the clinic to another of its therapists. All or nothing:
    a code that is not an open patient of this clinic changes nothing at all. Returns how many moved."""
    codes = _as_codes(enrollment_codes)
    if not codes:
        raise ReassignError(_("Choose at least one patient to move."), field="enrollments")
    if not _active_therapist(clinic, to_therapist):
        raise ReassignError(_("Choose a therapist who works at this clinic now."), field="to_therapist")
    enrollments = list(
        Enrollment.objects.select_for_update(of=("self",))
        .filter(clinic=clinic, code__in=codes, status__in=Enrollment.OPEN_STATUSES)
        .select_related("clinic", "patient")
        .order_by("pk")
    )
    if len(enrollments) != len(codes):
        raise ReassignError(
            _("Some of the patients you chose are no longer open patients of this clinic. Nothing was changed."),
            field="enrollments",
        )
    moving = [enrollment for enrollment in enrollments if enrollment.therapist_id != to_therapist.pk]
    if not moving:
        raise ReassignError(
            _("The patients you chose already have %(name)s as their therapist.") % {"name": to_therapist.name},
            field="to_therapist",
        )
    previous = {enrollment.pk: enrollment.therapist_id for enrollment in moving}
    Enrollment.objects.filter(pk__in=[enrollment.pk for enrollment in moving]).update(therapist=to_therapist)
    events = []
    for enrollment in moving:
        enrollment.therapist = to_therapist
        events.append(
            audit_log(
                actor=by,
                action="clinics.enrollment.reassigned",
                enrollment=enrollment,
                target=enrollment,
                request=request,
            )
        )
        _tell_patient(enrollment, event_id=events[-1].pk)
    # Check-ins booked with the previous therapist are cancelled by guidance (see its receiver).
    enrollments_reassigned.send(sender=Enrollment, enrollments=moving, previous=previous, by=by, request=request)
    notify(
        user=to_therapist,
        kind=CASELOAD_RECEIVED_KIND,
        dedupe_key=f"{CASELOAD_RECEIVED_KIND}:{events[0].pk}",
        context={"count": len(moving), "clinic_id": clinic.pk},
    )
    return len(moving)


def _tell_patient(enrollment: Enrollment, *, event_id: int) -> None:
    # Someone still invited has no account to sign in to yet; their programme starts with the new
    # therapist, so there is nothing to tell them.
    if enrollment.status == Enrollment.Status.INVITED:
        return
    notify(
        user=enrollment.patient,
        kind=THERAPIST_CHANGED_KIND,
        dedupe_key=f"{THERAPIST_CHANGED_KIND}:{event_id}",
        context={"enrollment_id": enrollment.pk},
    )


def caseload_received_context(notification) -> dict:
    """The clinic's name for the therapist's e-mail, read when it is sent."""
    clinic = Clinic.objects.filter(pk=notification.context.get("clinic_id")).first()
    return {"clinic_name": clinic.name if clinic else ""}


def register_notification_kinds() -> None:
    """Called from ClinicsConfig.ready."""
    from notifications.registry import register_kind

    register_kind(THERAPIST_CHANGED_KIND, template="clinics/email/therapist_changed")
    register_kind(
        CASELOAD_RECEIVED_KIND, template="clinics/email/caseload_received", build_context=caseload_received_context
    )
