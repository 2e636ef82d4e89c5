"""The rules of internal audits over plain values (DOMAIN §13.1, §13.6): no database here, so each
rule is tested on its own and the services, selectors and pages apply the same function.

Rule 39 (independence): a person may not audit a process they own (or a site they manage) unless a
justification is recorded. Rule 40 (coverage): a programme shows which of its clauses no completed
audit of its period covers.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from improvement.enums import COMPLETED_AUDIT_STATUSES

INDEPENDENCE_NEEDS_JUSTIFICATION = _(
    "Rule 39: %(name)s is responsible for %(areas)s in this audit's scope and may not audit it, "
    "unless you record why (for example: a small organisation with nobody else trained)."
)


# --- Rule 39 -----------------------------------------------------------------------------------


def own_areas(user_id: int | None, owners: Mapping[str, int | None]) -> list[str]:
    """The areas in scope (process or site names) the person is responsible for, by name, sorted.

    `owners` maps each area in the audit's scope to the id of the person responsible for it (or None).
    An external auditor (no user) is responsible for none."""
    if user_id is None:
        return []
    return sorted(name for name, owner_id in owners.items() if owner_id == user_id)


def independence_refused(user_id: int | None, owners: Mapping[str, int | None], justification: str) -> bool:
    """Rule 39: refused when the person is responsible for an area in scope and no reason is given."""
    return bool(own_areas(user_id, owners)) and not justification.strip()


def untrained_standards(required: Iterable[str], trained: Iterable[str]) -> list[str]:
    """The standards of the programme the person has no internal-auditor training for (a warning,
    never a refusal: competence is the organisation's judgement)."""
    have = set(trained)
    return sorted({code for code in required if code not in have})


# --- Rule 40 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One clause of the programme to cover: a clause, or a Harmonized Structure key shared by
    several of the programme's editions (covered once for all of them)."""

    clause_id: int
    shared_key: str = ""


@dataclass(frozen=True)
class AuditScope:
    audit_id: int
    status: str
    starts_on: datetime.date
    clause_ids: frozenset[int]
    hs_keys: frozenset[str]  # the keys of the clauses in its scope


def counts_for_coverage(audit: AuditScope, period_from: datetime.date, period_to: datetime.date) -> bool:
    """A completed (reported or closed) audit that began within the programme's period."""
    return audit.status in COMPLETED_AUDIT_STATUSES and period_from <= audit.starts_on <= period_to


def covers(audit: AuditScope, unit: Unit) -> bool:
    if unit.shared_key:
        return unit.shared_key in audit.hs_keys
    return unit.clause_id in audit.clause_ids


def coverage(
    units: Iterable[Unit], audits: Iterable[AuditScope], period_from: datetime.date, period_to: datetime.date
) -> dict[Unit, list[int]]:
    """For each unit, the ids of the completed audits of the period that cover it (empty: not covered)."""
    counted = [a for a in audits if counts_for_coverage(a, period_from, period_to)]
    return {unit: [a.audit_id for a in counted if covers(a, unit)] for unit in units}


def uncovered(covering: Mapping[Unit, list[int]]) -> list[Unit]:
    return [unit for unit, audit_ids in covering.items() if not audit_ids]
