"""Django admin: every model registered, changelists free of N+1, business records never deleted."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.enums import FindingStatus, FindingType, RequirementSource, ResponseKind, TeamRole
from audits.models import (
    Audit,
    AuditPlan,
    AuditProgramme,
    AuditReport,
    ConsultancyRecord,
    Finding,
    FindingEvidenceFile,
    FindingResponse,
    TeamAssignment,
)
from audits.services import programmes as programme_services
from audits.services import teams as team_services
from certificates.models import (
    CalendarSettings,
    Certificate,
    CertificateDueDate,
    CertificateRevision,
    ChangeNotification,
    ChangeReview,
    CycleStep,
    DailyJobRun,
    Decision,
    Reminder,
    Task,
    TransferReview,
)
from core.models import Document, OutgoingEmail, Transition
from core.transitions import transition_record
from improvement.models import (
    Action,
    ActionEvidenceFile,
    EvidenceFile,
    GapAnalysis,
    GapAnswer,
    SoaControl,
    StatementOfApplicability,
)
from improvement.models import internal_audits as ia_models  # internal audits
from improvement.models import reviews as review_models  # management reviews
from improvement.models.readiness import Readiness  # readiness for stage 1
from improvement.services import actions as action_services
from improvement.services import gap as services
from organisations.enums import CBRole, OrganisationRole, SignInKind
from organisations.models import (
    AccreditationScope,
    AuditorQualification,
    CBMembership,
    CertificationBody,
    ClientEngagement,
    IAFCode,
    Invitation,
    Organisation,
    OrganisationMembership,
    SignInEvent,
    Site,
    User,
)
from standards.models import AuditTimeTable, Clause, Edition, Standard
from standards.services import audit_time_table_load
from standards.time_tables import Row
from tests import factories
from tests.factories import PROGRAMME_SCOPE
from tests.improvement.internal_audit_world import internal_audit_records  # internal audits
from tests.improvement.review_world import review_records  # management reviews

pytestmark = pytest.mark.django_db


def _qualification():
    membership = factories.CBMembershipFactory()
    qualification = factories.QualificationFactory(
        user=membership.user, certification_body=membership.certification_body
    )
    qualification.iaf_codes.set([36, 37])
    return qualification


def _scope():
    scope = AccreditationScope.objects.create(
        certification_body=factories.CertificationBodyFactory(),
        standard=factories.StandardFactory(),
        valid_from=datetime.date(2024, 1, 1),
    )
    scope.iaf_codes.set([36])
    return scope


def _gap():
    membership = factories.OrganisationMembershipFactory()
    edition = factories.ClauseFactory().edition
    return services.gap_analysis_start(
        actor=membership.user, organisation=membership.organisation, title="t", editions=[edition], sites=[]
    )


def _evidence():
    answer = _gap().answers.get()
    return services.gap_evidence_add(
        actor=answer.analysis.created_by, answer=answer, upload=SimpleUploadedFile("e.txt", b"evidence")
    )


def _programme():
    engagement = factories.ClientEngagementFactory()
    manager = factories.CBMembershipFactory(
        certification_body=engagement.certification_body, role=CBRole.CERTIFICATION_MANAGER
    ).user
    site = factories.SiteFactory(organisation=engagement.organisation, is_central_function=True)
    return programme_services.programme_open(
        actor=manager,
        certification_body=engagement.certification_body,
        organisation=engagement.organisation,
        editions=[factories.EditionFactory()],
        sites=[site],
        iaf_codes=[],
        stage1_on=datetime.date(2027, 3, 1),
        scope=PROGRAMME_SCOPE,
    )


def _assignment():
    audit = _programme().audits.first()
    manager = audit.programme.certification_body.memberships.get().user
    return team_services.team_assign(actor=manager, audit=audit, user=manager, role=TeamRole.AUDITOR)


def _consultancy():
    return ConsultancyRecord.objects.create(
        organisation=factories.OrganisationFactory(),
        user=factories.UserFactory(),
        description="Wrote the manual",
        started_on=datetime.date(2025, 1, 1),
        ended_on=datetime.date(2025, 6, 30),
        recorded_by=factories.UserFactory(),
    )


def _time_table():
    standard = factories.StandardFactory()
    return audit_time_table_load(
        standard=standard,
        title=f"Table {standard.code}",
        source="CB",
        rows=[Row("all", 1, 10, Decimal("2.5"))],
    )


MAKERS = {
    AuditProgramme: _programme,
    Audit: lambda: _programme().audits.first(),
    TeamAssignment: _assignment,
    ConsultancyRecord: _consultancy,
    AuditTimeTable: _time_table,
    GapAnalysis: _gap,
    GapAnswer: lambda: _gap().answers.get(),
    EvidenceFile: _evidence,
    User: factories.UserFactory,
    Group: lambda: Group.objects.create(name=f"group {Group.objects.count()}"),
    Organisation: factories.OrganisationFactory,
    Site: factories.SiteFactory,
    CertificationBody: factories.CertificationBodyFactory,
    AccreditationScope: _scope,
    ClientEngagement: factories.ClientEngagementFactory,
    OrganisationMembership: factories.OrganisationMembershipFactory,
    CBMembership: factories.CBMembershipFactory,
    AuditorQualification: _qualification,
    Standard: factories.StandardFactory,
    Edition: factories.EditionFactory,
    Clause: factories.ClauseFactory,
    IAFCode: None,  # the 39 codes are data from a migration
    # django-axes' login-attempt records: deleting an AccessAttempt is how an admin unlocks someone
    AccessAttempt: None,
}


def _transition():
    site = factories.SiteFactory()
    return transition_record(subject=site, field="is_active", from_state=True, to_state=False)


MAKERS[Transition] = _transition
MAKERS[SignInEvent] = lambda: SignInEvent.objects.create(
    kind=SignInKind.SIGNED_IN, user=factories.UserFactory(), ip_address="192.0.2.1"
)


def _audit_with_lead():
    audit = _programme().audits.first()
    return audit, audit.programme.certification_body.memberships.get().user


def _finding():
    audit, user = _audit_with_lead()
    site = audit.programme.sites.first()
    return Finding.objects.create(
        audit=audit,
        number=1,
        type=FindingType.MINOR_NC,
        status=FindingStatus.OPEN,
        source=RequirementSource.LEGAL,
        requirement_reference="Act 12, art. 3",
        site=site,
        statement="No record",
        evidence="Register R-12 of March",
        raised_by=user,
    )


def _finding_response():
    finding = _finding()
    return FindingResponse.objects.create(
        finding=finding,
        kind=ResponseKind.PLAN,
        root_cause="Cause",
        correction="Correction",
        corrective_action="Action",
        submitted_by=finding.raised_by,
    )


def _finding_file():
    finding = _finding()
    return FindingEvidenceFile.objects.create(
        finding=finding,
        file=SimpleUploadedFile("photo.txt", b"x"),
        original_name="photo.txt",
        size=1,
        uploaded_by=finding.raised_by,
    )


def _plan():
    audit, user = _audit_with_lead()
    return AuditPlan.objects.create(audit=audit, objectives="Stage 1 objectives", updated_by=user)


def _report():
    audit, user = _audit_with_lead()
    return AuditReport.objects.create(audit=audit, updated_by=user)


def _document():
    site = factories.SiteFactory()
    return Document.objects.create(
        kind="test", content_type=ContentType.objects.get_for_model(site), object_id=site.pk
    )


MAKERS.update(
    {
        Finding: _finding,
        FindingResponse: _finding_response,
        FindingEvidenceFile: _finding_file,
        AuditPlan: _plan,
        AuditReport: _report,
        Document: _document,
        OutgoingEmail: lambda: OutgoingEmail.objects.create(
            subject="Your audit plan", recipients="qm@test.example", message={"body": "text"}
        ),
    }
)


def _certificate():
    from tests.certificates.conftest import make_certificate

    world = SimpleNamespace(
        cb=factories.CertificationBodyFactory(),
        org_a=factories.OrganisationFactory(),
        cert_manager=factories.UserFactory(),
    )
    world.site_a = factories.SiteFactory(organisation=world.org_a)
    count = Certificate.objects.count()
    return make_certificate(world, factories.EditionFactory(), number=f"T-{count + 1}")


def _transfer_review():
    certificate = _certificate()
    decision = certificate.decisions.get()
    return TransferReview.objects.create(
        programme=decision.programme,
        edition=decision.edition,
        issuing_body="Previous CB",
        incoming_number="OLD-1",
        incoming_status="valid",
        incoming_accredited=True,
        original_certified_on=datetime.date(2020, 1, 10),
        cycle_started_on=datetime.date(2023, 1, 10),
        expires_on=datetime.date(2026, 1, 9),
        reason="Better service",
        reports_reviewed="Recertification 2022, surveillance 2024",
        outcome="accept",
        reviewed_on=datetime.date(2025, 6, 1),
        reviewed_by=decision.decided_by,
    )


def _reminder():
    certificate = _certificate()
    return Reminder.objects.create(
        recipient=factories.UserFactory(),
        item_key=f"certificate-{certificate.pk}-expiry",
        kind="expiry",
        due_on=datetime.date(2029, 3, 2),
        stage="before-90",
        title=f"Certificate expires: {certificate.number}",
        path=certificate.get_absolute_url(),
        certification_body=certificate.certification_body,
        organisation=certificate.organisation,
    )


def _cycle_step():
    certificate = _certificate()
    return CycleStep.objects.create(
        key=f"suspension:{certificate.pk}",
        kind="suspension_resolve",
        source="suspension",
        object_id=certificate.pk,
        certification_body=certificate.certification_body,
        organisation=certificate.organisation,
        due_on=datetime.date(2027, 3, 2),
    )


def _invitation():
    inviter = factories.OrganisationMembershipFactory()
    return Invitation.objects.create(
        organisation=inviter.organisation,
        email=f"invited{Invitation.objects.count()}@test.example",
        full_name="Invited",
        role="viewer",
        invited_by=inviter.user,
        expires_at=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
        token_hash=f"{Invitation.objects.count():064d}",
    )


MAKERS.update(
    {
        Certificate: _certificate,
        CertificateRevision: lambda: _certificate().revisions.get(),
        CertificateDueDate: lambda: _certificate().revisions.get().due_dates.first(),
        CycleStep: _cycle_step,
        Decision: lambda: _certificate().decisions.get(),
        TransferReview: _transfer_review,
        Task: lambda: Task.objects.create(
            certificate=_certificate(), kind="overdue_surveillance", due_on=datetime.date(2026, 3, 2)
        ),
        Reminder: _reminder,
        DailyJobRun: lambda: DailyJobRun.objects.create(day=datetime.date(2026, 12, 7), summary="done"),
        CalendarSettings: lambda: CalendarSettings.objects.create(user=factories.UserFactory()),
    }
)
MAKERS[Invitation] = _invitation


def _change_review():
    organisation = factories.OrganisationFactory()
    notification = ChangeNotification.objects.create(
        organisation=organisation,
        kind="scope",
        description="A new service line",
        effective_on=datetime.date(2027, 1, 1),
        submitted_by=factories.UserFactory(),
    )
    return ChangeReview.objects.create(
        notification=notification,
        certification_body=factories.CertificationBodyFactory(),
        due_on=datetime.date(2027, 1, 31),
    )


MAKERS.update({ChangeNotification: lambda: _change_review().notification, ChangeReview: _change_review})


# --- the action register ---


def _action():
    membership = factories.OrganisationMembershipFactory(role="quality_manager")
    return action_services.action_create(
        actor=membership.user,
        organisation=membership.organisation,
        source="complaint",
        title="Late replies",
        owner=membership.user,
    )


def _action_file():
    action = _action()
    return action_services.action_file_add(
        actor=action.owner, action=action, upload=SimpleUploadedFile("a.txt", b"evidence")
    )


MAKERS.update({Action: _action, ActionEvidenceFile: _action_file})
# --- internal audits: each model's maker builds one organisation's records ---


def _internal_audit_records() -> dict:
    membership = factories.OrganisationMembershipFactory(role=OrganisationRole.QUALITY_MANAGER)
    world = SimpleNamespace(
        org_x=membership.organisation,
        qm_x=membership.user,
        site_x=factories.SiteFactory(organisation=membership.organisation),
    )
    records = internal_audit_records(world, factories.ClauseFactory().edition, "x")
    return {
        ia_models.Process: records["process"],
        ia_models.AuditorTraining: records["training"],
        ia_models.InternalAuditProgramme: records["internal_programme"],
        ia_models.InternalAudit: records["internal_audit"],
        ia_models.InternalAuditor: records["internal_auditor"],
        ia_models.ChecklistItem: records["checklist_item"],
        ia_models.InternalFinding: records["internal_finding"],
    }


INTERNAL_AUDIT_MODELS = (
    ia_models.Process,
    ia_models.AuditorTraining,
    ia_models.InternalAuditProgramme,
    ia_models.InternalAudit,
    ia_models.InternalAuditor,
    ia_models.ChecklistItem,
    ia_models.InternalFinding,
)
MAKERS.update(
    {model: (lambda model=model: _internal_audit_records()[model]) for model in INTERNAL_AUDIT_MODELS}
)
# --- the Statement of Applicability: each maker drafts a version for a new organisation ---


def _soa():
    from improvement.services import soa as soa_services

    edition = Edition.objects.filter(standard__code="ISO/IEC 27001").first()
    if edition is None:
        edition = factories.ClauseFactory(edition__standard__code="ISO/IEC 27001", number="A.5.1").edition
    membership = factories.OrganisationMembershipFactory(role=OrganisationRole.QUALITY_MANAGER)
    return soa_services.soa_draft(
        actor=membership.user, organisation=membership.organisation, edition=edition
    )


MAKERS.update({StatementOfApplicability: _soa, SoaControl: lambda: _soa().controls.get()})


# --- management reviews: each model's maker builds one organisation's records ---


def _review_records() -> dict:
    membership = factories.OrganisationMembershipFactory(role=OrganisationRole.QUALITY_MANAGER)
    world = SimpleNamespace(org_x=membership.organisation, qm_x=membership.user)
    records = review_records(world, factories.ClauseFactory().edition, "x")
    return {
        review_models.ManagementReview: records["review"],
        review_models.ReviewAttendee: records["review_attendee"],
        review_models.ReviewInput: records["review_input"],
        review_models.ReviewOutput: records["review_output"],
    }


REVIEW_MODELS = (
    review_models.ManagementReview,
    review_models.ReviewAttendee,
    review_models.ReviewInput,
    review_models.ReviewOutput,
)
MAKERS.update({model: (lambda model=model: _review_records()[model]) for model in REVIEW_MODELS})

# --- readiness for stage 1: one organisation's pack of an edition, shared ---


def _readiness():
    from improvement.services.readiness import readiness_share

    membership = factories.OrganisationMembershipFactory(role=OrganisationRole.QUALITY_MANAGER)
    return readiness_share(
        actor=membership.user,
        organisation=membership.organisation,
        edition=factories.EditionFactory(),
        shared=True,
    )


MAKERS[Readiness] = _readiness


NO_DELETE = set(MAKERS) - {Group, AccessAttempt}


def _changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def superuser(client):
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_every_registered_model_is_covered():
    assert set(admin.site._registry) == set(MAKERS)


@pytest.mark.parametrize("model", [m for m, make in MAKERS.items() if make], ids=lambda m: m.__name__)
def test_changelist_query_count_does_not_grow(client, superuser, model):
    make = MAKERS[model]
    make()
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(_changelist_url(model)).status_code == 200
    make()
    make()
    with CaptureQueriesContext(connection) as three_rows:
        response = client.get(_changelist_url(model))
    assert response.status_code == 200
    assert len(three_rows) == len(one_row)


@pytest.mark.parametrize("model", sorted(NO_DELETE, key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_business_records_cannot_be_deleted(rf, superuser, model):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = superuser
    assert model_admin.has_delete_permission(request) is False
    assert "delete_selected" not in model_admin.get_actions(request)


def test_iaf_codes_are_loaded_as_data(client, superuser):
    assert IAFCode.objects.count() == 39
    assert IAFCode.objects.get(code=36).title == "Public administration"
    response = client.get(_changelist_url(IAFCode), {"q": "education"})
    assert [code.code for code in response.context["cl"].result_list] == [37]


def test_certification_body_policy_defaults_match_domain(client, superuser):
    cb = factories.CertificationBodyFactory()
    assert (
        cb.stage2_max_gap_days,
        cb.stage2_repeat_after_days,
        cb.major_plan_days,
        cb.major_close_days,
        cb.minor_plan_days,
        cb.suspension_max_days,
        cb.reminder_lead_days,
    ) == (183, 183, 30, 90, 30, 183, [90, 30, 7])
    url = reverse("admin:organisations_certificationbody_change", args=[cb.pk])
    page = client.get(url).content.decode()
    assert "Policy: findings and suspension" in page


def test_user_admin_add_creates_user_with_email_login(client, superuser):
    response = client.post(
        reverse("admin:organisations_user_add"),
        {
            "email": "New.Admin@Test.Example",
            "full_name": "New Admin",
            "password1": "a-very-long-pass-phrase",
            "password2": "a-very-long-pass-phrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email__iexact="new.admin@test.example")
    assert user.check_password("a-very-long-pass-phrase")


@pytest.mark.parametrize(
    "model",
    [Organisation, Site, Edition, Clause, OrganisationMembership, CertificationBody],
    ids=lambda m: m.__name__,
)
def test_change_and_add_pages_render(client, superuser, model):
    instance = MAKERS[model]()
    opts = model._meta
    assert (
        client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
        ).status_code
        == 200
    )
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


@pytest.mark.parametrize("model", [GapAnalysis, GapAnswer, EvidenceFile], ids=lambda m: m.__name__)
def test_gap_analyses_are_read_only_in_admin(rf, superuser, model):
    """Only client users write a gap analysis (rule 24), through services that log each change."""
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request) and not model_admin.has_change_permission(request)


def test_sign_in_records_are_read_only_in_admin(rf, superuser):
    """Who signed in, failed or reset a second factor is history: no one adds, edits or deletes it."""
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[SignInEvent]
    assert not model_admin.has_add_permission(request)
    event = MAKERS[SignInEvent]()
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    with pytest.raises(ValueError, match="immutable"):
        event.save()
    with pytest.raises(ValueError, match="immutable"):
        event.delete()


@pytest.mark.parametrize("model", [Action, ActionEvidenceFile], ids=lambda m: m.__name__)
def test_actions_are_read_only_in_admin(rf, superuser, model):
    """The action register changes through its pages and services, which log each step."""
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request) and not model_admin.has_change_permission(request)
