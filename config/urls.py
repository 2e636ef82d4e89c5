from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.views import dashboard
from core.views import healthz

admin.site.site_header = _("ISO certification — administration")
admin.site.site_title = _("ISO certification")

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("catalogue/", include("standards.urls")),
    path("organisations/", include("organisations.urls")),
    path("", include("audits.urls")),
    path("certificates/", include("certificates.urls")),
    path("verify/", include("certificates.verification_urls")),
    path("calendar/", include("certificates.calendar_urls")),
    path("", include("core.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
