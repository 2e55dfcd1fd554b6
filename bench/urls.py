"""Steady's URLs plus ``/bench/hello/``: H, the bare Django view every page is compared with. It
passes through the same middleware as every page, but reads no database and renders no template."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from config.urls import urlpatterns as steady_urlpatterns


@login_not_required
@require_GET
def hello(request):
    return HttpResponse(b"Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello, name="bench_hello"), *steady_urlpatterns]
