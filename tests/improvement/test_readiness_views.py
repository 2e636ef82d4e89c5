"""The readiness pages (DOMAIN §13.5, rule 43): the task lists for the organisation's members, the
scope and the sharing for its quality manager, the pack and its PDF for the CB serving it only
while it is shared (404 at once after), and never the task-list pages for any CB."""

import datetime
import hashlib

import pytest
from django.urls import reverse

from core.models import Document, DocumentStatus
from core.transitions import transitions_of
from improvement.documents import READINESS_PACK
from improvement.models import Readiness
from improvement.selectors import readiness as selectors
from improvement.services import readiness as services
from tests.audits.conftest import isms as isms
from tests.audits.conftest import qms as qms
from tests.core.test_pdf import pdf_text
from tests.improvement import readiness_world as given

pytestmark = pytest.mark.django_db


def _share(world, edition, shared=True) -> Readiness:
    return services.readiness_share(
        actor=world.qm_a, organisation=world.org_a, edition=edition, shared=shared
    )


def _pages(world, edition) -> dict[str, str]:
    return {
        "readiness": reverse("improvement:readiness", args=[world.org_a.pk]),
        "detail": reverse("improvement:readiness_detail", args=[world.org_a.pk, edition.pk]),
    }


def test_the_readiness_tab_shows_each_edition_with_its_lines_and_links(client, world, qms):
    given.all_done(world, qms)
    client.force_login(world.viewer_a)
    page = client.get(reverse("improvement:readiness", args=[world.org_a.pk])).content.decode()
    assert "ISO 9001:2015" in page and "5 of 5 done" in page
    assert 'aria-current="page" href="/organisations/' in page or 'aria-current="page"' in page
    assert reverse("improvement:readiness_scope", args=[world.org_a.pk, qms.pk]) in page


def test_the_readiness_tab_comes_right_after_members(client, world, qms):
    client.force_login(world.qm_a)
    page = client.get(reverse("improvement:readiness", args=[world.org_a.pk])).content.decode()
    members = page.index(reverse("organisations:members", args=[world.org_a.pk]))
    readiness = page.index(reverse("improvement:readiness", args=[world.org_a.pk]))
    assert members < readiness < page.index(reverse("improvement:gap_list", args=[world.org_a.pk]))


def test_the_detail_shows_the_scope_and_the_share_button_to_the_quality_manager_only(client, world, qms):
    given.scope_done(world, qms)
    url = _pages(world, qms)["detail"]
    client.force_login(world.qm_a)
    page = client.get(url).content.decode()
    assert "All public services" in page and "A headquarters" in page and "Licensing a" in page
    assert "Share with the certification body" in page
    client.force_login(world.viewer_a)
    assert "Share with the certification body" not in client.get(url).content.decode()


@pytest.mark.parametrize(
    "persona", ["auditor", "cert_manager", "other_cb_manager", "qm_b", "staff", "nobody"]
)
def test_no_cb_nor_outsider_reads_the_task_list_pages_even_when_shared(client, world, qms, persona):
    _share(world, qms)
    client.force_login(getattr(world, persona))
    for url in _pages(world, qms).values():
        assert client.get(url).status_code == 404


def test_the_scope_form_creates_the_row_once_however_often_it_is_sent(client, world, qms):
    client.force_login(world.qm_a)
    url = reverse("improvement:readiness_scope", args=[world.org_a.pk, qms.pk])
    data = {"scope": "Licensing and permits", "sites": [world.site_a.pk]}
    responses = [client.post(url, data) for _ in range(3)]
    assert all(r.status_code == 302 for r in responses)
    row = Readiness.objects.get()
    assert row.scope == "Licensing and permits" and list(row.sites.all()) == [world.site_a]
    assert transitions_of(row).count() == 1  # the same values again change nothing


def test_the_scope_form_refuses_another_organisations_site_and_changes_nothing(client, world, qms):
    client.force_login(world.qm_a)
    url = reverse("improvement:readiness_scope", args=[world.org_a.pk, qms.pk])
    response = client.post(url, {"scope": "All", "sites": [world.site_b.pk]})
    assert response.status_code == 200 and not Readiness.objects.exists()


@pytest.mark.parametrize("persona", ["contributor_a", "viewer_a"])
def test_only_the_quality_manager_writes_the_scope_and_shares(client, world, qms, persona):
    client.force_login(getattr(world, persona))
    scope = reverse("improvement:readiness_scope", args=[world.org_a.pk, qms.pk])
    share = reverse("improvement:readiness_share", args=[world.org_a.pk, qms.pk])
    assert client.get(scope).status_code == 403
    assert client.post(scope, {"scope": "All"}).status_code == 403
    assert client.post(share, {"shared": "1"}).status_code == 403
    assert not Readiness.objects.exists()


def test_a_guidance_edition_has_no_readiness(client, world):
    from tests import factories

    guidance = factories.EditionFactory(standard__code="ISO 19011", certifiable=False)
    client.force_login(world.qm_a)
    assert client.get(_pages(world, guidance)["detail"]).status_code == 404


def test_sharing_is_recorded_and_the_cb_reads_the_pack_until_unshared(client, world, qms):
    client.force_login(world.qm_a)
    share = reverse("improvement:readiness_share", args=[world.org_a.pk, qms.pk])
    client.post(share, {"shared": "1"})
    row = Readiness.objects.get()
    assert row.shared_with_cb and row.shared_by == world.qm_a and row.shared_at
    pack = reverse("improvement:readiness_pack", args=[row.pk])
    client.force_login(world.auditor)
    page = client.get(pack)
    assert page.status_code == 200 and "Readiness pack: ISO 9001:2015" in page.content.decode()
    client.force_login(world.qm_a)
    client.post(share, {"shared": "0"})
    client.force_login(world.auditor)
    assert client.get(pack).status_code == 404  # at once
    assert client.get(reverse("improvement:readiness_pack_pdf", args=[row.pk])).status_code == 404
    assert [(t.from_state, t.to_state) for t in transitions_of(row).order_by("pk")] == [
        ("False", "True"),
        ("True", "False"),
    ]


def test_a_bad_share_value_changes_nothing(client, world, qms):
    client.force_login(world.qm_a)
    response = client.post(
        reverse("improvement:readiness_share", args=[world.org_a.pk, qms.pk]), {"shared": "x"}
    )
    assert response.status_code == 302 and not Readiness.objects.exists()


@pytest.mark.parametrize("persona", ["other_cb_manager", "qm_b", "staff", "nobody"])
def test_another_cb_never_reads_a_shared_pack(client, world, qms, persona):
    row = _share(world, qms)
    client.force_login(getattr(world, persona))
    assert client.get(reverse("improvement:readiness_pack", args=[row.pk])).status_code == 404
    assert client.get(reverse("improvement:readiness_pack_pdf", args=[row.pk])).status_code == 404


def test_the_pack_shows_the_records_behind_the_lines(client, world, qms):
    given.all_done(world, qms)
    row = _share(world, qms)
    client.force_login(world.cert_manager)
    page = client.get(reverse("improvement:readiness_pack", args=[row.pk])).content.decode()
    for expected in (
        "All public services",
        "Review ISO 9001:2015",
        "100.0 %",
        "Programme 2026 a",
        "4 of 4 clauses covered",
        "IA-1-F1",
        "Record written",
        "Checklist added to the procedure",
        "MR-1",
    ):
        assert expected in page, expected
    # read-only: no link to the client's own pages, which the CB may not open
    assert reverse("improvement:readiness_scope", args=[world.org_a.pk, qms.pk]) not in page


def test_the_pack_of_27001_shows_its_approved_soa(client, world, isms):
    soa = given.soa_of(world, isms, approved=True)
    row = _share(world, isms)
    client.force_login(world.auditor)
    page = client.get(reverse("improvement:readiness_pack", args=[row.pk])).content.decode()
    assert str(soa.label) in page and "0 controls" in page


def test_the_pack_renders_as_pdf_for_the_cb_while_shared(
    client, world, qms, django_capture_on_commit_callbacks
):
    given.all_done(world, qms)
    row = _share(world, qms)
    client.force_login(world.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:subject", args=[READINESS_PACK, row.pk]))
    document = Document.objects.get(kind=READINESS_PACK, object_id=row.pk)
    assert document.status == DocumentStatus.READY, document.error
    pdf = b"".join(client.get(reverse("documents:download", args=[document.pk])).streaming_content)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == document.sha256
    text = pdf_text(pdf)
    for expected in ("Readiness pack", "Organisation A", "All public services", "IA-1-F1", "MR-1"):
        assert expected in text, expected
    assert client.get(reverse("improvement:readiness_pack_pdf", args=[row.pk])).status_code == 200


def test_the_pack_version_changes_when_its_content_does(world, qms):
    row = given.scope_done(world, qms)
    before = selectors.pack_version(row)
    assert selectors.pack_version(row) == before
    given.gap_done(world, qms)
    assert selectors.pack_version(row) != before


def _page_queries(client, django_assert_max_num_queries, url, limit):
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_the_pages_query_count_does_not_grow_with_the_records(
    client, world, qms, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    programme = given.all_done(world, qms)
    row = _share(world, qms)
    client.force_login(world.qm_a)
    urls = [*_pages(world, qms).values(), reverse("improvement:readiness_pack", args=[row.pk])]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as context:
            client.get(url)
        counts.append(len(context.captured_queries))
    clauses = list(qms.clauses.filter(assessable=True))
    for _ in range(3):
        _audit, finding = given.completed_audit(world, programme, clauses, nonconformity=True)
        given.address(world, finding)
    for url, count in zip(urls, counts, strict=True):
        _page_queries(client, django_assert_max_num_queries, url, count)


def test_the_summary_says_how_far_each_edition_is(client, world, qms, isms):
    given.all_done(world, qms)
    given.soa_of(world, isms, approved=False)
    summaries = selectors.summaries_for(world.viewer_a)
    assert [(s.label, s.done, s.total, s.state) for s in summaries] == [
        ("ISO 9001:2015", 5, 5, "done"),
        ("ISO/IEC 27001:2022", 0, 6, "in_progress"),
    ]
    assert summaries[0].url == _pages(world, qms)["detail"]
    assert selectors.summaries_for(world.auditor) == [] and selectors.summaries_for(world.qm_b) == []


def test_the_summary_template_renders_a_card_per_edition(world, qms, rf):
    from django.template.loader import render_to_string

    given.all_done(world, qms)
    html = render_to_string(
        "improvement/readiness/_summary.html", {"summaries": selectors.summaries_for(world.qm_a)}
    )
    assert "ISO 9001:2015" in html and "5 of 5 done" in html and _pages(world, qms)["detail"] in html
    assert render_to_string("improvement/readiness/_summary.html", {"summaries": []}).strip() == ""


def test_the_summary_query_count_does_not_grow_with_the_records(world, qms, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    programme = given.all_done(world, qms)
    with CaptureQueriesContext(connection) as context:
        selectors.summaries_for(world.qm_a)
    clauses = list(qms.clauses.filter(assessable=True))
    for _ in range(3):
        given.completed_audit(world, programme, clauses, nonconformity=True)
        given.review_of(world, qms, held_on=datetime.date(2026, 12, 1))
    with django_assert_max_num_queries(len(context.captured_queries)):
        selectors.summaries_for(world.qm_a)
