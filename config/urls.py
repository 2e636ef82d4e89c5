from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from config.views import dashboard
from core.views import favicon, healthz

admin.site.site_header = _("ISO certification — administration")
admin.site.site_title = _("ISO certification")

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/two-factor/", include("organisations.security_urls")),
    path("catalogue/", include("standards.urls")),
    path("organisations/", include("organisations.urls")),
    path("", include("improvement.urls")),
    path("", include("audits.urls")),
    path("certificates/", include("certificates.urls")),
    path("verify/", include("certificates.verification_urls")),
    path("calendar/", include("certificates.calendar_urls")),
    path("", include("core.urls")),
    # The administration signs in through the app's sign-in, with its second factor
    path("admin/login/", RedirectView.as_view(url=reverse_lazy("login"), query_string=True)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
]

# A database that does not answer gets a 503 "try again in a moment", any other error the 500 page
handler500 = "core.views.server_error"
