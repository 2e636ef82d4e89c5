"""The action register's pages: who may open and use each (rule 43), the register's filters,
search, order and pages, the export, My actions, and the CB's nonconformities read (never copied)
from the audit records."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audits.models import Audit, Finding
from audits.services import programmes as programme_services
from improvement.enums import ActionStatus
from improvement.models import Action
from improvement.services import actions as services
from tests.audits.conftest import qms as qms
from tests.factories import PROGRAMME_SCOPE

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MEMBERS_A = ("qm_a", "contributor_a", "viewer_a")
OUTSIDERS = ("qm_b", "auditor", "other_auditor", "cert_manager", "other_cb_manager", "staff", "nobody")


def _raise(world, title="Complaint", owner=None, **fields):
    return services.action_create(
        actor=world.qm_a,
        organisation=world.org_a,
        source=fields.pop("source", "complaint"),
        title=title,
        owner=owner or world.qm_a,
        **fields,
    )


def _list(world, **params):
    return reverse("improvement:action_list", args=[world.org_a.pk]), params


def _refs(response) -> list[str]:
    return [action.reference for action in response.context["page_obj"]]


# --- who may open and use each page (rule 43: the client's members only)


@pytest.fixture
def mine(world):
    return _raise(world, "Owned by the contributor", owner=world.contributor_a, corrective_action="Fix it")


@pytest.mark.parametrize("name", ["action_list", "action_export", "action_new"])
def test_organisation_pages_are_the_members_own(client, world, name):
    url = reverse(f"improvement:{name}", args=[world.org_a.pk])
    expected = {"qm_a": 200, "contributor_a": 200, "viewer_a": 403 if name == "action_new" else 200}
    for persona in MEMBERS_A + OUTSIDERS:
        client.force_login(getattr(world, persona))
        assert client.get(url).status_code == expected.get(persona, 404), persona


def test_the_action_page_and_its_edit_form_by_persona(client, world, mine):
    other = _raise(world, "Owned by the quality manager")
    for persona in MEMBERS_A + OUTSIDERS:
        client.force_login(getattr(world, persona))
        detail = client.get(reverse("improvement:action_detail", args=[mine.pk])).status_code
        edit_mine = client.get(reverse("improvement:action_edit", args=[mine.pk])).status_code
        edit_other = client.get(reverse("improvement:action_edit", args=[other.pk])).status_code
        if persona in MEMBERS_A:
            assert detail == 200
            assert edit_mine == (403 if persona == "viewer_a" else 200), persona
            assert edit_other == (200 if persona == "qm_a" else 403), persona
        else:
            assert (detail, edit_mine, edit_other) == (404, 404, 404), persona


@pytest.mark.parametrize(
    ("verb", "writers"),
    [("start", {"qm_a", "contributor_a"}), ("done", {"qm_a", "contributor_a"}), ("cancel", {"qm_a"})],
)
def test_the_buttons_by_persona(client, world, mine, verb, writers):
    url = reverse(f"improvement:action_{verb}", args=[mine.pk])
    data = {"reason": "Duplicate"} if verb == "cancel" else {}
    for persona in (*OUTSIDERS, "viewer_a", *sorted({"qm_a", "contributor_a"} - writers)):
        client.force_login(getattr(world, persona))
        assert client.post(url, data).status_code == (404 if persona in OUTSIDERS else 403), persona
    mine.refresh_from_db()
    assert mine.status == ActionStatus.OPEN
    client.force_login(getattr(world, sorted(writers)[-1]))
    assert client.get(url).status_code == 405
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == mine.get_absolute_url()
    mine.refresh_from_db()
    assert mine.status == {"start": "in_progress", "done": "done", "cancel": "cancelled"}[verb]


def test_a_refused_step_says_why_and_changes_nothing(client, world):
    action = _raise(world)  # a nonconformity without its corrective action
    client.force_login(world.qm_a)
    response = client.post(reverse("improvement:action_done", args=[action.pk]), follow=True)
    assert "a correction alone never closes a nonconformity" in response.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_raising_an_action_by_hand(client, world, qms):
    client.force_login(world.contributor_a)
    url = reverse("improvement:action_new", args=[world.org_a.pk])
    form = client.get(url).context["form"]
    assert [value for value, _label in form.fields["source"].choices] == [
        "complaint",
        "incident",
        "legal",
        "other",
    ]
    assert set(form.fields["owner"].queryset) == {world.qm_a, world.contributor_a}  # no viewer, no outsider
    response = client.post(
        url,
        {
            "source": "incident",
            "kind": "nonconformity",
            "title": "Server room door left open",
            "source_reference": "INC-77",
            "description": "Found open at 22:00.",
            "owner": world.contributor_a.pk,
            "due_on": "2027-03-31",
            "site": world.site_a.pk,
            "clause": qms.clauses.get(number="8.3").pk,
        },
    )
    action = Action.objects.get(organisation=world.org_a)
    assert response.status_code == 302 and response.url == action.get_absolute_url()
    assert (action.source, action.source_reference, action.owner, action.due_on) == (
        "incident",
        "INC-77",
        world.contributor_a,
        datetime.date(2027, 3, 31),
    )


def test_a_viewer_cannot_be_chosen_as_owner(client, world):
    client.force_login(world.qm_a)
    url = reverse("improvement:action_new", args=[world.org_a.pk])
    response = client.post(
        url, {"source": "other", "kind": "nonconformity", "title": "T", "owner": world.viewer_a.pk}
    )
    assert response.status_code == 200 and response.context["form"].errors["owner"]
    assert not Action.objects.exists()


def test_editing_an_action(client, world, mine):
    client.force_login(world.contributor_a)
    url = reverse("improvement:action_edit", args=[mine.pk])
    data = {
        "kind": "nonconformity",
        "title": "Renamed",
        "owner": world.contributor_a.pk,
        "root_cause": "No checklist",
    }
    assert client.post(url, data).status_code == 302
    mine.refresh_from_db()
    assert (mine.title, mine.root_cause, mine.corrective_action) == ("Renamed", "No checklist", "")


# --- the review on the page (rule 42)


def test_the_review_form_closes_a_done_action_and_not_effective_links_the_follow_up(client, world, mine):
    services.action_done(actor=world.contributor_a, action=mine)
    client.force_login(world.qm_a)
    page = client.get(mine.get_absolute_url()).content.decode()
    assert reverse("improvement:action_review", args=[mine.pk]) in page
    url = reverse("improvement:action_review", args=[mine.pk])

    future = client.post(
        url, {"reviewed_on": (TODAY + datetime.timedelta(days=1)).isoformat(), "result": "effective"}
    )
    assert future.status_code == 200 and "cannot be dated in the future" in future.content.decode()
    silent = client.post(url, {"reviewed_on": TODAY.isoformat(), "result": "not_effective"})
    assert silent.status_code == 200 and silent.context["review_form"].errors.keys() == {
        "comment",
        "follow_up_owner",
    }
    mine.refresh_from_db()
    assert mine.status == ActionStatus.DONE

    response = client.post(
        url,
        {
            "reviewed_on": TODAY.isoformat(),
            "result": "not_effective",
            "comment": "Still late.",
            "follow_up_owner": world.contributor_a.pk,
            "follow_up_due_on": "2027-06-30",
        },
    )
    mine.refresh_from_db()
    follow_up = mine.follow_ups.get()
    assert response.status_code == 302 and mine.status == ActionStatus.NOT_EFFECTIVE
    old_page = client.get(mine.get_absolute_url()).content.decode()
    new_page = client.get(follow_up.get_absolute_url()).content.decode()
    assert follow_up.get_absolute_url() in old_page and mine.get_absolute_url() in new_page
    assert "Still late." in old_page and "History" in old_page


def test_a_contributor_sees_no_review_form(client, world, mine):
    services.action_done(actor=world.contributor_a, action=mine)
    client.force_login(world.contributor_a)
    page = client.get(mine.get_absolute_url()).content.decode()
    assert reverse("improvement:action_review", args=[mine.pk]) not in page
    assert client.post(reverse("improvement:action_review", args=[mine.pk]), {}).status_code == 403


# --- evidence


def test_evidence_upload_download_and_removal(client, world, mine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.contributor_a)
    add = reverse("improvement:action_file_add", args=[mine.pk])
    refused = client.post(add, {"file": SimpleUploadedFile("tool.exe", b"MZ")})
    assert refused.status_code == 200 and "not accepted" in refused.content.decode()
    assert client.post(add, {"file": SimpleUploadedFile("minutes.txt", b"minutes")}).status_code == 302
    evidence = mine.evidence_files.get()
    download = client.get(reverse("improvement:action_file", args=[mine.pk, evidence.pk]))
    assert b"".join(download.streaming_content) == b"minutes"
    client.force_login(world.viewer_a)
    remove = reverse("improvement:action_file_remove", args=[mine.pk, evidence.pk])
    assert client.post(remove).status_code == 403
    client.force_login(world.qm_b)
    assert client.get(reverse("improvement:action_file", args=[mine.pk, evidence.pk])).status_code == 404
    client.force_login(world.contributor_a)
    assert client.post(remove).status_code == 302
    evidence.refresh_from_db()
    assert evidence.removed_at is not None
    assert client.get(reverse("improvement:action_file", args=[mine.pk, evidence.pk])).status_code == 404


# --- the register: filters, search, order, pages


@pytest.fixture
def register(world, qms, ems):
    """Four actions of A (and one of B, never shown): each filter picks out one."""
    c41, c83 = qms.clauses.get(number="4.1"), qms.clauses.get(number="8.3")
    world.late = _raise(
        world,
        "Late reply to a citizen",
        due_on=TODAY - datetime.timedelta(days=3),
        clause=c83,
        site=world.site_a,
    )
    world.incident = _raise(
        world,
        "Badge reader failure",
        source="incident",
        owner=world.contributor_a,
        due_on=TODAY + datetime.timedelta(days=10),
        clause=c41,
        correction="Door guarded",
    )
    world.legal = _raise(world, "New archive law", source="legal", clause=ems.clauses.first())
    world.closed = _raise(
        world, "Closed long ago", source="other", due_on=TODAY - datetime.timedelta(days=30)
    )
    services.action_cancel(actor=world.qm_a, action=world.closed, reason="Duplicate")
    services.action_create(
        actor=world.qm_b, organisation=world.org_b, source="complaint", title="B", owner=world.qm_b
    )
    return world


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["closed", "late", "incident", "legal"]),  # by due date, none last
        ({"status": "open_any"}, ["late", "incident", "legal"]),
        ({"status": "cancelled"}, ["closed"]),
        ({"source": "incident"}, ["incident"]),
        ({"source": "cb_audit"}, []),
        ({"overdue": "on"}, ["late"]),
        ({"clause": "8"}, ["late"]),
        ({"clause": "4.1"}, ["incident"]),
        ({"q": "archive"}, ["legal"]),
        ({"q": "door guarded"}, ["incident"]),
        ({"sort": "-number"}, ["closed", "legal", "incident", "late"]),
    ],
)
def test_each_filter_of_the_register(client, register, params, expected):
    client.force_login(register.qm_a)
    url, _ = _list(register)
    response = client.get(url, params)
    assert _refs(response) == [getattr(register, name).reference for name in expected]


def test_the_scoped_filters_owner_site_edition_and_number_search(client, register, qms, ems):
    client.force_login(register.viewer_a)
    url, _ = _list(register)
    assert _refs(client.get(url, {"owner": register.contributor_a.pk})) == [register.incident.reference]
    assert _refs(client.get(url, {"site": register.site_a.pk})) == [register.late.reference]
    assert _refs(client.get(url, {"edition": ems.pk})) == [register.legal.reference]
    assert _refs(client.get(url, {"q": register.legal.reference})) == [register.legal.reference]
    other_org = client.get(url, {"owner": register.qm_b.pk})
    assert other_org.context["filters"].form.errors["owner"]  # not a member: refused, said on the page


def test_the_register_is_paginated_25_a_page_with_its_filters_kept(client, world):
    for number in range(27):
        _raise(world, f"Action {number}", due_on=TODAY + datetime.timedelta(days=number))
    client.force_login(world.qm_a)
    url, _ = _list(world)
    first = client.get(url, {"status": "open_any"})
    assert len(first.context["page_obj"]) == 25 and "status=open_any&amp;page=2" in first.content.decode()
    second = client.get(url, {"status": "open_any", "page": 2})
    assert [a.title for a in second.context["page_obj"]] == ["Action 25", "Action 26"]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_register_and_my_actions_run_as_many_queries_for_1_row_as_for_3(
    client, world, qms, reported_ncs, django_assert_num_queries
):
    client.force_login(world.qm_a)
    clause = qms.clauses.get(number="4.1")
    _raise(world, "One", clause=clause, site=world.site_a, due_on=TODAY)
    url, _ = _list(world)
    mine = reverse("improvement:my_actions")
    Finding.objects.filter(pk__in=[reported_ncs[1].pk, reported_ncs[2].pk]).update(status="withdrawn")
    one, one_mine = _count(client, url), _count(client, mine)
    for title in ("Two", "Three"):
        _raise(world, title, clause=clause, site=world.site_a, due_on=TODAY)
    Finding.objects.filter(pk__in=[reported_ncs[1].pk, reported_ncs[2].pk]).update(status="open")
    with django_assert_num_queries(one):
        response = client.get(url)
    assert len(response.context["page_obj"]) == 3 and len(response.context["sections"][0][1]) == 3
    with django_assert_num_queries(one_mine):
        assert len(client.get(mine).context["page_obj"]) == 3


# --- My actions


def test_my_actions_are_the_open_actions_i_own_overdue_first(client, register):
    soon = _raise(register, "Soon", owner=register.contributor_a, due_on=TODAY + datetime.timedelta(days=1))
    late = _raise(register, "Late", owner=register.contributor_a, due_on=TODAY - datetime.timedelta(days=1))
    client.force_login(register.contributor_a)
    response = client.get(reverse("improvement:my_actions"))
    assert _refs(response) == [late.reference, soon.reference, register.incident.reference]
    assert "Overdue" in response.content.decode()
    client.force_login(register.auditor)
    assert _refs(client.get(reverse("improvement:my_actions"))) == []


def test_the_navigation_and_the_tab_link_the_register_for_members_only(client, world):
    client.force_login(world.viewer_a)
    page = client.get(reverse("organisations:detail", args=[world.org_a.pk])).content.decode()
    assert (
        reverse("improvement:my_actions") in page
        and reverse("improvement:action_list", args=[world.org_a.pk]) in page
    )
    client.force_login(world.cert_manager)
    page = client.get(reverse("organisations:detail", args=[world.org_a.pk])).content.decode()
    assert reverse("improvement:my_actions") not in page
    assert reverse("improvement:action_list", args=[world.org_a.pk]) not in page


# --- the export


def test_the_csv_export_is_the_filtered_register_safe_for_spreadsheets(client, register):
    Action.objects.filter(pk=register.legal.pk).update(title="=HYPERLINK(1)")
    client.force_login(register.viewer_a)
    url = reverse("improvement:action_export", args=[register.org_a.pk])
    response = client.get(url, {"status": "open_any", "sort": "-number"})
    assert response.streaming and 'filename="actions-organisation-a-' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:3] == ["Reference", "Title", "Answers"]
    assert [row[0] for row in rows[1:]] == [
        register.legal.reference,
        register.incident.reference,
        register.late.reference,
    ]
    assert rows[1][1] == "'=HYPERLINK(1)"
    late = rows[3]
    assert late[5] == "Open" and late[8] == "yes" and late[11] == "A headquarters"


def test_the_xlsx_export(client, register):
    client.force_login(register.qm_a)
    url = reverse("improvement:action_export", args=[register.org_a.pk])
    response = client.get(url, {"format": "xlsx", "source": "incident"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Reference" and len(rows) == 2
    assert rows[1][:2] == [register.incident.reference, "Badge reader failure"]
    assert rows[1][13] == "Door guarded"


# --- the CB's nonconformities: read from the audit records, never copied


@pytest.fixture
def reported_ncs(world, qms):
    programme = programme_services.programme_open(
        actor=world.cert_manager,
        certification_body=world.cb,
        organisation=world.org_a,
        editions=[qms],
        sites=[world.site_a],
        iaf_codes=[],
        stage1_on=datetime.date(2027, 3, 1),
        scope=PROGRAMME_SCOPE,
    )
    audit = programme.audits.get(kind="stage1")
    Audit.objects.filter(pk=audit.pk).update(status="ncs_pending")
    findings = {}
    for number, (kind, status) in enumerate(
        (("major", "open"), ("minor", "open"), ("minor", "verified_closed")), 1
    ):
        findings[number] = Finding.objects.create(
            audit=audit,
            number=number,
            type=kind,
            status=status,
            site=world.site_a,
            clause=qms.clauses.get(number="8.3"),
            statement=f"Nonconformity {number}: design reviews not recorded.",
            evidence="File D-2",
            raised_by=world.auditor,
            response_due_on=TODAY - datetime.timedelta(days=1) if number == 1 else None,
        )
    Finding.objects.create(
        audit=audit,
        number=4,
        type="ofi",
        status="recorded",
        statement="An opportunity.",
        raised_by=world.auditor,
    )
    return findings


def test_the_cbs_nonconformities_show_in_the_register_without_an_action(client, world, reported_ncs):
    client.force_login(world.contributor_a)
    url, _ = _list(world)
    response = client.get(url)
    section, rows = response.context["sections"][0]
    assert section.title == "Nonconformities from the certification body's audits"
    assert [row.reference for row in rows] == [reported_ncs[n].reference for n in (1, 2, 3)]  # overdue first
    html = response.content.decode()
    assert reverse("audits:finding_detail", args=[reported_ncs[1].pk]) in html
    assert rows[0].overdue and rows[0].due_on == TODAY - datetime.timedelta(days=1)
    assert "ISO 9001:2015 8.3" in rows[0].clause and rows[0].status == "Awaiting the client's response"
    assert not Action.objects.exists()  # read, never copied

    Finding.objects.filter(pk=reported_ncs[2].pk).update(
        statement="Changed by the team.", status="plan_accepted"
    )
    rows = client.get(url).context["sections"][0][1]
    changed = next(row for row in rows if row.reference == reported_ncs[2].reference)
    assert changed.title == "Changed by the team." and changed.status == "Plan accepted"


def test_the_cbs_nonconformities_follow_the_registers_filters(client, world, reported_ncs):
    client.force_login(world.qm_a)
    url, _ = _list(world)

    def shown(**params):
        sections = client.get(url, params).context["sections"]
        return [row.reference for row in sections[0][1]] if sections else None

    assert shown(status="open_any") == [reported_ncs[1].reference, reported_ncs[2].reference]
    assert shown(overdue="on") == [reported_ncs[1].reference]
    assert shown(clause="4") == []
    assert shown(source="cb_audit") == [reported_ncs[n].reference for n in (1, 2, 3)]
    assert shown(source="complaint") is None  # another source: the section is not shown


def test_another_organisation_and_an_unreported_audit_show_no_cb_nonconformity(client, world, reported_ncs):
    client.force_login(world.qm_b)
    url = reverse("improvement:action_list", args=[world.org_b.pk])
    assert list(client.get(url).context["sections"][0][1]) == []
    Audit.objects.filter(pk=reported_ncs[1].audit_id).update(status="in_progress")
    client.force_login(world.qm_a)
    url, _ = _list(world)
    assert list(client.get(url).context["sections"][0][1]) == []


def test_the_filter_form_shows_what_is_chosen_and_only_the_organisations_choices(client, register):
    client.force_login(register.qm_a)
    url, _ = _list(register)
    html = client.get(url, {"status": "open_any", "owner": register.contributor_a.pk}).content.decode()
    assert '<option value="open_any" selected>Open (any)</option>' in html
    assert f'<option value="{register.contributor_a.pk}" selected>Contributor A</option>' in html
    assert "Quality Manager B" not in html and "B headquarters" not in html
