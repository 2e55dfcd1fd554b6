from django.urls import path

from reports.views import data_rights as data_rights_views
from reports.views import exports
from reports.views import reports as report_views
from reports.views import research as research_views

urlpatterns = [
    path("exports/<uuid:code>/", exports.export_status, name="report_export_status"),
    path("exports/<uuid:code>/download/", exports.export_download, name="report_export_download"),
    # --- cohort and clinic reports (reports/views/reports.py) ---
    path("clinics/<slug:slug>/reports/", report_views.clinic_report, name="clinic_report"),
    path("clinics/<slug:slug>/reports/report.csv", report_views.report_csv, name="report_csv"),
    path("clinics/<slug:slug>/reports/pdf/", report_views.report_pdf, name="report_pdf"),
    # --- research export (reports/views/research.py) ---
    path("clinics/<slug:slug>/research/", research_views.research_export, name="research_export"),
    path(
        "clinics/<slug:slug>/research/projects/",
        research_views.research_project_create,
        name="research_project_create",
    ),
    path("clinics/<slug:slug>/research/exports/", research_views.research_export_create, name="research_export_create"),
    # --- patients' data rights (reports/views/data_rights.py) ---
    path("profile/data/", data_rights_views.my_data, name="my_data"),
    path("profile/data/request/", data_rights_views.my_data_request, name="my_data_request"),
    path("patients/<uuid:code>/withdraw/", data_rights_views.patient_withdraw, name="patient_withdraw"),
    path("patients/<uuid:code>/erase/", data_rights_views.patient_erase, name="patient_erase"),
]
