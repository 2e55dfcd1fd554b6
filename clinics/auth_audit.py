"""Sign-in, sign-out, MFA and password events in the audit trail.

Connected in ``ClinicsConfig.ready``: allauth's and Django's signals, plus accounts' own
``password_reset_requested``. Nothing typed is stored: not the password, and not the address of a
failed sign-in unless it belongs to an account (then the account is the actor and the address is
not kept). Sign-ins are allauth's (password, login code, MFA); the test client's ``force_login`` and
an invitation's acceptance (recorded as ``clinics.invitation.accepted``) are not sign-in events.
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals

from accounts import signals as accounts_signals
from accounts.models import User
from accounts.signals import password_reset_requested
from clinics.models import AuditEvent, Enrollment
from clinics.services import audit_log


def logged_in(sender, request, user, **kwargs):
    audit_log(actor=user, action="auth.login", request=request)


def logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log(actor=user, action="auth.logout", request=request)


def login_failed(sender, credentials, request=None, **kwargs):
    address = credentials.get("email") or credentials.get("username") or ""
    user = User.objects.filter(email__iexact=address).first() if address else None
    audit_log(actor=user, action="auth.login_failed", request=request, outcome=AuditEvent.Outcome.DENIED)


def mfa_used(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        action = "auth.recovery_code.used"
    elif kwargs.get("reauthenticated"):
        action = "auth.mfa.reauthenticated"
    else:
        action = "auth.mfa.passed"
    audit_log(actor=user, action=action, target=authenticator, request=request)


def mfa_failed(sender, request, user, authenticator, **kwargs):
    audit_log(
        actor=user, action="auth.mfa.failed", target=authenticator, request=request, outcome=AuditEvent.Outcome.DENIED
    )


def authenticator_added(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        action = "auth.recovery_codes.generated"
    else:
        action = "auth.authenticator.added"
    audit_log(actor=user, action=action, target=authenticator, request=request)


def authenticator_removed(sender, request, user, authenticator, **kwargs):
    audit_log(actor=user, action="auth.authenticator.removed", target=authenticator, request=request)


def recovery_codes_reset(sender, request, user, authenticator, **kwargs):
    audit_log(actor=user, action="auth.recovery_codes.generated", target=authenticator, request=request)


def password_changed(sender, request, user, **kwargs):
    audit_log(actor=user, action="auth.password.changed", request=request)


def reset_requested(sender, request, user, **kwargs):
    audit_log(actor=user, action="auth.password_reset.requested", request=request)


def reset_done(sender, request, user, **kwargs):
    audit_log(actor=user, action="auth.password_reset.done", request=request)


def profile_changed(sender, request, user, **kwargs):
    # A patient's details are part of their record: the row names their current enrolment.
    enrollment = Enrollment.objects.filter(patient=user).select_related("clinic").order_by("-created_at").first()
    audit_log(actor=user, action="accounts.profile.changed", enrollment=enrollment, target=user, request=request)


RECEIVERS = [
    (account_signals.user_logged_in, logged_in),
    (auth_signals.user_logged_out, logged_out),
    (auth_signals.user_login_failed, login_failed),
    (mfa_signals.authenticator_used, mfa_used),
    (mfa_signals.authentication_failed, mfa_failed),
    (mfa_signals.authenticator_added, authenticator_added),
    (mfa_signals.authenticator_removed, authenticator_removed),
    (mfa_signals.authenticator_reset, recovery_codes_reset),
    (account_signals.password_changed, password_changed),
    (account_signals.password_set, password_changed),
    (account_signals.password_reset, reset_done),
    (password_reset_requested, reset_requested),
    (accounts_signals.profile_changed, profile_changed),
]


def connect() -> None:
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"steady_audit_{receiver.__name__}")
