"""What falls due, and when a reminder of it goes out (DOMAIN.md §1.6–1.8, §9.2, rules 10–14, 20,
25, 31). Pure: plain values in, plain values out; the calendar selector reads the facts.

The cycle's dates come from `audits.cycle` (their one home); this module says which of them are
due for one certificate, audit or nonconformity, whether each is done, and on which days a
reminder of it is written: at the CB's lead times before it (default 90, 30 and 7 days), on the
day, then once a week while it is overdue.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from audits import cycle
from certificates.enums import CLIENT_DUE_KINDS, DueKind
from improvement.selectors.due import ActionDue, InternalAuditDue, ReviewDue

DAYS_A_WEEK = 7


@dataclass(frozen=True)
class DueItem:
    """One thing due on one day. `key` names it for good: the reminders written of it and its
    iCal UID keep it when its date moves (an audit rescheduled, an expiry after recertification)."""

    key: str
    kind: str
    due_on: datetime.date
    subject: str  # what it is about: a certificate number, an audit, a nonconformity
    path: str
    organisation_id: int
    organisation_name: str
    certification_body_id: int | None  # None: the organisation's own work, no CB's (OWN_DUE_KINDS)
    standard_codes: tuple[str, ...] = ()
    audit_id: int | None = None  # the audit whose lead auditor is reminded, when there is one
    done: bool = False
    people: tuple[int, ...] = ()  # who the item is assigned to: an action's owner, internal auditors
    ends_on: datetime.date | None = None  # the last day of an item of several days (an audit's)

    @property
    def last_day(self) -> datetime.date:
        return self.ends_on or self.due_on

    def falls_within(self, start: datetime.date, end: datetime.date) -> bool:
        """Whether any of its days is from `start` to `end`."""
        return self.due_on <= end and self.last_day >= start

    @property
    def label(self) -> str:
        return str(DueKind(self.kind).label)

    @property
    def title(self) -> str:
        return f"{self.label}: {self.subject} — {self.organisation_name}"

    @property
    def for_client(self) -> bool:
        return self.kind in CLIENT_DUE_KINDS

    def is_overdue(self, today: datetime.date) -> bool:
        return not self.done and self.due_on < today

    def days_left(self, today: datetime.date) -> int:
        return (self.due_on - today).days


# --- The facts each derivation reads ---------------------------------------------------------


@dataclass(frozen=True)
class CertificateFacts:
    """A valid (active or suspended) certificate's current revision and what the cycle needs."""

    id: int
    number: str
    status: str
    organisation_id: int
    organisation_name: str
    certification_body_id: int
    standard_code: str
    path: str
    cycle_started_on: datetime.date
    expiry_on: datetime.date
    suspended: bool = False
    suspension_ends_on: datetime.date | None = None
    transition_end_on: datetime.date | None = None
    recertified: bool = False  # a recertification granted in this cycle (its revision may be a draft)
    transferred_on: datetime.date | None = None  # cycle dates before it were the issuing CB's
    revision_id: int | None = None  # the current revision the cycle's dates come from


@dataclass(frozen=True)
class CycleAudit:
    """A surveillance audit of the certificate's organisation, CB and standard (not cancelled)."""

    id: int
    kind: str
    starts_on: datetime.date
    held: bool  # fieldwork has started, or is done


def certificate_items(
    facts: CertificateFacts,
    audits: Sequence[CycleAudit],
    policy: cycle.CyclePolicy,
    today: datetime.date,
) -> list[DueItem]:
    """The certificate's due items: first surveillance ≤ 12 months after the decision (rule 10),
    surveillance 2, a surveillance in every calendar year of the cycle left to plan (rule 11),
    recertification decided before expiry, expiry (rule 12), the suspension's resolution deadline
    (rule 14) and the end of its edition's transition (rule 31)."""

    def item(kind: str, due_on: datetime.date, *, done: bool, key: str = "", audit_id: int | None = None):
        return DueItem(
            key=f"certificate-{facts.id}-{key or kind}",
            kind=kind,
            due_on=due_on,
            subject=facts.number,
            path=facts.path,
            organisation_id=facts.organisation_id,
            organisation_name=facts.organisation_name,
            certification_body_id=facts.certification_body_id,
            standard_codes=(facts.standard_code,),
            audit_id=audit_id,
            done=done,
        )

    start = facts.cycle_started_on
    in_cycle = [audit for audit in audits if start <= audit.starts_on <= facts.expiry_on]
    windows = cycle.due_windows(start, policy)
    items = []
    for kind in (DueKind.SURVEILLANCE_1, DueKind.SURVEILLANCE_2):
        due_on = windows[kind.value].closes
        if due_on > facts.expiry_on or (facts.transferred_on and due_on < facts.transferred_on):
            continue
        same_kind = [audit for audit in in_cycle if audit.kind == kind.value]
        planned = same_kind[-1].id if same_kind else None
        done = any(audit.held for audit in same_kind)
        items.append(item(kind, due_on, done=done, key=f"{kind.value}-{start.isoformat()}", audit_id=planned))
    for year in cycle.years_missing_surveillance(
        start, [a.starts_on for a in in_cycle], facts.expiry_on.year
    ):
        if year >= today.year:
            items.append(
                item(DueKind.CALENDAR_YEAR, datetime.date(year, 12, 31), done=False, key=f"year-{year}")
            )
    items.append(
        item(
            DueKind.RECERTIFICATION,
            cycle.recertification_window(facts.expiry_on).closes,
            done=facts.recertified,
            key=f"recertification-{facts.expiry_on.isoformat()}",
        )
    )
    items.append(item(DueKind.EXPIRY, facts.expiry_on, done=facts.expiry_on < today))
    if facts.suspended and facts.suspension_ends_on:
        items.append(
            item(
                DueKind.SUSPENSION_DEADLINE,
                facts.suspension_ends_on,
                done=False,
                key=f"suspension-{facts.suspension_ends_on.isoformat()}",
            )
        )
    if facts.transition_end_on and facts.transition_end_on <= facts.expiry_on:
        items.append(
            item(DueKind.TRANSITION_END, facts.transition_end_on, done=facts.transition_end_on < today)
        )
    return items


def action_item(action: ActionDue, path: str) -> DueItem:
    """An open action of the organisation's register, due on its due date (DOMAIN §13.3); its
    owner is reminded of it."""
    return DueItem(
        key=f"action-{action.id}",
        kind=DueKind.ACTION_DUE,
        due_on=action.due_on,
        subject=f"{action.reference} {action.title}",
        path=path,
        organisation_id=action.organisation_id,
        organisation_name=action.organisation_name,
        certification_body_id=None,
        standard_codes=(action.standard_code,) if action.standard_code else (),
        people=(action.owner_id,),
    )


def internal_audit_item(audit: InternalAuditDue, path: str) -> DueItem:
    """An internal audit on its first day (DOMAIN §13.1): done once it has started, overdue while
    still planned after it; its auditors are reminded of it."""
    return DueItem(
        key=f"internal-audit-{audit.id}",
        kind=DueKind.INTERNAL_AUDIT,
        due_on=audit.starts_on,
        subject=f"{audit.reference} {audit.title}",
        path=path,
        organisation_id=audit.organisation_id,
        organisation_name=audit.organisation_name,
        certification_body_id=None,
        standard_codes=audit.standard_codes,
        done=audit.started,
        people=audit.auditor_ids,
    )


def review_item(review: ReviewDue, path: str) -> DueItem:
    """A planned management review on its day (DOMAIN §13.2): overdue while still planned after it;
    the organisation's quality managers, who hold it, are reminded of it."""
    return DueItem(
        key=f"management-review-{review.id}",
        kind=DueKind.MANAGEMENT_REVIEW,
        due_on=review.planned_on,
        subject=f"{review.reference} {review.title}",
        path=path,
        organisation_id=review.organisation_id,
        organisation_name=review.organisation_name,
        certification_body_id=None,
        standard_codes=review.standard_codes,
    )


# --- Reminders ----------------------------------------------------------------------------------


def reminder_stage(due_on: datetime.date, today: datetime.date, lead_days: Iterable[int]) -> str | None:
    """Which reminder of an item due on `due_on` is owed on `today`, or None.

    The latest stage reached counts, so a daily job that missed a day still reminds once, and never
    of a stage already passed: `before-N` from N days before (the CB's lead times), `due` on the
    day and the six days after it, then `overdue-W` in week W after the day. Each stage is written
    once (the reminder's unique constraint), so it goes out once however often the job runs.
    """
    days_left = (due_on - today).days
    if days_left > 0:
        reached = [days for days in lead_days if days_left <= days]
        return f"before-{min(reached)}" if reached else None
    if days_left > -DAYS_A_WEEK:
        return "due"
    return f"overdue-{-days_left // DAYS_A_WEEK}"


def reminder_owed(item: DueItem, today: datetime.date, lead_days: Iterable[int]) -> str | None:
    """The reminder owed today for an item, none for what is done."""
    return None if item.done else reminder_stage(item.due_on, today, lead_days)


# The organisation's own work is no CB's: its reminders go at these lead times (an action a week
# before its due date; an internal audit a week before its first day, for its auditors to prepare;
# a management review a month and a week before its day)
OWN_LEAD_DAYS: dict[str, tuple[int, ...]] = {
    DueKind.ACTION_DUE: (7,),
    DueKind.INTERNAL_AUDIT: (7,),
    DueKind.MANAGEMENT_REVIEW: (30, 7),  # a month to gather its inputs, a week to send the papers
}


def lead_days_of(item: DueItem, body_lead_days: dict[int, list[int]]) -> Iterable[int]:
    """The lead times of an item's reminders: its kind's own, else its CB's (none: on the day and
    after only)."""
    if item.kind in OWN_LEAD_DAYS:
        return OWN_LEAD_DAYS[item.kind]
    return body_lead_days.get(item.certification_body_id) or ()


@dataclass
class Recipients:
    """Who is reminded of an item: the client's quality managers (for what concerns the client; of
    an action only once it is overdue, its owner being reminded before), the CB's certification
    managers, the audit's lead auditor, and the people the item is assigned to (`DueItem.people`)
    who may be reminded (`reachable`)."""

    quality_managers: dict[int, list[int]] = field(default_factory=dict)  # organisation -> users
    certification_managers: dict[int, list[int]] = field(default_factory=dict)  # CB -> users
    leads: dict[int, list[int]] = field(default_factory=dict)  # audit -> users
    # (organisation, user) of the items' people who are its active members, with an e-mail address
    reachable: set[tuple[int, int]] = field(default_factory=set)

    def of(self, item: DueItem, today: datetime.date) -> list[int]:
        users = []
        if item.certification_body_id is not None:
            users += self.certification_managers.get(item.certification_body_id, [])
        if item.audit_id is not None:
            users += self.leads.get(item.audit_id, [])
        users += [user_id for user_id in item.people if (item.organisation_id, user_id) in self.reachable]
        if item.for_client and (item.kind != DueKind.ACTION_DUE or item.is_overdue(today)):
            users += self.quality_managers.get(item.organisation_id, [])
        return sorted(set(users))
