from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from organisations import security, signins

        # Every sign-in, failure, sign-out and lockout leaves a sign-in record
        user_logged_in.connect(signins.on_signed_in, dispatch_uid="organisations.signed_in")
        user_logged_in.connect(security.on_signed_in, dispatch_uid="organisations.second_factor_owed")
        user_login_failed.connect(signins.on_sign_in_failed, dispatch_uid="organisations.sign_in_failed")
        user_logged_out.connect(signins.on_signed_out, dispatch_uid="organisations.signed_out")
        user_locked_out.connect(signins.on_locked_out, dispatch_uid="organisations.locked_out")
