import time

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from clinics.models import AuditEvent, Enrollment
from clinics.roles import user_roles
from clinics.services import audit_log

SESSION_STARTED = "steady_started_at"
SESSION_SEEN = "steady_seen_at"
# Write the "last seen" time at most this often, so not every request rewrites the session row.
SEEN_RESOLUTION_SECONDS = 30

# Paths a staff member may reach before MFA: allauth's own pages (sign-in, authenticator setup,
# sign-out), public pages and static files.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/readyz", "/legal/", "/invite/")


def session_limits_for(user) -> dict:
    return settings.STEADY_SESSION_LIMITS["staff" if user_roles(user).is_staff else "patient"]


class SessionLimitsMiddleware:
    """Idle and absolute session limits by role: staff 30 min / 12 h, patients 60 min / 24 h."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self.enforce(request)
        return self.get_response(request)

    def enforce(self, request) -> None:
        limits = session_limits_for(request.user)
        now = time.time()
        session = request.session
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN)
        if started is None or seen is None:
            session[SESSION_STARTED] = session[SESSION_SEEN] = now
        elif now - seen > limits["idle"].total_seconds() or now - started > limits["absolute"].total_seconds():
            logout(request)
            messages.info(request, _("You were signed out to keep your information safe. Please sign in again."))
            return
        elif now - seen >= SEEN_RESOLUTION_SECONDS:
            session[SESSION_SEEN] = now
        idle_seconds = int(limits["idle"].total_seconds())
        if session.get("_session_expiry") != idle_seconds:  # only when it changes: no write per request
            session.set_expiry(idle_seconds)


class StaffMFAMiddleware:
    """Staff reach no staff page and no patient data until they have an authenticator and have
    used it in this session. allauth has no such enforcement of its own (allauth issue #3649)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.path.startswith(MFA_EXEMPT_PREFIXES):
            return None
        if not user_roles(user).is_staff:
            return None
        if not is_mfa_enabled(user, [Authenticator.Type.TOTP]):
            messages.info(request, _("Staff accounts need an authenticator app. Set one up to continue."))
            return self.redirect(request, reverse("mfa_activate_totp"))
        records = get_authentication_records(request, user)
        if not any(record.get("method") == "mfa" for record in records):
            return self.redirect(request, reverse("mfa_reauthenticate") + "?next=" + request.get_full_path())
        return None

    def redirect(self, request, url):
        if request.htmx:
            return HttpResponseClientRedirect(url)
        return redirect(url)


class AuditDeniedMiddleware:
    """Write one ``access.denied`` AuditEvent when a signed-in person is refused patient data.

    The rule: a view raised Http404 or PermissionDenied, the person is signed in, and the resolved
    URL carries a ``code``. Every ``code`` in Steady's URLs names patient data or a clinic record
    built from it (enrolments, questionnaires, exports, check-ins, imports, support requests), so
    that is what "patient data" means here. Refusals without a code (an unknown clinic slug, a
    patient-only page opened by staff) are not audited: they name no patient. Anonymous requests are
    sent to sign in before any view runs, so they never get here.

    The row is linked to an enrolment only when that enrolment exists and lies in one of the
    person's own clinics (or is their own): a row never points at data the person may not see.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (Http404, PermissionDenied)):
            return None
        match = getattr(request, "resolver_match", None)
        if not request.user.is_authenticated or match is None or "code" not in match.kwargs:
            return None
        code = str(match.kwargs["code"])
        audit_log(
            actor=request.user,
            action="access.denied",
            enrollment=visible_enrollment(request.user, code),
            request=request,
            outcome=AuditEvent.Outcome.DENIED,
            object_type=match.view_name,
            object_id=code,
        )
        return None


def visible_enrollment(user, code: str) -> Enrollment | None:
    """The enrolment with this code if it is the user's own or in one of their clinics, else None."""
    roles = user_roles(user)
    clinic_ids = roles.therapist_clinic_ids | roles.admin_clinic_ids
    try:
        return Enrollment.objects.filter(Q(patient=user) | Q(clinic_id__in=clinic_ids)).get(code=code)
    except (Enrollment.DoesNotExist, ValidationError, ValueError):
        return None
