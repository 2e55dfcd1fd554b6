from django.urls import path

from reports.views import exports

urlpatterns = [
    path("exports/<uuid:code>/", exports.export_status, name="report_export_status"),
    path("exports/<uuid:code>/download/", exports.export_download, name="report_export_download"),
    # --- cohort and clinic reports (reports/views/reports.py) ---
    # --- research export (reports/views/research.py) ---
    # --- patients' data rights (reports/views/data_rights.py) ---
]
