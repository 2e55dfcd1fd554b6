from django.urls import path, register_converter

from modules.converters import IsoDateConverter
from modules.views import diary, exercises, patient, therapist

register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    # The patient's own program: always their current enrolment, never an id in the URL.
    path("me/", patient.home, name="patient_home"),
    path("me/programme/", patient.overview, name="program_overview"),
    path("me/modules/<slug:module>/", patient.module_detail, name="module_detail"),
    path("me/modules/<slug:module>/<int:number>/", patient.module_page, name="module_page"),
    path("me/modules/<slug:module>/finish/", patient.module_finish, name="module_finish"),
    path("me/modules/<slug:module>/exercises/<slug:exercise>/", exercises.exercise_save, name="exercise_save"),
    path(
        "me/modules/<slug:module>/exercises/<slug:exercise>/submit/",
        exercises.exercise_submit,
        name="exercise_submit",
    ),
    path("me/diary/", diary.diary, name="diary"),
    path("me/diary/<isodate:day>/", diary.diary_entry, name="diary_entry"),
    # Staff: a patient's plan.
    path("patients/<uuid:code>/plan/", therapist.plan_detail, name="plan_detail"),
    path("patients/<uuid:code>/plan/change/", therapist.plan_change, name="plan_change"),
]
