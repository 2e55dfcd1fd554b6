"""The therapist's home: the caseload dashboard.

Filters are GET parameters, so every view of the table has a real URL. With htmx the form swaps
only the table (``#table`` partial) and pushes the URL; without JavaScript the same form reloads
the page. A history restore (back button; htmx keeps no snapshots) gets the whole page.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clinics.roles import user_roles
from clinics.services import audit_log
from guidance import dashboard as selectors
from guidance.patient_forms import DashboardFilterForm

TEMPLATE = "guidance/dashboard/caseload.html"


@require_GET
def caseload(request):
    roles = user_roles(request.user)
    if not roles.is_therapist:
        raise Http404("Not a therapist.")
    form = DashboardFilterForm(request.GET, cohorts=selectors.caseload_cohorts(request.user))
    form.is_valid()  # what does not fit is left out (cleaned_data keeps only the fields that do)
    data = form.cleaned_data
    filters = selectors.DashboardFilters(
        attention=bool(data.get("attention")),
        cohort_id=data.get("cohort"),
        contact_mode=data.get("contact") or "",
        search=(data.get("q") or "").strip(),
    )
    rows = selectors.dashboard(request.user, filters)
    audit_log(actor=request.user, action="guidance.caseload.viewed", request=request)
    context = {
        "rows": rows,
        "form": form,
        "filters": filters,
        "show_clinic": len(roles.therapist_clinic_ids) > 1,
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, f"{TEMPLATE}#table", context)
    return render(request, TEMPLATE, context)
