"""A certificate's cycle worked out from its live facts (DOMAIN §1.6–1.8): its current revision,
its CB's policy, its decisions and the surveillance audits of its organisation with its CB, through
`due_rules.certificate_items`. `services.due_dates` stores what this computes, and the calendar reads
the stored rows; nothing else recomputes it.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import QuerySet

from audits.enums import SURVEILLANCES, AuditStatus
from audits.models import Audit
from audits.selectors.programme_checks import cycle_policy
from certificates import due_rules
from certificates.enums import CertificateStatus, DecisionKind, DecisionOutcome, RevisionStatus
from certificates.models import Certificate, CertificateRevision, Decision
from certificates.selectors.calendar import HELD, POLICY_FIELDS, VALID, DueItem
from core.listing import path_of


def certificate_facts(
    certificates: QuerySet[Certificate],
) -> list[tuple[due_rules.CertificateFacts, object, int]]:
    """(facts, the CB's cycle policy, standard id) of every valid certificate among `certificates`:
    two plain queries (the current revisions with their CB's policy and edition; their
    recertification and transfer decisions), cheaper to plan and compile than one that nests the
    decisions as subqueries."""
    revisions = CertificateRevision.objects.filter(
        status=RevisionStatus.CURRENT,
        certificate__status__in=VALID,
        certificate__in=certificates.values("pk"),
    )
    rows = list(
        revisions.order_by("pk").values_list(
            "pk",
            "certificate_id",
            "certificate__number",
            "certificate__status",
            "certificate__organisation_id",
            "certificate__organisation__name",
            "certificate__certification_body_id",
            "certificate__standard_id",
            "certificate__suspension_ends_on",
            "cycle_started_on",
            "expiry_on",
            "edition__standard__code",
            "edition__transition_end_on",
            *(f"certificate__certification_body__{name}" for name in POLICY_FIELDS),
        )
    )
    if not rows:
        return []
    policies: dict[int, object] = {}
    granted: dict[int, list[tuple[str, datetime.date]]] = defaultdict(list)
    for certificate_id, kind, decided_on in Decision.objects.filter(
        certificate_id__in={row[1] for row in rows},
        kind__in=(DecisionKind.RECERTIFICATION, DecisionKind.TRANSFER),
        outcome=DecisionOutcome.GRANT,
    ).values_list("certificate_id", "kind", "decided_on"):
        granted[certificate_id].append((kind, decided_on))
    certificate_path = path_of("certificates:certificate_detail")
    facts = []
    for (
        revision_id,
        certificate_id,
        number,
        status,
        organisation_id,
        organisation_name,
        body_id,
        standard_id,
        suspension_ends_on,
        cycle_started_on,
        expiry_on,
        standard_code,
        transition_end_on,
        *policy_values,
    ) in rows:
        if body_id not in policies:
            policies[body_id] = cycle_policy(
                SimpleNamespace(**dict(zip(POLICY_FIELDS, policy_values, strict=True)))
            )
        decisions = granted.get(certificate_id, ())
        transfers = [day for kind, day in decisions if kind == DecisionKind.TRANSFER]
        facts.append(
            (
                due_rules.CertificateFacts(
                    id=certificate_id,
                    number=number,
                    status=status,
                    organisation_id=organisation_id,
                    organisation_name=organisation_name,
                    certification_body_id=body_id,
                    standard_code=standard_code,
                    path=certificate_path(certificate_id),
                    cycle_started_on=cycle_started_on,
                    expiry_on=expiry_on,
                    suspended=status == CertificateStatus.SUSPENDED,
                    suspension_ends_on=suspension_ends_on,
                    transition_end_on=transition_end_on,
                    # a recertification granted in this cycle (its revision may still be a draft)
                    recertified=any(
                        kind == DecisionKind.RECERTIFICATION and day > cycle_started_on
                        for kind, day in decisions
                    ),
                    transferred_on=max(transfers, default=None),
                    revision_id=revision_id,
                ),
                policies[body_id],
                standard_id,
            )
        )
    return facts


def cycle_audits(facts: list) -> dict[tuple[int, int, int], list[due_rules.CycleAudit]]:
    """The surveillance audits (not cancelled) of the certificates' organisations, by
    (organisation, CB, standard), by first day: one query."""
    organisations = {fact.organisation_id for fact, _policy, _standard in facts}
    found: dict[tuple[int, int, int], list[due_rules.CycleAudit]] = defaultdict(list)
    if not organisations:
        return found
    rows = (
        Audit.objects.filter(kind__in=SURVEILLANCES, programme__organisation_id__in=organisations)
        .exclude(status=AuditStatus.CANCELLED)
        .values_list(
            "pk",
            "kind",
            "starts_on",
            "status",
            "programme__organisation_id",
            "programme__certification_body_id",
            "programme__editions__standard_id",
        )
        .order_by("starts_on", "pk")
    )
    for pk, kind, starts_on, status, organisation_id, body_id, standard_id in rows:
        found[(organisation_id, body_id, standard_id)].append(
            due_rules.CycleAudit(id=pk, kind=kind, starts_on=starts_on, held=status in HELD)
        )
    return found


@dataclass(frozen=True)
class CertificateDue:
    """A valid certificate's facts and what falls due for it (the daily job reads both)."""

    facts: due_rules.CertificateFacts
    items: list[DueItem]


def certificates_due(certificates: QuerySet[Certificate], today: datetime.date) -> list[CertificateDue]:
    """Every valid certificate among `certificates` with its due
    items: three queries."""
    facts = certificate_facts(certificates)
    audits = cycle_audits(facts)
    return [
        CertificateDue(
            facts=fact,
            items=due_rules.certificate_items(
                fact,
                audits.get((fact.organisation_id, fact.certification_body_id, standard_id), []),
                policy,
                today,
            ),
        )
        for fact, policy, standard_id in facts
    ]
