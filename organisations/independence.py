"""Independence (ISO/IEC 17021-1 §5.2, DOMAIN §9.4): nobody is on both sides of a certification.

A person with an active role at a certification body holds no active role in an organisation that
body serves (an open `ClientEngagement`), and the reverse. Otherwise a CB manager enrolled in a
client could answer a nonconformity as the client and accept the answer as the CB.

One rule, asked at every door that could join the two sides: an invitation to an organisation and
its acceptance (`organisations.services`), a CB membership and an organisation membership made or
reactivated in the admin, a CB taking on a client (the engagement's admin form) and the demo data.
The response review re-checks its own side of it (`audits.access.review_refusal`).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.errors import DomainError
from organisations.models import CBMembership, CertificationBody, Organisation, OrganisationMembership, User


class IndependenceError(DomainError):
    pass


@dataclass(frozen=True)
class Conflict:
    person: User
    certification_body: CertificationBody
    organisation: Organisation

    @property
    def message(self) -> str:
        return _(
            "Independence: %(person)s would both work for %(body)s and belong to %(organisation)s, its "
            "client. Nobody holds a role on both sides of a certification (ISO/IEC 17021-1 §5.2): end "
            "one of the two roles first."
        ) % {"person": self.person, "body": self.certification_body, "organisation": self.organisation}


def independence_conflict(
    *,
    user: User | None = None,
    certification_body: CertificationBody | None = None,
    organisation: Organisation | None = None,
) -> Conflict | None:
    """The conflict that a new active role or engagement would make, or None. Name two of the three:
    a person joining an organisation (`user`, `organisation`), a person joining a CB (`user`,
    `certification_body`), a CB taking on a client (`certification_body`, `organisation`); the third
    is looked up among the active memberships and open engagements."""
    if organisation is not None and certification_body is not None:
        person = User.objects.filter(
            cb_memberships__certification_body=certification_body,
            cb_memberships__is_active=True,
            organisation_memberships__organisation=organisation,
            organisation_memberships__is_active=True,
        ).first()
        return Conflict(person, certification_body, organisation) if person else None
    if user is None or user.pk is None:  # a new account holds no role yet
        return None
    if organisation is not None:
        staff = (
            CBMembership.objects.filter(
                user=user,
                is_active=True,
                certification_body__engagements__organisation=organisation,
                certification_body__engagements__ended_on__isnull=True,
            )
            .select_related("certification_body")
            .first()
        )
        return Conflict(user, staff.certification_body, organisation) if staff else None
    member = (
        OrganisationMembership.objects.filter(
            user=user,
            is_active=True,
            organisation__engagements__certification_body=certification_body,
            organisation__engagements__ended_on__isnull=True,
        )
        .select_related("organisation")
        .first()
    )
    return Conflict(user, certification_body, member.organisation) if member else None


def require_independent(**sides) -> None:
    """`independence_conflict(**sides)`, refused with its message."""
    if conflict := independence_conflict(**sides):
        raise IndependenceError(conflict.message)
