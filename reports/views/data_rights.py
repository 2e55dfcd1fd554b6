"""Patients' data rights: the patient's "Download all my data", and the clinic admin's withdraw and
erase pages (reports.data_rights).

The patient reaches only their own data (modules.access). Withdraw and erase are for the admins of
the patient's clinic: others out of scope get 404, the patient's therapist (in scope, but not
allowed this action) 403. Opening either page is audited, as every staff read of patient data is.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinics.models import Enrollment
from clinics.services import audit_log
from modules.access import access_own_enrollment
from reports import data_rights
from reports.data_rights_forms import EraseForm, MyDataForm, WithdrawForm

MY_DATA_PAGE = "reports/my_data/page.html"
WITHDRAW_PAGE = "reports/data_rights/withdraw.html"
ERASE_PAGE = "reports/data_rights/erase.html"


@require_GET
def my_data(request):
    enrollment = access_own_enrollment(request.user)
    return render(request, MY_DATA_PAGE, {"enrollment": enrollment, "form": MyDataForm()})


@require_POST
def my_data_request(request):
    enrollment = access_own_enrollment(request.user)
    form = MyDataForm(request.POST)
    if not form.is_valid():
        return render(request, MY_DATA_PAGE, {"enrollment": enrollment, "form": form})
    export = data_rights.my_data_request(
        owner=request.user, enrollment=enrollment, kind=form.export_kind, request=request
    )
    return redirect("report_export_status", code=export.code)


def _admin_page(request, enrollment: Enrollment, template: str, **context):
    context = {"enrollment": enrollment, "clinic": enrollment.clinic, "admin_section": "patients", **context}
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def patient_withdraw(request, code):
    enrollment = data_rights.access_enrollment_as_admin(request.user, code)
    if not enrollment.is_open and request.method == "POST":
        messages.info(request, _nothing_to_withdraw(enrollment))
        return redirect("enrollment_detail", code=enrollment.code)
    form = WithdrawForm(request.POST or None) if enrollment.is_open else None
    if request.method == "GET":
        audit_log(actor=request.user, action="reports.patient.withdraw_viewed", enrollment=enrollment, request=request)
    elif form.is_valid():
        try:
            changed = data_rights.enrollment_withdraw(
                enrollment=enrollment, by=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except data_rights.DataRightsError as error:
            form.add_error(error.field, str(error))
        else:
            if changed:
                messages.success(request, _("The patient is withdrawn. Their reminders and plans have stopped."))
            else:
                messages.info(request, _nothing_to_withdraw(enrollment))
            return redirect("enrollment_detail", code=enrollment.code)
    return _admin_page(request, enrollment, WITHDRAW_PAGE, form=form)


def _nothing_to_withdraw(enrollment: Enrollment) -> str:
    if enrollment.status == Enrollment.Status.WITHDRAWN:
        return _("The patient was already withdrawn. Nothing has changed.")
    return _("This patient has finished the programme, so there is nothing to withdraw.")


@require_http_methods(["GET", "POST"])
def patient_erase(request, code):
    enrollment = data_rights.access_enrollment_as_admin(request.user, code)
    can_erase = enrollment.erased_at is None and not enrollment.is_open
    form = EraseForm(request.POST or None, expected_email=enrollment.patient.email) if can_erase else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This patient cannot be erased now. The page says why."))
            return redirect("patient_erase", code=enrollment.code)
        if form.is_valid():
            try:
                data_rights.patient_erase(enrollment=enrollment, by=request.user, request=request)
            except data_rights.DataRightsError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The patient's details are erased. This cannot be undone."))
                return redirect("enrollment_detail", code=enrollment.code)
    else:
        audit_log(actor=request.user, action="reports.patient.erase_viewed", enrollment=enrollment, request=request)
    return _admin_page(request, enrollment, ERASE_PAGE, form=form)
