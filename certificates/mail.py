"""E-mails that tell a client's quality managers what its certification body decided or did to
its certificates (issue: nobody is left uninformed). The same events are on their home page
(`selectors.news`), in the same words."""

from django.urls import reverse

from certificates.models import Certificate, Decision
from certificates.selectors.news import certificate_event, decision_event
from core.mail import absolute_url, send_templated_mail
from organisations.selectors import quality_manager_emails


def _send(*, organisation, body, text: str, detail: str, path: str) -> None:
    recipients = quality_manager_emails(organisation.pk)
    if recipients:
        send_templated_mail(
            to=recipients,
            template="certificates/email/news",
            context={
                "organisation": organisation,
                "body": body,
                "text": text,
                "detail": detail,
                "url": absolute_url(path),
            },
        )


def send_certificate_news_mail(
    *, certificate: Certificate, revision: int | None = None, detail: str = ""
) -> None:
    """A certificate issued (`revision`), or its new status (suspended, reinstated, withdrawn,
    expired, cancelled) with `detail` (the reason, the deadline)."""
    _send(
        organisation=certificate.organisation,
        body=certificate.certification_body,
        text=certificate_event(certificate.number, certificate.status, revision),
        detail=detail,
        path=certificate.get_absolute_url(),
    )


def send_decision_news_mail(*, decision: Decision) -> None:
    programme = decision.programme
    _send(
        organisation=programme.organisation,
        body=programme.certification_body,
        text=decision_event(decision.get_kind_display(), decision.outcome, decision.edition.label),
        detail=decision.rationale,
        path=reverse("certificates:decision_detail", args=[decision.pk]),
    )
