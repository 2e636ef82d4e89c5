"""The certificates' stored due dates (`CertificateDueDate`): one truth, recalculated here and nowhere
else. `due_rules.certificate_items` says what falls due for a certificate's cycle; this module
writes it as rows, for the calendar to read one month with an index.

What a row holds depends on the certificate's current revision (the cycle's start and expiry, its
edition's transition), its decisions (a recertification granted, a transfer), the surveillance
audits of its organisation with its CB, and the CB's cycle policy. The services that change those
recalculate the certificate's rows: issuing a revision and recording a decision here, and the audit
services through `audits.changes` (an audit planned, moved, started or cancelled). The daily job
recalculates every row and logs, as a warning, what it had to correct: what changed outside the
services (a CB's policy or an edition's transition in the admin).
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from audits.models import Audit
from certificates.enums import DueKind
from certificates.models import Certificate, CertificateDueDate
from certificates.selectors.cycles import certificates_due

logger = logging.getLogger(__name__)

# Computed as of no day in particular: every calendar year of the cycle left without a
# surveillance, nothing done by its date (the calendar hides what its day makes moot)
AS_OF_NO_DAY = datetime.date.min
NOT_STORED = {DueKind.SUSPENSION_DEADLINE}  # the certificate's own column, read as it is
LOGGED_KEYS_MAX = 20  # keys named in the log line of a correction; the rest are counted


@dataclass(frozen=True)
class DueRefresh:
    """What a recalculation wrote: rows created, changed and removed (their keys)."""

    created: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @classmethod
    def between(cls, stored: dict[str, tuple[int, object]], wanted: dict[str, object]) -> "DueRefresh":
        """What turns the rows `stored` (key -> (id, values)) into those `wanted` (key -> values)."""
        return cls(
            created=tuple(key for key in wanted if key not in stored),
            changed=tuple(key for key, (_pk, row) in stored.items() if key in wanted and wanted[key] != row),
            removed=tuple(key for key in stored if key not in wanted),
        )

    @property
    def count(self) -> int:
        return len(self.created) + len(self.changed) + len(self.removed)

    def describe(self) -> str:
        keys = [*self.created, *self.changed, *self.removed]
        shown = ", ".join(keys[:LOGGED_KEYS_MAX])
        more = f" and {len(keys) - LOGGED_KEYS_MAX} more" if len(keys) > LOGGED_KEYS_MAX else ""
        return f"{len(self.created)} created, {len(self.changed)} changed, {len(self.removed)} removed" + (
            f" ({shown}{more})" if keys else ""
        )


Row = tuple[int, str, datetime.date, bool, int | None]  # revision, kind, due day, done, audit


def _wanted(certificates: QuerySet[Certificate]) -> dict[str, Row]:
    """key -> the row every valid certificate among these should have: three queries."""
    wanted = {}
    for due in certificates_due(certificates, AS_OF_NO_DAY):
        for item in due.items:
            if item.kind not in NOT_STORED:
                wanted[item.key] = (due.facts.revision_id, item.kind, item.due_on, item.done, item.audit_id)
    return wanted


@transaction.atomic
def certificate_dues_refresh(*, certificates: QuerySet[Certificate], reason: str) -> DueRefresh:
    """Recalculate the stored due dates of these certificates (of any status: an ended one's rows
    are removed) and write what differs: five queries, whatever the number of certificates, plus
    one per thousand rows written. Logged with `reason` when it changed anything."""
    wanted = _wanted(certificates)
    stored = {
        key: (pk, (revision_id, kind, due_on, done, audit_id))
        for pk, key, revision_id, kind, due_on, done, audit_id in CertificateDueDate.objects.filter(
            revision__certificate__in=certificates.values("pk")
        ).values_list("pk", "key", "revision_id", "kind", "due_on", "done", "audit_id")
    }
    refresh = DueRefresh.between(stored, wanted)
    if refresh.removed:
        CertificateDueDate.objects.filter(pk__in=[stored[key][0] for key in refresh.removed]).delete()
    now = timezone.now()
    CertificateDueDate.objects.bulk_create(
        [
            CertificateDueDate(
                key=key,
                revision_id=revision,
                kind=kind,
                due_on=due_on,
                done=done,
                audit_id=audit,
                computed_at=now,
            )
            for key in (*refresh.created, *refresh.changed)
            for revision, kind, due_on, done, audit in [wanted[key]]
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["revision", "kind", "due_on", "done", "audit", "computed_at"],
    )
    if refresh.count:
        logger.info("Certificate due dates recalculated (%s): %s.", reason, refresh.describe())
    return refresh


def certificate_dues_check() -> DueRefresh:
    """The daily job's check of every stored row: a row the services left out of date (a CB's
    policy or an edition's transition changed in the admin) is corrected and logged as a warning."""
    done = certificate_dues_refresh(certificates=Certificate.objects.all(), reason="daily check")
    if done.count:
        logger.warning("The daily check corrected certificate due dates: %s.", done.describe())
    return done


def certificate_dues_refresh_for_audits(audit_ids: list[int]) -> DueRefresh:
    """The audits of these ids were planned, moved, started or cancelled (`audits.changes`): the
    certificates of their organisations with their CBs are recalculated."""
    pairs = Audit.objects.filter(pk__in=audit_ids).values(
        "programme__organisation_id", "programme__certification_body_id"
    )
    certificates = Certificate.objects.filter(
        Exists(
            pairs.filter(
                programme__organisation_id=OuterRef("organisation_id"),
                programme__certification_body_id=OuterRef("certification_body_id"),
            )
        )
    )
    return certificate_dues_refresh(certificates=certificates, reason=f"audit(s) {audit_ids} changed")
