from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certification decisions and certificates")

    def ready(self) -> None:
        from certificates import documents, health  # noqa: F401  (register the certificate PDF, the daily job's health)
        from certificates.selectors import client_review
        from certificates.selectors.changes import certified_lock
        from organisations import locks

        locks.register(certified_lock)
        client_review.connect()  # certificates and next audits among a management review's inputs
