"""The research export page of a clinic: its projects, a request form, and the admin's earlier exports.

Only the clinic's admins reach it (404 for everyone else). The ZIP itself is made in the background
(reports.research) and fetched from the shared export status page.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinics.access import access_clinic_as_admin
from reports import research_dictionary
from reports import research_services as services
from reports.research_forms import ResearchExportForm, ResearchProjectForm

PAGE = "reports/research/page.html"
PROJECT_PREFIX = "project"
EXPORT_PREFIX = "export"


def _page(request, clinic, *, project_form=None, export_form=None):
    project_form = project_form or ResearchProjectForm(clinic=clinic, prefix=PROJECT_PREFIX)
    export_form = export_form or ResearchExportForm(clinic=clinic, prefix=EXPORT_PREFIX)
    # The export form's choices are the page's lists too: one query each, whatever the rows.
    projects = export_form.fields["project"].choice_objects()
    cohorts = export_form.fields["cohort"].choice_objects()
    programs = export_form.fields["program"].choice_objects()
    context = {
        "clinic": clinic,
        "admin_section": "research",
        "project_form": project_form,
        "export_form": export_form,
        "projects": projects,
        "exports": services.admin_research_exports(
            user=request.user, clinic=clinic, projects=projects, cohorts=cohorts, programs=programs
        ),
        "files": research_dictionary.FILES,
        "reason_min": services.REASON_MIN_CHARS,
    }
    return render(request, PAGE, context)


@require_GET
def research_export(request, slug):
    clinic = access_clinic_as_admin(request.user, slug)
    return _page(request, clinic)


@require_POST
def research_project_create(request, slug):
    clinic = access_clinic_as_admin(request.user, slug)
    form = ResearchProjectForm(request.POST, clinic=clinic, prefix=PROJECT_PREFIX)
    if form.is_valid():
        try:
            project = services.research_project_create(
                clinic=clinic, name=form.cleaned_data["name"], by=request.user, request=request
            )
        except services.ResearchError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(
                request, _("Project “%(name)s” is ready. You can now request its export.") % {"name": project.name}
            )
            return redirect("research_export", slug=clinic.slug)
    return _page(request, clinic, project_form=form)


@require_POST
def research_export_create(request, slug):
    clinic = access_clinic_as_admin(request.user, slug)
    form = ResearchExportForm(request.POST, clinic=clinic, prefix=EXPORT_PREFIX)
    if form.is_valid():
        data = form.cleaned_data
        try:
            export = services.research_export_request(
                clinic=clinic,
                project=data["project"],
                by=request.user,
                cohort=data["cohort"],
                program=data["program"],
                identifiers=data["identifiers"],
                free_text=data["free_text"],
                reason=data["reason"],
                request=request,
            )
        except services.ResearchError as error:
            form.add_error(error.field, str(error))
        else:
            # No banner: the status page says whether the file is being made or ready.
            return redirect("report_export_status", code=export.code)
    return _page(request, clinic, export_form=form)
