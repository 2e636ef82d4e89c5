"""Readiness for stage 1 (DOMAIN §13.5, rule 43): the quality manager writes the scope of the
management system for an edition (HS 4.3) with its sites and processes, and shares the readiness
pack with the certification body serving the organisation, or stops sharing it (at once).

The row is made the first time either is done, under the organisation's lock, so two requests at
once make one row; sharing and un-sharing, and every change of the scope, are in the transition log.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from improvement import access
from improvement.models import Process, Readiness
from organisations.access import require
from organisations.models import Organisation, Site, User
from standards.models import Edition


class ReadinessError(DomainError):
    pass


def _guard(actor: User, organisation: Organisation, edition: Edition) -> None:
    require(access.can_manage_readiness(actor, organisation), access.READINESS_MANAGERS_ONLY)
    if not edition.certifiable:
        raise ReadinessError(
            _("Readiness for stage 1 is for a certifiable edition; %(edition)s is not.")
            % {"edition": edition.label}
        )


def _row(actor: User, organisation: Organisation, edition: Edition) -> Readiness:
    """The organisation's row for the edition, made if missing, locked for this change."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    row, _created = Readiness.objects.select_for_update().get_or_create(
        organisation=organisation, edition=edition, defaults={"created_by": actor}
    )
    return row


@transaction.atomic
def readiness_scope_set(
    *,
    actor: User,
    organisation: Organisation,
    edition: Edition,
    scope: str,
    sites: list[Site],
    processes: list[Process],
) -> Readiness:
    """Write the scope and choose the sites and processes in it; the same values again change nothing."""
    _guard(actor, organisation, edition)
    if any(site.organisation_id != organisation.pk for site in sites):
        raise ReadinessError(_("Choose sites of this organisation only."))
    if any(process.organisation_id != organisation.pk for process in processes):
        raise ReadinessError(_("Choose processes of this organisation only."))
    row = _row(actor, organisation, edition)
    changed = []
    if row.scope != scope:
        row.scope = scope
        changed.append("scope")
    if {s.pk for s in sites} != set(row.sites.values_list("pk", flat=True)):
        changed.append("sites")
    if {p.pk for p in processes} != set(row.processes.values_list("pk", flat=True)):
        changed.append("processes")
    if not changed:
        return row
    row.updated_at = timezone.now()
    refuse_invalid(row, ReadinessError, exclude=("organisation", "edition", "created_by", "shared_by"))
    row.save(update_fields=["scope", "updated_at"])
    row.sites.set(sites)
    row.processes.set(processes)
    transition_record(
        subject=row,
        field="scope",
        from_state=None,
        to_state=_("edited"),
        actor=actor,
        reason=", ".join(changed),
    )
    return row


@transaction.atomic
def readiness_share(*, actor: User, organisation: Organisation, edition: Edition, shared: bool) -> Readiness:
    """Share the pack with the CB serving the organisation, or stop sharing it: its staff lose
    access at once (rule 43). Sharing what is shared (or un-sharing what is not) changes nothing."""
    _guard(actor, organisation, edition)
    row = _row(actor, organisation, edition)
    if row.shared_with_cb == shared:
        return row
    row.shared_with_cb = shared
    row.shared_at = timezone.now() if shared else None
    row.shared_by = actor if shared else None
    row.updated_at = timezone.now()
    row.save(update_fields=["shared_with_cb", "shared_at", "shared_by", "updated_at"])
    transition_record(
        subject=row, field="shared_with_cb", from_state=not shared, to_state=shared, actor=actor
    )
    return row
