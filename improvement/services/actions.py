"""State changes of the action register (HS 10.2, DOMAIN §13.3, rule 42). Views and the other
services of this app (gap analyses, internal audits) call these; each guards its rule first."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from improvement import access
from improvement.enums import ActionKind, ActionSource, ActionStatus
from improvement.models import Action, GapAnswer, InternalFinding
from organisations import access as tenancy
from organisations.access import require
from organisations.models import Organisation, Site, User
from standards.models import Clause


class ActionError(DomainError):
    pass


# Foreign keys the service sets itself (checked by the caller; validating one costs a query)
KEYS = ("organisation", "owner", "site", "clause", "gap_answer", "internal_finding", "follows", "created_by")


OWNER_NOT_A_WRITER = _(
    "The owner must be a quality manager or a contributor of the organisation: "
    "a viewer cannot answer an action."
)


def owner_guard(owner: User, organisation: Organisation) -> None:
    if tenancy.organisation_role(owner, organisation) not in tenancy.CONTRIBUTING_ROLES:
        raise ActionError(OWNER_NOT_A_WRITER)


def _next_number(organisation: Organisation) -> int:
    """The organisation's next action number; the organisation's row is locked meanwhile, so two
    actions raised at once never get the same number."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    last = Action.objects.filter(organisation=organisation).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


@transaction.atomic
def action_create(
    *,
    actor: User,
    organisation: Organisation,
    source: ActionSource,
    title: str,
    owner: User,
    kind: ActionKind = ActionKind.NONCONFORMITY,
    description: str = "",
    correction: str = "",
    root_cause: str = "",
    corrective_action: str = "",
    due_on: datetime.date | None = None,
    site: Site | None = None,
    clause: Clause | None = None,
    source_reference: str = "",
    gap_answer: GapAnswer | None = None,
    internal_finding: InternalFinding | None = None,
    follows: Action | None = None,
) -> Action:
    """Raise an action in the organisation's register, numbered A-1, A-2, … per organisation.

    The caller guards who may raise it from its own record (an auditor's finding, a gap answer);
    by hand, quality managers and contributors raise actions."""
    require(access.can_raise_action(actor, organisation), access.ACTION_RAISERS_ONLY)
    owner_guard(owner, organisation)
    action = Action(
        organisation=organisation,
        number=_next_number(organisation),
        source=source,
        source_reference=source_reference.strip(),
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        correction=correction.strip(),
        root_cause=root_cause.strip(),
        corrective_action=corrective_action.strip(),
        owner=owner,
        due_on=due_on,
        site=site,
        clause=clause,
        gap_answer=gap_answer,
        internal_finding=internal_finding,
        follows=follows,
        created_by=actor,
    )
    refuse_invalid(action, ActionError, exclude=KEYS)
    action.save()
    transition_record(subject=action, field="status", from_state="", to_state=ActionStatus.OPEN, actor=actor)
    return action
