from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from config import health

# Django admin signs in through allauth, so its rate limits and MFA apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Steady operator admin"
admin.site.site_title = "Steady admin"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("clinics.urls")),
    path("", include("modules.urls")),
    path("", include("outcomes.urls")),
    path("", include("guidance.urls")),
    path("", include("reports.urls")),
]
