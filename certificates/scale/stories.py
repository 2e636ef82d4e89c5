"""What each certificate's life was, told in dates (`Story`), and the programme (`Plan`) it asks
of the audits side: when the initial decision is taken, whether the recertification is, when the
certificate was suspended or ended. Every status of `CertificateStatus` gets its share; each
client holds at most one certificate per standard, on editions published before its programme
opened and still open to initial audits (rules 31, 32)."""

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from audits import cycle
from audits.enums import AuditKind
from audits.scale import Plan
from audits.selectors.programme_checks import cycle_policy
from certificates.enums import CertificateStatus, SuspensionReason
from core.scale import days, spread
from organisations.scale import Body, Client
from standards.models import Edition

C = CertificateStatus
# Shares of the certificates by status (every status at least once)
STATUS_SHARES = {C.ACTIVE: 65, C.EXPIRED: 11, C.WITHDRAWN: 7, C.CANCELLED: 7, C.SUSPENDED: 6, C.DRAFT: 4}
RENEWED_SHARE = 0.3  # of the active ones, in their second cycle
FLAGGED_SHARE = 0.01  # of the active ones, whose first surveillance was never held
# The standards certified together: (weight, standard codes)
COMBOS = (
    (16, ("ISO 9001",)),
    (6, ("ISO 14001",)),
    (4, ("ISO 45001",)),
    (8, ("ISO/IEC 27001",)),
    (2, ("ISO 22301",)),
    (2, ("ISO/IEC 20000-1",)),
    (2, ("ISO 56001",)),
    (14, ("ISO 9001", "ISO 14001")),
    (6, ("ISO 9001", "ISO 45001")),
    (6, ("ISO 9001", "ISO/IEC 27001")),
    (4, ("ISO/IEC 27001", "ISO 22301")),
    (30, ("ISO 9001", "ISO 14001", "ISO 45001")),
)
AUDITS_PER_FIRST_CYCLE = 5
AUDITS_PER_NEXT_CYCLE = 3
SUSPENSIONS = {
    SuspensionReason.AUDITS_REFUSED: "The client did not allow the surveillance audit within its window.",
    SuspensionReason.FAILURE: "Major nonconformities not corrected in time.",
    SuspensionReason.CLIENT_REQUEST: "The client asked for a suspension during a reorganisation.",
    SuspensionReason.OTHER: "The client's main site is closed for renovation.",
}
VOIDED = "The client withdrew its application before the certificate was issued."
HALTS = {
    C.SUSPENDED: "Certificate suspended: the client did not allow the audit.",
    C.WITHDRAWN: "The certificate was withdrawn.",
    C.EXPIRED: "The client did not renew its certification.",
    C.CANCELLED: "The certification ended at the client's request.",
}


@dataclass
class Story:
    """One programme's certificates (one per standard) and what happens to them."""

    plan: Plan
    status: str
    suspended_on: datetime.date | None = None
    suspension_reason: str = ""
    suspension_ends_on: datetime.date | None = None
    ended_on: datetime.date | None = None  # withdrawn, cancelled, voided
    voided: bool = False  # cancelled as a draft never issued
    flagged: bool = False  # rule 10: its first surveillance missed


# --- Each certificate's life ------------------------------------------------------------------


def _between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return days(first, rng.randrange(max((last - first).days, 0) + 1))


def _renewal_bounds(decided_on: datetime.date, body: Body) -> datetime.date:
    """The recertification audit's first day: the renewal decision comes at most 90 days later."""
    return cycle.default_days(decided_on, cycle_policy(body.body))[AuditKind.RECERTIFICATION]


def _first_decision(rng: random.Random, status: str, renew: bool, today: datetime.date) -> datetime.date:
    """When the initial decision was taken, for a certificate that is now in `status`: early enough
    for what happened since, late enough for it to be unexpired (rules 7, 12)."""
    three_years = relativedelta(years=3)
    if status == C.DRAFT:
        return days(today, -rng.randrange(1, 31))
    if status == C.EXPIRED:
        return _between(rng, days(today - three_years, -400), days(today - three_years, -2))
    if renew:
        late = -120 if status != C.ACTIVE else 0
        return _between(rng, days(today - 2 * three_years, 40), days(today - three_years, late))
    return _between(rng, days(today - three_years, 30), days(today, -150 if status != C.ACTIVE else -31))


def _halt(rng: random.Random, story: Story, body: Body, today: datetime.date) -> None:
    """From when no audit is held: the suspension, the end of the certificate."""
    plan = story.plan
    after = days(_renewal_bounds(plan.decided_on, body), 90) if plan.renew else days(plan.decided_on, 60)
    if story.status == C.SUSPENDED:
        story.suspended_on = _between(rng, max(after, days(today, -250)), days(today, -3))
        story.suspension_reason = rng.choice(list(SUSPENSIONS))
        story.suspension_ends_on = days(story.suspended_on, rng.randrange(90, 184))
        plan.halted_on = story.suspended_on
    elif story.status == C.WITHDRAWN:
        story.ended_on = _between(rng, days(after, 40), days(today, -1))
        if rng.random() < 0.5:
            story.suspended_on = _between(rng, after, days(story.ended_on, -30))
            story.suspension_reason = SuspensionReason.FAILURE
            story.suspension_ends_on = days(story.suspended_on, rng.randrange(60, 184))
        plan.halted_on, plan.ended = story.suspended_on or story.ended_on, True
    elif story.status == C.CANCELLED:
        low = days(plan.decided_on, 3) if story.voided else after
        story.ended_on = _between(rng, low, min(days(low, 400 if not story.voided else 9), days(today, -1)))
        plan.halted_on, plan.ended = story.ended_on, True
    elif story.status == C.EXPIRED:
        plan.halted_on, plan.ended = days(_renewal_bounds(plan.decided_on, body), -10), True
    plan.halt_reason = HALTS.get(story.status, "")


def story_of(rng: random.Random, status: str, client: Client, today: datetime.date) -> Story:
    """The dates of one certificate's life (its editions are chosen afterwards)."""
    body = client.body
    renew = status in (C.ACTIVE, C.SUSPENDED, C.WITHDRAWN) and rng.random() < RENEWED_SHARE
    voided = status == C.CANCELLED and rng.random() < 0.4
    flagged = status == C.ACTIVE and not renew and rng.random() < FLAGGED_SHARE
    decided_on = _first_decision(rng, status, renew, today)
    if voided:
        decided_on = days(today, -rng.randrange(15, 700))
    if flagged:
        decided_on = days(today - relativedelta(years=1), -rng.randrange(5, 60))
    plan = Plan(
        client=client,
        editions=(),
        manager=rng.choice(body.managers),
        decider=rng.choice(body.managers),
        decided_on=decided_on,
        renew=renew,
        skip_first_surveillance=flagged,
    )
    story = Story(plan, status, voided=voided, flagged=flagged)
    _halt(rng, story, body, today)
    return story


# --- Which standards, for which client ----------------------------------------------------------


@dataclass
class Allotment:
    """The editions each client may still be certified for, and which combination to pick."""

    editions: dict[str, list[Edition]]
    used: dict[int, set[str]] = field(default_factory=dict)

    def available(self, code: str, opened_by: datetime.date) -> list[Edition]:
        return [e for e in self.editions.get(code, []) if e.published_on <= opened_by]

    def pick(
        self, rng: random.Random, client: Client, limit: int, opened_by: datetime.date
    ) -> tuple[Edition, ...]:
        """A combination of standards the client holds no certificate for yet, at most `limit`
        of them, each with an edition published before the programme opens."""
        used = self.used.setdefault(client.organisation.pk, set())
        fitting = [
            (weight, codes)
            for weight, codes in COMBOS
            if len(codes) <= limit
            and not used & set(codes)
            and all(self.available(c, opened_by) for c in codes)
        ]
        if not fitting:
            return ()
        codes = rng.choices([c for _w, c in fitting], [w for w, _c in fitting])[0]
        used.update(codes)
        return tuple(rng.choice(self.available(code, opened_by)) for code in codes)


def allotment_read() -> Allotment:
    """The editions a programme may be planned against (rules 31, 32): certifiable, not
    withdrawn, with no transition deadline."""
    editions: dict[str, list[Edition]] = {}
    rows = Edition.objects.select_related("standard").filter(certifiable=True, transition_end_on__isnull=True)
    for edition in rows.exclude(status="withdrawn").order_by("standard__number", "year"):
        editions.setdefault(edition.standard.code, []).append(edition)
    return Allotment(editions)


def _opened_by(plan: Plan) -> datetime.date:
    """The earliest the programme may open, for the editions' publication."""
    return days(plan.decided_on or plan.stage1_on, -200 if plan.decided_on else -60)


def _statuses(rng: random.Random, count: int) -> list[str]:
    """The status of each certificate: in the shares above, each status at least once."""
    counts = dict(zip(STATUS_SHARES, spread(count, list(STATUS_SHARES.values())), strict=True))
    for status in STATUS_SHARES:
        if counts[status] == 0 and count >= len(STATUS_SHARES):
            counts[max(counts, key=counts.get)] -= 1
            counts[status] = 1
    found = [status for status, n in counts.items() for _ in range(n)]
    rng.shuffle(found)
    return found


def _stories_of_body(rng, clients: list[Client], count: int, allotment: Allotment, today) -> list[Story]:
    """Programmes of the body's clients until they hold `count` certificates in the wanted statuses."""
    order = _statuses(rng, count)
    wanted = Counter(order)
    stories, turn = [], 0
    for status in order:
        if wanted[status] <= 0:
            continue
        for _attempt in range(len(clients)):
            client = clients[turn % len(clients)]
            turn += 1
            story = story_of(rng, status, client, today)
            story.plan.editions = allotment.pick(rng, client, wanted[status], _opened_by(story.plan))
            if story.plan.editions:
                wanted[status] -= len(story.plan.editions)
                stories.append(story)
                break
    return stories


def _prospects(rng, clients: list[Client], count: int, allotment: Allotment, today) -> list[Plan]:
    """Programmes still heading for their first decision: stage 1 from five months ago to four
    months ahead."""
    plans = []
    for _attempt in range(count * 3):
        if len(plans) == count:
            break
        client = rng.choice(clients)
        plan = Plan(
            client=client,
            editions=(),
            manager=rng.choice(client.body.managers),
            decider=rng.choice(client.body.managers),
            stage1_on=days(today, rng.randrange(-150, 121)),
        )
        plan.editions = allotment.pick(rng, client, 3, _opened_by(plan))
        if plan.editions:
            plans.append(plan)
    return plans


def plans_make(
    rng: random.Random, clients: list[Client], bodies: list[Body], *, certificates: int, audits: int, today
) -> tuple[list[Story], list[Plan]]:
    """The certificates' stories of each body (about 3,891 of 6,000 for the larger), then enough
    programmes without a decision yet for about `audits` audits in all."""
    allotment = allotment_read()
    shares = spread(certificates, [3891, 6000 - 3891])
    stories = []
    for body, count in zip(bodies, shares, strict=True):
        served = [c for c in clients if c.body is body]
        rng.shuffle(served)
        if served:
            stories += _stories_of_body(rng, served, count, allotment, today)
    planned = sum(AUDITS_PER_FIRST_CYCLE + AUDITS_PER_NEXT_CYCLE * s.plan.renew for s in stories)
    prospects = _prospects(rng, clients, max(audits - planned, 0) // AUDITS_PER_FIRST_CYCLE, allotment, today)
    return stories, prospects
