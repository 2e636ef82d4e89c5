from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = _("Audits")

    def ready(self) -> None:
        from audits import documents  # noqa: F401  (registers the app's PDFs in core.documents)
        from audits.selectors import client_register, client_review, readiness

        client_register.connect()  # the CB's nonconformities in the client's action register
        client_review.connect()  # the CB's audit results among a management review's inputs
        readiness.connect()  # the editions of the CB's programmes in the client's readiness
