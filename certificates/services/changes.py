"""The client's change notifications and the CBs' reviews of them (DOMAIN §1.9, rule 38).

The client's quality manager notifies a change; every CB serving the organisation gets a review
task due within its `change_review_days`, in its work queue. A headcount change flags the audit
time of the CB's programmes for re-planning at once. A certification manager of the CB decides,
with a reason: no action, a special audit (added to the client's programme through
`audits.services.fieldwork.audit_add`), or a new revision by a decision (the review names the
programme and the kind of decision, and links its page). The first review decided applies the
notified values to the organisation or site records, each change recorded; the certificates keep
the copy of what was certified until a decision revises them.
"""

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.enums import AuditKind
from audits.models import Audit, AuditProgramme
from audits.services.fieldwork import audit_add
from audits.services.programmes import programme_headcount_flag
from certificates import access
from certificates.change_rules import ChangeContent, change_problem
from certificates.enums import (
    REVISING_KINDS,
    ChangeKind,
    ChangeOutcome,
    ChangeReviewStatus,
    SiteChange,
)
from certificates.models import ChangeNotification, ChangeReview
from core import bounds
from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from organisations import services as organisation_services
from organisations.access import require
from organisations.models import CertificationBody, Organisation, Site, User
from organisations.services import NotifiedValues, SiteDetails

SUBMITTED = "submitted"
APPLIED = "applied"


class ChangeError(DomainError):
    pass


@dataclass(frozen=True)
class SpecialAudit:
    """The special (short-notice) audit a review adds to the client's programme."""

    programme: AuditProgramme
    starts_on: datetime.date
    ends_on: datetime.date
    planned_days: Decimal
    on_site_days: Decimal


@dataclass(frozen=True)
class RevisionPlan:
    """The decision a review calls for: its kind, on which programme."""

    programme: AuditProgramme
    decision_kind: str


def serving_bodies(organisation: Organisation) -> list[CertificationBody]:
    """The CBs with an open engagement with the organisation."""
    return list(
        CertificationBody.objects.filter(
            engagements__organisation=organisation, engagements__ended_on__isnull=True
        ).order_by("pk")
    )


def _flag_headcount(notification: ChangeNotification, bodies: list[CertificationBody], actor: User) -> None:
    """Rule 38: a headcount change flags the audit time of every programme of the CBs reviewing it."""
    programmes = AuditProgramme.objects.filter(
        organisation=notification.organisation, certification_body__in=bodies
    ).order_by("pk")
    for programme in programmes:
        programme_headcount_flag(
            actor=actor,
            programme=programme,
            headcount_from=notification.organisation.headcount,
            headcount_to=notification.headcount,
            effective_on=notification.effective_on,
            reason=_("Change notification %(ref)s.") % {"ref": notification.reference},
        )


def _open_reviews(notification: ChangeNotification, bodies: list[CertificationBody], actor: User) -> None:
    """One review task per CB, due within the CB's days, each opening recorded."""
    today = timezone.localdate()
    for body in bodies:
        due_on = bounds.clamped_add(today, datetime.timedelta(days=body.change_review_days))
        review = ChangeReview.objects.create(
            notification=notification, certification_body=body, due_on=due_on
        )
        transition_record(
            subject=review, field="status", from_state=None, to_state=review.status, actor=actor
        )


@transaction.atomic
def change_notify(
    *, actor: User, organisation: Organisation, content: ChangeContent, site: Site | None = None
) -> ChangeNotification:
    """The client notifies a change: one review task per CB serving it, due within its days."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    require(access.can_notify_change(actor, organisation), access.CHANGE_NOTIFIERS_ONLY)
    if site is not None and (site.organisation_id != organisation.pk or content.site_id != site.pk):
        raise ChangeError(_("Choose an active site of the organisation."))
    site_active = site.is_active if site is not None else None
    if problem := change_problem(content, headcount_now=organisation.headcount, site_active=site_active):
        raise ChangeError(problem)
    if content.site_change == SiteChange.ADD and organisation.sites.filter(name=content.name).exists():
        raise ChangeError(_("The organisation already has a site with this name."))
    bodies = serving_bodies(organisation)
    if not bodies:
        raise ChangeError(
            _("No certification body serves %(org)s: edit its records directly.") % {"org": organisation}
        )
    values = {name: value for name, value in dataclasses.asdict(content).items() if name != "site_id"}
    notification = ChangeNotification(organisation=organisation, site=site, submitted_by=actor, **values)
    refuse_invalid(notification, ChangeError, exclude=("organisation", "site", "submitted_by"))
    notification.save()
    transition_record(subject=notification, field="status", from_state=None, to_state=SUBMITTED, actor=actor)
    _open_reviews(notification, bodies, actor)
    if notification.kind == ChangeKind.HEADCOUNT:
        _flag_headcount(notification, bodies, actor)
    return notification


# --- The CB's review ---------------------------------------------------------------------------


def _required_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ChangeError(_("Give the reason for the outcome: it is kept in the review's history."))
    return reason


def _of_the_client(programme: AuditProgramme | None, review: ChangeReview) -> AuditProgramme:
    notification = review.notification
    if (
        programme is None
        or programme.certification_body_id != review.certification_body_id
        or programme.organisation_id != notification.organisation_id
    ):
        raise ChangeError(
            _("Choose a programme of your certification body for %(org)s.")
            % {"org": notification.organisation}
        )
    return programme


def _special_audit(review: ChangeReview, special: SpecialAudit | None, actor: User, reason: str) -> Audit:
    if special is None:
        raise ChangeError(_("Give the programme, dates and time of the special audit."))
    return audit_add(
        actor=actor,
        programme=_of_the_client(special.programme, review),
        kind=AuditKind.SPECIAL_SHORT_NOTICE,
        starts_on=special.starts_on,
        ends_on=special.ends_on,
        planned_days=special.planned_days,
        on_site_days=special.on_site_days,
        purpose=reason,
    )


def _revision(review: ChangeReview, revision: RevisionPlan | None) -> RevisionPlan:
    if revision is None or revision.decision_kind not in REVISING_KINDS:
        raise ChangeError(_("Choose the programme and the kind of decision that revises the certificate."))
    _of_the_client(revision.programme, review)
    return revision


def _values(notification: ChangeNotification) -> NotifiedValues:
    """The notified values: an address replaces the old one whole (an empty postcode included)."""
    address = {}
    if notification.street:
        address = {
            "street": notification.street,
            "postcode": notification.postcode,
            "city": notification.city,
            "country": str(notification.country),
        }
    return NotifiedValues(name=notification.name or None, headcount=notification.headcount, **address)


def _apply(notification: ChangeNotification, actor: User) -> None:
    """Write the notified values on the organisation or its site, once, each change recorded."""
    if not notification.carries_values:
        return
    reason = _("Change notification %(ref)s, reviewed.") % {"ref": notification.reference}
    values = _values(notification)
    common = {"actor": actor, "reason": reason}
    if notification.kind in (ChangeKind.LEGAL, ChangeKind.ADDRESS, ChangeKind.HEADCOUNT):
        organisation_services.organisation_notified_apply(
            organisation=notification.organisation, values=values, **common
        )
    elif notification.site_change == SiteChange.ADD:
        details = SiteDetails(
            name=values.name,
            street=values.street,
            postcode=values.postcode,
            city=values.city,
            country=values.country,
            headcount=values.headcount,
        )
        organisation_services.site_notified_add(
            organisation=notification.organisation, details=details, **common
        )
    elif notification.site_change:
        closing = notification.site_change == SiteChange.CLOSE
        organisation_services.site_notified_update(
            site=notification.site, values=values, is_active=not closing, **common
        )
    notification.applied_at = timezone.now()
    notification.save(update_fields=["applied_at"])
    transition_record(
        subject=notification,
        field="status",
        from_state=SUBMITTED,
        to_state=APPLIED,
        actor=actor,
        reason=reason,
    )


def _locked(review: ChangeReview) -> ChangeReview:
    return (
        ChangeReview.objects.select_for_update(of=("self",))
        .select_related("notification__organisation", "notification__site", "certification_body")
        .get(pk=review.pk)
    )


@transaction.atomic
def change_review_decide(
    *,
    actor: User,
    review: ChangeReview,
    outcome: str,
    reason: str,
    special: SpecialAudit | None = None,
    revision: RevisionPlan | None = None,
) -> ChangeReview:
    """A certification manager of the CB decides what the notified change calls for (rule 38)."""
    review = _locked(review)
    require(access.can_review_change(actor, review), access.CHANGE_REVIEWERS_ONLY)
    if not review.is_open:
        raise ChangeError(
            _("This change was reviewed on %(day)s (%(outcome)s): nothing more is decided on it.")
            % {"day": timezone.localdate(review.decided_at), "outcome": review.get_outcome_display().lower()}
        )
    if outcome not in ChangeOutcome.values:
        raise ChangeError(_("Choose the outcome from the list."))
    reason = _required_reason(reason)
    if outcome == ChangeOutcome.SPECIAL_AUDIT:
        review.audit = _special_audit(review, special, actor, reason)
        review.programme = review.audit.programme
    elif outcome == ChangeOutcome.REVISION:
        plan = _revision(review, revision)
        review.programme, review.decision_kind = plan.programme, plan.decision_kind
    review.status, review.outcome, review.reason = ChangeReviewStatus.DECIDED, outcome, reason
    review.decided_by, review.decided_at = actor, timezone.now()
    refuse_invalid(
        review,
        ChangeError,
        exclude=("notification", "certification_body", "audit", "programme", "decided_by"),
    )
    review.save(
        update_fields=[
            "status",
            "outcome",
            "reason",
            "audit",
            "programme",
            "decision_kind",
            "decided_by",
            "decided_at",
        ]
    )
    transition_record(
        subject=review,
        field="status",
        from_state=ChangeReviewStatus.OPEN,
        to_state=ChangeReviewStatus.DECIDED,
        actor=actor,
        reason=f"{ChangeOutcome(outcome).label}. {reason}",
    )
    notification = (
        ChangeNotification.objects.select_for_update(of=("self",))
        .select_related("organisation", "site")
        .get(pk=review.notification_id)
    )
    if notification.applied_at is None:
        _apply(notification, actor)
    return review
