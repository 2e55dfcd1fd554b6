from django.urls import path

from outcomes.views import alerts, answering, progress

urlpatterns = [
    # The patient's own questionnaires and progress.
    path("me/questionnaires/", answering.questionnaire_next, name="questionnaire_next"),
    path("me/questionnaires/<uuid:code>/", answering.questionnaire_answer, name="questionnaire_answer"),
    path("me/progress/", progress.my_progress, name="my_progress"),
    path("me/progress/report/", progress.report_create, name="progress_report_create"),
    path("me/progress/exports/<uuid:code>/", progress.export_status, name="export_status"),
    path("me/progress/exports/<uuid:code>/download/", progress.export_download, name="export_download"),
    # Staff.
    path("alerts/", alerts.alert_list, name="alert_list"),
    path("alerts/<uuid:code>/acknowledge/", alerts.alert_acknowledge, name="alert_acknowledge"),
    path("patients/<uuid:code>/progress/", progress.patient_progress, name="patient_progress"),
]
