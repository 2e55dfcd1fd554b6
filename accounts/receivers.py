"""allauth.usersessions records a session when allauth signs someone in; Steady also signs people
in itself (accepting an invitation) and tests use Django's force_login. Recording every sign-in
here, from Django's own signal, means ``user_sessions_end`` finds every session of a person."""

from django.core.exceptions import PermissionDenied


def record_session(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    from allauth.usersessions.models import UserSession

    if not request.session.session_key:
        request.session.save()
    request.user = user
    try:
        UserSession.objects.create_from_request(request)
    except PermissionDenied:
        # No client address (a request made in code, such as the test client's force_login): the
        # session is still recorded, so it can still be ended.
        UserSession.objects.get_or_create(
            session_key=request.session.session_key,
            defaults={"user": user, "ip": "0.0.0.0", "user_agent": ""},  # noqa: S104 (an address, not a bind)
        )
