"""State changes of what internal audits are planned around (DOMAIN §13.1): the organisation's
processes (audited by scope, owned: rule 39) and its internal auditors' training."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.records import refuse_invalid
from core.transitions import transition_record
from improvement.models import AuditorTraining, Process
from improvement.services.internal_audits import InternalAuditError, guard_planner, member_guard, sites_guard
from organisations.models import Organisation, OrganisationMembership, Site, User
from standards.models import Standard

# --- Processes ---------------------------------------------------------------------------------


@transaction.atomic
def process_create(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    description: str = "",
    owner: User | None = None,
    sites: list[Site] | None = None,
) -> Process:
    guard_planner(actor, organisation)
    member_guard(owner, organisation, _("process owner"))
    sites_guard(organisation, sites or [])
    if Process.objects.filter(organisation=organisation, name__iexact=name.strip()).exists():
        raise InternalAuditError(_("The organisation already has a process with this name."))
    process = Process(
        organisation=organisation, name=name.strip(), description=description.strip(), owner=owner
    )
    refuse_invalid(process, InternalAuditError, exclude=("organisation", "owner"))
    process.save()
    process.sites.set(sites or [])
    return process


@transaction.atomic
def process_update(
    *,
    actor: User,
    process: Process,
    name: str,
    description: str = "",
    owner: User | None = None,
    sites: list[Site] | None = None,
) -> Process:
    process = Process.objects.select_for_update().select_related("organisation").get(pk=process.pk)
    guard_planner(actor, process.organisation)
    member_guard(owner, process.organisation, _("process owner"))
    sites_guard(process.organisation, sites or [])
    taken = Process.objects.filter(organisation=process.organisation, name__iexact=name.strip())
    if taken.exclude(pk=process.pk).exists():
        raise InternalAuditError(_("The organisation already has a process with this name."))
    process.name, process.description, process.owner = name.strip(), description.strip(), owner
    refuse_invalid(process, InternalAuditError, exclude=("organisation", "owner"))
    process.save()
    process.sites.set(sites or [])
    return process


@transaction.atomic
def process_deactivate(*, actor: User, process: Process, reason: str = "") -> Process:
    """A process is never deleted: audits and findings keep pointing at it."""
    process = Process.objects.select_for_update().select_related("organisation").get(pk=process.pk)
    guard_planner(actor, process.organisation)
    if process.is_active:
        process.is_active = False
        process.save(update_fields=["is_active"])
        transition_record(
            subject=process, field="is_active", from_state=True, to_state=False, actor=actor, reason=reason
        )
    return process


# --- Internal-auditor training ---------------------------------------------------------------


@transaction.atomic
def auditor_training_add(
    *,
    actor: User,
    membership: OrganisationMembership,
    standard: Standard,
    course: str,
    completed_on: datetime.date,
) -> AuditorTraining:
    guard_planner(actor, membership.organisation)
    if not membership.is_active:
        raise InternalAuditError(_("This person is no longer a member of the organisation."))
    if completed_on > timezone.localdate():
        raise InternalAuditError(
            _("A training is recorded once completed: its date cannot be in the future.")
        )
    training = AuditorTraining(
        membership=membership,
        standard=standard,
        course=course.strip(),
        completed_on=completed_on,
        recorded_by=actor,
    )
    refuse_invalid(training, InternalAuditError, exclude=("membership", "standard", "recorded_by"))
    training.save()
    return training


@transaction.atomic
def auditor_training_remove(*, actor: User, training: AuditorTraining) -> AuditorTraining:
    """Hide a training from the list; the record stays."""
    training = (
        AuditorTraining.objects.select_for_update()
        .select_related("membership__organisation")
        .get(pk=training.pk)
    )
    guard_planner(actor, training.membership.organisation)
    if training.removed_at is None:
        training.removed_at = timezone.now()
        training.save(update_fields=["removed_at"])
        transition_record(subject=training, field="removed", from_state=False, to_state=True, actor=actor)
    return training
