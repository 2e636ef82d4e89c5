"""Certification decisions (17021-1 §9.5; DOMAIN.md §1.4–1.11; rules 3–5, 13, 23, 29–32).

`decision_blockers` says, rule by rule, what stops a decision, with a link to the audit or finding
that blocks it; the decision page shows the same list before anyone presses the button, and
`decision_record` refuses with it. A granted decision opens a draft revision of the certificate
(a new certificate, numbered, on an initial certification or a transfer); `certificates.revision_issue`
makes it current once its content is complete (rule 8).
"""

import dataclasses
import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import finding_rules, team_rules
from audits.enums import (
    NC_TYPES,
    REPORTED_STATUSES,
    AssignmentStatus,
    AuditKind,
    AuditStatus,
    FindingStatus,
    FindingType,
)
from audits.models import Audit, AuditProgramme, Finding, TeamAssignment
from audits.selectors.programme_checks import cycle_audits, cycle_policy
from audits.selectors.programmes import consultancy_ends
from audits.services.programmes import programme_cycle_start, programme_next_cycle
from certificates import access, certificate_rules
from certificates.enums import (
    AUDITED_KINDS,
    OPENING_KINDS,
    CertificateStatus,
    DecisionKind,
    DecisionOutcome,
    IncomingStatus,
    RevisionStatus,
    TaskKind,
    TaskResolution,
    TransferReviewOutcome,
)
from certificates.mail import send_decision_news_mail
from certificates.models import Certificate, CertificateRevision, Decision, RevisionSite, TransferReview
from certificates.services.due_dates import certificate_dues_refresh
from certificates.services.numbers import number_allocate
from certificates.services.steps import cycle_steps_refresh
from certificates.services.tasks import tasks_close_for
from core.bounds import clamped_add
from core.errors import DomainError
from core.models import Transition
from core.records import refuse_invalid
from core.transitions import transition_record
from organisations.access import require
from organisations.enums import QualificationKind, SiteKind
from organisations.models import AuditorQualification, IAFCode, Site, User
from standards.models import Edition

K = DecisionKind
LIVE_STATUSES = (CertificateStatus.DRAFT, CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
# The audits whose results feed each kind of decision (rule 3's "audits feeding the decision")
FEEDING_KINDS = {
    K.INITIAL: (AuditKind.STAGE1, AuditKind.STAGE2),
    K.RECERTIFICATION: (AuditKind.RECERTIFICATION,),
    K.RESTORATION: (AuditKind.RECERTIFICATION,),
    K.SCOPE_EXTENSION: (AuditKind.SPECIAL_SCOPE_EXTENSION,),
    K.TRANSITION: (AuditKind.TRANSITION,),
    K.TRANSFER: (AuditKind.TRANSFER_REVIEW,),
    K.SCOPE_REDUCTION: (),
}


class DecisionError(DomainError):
    """A decision that cannot be recorded; `blockers` name the rule and the record that blocks it."""

    def __init__(self, blockers: list["Blocker"]) -> None:
        self.blockers = blockers
        super().__init__(" ".join(str(b) for b in blockers))


@dataclass(frozen=True)
class Blocker:
    message: str
    rule: int | None = None
    url: str = ""
    label: str = ""

    def __str__(self) -> str:
        return f"{self.message} (rule {self.rule})" if self.rule else self.message


@dataclass(frozen=True)
class DecisionContent:
    """What the decider records. Scope and sites default to the programme's (or the certificate's
    for a revision); a scope reduction names the reduced ones, and a new scope text of a reduction
    comes with the decider's confirmation that it only narrows the scope and why (rule 16)."""

    kind: str
    outcome: str
    decided_on: datetime.date
    rationale: str
    scope: str = ""
    sites: tuple[Site, ...] = ()
    transfer_review: TransferReview | None = None
    narrows_scope: bool = False
    scope_justification: str = ""


@dataclass
class Situation:
    """What the rules read, gathered once for the page and the service."""

    programme: AuditProgramme
    edition: Edition
    kind: str
    certificate: Certificate | None
    current: CertificateRevision | None
    audits: list[Audit] = field(default_factory=list)


def live_certificate(programme: AuditProgramme, edition: Edition) -> Certificate | None:
    """The client's certificate for this standard at this CB that a decision would revise."""
    return (
        Certificate.objects.filter(
            certification_body_id=programme.certification_body_id,
            organisation_id=programme.organisation_id,
            standard_id=edition.standard_id,
        )
        .exclude(status__in=(CertificateStatus.WITHDRAWN, CertificateStatus.CANCELLED))
        .order_by("-created_at", "-pk")
        .first()
    )


def current_revision(certificate: Certificate | None) -> CertificateRevision | None:
    if certificate is None:
        return None
    return certificate.revisions.filter(status=RevisionStatus.CURRENT).first()


def feeding_audits(programme: AuditProgramme, kind: str) -> list[Audit]:
    """The latest, not cancelled, audit of each kind that feeds this decision, with the follow-ups
    that verified their corrections: one query."""
    kinds = FEEDING_KINDS.get(kind, ())
    if not kinds:
        return []
    audits = list(
        programme.audits.exclude(status=AuditStatus.CANCELLED)
        .filter(kind__in=(*kinds, AuditKind.FOLLOW_UP))
        .select_related("report")
        .order_by("starts_on", "pk")
    )
    if set(kinds) <= {AuditKind.STAGE1, AuditKind.STAGE2, AuditKind.RECERTIFICATION}:
        latest = cycle_audits(audits)  # the latest of each kind: a repeated stage replaces the earlier
    else:
        latest = {audit.kind: audit for audit in audits if audit.kind in kinds}
    found = [latest[k] for k in kinds if k in latest]
    ids = {audit.pk for audit in found}
    return found + [a for a in audits if a.kind == AuditKind.FOLLOW_UP and a.follows_up_id in ids]


def situation(*, programme: AuditProgramme, edition: Edition, kind: str) -> Situation:
    certificate = None if kind in OPENING_KINDS else live_certificate(programme, edition)
    return Situation(
        programme=programme,
        edition=edition,
        kind=kind,
        certificate=certificate,
        current=current_revision(certificate),
        audits=feeding_audits(programme, kind),
    )


# --- The rules, each a list of blockers ---------------------------------------------------------


def _edition_blockers(s: Situation, decided_on: datetime.date, grant: bool) -> list[Blocker]:
    """The edition is the programme's; a grant needs it certifiable (rule 32) and its transition
    not over (rule 31)."""
    edition = s.edition
    found = []
    if not s.programme.programme_editions.filter(edition=edition).exists():
        found.append(Blocker(_("%(edition)s is not in this programme.") % {"edition": edition.label}))
    if not grant:
        return found
    if not edition.certifiable:
        found.append(
            Blocker(
                _("%(edition)s is guidance: it cannot be certified.") % {"edition": edition.label}, rule=32
            )
        )
    if edition.transition_end_on and decided_on > edition.transition_end_on:
        found.append(
            Blocker(
                _("Certificates to %(edition)s ended with its transition on %(day)s.")
                % {"edition": edition.label, "day": edition.transition_end_on},
                rule=31,
            )
        )
    return found


def _decider_blockers(actor: User, s: Situation, decided_on: datetime.date) -> list[Blocker]:
    """Rules 3 and 23, and the decider's competence (17021-1 §9.5.1.2)."""
    found = []
    audited = (
        TeamAssignment.objects.filter(
            audit__in=s.audits,
            user=actor,
            status=AssignmentStatus.ACTIVE,
            role__in=team_rules.AUDITING_ROLES,
        )
        .select_related("audit")
        .order_by("audit__starts_on")
    )
    found += [
        Blocker(
            _("You were on the team of %(audit)s: someone who audited cannot decide.") % {"audit": a.audit},
            rule=3,
            url=a.audit.get_absolute_url(),
            label=str(a.audit),
        )
        for a in audited
    ]
    cooling_off = clamped_add(decided_on, -relativedelta(years=team_rules.CONSULTANCY_COOLING_OFF_YEARS))
    advised_until = consultancy_ends([actor.pk], s.programme.organisation).get(actor.pk)
    if advised_until is not None and advised_until > cooling_off:
        found.append(
            Blocker(
                _(
                    "You advised this client (consultancy or its gap analysis) until %(day)s: "
                    "no decision on it within two years after."
                )
                % {"day": advised_until},
                rule=23,
            )
        )
    qualified = _decision_qualifications(actor, s, decided_on).exists()
    if not qualified:
        found.append(
            Blocker(
                _(
                    "You hold no valid decision-maker qualification for %(standard)s covering the client's "
                    "IAF codes on %(day)s."
                )
                % {"standard": s.edition.standard.code, "day": decided_on}
            )
        )
    return found


def _decision_qualifications(actor: User, s: Situation, decided_on: datetime.date):
    """The actor's decision-maker qualifications for the standard, valid on the day, that cover
    every IAF code of the programme (17021-1 §9.5.1.2): one query."""
    programme_codes = AuditProgramme.iaf_codes.through.objects.filter(auditprogramme_id=s.programme.pk)
    return AuditorQualification.objects.filter(
        user=actor,
        certification_body_id=s.programme.certification_body_id,
        standard_id=s.edition.standard_id,
        kind=QualificationKind.DECISION_MAKER,
        valid_from__lte=decided_on,
        valid_until__gte=decided_on,
    ).filter(
        ~Exists(
            programme_codes.exclude(
                iafcode_id__in=AuditorQualification.iaf_codes.through.objects.filter(
                    auditorqualification_id=OuterRef(OuterRef("pk"))
                ).values("iafcode_id")
            )
        )
    )


def _finding_url(finding: Finding) -> str:
    return reverse("audits:finding_detail", args=[finding.pk])


def _verified_on(findings: list[Finding]) -> dict[int, datetime.date]:
    """When each finding was verified and closed, read from the transition log."""
    rows = Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(Finding),
        object_id__in=[f.pk for f in findings],
        field="status",
        to_state=FindingStatus.VERIFIED_CLOSED,
    ).values_list("object_id", "at")
    found: dict[int, datetime.date] = {}
    for finding_id, at in rows:
        day = timezone.localdate(at)
        found[finding_id] = min(day, found.get(finding_id, day))
    return found


def _audit_blockers(s: Situation, outcome: str, decided_on: datetime.date) -> list[Blocker]:
    """Rule 4 (reports issued; majors verified; minors with an accepted plan) and rule 5."""
    if s.kind not in AUDITED_KINDS:
        return []
    found = []
    expected = FEEDING_KINDS[s.kind]
    present = {a.kind for a in s.audits}
    found += [
        Blocker(
            _("There is no %(kind)s audit in this programme to decide on.") % {"kind": AuditKind(k).label},
            rule=4,
        )
        for k in expected
        if k not in present and s.kind != K.RESTORATION
    ]
    for audit in s.audits:
        if audit.status not in REPORTED_STATUSES:
            found.append(
                Blocker(
                    _("The report of %(audit)s is not issued.") % {"audit": audit},
                    rule=4,
                    url=audit.get_absolute_url(),
                    label=str(audit),
                )
            )
        elif (
            (issued := getattr(audit, "report", None))
            and issued.issued_at
            and timezone.localdate(issued.issued_at) > decided_on
        ):
            found.append(
                Blocker(
                    _("The decision cannot come before the report of %(audit)s was issued.")
                    % {"audit": audit},
                    url=audit.get_absolute_url(),
                    label=str(audit),
                )
            )
    if outcome != DecisionOutcome.GRANT:
        return found
    ncs = list(
        Finding.objects.filter(audit__in=s.audits, type__in=NC_TYPES)
        .exclude(status=FindingStatus.WITHDRAWN)
        .select_related("audit")
        .order_by("audit__starts_on", "number")
    )
    for finding in ncs:
        if not finding_rules.is_settled(finding.type, finding.status):
            message = (
                _("Major nonconformity %(ref)s is not verified and closed.")
                if finding.type == FindingType.MAJOR_NC
                else _("Minor nonconformity %(ref)s has no accepted plan.")
            )
            found.append(
                Blocker(
                    message % {"ref": f"{finding.audit} #{finding.number}"},
                    rule=4,
                    url=_finding_url(finding),
                    label=f"{finding.audit} #{finding.number}",
                )
            )
    if s.kind == K.INITIAL:
        found += _six_month_blockers(s, ncs, decided_on)
    return found


def _six_month_blockers(s: Situation, ncs: list[Finding], decided_on: datetime.date) -> list[Blocker]:
    stage2 = next((a for a in s.audits if a.kind == AuditKind.STAGE2), None)
    if stage2 is None:
        return []
    majors = [f for f in ncs if f.audit_id == stage2.pk and f.type == FindingType.MAJOR_NC]
    verified = _verified_on(majors)
    days = s.programme.certification_body.stage2_repeat_after_days
    late = certificate_rules.six_month_blockers(
        stage2_ends_on=stage2.ends_on,
        majors=[
            certificate_rules.MajorNC(
                label=f"{stage2} #{f.number}", url=_finding_url(f), verified_on=verified.get(f.pk)
            )
            for f in majors
        ],
        decided_on=decided_on,
        days=days,
    )
    return [
        Blocker(
            _(
                "Major nonconformity %(ref)s was not verified within %(days)s days after stage 2 ended on "
                "%(end)s: a new stage 2 audit is needed before certification."
            )
            % {"ref": m.label, "days": days, "end": stage2.ends_on},
            rule=5,
            url=m.url,
            label=m.label,
        )
        for m in late
    ]


def _certificate_blockers(s: Situation, content: DecisionContent) -> list[Blocker]:
    """What the certificate must be for this kind of decision (rules 12, 13, 15, 16, 30). What a
    grant would give (rules 12, 13, 16, 30) does not stop a refusal."""
    grant = content.outcome == DecisionOutcome.GRANT
    if s.kind in OPENING_KINDS:
        found = _opening_blockers(s)
        if s.kind == K.TRANSFER:
            found += _transfer_blockers(s, content.transfer_review, content.decided_on, grant)
        return found
    certificate = s.certificate
    if certificate is None:
        return [_no_certificate_blocker(s)]
    found = []
    if certificate.status not in certificate_rules.APPLIES_TO[s.kind]:
        found.append(
            Blocker(
                _("Certificate %(number)s is %(status)s: a %(kind)s does not apply to it.")
                % {
                    "number": certificate.number,
                    "status": certificate.get_status_display().lower(),
                    "kind": K(s.kind).label.lower(),
                },
                url=certificate.get_absolute_url(),
                label=certificate.number,
            )
        )
    if certificate.revisions.filter(status=RevisionStatus.DRAFT).exists():
        found.append(
            Blocker(
                _("Certificate %(number)s has a draft revision not yet issued: issue or void it first.")
                % {"number": certificate.number},
                url=certificate.get_absolute_url(),
                label=certificate.number,
            )
        )
    if s.current is not None:
        found += _revision_blockers(s, content, grant)
    return found


def _opening_blockers(s: Situation) -> list[Blocker]:
    existing = live_certificate(s.programme, s.edition)
    if existing is None or existing.status not in LIVE_STATUSES:
        return []
    return [
        Blocker(
            _("%(org)s already holds certificate %(number)s for %(standard)s.")
            % {"org": s.programme.organisation, "number": existing.number, "standard": s.edition.standard},
            url=existing.get_absolute_url(),
            label=existing.number,
        )
    ]


def _no_certificate_blocker(s: Situation) -> Blocker:
    """Nothing to revise; rule 15 when the certificate there was is withdrawn or cancelled."""
    ended = Certificate.objects.filter(
        certification_body_id=s.programme.certification_body_id,
        organisation_id=s.programme.organisation_id,
        standard_id=s.edition.standard_id,
        status__in=(CertificateStatus.WITHDRAWN, CertificateStatus.CANCELLED),
    ).first()
    if ended is not None:
        return Blocker(
            _(
                "Certificate %(number)s is %(status)s: it cannot become valid again; a new certification "
                "needs a new initial audit."
            )
            % {"number": ended.number, "status": ended.get_status_display().lower()},
            rule=15,
            url=ended.get_absolute_url(),
            label=ended.number,
        )
    return Blocker(
        _("%(org)s holds no certificate for %(standard)s to revise.")
        % {"org": s.programme.organisation, "standard": s.edition.standard}
    )


def _revision_blockers(s: Situation, content: DecisionContent, grant: bool) -> list[Blocker]:
    """Against the current revision: rules 12, 13, 16 and the edition of a transition."""
    current, decided_on, found = s.current, content.decided_on, []
    if s.kind == K.RESTORATION:
        stage2_after = s.programme.audits.filter(
            kind=AuditKind.STAGE2, status__in=REPORTED_STATUSES, starts_on__gt=current.expiry_on
        ).first()
        late = decided_on > certificate_rules.cycle.restoration_deadline(current.expiry_on)
        if late and stage2_after is not None:
            s.audits.append(stage2_after)  # it feeds the restoration: rules 3 and 4 read it
        refusal = certificate_rules.restoration_refusal(
            expiry_on=current.expiry_on, decided_on=decided_on, stage2_after_expiry=stage2_after is not None
        )
        if refusal and grant:
            found.append(Blocker(refusal, rule=13))
    if s.kind == K.TRANSITION and current.edition_id == s.edition.pk:
        found.append(
            Blocker(_("The certificate is already on %(edition)s.") % {"edition": s.edition.label}, rule=31)
        )
    if not grant:
        return found
    if s.kind == K.RECERTIFICATION and decided_on > current.expiry_on:
        found.append(
            Blocker(
                _(
                    "Certificate %(number)s expired on %(day)s: validity is not extended; "
                    "decide a restoration."
                )
                % {"number": s.certificate.number, "day": current.expiry_on},
                rule=12,
            )
        )
    if s.kind == K.SCOPE_REDUCTION:
        found += _reduction_blockers(current, content)
    return found


def _rewrites_scope(current_scope: str, scope: str) -> bool:
    """Whether a decision's scope text (empty: unchanged) says something else than the current
    one; spacing and line breaks alone change nothing."""
    return bool(scope.strip()) and scope.split() != current_scope.split()


def _reduction_blockers(current: CertificateRevision, content: DecisionContent) -> list[Blocker]:
    """Rule 16: a reduction only removes. It keeps only sites in scope now; a new scope text needs
    the decider's confirmation that it narrows the scope and why; something must be reduced (what
    is not given stays as it is). Adding is an extension, decided on its audit."""
    current_ids = set(current.sites.values_list("site_id", flat=True))
    site_ids = {site.pk for site in content.sites} or current_ids
    rewritten = _rewrites_scope(current.scope, content.scope)
    found = []
    if added := sorted(site.name for site in content.sites if site.pk not in current_ids):
        found.append(
            Blocker(
                _(
                    "A reduction only removes sites; not on the certificate: %(sites)s. Adding a site is "
                    "an extension: decide a scope extension on its extension audit."
                )
                % {"sites": ", ".join(added)},
                rule=16,
            )
        )
    if rewritten and not (content.narrows_scope and content.scope_justification.strip()):
        found.append(
            Blocker(
                _(
                    "The scope text differs from the certificate's: confirm that the new text only narrows "
                    "the scope and say why. A wider scope is an extension: decide a scope extension on its "
                    "extension audit."
                ),
                rule=16,
            )
        )
    if site_ids == current_ids and not rewritten:
        found.append(Blocker(_("Reduce the scope text or the sites: nothing is reduced."), rule=16))
    return found


def _transfer_blockers(
    s: Situation, review: TransferReview | None, decided_on: datetime.date, grant: bool
) -> list[Blocker]:
    """Rule 30: every transfer decision is taken on its pre-transfer review; a grant only on an
    accepted review of an accredited, valid, unexpired certificate."""
    if review is None:
        return [Blocker(_("A transfer is decided on a pre-transfer review: record it first."), rule=30)]
    found = []
    if review.programme_id != s.programme.pk or review.edition_id != s.edition.pk:
        found.append(Blocker(_("The pre-transfer review is of another programme or standard."), rule=30))
    if Decision.objects.filter(transfer_review=review).exists():
        found.append(Blocker(_("This pre-transfer review has already been decided on.")))
    if not grant:
        return found
    if review.outcome != TransferReviewOutcome.ACCEPT:
        found.append(
            Blocker(_("The pre-transfer review concluded that the transfer cannot be accepted."), rule=30)
        )
    if not review.incoming_accredited:
        found.append(
            Blocker(_("Only an accredited certificate can be transferred; treat the client as new."), rule=30)
        )
    if review.incoming_status != IncomingStatus.VALID:
        found.append(
            Blocker(
                _("The incoming certificate is %(status)s: only a valid certificate can be transferred.")
                % {"status": IncomingStatus(review.incoming_status).label.lower()},
                rule=30,
            )
        )
    if review.expires_on <= decided_on:
        found.append(Blocker(_("The incoming certificate has expired."), rule=30))
    return found


def decision_blockers(
    *, actor: User, programme: AuditProgramme, edition: Edition, content: DecisionContent
) -> list[Blocker]:
    """Everything that stops this decision, rule by rule (empty: it can be recorded)."""
    s = situation(programme=programme, edition=edition, kind=content.kind)
    return _blockers(actor, s, _only_relevant(content))


def _only_relevant(content: DecisionContent) -> DecisionContent:
    """A pre-transfer review belongs to a transfer decision only."""
    if content.kind == K.TRANSFER or content.transfer_review is None:
        return content
    return dataclasses.replace(content, transfer_review=None)


def _blockers(actor: User, s: Situation, content: DecisionContent) -> list[Blocker]:
    """Every decision: its date, the decider (rules 3, 23, competence), the audits' reports (rule 4)
    and one decision per standard (rule 29). A grant also: settled nonconformities (rules 4, 5) and
    what the certificate would say (rules 12, 13, 16, 30, 31, 32); a refusal is recorded without."""
    decided_on = content.decided_on
    found = []
    if decided_on > timezone.localdate():
        found.append(Blocker(_("A decision is recorded once taken: its date cannot be in the future.")))
    found += _edition_blockers(s, decided_on, content.outcome == DecisionOutcome.GRANT)
    found += _certificate_blockers(s, content)
    found += _audit_blockers(s, content.outcome, decided_on)
    found += _decider_blockers(actor, s, decided_on)
    already = Decision.objects.filter(
        programme=s.programme, edition=s.edition, kind=content.kind, outcome=DecisionOutcome.GRANT
    )
    if content.kind in (K.INITIAL, K.RECERTIFICATION) and already.exists():
        found.append(
            Blocker(
                _("This programme already has a granted %(kind)s decision for %(edition)s.")
                % {"kind": K(content.kind).label.lower(), "edition": s.edition.label},
                rule=29,
                url=already.first().get_absolute_url(),
                label=str(already.first()),
            )
        )
    return found


# --- Recording ----------------------------------------------------------------------------------


def _revision_values(s: Situation, content: DecisionContent) -> dict:
    """What the draft revision says: the decision's dates (rules 6, 7, 13, 30), scope and sites."""
    programme, current, kind = s.programme, s.current, s.kind
    review = content.transfer_review
    expiry = certificate_rules.expiry_for(
        kind,
        decided_on=content.decided_on,
        day_before=cycle_policy(programme.certification_body).expiry_day_before,
        previous_expiry=current.expiry_on if current else None,
        incoming_expiry=review.expires_on if review else None,
    )
    if kind == K.TRANSFER:
        cycle_start = review.cycle_started_on
    else:
        cycle_start = certificate_rules.cycle_start_for(
            kind, decided_on=content.decided_on, previous_start=current.cycle_started_on if current else None
        )
    recert = next((a for a in s.audits if a.kind == AuditKind.RECERTIFICATION), None)
    base_scope = programme.scope if _from_programme(s) else current.scope
    return {
        "edition": s.edition,
        **CertificateRevision.holder_of(programme.organisation),
        "scope": content.scope.strip() or base_scope,
        "effective_on": content.decided_on,
        "expiry_on": expiry,
        "cycle_started_on": cycle_start,
        "last_recertification_audit_on": recert.ends_on
        if recert
        else (current.last_recertification_audit_on if current else None),
        "soa_version": current.soa_version if current else "",
        "soa_id": current.soa_id if current else None,
    }


def _from_programme(s: Situation) -> bool:
    """Scope, sites and IAF codes come from the programme on a new certificate and an extension
    (what was audited); every other revision keeps the current revision's (a reduction among them)."""
    return s.current is None or s.kind == K.SCOPE_EXTENSION


def _sites_of(s: Situation, content: DecisionContent) -> list[Site]:
    """The sites as they are today: a new revision certifies their current names and addresses.
    Those the decision names; without, the programme's (or the current certificate's) permanent
    and virtual sites: a temporary site (a construction site, an event) is on the certificate only
    when the decision names it, or when the certification has no other site (of limited duration,
    for that site alone)."""
    if content.sites:
        return list(content.sites)
    if _from_programme(s):
        sites = s.programme.sites.all()
    else:
        sites = Site.objects.filter(pk__in=s.current.sites.values("site_id"))
    return list(sites.exclude(kind=SiteKind.TEMPORARY)) or list(sites)


def _iaf_codes_of(s: Situation) -> list[IAFCode]:
    return list(s.programme.iaf_codes.all() if _from_programme(s) else s.current.iaf_codes.all())


@transaction.atomic
def decision_record(
    *, actor: User, programme: AuditProgramme, edition: Edition, content: DecisionContent
) -> Decision:
    """Record the decision. A grant opens the draft revision (and, on an initial certification or
    a transfer, the certificate with its number); an initial grant starts the programme's cycle,
    a recertification opens the next cycle's programme."""
    programme = (
        AuditProgramme.objects.select_for_update()
        .select_related("certification_body", "organisation")
        .get(pk=programme.pk)
    )
    require(access.can_decide_programme(actor, programme), access.DECIDERS_ONLY)
    content = _only_relevant(content)
    s = situation(programme=programme, edition=edition, kind=content.kind)
    if s.certificate is not None:
        s.certificate = Certificate.objects.select_for_update().get(pk=s.certificate.pk)
    if blockers := _blockers(actor, s, content):
        raise DecisionError(blockers)
    decision = Decision(
        programme=programme,
        edition=edition,
        kind=content.kind,
        outcome=content.outcome,
        decided_on=content.decided_on,
        decided_by=actor,
        rationale=content.rationale.strip(),
        scope_justification=content.scope_justification.strip(),
        certificate=s.certificate,
        transfer_review=content.transfer_review if content.kind == K.TRANSFER else None,
    )
    refuse_invalid(
        decision,
        DomainError,
        exclude=("programme", "edition", "decided_by", "certificate", "transfer_review"),
    )
    decision.save()
    decision.audits.set(s.audits)
    transition_record(
        subject=decision,
        field="outcome",
        from_state=None,
        to_state=decision.outcome,
        actor=actor,
        reason=decision.rationale,
    )
    if content.outcome == DecisionOutcome.GRANT:
        _grant(actor, s, content, decision)
    if content.outcome == DecisionOutcome.GRANT and s.kind == K.SCOPE_REDUCTION:  # rule 14's other answer
        tasks_close_for(
            certificate=s.certificate,
            resolution=TaskResolution.SCOPE_REDUCED,
            kinds=(TaskKind.SUSPENSION_EXPIRED,),
            actor=actor,
        )
    if s.certificate is not None:  # a recertification granted is done; a new cycle may be open
        certificate_dues_refresh(
            certificates=Certificate.objects.filter(pk=s.certificate.pk),
            reason=f"{decision.get_kind_display().lower()} decided for {s.certificate.number}",
        )
    cycle_steps_refresh(
        organisations=[programme.organisation_id],
        reason=f"{decision.get_kind_display().lower()} decided on {programme.reference}",
    )
    send_decision_news_mail(decision=decision)
    return decision


def _grant(actor: User, s: Situation, content: DecisionContent, decision: Decision) -> None:
    programme = s.programme
    if s.kind in OPENING_KINDS:
        review = content.transfer_review
        s.certificate = Certificate.objects.create(
            certification_body=programme.certification_body,
            organisation=programme.organisation,
            standard=s.edition.standard,
            number=number_allocate(
                certification_body=programme.certification_body,
                standard=s.edition.standard,
                on=content.decided_on,
            ),
            status=CertificateStatus.DRAFT,
            status_since=content.decided_on,
            original_certified_on=review.original_certified_on if review else content.decided_on,
        )
        transition_record(
            subject=s.certificate,
            field="status",
            from_state=None,
            to_state=CertificateStatus.DRAFT,
            actor=actor,
            reason=_("Granted by decision of %(day)s.") % {"day": content.decided_on},
        )
        decision.certificate = s.certificate
        decision.save(update_fields=["certificate"])
    number = (s.certificate.revisions.aggregate(n=Max("revision"))["n"] or 0) + 1
    revision = CertificateRevision(
        certificate=s.certificate, revision=number, decision=decision, **_revision_values(s, content)
    )
    refuse_invalid(revision, DomainError, exclude=("certificate", "decision", "edition"))
    revision.save()
    # the copy of what is certified (DOMAIN §6.1): the holder above, the sites here; never changed after
    RevisionSite.objects.bulk_create(
        RevisionSite.copy_of(site, revision=revision) for site in _sites_of(s, content)
    )
    revision.iaf_codes.set(_iaf_codes_of(s))
    reason = _("Drafted by the %(kind)s decision.") % {"kind": K(s.kind).label.lower()}
    if s.kind == K.SCOPE_REDUCTION and decision.scope_justification:
        reason += " " + _("The scope text narrows: %(why)s") % {"why": decision.scope_justification}
    transition_record(
        subject=revision,
        field="status",
        from_state=None,
        to_state=RevisionStatus.DRAFT,
        actor=actor,
        reason=reason,
    )
    if s.kind in OPENING_KINDS and programme.cycle_started_on is None:
        # a transfer continues the incoming cycle: surveillance falls due from its decision (IAF MD 2)
        review = content.transfer_review
        started_on = review.cycle_started_on if s.kind == K.TRANSFER else content.decided_on
        programme_cycle_start(actor=None, programme=programme, decided_on=started_on)
    if s.kind in (K.RECERTIFICATION, K.RESTORATION):
        _open_next_cycle(actor, programme, content.decided_on)


def _open_next_cycle(actor: User, programme: AuditProgramme, decided_on: datetime.date) -> None:
    """The recertification decision opens the next cycle's programme, carried over for review
    (once: a programme already continued keeps its next cycle)."""
    programme_next_cycle(actor=actor, programme=programme, decided_on=decided_on)
