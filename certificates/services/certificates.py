"""A certificate's life after the decision (DOMAIN.md §1.5–1.10, §6.2; rules 6, 8, 9, 12–16, 31, 34).

Issuing makes a draft revision current (the previous one superseded) once its content is
complete; the status moves (suspend, reinstate, withdraw, cancel, expire) each record who, when,
from, to and why, and close the work queue's tasks they resolve (rules 10, 14). Expiry is never
edited: a new expiry comes only with a decision's revision.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from certificates import access, certificate_rules
from certificates.enums import (
    TERMINAL_STATUSES,
    CertificateStatus,
    DecisionKind,
    DecisionOutcome,
    RevisionStatus,
    SuspensionReason,
    TaskKind,
    TaskResolution,
)
from certificates.mail import send_certificate_news_mail
from certificates.models import Certificate, CertificateRevision
from certificates.services.due_dates import certificate_dues_refresh
from certificates.services.steps import cycle_steps_refresh
from certificates.services.tasks import tasks_close_for
from core import bounds
from core.documents import document_request
from core.errors import DomainError
from core.transitions import transition_record
from improvement.access import soas_for
from improvement.enums import SoaStatus
from improvement.models import StatementOfApplicability
from organisations.access import require
from organisations.models import AccreditationScope, User

S = CertificateStatus
CERTIFICATE_DOCUMENT = "certificates.certificate"
ISMS = "ISMS"


class CertificateError(DomainError):
    pass


def _locked(certificate: Certificate) -> Certificate:
    return (
        Certificate.objects.select_for_update()
        .select_related("certification_body", "standard")
        .get(pk=certificate.pk)
    )


def _require_manager(actor: User, certificate: Certificate) -> None:
    require(access.can_manage_certificate(actor, certificate), access.MANAGERS_ONLY)


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Give the reason: it is kept in the certificate's history."))
    try:
        bounds.validate_text(reason)
        MaxLengthValidator(bounds.TEXT_MAX)(reason)
    except ValidationError as invalid:
        raise CertificateError(" ".join(invalid.messages)) from invalid
    return reason


def _move(
    certificate: Certificate,
    target: str,
    *,
    actor: User | None,
    reason: str,
    since: datetime.date,
    tell: bool = True,
) -> None:
    """Change the status (rule 15 refuses what cannot happen), record it (rule 36) and, unless the
    caller tells of it itself (`tell`), tell the client's quality managers."""
    if refusal := certificate_rules.move_refusal(certificate.status, target):
        raise CertificateError(refusal)
    before = certificate.status
    certificate.status, certificate.status_since = target, since
    certificate.save(update_fields=["status", "status_since"])
    transition_record(
        subject=certificate, field="status", from_state=before, to_state=target, actor=actor, reason=reason
    )
    if tell:
        detail = reason
        if target == S.SUSPENDED and certificate.suspension_ends_on:
            detail += " " + _("The suspension is to be resolved by %(day)s.") % {
                "day": date_format(certificate.suspension_ends_on, "DATE_FORMAT")
            }
        send_certificate_news_mail(certificate=certificate, detail=detail.strip())


def _steps_changed(certificate: Certificate, what: str) -> None:
    """Its organisation's next steps (a certificate to issue, a suspension to resolve) follow."""
    cycle_steps_refresh(organisations=[certificate.organisation_id], reason=f"{certificate.number} {what}")


def _set_revision_status(
    revision: CertificateRevision, target: str, *, actor: User | None, reason: str = ""
) -> None:
    before = revision.status
    revision.status = target
    revision.save(update_fields=["status"])
    transition_record(
        subject=revision, field="status", from_state=before, to_state=target, actor=actor, reason=reason
    )


def _void_draft(certificate: Certificate, *, actor: User | None, reason: str) -> None:
    for draft in certificate.revisions.select_for_update().filter(status=RevisionStatus.DRAFT):
        _set_revision_status(draft, RevisionStatus.VOID, actor=actor, reason=reason)


# --- The draft revision -------------------------------------------------------------------------


def _draft(revision: CertificateRevision) -> CertificateRevision:
    revision = (
        CertificateRevision.objects.select_for_update()
        .select_related("certificate", "decision", "edition__standard")
        .get(pk=revision.pk)
    )
    if revision.status != RevisionStatus.DRAFT:
        raise CertificateError(
            _("Only a draft revision can change: an issued one is reissued by a new decision.")
        )
    return revision


@dataclass(frozen=True)
class DraftDetails:
    """What may still be set on a draft: not the expiry (rules 7 and 12 compute it)."""

    effective_on: datetime.date
    soa_version: str = ""
    soa: StatementOfApplicability | None = None  # when set, `soa_version` is its label (one truth)


def _effective_refusal(revision: CertificateRevision, effective_on: datetime.date) -> str | None:
    """Rule 6 (never before the decision) and sense (before the expiry)."""
    if effective_on < revision.decision.decided_on:
        return _("The effective date cannot be before the decision date, %(day)s (rule 6).") % {
            "day": revision.decision.decided_on
        }
    if effective_on >= revision.expiry_on:
        return _("The effective date must come before the expiry date, %(day)s.") % {
            "day": revision.expiry_on
        }
    return None


@transaction.atomic
def revision_update(
    *, actor: User, revision: CertificateRevision, details: DraftDetails
) -> CertificateRevision:
    revision = _draft(revision)
    _require_manager(actor, revision.certificate)
    if refusal := _effective_refusal(revision, details.effective_on):
        raise CertificateError(refusal)
    values = {"effective_on": details.effective_on, "soa_version": details.soa_version, "soa": details.soa}
    if details.soa is not None:
        _soa_guard(actor, revision, details.soa)
        values["soa_version"] = str(details.soa.label)
    changed = []
    for name in ("effective_on", "soa_version", "soa"):
        value = values[name]
        if getattr(revision, name) != value:
            transition_record(
                subject=revision, field=name, from_state=getattr(revision, name), to_state=value, actor=actor
            )
            setattr(revision, name, value)
            changed.append(name)
    if changed:
        revision.full_clean(exclude=["certificate", "decision", "edition", "issued_by"])
        revision.save(update_fields=changed)
    return revision


def _soa_guard(actor: User, revision: CertificateRevision, soa: StatementOfApplicability) -> None:
    """Rule 8: the certificate names an approved version of its holder's SoA for its edition, one
    the certification body may read (the client shared it)."""
    readable = soas_for(actor).filter(
        pk=soa.pk,
        status=SoaStatus.APPROVED,
        organisation=revision.certificate.organisation_id,
        edition=revision.edition_id,
    )
    if not readable.exists():
        raise CertificateError(
            _(
                "Choose an approved version of the organisation's Statement of Applicability for this "
                "edition, one the client shared with the certification body."
            )
        )


def content_of(revision: CertificateRevision) -> certificate_rules.Content:
    certificate, body = revision.certificate, revision.certificate.certification_body
    return certificate_rules.Content(
        holder=revision.holder_name,
        holder_address=revision.holder_address,
        sites=tuple((site.name, site.address) for site in revision.sites.all()),
        scope=revision.scope,
        standard=revision.edition.standard.code,
        edition_year=revision.edition.year,
        effective_on=revision.effective_on,
        expiry_on=revision.expiry_on,
        number=certificate.number,
        cb_name=body.name,
        cb_address=body.address,
        cb_mark=bool(body.certification_mark),
        is_isms=revision.edition.standard.discipline == ISMS,
        soa_version=revision.soa_version,
    )


def is_accredited(revision: CertificateRevision, on: datetime.date) -> bool:
    """Rule 34, on the issue date."""
    certificate = revision.certificate
    scopes = AccreditationScope.objects.filter(
        certification_body_id=certificate.certification_body_id, standard_id=certificate.standard_id
    ).prefetch_related("iaf_codes")
    return certificate_rules.accreditation_covers(
        scopes=[(s.valid_from, s.valid_until, frozenset(c.pk for c in s.iaf_codes.all())) for s in scopes],
        codes=frozenset(revision.iaf_codes.values_list("pk", flat=True)),
        on=on,
    )


def issue_problems(revision: CertificateRevision) -> list[str]:
    """What keeps the draft from being issued: rule 8's missing content, rule 6, rule 32, and a
    revision already past its expiry or its edition's transition (rules 12, 31): issued, it would
    show an active certificate that the next expiry run ends again."""
    problems = [
        _("Missing: %(what)s (rule 8).") % {"what": what}
        for what in certificate_rules.missing_content(content_of(revision))
    ]
    if refusal := _effective_refusal(revision, revision.effective_on):
        problems.append(refusal)
    if not revision.edition.certifiable:
        problems.append(
            _("%(edition)s cannot be printed on a certificate (rule 32).")
            % {"edition": revision.edition.label}
        )
    today = timezone.localdate()
    if revision.expiry_on < today:
        problems.append(
            _("This revision expired on %(day)s: validity is not extended without a decision (rule 12).")
            % {"day": revision.expiry_on}
        )
    transition_end = revision.edition.transition_end_on
    if transition_end and transition_end < today:
        problems.append(
            _("The transition from %(edition)s ended on %(day)s (rule 31).")
            % {"edition": revision.edition.label, "day": transition_end}
        )
    return problems


@transaction.atomic
def revision_issue(*, actor: User, revision: CertificateRevision) -> CertificateRevision:
    """Issue the draft: it becomes current, the previous revision superseded (rule 9); the
    certificate becomes (or stays, or becomes again) active, except that a suspended certificate
    stays suspended unless the revision reduces its scope (§1.10); its PDF is rendered once."""
    certificate = _locked(revision.certificate)
    revision = _draft(revision)
    _require_manager(actor, certificate)
    if problems := issue_problems(revision):
        raise CertificateError(" ".join(problems))
    today = timezone.localdate()
    for previous in certificate.revisions.select_for_update().filter(status=RevisionStatus.CURRENT):
        _set_revision_status(
            previous,
            RevisionStatus.SUPERSEDED,
            actor=actor,
            reason=_("Replaced by revision %(n)s.") % {"n": revision.revision},
        )
    revision.status = RevisionStatus.CURRENT
    revision.issued_on, revision.issued_by = today, actor
    revision.accredited = is_accredited(revision, today)
    revision.save(update_fields=["status", "issued_on", "issued_by", "accredited"])
    transition_record(
        subject=revision,
        field="status",
        from_state=RevisionStatus.DRAFT,
        to_state=RevisionStatus.CURRENT,
        actor=actor,
        reason=_("Issued.") if revision.accredited else _("Issued, not accredited (rule 34)."),
    )
    # A reissue does not resolve a suspension: a reinstatement or a reduction of scope does
    stays_suspended = (
        certificate.status == S.SUSPENDED and revision.decision.kind != DecisionKind.SCOPE_REDUCTION
    )
    if certificate.status != S.ACTIVE and not stays_suspended:
        _move(
            certificate,
            S.ACTIVE,
            actor=actor,
            reason=_("Revision %(n)s issued (%(kind)s).")
            % {"n": revision.revision, "kind": revision.decision.get_kind_display().lower()},
            since=revision.effective_on,
            tell=False,  # the issue is told below
        )
        if certificate.suspension_ends_on:
            certificate.suspension_ends_on = None
            certificate.save(update_fields=["suspension_ends_on"])
    certificate_dues_refresh(
        certificates=Certificate.objects.filter(pk=certificate.pk),
        reason=f"revision {revision.revision} of {certificate.number} issued",
    )
    _steps_changed(certificate, f"revision {revision.revision} issued")
    document_request(actor=actor, kind=CERTIFICATE_DOCUMENT, subject=revision)
    send_certificate_news_mail(certificate=certificate, revision=revision.revision)
    return revision


@transaction.atomic
def revision_void(*, actor: User, revision: CertificateRevision, reason: str) -> CertificateRevision:
    """A draft that will not be issued; a certificate never issued is then cancelled."""
    certificate = _locked(revision.certificate)
    revision = _draft(revision)
    _require_manager(actor, certificate)
    reason = _require_reason(reason)
    _set_revision_status(revision, RevisionStatus.VOID, actor=actor, reason=reason)
    if certificate.status == S.DRAFT:  # never issued: the client was told of no certificate
        _move(certificate, S.CANCELLED, actor=actor, reason=reason, since=timezone.localdate(), tell=False)
    _steps_changed(certificate, f"revision {revision.revision} voided")
    return revision


# --- Status moves ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suspension:
    reason: str
    note: str = ""
    ends_on: datetime.date | None = None  # default: today + the CB's suspension days (rule 14)


@transaction.atomic
def certificate_suspend(*, actor: User, certificate: Certificate, suspension: Suspension) -> Certificate:
    """Rule 14: a reason from the list and a resolution deadline; the public reads NOT VALID."""
    certificate = _locked(certificate)
    _require_manager(actor, certificate)
    if suspension.reason not in SuspensionReason.values:
        raise CertificateError(_("Choose the reason for the suspension from the list."))
    if suspension.reason == SuspensionReason.OTHER and not suspension.note.strip():
        raise CertificateError(_("Say why the certificate is suspended."))
    today = timezone.localdate()
    max_days = certificate.certification_body.suspension_max_days
    ends_on = suspension.ends_on or today + datetime.timedelta(days=max_days)
    if refusal := certificate_rules.suspension_deadline_refusal(
        ends_on=ends_on, today=today, max_days=max_days
    ):
        raise CertificateError(refusal)
    if refusal := certificate_rules.move_refusal(certificate.status, S.SUSPENDED):
        raise CertificateError(refusal)
    # The reason and the deadline are stored first: a suspended row without them breaks the
    # certificate_suspension_complete constraint, which the database checks on every UPDATE.
    certificate.suspension_reason, certificate.suspension_note = suspension.reason, suspension.note.strip()
    certificate.suspension_ends_on = ends_on
    certificate.full_clean(exclude=["certification_body", "organisation", "standard"])
    certificate.save(update_fields=["suspension_reason", "suspension_note", "suspension_ends_on"])
    reason_text = SuspensionReason(suspension.reason).label
    _move(
        certificate,
        S.SUSPENDED,
        actor=actor,
        reason=f"{reason_text}. {certificate.suspension_note}".strip(),
        since=today,
    )
    tasks_close_for(
        certificate=certificate,
        resolution=TaskResolution.SUSPENDED,
        kinds=(TaskKind.OVERDUE_SURVEILLANCE,),
        actor=actor,
    )
    _steps_changed(certificate, "suspended")
    return certificate


@transaction.atomic
def certificate_reinstate(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """The cause of the suspension is resolved: the certification is restored (§1.10)."""
    certificate = _locked(certificate)
    _require_manager(actor, certificate)
    reason = _require_reason(reason)
    if certificate.status in TERMINAL_STATUSES:  # rule 15 says why
        raise CertificateError(certificate_rules.move_refusal(certificate.status, S.ACTIVE))
    if certificate.status != S.SUSPENDED:
        raise CertificateError(_("Only a suspended certificate is reinstated."))
    current = certificate.revisions.filter(status=RevisionStatus.CURRENT).first()
    today = timezone.localdate()
    if current is None or current.expiry_on < today:
        raise CertificateError(_("The certificate has passed its expiry date: it cannot be reinstated."))
    _move(certificate, S.ACTIVE, actor=actor, reason=reason, since=today)
    certificate.suspension_ends_on = None
    certificate.save(update_fields=["suspension_ends_on"])
    tasks_close_for(
        certificate=certificate,
        resolution=TaskResolution.REINSTATED,
        kinds=(TaskKind.SUSPENSION_EXPIRED,),
        actor=actor,
    )
    _steps_changed(certificate, "reinstated")
    return certificate


def _end(actor: User, certificate: Certificate, target: str, reason: str, resolution: str) -> Certificate:
    """End the certificate for good; its open tasks close with it."""
    certificate = _locked(certificate)
    _require_manager(actor, certificate)
    reason = _require_reason(reason)
    if certificate.status == S.DRAFT:
        raise CertificateError(_("A draft certificate is not ended: void its draft revision instead."))
    _move(certificate, target, actor=actor, reason=reason, since=timezone.localdate())
    _void_draft(certificate, actor=actor, reason=reason)
    tasks_close_for(certificate=certificate, resolution=resolution, actor=actor)
    _steps_changed(certificate, f"ended ({target})")
    return certificate


@transaction.atomic
def certificate_withdraw(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Revoked by the CB (a sanction, or a suspension not resolved in time; rule 14). Terminal."""
    return _end(actor, certificate, S.WITHDRAWN, reason, TaskResolution.WITHDRAWN)


@transaction.atomic
def certificate_cancel(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Ended at the client's request or with the contract. Terminal."""
    return _end(actor, certificate, S.CANCELLED, reason, TaskResolution.CERTIFICATE_ENDED)


def _renewed_in_time(certificate: Certificate, expiry_on: datetime.date) -> bool:
    """Rule 12: a recertification granted by the expiry date keeps the certificate from expiring
    while its new revision waits to be issued."""
    return certificate.revisions.filter(
        status=RevisionStatus.DRAFT,
        decision__kind=DecisionKind.RECERTIFICATION,
        decision__outcome=DecisionOutcome.GRANT,
        decision__decided_on__lte=expiry_on,
    ).exists()


@transaction.atomic
def certificate_expire(*, certificate: Certificate, today: datetime.date) -> Certificate | None:
    """Rules 12 and 31, by the system (no actor): an active or suspended certificate whose current
    revision expired before `today`, or whose edition's transition ended before it, expires. The
    status dates from the day after the last valid day. A second run changes nothing."""
    certificate = _locked(certificate)
    if certificate.status not in (S.ACTIVE, S.SUSPENDED):
        return None
    current = certificate.revisions.select_related("edition").filter(status=RevisionStatus.CURRENT).first()
    if current is None:
        return None
    transition_end = current.edition.transition_end_on
    # The earlier of the two ends, when a late run finds both passed: the status dates from it
    if transition_end and transition_end < today and transition_end < current.expiry_on:
        last_day, reason = transition_end, _("The transition from %(edition)s ended on %(day)s (rule 31).")
    elif current.expiry_on < today and not _renewed_in_time(certificate, current.expiry_on):
        last_day, reason = (
            current.expiry_on,
            _("Expired on %(day)s with no recertification decision (rule 12)."),
        )
    else:
        return None
    _move(
        certificate,
        S.EXPIRED,
        actor=None,
        reason=reason % {"day": last_day, "edition": current.edition.label},
        since=last_day + datetime.timedelta(days=1),
    )
    tasks_close_for(certificate=certificate, resolution=TaskResolution.CERTIFICATE_ENDED)
    _steps_changed(certificate, "expired")
    return certificate


def certificates_expire_due(*, today: datetime.date) -> list[Certificate]:
    """Every certificate due to expire by `today` (the daily job and `manage.py expire_certificates`)."""
    due = Certificate.objects.filter(
        Q(revisions__expiry_on__lt=today) | Q(revisions__edition__transition_end_on__lt=today),
        status__in=(S.ACTIVE, S.SUSPENDED),
        revisions__status=RevisionStatus.CURRENT,
    ).distinct()
    return [
        expired
        for certificate in due
        if (expired := certificate_expire(certificate=certificate, today=today))
    ]
