"""Help for patients (open to everyone, also people who cannot sign in) and technical support.

A patient's report goes to the clinic's admins, never to the therapist; the admins answer it on
their support pages and the patient sees the status and reply on the help page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clinics import access
from clinics.models import DEFAULT_CRISIS_TEXT, Enrollment, SupportRequest
from clinics.roles import user_roles
from clinics.services import audit_log
from clinics.support import (
    SupportError,
    access_support_request_as_admin,
    clinic_support_requests,
    patient_support_requests,
    support_request_create,
    support_request_update,
    support_status_counts,
)
from clinics.support_forms import SupportReportForm, SupportUpdateForm

SUPPORT_PAGE_SIZE = 25


def _patient_enrollment(user) -> Enrollment | None:
    """The signed-in patient's current enrolment; None for staff and signed-out people."""
    if not user.is_authenticated or user_roles(user).is_staff:
        return None
    return access.access_current_enrollment(user)


@login_not_required
@require_GET
def help_page(request):
    enrollment = _patient_enrollment(request.user)
    return render(
        request,
        "help/index.html",
        {
            "enrollment": enrollment,
            "crisis_text": enrollment.clinic.crisis_text if enrollment else DEFAULT_CRISIS_TEXT,
            "reports": patient_support_requests(request.user) if enrollment else [],
        },
    )


@require_http_methods(["GET", "POST"])
def support_report(request):
    enrollment = _patient_enrollment(request.user)
    if enrollment is None:
        raise Http404("Only patients report problems here.")
    form = SupportReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            support_request_create(
                enrollment=enrollment,
                reporter=request.user,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
                device=request.headers.get("User-Agent", ""),
                request=request,
            )
        except SupportError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(
                request,
                _("Thank you. Your report has gone to the team at %(clinic)s. You can see what happens to it below.")
                % {"clinic": enrollment.clinic.name},
            )
            # No "#your-reports": the thank-you banner at the top of the page must be in view.
            return redirect("help")
    return render(
        request,
        "help/report.html",
        {"form": form, "enrollment": enrollment, "crisis_text": enrollment.clinic.crisis_text},
    )


@require_GET
def support_list(request, slug):
    clinic = access.access_clinic_as_admin(request.user, slug)
    status = request.GET.get("status")
    if status not in SupportRequest.Status.values:
        status = None
    page = Paginator(clinic_support_requests(clinic, status), SUPPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = support_status_counts(clinic)
    filters = [{"value": "", "label": _("All"), "count": counts["all"], "current": status is None}] + [
        {"value": value, "label": label, "count": counts[value], "current": status == value}
        for value, label in SupportRequest.Status.choices
    ]
    audit_log(actor=request.user, action="clinics.support_list.viewed", clinic=clinic, request=request)
    return render(
        request,
        "clinics/support/list.html",
        {"clinic": clinic, "admin_section": "support", "page": page, "filters": filters, "status": status or ""},
    )


@require_http_methods(["GET", "POST"])
def support_detail(request, slug, code):
    clinic = access.access_clinic_as_admin(request.user, slug)
    support = access_support_request_as_admin(clinic, code)
    form = SupportUpdateForm(request.POST or None, initial={"status": support.status, "reply": support.reply})
    if request.method == "POST" and form.is_valid():
        try:
            support_request_update(
                support_request=support,
                by=request.user,
                status=form.cleaned_data["status"],
                reply=form.cleaned_data["reply"],
                request=request,
            )
        except SupportError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, _("The report is updated."))
            return redirect("support_detail", slug=clinic.slug, code=support.code)
    audit_log(
        actor=request.user,
        action="clinics.support_request.viewed",
        clinic=clinic,
        enrollment=support.enrollment,
        target=support,
        request=request,
    )
    return render(
        request,
        "clinics/support/detail.html",
        {"clinic": clinic, "admin_section": "support", "support": support, "form": form},
    )
