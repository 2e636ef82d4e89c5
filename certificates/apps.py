from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certification decisions and certificates")

    def ready(self) -> None:
        from audits import changes
        from certificates import checks, documents, health  # noqa: F401  (register the day settings' check, the certificate PDF, the daily job's health)
        from certificates.selectors import client_review
        from certificates.selectors.changes import certified_lock
        from certificates.services.due_dates import certificate_dues_refresh_for_audits
        from certificates.services.steps import (
            cycle_steps_refresh_for_audits,
            cycle_steps_refresh_for_findings,
            cycle_steps_refresh_for_programmes,
        )
        from organisations import locks

        locks.register(certified_lock)
        changes.listen(certificate_dues_refresh_for_audits)  # a surveillance held is done
        changes.listen(cycle_steps_refresh_for_audits, kinds=None)  # a team, plan, report to do
        changes.listen_programmes(cycle_steps_refresh_for_programmes)  # a programme to approve
        changes.listen_findings(cycle_steps_refresh_for_findings)  # an answer to review
        client_review.connect()  # certificates and next audits among a management review's inputs
