from django.urls import path

from core import views

app_name = "documents"

urlpatterns = [
    path("documents/<str:kind>/<int:object_id>/", views.document_subject, name="subject"),
    path("documents/<int:document_pk>/", views.document_status, name="status"),
    path("documents/<int:document_pk>/download/", views.document_download, name="download"),
]
