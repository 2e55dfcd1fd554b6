"""Cohorts (list, create, detail, close) and enrolment from a CSV file (upload, job status).

Every view reaches the clinic through access_clinic_as_admin (404 for anyone else) and the clinic's
cohorts and imports through it.
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinics import access, cohorts, imports, selectors
from clinics.cohort_forms import CohortForm, EnrolmentUploadForm
from clinics.models import Cohort, EnrolmentImport
from clinics.services import audit_log

PATIENTS_PAGE_SIZE = 50
NEW_PATIENTS_PAGE_SIZE = 100
HTMX_STOP_POLLING = 286
DETAIL = "clinics/cohorts/detail.html"
STATUS = "clinics/cohorts/import_status.html"

# What each column of the CSV file holds, for the instructions next to the upload form.
COLUMN_HELP = [
    ("email", True, _lazy("The patient's e-mail address. The invitation goes here.")),
    ("first name", True, _lazy("The patient's first name.")),
    ("last name", True, _lazy("The patient's last name.")),
    (
        "therapist email",
        True,
        _lazy("The e-mail address of one of this clinic's therapists. Blank: the cohort's default therapist."),
    ),
    ("contact mode", False, _lazy("async, sync or mixed. Blank: the cohort's default.")),
    ("time zone", False, _lazy("Like Europe/London. Blank: the clinic's time zone.")),
    ("language", False, _lazy("A language code, like en. Blank: the cohort's language.")),
]


def _cohort(clinic, pk) -> Cohort:
    return get_object_or_404(selectors.cohorts_with_counts(clinic), pk=pk)


@require_GET
def cohort_list(request, slug):
    clinic = access.access_clinic_as_admin(request.user, slug)
    context = {"clinic": clinic, "admin_section": "cohorts", "cohorts": list(selectors.cohorts_with_counts(clinic))}
    return render(request, "clinics/cohorts/list.html", context)


@require_http_methods(["GET", "POST"])
def cohort_create(request, slug):
    clinic = access.access_clinic_as_admin(request.user, slug)
    form = CohortForm(request.POST or None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = cohorts.cohort_create(clinic=clinic, by=request.user, data=form.to_request(), request=request)
        except cohorts.CohortError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, _("The cohort %(name)s is ready for patients.") % {"name": cohort.name})
            return redirect("cohort_detail", slug=clinic.slug, pk=cohort.pk)
    return render(request, "clinics/cohorts/create.html", {"clinic": clinic, "admin_section": "cohorts", "form": form})


@require_GET
def cohort_detail(request, slug, pk):
    clinic = access.access_clinic_as_admin(request.user, slug)
    return _render_detail(request, clinic, _cohort(clinic, pk), EnrolmentUploadForm())


def _render_detail(request, clinic, cohort, form, refusal=None):
    page = Paginator(selectors.cohort_enrollments(cohort), PATIENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    audit_log(actor=request.user, action="clinics.cohort.viewed", clinic=clinic, target=cohort, request=request)
    context = {
        "clinic": clinic,
        "admin_section": "cohorts",
        "cohort": cohort,
        "form": form,
        "refusal": refusal,
        "page": page,
        "imports": list(selectors.clinic_imports(clinic).filter(cohort=cohort)),
        "columns": COLUMN_HELP,
        "language_name": dict(settings.LANGUAGES).get(cohort.language, cohort.language),
    }
    return render(request, DETAIL, context)


@require_POST
def cohort_close(request, slug, pk):
    clinic = access.access_clinic_as_admin(request.user, slug)
    cohort = _cohort(clinic, pk)
    if cohorts.cohort_close(cohort=cohort, by=request.user, request=request):
        messages.success(
            request,
            _("%(name)s is closed. It takes no new patients; the patients in it carry on.") % {"name": cohort.name},
        )
    else:
        messages.info(request, _("This cohort was already closed."))
    return redirect("cohort_detail", slug=clinic.slug, pk=cohort.pk)


@require_POST
def cohort_import(request, slug, pk):
    clinic = access.access_clinic_as_admin(request.user, slug)
    cohort = _cohort(clinic, pk)
    form = EnrolmentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, clinic, cohort, form)
    upload = form.cleaned_data["file"]
    try:
        enrolment_import = imports.enrolment_import_start(
            cohort=cohort, by=request.user, filename=upload.name or "", content=upload.read(), request=request
        )
    except imports.ImportRefused as refusal:
        form.add_error("file", refusal.message)
        return _render_detail(request, clinic, cohort, form, refusal)
    return redirect("enrolment_import_status", slug=clinic.slug, code=enrolment_import.code)


@require_GET
def enrolment_import_status(request, slug, code):
    clinic = access.access_clinic_as_admin(request.user, slug)
    enrolment_import = get_object_or_404(selectors.clinic_imports(clinic), code=code)
    finished = enrolment_import.status in (EnrolmentImport.Status.DONE, EnrolmentImport.Status.FAILED)
    context = {"clinic": clinic, "admin_section": "cohorts", "import": enrolment_import, "finished": finished}
    if finished:
        context["page"] = Paginator(selectors.import_enrollments(enrolment_import), NEW_PATIENTS_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        audit_log(
            actor=request.user,
            action="clinics.enrolment_import.viewed",
            clinic=clinic,
            target=enrolment_import,
            request=request,
        )
    if request.htmx:
        return render(request, f"{STATUS}#status", context, status=HTMX_STOP_POLLING if finished else 200)
    return render(request, STATUS, context)
