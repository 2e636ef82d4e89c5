"""Findings (DOMAIN §2, rules 17–21): their deadlines, the nonconformity's state machine and what
is overdue. Pure: plain values in, plain values out."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from audits.enums import NC_TYPES, FindingStatus, FindingType

F = FindingStatus


@dataclass(frozen=True)
class DeadlinePolicy:
    """The CB's settings for rule 20, counted in days from the audit's last day."""

    major_plan_days: int = 30
    major_close_days: int = 90
    minor_plan_days: int = 30

    @classmethod
    def of(cls, certification_body) -> "DeadlinePolicy":
        return cls(
            major_plan_days=certification_body.major_plan_days,
            major_close_days=certification_body.major_close_days,
            minor_plan_days=certification_body.minor_plan_days,
        )


def deadlines(
    finding_type: str, last_day: datetime.date, policy: DeadlinePolicy
) -> tuple[datetime.date | None, datetime.date | None]:
    """(response due, closure due) for a finding (rule 20). A minor is verified at the next audit,
    so it has no closure date; observations, OFIs and the rest have no deadline (rule 19)."""
    if finding_type == FindingType.MAJOR_NC:
        return (
            last_day + datetime.timedelta(days=policy.major_plan_days),
            last_day + datetime.timedelta(days=policy.major_close_days),
        )
    if finding_type == FindingType.MINOR_NC:
        return last_day + datetime.timedelta(days=policy.minor_plan_days), None
    return None, None


def initial_status(finding_type: str) -> str:
    return F.OPEN if finding_type in NC_TYPES else F.RECORDED


def status_label(status: str, *, reported: bool, client: bool = False) -> str:
    """A finding's status as its reader should understand it: a nonconformity logged while the
    audit's report is not yet issued waits for nothing from the client (it cannot answer before
    the report, and no reminder runs: certificates.selectors.calendar.findings_due)."""
    if status == F.OPEN and not reported:
        if client:
            return _("Logged; you can answer once the report is issued")
        return _("Logged; the client can answer once the report is issued")
    return str(F(status).label)


# Who moves a nonconformity where (DOMAIN §2.3, rule 21): the client submits, the CB reviews.
CLIENT_STEPS: dict[str, frozenset[str]] = {
    F.OPEN: frozenset({F.RESPONSE_SUBMITTED}),
    F.PLAN_REJECTED: frozenset({F.RESPONSE_SUBMITTED}),
    F.PLAN_ACCEPTED: frozenset({F.IMPLEMENTED}),
}
REVIEWER_STEPS: dict[str, frozenset[str]] = {
    F.RESPONSE_SUBMITTED: frozenset({F.PLAN_ACCEPTED, F.PLAN_REJECTED}),
    F.PLAN_ACCEPTED: frozenset({F.VERIFIED_CLOSED}),
    F.IMPLEMENTED: frozenset({F.VERIFIED_CLOSED, F.PLAN_ACCEPTED}),
}

# Statuses in which the client has to act, and in which the CB has to
AWAITING_CLIENT = (F.OPEN, F.PLAN_REJECTED)
AWAITING_REVIEW = (F.RESPONSE_SUBMITTED, F.IMPLEMENTED)
# Closed for good, or never owed an answer: no deadline runs any more (rule 20)
NO_DEADLINE = (F.VERIFIED_CLOSED, F.WITHDRAWN, F.RECORDED)
# Rule 4, used by the decision: a minor needs at least its plan accepted, a major its closure
MINOR_SETTLED = (F.PLAN_ACCEPTED, F.IMPLEMENTED, F.VERIFIED_CLOSED)
MAJOR_SETTLED = (F.VERIFIED_CLOSED,)


def is_settled(finding_type: str, status: str) -> bool:
    """Whether a finding no longer holds its audit open (the audit closes when all are)."""
    if status == F.WITHDRAWN or finding_type not in NC_TYPES:
        return True
    return status in (MAJOR_SETTLED if finding_type == FindingType.MAJOR_NC else MINOR_SETTLED)


def step_refusal(status: str, target: str, *, by_reviewer: bool) -> str | None:
    steps = (REVIEWER_STEPS if by_reviewer else CLIENT_STEPS).get(status, frozenset())
    if target in steps:
        return None
    if target in (REVIEWER_STEPS if not by_reviewer else CLIENT_STEPS).get(status, frozenset()):
        return _("Rule 21: only the CB's reviewers accept, reject and close; the client submits.")
    return _("A nonconformity that is “%(current)s” cannot become “%(target)s”.") % {
        "current": F(status).label,
        "target": F(target).label,
    }


def overdue_since(
    status: str,
    response_due_on: datetime.date | None,
    close_due_on: datetime.date | None,
    today: datetime.date,
) -> datetime.date | None:
    """The deadline a nonconformity has missed (rule 20), or None: the response while the client
    owes one, the closure while it is not verified."""
    if status in AWAITING_CLIENT and response_due_on and today > response_due_on:
        return response_due_on
    if status not in NO_DEADLINE and close_due_on and today > close_due_on:
        return close_due_on
    return None


def type_change_refusal(old_type: str, new_type: str, *, report_issued: bool) -> str | None:
    """Rule 19: once the report is issued a nonconformity cannot become an OFI or observation
    (nor any finding change at all: issuing the report locks the findings)."""
    if not report_issued:
        return None
    if old_type in NC_TYPES and new_type not in NC_TYPES:
        return _("Rule 19: a nonconformity cannot become an OFI or observation once the report is issued.")
    return _("The report is issued: its findings are locked.")
