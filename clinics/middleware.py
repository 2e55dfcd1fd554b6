import time

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from clinics.roles import user_roles

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
