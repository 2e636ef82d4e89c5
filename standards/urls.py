from django.urls import path

from standards import views

app_name = "standards"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<slug:slug>/", views.standard_detail, name="standard_detail"),
    path("<slug:slug>/<int:year>/", views.edition_detail, name="edition_detail"),
]
