from django.urls import path

from certificates.views import certificates, changes, decisions, fragments, register

app_name = "certificates"

urlpatterns = [
    path("news/", fragments.news, name="news"),
    path("programmes/<int:pk>/next-step/", fragments.programme_next_step, name="programme_next_step"),
    # register (CB staff) and the client's own certificates: one list, scoped by access
    path("", register.register, name="register"),
    path("export.csv", register.register_csv, name="register_csv"),
    path("export.xlsx", register.register_xlsx, name="register_xlsx"),
    path("<int:pk>/", certificates.certificate_detail, name="certificate_detail"),
    path("<int:pk>/draft/", certificates.certificate_draft_edit, name="certificate_draft_edit"),
    path("<int:pk>/draft/issue/", certificates.certificate_draft_issue, name="certificate_draft_issue"),
    path("<int:pk>/draft/void/", certificates.certificate_draft_void, name="certificate_draft_void"),
    path("<int:pk>/suspend/", certificates.certificate_suspend, name="certificate_suspend"),
    path("<int:pk>/reinstate/", certificates.certificate_reinstate, name="certificate_reinstate"),
    path("<int:pk>/withdraw/", certificates.certificate_withdraw, name="certificate_withdraw"),
    path("<int:pk>/cancel/", certificates.certificate_cancel, name="certificate_cancel"),
    path("programmes/<int:pk>/decide/", decisions.decision_add, name="decision_add"),
    path("programmes/<int:pk>/transfer-review/", decisions.transfer_review_add, name="transfer_review_add"),
    path("decisions/<int:pk>/", decisions.decision_detail, name="decision_detail"),
    # the client's change notifications (on its organisation's page) and the CB's reviews of them
    path("changes/organisation/<int:pk>/", changes.change_list, name="change_list"),
    path("changes/organisation/<int:pk>/new/", changes.change_submit, name="change_submit"),
    path("changes/reviews/<int:pk>/", changes.change_review, name="change_review"),
    path("changes/reviews/<int:pk>/decide/", changes.change_review_decide, name="change_review_decide"),
]
