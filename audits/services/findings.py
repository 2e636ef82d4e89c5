"""Logging findings on site (DOMAIN §2.1–2.2, rules 17, 18, 19, 29): the team raises, changes and
withdraws findings and attaches its objective evidence while the audit's fieldwork runs. Issuing
the report locks them (rule 19)."""

import datetime
from dataclasses import dataclass, replace

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audits import access
from audits.changes import findings_changed
from audits.enums import (
    FIELDWORK_STATUSES,
    NC_TYPES,
    AuditKind,
    FindingStatus,
    FindingType,
    RequirementSource,
)
from audits.finding_rules import DeadlinePolicy, deadlines, initial_status, type_change_refusal
from audits.models import Audit, Finding, FindingEvidenceFile
from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from improvement.models import Readiness
from organisations.access import require
from organisations.models import Site, User
from standards.models import Clause, Edition


class FindingError(DomainError):
    pass


@dataclass(frozen=True)
class FindingContent:
    """What the team writes about a finding; the form builds it, the services take it."""

    type: str
    statement: str
    source: str = RequirementSource.CLAUSE
    clause: Clause | None = None
    requirement_reference: str = ""
    editions: tuple[Edition, ...] = ()
    site: Site | None = None
    process: str = ""
    evidence: str = ""
    client_position: str = ""
    readiness_pack: Readiness | None = None  # stage 1: a pack the client shared, cited


CONTENT_FIELDS = (
    "type",
    "source",
    "clause",
    "requirement_reference",
    "site",
    "process",
    "statement",
    "evidence",
    "client_position",
    "readiness_pack",
)
CHECKED_KEYS = ("audit", "raised_by", "readiness_pack")
WITHDRAW_REASON_MAX = 500  # the service found them itself
NOT_OPEN = gettext_lazy(
    "Findings are logged and changed while the audit is in progress or its fieldwork is done."
)
WITHDRAWN = gettext_lazy("This finding was withdrawn: it no longer changes.")
CONCERN_STAGE1_ONLY = gettext_lazy("An area of concern is a stage 1 finding; grade it at stage 2 or later.")
PACK_STAGE1_ONLY = gettext_lazy("A finding cites a readiness pack at stage 1 only.")
PACK_NOT_SHARED = gettext_lazy(
    "Cite a readiness pack this client shares with you: this one is not shared, or is another client's."
)
ANSWERED = gettext_lazy(
    "The client has answered this nonconformity: it can no longer become another kind of finding."
)


def _locked_audit(audit: Audit) -> Audit:
    return (
        Audit.objects.select_for_update(of=("self",))
        .select_related("programme__certification_body")
        .get(pk=audit.pk)
    )


def _locked_finding(finding: Finding) -> Finding:
    finding = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("audit__programme__certification_body")
        .get(pk=finding.pk)
    )
    finding.audit = _locked_audit(finding.audit)  # the same row lock raising a finding takes
    return finding


def _guard(actor: User, audit: Audit, old_type: str, new_type: str) -> None:
    """The team, while the fieldwork runs (rule 19 once the report is issued)."""
    require(access.can_log_findings(actor, audit), access.TEAM_ONLY)
    if audit.is_reported:
        raise FindingError(type_change_refusal(old_type, new_type, report_issued=True))
    if audit.status not in FIELDWORK_STATUSES:
        raise FindingError(NOT_OPEN)


def _editions_of(audit: Audit) -> dict[int, Edition]:
    editions = audit.programme.editions.select_related("standard").order_by("standard__number")
    return {edition.pk: edition for edition in editions}


def _labels(editions) -> str:
    return ", ".join(edition.label for edition in editions)


def _pack_checked(audit: Audit, pack: Readiness | None, cited_id: int | None) -> None:
    """A newly cited pack is one the audit's client shares now (rule 43), at stage 1; a pack cited
    before stays cited when the finding is changed, even if the client stopped sharing it."""
    if pack is None or pack.pk == cited_id:
        return
    if audit.kind != AuditKind.STAGE1:
        raise FindingError(PACK_STAGE1_ONLY)
    shared = Readiness.objects.filter(
        pk=pack.pk, organisation_id=audit.programme.organisation_id, shared_with_cb=True
    ).exists()
    if not shared:
        raise FindingError(PACK_NOT_SHARED)


def _checked(
    audit: Audit, content: FindingContent, cited_id: int | None = None
) -> tuple[FindingContent, list[Edition]]:
    """The content as it will be stored, and its editions (rules 18, 29); refuses what breaks a rule
    that the model's constraints do not state."""
    if content.type == FindingType.AREA_OF_CONCERN and audit.kind != AuditKind.STAGE1:
        raise FindingError(CONCERN_STAGE1_ONLY)
    _pack_checked(audit, content.readiness_pack, cited_id)
    clause_source = content.source == RequirementSource.CLAUSE
    content = replace(
        content,
        clause=content.clause if clause_source else None,
        requirement_reference="" if clause_source else content.requirement_reference,
    )
    audited = _editions_of(audit)
    if content.clause is not None and content.clause.edition_id not in audited:
        raise FindingError(
            _("Rule 18: cite a clause of the audited edition (%(editions)s), not of %(edition)s.")
            % {"editions": _labels(audited.values()), "edition": content.clause.edition.label}
        )
    if any(edition.pk not in audited for edition in content.editions):
        raise FindingError(
            _("Rule 29: a finding belongs to the audited standards only: %(editions)s.")
            % {"editions": _labels(audited.values())}
        )
    chosen = {edition.pk for edition in content.editions}
    if content.clause is not None:
        chosen.add(content.clause.edition_id)
    if not chosen and (len(audited) == 1 or content.type not in NC_TYPES):
        chosen = set(audited)  # the only standard, or a remark on the whole integrated system
    if not chosen:
        raise FindingError(
            _("Rule 29: name the audited standard(s) the nonconformity belongs to: %(editions)s.")
            % {"editions": _labels(audited.values())}
        )
    if content.site is not None and not audit.programme.sites.filter(pk=content.site.pk).exists():
        raise FindingError(_("Choose a site in the programme's scope."))
    return content, [edition for pk, edition in audited.items() if pk in chosen]


def _assign(finding: Finding, content: FindingContent) -> list[str]:
    changed = [name for name in CONTENT_FIELDS if getattr(finding, name) != getattr(content, name)]
    for name in changed:
        setattr(finding, name, getattr(content, name))
    return changed


def _due_dates(finding: Finding, audit: Audit) -> tuple[datetime.date | None, datetime.date | None]:
    return deadlines(finding.type, audit.ends_on, DeadlinePolicy.of(audit.programme.certification_body))


def _due_reason(finding: Finding) -> str:
    return _("response due %(response)s, closure due %(close)s") % {
        "response": finding.response_due_on or "—",
        "close": finding.close_due_on or "—",
    }


@transaction.atomic
def finding_raise(*, actor: User, audit: Audit, content: FindingContent) -> Finding:
    """Log a finding: numbered next in its audit, with its status and deadlines (rule 20)."""
    audit = _locked_audit(audit)  # numbers are allocated under the audit's lock
    _guard(actor, audit, content.type, content.type)
    content, editions = _checked(audit, content)
    last = audit.findings.aggregate(last=Max("number"))["last"] or 0
    finding = Finding(audit=audit, number=last + 1, raised_by=actor, status=initial_status(content.type))
    _assign(finding, content)
    finding.response_due_on, finding.close_due_on = _due_dates(finding, audit)
    refuse_invalid(finding, FindingError, exclude=CHECKED_KEYS)
    finding.save()
    finding.editions.set(editions)
    transition_record(
        subject=finding,
        field="status",
        from_state=None,
        to_state=finding.status,
        actor=actor,
        reason=_due_reason(finding) if finding.is_nc else "",
    )
    return finding


@transaction.atomic
def finding_update(*, actor: User, finding: Finding, content: FindingContent) -> Finding:
    """Change what a finding says. A new type brings its own status and deadlines, recorded."""
    finding = _locked_finding(finding)
    audit = finding.audit
    _guard(actor, audit, finding.type, content.type)
    if finding.status == FindingStatus.WITHDRAWN:
        raise FindingError(WITHDRAWN)
    content, editions = _checked(audit, content, finding.readiness_pack_id)
    old_type, old_status = finding.type, finding.status
    if (old_type in NC_TYPES) != (content.type in NC_TYPES) and old_status != initial_status(old_type):
        raise FindingError(ANSWERED)
    changed = _assign(finding, content)
    editions_changed = {e.pk for e in editions} != set(finding.editions.values_list("pk", flat=True))
    if not changed and not editions_changed:
        return finding
    if "type" in changed:
        finding.response_due_on, finding.close_due_on = _due_dates(finding, audit)
        if old_status == initial_status(old_type):
            finding.status = initial_status(finding.type)
        changed += ["response_due_on", "close_due_on", "status"]
    finding.updated_at = timezone.now()
    refuse_invalid(finding, FindingError, exclude=CHECKED_KEYS)
    finding.save(update_fields=[*changed, "updated_at"])
    if editions_changed:
        finding.editions.set(editions)
    _record_update(actor, finding, changed, editions_changed, old_type, old_status)
    if "type" in changed:  # its deadlines, and with them the review's
        findings_changed(findings=[finding])
    return finding


def _record_update(
    actor: User, finding: Finding, changed: list[str], editions_changed: bool, old_type: str, old_status: str
) -> None:
    if "type" in changed:
        transition_record(
            subject=finding,
            field="type",
            from_state=old_type,
            to_state=finding.type,
            actor=actor,
            reason=_due_reason(finding),
        )
    if finding.status != old_status:
        transition_record(
            subject=finding, field="status", from_state=old_status, to_state=finding.status, actor=actor
        )
    edited = [name for name in changed if name in CONTENT_FIELDS and name != "type"]
    if editions_changed:
        edited.append("editions")
    if edited:
        transition_record(
            subject=finding,
            field="content",
            from_state=None,
            to_state=_("edited"),
            actor=actor,
            reason=", ".join(edited),
        )


@transaction.atomic
def finding_withdraw(*, actor: User, finding: Finding, reason: str) -> Finding:
    """Take a finding back (raised in error, settled with the client on site): it stays on record."""
    finding = _locked_finding(finding)
    _guard(actor, finding.audit, finding.type, finding.type)
    if finding.status == FindingStatus.WITHDRAWN:
        return finding
    if not reason.strip():
        raise FindingError(_("Say why the finding is withdrawn."))
    if len(reason) > WITHDRAW_REASON_MAX:
        raise FindingError(_("Keep the reason within %(max)s characters.") % {"max": WITHDRAW_REASON_MAX})
    previous = finding.status
    finding.status, finding.updated_at = FindingStatus.WITHDRAWN, timezone.now()
    finding.save(update_fields=["status", "updated_at"])
    transition_record(
        subject=finding,
        field="status",
        from_state=previous,
        to_state=finding.status,
        actor=actor,
        reason=reason,
    )
    findings_changed(findings=[finding])
    return finding


def _guard_files(actor: User, finding: Finding) -> None:
    _guard(actor, finding.audit, finding.type, finding.type)
    if finding.status == FindingStatus.WITHDRAWN:
        raise FindingError(WITHDRAWN)


@transaction.atomic
def finding_file_add(*, actor: User, finding: Finding, upload: UploadedFile) -> FindingEvidenceFile:
    """The team's objective evidence (a photo, a record): validated by the upload form like
    gap-analysis evidence, stored under a server-chosen name."""
    finding = _locked_finding(finding)
    _guard_files(actor, finding)
    evidence = FindingEvidenceFile.objects.create(
        finding=finding, file=upload, original_name=upload.name[:255], size=upload.size, uploaded_by=actor
    )
    transition_record(
        subject=finding,
        field="file added",
        from_state=None,
        to_state=evidence.original_name[:60],
        actor=actor,
    )
    return evidence


@transaction.atomic
def finding_file_remove(*, actor: User, file: FindingEvidenceFile) -> FindingEvidenceFile:
    """Hide one of the team's files from the finding; the file and its record stay."""
    finding = _locked_finding(file.finding)
    _guard_files(actor, finding)
    if file.response_id is not None:
        raise FindingError(_("The client's evidence stays with its response."))
    if file.removed_at is None:
        file.removed_at = timezone.now()
        file.save(update_fields=["removed_at"])
        transition_record(
            subject=finding,
            field="file removed",
            from_state=file.original_name[:60],
            to_state=_("removed"),
            actor=actor,
        )
    return file
