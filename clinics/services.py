"""Every write in clinics: one transaction each, audited, side effects after commit."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clinics.models import AuditEvent, Clinic, Cohort, Consent, Enrollment, Invitation, Membership
from clinics.roles import user_roles
from notifications.services import notify

# Versions of the texts people agree to; bump when the text in templates/legal/ changes.
TERMS_VERSION = "2026-11"
PRIVACY_VERSION = "2026-11"
TREATMENT_CONSENT_VERSION = "2026-11"

INVITATION_KIND = "clinics.invitation"


class EnrolmentError(Exception):
    """The enrolment cannot be made; the message is safe to show to the clinic admin."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class InvitationError(Exception):
    """The invitation cannot be used; ``reason`` is one of unknown, expired, used, revoked."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit_log(
    *,
    actor,
    action: str,
    clinic: Clinic | None = None,
    enrollment: Enrollment | None = None,
    target=None,
    request=None,
    outcome: str = AuditEvent.Outcome.OK,
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    """Record who did what to whose data. Call it inside the transaction of the action.

    ``target`` names the object; without one, ``object_type``/``object_id`` may name it instead
    (a URL name and code for a denied attempt, where there may be no object to point at)."""
    if enrollment is not None and clinic is None:
        clinic = enrollment.clinic
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_role=user_roles(actor).name if actor else "",
        clinic=clinic,
        enrollment=enrollment,
        action=action,
        object_type=target._meta.label_lower if target is not None else object_type[:80],
        object_id=_object_id(target) if target is not None else object_id[:64],
        outcome=outcome,
        ip=client_ip(request),
        request_id=getattr(request, "request_id", "") if request is not None else "",
    )


def _object_id(target) -> str:
    return str(getattr(target, "code", None) or getattr(target, "pk", ""))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class EnrolmentRequest:
    name: str
    email: str
    therapist: User
    contact_mode: str
    cohort: Cohort
    start_date: datetime.date
    time_zone: str


@transaction.atomic
def enrollment_enrol(*, clinic: Clinic, by: User, data: EnrolmentRequest, request=None) -> Enrollment:
    """Enrol a new patient and send their invitation (through the outbox, after commit)."""
    if data.cohort.clinic_id != clinic.pk:
        raise EnrolmentError("Choose a cohort of this clinic.", field="cohort")
    if not data.cohort.is_open:
        raise EnrolmentError("This cohort is closed. Choose an open cohort.", field="cohort")
    if not Membership.objects.filter(
        clinic=clinic, user=data.therapist, role=Membership.Role.THERAPIST, is_active=True
    ).exists():
        raise EnrolmentError("Choose a therapist of this clinic.", field="therapist")
    email = data.email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise EnrolmentError(
            "This e-mail address already has a Steady account. Use a different address, or contact "
            "support to enrol an existing account.",
            field="email",
        )
    try:
        with transaction.atomic():
            patient = User.objects.create_user(
                email=email,
                password=None,
                name=data.name,
                time_zone=data.time_zone,
                reminder_hour=clinic.reminder_hour,
                is_active=False,
            )
    except IntegrityError:
        # Two admins enrolling the same address at once: the second one gets the same message.
        raise EnrolmentError("This e-mail address already has a Steady account.", field="email") from None
    enrollment = Enrollment.objects.create(
        patient=patient,
        clinic=clinic,
        cohort=data.cohort,
        program_id=data.cohort.program_id,
        therapist=data.therapist,
        contact_mode=data.contact_mode,
        start_date=data.start_date,
    )
    invitation_create(
        user=patient, clinic=clinic, role=Invitation.Role.PATIENT, enrollment=enrollment, by=by, request=request
    )
    audit_log(actor=by, action="clinics.enrollment.created", enrollment=enrollment, target=enrollment, request=request)
    return enrollment


def invitation_create(*, user: User, clinic: Clinic, role: str, by: User, enrollment=None, request=None) -> Invitation:
    """Make an invitation and queue its e-mail. Earlier unused invitations for the same account
    and clinic stop working, so only the newest link is ever valid."""
    now = timezone.now()
    Invitation.objects.filter(user=user, clinic=clinic, accepted_at=None, revoked_at=None).update(revoked_at=now)
    invitation = Invitation.objects.create(
        user=user,
        email=user.email,
        clinic=clinic,
        role=role,
        enrollment=enrollment,
        created_by=by,
        expires_at=now + settings.STEADY_INVITATION_VALID_FOR,
    )
    notify(
        user=user,
        kind=INVITATION_KIND,
        dedupe_key=f"{INVITATION_KIND}:{invitation.pk}",
        context={"invitation_id": invitation.pk},
    )
    audit_log(
        actor=by,
        action="clinics.invitation.created",
        clinic=clinic,
        enrollment=enrollment,
        target=invitation,
        request=request,
    )
    return invitation


def invitation_email_context(notification) -> dict:
    """Called by the outbox when it sends an invitation e-mail.

    A fresh token is made here and only its hash is kept, so the link exists only in the e-mail.
    If a send is retried, the new e-mail's link replaces the old one.
    """
    invitation = Invitation.objects.select_for_update().get(pk=notification.context["invitation_id"])
    if not invitation.is_usable:
        raise InvitationError("used" if invitation.accepted_at else "expired")
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["token_hash", "sent_at"])
    return {
        "accept_url": settings.STEADY_BASE_URL + reverse("invitation_open", args=[token]),
        "expires_at": invitation.expires_at,
        "is_staff_invitation": invitation.role != Invitation.Role.PATIENT,
    }


def invitation_find(token: str) -> Invitation:
    """The invitation a link's token belongs to, if it can still be used."""
    try:
        invitation = Invitation.objects.select_related("clinic", "enrollment", "user").get(token_hash=hash_token(token))
    except Invitation.DoesNotExist:
        raise InvitationError("unknown") from None
    check_invitation_usable(invitation)
    return invitation


def check_invitation_usable(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise InvitationError("used")
    if invitation.revoked_at is not None:
        raise InvitationError("revoked")
    if invitation.is_expired:
        raise InvitationError("expired")


def invitation_needs_sign_in(invitation: Invitation) -> bool:
    """True when the invited account was already set up (say, through another clinic's invitation).

    Such a link only adds this clinic: the person signs in as themselves first, and the link can
    never set the account's name or password again.
    """
    return invitation.user.has_usable_password()


@transaction.atomic
def invitation_accept(
    *, invitation_id: int, token_hash: str, name: str = "", password_hash: str = "", signed_in_user=None, request=None
) -> User:
    """Activate the invited account with the chosen password and record the consents given.

    An account that is already set up keeps its name and password; only its owner, signed in,
    can accept (``signed_in_user``). Runs with the invitation and account rows locked, so two tabs
    (or a double click, or two clinics' links at once) accept once and set a password once.
    """
    try:
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("clinic", "enrollment")
            .get(pk=invitation_id, token_hash=token_hash)
        )
    except Invitation.DoesNotExist:
        raise InvitationError("unknown") from None
    check_invitation_usable(invitation)
    now = timezone.now()
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    invitation.user = user
    if user.has_usable_password():
        if signed_in_user is None or signed_in_user.pk != user.pk:
            raise InvitationError("sign_in")
    elif not password_hash:
        raise InvitationError("unknown")
    else:
        user.name = name
        user.password = password_hash
        user.is_active = True
        user.save(update_fields=["name", "password", "is_active"])
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
    )
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    consents = [
        Consent(user=user, kind=Consent.Kind.TERMS, version=TERMS_VERSION, given_at=now),
        Consent(user=user, kind=Consent.Kind.PRIVACY, version=PRIVACY_VERSION, given_at=now),
    ]
    enrollment = invitation.enrollment
    if enrollment is not None:
        consents.append(
            Consent(
                user=user,
                enrollment=enrollment,
                kind=Consent.Kind.TREATMENT,
                version=TREATMENT_CONSENT_VERSION,
                given_at=now,
            )
        )
        if enrollment.status == Enrollment.Status.INVITED:
            enrollment.status = Enrollment.Status.ACTIVE
            enrollment.activated_at = now
            enrollment.save(update_fields=["status", "activated_at"])
    Consent.objects.bulk_create(consents)
    audit_log(
        actor=user,
        action="clinics.invitation.accepted",
        clinic=invitation.clinic,
        enrollment=enrollment,
        target=invitation,
        request=request,
    )
    return user
