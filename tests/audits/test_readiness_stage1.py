"""The CB's side of a shared readiness pack (DOMAIN §13.5, rule 43): the stage 1 audit page lists
the packs the client shares (the audit's standards first), and a stage 1 finding may cite one, shown
on its page and in the audit report, linked only while the viewer may still read the pack."""

import pytest
from django.urls import reverse

from audits.enums import AuditKind, AuditStatus, FindingType
from audits.models import Finding
from audits.selectors.documents import audit_report_sheet
from audits.services import findings as services
from audits.services.findings import FindingContent, FindingError
from improvement.services import readiness as readiness_services
from tests.audits.conftest import isms as isms
from tests.audits.conftest import qms as qms
from tests.audits.test_findings_services import open_fieldwork

pytestmark = pytest.mark.django_db


def _share(world, edition, shared=True, suffix="a"):
    return readiness_services.readiness_share(
        actor=getattr(world, f"qm_{suffix}"),
        organisation=getattr(world, f"org_{suffix}"),
        edition=edition,
        shared=shared,
    )


@pytest.fixture
def stage1(world, qms):
    return open_fieldwork(world, [qms], kind=AuditKind.STAGE1)


def _audit_page(client, user, audit) -> str:
    client.force_login(user)
    return client.get(reverse("audits:audit_detail", args=[audit.pk])).content.decode()


def test_the_stage1_page_lists_the_shared_packs_audited_edition_first(client, world, stage1, qms, isms):
    other = _share(world, isms)
    audited = _share(world, qms)
    page = _audit_page(client, world.auditor, stage1.audit)
    assert "Readiness packs shared by the client" in page
    first, second = (
        page.index(reverse("improvement:readiness_pack", args=[audited.pk])),
        page.index(reverse("improvement:readiness_pack", args=[other.pk])),
    )
    assert first < second
    assert reverse("improvement:readiness_pack_pdf", args=[other.pk]) in page


def test_the_stage1_page_says_when_nothing_is_shared(client, world, stage1, qms):
    _share(world, qms, shared=False)  # a row exists, not shared
    page = _audit_page(client, world.auditor, stage1.audit)
    assert "The client has shared no readiness pack" in page
    assert "/readiness-packs/" not in page


def test_the_panel_is_on_stage1_only(client, world, qms):
    fieldwork = open_fieldwork(world, [qms], kind=AuditKind.STAGE2)
    _share(world, qms)
    assert "Readiness packs shared by the client" not in _audit_page(client, world.auditor, fieldwork.audit)


def _concern(world, **changes) -> FindingContent:
    return FindingContent(
        type=FindingType.AREA_OF_CONCERN, statement="The scope leaves out the archive.", **changes
    )


def test_a_stage1_finding_cites_a_shared_pack(client, world, stage1, isms):
    pack = _share(world, isms)
    finding = services.finding_raise(
        actor=world.auditor, audit=stage1.audit, content=_concern(world, readiness_pack=pack)
    )
    assert finding.readiness_pack == pack
    client.force_login(world.auditor)
    page = client.get(reverse("audits:finding_detail", args=[finding.pk])).content.decode()
    assert "Cites the readiness pack for ISO/IEC 27001:2022 (shared on" in page
    assert reverse("improvement:readiness_pack", args=[pack.pk]) in page


def test_the_citation_is_no_longer_linked_once_unshared(client, world, stage1, isms):
    pack = _share(world, isms)
    finding = services.finding_raise(
        actor=world.auditor, audit=stage1.audit, content=_concern(world, readiness_pack=pack)
    )
    _share(world, isms, shared=False)
    client.force_login(world.auditor)
    page = client.get(reverse("audits:finding_detail", args=[finding.pk])).content.decode()
    assert "Cites the readiness pack for ISO/IEC 27001:2022 (no longer shared)" in page
    assert reverse("improvement:readiness_pack", args=[pack.pk]) not in page
    # the finding can still be changed: the citation made while shared stays
    updated = services.finding_update(
        actor=world.auditor, finding=finding, content=_concern(world, readiness_pack=pack, process="Archive")
    )
    assert updated.readiness_pack == pack


def test_citing_an_unshared_pack_is_refused(world, stage1, isms):
    pack = _share(world, isms, shared=False)
    with pytest.raises(FindingError, match="not shared"):
        services.finding_raise(
            actor=world.auditor, audit=stage1.audit, content=_concern(world, readiness_pack=pack)
        )
    assert not Finding.objects.exists()


def test_citing_another_organisations_pack_is_refused(world, stage1, isms):
    pack = _share(world, isms, suffix="b")
    with pytest.raises(FindingError, match="another client"):
        services.finding_raise(
            actor=world.auditor, audit=stage1.audit, content=_concern(world, readiness_pack=pack)
        )


def test_a_pack_is_cited_at_stage1_only(world, isms, qms):
    fieldwork = open_fieldwork(world, [qms], kind=AuditKind.STAGE2)
    pack = _share(world, isms)
    content = FindingContent(type=FindingType.OBSERVATION, statement="Noted.", readiness_pack=pack)
    with pytest.raises(FindingError, match="stage 1"):
        services.finding_raise(actor=world.auditor, audit=fieldwork.audit, content=content)


def test_the_finding_form_offers_the_shared_packs_and_refuses_others(client, world, stage1, isms):
    pack = _share(world, isms)
    foreign = _share(world, isms, suffix="b")
    client.force_login(world.auditor)
    url = reverse("audits:finding_new", args=[stage1.audit.pk])
    form = client.get(url).content.decode()
    assert "Readiness pack for ISO/IEC 27001:2022 (shared on" in form
    data = {
        "type": "concern",
        "source": "clause",
        "statement": "Scope unclear.",
        "readiness_pack": foreign.pk,
    }
    response = client.post(url, data)
    assert (
        response.status_code == 200
        and "Choose a readiness pack this client shares" in response.content.decode()
    )
    assert not Finding.objects.exists()
    client.post(url, {**data, "readiness_pack": pack.pk})
    assert Finding.objects.get().readiness_pack == pack


def test_the_finding_form_has_no_pack_field_outside_stage1(client, world, qms):
    fieldwork = open_fieldwork(world, [qms], kind=AuditKind.STAGE2)
    client.force_login(world.auditor)
    assert (
        'name="readiness_pack"'
        not in client.get(reverse("audits:finding_new", args=[fieldwork.audit.pk])).content.decode()
    )


def test_the_audit_report_shows_the_citation(world, stage1, isms):
    pack = _share(world, isms)
    services.finding_raise(
        actor=world.auditor, audit=stage1.audit, content=_concern(world, readiness_pack=pack)
    )
    from django.template.loader import render_to_string

    sheet = audit_report_sheet(stage1.audit)
    html = render_to_string(
        "audits/pdf/_findings_table.html", {"findings": sheet.findings + sheet.concerns, "sheet": sheet}
    )
    assert "Cites the readiness pack for ISO/IEC 27001:2022 (shared on" in html


def test_the_stage1_page_query_count_does_not_grow_with_the_packs(
    client, world, stage1, qms, isms, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _share(world, qms)
    client.force_login(world.auditor)
    url = reverse("audits:audit_detail", args=[stage1.audit.pk])
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    _share(world, isms)
    with django_assert_max_num_queries(len(context.captured_queries)):
        client.get(url)


def test_a_closed_stage1_still_shows_the_panel(client, world, stage1, qms):
    from audits.models import Audit

    Audit.objects.filter(pk=stage1.audit.pk).update(status=AuditStatus.CLOSED)
    _share(world, qms)
    assert "Readiness pack for ISO 9001:2015" in _audit_page(client, world.cert_manager, stage1.audit)
