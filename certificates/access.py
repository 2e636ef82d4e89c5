"""Who may see and do what with decisions and certificates (built on `organisations.access`).

- A certificate and its decisions are seen by the staff of its CB (every role: the register is
  the CB's directory, 17021-1 §8.1) and by the members of the certified organisation (their
  drafts included, so the quality manager can check names and addresses before issue).
  Platform staff read everything.
- Decisions are taken, and certificates issued, suspended, withdrawn and cancelled, only by the
  CB's certification managers (the CB keeps authority for its decisions, 17021-1 §9.5); rules 3
  and 23 (who audited or consulted) are checked by the decision service on top.
- The public sees a certificate only through verification, and never a draft (rule 33).
- The work queue's tasks (rules 10, 14) are the CB's: its staff read them, platform staff too; its
  certification managers take them and act on them.
- A change notification (rule 38) is the client's: its quality managers notify, its members read
  it with the outcome of each CB's review. A CB's review of it is the CB's: its staff read it (and
  the notification), its certification managers decide it; the client sees its status and outcome,
  not the CB's reason.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from audits.access import Reach
from audits.models import AuditProgramme
from certificates.models import (
    Certificate,
    CertificateRevision,
    ChangeNotification,
    ChangeReview,
    Decision,
    Task,
    TransferReview,
)
from organisations import access as tenancy
from organisations.enums import CBRole
from organisations.models import CertificationBody

DECIDING_ROLES = (CBRole.CERTIFICATION_MANAGER,)

DECIDERS_ONLY = _("Only the certification body's certification managers take certification decisions.")
MANAGERS_ONLY = _("Only the certification body's certification managers change a certificate.")
STAFF_ONLY = _("Only the certification body's staff read its register.")
TASK_MANAGERS_ONLY = _("Only the certification body's certification managers take and decide its tasks.")
QUEUE_STAFF_ONLY = _("The work queue is the certification body's: only its staff read it.")
CHANGE_NOTIFIERS_ONLY = _("Only a quality manager of the organisation notifies its changes.")
CHANGE_REVIEWERS_ONLY = _("Only the certification body's certification managers decide on a notified change.")


def _visible(records: QuerySet, user, *, body: str, organisation: str) -> QuerySet:
    """The records of the CBs the user works for and of the organisations they belong to; all of
    them for platform staff, none for the signed out."""
    if not tenancy.signed_in(user):
        return records.none()
    if user.is_staff:
        return records
    return records.filter(
        Q(**{f"{body}__in": tenancy.cb_ids(user)})
        | Q(**{f"{organisation}__in": tenancy.member_organisation_ids(user)})
    )


def certificates_for(user) -> QuerySet[Certificate]:
    certificates = Certificate.objects.select_related("organisation", "certification_body", "standard")
    return _visible(certificates, user, body="certification_body", organisation="organisation")


def certificates_q(reach: Reach, prefix: str = "") -> Q:
    """`certificates_for` as a condition on ids read once (`audits.access.reach_of`): the calendar
    filters by it without nesting subqueries."""
    if reach.everything:
        return Q()
    return Q(**{f"{prefix}certification_body_id__in": reach.bodies}) | Q(
        **{f"{prefix}organisation_id__in": reach.organisations}
    )


def revisions_for(user) -> QuerySet[CertificateRevision]:
    revisions = CertificateRevision.objects.select_related("certificate", "edition__standard")
    return _visible(
        revisions, user, body="certificate__certification_body", organisation="certificate__organisation"
    )


def decisions_for(user) -> QuerySet[Decision]:
    decisions = Decision.objects.select_related(
        "programme__organisation", "programme__certification_body", "edition__standard", "decided_by"
    )
    return _visible(
        decisions, user, body="programme__certification_body", organisation="programme__organisation"
    )


def transfer_reviews_for(user) -> QuerySet[TransferReview]:
    reviews = TransferReview.objects.select_related("programme__organisation", "edition__standard")
    return _visible(
        reviews, user, body="programme__certification_body", organisation="programme__organisation"
    )


def register_bodies(user) -> QuerySet[CertificationBody]:
    """The CBs whose whole register (and its CertSearch export) the user reads: their staff's."""
    return tenancy.bodies_with_role(user, list(CBRole))


def can_read_register(user) -> bool:
    return tenancy.signed_in(user) and register_bodies(user).exists()


def deciding_bodies(user) -> QuerySet[CertificationBody]:
    """The CBs for which the user takes certification decisions."""
    return tenancy.bodies_with_role(user, DECIDING_ROLES)


def can_decide(user, certification_body: CertificationBody) -> bool:
    return tenancy.has_cb_role(user, certification_body, DECIDING_ROLES)


def can_decide_programme(user, programme: AuditProgramme) -> bool:
    return can_decide(user, programme.certification_body)


def can_manage_certificate(user, certificate: Certificate) -> bool:
    return tenancy.has_cb_role(user, certificate.certification_body, DECIDING_ROLES)


def tasks_for(user) -> QuerySet[Task]:
    """The tasks of the certificates of the CBs the user works for (any role); all of them for
    platform staff, none for the others (a client never sees the CB's queue)."""
    tasks = Task.objects.select_related(
        "certificate__organisation", "certificate__certification_body", "certificate__standard", "owner"
    )
    if not tenancy.signed_in(user):
        return tasks.none()
    if user.is_staff:
        return tasks
    return tasks.filter(certificate__certification_body__in=tenancy.cb_ids(user))


def can_act_on_task(user, task: Task) -> bool:
    """Take the task, decide not to suspend: the certification managers of the task's CB."""
    return tenancy.has_cb_role(user, task.certificate.certification_body, DECIDING_ROLES)


def change_reviews_for(user) -> QuerySet[ChangeReview]:
    """The reviews of the CBs the user works for (any role); all of them for platform staff."""
    reviews = ChangeReview.objects.select_related(
        "notification__organisation", "notification__site", "certification_body"
    )
    if not tenancy.signed_in(user):
        return reviews.none()
    if user.is_staff:
        return reviews
    return reviews.filter(certification_body__in=tenancy.cb_ids(user))


def change_reviews_seen(user) -> QuerySet[ChangeReview]:
    """The reviews whose status and outcome the user reads: the CB's staff their CB's, the client's
    members their organisation's."""
    if not tenancy.signed_in(user):
        return ChangeReview.objects.none()
    if user.is_staff:
        return ChangeReview.objects.all()
    return ChangeReview.objects.filter(
        Q(certification_body__in=tenancy.cb_ids(user))
        | Q(notification__organisation__in=tenancy.member_organisation_ids(user))
    )


def change_notifications_for(user) -> QuerySet[ChangeNotification]:
    """The notifications of the organisations the user belongs to, and those a CB the user works
    for reviews; all of them for platform staff."""
    notifications = ChangeNotification.objects.select_related("organisation", "site", "submitted_by")
    if not tenancy.signed_in(user):
        return notifications.none()
    if user.is_staff:
        return notifications
    reviewed = ChangeReview.objects.filter(
        notification=OuterRef("pk"), certification_body__in=tenancy.cb_ids(user)
    )
    return notifications.filter(
        Q(organisation__in=tenancy.member_organisation_ids(user)) | Q(Exists(reviewed))
    )


def can_notify_change(user, organisation) -> bool:
    return tenancy.can_manage_organisation(user, organisation)


def can_review_change(user, review: ChangeReview) -> bool:
    return can_decide(user, review.certification_body)
