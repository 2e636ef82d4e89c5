"""Bounds (`core.bounds`): every form of the app, posted with what an attacker sends, answers with a
message, never with a 500, and changes nothing.

Every URL of the app is a form view tried here (FORMS), a page whose query string is tried here
(QUERIES), a page whose path holds free text tried here (PATH_INPUT), or a view that takes no
input (NO_INPUT). The first test fails when a URL is in none of them, another when a form class of
the app is tried by no entry, so a new form cannot ship untried.
"""

import datetime
import importlib
import inspect
import io
import pkgutil
import re
from binascii import unhexlify
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from dateutil.relativedelta import relativedelta
from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.formsets import BaseFormSet
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

import audits.forms
import certificates.forms
import improvement.forms
import organisations.forms
import organisations.security_forms
from audits import cycle, team_rules
from audits.enums import AuditKind
from audits.forms.fieldwork import (
    AuditAddForm,
    AuditStartForm,
    LifecycleReasonForm,
    PlanForm,
    PlanSessionForm,
    ReportForm,
)
from audits.forms.findings import FindingFilterForm, FindingForm, FindingNewForm, FindingWithdrawForm
from audits.forms.programmes import (
    AdjustmentFormSet,
    AuditPlanForm,
    CoverageForm,
    DeclarationForm,
    EditionTimeForm,
    ProgrammeForm,
    ProgrammeOpenForm,
    ReasonForm,
    SiteDrawForm,
    TeamAssignForm,
    WithdrawForm,
)
from audits.forms.responses import ImplementationForm, ResponsePlanForm, ReviewForm, VerifyForm
from audits.models import Audit, AuditProgramme, ConsultancyRecord
from audits.selectors.findings import finding_choices
from audits.services import fieldwork as fieldwork_services
from audits.services import findings as finding_services
from audits.services import programmes as programme_services
from audits.services import teams as team_services
from certificates.change_rules import ChangeContent
from certificates.enums import CertificateStatus, TaskKind
from certificates.forms import certificates as certificate_forms
from certificates.forms.calendar import CalendarFilterForm
from certificates.forms.changes import ChangeNotificationForm, ChangeReviewForm
from certificates.forms.decisions import DecisionForm, TransferReviewForm
from certificates.forms.queue import NotSuspendForm, QueueFilterForm
from certificates.forms.register import RegisterFilterForm
from certificates.forms.subscription import ReminderPreferencesForm
from certificates.forms.verification import VerificationForm
from certificates.models import Decision, Task, TransferReview
from certificates.selectors.subscriptions import emailed_kinds_offered
from certificates.services.changes import change_notify
from core import bounds
from core.forms import BoundedForm
from core.transitions import transitions_of
from improvement.forms import internal_audits as ia_forms  # internal audits
from improvement.forms import readiness as readiness_forms  # readiness for stage 1
from improvement.forms import reviews as review_forms  # management reviews
from improvement.forms import soa as soa_forms  # the Statement of Applicability
from improvement.forms.actions import ActionCancelForm, ActionEditForm, ActionNewForm, ActionReviewForm
from improvement.forms.gap import (
    EvidenceUploadForm,
    GapActionRaiseForm,
    GapAnalysisStartForm,
    GapAnswerForm,
    GapBulkStatusForm,
    GapCompareForm,
    GapCopyForm,
    GapFilterForm,
    GapImportForm,
    GapNextForm,
    GapShareForm,
)
from improvement.gap_exports import gap_xlsx_write
from improvement.models import GapAnalysis
from improvement.services import actions as action_services
from improvement.services import gap as gap_services
from improvement.services import soa as soa_services
from organisations import security
from organisations.forms import (
    InvitationSignUpForm,
    MemberInviteForm,
    MembershipDeactivateForm,
    MembershipRoleForm,
    OrganisationForm,
    SiteCreateForm,
    SiteForm,
    SiteManagerForm,
)
from organisations.models import CertificationBody, Site, User
from organisations.services import MembershipError, invitation_create
from tests import factories
from tests.audits.conftest import make_edition
from tests.certificates.conftest import DECIDED_ON, give_images, make_certificate, png_bytes
from tests.certificates.test_decision_views import decided_world, grant
from tests.certificates.test_transfers import form_data as transfer_review_data
from tests.factories import PROGRAMME_SCOPE
from tests.improvement.internal_audit_world import ia_of  # internal audits
from tests.improvement.review_world import reviews_of  # management reviews
from tests.improvement.soa_world import approved  # the Statement of Applicability
from tests.test_url_access import PUBLIC, url_names

pytestmark = pytest.mark.django_db

STAGE1 = datetime.date(2027, 3, 1)
HUGE = str(10**12)
TEXT_100_KB = "x" * 100_000
MEGABYTE = "x" * 1_000_000
OUT_OF_WINDOW = ("1979-12-31", "2101-01-01", "0001-01-01")  # just outside the dates' window, and far
TRACKED_APPS = ("organisations", "standards", "improvement", "audits", "certificates", "core")
DATE_REFUSED = re.compile(r"Enter a date from [^<.]*1980 to [^<.]*2100\.")


@pytest.fixture
def w(world, settings, tmp_path):
    """The world with a gap analysis, a programme, its stage 1 audit and a lead auditor on it."""
    settings.MEDIA_ROOT = tmp_path
    world.edition = make_edition(
        "ISO 9001",
        2015,
        [("4", "Context", "HS-4"), ("4.1", "Context of the organisation", "HS-4.1")],
    )
    world.membership_viewer_a = world.viewer_a.organisation_memberships.get()
    world.invitation = invitation_create(
        actor=world.qm_a,
        organisation=world.org_a,
        email="invited@test.example",
        full_name="Invited",
        role="viewer",
    )
    world.gap = gap_services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Baseline", editions=[world.edition], sites=[]
    )
    world.answer = world.gap.answers.get(clause__number="4.1")
    world.programme = programme_services.programme_open(
        actor=world.cert_manager,
        certification_body=world.cb,
        organisation=world.org_a,
        editions=[world.edition],
        sites=[world.site_a],
        iaf_codes=[],
        stage1_on=STAGE1,
        scope=PROGRAMME_SCOPE,
    )
    world.programme_edition = world.programme.programme_editions.get()
    world.audit = world.programme.audits.get(kind=AuditKind.STAGE1)
    world.assignment = team_services.team_assign(
        actor=world.cert_manager, audit=world.audit, user=world.auditor, role="lead"
    )
    Audit.objects.filter(pk=world.audit.pk).update(team_notified_on=datetime.date(2027, 1, 1))
    world.audit.refresh_from_db()

    fieldwork_services.plan_save(
        actor=world.auditor,
        audit=world.audit,
        objectives="Readiness",
        language="English",
        confidentiality="",
        arrangements="",
    )
    for name, kind, status in (
        ("audit_sent", AuditKind.SURVEILLANCE_2, "plan_sent"),
        ("audit_done", AuditKind.SURVEILLANCE_1, "fieldwork_done"),
    ):
        audit = world.programme.audits.get(kind=kind)
        team_services.team_assign(actor=world.cert_manager, audit=audit, user=world.auditor, role="lead")
        Audit.objects.filter(pk=audit.pk).update(status=status)
        setattr(world, name, audit)

    world.fieldwork_audit = world.programme.audits.get(kind=AuditKind.STAGE2)
    team_services.team_assign(
        actor=world.cert_manager, audit=world.fieldwork_audit, user=world.auditor, role="lead"
    )
    Audit.objects.filter(pk=world.fieldwork_audit.pk).update(status="in_progress")
    world.finding = finding_services.finding_raise(
        actor=world.auditor,
        audit=world.fieldwork_audit,
        content=finding_services.FindingContent(type="ofi", statement="Visual boards help."),
    )
    world.finding_file = finding_services.finding_file_add(
        actor=world.auditor, finding=world.finding, upload=SimpleUploadedFile("f.txt", b"f")
    )

    from audits.models import Finding, FindingResponse

    world.reported_audit = world.programme.audits.get(kind=AuditKind.RECERTIFICATION)
    Audit.objects.filter(pk=world.reported_audit.pk).update(status="ncs_pending")
    for number, (name, status) in enumerate(
        (("nc_open", "open"), ("nc_answered", "response_submitted"), ("nc_accepted", "plan_accepted")), 1
    ):
        nc = Finding.objects.create(
            audit=world.reported_audit,
            number=number,
            type="major",
            status=status,
            site=world.site_a,
            clause=world.edition.clauses.get(number="4.1"),
            statement="No record of the review.",
            evidence="File P-7",
            raised_by=world.auditor,
        )
        setattr(world, name, nc)
    world.nc_response = FindingResponse.objects.create(
        finding=world.nc_answered,
        kind="plan",
        root_cause="C",
        correction="C",
        corrective_action="C",
        submitted_by=world.qm_a,
    )
    # --- the action register: an action done (to review) and one open (to cancel) ---
    world.action = action_services.action_create(
        actor=world.qm_a,
        organisation=world.org_a,
        source="complaint",
        title="Late replies",
        owner=world.qm_a,
        corrective_action="Reminders in the case system",
    )
    action_services.action_done(actor=world.qm_a, action=world.action)
    world.action_open = action_services.action_create(
        actor=world.qm_a,
        organisation=world.org_a,
        source="incident",
        title="Door left open",
        owner=world.qm_a,
    )
    ia_of(world)  # internal audits: made before any test reads the state
    # --- management reviews ---
    reviews_of(world)
    # --- the Statement of Applicability: an approved v1 and a decided draft v2 of a 27001 edition,
    # and another 27001 edition without one (a new version's form names it) ---
    world.soa_edition = factories.ClauseFactory(
        edition__standard__code="ISO/IEC 27001", edition__year=2013, number="A.5.1"
    ).edition
    world.soa_other_edition = factories.EditionFactory(standard=world.soa_edition.standard, year=2005)
    world.soa_approved = approved(world.org_a, world.soa_edition, world.qm_a)
    world.soa = soa_services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=world.soa_edition)
    world.soa_control = world.soa.controls.get()
    return world


CERTIFICATE_APPS = ("certificates:", "verification:", "calendar:")


@pytest.fixture
def cw(w):
    """The world `w` with what the certificates' pages act on: an ISMS edition; an active, a
    suspended and a draft (ISMS, so its SoA version is on the form) certificate of organisation A;
    and an ISO 9001 programme its certification manager may decide on."""
    w.isms = make_edition("ISO/IEC 27001", 2022, [("4", "Context", "HS-4"), ("4.1", "Org", "HS-4.1")])
    w.isms.standard.discipline = "ISMS"
    w.isms.standard.save(update_fields=["discipline"])
    give_images(w.cb)
    w.active = make_certificate(w, w.isms, number="CB-2026-00001")
    w.suspended = make_certificate(w, w.isms, number="CB-2026-00002", status=CertificateStatus.SUSPENDED)
    w.draft = make_certificate(w, w.isms, number="CB-2026-00003", status=CertificateStatus.DRAFT)
    w.draft_revision = w.draft.revisions.get()
    w.decidable = decided_world(w, w.edition)
    # --- calendar: a rule-10 task on the active certificate (the work queue's pages act on it) ---
    w.task = Task.objects.create(
        certificate=w.active, kind=TaskKind.OVERDUE_SURVEILLANCE, due_on=w.active.revisions.get().effective_on
    )
    # --- change notifications: a change of scope the client notified, its CB's review open ---
    w.change_review = change_notify(
        actor=w.qm_a,
        organisation=w.org_a,
        content=ChangeContent(kind="scope", description="A new service", effective_on=STAGE1),
    ).reviews.get()
    return w


def _world(request, name: str) -> SimpleNamespace:
    """`cw` for the certificates' URLs, the lighter `w` for the others."""
    return request.getfixturevalue("cw" if name.startswith(CERTIFICATE_APPS) else "w")


@dataclass(frozen=True)
class FormView:
    """A view with a form: who may post, to which URL, the forms it reads and a valid submission."""

    persona: str | None
    kwargs: Callable[[SimpleNamespace], dict]
    forms: Callable[[SimpleNamespace], list]
    data: Callable[[SimpleNamespace], dict]


def _org(w) -> dict:
    return {"pk": w.org_a.pk}


def _audit(w) -> dict:
    return {"pk": w.audit.pk}


def _workbook_of(analysis) -> bytes:
    """The analysis's own download, given back as it is."""
    buffer = io.BytesIO()
    gap_xlsx_write(analysis, buffer)
    return buffer.getvalue()


def _prefixed(form: forms.BaseForm, values: dict) -> dict:
    return {form.add_prefix(name): value for name, value in values.items()}


def _site_data(name: str) -> dict:
    return {
        "name": name,
        "kind": "permanent",
        "street": "Quay 4",
        "postcode": "2000",
        "city": "Antwerp",
        "country": "BE",
        "headcount": "12",
        "is_active": "on",
    }


def _scope_data(w) -> dict:
    return {
        "scope": "Digital public services",
        "sites": [w.site_a.pk],
        "iaf_codes": [],
        "headcount": "40",
        "effective_personnel": "40",
        "integration_reduction_percent": "0",
        "site_reduction_percent": "0",
        "sampling_appropriate": "on",
    }


def _answer_form(w) -> GapAnswerForm:
    return GapAnswerForm(instance=w.answer, prefix=f"a{w.answer.pk}")


def _time_forms(w) -> list:
    return [EditionTimeForm(table=None), AdjustmentFormSet(prefix="adjustments").forms[0]]


def _finding_data(w) -> dict:
    return {
        "type": "minor",
        "source": "clause",
        "clause": w.edition.clauses.get(number="4.1").pk,
        "requirement_reference": "",
        "site": w.site_a.pk,
        "process": "Dispatch",
        "statement": "Scales are not calibrated.",
        "evidence": "Scale S-12, sticker expired.",
        "client_position": "",
    }


def _finding_forms(w) -> list:
    return [FindingForm(choices=finding_choices(w.fieldwork_audit))]


def _days_from_today(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _reason_forms(w) -> list:
    return [certificate_forms.ReasonForm()]


def _reason_data(w) -> dict:
    return {"reason": "Decided at the certification committee of 20 November."}


def _action_data(w) -> dict:  # the action register
    return {
        "kind": "nonconformity",
        "title": "Replies later than 30 days",
        "source_reference": "C-2027-14",
        "description": "Three replies out of ten",
        "correction": "Replied at once",
        "root_cause": "No reminder",
        "corrective_action": "Reminders in the case system",
        "owner": w.qm_a.pk,
        "due_on": "2027-06-30",
        "site": w.site_a.pk,
        "clause": w.edition.clauses.get(number="4.1").pk,
    }


FORMS = {
    "organisations:edit": FormView(
        "qm_a",
        _org,
        lambda w: [OrganisationForm(instance=w.org_a)],
        lambda w: {
            "name": "Organisation A",
            "kind": w.org_a.kind,
            "registration_number": "",
            "street": "Main street 1",
            "postcode": "1000",
            "city": "Brussels",
            "country": "BE",
            "headcount": "120",
            "iaf_codes": [],
        },
    ),
    "organisations:site_create": FormView(
        "qm_a", _org, lambda w: [SiteCreateForm()], lambda w: _site_data("Archive")
    ),
    "organisations:site_edit": FormView(
        "qm_a",
        lambda w: {"pk": w.org_a.pk, "site_pk": w.site_a.pk},
        lambda w: [SiteForm(instance=w.site_a)],
        lambda w: _site_data("A headquarters") | {"is_central_function": "on"},
    ),
    "organisations:site_manager": FormView(
        "qm_a",
        lambda w: {"pk": w.org_a.pk, "site_pk": w.site_a.pk},
        lambda w: [SiteManagerForm(organisation=w.org_a)],
        lambda w: {"manager": w.contributor_a.pk},
    ),
    "organisations:member_invite": FormView(
        "qm_a",
        _org,
        lambda w: [MemberInviteForm()],
        lambda w: {"email": "new.member@test.example", "full_name": "New Member", "role": "contributor"},
    ),
    "organisations:invitation_accept": FormView(  # public: someone new creates their account
        None,
        lambda w: {"token": w.invitation.token},
        lambda w: [InvitationSignUpForm(email=w.invitation.email)],
        lambda w: {
            "full_name": "New Member",
            "password1": "a-fresh-pass-phrase",
            "password2": "a-fresh-pass-phrase",
        },
    ),
    "organisations:member_edit": FormView(
        "qm_a",
        lambda w: {"pk": w.org_a.pk, "membership_pk": w.membership_viewer_a.pk},
        lambda w: [MembershipRoleForm()],
        lambda w: {"role": "contributor"},
    ),
    "organisations:member_deactivate": FormView(
        "qm_a",
        lambda w: {"pk": w.org_a.pk, "membership_pk": w.membership_viewer_a.pk},
        lambda w: [MembershipDeactivateForm()],
        lambda w: {"reason": "Moved to another service"},
    ),
    "improvement:gap_start": FormView(
        "qm_a",
        lambda w: {"org_pk": w.org_a.pk},
        lambda w: [GapAnalysisStartForm(organisation=w.org_a)],
        lambda w: {"title": "Second look", "editions": [w.edition.pk], "sites": []},
    ),
    "improvement:gap_answer": FormView(
        "qm_a",
        lambda w: {"pk": w.gap.pk, "answer_pk": w.answer.pk},
        lambda w: [_answer_form(w)],
        lambda w: _prefixed(
            _answer_form(w),
            {
                "status": "conforming",
                "justification": "",
                "notes": "Procedure P-1",
            },
        ),
    ),
    "improvement:gap_evidence_upload": FormView(
        "qm_a",
        lambda w: {"pk": w.gap.pk, "answer_pk": w.answer.pk},
        lambda w: [EvidenceUploadForm()],
        lambda w: {"file": SimpleUploadedFile("evidence.txt", b"minutes")},
    ),
    "improvement:gap_share": FormView(
        "qm_a", lambda w: {"pk": w.gap.pk}, lambda w: [GapShareForm()], lambda w: {"shared": "on"}
    ),
    "improvement:gap_copy": FormView(
        "qm_a", lambda w: {"pk": w.gap.pk}, lambda w: [GapCopyForm()], lambda w: {"title": "Copy"}
    ),
    "improvement:gap_answers_status": FormView(
        "qm_a",
        lambda w: {"pk": w.gap.pk},
        lambda w: [GapBulkStatusForm(analysis=w.gap)],
        lambda w: {"answers": [w.answer.pk], "status": "conforming"},
    ),
    "improvement:gap_import": FormView(
        "qm_a",
        lambda w: {"pk": w.gap.pk},
        lambda w: [GapImportForm()],
        lambda w: {"file": SimpleUploadedFile("answers.xlsx", _workbook_of(w.gap))},
    ),
    "audits:programme_open": FormView(
        "cert_manager",
        lambda w: {"org_pk": w.org_a.pk},
        lambda w: [
            ProgrammeOpenForm(organisation=w.org_a, bodies=CertificationBody.objects.filter(pk=w.cb.pk))
        ],
        lambda w: (
            _scope_data(w)
            | {"certification_body": w.cb.pk, "editions": [w.edition.pk], "stage1_on": "2028-03-01"}
        ),
    ),
    "audits:programme_edit": FormView(
        "cert_manager",
        lambda w: {"pk": w.programme.pk},
        lambda w: [ProgrammeForm(instance=w.programme, organisation=w.org_a)],
        _scope_data,
    ),
    "audits:programme_edition_time": FormView(
        "cert_manager",
        lambda w: {"pk": w.programme.pk, "edition_pk": w.programme_edition.pk},
        _time_forms,
        lambda w: {
            "complexity": w.programme_edition.complexity,
            "override_days": "",
            "override_justification": "",
            "adjustments-TOTAL_FORMS": "2",
            "adjustments-INITIAL_FORMS": "0",
            "adjustments-0-reason": "Single process",
            "adjustments-0-percent": "-10",
            "adjustments-1-reason": "",
            "adjustments-1-percent": "",
        },
    ),
    "audits:programme_coverage": FormView(
        "cert_manager",
        lambda w: {"pk": w.programme.pk},
        lambda w: [CoverageForm(programme=w.programme)],
        lambda w: {name: field.initial for name, field in CoverageForm(programme=w.programme).fields.items()},
    ),
    "audits:audit_plan": FormView(
        "cert_manager",
        _audit,
        lambda w: [AuditPlanForm(instance=w.audit)],
        lambda w: {
            "starts_on": "2027-03-02",
            "ends_on": "2027-03-02",
            "planned_days": str(w.audit.planned_days),
            "on_site_days": str(w.audit.on_site_days),
            "days_justification": "",
        },
    ),
    "audits:audit_sites": FormView(
        "cert_manager", _audit, lambda w: [SiteDrawForm(audit=w.audit)], lambda w: {"chosen_on_risk": []}
    ),
    "audits:team_assign": FormView(
        "cert_manager",
        _audit,
        lambda w: [TeamAssignForm(audit=w.audit)],
        lambda w: {"user": w.other_auditor.pk, "role": "auditor"},
    ),
    "audits:team_declare": FormView(
        "auditor",
        lambda w: {"pk": w.audit.pk, "assignment_pk": w.assignment.pk},
        lambda w: [DeclarationForm()],
        lambda w: {"conflict": "no", "note": ""},
    ),
    "audits:team_object": FormView(
        "qm_a",
        lambda w: {"pk": w.audit.pk, "assignment_pk": w.assignment.pk},
        lambda w: [ReasonForm()],
        lambda w: {"reason": "He audited our supplier last month."},
    ),
    "audits:finding_new": FormView(
        "auditor",
        lambda w: {"pk": w.fieldwork_audit.pk},
        lambda w: [FindingNewForm(choices=finding_choices(w.fieldwork_audit))],
        _finding_data,
    ),
    "audits:finding_edit": FormView("auditor", lambda w: {"pk": w.finding.pk}, _finding_forms, _finding_data),
    "audits:finding_withdraw": FormView(
        "auditor",
        lambda w: {"pk": w.finding.pk},
        lambda w: [FindingWithdrawForm()],
        lambda w: {"reason": "Raised twice"},
    ),
    "audits:finding_file_add": FormView(
        "auditor",
        lambda w: {"pk": w.finding.pk},
        lambda w: [EvidenceUploadForm()],
        lambda w: {"file": SimpleUploadedFile("photo.txt", b"seen")},
    ),
    "audits:audit_add": FormView(
        "cert_manager",
        lambda w: {"programme_pk": w.programme.pk},
        lambda w: [AuditAddForm(instance=Audit(programme=w.programme), programme=w.programme)],
        lambda w: {
            "kind": "scope_extension",
            "starts_on": "2027-06-01",
            "ends_on": "2027-06-01",
            "planned_days": "1.0",
            "on_site_days": "1.0",
            "purpose": "A new site in Ghent",
            "repeat_of": "",
            "follows_up": "",
        },
    ),
    "audits:audit_plan_edit": FormView(
        "auditor",
        _audit,
        lambda w: [PlanForm()],
        lambda w: {
            "objectives": "Judge readiness",
            "language": "English",
            "confidentiality": "",
            "arrangements": "",
        },
    ),
    "audits:audit_plan_session_add": FormView(
        "auditor",
        _audit,
        lambda w: [PlanSessionForm(audit=w.audit)],
        lambda w: {
            "day": "2027-03-01",
            "starts_at": "09:00",
            "ends_at": "10:00",
            "site": w.site_a.pk,
            "mode": "on_site",
            "activity": "Opening meeting",
            "clauses": [],
            "auditors": [w.auditor.pk],
        },
    ),
    "audits:audit_cancel": FormView(
        "cert_manager",
        _audit,
        lambda w: [LifecycleReasonForm()],
        lambda w: {"reason": "The client withdrew."},
    ),
    "audits:audit_start": FormView(
        "auditor",
        lambda w: {"pk": w.audit_sent.pk},
        lambda w: [AuditStartForm()],
        lambda w: {"stage_gap_justification": "", "confirm": "on", "early_start_reason": "Agreed sooner."},
    ),
    "audits:audit_fieldwork_reopen": FormView(
        "auditor",
        lambda w: {"pk": w.audit_done.pk},
        lambda w: [LifecycleReasonForm()],
        lambda w: {"reason": "The warehouse visit was missed."},
    ),
    "audits:audit_report": FormView(
        "auditor",
        lambda w: {"pk": w.audit_done.pk},
        lambda w: [ReportForm(audit=w.audit_done)],
        lambda w: {
            "recommendation": "continue",
            "summary": "The system is effective.",
            "internal_audit_and_review": "",
            "scope_appropriate": "true",
            "objectives_met": "unknown",
            "marks_controlled": "unknown",
            "previous_actions_effective": "",
            "deviations_from_plan": "",
            "significant_issues": "",
            "changes_since_last_audit": "",
            "unresolved_issues": "",
        },
    ),
    "audits:finding_respond": FormView(
        "qm_a",
        lambda w: {"pk": w.nc_open.pk},
        lambda w: [ResponsePlanForm()],
        lambda w: {"root_cause": "No owner", "correction": "Reviewed P-7", "corrective_action": "Checklist"},
    ),
    "audits:finding_implementation": FormView(
        "qm_a",
        lambda w: {"pk": w.nc_accepted.pk},
        lambda w: [ImplementationForm()],
        lambda w: {"implementation": "Checklist used since May"},
    ),
    "audits:finding_response_file": FormView(
        "qm_a",
        lambda w: {"pk": w.nc_answered.pk, "response_pk": w.nc_response.pk},
        lambda w: [EvidenceUploadForm()],
        lambda w: {"file": SimpleUploadedFile("checklist.txt", b"checklist")},
    ),
    "audits:finding_review": FormView(
        "cert_manager",
        lambda w: {"pk": w.nc_answered.pk, "response_pk": w.nc_response.pk},
        lambda w: [ReviewForm()],
        lambda w: {"decision": "accept", "comment": ""},
    ),
    "audits:finding_verify": FormView(
        "cert_manager",
        lambda w: {"pk": w.nc_accepted.pk},
        lambda w: [VerifyForm()],
        lambda w: {"comment": "Seen at the follow-up visit"},
    ),
    # --- certificates (the `cw` world) ---
    "certificates:certificate_draft_edit": FormView(
        "cert_manager",
        lambda w: {"pk": w.draft.pk},
        lambda w: [certificate_forms.DraftForm(instance=w.draft_revision)],
        lambda w: {"effective_on": "2026-03-10", "soa_version": "SoA v3"},
    ),
    "certificates:certificate_draft_void": FormView(
        "cert_manager", lambda w: {"pk": w.draft.pk}, _reason_forms, _reason_data
    ),
    "certificates:certificate_suspend": FormView(
        "cert_manager",
        lambda w: {"pk": w.active.pk},
        lambda w: [certificate_forms.SuspendForm(certificate=w.active, today=timezone.localdate())],
        lambda w: {"reason": "failure", "note": "", "ends_on": _days_from_today(30)},
    ),
    "certificates:certificate_reinstate": FormView(
        "cert_manager", lambda w: {"pk": w.suspended.pk}, _reason_forms, _reason_data
    ),
    "certificates:certificate_withdraw": FormView(
        "cert_manager", lambda w: {"pk": w.active.pk}, _reason_forms, _reason_data
    ),
    "certificates:certificate_cancel": FormView(
        "cert_manager", lambda w: {"pk": w.active.pk}, _reason_forms, _reason_data
    ),
    "certificates:decision_add": FormView(
        "cert_manager",
        lambda w: {"pk": w.decidable.pk},
        lambda w: [DecisionForm(programme=w.decidable)],
        lambda w: grant(w.edition),
    ),
    "certificates:transfer_review_add": FormView(
        "cert_manager",
        lambda w: {"pk": w.decidable.pk},
        lambda w: [TransferReviewForm(programme=w.decidable)],
        lambda w: transfer_review_data(w.edition),
    ),
    # --- calendar: the work queue ---
    "calendar:task_not_suspend": FormView(
        "cert_manager",
        lambda w: {"pk": w.task.pk},
        lambda w: [NotSuspendForm()],
        lambda w: {"reason": "The surveillance audit is booked for next week with the client's agreement."},
    ),
    # --- change notifications: a new site notified by the client, a special audit decided by the CB ---
    "certificates:change_submit": FormView(
        "qm_a",
        _org,
        lambda w: [ChangeNotificationForm(organisation=w.org_a)],
        lambda w: {
            "kind": "sites",
            "site_change": "add",
            "effective_on": "2027-01-01",
            "description": "A depot.",
            "name": "Depot",
            "street": "Quay 4",
            "postcode": "2000",
            "city": "Antwerp",
            "country": "BE",
            "headcount": "12",
        },
    ),
    "certificates:change_review_decide": FormView(
        "cert_manager",
        lambda w: {"pk": w.change_review.pk},
        lambda w: [ChangeReviewForm(review=w.change_review)],
        lambda w: {
            "outcome": "special_audit",
            "reason": "Visit the new depot.",
            "programme": w.programme.pk,
            "starts_on": "2027-02-01",
            "ends_on": "2027-02-01",
            "planned_days": "1.0",
            "on_site_days": "1.0",
        },
    ),
    # --- calendar: subscription and e-mail preferences ---
    "calendar:subscription": FormView(
        "qm_a",
        lambda w: {},
        lambda w: [ReminderPreferencesForm(kinds=emailed_kinds_offered(w.qm_a))],
        lambda w: {"emailed_kinds": ["audit", "expiry"]},
    ),
    # --- improvement: an action raised from a gap answer ---
    "improvement:gap_answer_action_raise": FormView(
        "qm_a",
        lambda w: {"pk": w.gap.pk, "answer_pk": w.answer.pk},
        lambda w: [GapActionRaiseForm(owners={w.qm_a.pk: w.qm_a})],
        lambda w: {"title": "Write the procedure", "owner": w.qm_a.pk, "due_on": "2027-06-30"},
    ),
    # --- the action register ---
    "improvement:action_new": FormView(
        "qm_a",
        lambda w: {"org_pk": w.org_a.pk},
        lambda w: [ActionNewForm(organisation=w.org_a)],
        lambda w: {"source": "complaint"} | _action_data(w),
    ),
    "improvement:action_edit": FormView(
        "qm_a",
        lambda w: {"pk": w.action_open.pk},
        lambda w: [ActionEditForm(instance=w.action_open, organisation=w.org_a)],
        _action_data,
    ),
    "improvement:action_review": FormView(
        "qm_a",
        lambda w: {"pk": w.action.pk},
        lambda w: [ActionReviewForm(organisation=w.org_a)],
        lambda w: {
            "reviewed_on": timezone.localdate().isoformat(),
            "result": "not_effective",
            "comment": "Still late",
            "follow_up_owner": w.qm_a.pk,
            "follow_up_due_on": "2027-06-30",
        },
    ),
    "improvement:action_cancel": FormView(
        "qm_a",
        lambda w: {"pk": w.action_open.pk},
        lambda w: [ActionCancelForm()],
        lambda w: {"reason": "A duplicate of A-1"},
    ),
    "improvement:action_file_add": FormView(
        "qm_a",
        lambda w: {"pk": w.action_open.pk},
        lambda w: [EvidenceUploadForm()],
        lambda w: {"file": SimpleUploadedFile("evidence.txt", b"minutes")},
    ),
    # --- internal audits ---
    **{
        name: FormView("qm_a", kwargs, forms_of, data)
        for name, kwargs, forms_of, data in (
            (
                "improvement:process_new",
                lambda w: {"org_pk": w.org_a.pk},
                lambda w: [ia_forms.ProcessCreateForm(organisation=w.org_a)],
                lambda w: {
                    "name": "Payroll",
                    "description": "Pays",
                    "owner": w.qm_a.pk,
                    "sites": [w.site_a.pk],
                },
            ),
            (
                "improvement:process_edit",
                lambda w: {"pk": ia_of(w)["process"].pk},
                lambda w: [ia_forms.ProcessForm(organisation=w.org_a)],
                lambda w: {"name": "Buying", "description": "", "owner": "", "sites": []},
            ),
            (
                "improvement:process_deactivate",
                lambda w: {"pk": ia_of(w)["process"].pk},
                lambda w: [ia_forms.ReasonForm()],
                lambda w: {"reason": "Merged into Finance"},
            ),
            (
                "improvement:auditor_trainings",
                lambda w: {"org_pk": w.org_a.pk},
                lambda w: [ia_forms.AuditorTrainingForm(organisation=w.org_a)],
                lambda w: {
                    "member": w.membership_viewer_a.pk,
                    "standard": w.edition.standard.pk,
                    "course": "Internal auditor course",
                    "completed_on": "2025-03-01",
                },
            ),
            (
                "improvement:internal_programme_new",
                lambda w: {"org_pk": w.org_a.pk},
                lambda w: [ia_forms.ProgrammeCreateForm()],
                lambda w: {
                    "title": "2028",
                    "editions": [w.edition.pk],
                    "starts_on": "2028-01-01",
                    "ends_on": "",
                },
            ),
            (
                "improvement:internal_programme_edit",
                lambda w: {"pk": ia_of(w)["internal_programme"].pk},
                lambda w: [ia_forms.ProgrammeForm()],
                lambda w: {
                    "title": "2027 programme",
                    "editions": [w.edition.pk],
                    "starts_on": "2027-01-01",
                    "ends_on": "2027-12-31",
                    "objectives": "Every clause once",
                },
            ),
            (
                "improvement:internal_audit_new",
                lambda w: {"pk": ia_of(w)["internal_programme"].pk},
                lambda w: [ia_forms.AuditCreateForm(programme=ia_of(w)["internal_programme"])],
                lambda w: _ia_audit_data(w),
            ),
            (
                "improvement:internal_audit_edit",
                lambda w: {"pk": ia_of(w)["planned_internal_audit"].pk},
                lambda w: [ia_forms.AuditForm(programme=ia_of(w)["internal_programme"])],
                lambda w: _ia_audit_data(w),
            ),
            (
                "improvement:internal_auditor_add",
                lambda w: {"pk": ia_of(w)["internal_audit"].pk},
                lambda w: [ia_forms.AuditorForm(organisation=w.org_a)],
                lambda w: {
                    "user": w.contributor_a.pk,
                    "external_name": "",
                    "external_organisation": "",
                    "independence_justification": "",
                },
            ),
            (
                "improvement:internal_audit_checklist",
                lambda w: {"pk": ia_of(w)["internal_audit"].pk},
                lambda w: [ia_forms.ChecklistItemForm(prefix=f"i{ia_of(w)['checklist_item'].pk}")],
                lambda w: {
                    "item": ia_of(w)["checklist_item"].pk,
                    f"i{ia_of(w)['checklist_item'].pk}-result": "conforming",
                    f"i{ia_of(w)['checklist_item'].pk}-notes": "Minutes of 3 March seen",
                },
            ),
            (
                "improvement:internal_finding_new",
                lambda w: {"pk": ia_of(w)["internal_audit"].pk},
                lambda w: [ia_forms.FindingCreateForm(audit=ia_of(w)["internal_audit"])],
                lambda w: _ia_finding_data(w),
            ),
            (
                "improvement:internal_finding_edit",
                lambda w: {"pk": ia_of(w)["internal_finding"].pk},
                lambda w: [ia_forms.FindingForm(audit=ia_of(w)["internal_audit"])],
                lambda w: _ia_finding_data(w),
            ),
            (
                "improvement:internal_finding_withdraw",
                lambda w: {"pk": ia_of(w)["internal_finding"].pk},
                lambda w: [ia_forms.RequiredReasonForm()],
                lambda w: {"reason": "Logged twice"},
            ),
            (
                "improvement:internal_audit_report",
                lambda w: {"pk": ia_of(w)["internal_audit"].pk},
                lambda w: [ia_forms.ReportForm()],
                lambda w: {"conclusions": "The system works.", "distribution": "Director"},
            ),
            (
                "improvement:internal_audit_cancel",
                lambda w: {"pk": ia_of(w)["planned_internal_audit"].pk},
                lambda w: [ia_forms.RequiredReasonForm()],
                lambda w: {"reason": "Merged into IA-1"},
            ),
        )
    },
    # --- management reviews ---
    **{
        name: FormView("qm_a", kwargs, forms_of, data)
        for name, kwargs, forms_of, data in (
            (
                "improvement:review_new",
                lambda w: {"org_pk": w.org_a.pk},
                lambda w: [review_forms.ReviewCreateForm()],
                lambda w: {"title": "Review 2027", "editions": [w.edition.pk], "planned_on": "2027-01-05"},
            ),
            (
                "improvement:review_edit",
                lambda w: {"pk": reviews_of(w)["review"].pk},
                lambda w: [review_forms.ReviewForm()],
                lambda w: {"title": "Review 2026", "editions": [w.edition.pk], "planned_on": "2026-03-11"},
            ),
            (
                "improvement:review_attendee_add",
                lambda w: {"pk": reviews_of(w)["review"].pk},
                lambda w: [review_forms.AttendeeForm(organisation=w.org_a)],
                lambda w: {"user": w.contributor_a.pk, "name": "", "function": "Head of IT"},
            ),
            (
                "improvement:review_input",
                lambda w: {"pk": reviews_of(w)["review_input"].pk},
                lambda w: [review_forms.InputForm()],
                lambda w: {"answer": "Three actions closed", "not_applicable_reason": ""},
            ),
            (
                "improvement:review_hold",
                lambda w: {"pk": reviews_of(w)["ready_review"].pk},
                lambda w: [review_forms.HoldForm()],
                lambda w: {"held_on": "2026-03-10", "summary": "A good year"},
            ),
            (
                "improvement:review_cancel",
                lambda w: {"pk": reviews_of(w)["review"].pk},
                lambda w: [ia_forms.RequiredReasonForm()],
                lambda w: {"reason": "Merged with the next"},
            ),
            (
                "improvement:review_output_add",
                lambda w: {"pk": reviews_of(w)["review"].pk},
                lambda w: [review_forms.OutputForm()],
                lambda w: {"kind": "resources", "decision": "One more auditor"},
            ),
            (
                "improvement:review_output_action",
                lambda w: {"pk": reviews_of(w)["review_output"].pk},
                lambda w: [review_forms.OutputActionForm(organisation=w.org_a)],
                lambda w: {"title": "Hire an auditor", "owner": w.qm_a.pk, "due_on": "2026-09-30"},
            ),
        )
    },
    # --- the Statement of Applicability ---
    "improvement:soa_new": FormView(
        "qm_a",
        lambda w: {"org_pk": w.org_a.pk},
        lambda w: [soa_forms.SoaNewForm(organisation=w.org_a, analyses=GapAnalysis.objects.all())],
        lambda w: {"edition": w.soa_other_edition.pk, "from_analysis": ""},
    ),
    "improvement:soa_control": FormView(
        "qm_a",
        lambda w: {"pk": w.soa_control.pk},
        lambda w: [soa_forms.SoaControlForm(organisation=w.org_a, actions=None)],
        lambda w: {
            "applicable": "yes",
            "justification": "Risk R-1",
            "implementation": "partly",
            "evidence": "Policy P-1",
            "action": w.action_open.reference,
        },
    ),
    "improvement:soa_approve": FormView(
        "qm_a",
        lambda w: {"pk": w.soa.pk},
        lambda w: [soa_forms.SoaApproveForm()],
        lambda w: {
            "approver_name": "Dr Anna Weber",
            "approver_function": "Secretary-General",
            "approved_on": timezone.localdate().isoformat(),
        },
    ),
    "improvement:soa_share": FormView(
        "qm_a",
        lambda w: {"pk": w.soa_approved.pk},
        lambda w: [soa_forms.SoaShareForm()],
        lambda w: {"shared": "on"},
    ),
    # --- readiness for stage 1 ---
    "improvement:readiness_scope": FormView(
        "qm_a",
        lambda w: {"org_pk": w.org_a.pk, "edition_pk": w.edition.pk},
        lambda w: [readiness_forms.ScopeForm(organisation=w.org_a)],
        lambda w: {"scope": "All public services", "sites": [w.site_a.pk], "processes": []},
    ),
    "improvement:readiness_share": FormView(
        "qm_a",
        lambda w: {"org_pk": w.org_a.pk, "edition_pk": w.edition.pk},
        lambda w: [readiness_forms.ShareForm()],
        lambda w: {"shared": "1"},
    ),
}


def _ia_audit_data(w) -> dict:
    return {
        "title": "Context",
        "criteria": "ISO 9001 clause 4",
        "starts_on": "2027-04-01",
        "ends_on": "2027-04-02",
        "processes": [ia_of(w)["process"].pk],
        "sites": [w.site_a.pk],
        "chapters": [],
        "clauses": [w.edition.clauses.get(number="4.1").pk],
    }


def _ia_finding_data(w) -> dict:
    return {
        "grade": "minor",
        "clause": w.edition.clauses.get(number="4.1").pk,
        "process": "",
        "site": w.site_a.pk,
        "title": "No review",
        "statement": "The context was not reviewed.",
        "evidence": "Minutes 2026",
    }


@dataclass(frozen=True)
class Query:
    """A page that reads its query string: who opens it (None: anyone, signed in or not), where, and
    the parameters it reads."""

    persona: str | None
    kwargs: Callable[[SimpleNamespace], dict]
    params: tuple[str, ...]
    form_classes: tuple[type[forms.BaseForm], ...] = ()


def _gap(w) -> dict:
    return {"pk": w.gap.pk}


def _gap_answer(w) -> dict:
    return {"pk": w.gap.pk, "answer_pk": w.answer.pk}


def _edition(w) -> dict:
    return {"slug": w.edition.standard.slug, "year": w.edition.year}


ACTION_FILTERS = ("q", "status", "owner", "source", "edition", "clause", "site", "overdue", "sort")
REGISTER_FILTERS = ("q", "status", "standard", "organisation", "expiring", "expires_from", "expires_until")


QUERIES = {
    "standards:catalogue": Query("qm_a", lambda w: {}, ("q",)),
    "standards:edition_detail": Query("qm_a", _edition, ("q",)),
    "improvement:gap_detail": Query("qm_a", _gap, ("show",), (GapFilterForm,)),
    "improvement:gap_answer_edit": Query("qm_a", _gap_answer, ("show",), (GapFilterForm,)),
    "improvement:gap_answer_row": Query("qm_a", _gap_answer, ("show",), (GapFilterForm,)),
    "improvement:gap_next_unanswered": Query("qm_a", _gap, ("show", "after"), (GapNextForm,)),
    "improvement:gap_compare": Query("qm_a", _gap, ("with",), (GapCompareForm,)),
    "audits:finding_list": Query(
        "qm_a", lambda w: {"pk": w.fieldwork_audit.pk}, ("type", "status", "site"), (FindingFilterForm,)
    ),
    # --- certificates (the `cw` world); an export with a filter that is not valid goes back to the register
    "certificates:register": Query(
        "cert_manager", lambda w: {}, (*REGISTER_FILTERS, "page"), (RegisterFilterForm,)
    ),
    "certificates:register_csv": Query("cert_manager", lambda w: {}, REGISTER_FILTERS),
    "certificates:register_xlsx": Query("cert_manager", lambda w: {}, REGISTER_FILTERS),
    "certificates:decision_add": Query(  # the checklist's preview of what is chosen
        "cert_manager",
        lambda w: {"pk": w.decidable.pk},
        ("edition", "kind", "outcome", "decided_on", "sites", "transfer_review", "rationale", "scope"),
    ),
    "verification:search": Query(None, lambda w: {}, ("number", "body"), (VerificationForm,)),
    # --- calendar: month and agenda filters ---
    "calendar:month": Query(
        "qm_a",
        lambda w: {},
        ("organisation", "standard", "kind", "month", "overdue_page"),
        (CalendarFilterForm,),
    ),
    "calendar:agenda": Query(
        "qm_a",
        lambda w: {},
        ("organisation", "standard", "kind", "from", "days", "overdue_page", "page"),
        (CalendarFilterForm,),
    ),
    # --- calendar: the work queue ---
    "calendar:queue": Query("cert_manager", lambda w: {}, ("kind", "mine", "page"), (QueueFilterForm,)),
    # --- calendar: reminders ---
    "calendar:reminders": Query("qm_a", lambda w: {}, ("page",)),
    # --- change notifications: the organisation's list ---
    "certificates:change_list": Query("qm_a", _org, ("page",)),
    # --- the action register ---
    "improvement:action_list": Query(
        "qm_a", lambda w: {"org_pk": w.org_a.pk}, (*ACTION_FILTERS, "page", "cb_nonconformities_page")
    ),
    "improvement:action_export": Query("qm_a", lambda w: {"org_pk": w.org_a.pk}, (*ACTION_FILTERS, "format")),
    "improvement:my_actions": Query("qm_a", lambda w: {}, ("page",)),
    # --- audit programmes: searched, filtered, paginated, with the client picker ---
    "audits:programme_list": Query("cert_manager", lambda w: {}, ("q", "status", "client_q", "page")),
    "audits:my_audits": Query("auditor", lambda w: {}, ("q", "period", "page")),
    "audits:nc_list": Query("qm_a", lambda w: {}, ("page", "review_page")),
    "organisations:list": Query("qm_a", lambda w: {}, ("q", "kind", "is_active", "page")),
    # --- internal audits: paginated lists ---
    "improvement:process_list": Query("qm_a", lambda w: {"org_pk": w.org_a.pk}, ("page",)),
    "improvement:internal_programme_list": Query("qm_a", lambda w: {"org_pk": w.org_a.pk}, ("page",)),
    "improvement:internal_programme_detail": Query(
        "qm_a", lambda w: {"pk": ia_of(w)["internal_programme"].pk}, ("page",)
    ),
    "improvement:internal_audit_detail": Query(
        "qm_a", lambda w: {"pk": ia_of(w)["internal_audit"].pk}, ("page",)
    ),
    # --- management reviews: the paginated list ---
    "improvement:review_list": Query("qm_a", lambda w: {"org_pk": w.org_a.pk}, ("page",)),
    # --- the Statement of Applicability ---
    "improvement:soa_list": Query("qm_a", lambda w: {"org_pk": w.org_a.pk}, ("page",)),
    "improvement:soa_detail": Query("qm_a", lambda w: {"pk": w.soa.pk}, ("show", "page")),
    # --- readiness for stage 1: the task lists, a page of editions at a time ---
    "improvement:readiness": Query("qm_a", lambda w: {"org_pk": w.org_a.pk}, ("page",)),
}

# Pages without a query string, and one-button POSTs: no input to bound. `team_withdraw` is a
# button whose optional reason goes through WithdrawForm: see test_team_withdraw_*.
NO_INPUT = {
    "dashboard",
    "improvement:next_steps",
    # the account's two-factor pages: a code that is valid only at its moment (tried by
    # test_two_factor_codes_out_of_bounds_are_refused_and_change_nothing), a page, a button
    "two_factor:setup",
    "two_factor:verify",
    "two_factor:overview",
    "two_factor:recovery_codes",
    "standards:standard_detail",
    "organisations:detail",
    "organisations:sites",
    "organisations:members",
    "organisations:invitation_resend",
    "organisations:invitation_revoke",
    "improvement:gap_list",
    "improvement:gap_evidence_download",
    "improvement:gap_evidence_remove",
    "improvement:gap_complete",
    "improvement:gap_pdf",
    # --- documents: a page, a one-button POST, a file ---
    "documents:subject",
    "documents:status",
    "documents:download",
    "improvement:gap_csv",
    "improvement:gap_xlsx",
    "audits:programme_detail",
    "audits:programme_time",
    "audits:programme_approve",
    "audits:programme_times_apply",
    "audits:audit_detail",
    "audits:team_confirm",
    "audits:team_notify",
    "audits:team_withdraw",
    "audits:finding_file",
    "audits:finding_file_remove",
    "audits:audit_plan_session_remove",
    "audits:audit_plan_send",
    "audits:audit_plan_acknowledge",
    "audits:audit_fieldwork_done",
    "audits:audit_report_issue",
    "audits:finding_detail",
    # --- certificates: pages, and issuing a draft (a button) ---
    "certificates:certificate_detail",
    "certificates:certificate_draft_issue",
    "certificates:decision_detail",
    # --- calendar: pages and buttons ---
    "calendar:due",
    "calendar:queue_next",  # the dashboard's next steps: no input
    "certificates:news",  # the home page's news: no input
    "certificates:programme_next_step",  # a programme's next step: its id only
    # --- calendar: pages and buttons ---
    "calendar:task_detail",
    "calendar:task_take",
    # --- calendar: pages and buttons ---
    # --- calendar: pages and buttons ---
    "calendar:feed_regenerate",
    # --- change notifications: the CB's review page; the planner's button after a headcount change ---
    "certificates:change_review",
    "audits:programme_headcount_reviewed",
    # --- the action register: a page, buttons, a file ---
    "improvement:action_detail",
    "improvement:action_start",
    "improvement:action_done",
    "improvement:action_file",
    "improvement:action_file_remove",
    # --- internal audits: buttons ---
    "improvement:auditor_training_remove",
    "improvement:internal_auditor_remove",
    "improvement:internal_audit_start",
    "improvement:internal_audit_report_issue",
    "improvement:internal_audit_close",
    # --- management reviews: pages and buttons ---
    "improvement:review_detail",
    "improvement:review_pdf",
    "improvement:review_attendee_remove",
    "improvement:review_minutes_approve",
    "improvement:review_output_withdraw",
    # --- the Statement of Applicability: its PDF page and its XLSX file ---
    "improvement:soa_pdf",
    "improvement:soa_xlsx",
    # --- readiness for stage 1: pages ---
    "improvement:readiness_detail",
    "improvement:readiness_pack",
    "improvement:readiness_pack_pdf",
}
# A URL whose only input is a free text in its path (a printed certificate's QR token, a calendar
# feed's address): tried by test_a_verification_token_out_of_bounds_reads_as_unknown and
# test_a_feed_token_out_of_bounds_reads_as_unknown; the "Management system" menu's section, by
# tests/test_home.py::test_the_menu_is_for_members_only_and_knows_its_sections.
PATH_INPUT = {"verification:token", "calendar:feed", "improvement:management_system"}
# The health check, and Django's own account pages (login, password reset and change) with its forms:
# the public URLs without a namespace. The public pages of our apps (verification) are tried here.
NOT_OURS = {name for name in PUBLIC if ":" not in name}


def _project_form_classes() -> set[type]:
    modules = [organisations.forms, organisations.security_forms] + [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for package in (improvement.forms, audits.forms, certificates.forms)
        for info in pkgutil.iter_modules(package.__path__)
    ]
    return {
        value
        for module in modules
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, forms.BaseForm)
        and value.__module__ == module.__name__
    }


def test_every_url_is_tried_or_takes_no_input():
    assert url_names(get_resolver()) - NOT_OURS == set(FORMS) | set(QUERIES) | NO_INPUT | PATH_INPUT


def test_every_form_of_the_app_is_bounded_and_tried(cw):
    tried = {type(form) for view in FORMS.values() for form in view.forms(cw)}
    tried |= {form for query in QUERIES.values() for form in query.form_classes}
    tried |= {WithdrawForm}  # a button's optional reason: test_team_withdraw_refuses_a_long_reason_…
    # a code whose valid submission depends on the moment: test_two_factor_codes_out_of_bounds_…
    tried |= {organisations.security_forms.EnrolForm, organisations.security_forms.VerifyForm}
    classes = _project_form_classes()
    assert {cls.__name__ for cls in classes if not issubclass(cls, BoundedForm)} == set()
    assert {cls.__name__ for cls in classes - tried if not any(issubclass(t, cls) for t in tried)} == set()


# --- what an attacker posts


def _attacks(field: forms.Field) -> list:
    """Values out of bounds for this field, whatever the rest of the form says."""
    if isinstance(field, forms.BooleanField | forms.FileField):
        return []  # an upload's size and type: test_gap_views; Django drops unprintable name characters
    if isinstance(field, forms.DateField | forms.DateTimeField):  # the window's edges, then far out
        return ["1979-12-31", "2101-01-01", "0001-01-01", "9999-12-31"]
    if isinstance(field, forms.IntegerField):  # decimals too
        negative = "-1" if field.min_value is None or field.min_value >= 0 else "-" + HUGE
        return [negative, HUGE, "9" * 100_000]
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return [["-1"], [HUGE], [TEXT_100_KB]]
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return ["-1", HUGE, TEXT_100_KB]
    one_past = ["x" * (field.max_length + 1)] if getattr(field, "max_length", None) else []
    if isinstance(field.widget, forms.Textarea):
        return [*one_past, TEXT_100_KB, "bell\x07"]
    return [*one_past, TEXT_100_KB, "first\r\nsecond", "tab\tbetween"]


def _state() -> dict:
    """Every row of the app's tables, and the e-mails sent."""
    state = {"mail": len(mail.outbox)}
    for label in TRACKED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            state[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return state


def _forms_in(value) -> list:
    if isinstance(value, BaseFormSet):
        return [value.management_form, *value.forms]
    if isinstance(value, forms.BaseForm):
        return [value]
    # a row of a list carries its form (and a gap answer's row the form raising an action)
    found = (getattr(value, name, None) for name in ("form", "action_form"))
    return [form for form in found if isinstance(form, forms.BaseForm)]


def _errors(value) -> list[str]:
    if isinstance(value, BaseFormSet):
        return [*value.non_form_errors(), *(e for form in value.forms for e in _errors(form))]
    return [str(e) for form in _forms_in(value) for errors in form.errors.values() for e in errors]


def _refusal(response) -> list[str]:
    """The error messages the answer shows: an error message after a redirect, or the form's
    errors, found on the page it renders."""
    if response.status_code == 302:
        return [m.message for m in get_messages(response.wsgi_request) if m.level == messages.ERROR]
    assert response.status_code == 200
    html = response.content.decode()
    shown = {
        e for context in response.context for value in context.flatten().values() for e in _errors(value)
    }
    return [e for e in shown if escape(e) in html]


def _sign_in(client, w, name: str) -> None:
    """As the persona allowed to post the form (before taking the state: signing in writes); a
    public form (persona None) is posted signed out."""
    if FORMS[name].persona:
        client.force_login(getattr(w, FORMS[name].persona))


def _post(client, w, name: str, data: dict):
    return client.post(reverse(name, kwargs=FORMS[name].kwargs(w)), data)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_the_valid_submission_of_each_form_is_accepted(client, request, name):
    """So that a refusal below is the attacked field's doing."""
    w = _world(request, name)
    _sign_in(client, w, name)
    response = _post(client, w, name, FORMS[name].data(w))
    assert response.status_code == 302 and _refusal(response) == []


@pytest.mark.parametrize("name", sorted(FORMS))
def test_out_of_bounds_input_is_refused_with_a_message_and_changes_nothing(client, request, name, subtests):
    w = _world(request, name)
    view = FORMS[name]
    _sign_in(client, w, name)
    before = _state()
    for form in view.forms(w):
        for field_name, field in form.fields.items():
            for value in _attacks(field):
                key = form.add_prefix(field_name)
                with subtests.test(field=key, value=repr(value)[:40]):
                    response = _post(client, w, name, view.data(w) | {key: value})
                    assert _refusal(response), "refused without a message"
                    assert _state() == before


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_out_of_bounds_query_strings_answer_without_error_and_change_nothing(client, request, name, subtests):
    w = _world(request, name)
    query = QUERIES[name]
    if query.persona:
        client.force_login(getattr(w, query.persona))
    url = reverse(name, kwargs=query.kwargs(w))
    before = _state()
    for param in query.params:
        for value in ["-1", HUGE, "9" * 100_000, TEXT_100_KB, "first\r\nsecond", *OUT_OF_WINDOW]:
            with subtests.test(param=param, value=value[:20]):
                response = client.get(url, {param: value})
                assert response.status_code in (200, 302)
                assert _state() == before


def test_team_withdraw_refuses_a_long_reason_and_changes_nothing(client, w):
    client.force_login(w.cert_manager)
    url = reverse("audits:team_withdraw", kwargs={"pk": w.audit.pk, "assignment_pk": w.assignment.pk})
    response = client.post(url, {"reason": MEGABYTE}, follow=True)
    assert "at most 500 characters" in response.content.decode()
    w.assignment.refresh_from_db()
    assert w.assignment.is_active
    client.post(url, {"reason": "Ill\r\nfor a month"}, follow=True)
    w.assignment.refresh_from_db()
    assert w.assignment.is_active  # one line only
    client.post(url, {"reason": "Ill for a month"})
    w.assignment.refresh_from_db()
    assert not w.assignment.is_active
    assert transitions_of(w.assignment).first().reason == "Ill for a month"


# --- certificates: each bound at its edge, the value on it accepted and the one past it refused


def _free_text(form: forms.BaseForm) -> dict:
    """Every free-text field of the form full to its maximum, each with its own letter."""
    fields = [
        (name, field)
        for name, field in form.fields.items()
        if type(field) is forms.CharField and field.max_length  # not e-mails, not choices
    ]
    return {
        form.add_prefix(name): chr(ord("a") + i) * field.max_length for i, (name, field) in enumerate(fields)
    }


NO_FREE_TEXT = {"calendar:subscription"}  # boxes to tick: no text to fill to its maximum


@pytest.mark.parametrize(
    "name", sorted(name for name in FORMS if name.startswith(CERTIFICATE_APPS) and name not in NO_FREE_TEXT)
)
def test_text_at_its_maximum_is_accepted_and_kept_whole(client, cw, name):
    view = FORMS[name]
    full = {key: value for form in view.forms(cw) for key, value in _free_text(form).items()}
    assert full, "a form of the certificates without free text: nothing to fill"
    _sign_in(client, cw, name)
    response = _post(client, cw, name, view.data(cw) | full)
    assert response.status_code == 302 and _refusal(response) == []
    stored = repr(_state())
    for key, value in full.items():
        assert value in stored and value + value[0] not in stored, key


def _post_to(client, cw, name: str, **changes):
    _sign_in(client, cw, name)
    return _post(client, cw, name, FORMS[name].data(cw) | changes)


@pytest.mark.parametrize(("days", "accepted"), [(0, False), (1, True), (183, True), (184, False)])
def test_a_suspension_deadline_at_the_edges_of_the_cbs_limit(client, cw, days, accepted):
    assert cw.cb.suspension_max_days == 183
    response = _post_to(client, cw, "certificates:certificate_suspend", ends_on=_days_from_today(days))
    cw.active.refresh_from_db()
    if accepted:
        assert response.status_code == 302 and cw.active.status == CertificateStatus.SUSPENDED
        assert cw.active.suspension_ends_on == timezone.localdate() + datetime.timedelta(days=days)
    else:
        assert "The resolution deadline must fall after today" in " ".join(_refusal(response))
        assert cw.active.status == CertificateStatus.ACTIVE and cw.active.suspension_ends_on is None


@pytest.mark.parametrize(("delta", "accepted"), [(-1, False), (0, True)])
def test_a_draft_takes_effect_on_its_decision_day_never_before(client, cw, delta, accepted):
    day = DECIDED_ON + datetime.timedelta(days=delta)
    response = _post_to(client, cw, "certificates:certificate_draft_edit", effective_on=day.isoformat())
    cw.draft_revision.refresh_from_db()
    if accepted:
        assert response.status_code == 302 and cw.draft_revision.effective_on == day
        assert cw.draft_revision.soa_version == "SoA v3"
    else:
        assert "cannot be before the decision date" in " ".join(_refusal(response))
        assert (cw.draft_revision.effective_on, cw.draft_revision.soa_version) == (DECIDED_ON, "")


@pytest.mark.parametrize(("delta", "accepted"), [(0, True), (1, False)])
def test_a_decision_is_dated_today_at_the_latest(client, cw, delta, accepted):
    response = _post_to(client, cw, "certificates:decision_add", decided_on=_days_from_today(delta))
    if accepted:
        assert response.status_code == 302
        assert Decision.objects.get(programme=cw.decidable).decided_on == timezone.localdate()
    else:
        assert "This date is in the future" in " ".join(_refusal(response))
        assert not Decision.objects.filter(programme=cw.decidable).exists()


@pytest.mark.parametrize(
    ("changes", "refused"),
    [
        ({"original_certified_on": bounds.EARLIEST_DATE.isoformat()}, None),
        ({"original_certified_on": "1979-12-31"}, "Enter a date from"),
        ({"reviewed_on": _days_from_today(0)}, None),
        ({"reviewed_on": _days_from_today(1)}, "This date is in the future"),
    ],
)
def test_a_transfer_review_at_the_edges_of_its_dates(client, cw, changes, refused):
    response = _post_to(client, cw, "certificates:transfer_review_add", **changes)
    reviews = TransferReview.objects.filter(programme=cw.decidable)
    if refused is None:
        assert response.status_code == 302 and _refusal(response) == []
        field, day = next(iter(changes.items()))
        assert getattr(reviews.get(), field).isoformat() == day
    else:
        assert refused in " ".join(_refusal(response))
        assert not reviews.exists()


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ({"expires_from": "1980-01-01", "expires_until": "2100-12-31"}, None),
        ({"expires_from": "1979-12-31"}, "Enter a date from"),
        ({"expires_until": "2101-01-01"}, "Enter a date from"),
        ({"q": "x" * 100}, None),
        ({"q": "x" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
        ({"q": "CB-2026\r\n00001"}, "Keep this on one line"),
        ({"status": HUGE}, "There is no such status; every status is shown."),
        ({"standard": HUGE}, "There is no such standard here; every standard is shown."),
        ({"expiring": "181"}, "Choose 30, 90 or 180 days; expiry dates are not filtered."),
    ],
)
def test_a_register_filter_out_of_bounds_is_said_on_the_page(client, cw, query, refused):
    client.force_login(cw.cert_manager)
    before = _state()
    response = client.get(reverse("certificates:register"), query)
    assert response.status_code == 200
    errors = [e for errors in response.context["form"].errors.values() for e in errors]
    if refused is None:
        assert errors == []
    else:
        assert any(refused in e for e in errors) and escape(refused) in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize("name", ["certificates:register_csv", "certificates:register_xlsx"])
def test_an_export_with_a_long_bad_filter_goes_back_to_the_register(client, cw, name):
    client.force_login(cw.cert_manager)
    before = _state()
    response = client.get(reverse(name), {"status": TEXT_100_KB})
    assert response.status_code == 302 and response.url.startswith(reverse("certificates:register"))
    assert _state() == before


@pytest.mark.parametrize(
    ("params", "refused"),
    [
        ({"number": "C" * 60}, None),
        ({"number": "C" * 61}, "Ensure this value has at most 60 characters (it has 61)."),
        ({"number": "CB-2026\r\n00001"}, "Keep this on one line"),
        ({"number": "CB-2026-00001", "body": HUGE}, "Choose a certification body from the list."),
        ({"number": "CB-2026-00001", "body": "-1"}, "Choose a certification body from the list."),
    ],
)
def test_a_verification_out_of_bounds_gets_a_form_error(client, cw, params, refused):
    before = _state()
    response = client.get(reverse("verification:search"), params)
    assert response.status_code == 200
    errors = [e for errors in response.context["form"].errors.values() for e in errors]
    if refused is None:
        assert errors == [] and response.context["not_found"]
    else:
        assert any(refused in e for e in errors) and escape(refused) in response.content.decode()
    assert _state() == before


PATH_TOKENS = [
    "-1",
    HUGE,
    "9" * 10_000,
    "x" * 10_000,
    "first\r\nsecond",
    "tab\tbetween",
    "bell\x07",
    "é" * 43,
]


@pytest.mark.parametrize("token", PATH_TOKENS)
def test_a_verification_token_out_of_bounds_reads_as_unknown(client, cw, token):
    before = _state()
    response = client.get(reverse("verification:token", kwargs={"token": token}))
    assert response.status_code == 404
    assert "This verification link does not lead to a certificate" in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize("token", [*PATH_TOKENS, "a" * 43, "a" * 44])
def test_a_feed_token_out_of_bounds_reads_as_unknown(client, cw, token):
    before = _state()
    response = client.get(reverse("calendar:feed", kwargs={"token": token}))
    assert response.status_code == 404
    assert response.content == b"No calendar at this address.\n"
    assert _state() == before


# The CB's certificate fields as the admin's form for certification bodies validates them.
CB_CERTIFICATE_FIELDS = ["certificate_number_pattern", "logo", "certification_mark", "accreditation_symbol"]
PATTERN_AT_MAX = "ABCDEFGHIJKLMNOPQRSTUVWXY-{year}-{seq:5}"


def _cb_admin_form(cw, data: dict, files: dict):
    request = RequestFactory().get("/")
    request.user = factories.UserFactory(is_staff=True, is_superuser=True)
    model_admin = admin.site.get_model_admin(CertificationBody)
    form_class = model_admin.get_form(request, cw.cb, change=True, fields=CB_CERTIFICATE_FIELDS)
    return form_class(data, files, instance=cw.cb)


def _upload(content: bytes, name: str = "mark.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


@pytest.mark.parametrize(
    ("pattern", "refused"),
    [
        (PATTERN_AT_MAX, None),
        (PATTERN_AT_MAX + "Z", "Ensure this value has at most 40 characters (it has 41)."),
        ("CB-{year}\r\n{seq:5}", "Use only letters, digits"),
        ("CB-{year}\t{seq:5}", "Use only letters, digits"),
        ("CB-{year}-{seq:10}", "Use only letters, digits"),
        ("CB-{year}", "exactly once"),
        ("x" * 100_000, "at most 40 characters"),
    ],
)
def test_a_cbs_number_pattern_out_of_bounds_is_refused(cw, pattern, refused):
    assert len(PATTERN_AT_MAX) == 40
    form = _cb_admin_form(cw, {"certificate_number_pattern": pattern}, {})
    if refused is None:
        assert form.is_valid(), form.errors
    else:
        assert not form.is_valid()
        assert any(refused in e for e in form.errors["certificate_number_pattern"])
    cw.cb.refresh_from_db()
    assert cw.cb.certificate_number_pattern == "{year}-{seq:5}"


@pytest.mark.parametrize("field", ["logo", "certification_mark", "accreditation_symbol"])
@pytest.mark.parametrize(
    ("upload", "refused"),
    [
        (lambda: _upload(png_bytes(size=(4000, 1))), None),
        (lambda: _upload(png_bytes(size=(4001, 1))), "The image is at most 4000 pixels wide and high."),
        (lambda: _upload(b"not an image"), "Upload a PNG or JPEG image."),
        (
            lambda: _upload(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "mark.svg"),
            "Upload a PNG or JPEG image.",
        ),
        (lambda: _upload(png_bytes() + b"\0" * 1024 * 1024), "The image is larger than 1.0"),
    ],
)
def test_a_cbs_certificate_image_out_of_bounds_is_refused(cw, field, upload, refused):
    stored = getattr(cw.cb, field).name
    form = _cb_admin_form(
        cw, {"certificate_number_pattern": cw.cb.certificate_number_pattern}, {field: upload()}
    )
    if refused is None:
        assert form.is_valid(), form.errors
    else:
        assert not form.is_valid()
        assert any(refused in e for e in form.errors[field])
    cw.cb.refresh_from_db()
    assert getattr(cw.cb, field).name == stored


# --- the reproductions: each failed before the bounds


def test_a_programme_opened_with_stage_1_near_year_9999_is_refused_on_the_form(client, w):
    _sign_in(client, w, "audits:programme_open")
    before = AuditProgramme.objects.count()
    data = FORMS["audits:programme_open"].data(w) | {"stage1_on": "9997-12-31"}
    response = _post(client, w, "audits:programme_open", data)
    assert response.status_code == 200
    assert DATE_REFUSED.search(response.content.decode())
    assert AuditProgramme.objects.count() == before


def test_an_audit_planned_from_year_1_is_refused_and_keeps_its_dates(client, w):
    _sign_in(client, w, "audits:audit_plan")
    data = FORMS["audits:audit_plan"].data(w) | {"starts_on": "0001-01-01", "ends_on": "0001-01-01"}
    response = _post(client, w, "audits:audit_plan", data)
    assert response.status_code == 200
    assert DATE_REFUSED.search(response.content.decode())
    w.audit.refresh_from_db()
    assert (w.audit.starts_on, w.audit.ends_on) == (STAGE1, STAGE1)


def test_an_audit_stored_in_year_1_still_shows_its_page_and_team_problems(client, w):
    """Data from before the bounds: the page must not fail on the rules' date arithmetic."""
    ConsultancyRecord.objects.create(
        organisation=w.org_a,
        user=w.auditor,
        description="Set up the QMS",
        started_on=datetime.date(1, 1, 1),
        ended_on=datetime.date(1, 1, 10),
        recorded_by=w.cert_manager,
    )
    Audit.objects.filter(pk=w.audit.pk).update(
        starts_on=datetime.date(1, 1, 1), ends_on=datetime.date(1, 1, 1)
    )
    client.force_login(w.cert_manager)
    response = client.get(reverse("audits:audit_detail", args=[w.audit.pk]))
    assert response.status_code == 200
    assert "gave this client consultancy until 0001-01-10" in response.content.decode()
    response = _post(client, w, "audits:team_assign", {"user": w.other_auditor.pk, "role": "auditor"})
    assert response.status_code == 302


def test_a_programme_stored_near_year_9999_still_shows_its_page(client, w):
    w.programme.audits.update(starts_on=datetime.date(9998, 6, 1), ends_on=datetime.date(9998, 6, 1))
    client.force_login(w.cert_manager)
    response = client.get(reverse("audits:programme_detail", args=[w.programme.pk]))
    assert response.status_code == 200
    assert "Surveillance 2 must take place between 9999-09-30 and 9999-12-31" in response.content.decode()


@pytest.mark.parametrize(
    ("headcount", "effective", "message"),
    [
        ("40", "4000", "The effective personnel cannot exceed the people in scope."),
        ("40", HUGE, "Ensure this value is less than or equal to 5000000."),
        ("2147483647", "2147483647", "Ensure this value is less than or equal to 5000000."),
    ],
)
@pytest.mark.parametrize("name", ["audits:programme_open", "audits:programme_edit"])
def test_effective_personnel_above_the_headcount_or_the_bound_is_refused(
    client, w, name, headcount, effective, message
):
    _sign_in(client, w, name)
    before = _state()
    data = FORMS[name].data(w) | {"headcount": headcount, "effective_personnel": effective}
    response = _post(client, w, name, data)
    assert response.status_code == 200 and escape(message) in response.content.decode()
    assert _state() == before


def test_a_megabyte_of_evidence_notes_is_refused(client, w):
    _sign_in(client, w, "improvement:gap_answer")
    form = _answer_form(w)
    data = FORMS["improvement:gap_answer"].data(w) | {form.add_prefix("notes"): MEGABYTE}
    response = _post(client, w, "improvement:gap_answer", data)
    assert response.status_code == 200
    assert "Ensure this value has at most 2000 characters (it has 1000000)." in response.content.decode()
    w.answer.refresh_from_db()
    assert w.answer.notes == "" and w.answer.status == "not_assessed"


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("improvement:gap_start", "title"),
        ("improvement:gap_copy", "title"),
        ("organisations:site_create", "name"),
    ],
)
def test_a_line_break_in_a_title_is_refused_with_a_message(client, w, name, field):
    _sign_in(client, w, name)
    before = _state()
    response = _post(client, w, name, FORMS[name].data(w) | {field: "Gap\r\nanalysis"})
    assert "Keep this on one line" in " ".join(_refusal(response))
    assert _state() == before
    assert not GapAnalysis.objects.filter(title__contains="\n").exists()
    assert not Site.objects.filter(name__contains="\n").exists()


# --- the bounds themselves, and the date rules at the ends of the calendar


@pytest.mark.parametrize(
    ("day", "valid"),
    [
        (datetime.date(1979, 12, 31), False),
        (datetime.date(1980, 1, 1), True),
        (datetime.date(2024, 2, 29), True),
        (datetime.date(2100, 12, 31), True),
        (datetime.date(2101, 1, 1), False),
        (datetime.date.min, False),
        (datetime.date.max, False),
    ],
)
def test_the_date_window(day, valid):
    if valid:
        bounds.validate_date(day)
    else:
        with pytest.raises(ValidationError, match=DATE_REFUSED):
            bounds.validate_date(day)


@pytest.mark.parametrize(
    ("text", "one_line", "several_lines"),
    [
        ("Ministère de l’Intérieur — Direction 7", True, True),
        ("first\nsecond", False, True),
        ("first\r\nsecond", False, True),
        ("tab\tbetween", False, True),
        ("line\u2028separator", False, True),
        ("bell\x07", False, False),
        ("escape\x1b[31m", False, False),
        ("next line\x85", False, False),
    ],
)
def test_single_line_and_multi_line_text(text, one_line, several_lines):
    for validator, valid in ((bounds.validate_single_line, one_line), (bounds.validate_text, several_lines)):
        if valid:
            validator(text)
        else:
            with pytest.raises(ValidationError):
                validator(text)


def test_a_plain_form_gets_the_bounds_by_default():
    class Plain(BoundedForm, forms.Form):
        title = forms.CharField()
        notes = forms.CharField(widget=forms.Textarea)
        on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        count = forms.IntegerField()

    form = Plain({"title": "a\nb", "notes": "n" * 2001, "on": "2101-01-01", "count": str(10**9 + 1)})
    assert not form.is_valid()
    assert form.errors["title"] == [
        "Keep this on one line: line breaks, tabs and control characters are not allowed."
    ]
    assert form.errors["notes"] == ["Ensure this value has at most 2000 characters (it has 2001)."]
    assert DATE_REFUSED.fullmatch(*form.errors["on"])
    assert form.errors["count"] == ["Ensure this value is less than or equal to 1000000000."]
    html = str(form["title"]) + str(form["on"])
    assert 'maxlength="200"' in html and 'min="1980-01-01"' in html and 'max="2100-12-31"' in html


@pytest.mark.parametrize(
    ("day", "delta", "expected"),
    [
        (datetime.date(2027, 3, 1), relativedelta(years=3), datetime.date(2030, 3, 1)),
        (datetime.date(9998, 1, 30), relativedelta(years=3), datetime.date.max),
        (datetime.date(9999, 12, 31), datetime.timedelta(days=1), datetime.date.max),
        (datetime.date(1, 1, 1), -relativedelta(years=2), datetime.date.min),
        (datetime.date(1, 1, 5), -datetime.timedelta(days=14), datetime.date.min),
    ],
)
def test_clamped_add_holds_at_the_ends_of_the_calendar(day, delta, expected):
    assert bounds.clamped_add(day, delta) == expected


def test_cycle_dates_near_year_9999_hold_at_the_end_of_the_calendar():
    decision = datetime.date(9998, 1, 30)
    policy = cycle.CyclePolicy(expiry_day_before=True)
    windows = cycle.due_windows(decision, policy)
    assert cycle.expiry_date(decision) == datetime.date.max
    assert windows["surveillance2"].closes == datetime.date.max
    assert windows["recertification"].closes == datetime.date(9999, 12, 29)
    assert cycle.restoration_deadline(datetime.date(9999, 10, 1)) == datetime.date.max
    assert {day.year for day in cycle.default_days(decision, policy).values()} <= {9998, 9999}
    assert cycle.years_missing_surveillance(decision, []) == []  # 9999 is the expiry year


def test_team_rules_near_year_1_answer_with_problems_not_errors():
    audit = team_rules.AuditFacts(
        standards=frozenset({"ISO 9001"}),
        scope_codes=frozenset(),
        starts_on=datetime.date(1, 1, 5),
        ends_on=datetime.date(1, 1, 5),
    )
    member = team_rules.Member("Ann", "lead", consultancy_ended_on=datetime.date(1, 1, 3), coi_declared=True)
    assert team_rules.impartiality_problems([member], audit) == [
        "Ann gave this client consultancy until 0001-01-03: not before 0003-01-03."
    ]
    assert team_rules.notice_problems(audit) == ["Tell the client who is on the team by 0001-01-01."]
    ended_late = team_rules.Member(
        "Bo", "lead", consultancy_ended_on=datetime.date(9999, 6, 1), coi_declared=True
    )
    assert "not before 9999-12-31" in team_rules.impartiality_problems([ended_late], audit)[0]


def test_stage_1_on_the_last_day_of_the_window_plans_a_cycle(w):
    programme = programme_services.programme_open(
        actor=w.cert_manager,
        certification_body=w.cb,
        organisation=w.org_a,
        editions=[w.edition],
        sites=[w.site_a],
        iaf_codes=[],
        stage1_on=bounds.LATEST_DATE,
        scope=PROGRAMME_SCOPE,
    )
    assert programme.audits.count() == 5
    assert max(programme.audits.values_list("ends_on", flat=True)) < datetime.date(2105, 1, 1)


def test_admin_audit_time_rows_out_of_bounds_are_refused_with_a_message(client, w):
    standard = factories.StandardFactory(code="ISO 22301")
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    rows = {
        "rows-TOTAL_FORMS": "2",
        "rows-INITIAL_FORMS": "0",
        "rows-0-complexity": "all",
        "rows-0-personnel_min": "1",
        "rows-0-personnel_max": HUGE,
        "rows-0-days": "1.5",
        "rows-1-complexity": "a\r\nb",
        "rows-1-personnel_min": "1",
        "rows-1-personnel_max": "10",
        "rows-1-days": "1.5",
    }
    before = _state()
    response = client.post(
        reverse("admin:standards_audittimetable_add"),
        {"standard": standard.pk, "title": "BCMS\r\ntable", "source": "CB procedure", "notes": ""} | rows,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Keep this on one line" in body and "less than or equal to 5000000" in body
    assert _state() == before


# --- the services hold the same bounds when reached by another door than a form


def test_services_refuse_what_their_forms_refuse(w):
    long_text = "x" * (bounds.TEXT_MAX + 1)
    with pytest.raises(gap_services.GapAnalysisError, match="at most 2000 characters"):
        gap_services.gap_answer_save(actor=w.qm_a, answer=w.answer, status="conforming", notes=long_text)
    with pytest.raises(gap_services.GapAnalysisError, match="Not applicable needs a justification"):
        gap_services.gap_answer_save(actor=w.qm_a, answer=w.answer, status="not_applicable")
    with pytest.raises(gap_services.GapAnalysisError, match="one line"):
        gap_services.gap_analysis_start(
            actor=w.qm_a, organisation=w.org_a, title="Two\nlines", editions=[w.edition], sites=[]
        )
    with pytest.raises(team_services.TeamError, match="at most 2000 characters"):
        team_services.team_object(actor=w.qm_a, assignment=w.assignment, reason=long_text)
    with pytest.raises(MembershipError, match="one line"):
        invitation_create(
            actor=w.qm_a, organisation=w.org_a, email="new@a.example", full_name="New\rPerson", role="viewer"
        )
    w.answer.refresh_from_db()
    w.assignment.refresh_from_db()
    assert (w.answer.status, w.answer.notes) == ("not_assessed", "")
    assert w.assignment.is_active and w.assignment.objection == ""
    assert not GapAnalysis.objects.filter(title="Two\nlines").exists()
    assert not User.objects.filter(email="new@a.example").exists()
    assert not w.org_a.invitations.filter(email="new@a.example").exists()


@pytest.mark.parametrize("name", ["two_factor:setup", "two_factor:verify"])
def test_two_factor_codes_out_of_bounds_are_refused_and_change_nothing(client, w, name, subtests):
    if name == "two_factor:verify":  # a user with an authenticator app, owing its code
        secret = "ab" * 20
        code = f"{TOTP(unhexlify(secret)).token():06d}"
        security.two_factor_enrol(actor=w.qm_a, secret=secret, code=code, request=None)
    client.force_login(w.qm_a)
    client.get(reverse(name))
    before = (_state(), list(TOTPDevice.objects.values()))
    for value in _attacks(organisations.security_forms.VerifyForm().fields["code"]):
        with subtests.test(value=repr(value)[:40]):
            response = client.post(reverse(name), {"code": value})
            assert _refusal(response), "refused without a message"
            assert (_state(), list(TOTPDevice.objects.values())) == before
