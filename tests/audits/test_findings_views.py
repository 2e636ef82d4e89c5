"""The team's finding pages: who may open them, the form's choices and errors (rules 17, 18, 29),
locking after the report, files, the list's filters, the audit page's panel and query counts."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audits.enums import AuditKind, AuditStatus, FindingType
from audits.models import Audit, Finding
from audits.services import findings as services
from core.transitions import transitions_of
from tests.audits import test_findings_services as given
from tests.audits.conftest import make_edition
from tests.audits.test_findings_services import open_fieldwork, raise_nc

fieldwork = given.fieldwork  # fixtures
integrated_fieldwork = given.integrated_fieldwork
media = given.media

pytestmark = pytest.mark.django_db


def _clause(edition, number="4.1"):
    return edition.clauses.get(number=number)


def _data(world, clause, **changes) -> dict:
    data = {
        "type": "minor",
        "source": "clause",
        "clause": clause.pk if clause else "",
        "requirement_reference": "",
        "site": world.site_a.pk,
        "process": "Dispatch",
        "statement": "Scales are not calibrated.",
        "evidence": "Scale S-12, sticker expired 2026-11-30.",
        "client_position": "",
    }
    return data | changes


def _new(audit) -> str:
    return reverse("audits:finding_new", args=[audit.pk])


def _list(audit) -> str:
    return reverse("audits:finding_list", args=[audit.pk])


def _edit(finding) -> str:
    return reverse("audits:finding_edit", args=[finding.pk])


# --- who may open what


@pytest.mark.parametrize(
    ("persona", "new", "listing"),
    [
        ("auditor", 200, 200),  # the lead
        ("member", 200, 200),  # an auditor on the team
        ("expert", 403, 200),  # a technical expert reads, does not log
        ("other_auditor", 404, 404),  # not on the team: need to know
        ("qm_a", 403, 200),
        ("viewer_a", 403, 200),
        ("cert_manager", 403, 200),
        ("qm_b", 404, 404),
        ("other_cb_manager", 404, 404),
    ],
)
def test_permission_matrix(client, world, fieldwork, qms, persona, new, listing):
    finding = raise_nc(world, fieldwork, _clause(qms))
    user = getattr(fieldwork, persona, None) or getattr(world, persona)
    client.force_login(user)
    assert client.get(_new(fieldwork.audit)).status_code == new
    assert client.get(_edit(finding)).status_code == new
    assert client.get(_list(fieldwork.audit)).status_code == listing
    before = Finding.objects.count()
    assert client.post(_new(fieldwork.audit), _data(world, _clause(qms))).status_code in (new, 302)
    assert Finding.objects.count() == before + (1 if new == 200 else 0)


@pytest.mark.parametrize("name", ["finding_withdraw", "finding_file_add"])
def test_post_only_doors_refuse_readers(client, world, fieldwork, qms, name):
    finding = raise_nc(world, fieldwork, _clause(qms))
    client.force_login(world.qm_a)
    assert client.get(reverse(f"audits:{name}", args=[finding.pk])).status_code == 405
    assert client.post(reverse(f"audits:{name}", args=[finding.pk]), {"reason": "no"}).status_code == 403
    client.force_login(world.other_auditor)
    assert client.post(reverse(f"audits:{name}", args=[finding.pk]), {"reason": "no"}).status_code == 404
    finding.refresh_from_db()
    assert finding.status == "open"


# --- the form: choices


def test_the_clause_picker_offers_the_audited_editions_assessable_clauses_only(
    client, world, integrated_fieldwork
):
    make_edition("ISO 9001", 2008, [("4", "Context", ""), ("4.9", "Old clause", "")])
    client.force_login(world.auditor)
    html = client.get(_new(integrated_fieldwork.audit)).content.decode()
    picker = re.search(r'<select name="clause".*?</select>', html, re.S).group(0)
    assert re.findall(r'<optgroup label="([^"]+)">', picker) == ["ISO 9001:2015", "ISO 14001:2015"]
    assert ">ISO 9001:2015 4.1 Context of the organisation</option>" in picker
    assert ">ISO 14001:2015 6.1 Environmental aspects</option>" in picker
    assert (
        "Old clause" not in picker and ">ISO 9001:2015 4 Context<" not in picker
    )  # chapters are not assessable
    assert 'name="editions"' in html  # an integrated audit asks for the standards


def test_a_single_standard_asks_for_no_standards(client, world, fieldwork):
    client.force_login(world.auditor)
    html = client.get(_new(fieldwork.audit)).content.decode()
    assert 'name="editions"' not in html
    assert "Area of concern" not in html  # a stage 2 audit
    assert "Minor nonconformity" in html and "Opportunity for improvement" in html


def test_a_stage_1_audit_offers_the_area_of_concern(client, world, qms):
    stage1 = open_fieldwork(world, [qms], kind=AuditKind.STAGE1)
    client.force_login(world.auditor)
    assert "Area of concern (stage 1)" in client.get(_new(stage1.audit)).content.decode()


def test_the_sampled_sites_come_first(client, world, fieldwork):
    fieldwork.audit.audit_sites.create(site=fieldwork.warehouse, selection="risk")
    client.force_login(world.auditor)
    html = client.get(_new(fieldwork.audit)).content.decode()
    picker = re.search(r'<select name="site".*?</select>', html, re.S).group(0)
    assert re.findall(r'<optgroup label="([^"]+)">', picker) == [
        "Sampled for this audit",
        "Other sites in scope",
    ]
    assert picker.index("Warehouse, Ghent") < picker.index("A headquarters")


# --- saving, and errors that keep every typed value


def test_a_saved_finding_leads_to_the_list_which_clears_the_draft(client, world, fieldwork, qms):
    client.force_login(world.auditor)
    response = client.post(_new(fieldwork.audit), _data(world, _clause(qms)))
    finding = Finding.objects.get()
    assert response.status_code == 302 and response.url == f"{_list(fieldwork.audit)}#finding-{finding.pk}"
    assert (finding.type, finding.clause, finding.site, finding.process) == (
        "minor",
        _clause(qms),
        world.site_a,
        "Dispatch",
    )
    page = client.get(response.url).content.decode()
    key = f"finding-draft:{world.auditor.pk}:{fieldwork.audit.pk}:new"
    assert f'data-finding-draft-saved="{key}"' in page
    assert f"Finding {finding.reference} was logged." in page
    assert "data-finding-draft-saved" not in client.get(response.url).content.decode()  # once only


def test_save_and_log_another_opens_a_new_form(client, world, fieldwork, qms):
    client.force_login(world.auditor)
    response = client.post(_new(fieldwork.audit), _data(world, _clause(qms), then="another"))
    assert response.url == _new(fieldwork.audit)
    page = client.get(response.url).content.decode()
    assert "data-finding-draft-saved=" in page and 'data-finding-draft="' in page


def test_rule_17_errors_name_each_missing_part_and_keep_what_was_typed(client, world, fieldwork, qms):
    client.force_login(world.auditor)
    data = _data(
        world, None, type="major", evidence="", site="", statement="Scales <uncalibrated> at dispatch"
    )
    response = client.post(_new(fieldwork.audit), data)
    html = response.content.decode()
    assert response.status_code == 200 and not Finding.objects.exists()
    for message in (
        "A nonconformity names the clause it breaks (rule 17).",
        "A nonconformity needs its objective evidence (rule 17).",
        "Say at which site the nonconformity was found (rule 17).",
    ):
        assert escape(message) in html
    assert "Scales &lt;uncalibrated&gt; at dispatch</textarea>" in html
    assert 'value="Dispatch"' in html and re.search(r'value="major"[^>]*checked', html)


def test_a_document_reference_is_required_instead_of_a_clause(client, world, fieldwork):
    client.force_login(world.auditor)
    response = client.post(_new(fieldwork.audit), _data(world, None, source="client_document"))
    assert (
        escape("Give the client's document or the legal requirement (rule 17).") in response.content.decode()
    )
    response = client.post(
        _new(fieldwork.audit), _data(world, None, source="client_document", requirement_reference="P-07 §4")
    )
    assert response.status_code == 302 and Finding.objects.get().requirement_reference == "P-07 §4"


def test_rule_18_a_clause_of_another_edition_is_not_a_choice(client, world, fieldwork, qms):
    old = make_edition("ISO 9001", 2008, [("4", "Context", ""), ("4.1", "General requirements", "")])
    client.force_login(world.auditor)
    response = client.post(_new(fieldwork.audit), _data(world, _clause(old)))
    assert "Choose a clause of the audited standards (rule 18)." in response.content.decode()
    assert not Finding.objects.exists()


def test_rule_29_the_nonconformity_names_a_standard(client, world, integrated_fieldwork, qms, ems):
    client.force_login(world.auditor)
    data = _data(world, None, source="legal", requirement_reference="Waste Decree art. 12")
    response = client.post(_new(integrated_fieldwork.audit), data)
    assert "Rule 29: tick the standard(s) the nonconformity belongs to." in response.content.decode()
    response = client.post(_new(integrated_fieldwork.audit), data | {"editions": [ems.pk]})
    assert response.status_code == 302 and list(Finding.objects.get().editions.all()) == [ems]


def test_a_refusal_of_the_service_shows_on_the_form(client, world, fieldwork, qms):
    Audit.objects.filter(pk=fieldwork.audit.pk).update(status=AuditStatus.REPORT_ISSUED)
    client.force_login(world.auditor)
    page = client.get(_new(fieldwork.audit)).content.decode()
    assert "The report is issued: its findings are locked." in page and 'name="statement"' not in page
    response = client.post(_new(fieldwork.audit), _data(world, _clause(qms)))
    assert "The report is issued: its findings are locked." in response.content.decode()
    assert not Finding.objects.exists()


# --- editing, withdrawing, files


def test_the_edit_form_shows_the_finding_and_saves_a_type_change(client, world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms), type=FindingType.MINOR_NC)
    client.force_login(world.auditor)
    html = client.get(_edit(finding)).content.decode()
    assert "Calibration of the scales is not controlled.</textarea>" in html
    assert f'data-finding-draft="finding-draft:{world.auditor.pk}:{fieldwork.audit.pk}:{finding.pk}"' in html
    response = client.post(_edit(finding), _data(world, _clause(qms), type="major"))
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.type == "major" and finding.close_due_on == fieldwork.audit.ends_on + datetime.timedelta(
        days=90
    )
    assert transitions_of(finding).filter(field="type").exists()


def test_rule_19_on_the_edit_page_after_the_report(client, world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    Audit.objects.filter(pk=fieldwork.audit.pk).update(status=AuditStatus.REPORT_ISSUED)
    client.force_login(world.auditor)
    response = client.post(_edit(finding), _data(world, _clause(qms), type="ofi"))
    assert escape("Rule 19: a nonconformity cannot become an OFI or observation") in response.content.decode()
    finding.refresh_from_db()
    assert finding.type == "major"


def test_withdrawing_needs_a_reason(client, world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    client.force_login(world.auditor)
    url = reverse("audits:finding_withdraw", args=[finding.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Say why the finding is withdrawn." in response.content.decode()
    response = client.post(url, {"reason": "Raised twice"}, follow=True)
    finding.refresh_from_db()
    assert (
        finding.status == "withdrawn"
        and f"Finding {finding.reference} was withdrawn." in response.content.decode()
    )
    assert "This finding was withdrawn" in client.get(_edit(finding)).content.decode()


def test_evidence_files_are_checked_served_and_removed(client, world, fieldwork, qms, media):
    finding = raise_nc(world, fieldwork, _clause(qms))
    client.force_login(world.auditor)
    add = reverse("audits:finding_file_add", args=[finding.pk])
    response = client.post(add, {"file": SimpleUploadedFile("sticker.pdf", b"not a pdf")}, follow=True)
    assert "does not match its type (.pdf)" in response.content.decode() and not finding.files.exists()
    response = client.post(add, {"file": SimpleUploadedFile("photo.exe", b"MZ")}, follow=True)
    assert "Files of this type are not accepted" in response.content.decode()
    client.post(add, {"file": SimpleUploadedFile("sticker.pdf", b"%PDF-1.4 sticker")})
    evidence = finding.files.get()
    client.force_login(world.qm_a)  # the client reads the team's evidence
    download = client.get(reverse("audits:finding_file", args=[finding.pk, evidence.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="sticker.pdf"'
    assert b"".join(download.streaming_content) == b"%PDF-1.4 sticker"
    assert (
        client.post(reverse("audits:finding_file_remove", args=[finding.pk, evidence.pk])).status_code == 403
    )
    client.force_login(world.auditor)
    client.post(reverse("audits:finding_file_remove", args=[finding.pk, evidence.pk]))
    evidence.refresh_from_db()
    assert evidence.removed_at is not None
    assert client.get(reverse("audits:finding_file", args=[finding.pk, evidence.pk])).status_code == 404


# --- the list


def test_the_list_filters_by_type_status_and_site(client, world, fieldwork, qms):
    major = raise_nc(world, fieldwork, _clause(qms))
    minor = raise_nc(world, fieldwork, _clause(qms), type=FindingType.MINOR_NC, site=fieldwork.warehouse)
    services.finding_withdraw(actor=world.auditor, finding=minor, reason="Duplicate")
    client.force_login(world.cert_manager)

    def shown(**params) -> list[str]:
        html = client.get(_list(fieldwork.audit), params).content.decode()
        return re.findall(r'id="finding-(\d+)"', html)

    assert shown() == [str(major.pk), str(minor.pk)]
    assert shown(type="minor") == [str(minor.pk)]
    assert shown(status="open") == [str(major.pk)]
    assert shown(site=fieldwork.warehouse.pk) == [str(minor.pk)]
    html = client.get(_list(fieldwork.audit), {"type": "critical"}).content.decode()
    assert "There is no such type; findings of every type are shown." in html
    assert "Major nonconformity: <strong>1</strong>" in html and "1 withdrawn" in html


def test_the_list_links_to_the_findings_page(client, world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    client.force_login(world.qm_a)
    html = client.get(_list(fieldwork.audit)).content.decode()
    assert f'href="{reverse("audits:finding_detail", args=[finding.pk])}">{finding.name}</a>' in html
    assert "Log a finding" not in html and _edit(finding) not in html


# --- the audit page's panel, and queries that do not grow with the findings


def test_the_audit_page_shows_the_findings_panel(client, world, fieldwork, qms):
    raise_nc(world, fieldwork, _clause(qms))
    raise_nc(world, fieldwork, _clause(qms), type=FindingType.MINOR_NC)
    client.force_login(world.auditor)
    html = client.get(fieldwork.audit.get_absolute_url()).content.decode()
    assert (
        "Major nonconformity: <strong>1</strong>" in html
        and "Minor nonconformity: <strong>1</strong>" in html
    )
    assert _new(fieldwork.audit) in html and _list(fieldwork.audit) in html
    client.force_login(world.qm_a)
    html = client.get(fieldwork.audit.get_absolute_url()).content.decode()
    assert _new(fieldwork.audit) not in html and _list(fieldwork.audit) in html


def _many(world, fieldwork, qms, count: int) -> None:
    """`count` findings at once (the services are tested above; this is about reading them)."""
    last = fieldwork.audit.findings.count()
    findings = Finding.objects.bulk_create(
        Finding(
            audit=fieldwork.audit,
            number=last + n,
            type=FindingType.MINOR_NC,
            status="open",
            clause=_clause(qms),
            site=world.site_a,
            statement=f"Statement {n}",
            evidence="Seen on site.",
            raised_by=world.auditor,
        )
        for n in range(1, count + 1)
    )
    Finding.editions.through.objects.bulk_create(
        Finding.editions.through(finding_id=f.pk, edition_id=qms.pk) for f in findings
    )


@pytest.mark.parametrize("url", ["detail", "list"])
def test_queries_do_not_grow_with_the_findings(
    client, world, fieldwork, qms, url, django_assert_max_num_queries
):
    client.force_login(world.auditor)
    target = fieldwork.audit.get_absolute_url() if url == "detail" else _list(fieldwork.audit)
    raise_nc(world, fieldwork, _clause(qms))
    client.get(target)  # the session settles
    with CaptureQueriesContext(connection) as one:
        assert client.get(target).status_code == 200
    _many(world, fieldwork, qms, 99)
    with django_assert_max_num_queries(len(one)):
        response = client.get(target)
    assert response.status_code == 200 and "Statement 99" in response.content.decode()


def test_an_integrated_list_names_each_findings_standards(client, world, integrated_fieldwork, qms, ems):
    raise_nc(world, integrated_fieldwork, _clause(ems, "6.1"), editions=(qms,))
    client.force_login(world.auditor)
    html = client.get(_list(integrated_fieldwork.audit)).content.decode()
    assert "ISO 14001:2015 6.1 Environmental aspects · A headquarters · Dispatch · " in html
    row = re.search(r'<li class="list-group-item py-3" id="finding-\d+">.*?</li>', html, re.S).group(0)
    assert "ISO 9001:2015, ISO 14001:2015" in row or "ISO 14001:2015, ISO 9001:2015" in row
