"""The clinic report page, its CSV download and its PDF (a background job); clinic admins only.

A cohort's report is the same page with the cohort filter set (the cohort list links to
``?cohort=<pk>``). Filters that do not fit (a cohort of another clinic, a date that is not one)
show their error on the page and no numbers, never a 500. Viewing and downloading are audited.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinics.access import access_clinic_as_admin
from clinics.services import audit_log
from reports.clinic_report import build_report, report_context, report_pdf_request
from reports.csv_export import report_csv as csv_text
from reports.filters import FIELDS, ReportFilterForm


def _form(request, slug, data) -> ReportFilterForm:
    clinic = access_clinic_as_admin(request.user, slug)
    return ReportFilterForm(data or None, clinic=clinic)


def _is_usable(form: ReportFilterForm) -> bool:
    return not form.is_bound or form.is_valid()


@require_GET
def clinic_report(request, slug):
    form = _form(request, slug, request.GET)
    context = {"clinic": form.clinic, "admin_section": "reports", "form": form, "report": None}
    if not _is_usable(form):
        return render(request, "reports/report.html", context)
    report = build_report(form)
    cohort = form.choices()["cohort"]
    audit_log(actor=request.user, action="reports.report.viewed", clinic=form.clinic, target=cohort, request=request)
    params = form.params()
    csv_url = reverse("report_csv", args=[form.clinic.slug])
    context |= report_context(report) | {
        "cohort": cohort,
        "params": params,
        "csv_url": f"{csv_url}?{urlencode(params)}" if params else csv_url,
    }
    return render(request, "reports/report.html", context)


@require_GET
def report_csv(request, slug):
    form = _form(request, slug, request.GET)
    if not _is_usable(form):
        return redirect(reverse("clinic_report", args=[form.clinic.slug]) + "?" + request.GET.urlencode())
    report = build_report(form)
    audit_log(
        actor=request.user,
        action="reports.report.downloaded",
        clinic=form.clinic,
        target=form.choices()["cohort"],
        request=request,
    )
    response = HttpResponse(csv_text(report), content_type="text/csv; charset=utf-8")
    filename = f"steady-report-{form.clinic.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def report_pdf(request, slug):
    form = _form(request, slug, request.POST)
    if not _is_usable(form):
        messages.error(request, _("The PDF could not be asked for: check the filters below."))
        return redirect(reverse("clinic_report", args=[form.clinic.slug]) + "?" + _posted_filters(request))
    export = report_pdf_request(owner=request.user, form=form, request=request)
    return redirect("report_export_status", code=export.code)


def _posted_filters(request) -> str:
    return urlencode({name: request.POST.get(name, "") for name in FIELDS})
