from django.urls import path

from organisations import security_views as views

app_name = "two_factor"

urlpatterns = [
    path("", views.two_factor_overview, name="overview"),
    path("setup/", views.two_factor_setup, name="setup"),
    path("verify/", views.two_factor_verify, name="verify"),
    path("recovery-codes/", views.recovery_codes_replace, name="recovery_codes"),
]
