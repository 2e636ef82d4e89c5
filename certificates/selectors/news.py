"""What the certification body did that a client's people should know (issue: nobody is left
uninformed): an audit report issued, a certification decision taken, a certificate issued,
suspended, reinstated, withdrawn or expired. Read from the records that hold each event (the
transition log and the decisions), for the home page of the client's members; the quality managers
are also told each by e-mail when it happens (`certificates.mail`, `audits.mail`).
"""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.enums import AuditKind, AuditStatus
from audits.mail import report_issued_text
from audits.models import Audit
from certificates.enums import CertificateStatus, DecisionOutcome, RevisionStatus
from certificates.models import Certificate, CertificateRevision, Decision
from core.listing import labels_of
from core.models import Transition
from organisations import access as tenancy

NEWS_DAYS = 60
NEWS_SHOWN = 8


@dataclass(frozen=True)
class News:
    at: datetime.datetime
    organisation: str
    text: str
    url: str


def certificate_event(certificate_number: str, status: str, revision: int | None = None) -> str:
    """The sentence of a certificate's event (the home page's and the e-mail's)."""
    if revision is not None:
        return _("Certificate %(number)s, revision %(revision)s, issued") % {
            "number": certificate_number,
            "revision": revision,
        }
    texts = {
        CertificateStatus.SUSPENDED: _("Certificate %(number)s suspended"),
        CertificateStatus.ACTIVE: _("Certificate %(number)s reinstated"),
        CertificateStatus.WITHDRAWN: _("Certificate %(number)s withdrawn"),
        CertificateStatus.EXPIRED: _("Certificate %(number)s expired"),
        CertificateStatus.CANCELLED: _("Certificate %(number)s cancelled"),
    }
    return texts[status] % {"number": certificate_number}


def decision_event(kind_label: str, outcome: str, edition_label: str) -> str:
    if outcome == DecisionOutcome.GRANT:
        return _("Certification decision for %(edition)s: %(kind)s granted") % {
            "edition": edition_label,
            "kind": kind_label.lower(),
        }
    return _("Certification decision for %(edition)s: %(kind)s refused") % {
        "edition": edition_label,
        "kind": kind_label.lower(),
    }


def client_news(user, *, now: datetime.datetime | None = None) -> list[News]:
    """The latest events of the organisations the user is a member of, within NEWS_DAYS, newest
    first: three queries (the transitions of their audits and certificates, their decisions)."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=NEWS_DAYS)
    organisations = tenancy.member_organisation_ids(user)
    types = ContentType.objects.get_for_models(Audit, Certificate, CertificateRevision)
    audits = Audit.objects.filter(programme__organisation__in=organisations).values("pk")
    certificates = Certificate.objects.filter(organisation__in=organisations).values("pk")
    revisions = CertificateRevision.objects.filter(certificate__organisation__in=organisations).values("pk")
    moves = Transition.objects.filter(field="status", at__gte=since).filter(
        Q(content_type=types[Audit], object_id__in=audits, to_state=AuditStatus.REPORT_ISSUED)
        | Q(content_type=types[Certificate], object_id__in=certificates)
        & ~Q(from_state=CertificateStatus.DRAFT)  # its first issue is its revision's
        | Q(content_type=types[CertificateRevision], object_id__in=revisions, to_state=RevisionStatus.CURRENT)
    )
    moves = list(
        moves.order_by("-at", "-pk").values_list("at", "content_type_id", "object_id", "to_state")[
            :NEWS_SHOWN
        ]
    )
    news = _transition_news(moves, types)
    decisions = (
        Decision.objects.filter(programme__organisation__in=organisations, recorded_at__gte=since)
        .select_related("edition__standard", "programme__organisation")
        .order_by("-recorded_at", "-pk")[:NEWS_SHOWN]
    )
    news += [
        News(
            at=decision.recorded_at,
            organisation=decision.programme.organisation.name,
            text=decision_event(decision.get_kind_display(), decision.outcome, decision.edition.label),
            url=decision.get_absolute_url(),
        )
        for decision in decisions
    ]
    return sorted(news, key=lambda item: item.at, reverse=True)[:NEWS_SHOWN]


def _transition_news(moves: list[tuple], types: dict) -> list[News]:
    """The events of the transitions, their subjects read in one query per kind of subject."""
    wanted = {model: [pk for _at, type_id, pk, _to in moves if type_id == types[model].pk] for model in types}
    audits = {
        pk: (kind, organisation)
        for pk, kind, organisation in Audit.objects.filter(pk__in=wanted[Audit]).values_list(
            "pk", "kind", "programme__organisation__name"
        )
    }
    certificates = {
        pk: (number, organisation)
        for pk, number, organisation in Certificate.objects.filter(pk__in=wanted[Certificate]).values_list(
            "pk", "number", "organisation__name"
        )
    }
    revisions = {
        pk: (certificate_id, number, revision, organisation)
        for pk, certificate_id, number, revision, organisation in CertificateRevision.objects.filter(
            pk__in=wanted[CertificateRevision]
        ).values_list(
            "pk", "certificate_id", "certificate__number", "revision", "certificate__organisation__name"
        )
    }
    kinds = labels_of(AuditKind)
    news = []
    for at, type_id, pk, to_state in moves:
        if type_id == types[Audit].pk and pk in audits:
            kind, organisation = audits[pk]
            text, url = report_issued_text(kinds[kind]), reverse("audits:audit_report", args=[pk])
        elif type_id == types[Certificate].pk and pk in certificates:
            number, organisation = certificates[pk]
            text, url = (
                certificate_event(number, to_state),
                reverse("certificates:certificate_detail", args=[pk]),
            )
        elif pk in revisions:
            certificate_id, number, revision, organisation = revisions[pk]
            text = certificate_event(number, to_state, revision)
            url = reverse("certificates:certificate_detail", args=[certificate_id])
        else:
            continue
        news.append(News(at=at, organisation=organisation, text=text, url=url))
    return news
