"""The status page and download of any background file (reports.jobs): only its owner's.

The page polls its status partial with htmx (status 286 stops the polling once it is finished)
and offers a "Check again" link without JavaScript.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from reports import jobs
from reports.models import Export

EXPORT_PAGE = "reports/export.html"
# htmx 2: a response with this status is swapped in and stops the element's polling.
HTMX_STOP_POLLING = 286


@require_GET
def export_status(request, code):
    export = jobs.access_own_export(request.user, code)
    state = jobs.export_state(export)
    kind = jobs.KINDS[export.kind]
    name, args = kind.back(export)
    context = {
        "export": export,
        "state": state,
        "finished": state in (Export.Status.DONE, Export.Status.FAILED),
        "back_url": reverse(name, args=args),
        "back_label": kind.back_label,
    }
    if request.htmx:
        status = HTMX_STOP_POLLING if context["finished"] else 200
        return render(request, f"{EXPORT_PAGE}#status", context, status=status)
    return render(request, EXPORT_PAGE, context)


@require_GET
def export_download(request, code):
    export = jobs.access_own_export(request.user, code, done=True)
    response = HttpResponse(bytes(export.content), content_type=export.content_type or "application/octet-stream")
    # File names carry a kind and a date only: no name or health data in a file that ends up in Downloads.
    response["Content-Disposition"] = f'attachment; filename="{export.filename or "steady-export"}"'
    response["Cache-Control"] = "no-store"
    return response
