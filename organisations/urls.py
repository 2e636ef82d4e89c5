from django.urls import path

from organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/edit/", views.organisation_edit, name="edit"),
    path("<int:pk>/sites/", views.site_list, name="sites"),
    path("<int:pk>/sites/new/", views.site_create, name="site_create"),
    path("<int:pk>/sites/<int:site_pk>/edit/", views.site_edit, name="site_edit"),
    path("<int:pk>/sites/<int:site_pk>/manager/", views.site_manager, name="site_manager"),
    path("<int:pk>/members/", views.member_list, name="members"),
    path("<int:pk>/members/invite/", views.member_invite, name="member_invite"),
    path("<int:pk>/members/<int:membership_pk>/", views.member_edit, name="member_edit"),
    path(
        "<int:pk>/members/<int:membership_pk>/deactivate/", views.member_deactivate, name="member_deactivate"
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/resend/", views.invitation_resend, name="invitation_resend"
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/revoke/", views.invitation_revoke, name="invitation_revoke"
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
