"""`manage.py seed_scale` at a small size: the sizes asked for, every record as the app's own rules
and services would have left it, the same data for the same seed, and a number of queries that does
not grow with the size.

The first tests need an empty database and seed it themselves; the others read one data set,
seeded once for the module in a transaction rolled back at its end (`seeded`)."""

import datetime
import hashlib
import re
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Max
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from audits import finding_rules
from audits.enums import (
    FIELDWORK_STATUSES,
    NC_TYPES,
    REPORTED_STATUSES,
    AssignmentStatus,
    AuditKind,
    AuditStatus,
    ProgrammeStatus,
)
from audits.models import Audit, AuditProgramme, Finding, FindingResponse, TeamAssignment
from audits.models.programme import ProgrammeScope
from audits.selectors.programme_checks import programme_problems, team_problems
from audits.services import programmes as programme_services
from certificates import certificate_rules
from certificates.enums import CertificateStatus, RevisionStatus, TaskStatus
from certificates.models import Certificate, CertificateNumberSequence, CertificateRevision, Decision, Task
from certificates.services.certificates import certificates_expire_due, content_of
from certificates.services.numbers import number_allocate
from certificates.services.tasks import tasks_sync
from core.models import Transition
from improvement.models import GapAnalysis, GapAnswer
from organisations.enums import CBRole
from organisations.models import CBMembership, CertificationBody, Organisation, Site, User
from standards.services import catalogue_load

TODAY = datetime.date(2026, 12, 7)
SMALL = {
    "organisations": 12,
    "sites": 60,
    "certificates": 30,
    "audits": 150,
    "findings": 300,
    "responses": 80,
    "gap_analyses": 5,
    "gap_answers": 700,
    "big_audit": 110,
}
DOUBLE = {name: value * 2 for name, value in SMALL.items()} | {"big_audit": 110}
CHECKED_APPS = ("organisations", "improvement", "audits", "certificates", "core")
REFERENCE = re.compile(r"P-\d+")


def _seed(sizes: dict = SMALL, **options) -> str:
    out = StringIO()
    call_command("seed_scale", today=TODAY, stdout=out, **sizes, **options)
    return out.getvalue()


def _rolled_back(action):
    """Run `action` in a transaction rolled back after it: the next run finds the database empty."""
    with transaction.atomic():
        result = action()
        transaction.set_rollback(True)
    return result


def _digest() -> str:
    """The seeded data by what it says, not by its ids (a second run gets new ids)."""
    rows = [
        *Organisation.objects.values_list("name", "kind", "registration_number", "headcount", "street"),
        *Site.objects.values_list("organisation__name", "name", "headcount", "is_central_function"),
        *User.objects.values_list("email", "full_name", "password"),
        *Certificate.objects.values_list(
            "number",
            "organisation__name",
            "standard__code",
            "status",
            "status_since",
            "original_certified_on",
        ),
        *CertificateRevision.objects.values_list(
            "certificate__number",
            "revision",
            "status",
            "effective_on",
            "expiry_on",
            "issued_on",
            "public_token",
        ),
        *Audit.objects.values_list(
            "programme__organisation__name",
            "kind",
            "status",
            "starts_on",
            "ends_on",
            "planned_days",
            "sample_seed",
        ),
        *Finding.objects.values_list(
            "audit__programme__organisation__name",
            "audit__kind",
            "number",
            "type",
            "status",
            "clause__number",
            "raised_at",
        ),
        *FindingResponse.objects.values_list("finding__statement", "kind", "outcome", "submitted_at"),
        *GapAnswer.objects.values_list("analysis__title", "clause__number", "status", "updated_at"),
        *Transition.objects.values_list(
            "content_type__model", "field", "from_state", "to_state", "at", "reason"
        ),
    ]
    # a programme's reference is its id ("P-00012"): the one thing a second run writes otherwise
    text = sorted(REFERENCE.sub("P-#", repr(row)) for row in rows)
    return hashlib.sha256(repr(text).encode()).hexdigest()


def _queries(sizes: dict) -> tuple[Counter, int]:
    """The statements of one run (INSERTs counted per table), and the rows it wrote."""

    def run():
        with CaptureQueriesContext(connection) as captured:
            output = _seed(sizes, batch_size=1_000_000)
        return captured.captured_queries, output

    queries, output = _rolled_back(run)
    kinds = Counter()
    for query in queries:
        sql = query["sql"]
        kinds[sql.split(" (", 1)[0] if sql.startswith("INSERT") else "other"] += 1
    rows = int(output.rsplit("rows in all", 1)[1].split()[0].replace(",", ""))
    return kinds, rows


# --- On an empty database -----------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_scale_same_seed_gives_the_same_data():
    catalogue_load()
    first = _rolled_back(lambda: (_seed(), _digest())[1])
    second = _rolled_back(lambda: (_seed(), _digest())[1])
    other = _rolled_back(lambda: (_seed(seed=2), _digest())[1])
    assert first == second
    assert other != first


@pytest.mark.django_db
def test_seed_scale_queries_do_not_grow_with_the_size():
    """With a batch larger than any table, every table is one INSERT and every read is made once:
    twice the data, the same statements."""
    catalogue_load()
    small, small_rows = _queries(SMALL)
    double, double_rows = _queries(DOUBLE)
    assert double_rows > 1.6 * small_rows  # the CBs' staff and qualifications stay the same
    assert double == small
    assert sum(small.values()) < 130 < small_rows / 100


@pytest.mark.django_db
def test_seed_scale_refuses_a_database_with_organisations_unless_forced():
    catalogue_load()
    _seed()
    with pytest.raises(CommandError, match="already holds organisations"):
        _seed()
    with pytest.raises(CommandError, match="seed 1 is already"):
        _seed(force=True)
    before = Organisation.objects.count()
    _seed(force=True, seed=3)
    assert Organisation.objects.count() == 2 * before
    assert Certificate.objects.values("certification_body", "number").distinct().count() == 60


# --- On one data set ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, media_dir):
    """The small data set, seeded once for the tests below and rolled back after them."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_dir), transaction.atomic():
        catalogue_load()
        output = _seed()
        yield output
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_seed_scale_builds_the_sizes_asked_for(seeded):
    assert Organisation.objects.count() == 12
    assert Site.objects.count() == 60
    assert Certificate.objects.count() == 30
    assert Finding.objects.count() == 300
    assert GapAnalysis.objects.count() == 5
    assert abs(Audit.objects.count() - 150) <= 5
    assert abs(GapAnswer.objects.count() - 700) <= 60
    assert 40 <= FindingResponse.objects.count() <= 120
    assert set(Certificate.objects.values_list("status", flat=True)) == set(CertificateStatus.values)
    assert CertificationBody.objects.count() == 2
    assert max(Finding.objects.values("audit").annotate(n=Max("number")).values_list("n", flat=True)) >= 100
    assert max(analysis.answers.count() for analysis in GapAnalysis.objects.all()) >= 150
    assert "Seeded in" in seeded and "core.Transition" in seeded


@pytest.mark.django_db
def test_seed_scale_members_and_staff_hold_their_roles(seeded):
    for organisation in Organisation.objects.prefetch_related("memberships"):
        roles = {m.role for m in organisation.memberships.all()}
        assert {"quality_manager", "viewer"} <= roles
        assert organisation.sites.filter(is_central_function=True).count() == 1
    for body in CertificationBody.objects.all():
        roles = set(CBMembership.objects.filter(certification_body=body).values_list("role", flat=True))
        assert {CBRole.CERTIFICATION_MANAGER, CBRole.AUDITOR, CBRole.REVIEWER} <= roles
        assert body.qualifications.filter(is_lead_auditor=True).exists()
        assert body.certification_mark
    assert not any(user.has_usable_password() for user in User.objects.all()[:20])


@pytest.mark.django_db
def test_seed_scale_certificates_have_their_decisions_revisions_and_numbers(seeded):
    issued = Certificate.objects.exclude(status=CertificateStatus.DRAFT).exclude(
        revisions__status=RevisionStatus.VOID
    )
    for certificate in issued:
        current = certificate.revisions.get(status=RevisionStatus.CURRENT)
        assert certificate.decisions.filter(outcome="grant").exists()
        assert (
            current.decision.certificate_id == certificate.pk and current.issued_on and current.sites.exists()
        )
        assert current.decision.programme.is_approved
        assert not certificate_rules.missing_content(content_of(current))  # rule 8
        assert certificate.revisions.filter(status=RevisionStatus.SUPERSEDED).count() == current.revision - 1
    assert issued.count() >= 20
    for certificate in Certificate.objects.filter(status=CertificateStatus.DRAFT):
        assert certificate.revisions.get().status == RevisionStatus.DRAFT
    numbers = list(Certificate.objects.values_list("certification_body", "number"))
    assert len(set(numbers)) == len(numbers) == 30
    taken = sum(CertificateNumberSequence.objects.values_list("last_value", flat=True))
    assert taken == 30  # no gap, no number twice (rule 9)
    certificate = Certificate.objects.order_by("original_certified_on", "pk").last()
    with transaction.atomic():
        fresh = number_allocate(
            certification_body=certificate.certification_body,
            standard=certificate.standard,
            on=certificate.original_certified_on,
        )
        transaction.set_rollback(True)
    assert not Certificate.objects.filter(number=fresh).exists()


@pytest.mark.django_db
def test_seed_scale_decisions_follow_rules_3_and_4(seeded):
    for decision in Decision.objects.prefetch_related("audits__report", "audits__assignments"):
        assert decision.audits.exists()
        for audit in decision.audits.all():
            assert audit.status == AuditStatus.CLOSED
            assert audit.report.issued_at.date() <= decision.decided_on
            team = {a.user_id for a in audit.assignments.all() if a.status == AssignmentStatus.ACTIVE}
            assert decision.decided_by_id not in team


@pytest.mark.django_db
def test_seed_scale_findings_and_responses_where_the_audit_allows_them(seeded):
    allowed = (*FIELDWORK_STATUSES, *REPORTED_STATUSES)
    assert not Finding.objects.exclude(audit__status__in=allowed).exists()
    assert not Finding.objects.filter(type="concern").exclude(audit__kind=AuditKind.STAGE1).exists()
    assert not FindingResponse.objects.exclude(finding__type__in=NC_TYPES).exists()
    assert not FindingResponse.objects.exclude(finding__audit__status__in=REPORTED_STATUSES).exists()
    for audit in Audit.objects.filter(status__in=(AuditStatus.CLOSED, AuditStatus.NCS_PENDING)):
        unsettled = [
            s for t, s in audit.findings.values_list("type", "status") if not finding_rules.is_settled(t, s)
        ]
        assert bool(unsettled) == (audit.status == AuditStatus.NCS_PENDING)
    waiting = Counter(
        FindingResponse.objects.filter(outcome="pending").values_list("finding__status", flat=True)
    )
    assert set(waiting) <= {"response_submitted", "implemented"}
    assert (
        sum(waiting.values())
        == Finding.objects.filter(status__in=("response_submitted", "implemented")).count()
    )


@pytest.mark.django_db
def test_seed_scale_programmes_and_teams_pass_the_app_checks(seeded):
    approved = AuditProgramme.objects.filter(status=ProgrammeStatus.APPROVED).exclude(
        audits__status=AuditStatus.CANCELLED
    )
    assert approved.exists()
    for programme in approved.select_related("certification_body"):
        assert programme_problems(programme) == []
    confirmed = Audit.objects.exclude(status__in=(AuditStatus.PLANNED, AuditStatus.CANCELLED))
    for audit in confirmed.select_related("programme__certification_body", "programme__organisation"):
        assert team_problems(audit) == []
        assert audit.assignments.filter(role="lead").exists()
        assert audit.status in (AuditStatus.TEAM_ASSIGNED,) or audit.plan.sent_at


@pytest.mark.django_db
def test_seed_scale_daily_job_finds_nothing_left_to_do(seeded):
    """The tasks rules 10 and 14 ask for are there, and nothing has expired unseen: the daily job
    run on the data set's day opens, closes and expires nothing."""
    assert Task.objects.filter(status=TaskStatus.OPEN).exists()
    with transaction.atomic():
        synced = tasks_sync(today=TODAY)
        expired = certificates_expire_due(today=TODAY)
        transaction.set_rollback(True)
    assert (synced.opened, synced.closed, expired) == ([], [], [])


@pytest.mark.django_db
def test_seed_scale_transitions_end_in_the_current_states(seeded):
    """Every status reached by a service has its transition, the latest being the status held."""
    for model in (Certificate, CertificateRevision, Audit, Finding, TeamAssignment, Task, GapAnalysis):
        content_type = ContentType.objects.get_for_model(model)
        latest = {}
        for object_id, state in (
            Transition.objects.filter(content_type=content_type, field="status")
            .order_by("at", "pk")
            .values_list("object_id", "to_state")
        ):
            latest[object_id] = state
        for pk, status in model.objects.values_list("pk", "status"):
            if model is Audit and status == AuditStatus.PLANNED and pk not in latest:
                continue  # planned with the programme: `programme_open` records the programme
            assert latest[pk] == status, (model.__name__, pk)


@pytest.mark.django_db
def test_seed_scale_plans_programmes_as_the_service_does(seeded):
    """A programme opened through `programme_open` for the same client, editions and first stage
    plans the same audit times and the same clauses per audit as the seeded one."""
    without_table = AuditProgramme.objects.filter(programme_editions__override_days__isnull=False)
    programme = (
        AuditProgramme.objects.filter(previous=None, is_integrated=True)
        .exclude(pk__in=without_table)
        .select_related("certification_body", "organisation")
        .order_by("pk")
        .first()
    )
    assert programme is not None
    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    with transaction.atomic():
        opened = programme_services.programme_open(
            actor=programme.created_by,
            certification_body=programme.certification_body,
            organisation=programme.organisation,
            editions=list(programme.editions.all()),
            sites=list(programme.sites.all()),
            iaf_codes=list(programme.iaf_codes.all()),
            stage1_on=stage1.starts_on,
            scope=ProgrammeScope(
                scope=programme.scope,
                headcount=programme.headcount,
                effective_personnel=programme.effective_personnel,
                is_integrated=programme.is_integrated,
                integration_reduction_percent=programme.integration_reduction_percent,
                integration_reason=programme.integration_reason,
            ),
        )
        service = {
            a.kind: (a.planned_days, set(a.clauses.values_list("pk", flat=True))) for a in opened.audits.all()
        }
        service_stage1 = opened.audits.get(kind=AuditKind.STAGE1)
        transaction.set_rollback(True)
    seeded_audits = {
        a.kind: (a.planned_days, set(a.clauses.values_list("pk", flat=True))) for a in programme.audits.all()
    }
    assert seeded_audits == service
    assert (stage1.starts_on, stage1.ends_on) == (service_stage1.starts_on, service_stage1.ends_on)


@pytest.mark.django_db
def test_seed_scale_rows_pass_full_clean(seeded):
    """Every model's own validation, on a sample of its rows (the first and the last 15)."""
    checked = 0
    for model in apps.get_models():
        if model._meta.app_label not in CHECKED_APPS or not model.objects.exists():
            continue
        rows = [*model.objects.order_by("pk")[:15], *model.objects.order_by("-pk")[:15]]
        for row in rows:
            row.full_clean()
        checked += 1
    assert checked >= 25
