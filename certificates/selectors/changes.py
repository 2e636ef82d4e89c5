"""Reads of the client's change notifications (DOMAIN §1.9, rule 38), and the lock they put on
the client's own edits once a certificate holds its name, address, headcount and sites."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from certificates import access
from certificates.enums import CertificateStatus
from certificates.models import Certificate, ChangeNotification
from organisations.models import Organisation, User

# A certificate in these holds the organisation's records: a suspended one may be reinstated
HOLDING = (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
NUMBERS_SHOWN = 3


def certified_lock(organisation: Organisation) -> str | None:
    """Why the client no longer edits its name, address, headcount and sites directly (the
    provider `organisations.locks` calls), or None. One query."""
    numbers = list(
        Certificate.objects.filter(organisation=organisation, status__in=HOLDING)
        .order_by("number")
        .values_list("number", flat=True)[:NUMBERS_SHOWN]
    )
    if not numbers:
        return None
    return _(
        "%(org)s holds certificate %(numbers)s. Its name, address, headcount and sites now change "
        "through a change notification: its certification body reviews the change, then the "
        "records are updated."
    ) % {"org": organisation.name, "numbers": ", ".join(numbers)}


def notifications_of(user: User, organisation: Organisation) -> QuerySet[ChangeNotification]:
    """The organisation's notifications the user sees, each with the reviews the user sees (their
    CB's, or all of them for the client's members) in `seen_reviews`. Two queries."""
    reviews = access.change_reviews_seen(user).select_related("certification_body", "audit", "programme")
    return (
        access.change_notifications_for(user)
        .filter(organisation=organisation)
        .prefetch_related(Prefetch("reviews", queryset=reviews.order_by("pk"), to_attr="seen_reviews"))
    )
