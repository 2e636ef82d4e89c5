"""Where a programme stands in its cycle, and its next step (DOMAIN §1, §10).

The programme's own status says only whether it is still being planned; where it stands after
approval is read from what happened since: the certificates its decisions made (and their status),
the surveillance audits it held, its recertification window (the CB's policy, counted from the
decision that started the cycle) and whether a next cycle continues it. Nothing of it is stored,
so it cannot disagree with those records. Its next step is the first of its steps in the work
queue (`queue.QueueRows` filtered to the programme), so the programme page and the queue agree.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from audits import cycle
from audits.enums import REPORTED_STATUSES, SURVEILLANCES, AuditKind, ProgrammeStatus
from audits.models import Audit, AuditProgramme
from audits.selectors.programme_checks import cycle_policy
from certificates.enums import CertificateStatus, CycleStatus
from certificates.models import Decision
from certificates.selectors import queue

LIVE = {CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED}


def cycle_status(
    *,
    approved: bool,
    continued: bool,
    certificates: set[str],
    surveillance_held: bool,
    recertification_opens: datetime.date | None,
    today: datetime.date,
) -> CycleStatus:
    """Pure: the programme's place in its cycle from plain facts (`certificates`: the statuses of
    the certificates its decisions made)."""
    if not approved:
        return CycleStatus.BEING_PLANNED
    if continued:
        return CycleStatus.ENDED
    if not certificates - {CertificateStatus.DRAFT}:  # nothing issued yet
        return CycleStatus.APPROVED
    if not certificates & LIVE:  # withdrawn, expired or cancelled
        return CycleStatus.ENDED
    if CertificateStatus.SUSPENDED in certificates:
        return CycleStatus.SUSPENDED
    if recertification_opens is not None and today >= recertification_opens:
        return CycleStatus.RECERTIFICATION_DUE
    return CycleStatus.IN_SURVEILLANCE if surveillance_held else CycleStatus.CERTIFIED


def programme_cycles(programmes: list[AuditProgramme], today: datetime.date) -> dict[int, CycleStatus]:
    """Each programme's place in its cycle: three queries for any number of programmes (each read
    with its certification body)."""
    ids = [programme.pk for programme in programmes]
    certificates = defaultdict(set)
    made = Decision.objects.filter(programme__in=ids, certificate__isnull=False)
    for programme_id, status in made.values_list("programme_id", "certificate__status").distinct():
        certificates[programme_id].add(status)
    held = set(
        Audit.objects.filter(programme__in=ids, kind__in=SURVEILLANCES, status__in=REPORTED_STATUSES)
        .values_list("programme_id", flat=True)
        .distinct()
    )
    continued = set(AuditProgramme.objects.filter(previous__in=ids).values_list("previous_id", flat=True))
    return {
        programme.pk: cycle_status(
            approved=programme.status == ProgrammeStatus.APPROVED,
            continued=programme.pk in continued,
            certificates=certificates[programme.pk],
            surveillance_held=programme.pk in held,
            recertification_opens=_recertification_opens(programme),
            today=today,
        )
        for programme in programmes
    }


def _recertification_opens(programme: AuditProgramme) -> datetime.date | None:
    if programme.cycle_started_on is None:
        return None
    policy = cycle_policy(programme.certification_body)
    return cycle.due_windows(programme.cycle_started_on, policy)[AuditKind.RECERTIFICATION].opens


@dataclass(frozen=True)
class ProgrammeNext:
    step: queue.QueueRow | None  # the programme's first step in the work queue, if any
    steps: int  # how many of its steps wait


def programme_next(user, programme: AuditProgramme, *, today: datetime.date) -> ProgrammeNext:
    """The programme's next step, as `user` reads it (none for who reads no work queue)."""
    rows = queue.QueueRows(user, queue.QueueFilters(programme=programme.pk), today)
    return ProgrammeNext(step=rows[0] if rows.count() else None, steps=rows.count())
