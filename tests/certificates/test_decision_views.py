"""The decision pages (DOMAIN §1.4; rules 3–5, 29): the checklist before the button, a refusal
listed rule by rule with its links, a grant that drafts the certificate, access, and bad input."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from audits import finding_rules
from audits.enums import AuditKind, AuditStatus, FindingType
from audits.models import Audit, AuditProgramme
from audits.services import programmes as programme_services
from certificates.enums import CertificateStatus, DecisionKind, DecisionOutcome, RevisionStatus
from certificates.models import Certificate, CertificateRevision, Decision
from core.transitions import transitions_of
from organisations.backends import UserBackend
from organisations.enums import QualificationKind
from organisations.models import User
from tests import factories
from tests.audits.conftest import make_edition
from tests.audits.test_responses_services import make_finding
from tests.certificates.conftest import certified_sites
from tests.core.test_csp import _InlineCode
from tests.factories import PROGRAMME_SCOPE

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
STAGE1 = TODAY - datetime.timedelta(days=60)
RATIONALE = "Stage 1 and stage 2 reports reviewed; no nonconformity open."


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def decided_world(world, edition) -> AuditProgramme:
    """Organisation A's programme with stage 1 and stage 2 reported and closed, and the CB's
    certification manager qualified to decide (and on no team)."""
    programme = programme_services.programme_open(
        actor=world.cert_manager,
        certification_body=world.cb,
        organisation=world.org_a,
        editions=[edition],
        sites=[world.site_a],
        iaf_codes=[],
        stage1_on=STAGE1,
        scope=PROGRAMME_SCOPE,
    )
    programme.audits.filter(kind__in=(AuditKind.STAGE1, AuditKind.STAGE2)).update(status=AuditStatus.CLOSED)
    factories.QualificationFactory(
        user=world.cert_manager,
        certification_body=world.cb,
        standard=edition.standard,
        kind=QualificationKind.DECISION_MAKER,
        valid_from=TODAY - datetime.timedelta(days=365),
        valid_until=TODAY + datetime.timedelta(days=365),
    )
    return programme


@pytest.fixture
def programme(world, qms):
    return decided_world(world, qms)


@pytest.fixture
def manager(world):
    return client_of(world.cert_manager)


def add_url(programme) -> str:
    return reverse("certificates:decision_add", args=[programme.pk])


def grant(edition, /, **changes) -> dict:
    return {
        "edition": edition.pk,
        "kind": DecisionKind.INITIAL,
        "outcome": DecisionOutcome.GRANT,
        "decided_on": TODAY.isoformat(),
        "rationale": RATIONALE,
        "scope": "",
    } | changes


def stage2_of(programme) -> Audit:
    return programme.audits.get(kind=AuditKind.STAGE2)


# --- the checklist before the button


def test_page_previews_a_ready_decision(manager, programme, qms):
    response = manager.get(add_url(programme))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="decision-ready"' in page and "decision-blockers" not in page
    form = response.context["form"]
    assert list(form.fields["edition"].queryset) == [qms]
    assert form.fields["decided_on"].initial() == TODAY


def test_page_lists_an_open_major_nc_with_its_rule_and_link(world, manager, programme, qms):
    major = make_finding(world, FindingType.MAJOR_NC, audit=stage2_of(programme))
    response = manager.get(add_url(programme), {"edition": qms.pk, "kind": DecisionKind.INITIAL})
    assert response.status_code == 200
    blockers = response.context["blockers"]
    assert [(b.rule, b.url) for b in blockers] == [(4, reverse("audits:finding_detail", args=[major.pk]))]
    page = response.content.decode()
    assert "Rule 4" in page and f'href="{blockers[0].url}"' in page and blockers[0].label in page


def test_a_refusal_outcome_is_not_blocked_by_open_ncs(world, manager, programme, qms):
    make_finding(world, FindingType.MAJOR_NC, audit=stage2_of(programme))
    response = manager.get(
        add_url(programme),
        {"edition": qms.pk, "kind": DecisionKind.INITIAL, "outcome": DecisionOutcome.REFUSE},
    )
    assert response.context["blockers"] == []


def test_check_button_previews_without_recording(world, manager, programme, qms):
    programme.audits.filter(kind=AuditKind.STAGE2).update(status=AuditStatus.IN_PROGRESS)
    response = manager.post(add_url(programme), grant(qms, rationale="", check="1"))
    assert response.status_code == 200
    assert [b.rule for b in response.context["blockers"]] == [4]
    assert "rationale" not in response.context["form"].errors
    assert not Decision.objects.exists()


def test_a_manager_who_audited_is_blocked_by_rule_3(world, manager, programme, qms):
    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    stage1.assignments.create(user=world.cert_manager, role="lead", assigned_by=world.cert_manager)
    response = manager.get(add_url(programme))
    rules = [b.rule for b in response.context["blockers"]]
    assert 3 in rules
    rule3 = next(b for b in response.context["blockers"] if b.rule == 3)
    assert rule3.url == stage1.get_absolute_url()


# --- recording


def test_post_grant_records_the_decision_and_drafts_the_certificate(world, manager, programme, qms):
    response = manager.post(add_url(programme), grant(qms))
    decision = Decision.objects.get()
    assert response.status_code == 302 and response.url == decision.get_absolute_url()
    assert (
        decision.kind,
        decision.outcome,
        decision.decided_on,
        decision.decided_by,
        decision.rationale,
    ) == (
        DecisionKind.INITIAL,
        DecisionOutcome.GRANT,
        TODAY,
        world.cert_manager,
        RATIONALE,
    )
    assert {a.kind for a in decision.audits.all()} == {AuditKind.STAGE1, AuditKind.STAGE2}
    certificate = decision.certificate
    assert certificate.status == CertificateStatus.DRAFT and certificate.organisation == world.org_a
    revision = certificate.revisions.get()
    assert (revision.status, revision.decision, revision.effective_on, revision.scope) == (
        RevisionStatus.DRAFT,
        decision,
        TODAY,
        programme.scope,
    )
    assert certified_sites(revision) == [world.site_a]
    programme.refresh_from_db()
    assert programme.cycle_started_on == TODAY
    messages = [m.message for m in response.wsgi_request._messages]
    assert any(certificate.number in m for m in messages)


def test_post_with_blockers_lists_them_and_changes_nothing(world, manager, programme, qms):
    major = make_finding(world, FindingType.MAJOR_NC, audit=stage2_of(programme))
    minor = make_finding(world, FindingType.MINOR_NC, audit=stage2_of(programme))
    response = manager.post(add_url(programme), grant(qms))
    assert response.status_code == 200 and response.context["refused"]
    blockers = response.context["blockers"]
    assert [(b.rule, b.url) for b in blockers] == [
        (4, reverse("audits:finding_detail", args=[major.pk])),
        (4, reverse("audits:finding_detail", args=[minor.pk])),
    ]
    page = response.content.decode()
    assert page.count("Rule 4") == 2
    assert all(f'href="{b.url}"' in page for b in blockers)
    assert not Decision.objects.exists() and not Certificate.objects.exists()
    programme.refresh_from_db()
    assert programme.cycle_started_on is None


def test_a_second_initial_grant_is_blocked_by_rule_29(manager, programme, qms):
    manager.post(add_url(programme), grant(qms))
    first = Decision.objects.get()
    response = manager.post(add_url(programme), grant(qms))
    rules = {b.rule: b for b in response.context["blockers"]}
    assert rules[29].url == first.get_absolute_url()
    assert Decision.objects.count() == 1


def test_a_refusal_records_no_certificate(manager, programme, qms):
    response = manager.post(add_url(programme), grant(qms, outcome=DecisionOutcome.REFUSE))
    decision = Decision.objects.get()
    assert response.status_code == 302
    assert decision.certificate is None and not Certificate.objects.exists()
    assert [(t.to_state, t.reason) for t in transitions_of(decision)] == [(DecisionOutcome.REFUSE, RATIONALE)]


# --- access


@pytest.mark.parametrize("who", ["auditor", "qm_a", "viewer_a"])
def test_others_than_deciders_get_403(world, programme, qms, who):
    client = client_of(getattr(world, who))
    if who == "auditor":
        programme.audits.get(kind=AuditKind.STAGE1).assignments.create(
            user=world.auditor, role="lead", assigned_by=world.cert_manager
        )
    assert client.get(add_url(programme)).status_code == 403
    assert client.post(add_url(programme), grant(qms)).status_code == 403
    assert not Decision.objects.exists()


def test_another_cbs_manager_gets_404(world, programme, qms):
    client = client_of(world.other_cb_manager)
    assert client.get(add_url(programme)).status_code == 404
    assert client.post(add_url(programme), grant(qms)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, programme):
    response = client.get(add_url(programme))
    assert response.status_code == 302 and "login" in response.url


def test_wrong_method_is_405(manager, programme):
    assert manager.put(add_url(programme)).status_code == 405
    assert manager.post(reverse("certificates:decision_detail", args=[1])).status_code == 405


# --- bad input: form errors, never a 500


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decided_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "decided_on"),
        ({"decided_on": "2101-01-01"}, "decided_on"),
        ({"decided_on": "not a date"}, "decided_on"),
        ({"rationale": ""}, "rationale"),
        ({"rationale": "   "}, "rationale"),
        ({"rationale": "x" * 2001}, "rationale"),
        ({"rationale": "ok\x00"}, "rationale"),
        ({"edition": "999999"}, "edition"),
        ({"edition": "abc"}, "edition"),
        ({"kind": "coronation"}, "kind"),
        ({"outcome": "maybe"}, "outcome"),
        ({"sites": ["999999"]}, "sites"),
        ({"transfer_review": "999999"}, "transfer_review"),
    ],
)
def test_bad_input_gives_form_errors(manager, programme, qms, changes, field):
    response = manager.post(add_url(programme), grant(qms, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Decision.objects.exists()


def test_bad_query_string_gives_form_errors(manager, programme):
    response = manager.get(add_url(programme), {"edition": "999999", "kind": "x", "decided_on": "2101-02-30"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"edition", "kind", "decided_on"}
    assert response.context["blockers"] is None


def test_an_edition_of_another_programme_is_refused(world, manager, programme):
    ems = make_edition("ISO 14001", 2015, [("4", "Context", "HS-4"), ("4.1", "Context", "HS-4.1")])
    response = manager.post(add_url(programme), grant(ems))
    assert "edition" in response.context["form"].errors
    assert not Decision.objects.exists()


# --- the decision page


def test_decision_page_shows_the_decision_and_its_certificate(world, manager, programme, qms):
    manager.post(add_url(programme), grant(qms))
    decision = Decision.objects.get()
    response = manager.get(decision.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    for text in (RATIONALE, decision.certificate.number, world.cert_manager.full_name, qms.label):
        assert text in page
    for audit in decision.audits.all():
        assert audit.get_absolute_url() in page
    assert decision.certificate.get_absolute_url() in page
    assert response.context["revision"].status == RevisionStatus.DRAFT
    assert response.context["history"].get().to_state == DecisionOutcome.GRANT


def test_decision_page_is_seen_by_the_client_and_not_by_another_cb(world, manager, programme, qms):
    manager.post(add_url(programme), grant(qms))
    url = Decision.objects.get().get_absolute_url()
    assert client_of(world.qm_a).get(url).status_code == 200
    assert client_of(world.other_cb_manager).get(url).status_code == 404
    assert client_of(world.qm_b).get(url).status_code == 404


# --- the programme page's panel


def render_panel(user, programme) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load decision_panels %}{% programme_decisions programme %}")
    return template.render(Context({"request": request, "programme": programme}))


def test_panel_lists_decisions_and_certificates_in_two_queries(
    world, manager, programme, qms, django_assert_num_queries
):
    manager.post(add_url(programme), grant(qms))
    decision = Decision.objects.get()
    user = UserBackend().get_user(world.cert_manager.pk)  # with its memberships, as a request has it
    with django_assert_num_queries(2):  # the decisions; whether the user decides
        html = render_panel(user, programme)
    client_user = UserBackend().get_user(world.qm_a.pk)
    with django_assert_num_queries(1):  # a client: the decisions only
        render_panel(client_user, programme)
    assert decision.get_absolute_url() in html and decision.certificate.number in html
    assert add_url(programme) in html
    assert reverse("certificates:transfer_review_add", args=[programme.pk]) in html


def test_panel_offers_no_decision_links_to_the_client(world, manager, programme, qms):
    manager.post(add_url(programme), grant(qms))
    html = render_panel(User.objects.get(pk=world.qm_a.pk), programme)
    assert Decision.objects.get().get_absolute_url() in html
    assert add_url(programme) not in html


def test_programme_page_includes_the_panel(manager, programme):
    response = manager.get(programme.get_absolute_url())
    assert response.status_code == 200
    assert add_url(programme) in response.content.decode()


# --- on the demo data: Northfield is ready for its initial decision; its extension is not


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", force=True, stdout=StringIO())
    northfield = AuditProgramme.objects.get(
        organisation__name="Northfield Municipality", editions__standard__code="ISO 9001"
    )
    return northfield, client_of(User.objects.get(email="manager@certa.example"))


def test_demo_northfield_initial_decision_is_granted(demo):
    northfield, manager = demo
    edition = northfield.editions.get()
    preview = manager.get(add_url(northfield), {"edition": edition.pk, "kind": DecisionKind.INITIAL})
    assert preview.context["blockers"] == []
    response = manager.post(add_url(northfield), grant(edition))
    assert response.status_code == 302
    decision = Decision.objects.get(programme=northfield)
    assert decision.certificate.status == CertificateStatus.DRAFT
    assert decision.certificate.revisions.get().status == RevisionStatus.DRAFT


def test_demo_northfield_scope_extension_lists_its_open_ncs(demo):
    northfield, manager = demo
    edition = northfield.editions.get()
    extension = northfield.audits.get(kind=AuditKind.SPECIAL_SCOPE_EXTENSION)
    unsettled = [
        f
        for f in extension.findings.order_by("number")
        if f.is_nc and not finding_rules.is_settled(f.type, f.status)
    ]
    response = manager.post(add_url(northfield), grant(edition, kind=DecisionKind.SCOPE_EXTENSION))
    assert response.status_code == 200 and response.context["refused"]
    rule4 = [b.url for b in response.context["blockers"] if b.rule == 4]
    assert rule4 == [reverse("audits:finding_detail", args=[f.pk]) for f in unsettled]
    assert unsettled
    assert not Decision.objects.filter(programme=northfield).exists()


def test_pages_need_no_inline_code(world, manager, programme, qms):
    manager.post(add_url(programme), grant(qms))
    urls = [
        add_url(programme),
        Decision.objects.get().get_absolute_url(),
        reverse("certificates:transfer_review_add", args=[programme.pk]),
        programme.get_absolute_url(),
    ]
    for url in urls:
        parser = _InlineCode()
        parser.feed(manager.get(url).content.decode())
        assert parser.found == [], url


def test_fields_of_one_kind_of_decision_show_once_it_is_chosen(manager, programme, qms):
    """The sites of a scope change and the review of a transfer show for those kinds only."""
    initial = manager.get(add_url(programme), {"edition": qms.pk, "kind": "initial"}).content.decode()
    reduction = manager.get(
        add_url(programme), {"edition": qms.pk, "kind": "scope_reduction"}
    ).content.decode()
    transfer = manager.get(add_url(programme), {"edition": qms.pk, "kind": "transfer"}).content.decode()
    assert 'name="sites"' not in initial and 'name="transfer_review"' not in initial
    assert 'name="sites"' in reduction and 'name="transfer_review"' not in reduction
    assert 'name="transfer_review"' in transfer and 'name="sites"' not in transfer


def test_a_reduction_that_rewrites_the_scope_asks_why_and_keeps_the_answer(manager, programme, qms):
    """Rule 16: the confirmation and its justification show once a new scope text is given; without
    them the reduction is refused, with them it is recorded and the decision page shows why."""
    manager.post(add_url(programme), grant(qms))
    CertificateRevision.objects.update(status=RevisionStatus.CURRENT, issued_on=TODAY, accredited=True)
    Certificate.objects.update(status=CertificateStatus.ACTIVE)
    reduction = grant(qms, kind=DecisionKind.SCOPE_REDUCTION, rationale="Design activities stopped.")
    plain = manager.get(add_url(programme), reduction).content.decode()
    assert 'id="scope-narrowed"' not in plain
    narrowed = reduction | {"scope": "Services, design excluded"}
    asked = manager.post(add_url(programme), narrowed)
    assert (
        'id="scope-narrowed"' in asked.content.decode()
        and 'name="scope_justification"' in asked.content.decode()
    )
    assert [b.rule for b in asked.context["blockers"]] == [16]
    assert not Decision.objects.filter(kind=DecisionKind.SCOPE_REDUCTION).exists()
    why = "The design office closed on 1 March."
    done = manager.post(add_url(programme), narrowed | {"narrows_scope": "on", "scope_justification": why})
    decision = Decision.objects.get(kind=DecisionKind.SCOPE_REDUCTION)
    assert done.status_code == 302 and done["Location"] == decision.get_absolute_url()
    assert (decision.scope_justification, decision.revision.scope) == (why, "Services, design excluded")
    detail = manager.get(decision.get_absolute_url()).content.decode()
    assert f'id="scope-justification">{why}<' in detail
