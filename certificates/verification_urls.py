from django.urls import path

from certificates.views import verification

app_name = "verification"

urlpatterns = [
    path("", verification.search, name="search"),
    path("c/<str:token>/", verification.token, name="token"),
]
