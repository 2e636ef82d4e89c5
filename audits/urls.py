from django.urls import path

from audits import views

app_name = "audits"

urlpatterns = [
    path("organisations/<int:org_pk>/gap-analyses/", views.gap_list, name="gap_list"),
    path("organisations/<int:org_pk>/gap-analyses/new/", views.gap_start, name="gap_start"),
    path("gap-analyses/<int:pk>/", views.gap_detail, name="gap_detail"),
    path("gap-analyses/<int:pk>/answers/<int:answer_pk>/", views.gap_answer, name="gap_answer"),
    path(
        "gap-analyses/<int:pk>/answers/<int:answer_pk>/evidence/",
        views.gap_evidence_upload,
        name="gap_evidence_upload",
    ),
    path(
        "gap-analyses/<int:pk>/evidence/<int:file_pk>/",
        views.gap_evidence_download,
        name="gap_evidence_download",
    ),
    path(
        "gap-analyses/<int:pk>/evidence/<int:file_pk>/remove/",
        views.gap_evidence_remove,
        name="gap_evidence_remove",
    ),
    path("gap-analyses/<int:pk>/complete/", views.gap_complete, name="gap_complete"),
    path("gap-analyses/<int:pk>/share/", views.gap_share, name="gap_share"),
    path("gap-analyses/<int:pk>/copy/", views.gap_copy, name="gap_copy"),
    path("gap-analyses/<int:pk>/compare/", views.gap_compare, name="gap_compare"),
    path("gap-analyses/<int:pk>/pdf/", views.gap_pdf, name="gap_pdf"),
    path("gap-analyses/<int:pk>/csv/", views.gap_csv, name="gap_csv"),
]
