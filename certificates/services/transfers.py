"""The accepting CB's pre-transfer review (IAF MD 2; DOMAIN.md §1.11, rule 30).

The review records what the competent person found about the certificate the client brings from
another CB. It decides nothing: the transfer decision (`decisions.decision_record`, kind transfer)
is taken on an accepted review, and refuses one whose incoming certificate is not accredited,
valid and unsuspended (rule 30).
"""

import datetime
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import AuditProgramme
from certificates import access
from certificates.models import TransferReview
from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from organisations.access import require
from organisations.models import User
from standards.models import Edition


class TransferError(DomainError):
    pass


@dataclass(frozen=True)
class TransferDetails:
    """What the reviewer records (the fields of `TransferReview` a person fills in)."""

    issuing_body: str
    incoming_number: str
    incoming_status: str
    incoming_accredited: bool
    original_certified_on: datetime.date
    cycle_started_on: datetime.date
    expires_on: datetime.date
    reason: str
    reports_reviewed: str
    outcome: str
    reviewed_on: datetime.date
    issuing_accreditation_body: str = ""
    open_nonconformities: str = ""
    complaints: str = ""
    regulators: str = ""
    visited: bool = False


def _edition_refusal(programme: AuditProgramme, edition: Edition) -> str | None:
    if not programme.programme_editions.filter(edition=edition).exists():
        return _("%(edition)s is not in this programme.") % {"edition": edition.label}
    if not edition.certifiable:
        return _("%(edition)s is guidance: it cannot be certified (rule 32).") % {"edition": edition.label}
    return None


@transaction.atomic
def transfer_review_record(
    *, actor: User, programme: AuditProgramme, edition: Edition, details: TransferDetails
) -> TransferReview:
    """Record a pre-transfer review of the client's certificate for one standard of the programme."""
    programme = (
        AuditProgramme.objects.select_for_update().select_related("certification_body").get(pk=programme.pk)
    )
    require(access.can_decide_programme(actor, programme), access.DECIDERS_ONLY)
    if refusal := _edition_refusal(programme, edition):
        raise TransferError(refusal)
    if details.reviewed_on > timezone.localdate():
        raise TransferError(_("A review is recorded once done: its date cannot be in the future."))
    values = asdict(details)
    for name in ("issuing_body", "issuing_accreditation_body", "incoming_number"):
        values[name] = values[name].strip()
    review = TransferReview(programme=programme, edition=edition, reviewed_by=actor, **values)
    refuse_invalid(review, TransferError, exclude=("programme", "edition", "reviewed_by"))
    review.save()
    transition_record(
        subject=review,
        field="outcome",
        from_state=None,
        to_state=review.outcome,
        actor=actor,
        reason=_("Pre-transfer review of %(number)s issued by %(body)s.")
        % {"number": review.incoming_number, "body": review.issuing_body},
    )
    return review
