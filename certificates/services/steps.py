"""The cycle's next steps kept as rows (`CycleStep`): one truth, recalculated here and nowhere else.
`certificates.selectors.steps.derived_steps` says which steps wait; this module writes them, for
the work queue to read a CB's open steps with an index.

A step depends on its programme's status, its audits' status, dates, team and report, the
decisions taken, the certificates' drafts, status and open tasks, and the CB's notice period and
the day settings. The services that change those recalculate the organisation's steps in their
transaction: the audit services through `audits.changes` (an audit or a programme changed), the
decision, certificate and task services here. The daily job recalculates every row and logs, as a
warning, what it had to correct: what changed outside the services (a CB's notice period in the
admin, a day setting).
"""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audits.models import Audit, AuditProgramme, Finding
from certificates.models import CycleStep
from certificates.selectors.steps import StepRow, derived_steps
from certificates.services.due_dates import DueRefresh

logger = logging.getLogger(__name__)

# what a recalculation may change in a kept step (its key names its source and record)
UPDATED = ["kind", "certification_body", "organisation", "programme", "owner", "due_on", "listed_from"]


@transaction.atomic
def cycle_steps_refresh(*, organisations: QuerySet | Iterable[int] | None, reason: str) -> DueRefresh:
    """Recalculate the steps of these organisations (None: of all) and write what differs: seven
    queries, whatever their number, plus one per thousand rows written. Logged with `reason` when it
    changed anything."""
    if organisations is not None and not isinstance(organisations, QuerySet):
        organisations = sorted(set(organisations))
    wanted = derived_steps(organisations)
    kept = CycleStep.objects.all()
    if organisations is not None:
        kept = kept.filter(organisation__in=organisations)
    stored = {key: (pk, StepRow(*row)) for pk, key, *row in kept.values_list("pk", "key", *StepRow._fields)}
    done = DueRefresh.between(stored, wanted)
    if done.removed:
        CycleStep.objects.filter(pk__in=[stored[key][0] for key in done.removed]).delete()
    now = timezone.now()
    CycleStep.objects.bulk_create(
        # in the keys' order in every recalculation: two that meet wait in turn, never deadlock
        [
            CycleStep(key=key, computed_at=now, **wanted[key]._asdict())
            for key in sorted((*done.created, *done.changed))
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=[*UPDATED, "computed_at"],
    )
    if done.count:
        logger.info("Cycle steps recalculated (%s): %s.", reason, done.describe())
    return done


def cycle_steps_check() -> DueRefresh:
    """The daily job's check of every kept step: one the services left out of date (a CB's notice
    period changed in the admin, a day setting) is corrected and logged as a warning."""
    done = cycle_steps_refresh(organisations=None, reason="daily check")
    if done.count:
        logger.warning("The daily check corrected cycle steps: %s.", done.describe())
    return done


def cycle_steps_refresh_for_audits(audit_ids: list[int]) -> DueRefresh:
    """These audits changed (`audits.changes`): their organisations' steps are recalculated."""
    organisations = Audit.objects.filter(pk__in=audit_ids).values("programme__organisation_id")
    return cycle_steps_refresh(organisations=organisations, reason=f"audit(s) {audit_ids} changed")


def cycle_steps_refresh_for_programmes(programme_ids: list[int]) -> DueRefresh:
    """These programmes changed (`audits.changes`): their organisations' steps are recalculated."""
    organisations = AuditProgramme.objects.filter(pk__in=programme_ids).values("organisation_id")
    return cycle_steps_refresh(organisations=organisations, reason=f"programme(s) {programme_ids} changed")


def cycle_steps_refresh_for_findings(finding_ids: list[int]) -> DueRefresh:
    """These findings were answered, reviewed, retyped or withdrawn (`audits.changes`): their
    organisations' steps are recalculated."""
    organisations = Finding.objects.filter(pk__in=finding_ids).values("audit__programme__organisation_id")
    return cycle_steps_refresh(organisations=organisations, reason=f"finding(s) {finding_ids} changed")
