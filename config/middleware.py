import re
import uuid

from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreMiddleware:
    """Pages may hold health data: no browser or proxy may keep a copy (ASVS 14.3.2).

    Static files are served before this runs (WhiteNoise), so they keep their long cache life.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        return response


REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id, kept on ``request.request_id``, written into every AuditEvent and
    sent back in X-Request-ID, so one request can be followed from the proxy's log to the audit trail.
    An id from a trusted proxy is kept when it looks like one; anything else gets a fresh id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = offered if _REQUEST_ID_OK.match(offered) else uuid.uuid4().hex
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response
