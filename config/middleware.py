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
