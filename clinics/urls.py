from django.urls import path

from clinics.views import core as views

urlpatterns = [
    path("", views.home, name="home"),
    path("clinics/", views.clinic_list, name="clinic_list"),
    path("clinics/<slug:slug>/", views.clinic_detail, name="clinic_detail"),
    path("invite/password/", views.invitation_password, name="invitation_password"),
    path("invite/consent/", views.invitation_consent, name="invitation_consent"),
    path("invite/<str:token>/", views.invitation_open, name="invitation_open"),
    path("legal/terms/", views.legal_terms, name="legal_terms"),
    path("legal/privacy/", views.legal_privacy, name="legal_privacy"),
    # --- cohorts and CSV enrolment (clinics/views/cohorts.py) ---
    # --- staff and caseloads (clinics/views/staff.py) ---
    # --- clinic settings (clinics/views/settings.py) ---
    # --- technical support (clinics/views/support.py) ---
]
