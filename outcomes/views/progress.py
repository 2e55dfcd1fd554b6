"""Progress: the patient's "My progress" page and PDF report, and the therapist's view of a patient.

The PDF is made in the background (outcomes.reports): the patient lands on the export's page, which
polls its status partial with htmx (status 286 stops the polling once it is finished) and offers a
"Check again" link without JavaScript. Only the owner reaches an export; anyone else gets 404.
"""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clinics.access import access_enrollment_as_staff
from clinics.services import audit_log
from modules.access import access_own_enrollment
from outcomes import progress, reports
from outcomes.models import Export

EXPORT_PAGE = "outcomes/progress/export.html"
# htmx 2: a response with this status is swapped in and stops the element's polling.
HTMX_STOP_POLLING = 286


@require_GET
def my_progress(request):
    enrollment = access_own_enrollment(request.user)
    return render(
        request,
        "outcomes/progress/my_progress.html",
        {"enrollment": enrollment, "overview": progress.progress_overview(enrollment)},
    )


@require_POST
def report_create(request):
    enrollment = access_own_enrollment(request.user)
    export = reports.progress_report_request(owner=request.user, enrollment=enrollment)
    return redirect("export_status", code=export.code)


@require_GET
def export_status(request, code):
    export = reports.access_own_export(request.user, code)
    state = reports.export_state(export)
    context = {"export": export, "state": state, "finished": state in (Export.Status.DONE, Export.Status.FAILED)}
    if request.htmx:
        status = HTMX_STOP_POLLING if context["finished"] else 200
        return render(request, f"{EXPORT_PAGE}#status", context, status=status)
    return render(request, EXPORT_PAGE, context)


@require_GET
def export_download(request, code):
    export = reports.access_own_export(request.user, code, done=True)
    response = HttpResponse(bytes(export.content), content_type="application/pdf")
    # The name carries a date only: no name or health data in a file that ends up in Downloads.
    response["Content-Disposition"] = f'attachment; filename="{export.filename or "steady-progress.pdf"}"'
    return response


@require_GET
def patient_progress(request, code):
    enrollment = access_enrollment_as_staff(request.user, code)
    audit_log(
        actor=request.user, action="outcomes.progress.viewed", enrollment=enrollment, target=enrollment, request=request
    )
    return render(
        request,
        "outcomes/progress/patient_progress.html",
        {"enrollment": enrollment, "overview": progress.progress_overview(enrollment)},
    )
