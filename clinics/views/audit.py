"""The clinic admin's audit log: a filtered page and the same events as CSV. Both are audited."""

import csv
import zoneinfo

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from clinics import access
from clinics.audit_labels import staff_action_label
from clinics.audit_viewer import CSV_HEADER, AuditFilterForm, clinic_events, csv_row, role_label, who
from clinics.services import audit_log

PAGE_SIZE = 50
CSV_CHUNK = 2000


def _filtered(request, clinic):
    form = AuditFilterForm(request.GET or None, clinic=clinic)
    events = clinic_events(clinic)
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    return form, events


@require_GET
def audit_list(request, slug):
    clinic = access.access_clinic_as_admin(request.user, slug)
    audit_log(actor=request.user, action="clinics.audit.viewed", clinic=clinic, request=request)
    form, events = _filtered(request, clinic)
    valid = not form.is_bound or form.is_valid()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")) if valid else None
    rows = [
        {"event": event, "who": who(event), "role": role_label(event), "what": staff_action_label(event.action)}
        for event in (page.object_list if page else [])
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinics/audit/list.html",
        {
            "clinic": clinic,
            "admin_section": "audit",
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
        },
    )


@require_GET
def audit_csv(request, slug):
    clinic = access.access_clinic_as_admin(request.user, slug)
    form, events = _filtered(request, clinic)
    if form.is_bound and not form.is_valid():  # the page shows what is wrong with the filters
        return redirect(reverse("audit_list", args=[clinic.slug]) + "?" + request.GET.urlencode())
    audit_log(actor=request.user, action="clinics.audit.downloaded", clinic=clinic, request=request)
    zone = zoneinfo.ZoneInfo(clinic.time_zone)
    response = StreamingHttpResponse(_lines(events, zone), content_type="text/csv; charset=utf-8")
    filename = f"steady-audit-{clinic.slug}-{timezone.now().astimezone(zone):%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _Echo:
    def write(self, value):
        return value


def _lines(events, zone):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for event in events.iterator(chunk_size=CSV_CHUNK):
        yield writer.writerow(csv_row(event, zone))
