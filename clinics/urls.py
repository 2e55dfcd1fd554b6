from django.urls import path

from clinics.views import audit as audit_views
from clinics.views import cohorts as cohort_views
from clinics.views import core as views
from clinics.views import settings as settings_views
from clinics.views import staff as staff_views
from clinics.views import support as support_views

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
    path("clinics/<slug:slug>/cohorts/", cohort_views.cohort_list, name="cohort_list"),
    path("clinics/<slug:slug>/cohorts/new/", cohort_views.cohort_create, name="cohort_create"),
    path("clinics/<slug:slug>/cohorts/<int:pk>/", cohort_views.cohort_detail, name="cohort_detail"),
    path("clinics/<slug:slug>/cohorts/<int:pk>/close/", cohort_views.cohort_close, name="cohort_close"),
    path("clinics/<slug:slug>/cohorts/<int:pk>/import/", cohort_views.cohort_import, name="cohort_import"),
    path(
        "clinics/<slug:slug>/imports/<uuid:code>/",
        cohort_views.enrolment_import_status,
        name="enrolment_import_status",
    ),
    # --- staff and caseloads (clinics/views/staff.py) ---
    path("clinics/<slug:slug>/staff/", staff_views.staff_list, name="staff_list"),
    path("clinics/<slug:slug>/staff/invite/", staff_views.staff_invite_view, name="staff_invite"),
    path(
        "clinics/<slug:slug>/staff/<int:membership_id>/deactivate/",
        staff_views.staff_deactivate,
        name="staff_deactivate",
    ),
    path(
        "clinics/<slug:slug>/staff/<int:membership_id>/reactivate/",
        staff_views.staff_reactivate,
        name="staff_reactivate",
    ),
    path("clinics/<slug:slug>/caseloads/", staff_views.caseloads, name="caseloads"),
    path("clinics/<slug:slug>/caseloads/reassign/", staff_views.caseload_reassign, name="caseload_reassign"),
    # --- clinic settings (clinics/views/settings.py) ---
    path("clinics/<slug:slug>/settings/", settings_views.clinic_settings, name="clinic_settings"),
    path(
        "clinics/<slug:slug>/settings/licences/<slug:key>/confirm/",
        settings_views.licence_confirm_view,
        name="licence_confirm",
    ),
    path(
        "clinics/<slug:slug>/settings/licences/<slug:key>/withdraw/",
        settings_views.licence_withdraw_view,
        name="licence_withdraw",
    ),
    # --- technical support (clinics/views/support.py) ---
    path("help/", support_views.help_page, name="help"),
    path("help/report/", support_views.support_report, name="support_report"),
    path("clinics/<slug:slug>/support/", support_views.support_list, name="support_list"),
    path("clinics/<slug:slug>/support/<uuid:code>/", support_views.support_detail, name="support_detail"),
    # --- audit log (clinics/views/audit.py) ---
    path("clinics/<slug:slug>/audit/", audit_views.audit_list, name="audit_list"),
    path("clinics/<slug:slug>/audit/download/", audit_views.audit_csv, name="audit_csv"),
]
