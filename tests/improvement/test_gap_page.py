"""The analysis page: compact rows, one editor loaded in place, filters, the next unanswered clause,
what a shared answer counts for, and the queries it runs whatever its size."""

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from improvement.enums import AnswerStatus
from improvement.gap_rules import NA_NEEDS_JUSTIFICATION
from improvement.models import EvidenceFile
from improvement.services import gap as services
from tests.audits.conftest import make_edition

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _answer(analysis, number="", hs_key=""):
    query = analysis.answers.filter(hs_key=hs_key)
    return query.get(clause__number=number) if number else query.get()


def _edit_url(answer):
    return reverse("improvement:gap_answer_edit", args=[answer.analysis_id, answer.pk])


def _save_url(answer):
    return reverse("improvement:gap_answer", args=[answer.analysis_id, answer.pk])


def _next_url(analysis, **query):
    url = reverse("improvement:gap_next_unanswered", args=[analysis.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _post_data(answer, **values):
    data = {"status": "not_assessed", "justification": "", "notes": ""}
    data.update(values)
    return {f"a{answer.pk}-{key}": value for key, value in data.items()}


def _row_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="answer[^"]*" id="answer-(\d+)"', page)]


# --- the page: compact rows


def test_page_lists_compact_rows_with_status_summary_and_evidence_count(client, world, analysis):
    answer = _answer(analysis, "4.2")
    services.gap_answer_save(
        actor=world.qm_a,
        answer=answer,
        status=AnswerStatus.PARTIAL,
        notes="Register of interested parties, version 2",
    )
    action = services.gap_answer_action_raise(
        actor=world.qm_a, answer=answer, title="Survey residents", owner=world.contributor_a
    )
    for name in ("a.txt", "b.txt"):
        services.gap_evidence_add(actor=world.qm_a, answer=answer, upload=SimpleUploadedFile(name, b"e"))
    client.force_login(world.qm_a)
    page = client.get(analysis.get_absolute_url()).content.decode()
    row = re.search(rf'<article class="answer" id="answer-{answer.pk}".*?</article>', page).group()
    assert '<span class="status status-partial">Partially conforming</span>' in row
    assert "Register of interested parties, version 2" in row
    assert f"Action {action.reference}: Survey residents (Open) — Contributor A" in row
    assert "2 evidence files" in row and "<form" not in row and "<textarea" not in page
    assert _row_ids(page) == list(analysis.answers.order_by("clause__position").values_list("pk", flat=True))


def test_long_notes_are_cut_in_the_row_and_whole_in_the_editor(client, world, analysis):
    answer = _answer(analysis, "4.1")
    notes = "Evidence " * 40
    services.gap_answer_save(actor=world.qm_a, answer=answer, status=AnswerStatus.CONFORMING, notes=notes)
    client.force_login(world.qm_a)
    page = client.get(analysis.get_absolute_url()).content.decode()
    editor = client.get(_edit_url(answer), **HX).content.decode()
    assert notes.strip()[:150] in page and notes.strip() not in page and "…" in page
    assert notes in editor


def test_row_text_is_escaped(client, world, analysis):
    answer = _answer(analysis, "4.1")
    services.gap_answer_save(
        actor=world.qm_a, answer=answer, status=AnswerStatus.CONFORMING, notes='<script>alert("x")</script>'
    )
    client.force_login(world.qm_a)
    page = client.get(analysis.get_absolute_url()).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_reader_gets_details_link_and_no_editor(client, world, analysis):
    answer = _answer(analysis, "4.1")
    client.force_login(world.viewer_a)
    page = client.get(analysis.get_absolute_url()).content.decode()
    details = client.get(_edit_url(answer)).content.decode()
    assert f'<a class="answer-open" href="{_edit_url(answer)}">Details' in page and "hx-get" not in page
    assert "Next unanswered clause" not in page
    assert (
        "Context of the organisation" in details
        and '<form method="post" action="' + _save_url(answer) not in details
    )


# --- the editor, in place and on its own page


def test_edit_in_place_returns_the_editor_partial(client, world, analysis):
    answer = _answer(analysis, "4.1")
    client.force_login(world.contributor_a)
    response = client.get(_edit_url(answer), **HX)
    editor = response.content.decode()
    assert not editor.startswith("<!doctype") and "HX-Request" in response["Vary"]
    assert f'<article class="answer answer-open-editor" id="answer-{answer.pk}"' in editor
    assert f'hx-post="{_save_url(answer)}" hx-target="#answer-{answer.pk}"' in editor
    assert "data-focus-here" in editor  # the script moves focus to the editor's heading


def test_edit_without_javascript_is_the_answers_own_page(client, world, analysis):
    answer = _answer(analysis, "4.1")
    client.force_login(world.contributor_a)
    page = client.get(_edit_url(answer)).content.decode()
    assert page.startswith("<!doctype html>") and "hx-post" not in page and "hx-get" not in page
    assert f'<form method="post" action="{_save_url(answer)}"' in page
    assert f'href="{analysis.get_absolute_url()}#answer-{answer.pk}"' in page


def test_save_in_place_swaps_the_compact_row_readiness_and_announces(client, world, integrated):
    answer = _answer(integrated, hs_key="HS-9.2")
    client.force_login(world.qm_a)
    response = client.post(
        _save_url(answer),
        _post_data(answer, status="conforming"),
        **HX,
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<form" not in page.split("</article>")[0]
    assert f'id="answer-{answer.pk}-title" tabindex="-1" data-focus-here' in page
    assert (
        '<section id="readiness"' in page
        and 'id="open-actions" aria-labelledby="actions-heading" hx-swap-oob="true"' in page
    )
    assert '<div id="gap-announcer" hx-swap-oob="innerHTML">Clause HS-9.2 saved: Conforming.</div>' in page
    # the chapter scores it counts in, in both editions, are swapped too
    scores = re.findall(
        r'<span class="chapter-score" id="score-\d+-\d+" hx-swap-oob="true">([^<]+)</span>', page
    )
    assert scores == ["100.0 %", "100.0 %"]


def test_refused_save_in_place_keeps_the_editor_with_errors_focused(client, world, analysis):
    answer = _answer(analysis, "8.3")
    client.force_login(world.qm_a)
    page = client.post(_save_url(answer), _post_data(answer, status="not_applicable"), **HX).content.decode()
    assert str(NA_NEEDS_JUSTIFICATION) in page
    assert f'id="answer-{answer.pk}-errors" tabindex="-1" data-focus-here' in page
    assert (
        f'aria-describedby="id_a{answer.pk}-justification_helptext id_a{answer.pk}-justification_error"'
        in page
    )
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.NOT_ASSESSED


def test_closing_the_editor_returns_the_compact_row(client, world, analysis):
    answer = _answer(analysis, "4.1")
    client.force_login(world.qm_a)
    page = client.get(
        reverse("improvement:gap_answer_row", args=[analysis.pk, answer.pk]), **HX
    ).content.decode()
    assert page.startswith(f'<article class="answer" id="answer-{answer.pk}"') and "data-focus-here" in page
    assert "readiness" not in page


def test_form_does_not_touch_the_answer_before_the_service_refuses(client, world, analysis):
    """The form validates a copy (core.forms.edit_form): a refused save leaves the record as it was."""
    answer = _answer(analysis, "4.1")
    services.gap_answer_save(actor=world.qm_a, answer=answer, status=AnswerStatus.CONFORMING, notes="Kept")
    services.gap_analysis_complete(actor=world.qm_a, analysis=analysis)
    client.force_login(world.qm_a)
    response = client.post(_save_url(answer), _post_data(answer, status="nonconforming", notes="Lost"))
    answer.refresh_from_db()
    assert "completed and can no longer change" in response.content.decode()
    assert (answer.status, answer.notes) == (AnswerStatus.CONFORMING, "Kept")


def test_every_aria_describedby_of_the_editor_points_at_rendered_text(client, world, analysis):
    answer = _answer(analysis, "8.3")
    client.force_login(world.qm_a)
    for page in (
        client.get(_edit_url(answer)).content.decode(),
        client.post(_save_url(answer), _post_data(answer, status="not_applicable"), **HX).content.decode(),
    ):
        ids = {i for refs in re.findall(r'aria-describedby="([^"]+)"', page) for i in refs.split()}
        assert ids and all(re.search(rf'id="{i}"[^>]*>[^<]+', page) for i in ids), ids


# --- evidence in the editor


def test_evidence_upload_in_place_returns_the_evidence_list(client, world, analysis):
    answer = _answer(analysis, "4.1")
    client.force_login(world.contributor_a)
    url = reverse("improvement:gap_evidence_upload", args=[analysis.pk, answer.pk])
    name = "Register_of_interested_parties_" + "x" * 120 + ".pdf"
    page = client.post(url, {"file": SimpleUploadedFile(name, b"%PDF-1.7\n")}, **HX).content.decode()
    assert page.startswith(f'<section class="evidence" id="evidence-{answer.pk}"')
    assert '<a class="evidence-name" href="' in page and name in page and "attached to clause 4.1" in page
    assert EvidenceFile.objects.get().answer == answer


def test_evidence_upload_without_javascript_returns_to_the_answers_page(client, world, analysis):
    answer = _answer(analysis, "4.1")
    client.force_login(world.contributor_a)
    url = reverse("improvement:gap_evidence_upload", args=[analysis.pk, answer.pk])
    response = client.post(url, {"file": SimpleUploadedFile("e.txt", b"evidence")})
    assert response.url == f"{_edit_url(answer)}#evidence-{answer.pk}"


def test_refused_evidence_in_place_says_why_and_adds_nothing(client, world, analysis):
    answer = _answer(analysis, "4.1")
    client.force_login(world.qm_a)
    url = reverse("improvement:gap_evidence_upload", args=[analysis.pk, answer.pk])
    page = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ")}, **HX).content.decode()
    assert "Files of this type are not accepted" in page and not EvidenceFile.objects.exists()


# --- filters


@pytest.fixture
def answered(world, analysis):
    """4.1 conforming, 4.2 partial with an open action, 8.3 not conforming, 9.2 not assessed."""
    for number, status, action in (
        ("4.1", AnswerStatus.CONFORMING, ""),
        ("4.2", AnswerStatus.PARTIAL, "Survey residents"),
        ("8.3", AnswerStatus.NONCONFORMING, ""),
    ):
        answer = _answer(analysis, number)
        services.gap_answer_save(actor=world.qm_a, answer=answer, status=status)
        if action:
            services.gap_answer_action_raise(actor=world.qm_a, answer=answer, title=action, owner=world.qm_a)
    return analysis


@pytest.mark.parametrize(
    ("show", "numbers"),
    [
        ("", ["4.1", "4.2", "8.3", "9.2"]),
        ("all", ["4.1", "4.2", "8.3", "9.2"]),
        ("unanswered", ["9.2"]),
        ("gaps", ["4.2", "8.3"]),
        ("open_actions", ["4.2"]),
    ],
)
def test_filter_lists_the_answers_asked_for(client, world, answered, show, numbers):
    client.force_login(world.viewer_a)
    page = client.get(answered.get_absolute_url(), {"show": show} if show else {}).content.decode()
    shown = [answered.answers.get(pk=pk).clause.number for pk in _row_ids(page)]
    assert shown == numbers
    assert "Readiness" in page and "1 of 4 clauses answered" not in page  # readiness counts every answer
    assert "3 of 4 clauses answered (75 %)" in page


def test_filter_links_show_counts_and_the_current_one(client, world, answered):
    client.force_login(world.qm_a)
    page = client.get(answered.get_absolute_url(), {"show": "gaps"}).content.decode()
    current = '<a href="?show=gaps" aria-current="page">Not conforming or partial'
    assert current + ' <span class="gap-filter-count">2</span></a>' in page
    assert 'Not yet assessed <span class="gap-filter-count">1</span>' in page
    assert f'hx-get="{_edit_url(_answer(answered, "4.2"))}?show=gaps"' in page


def test_unknown_filter_shows_everything_and_says_so(client, world, answered):
    client.force_login(world.qm_a)
    page = client.get(answered.get_absolute_url(), {"show": "everything"}).content.decode()
    assert "There is no such filter; all clauses are shown." in page and len(_row_ids(page)) == 4


def test_filter_with_no_match_says_so(client, world, analysis):
    client.force_login(world.qm_a)
    page = client.get(analysis.get_absolute_url(), {"show": "gaps"}).content.decode()
    assert "No clause matches this filter." in page and _row_ids(page) == []


# --- next unanswered clause


def test_next_unanswered_steps_after_the_current_one_and_wraps(client, world, analysis):
    first, second, third, fourth = analysis.answers.order_by("clause__position")
    services.gap_answer_save(actor=world.qm_a, answer=second, status=AnswerStatus.CONFORMING)
    client.force_login(world.qm_a)

    def opened(**query):
        return client.get(_next_url(analysis, **query)).context["row"].answer

    assert opened() == first
    assert opened(after=first.pk) == third  # 4.2 is answered: skipped
    assert opened(after=third.pk) == fourth
    assert opened(after=fourth.pk) == first  # round to the top
    assert opened(after=999999) == first  # an unknown answer: from the top


def test_next_unanswered_without_javascript_is_that_answers_page(client, world, analysis):
    first = analysis.answers.order_by("clause__position").first()
    client.force_login(world.qm_a)
    page = client.get(_next_url(analysis)).content.decode()
    assert page.startswith("<!doctype html>") and f'action="{_save_url(first)}"' in page
    assert f"after={first.pk}" in page  # and a link to the one after it


def test_next_unanswered_in_place_closes_the_current_row_and_opens_the_next(client, world, analysis):
    first, second, *_ = analysis.answers.order_by("clause__position")
    client.force_login(world.qm_a)
    page = client.get(_next_url(analysis, after=first.pk), **HX).content.decode()
    assert page.startswith(f'<article class="answer" id="answer-{first.pk}"')
    opened = re.search(rf'<article class="answer answer-open-editor" id="answer-{second.pk}"[^>]*>', page)
    assert opened and 'hx-swap-oob="true"' in opened.group()
    assert 'id="gap-announcer" hx-swap-oob="innerHTML">Next clause not yet assessed: 4.2.' in page


def test_next_unanswered_hidden_by_the_filter_opens_its_own_page(client, world, answered):
    client.force_login(world.qm_a)
    response = client.get(_next_url(answered, show="gaps"), **HX)
    assert response["HX-Redirect"] == _edit_url(_answer(answered, "9.2"))


def test_next_unanswered_when_all_are_answered_says_so(client, world, answered):
    last = _answer(answered, "9.2")
    services.gap_answer_save(actor=world.qm_a, answer=last, status=AnswerStatus.CONFORMING)
    client.force_login(world.qm_a)
    response = client.get(_next_url(answered, after=last.pk), follow=True)
    assert response.redirect_chain[-1][0] == f"{answered.get_absolute_url()}#answer-{last.pk}"
    assert "Every other clause has an answer." in response.content.decode()


def test_saved_row_offers_the_next_unanswered_clause(client, world, analysis):
    answer = _answer(analysis, "4.1")
    client.force_login(world.qm_a)
    page = client.post(_save_url(answer), _post_data(answer, status="conforming"), **HX).content.decode()
    assert f'hx-get="{_next_url(analysis, after=answer.pk)}" hx-target="#answer-{answer.pk}"' in page


# --- what a shared answer counts for


def test_shared_answer_lists_the_clause_of_each_edition(client, world, integrated):
    client.force_login(world.qm_a)
    page = client.get(integrated.get_absolute_url()).content.decode()
    assert page.count('<p class="answer-counts">Counts for ISO 9001:2015 4.1 · ISO 14001:2015 4.1</p>') == 1
    assert "Counts for ISO 9001:2015 8.3" not in page  # an edition's own clause counts for it alone


def test_counts_for_follows_the_catalogue(client, world):
    """The real catalogue: leadership is 5.1.1 in ISO 9001 and 5.1 in the others."""
    from standards.models import Edition
    from standards.services import catalogue_load

    catalogue_load()
    editions = [
        Edition.objects.get(standard__code=code, year=year)
        for code, year in (("ISO 9001", 2015), ("ISO 14001", 2015), ("ISO 45001", 2018))
    ]
    analysis = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="IMS", editions=editions, sites=[]
    )
    client.force_login(world.qm_a)
    page = client.get(analysis.get_absolute_url()).content.decode()
    assert "Counts for ISO 9001:2015 5.1.1 · ISO 14001:2015 5.1 · ISO 45001:2018 5.1" in page


# --- status badges, CSV, share, complete


def test_each_status_has_a_visible_style(settings):
    css = (settings.BASE_DIR / "static/css/app.css").read_text()
    for status in AnswerStatus:
        rule = re.search(rf"\.status-{status.value} \{{([^}}]+)\}}", css)
        assert rule and "color:" in rule.group(1) and "background:" in rule.group(1), status


def test_csv_opens_in_excel_with_accents_and_without_formulas(client, world, analysis):
    world.qm_a.full_name = "Zoë Ångström"
    world.qm_a.save(update_fields=["full_name"])
    answer = _answer(analysis, "4.1")
    services.gap_answer_save(
        actor=world.qm_a, answer=answer, status=AnswerStatus.PARTIAL, notes="+cmd|' /C calc'!A0"
    )
    first = services.gap_answer_action_raise(
        actor=world.qm_a, answer=answer, title="Procédure révisée", owner=world.qm_a
    )
    second = services.gap_answer_action_raise(
        actor=world.qm_a, answer=answer, title="Train Zoë", owner=world.qm_a
    )
    client.force_login(world.viewer_a)
    response = client.get(reverse("improvement:gap_csv", args=[analysis.pk]))
    assert (
        response.content.startswith("\ufeff".encode())
        and response["Content-Type"] == "text/csv; charset=utf-8"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(r for r in rows if r[1] == "4.1")
    actions = f"{first.reference} Procédure révisée (Open); {second.reference} Train Zoë (Open)"
    assert (rows[0][7], row[6], row[7], row[8]) == ("actions", "'+cmd|' /C calc'!A0", actions, "Zoë Ångström")
    assert rows[0][-1] == "counts for"


def test_csv_lists_what_a_shared_answer_counts_for(client, world, integrated):
    client.force_login(world.qm_a)
    content = client.get(reverse("improvement:gap_csv", args=[integrated.pk])).content.decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(content)) if r[3] == "HS-9.2")
    assert row[-1] == "ISO 9001:2015 9.2 · ISO 14001:2015 9.2"


@pytest.mark.parametrize("data", [{}, {"shared": "maybe"}])
def test_share_with_a_bad_post_changes_nothing_and_says_why(client, world, analysis, data):
    client.force_login(world.qm_a)
    response = client.post(reverse("improvement:gap_share", args=[analysis.pk]), data, follow=True)
    analysis.refresh_from_db()
    assert analysis.shared_with_cb is False
    assert "Say whether to share the analysis with the certification body." in response.content.decode()


def test_stop_sharing(client, world, analysis):
    services.gap_analysis_share(actor=world.qm_a, analysis=analysis, shared=True)
    client.force_login(world.qm_a)
    client.post(reverse("improvement:gap_share", args=[analysis.pk]), {"shared": "off"})
    analysis.refresh_from_db()
    assert analysis.shared_with_cb is False


def test_completing_asks_to_confirm_what_cannot_be_undone(client, world, analysis):
    client.force_login(world.qm_a)
    page = client.get(analysis.get_absolute_url()).content.decode()
    assert 'id="confirm-complete"' in page and "read-only for good" in page
    response = client.post(reverse("improvement:gap_complete", args=[analysis.pk]), follow=True)
    analysis.refresh_from_db()
    assert not analysis.is_completed and "tick the box to confirm" in response.content.decode()


def test_complete_twice_is_harmless_and_says_so(client, world, analysis):
    client.force_login(world.qm_a)
    url = reverse("improvement:gap_complete", args=[analysis.pk])
    client.post(url, {"confirm": "on"})
    response = client.post(url, {"confirm": "on"}, follow=True)
    analysis.refresh_from_db()
    assert analysis.is_completed and "completed and now read-only" in response.content.decode()


# --- no inline code (the enforced CSP)


class _Inline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script>")
        self.found += [f"{tag} {name}" for name in names if name == "style" or name.startswith("on")]


def test_pages_and_partials_have_no_inline_script_or_style(client, world, integrated):
    answer = _answer(integrated, hs_key="HS-9.2")
    client.force_login(world.qm_a)
    responses = [
        client.get(integrated.get_absolute_url()),
        client.get(_edit_url(answer)),
        client.get(_edit_url(answer), **HX),
        client.post(_save_url(answer), _post_data(answer, status="conforming"), **HX),
        client.get(_next_url(integrated), **HX),
    ]
    for response in responses:
        parser = _Inline()
        parser.feed(response.content.decode())
        assert parser.found == [], response.request["PATH_INFO"]


# --- queries: the same at any size


def _filled(world, edition):
    analysis = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="x", editions=edition, sites=[]
    )
    for i, answer in enumerate(analysis.answers.all()):
        services.gap_answer_save(
            actor=world.qm_a,
            answer=answer,
            status=AnswerStatus.PARTIAL,
            notes="Evidence",
        )
        services.gap_answer_action_raise(
            actor=world.qm_a, answer=answer, title="Act", owner=world.qm_a if i % 2 else world.contributor_a
        )
        services.gap_evidence_add(actor=world.qm_a, answer=answer, upload=SimpleUploadedFile("e.txt", b"e"))
    return analysis


@pytest.mark.parametrize("clauses", [1, 3])
def test_detail_query_count_with_answers_actions_and_evidence(
    client, world, django_assert_num_queries, clauses
):
    edition = make_edition(
        "ISO 9999",
        2020,
        [("4", "Context", ""), *((f"4.{i}", f"Clause {i}", "") for i in range(1, clauses + 1))],
    )
    analysis = _filled(world, [edition])
    client.force_login(world.qm_a)
    # 11 + the people who wrote, in one query; + the latest PDF (core.documents); + the actions
    # with their owners, in one query
    with django_assert_num_queries(13):
        client.get(analysis.get_absolute_url())


@pytest.mark.parametrize("shared", [1, 3])
def test_integrated_detail_query_count(client, world, django_assert_num_queries, shared):
    clauses = [
        ("4", "Context", "HS-4"),
        *((f"4.{i}", f"Clause {i}", f"HS-4.{i}") for i in range(1, shared + 1)),
    ]
    editions = [
        make_edition("ISO 9998", 2020, clauses),
        make_edition("ISO 9997", 2021, [*clauses, ("4.9", "Own", "")]),
    ]
    analysis = _filled(world, editions)
    assert analysis.answers.exclude(hs_key="").count() == shared
    client.force_login(world.qm_a)
    with django_assert_num_queries(13):  # with the latest PDF (core.documents) and the actions
        client.get(analysis.get_absolute_url())


@pytest.mark.parametrize("clauses", [1, 3])
def test_editor_and_save_query_counts(client, world, django_assert_num_queries, clauses):
    edition = make_edition(
        "ISO 9999",
        2020,
        [("4", "Context", ""), *((f"4.{i}", f"Clause {i}", "") for i in range(1, clauses + 1))],
    )
    analysis = _filled(world, [edition])
    answer = analysis.answers.first()
    client.force_login(world.qm_a)
    with django_assert_num_queries(13):  # with the actions and the owners an action may have
        client.get(_edit_url(answer), **HX)
    with django_assert_num_queries(22):
        client.post(_save_url(answer), _post_data(answer, status="conforming"), **HX)


@pytest.mark.parametrize("changed", [1, 3])
def test_compare_query_count(client, world, django_assert_num_queries, changed):
    edition = make_edition(
        "ISO 9999", 2020, [("4", "Context", ""), *((f"4.{i}", f"Clause {i}", "") for i in range(1, 4))]
    )
    old = _filled(world, [edition])
    new = services.gap_analysis_copy(actor=world.qm_a, source=old, title="Round 2")
    for answer in new.answers.all()[:changed]:
        services.gap_answer_save(actor=world.qm_a, answer=answer, status=AnswerStatus.CONFORMING)
    client.force_login(world.qm_a)
    with django_assert_num_queries(8):
        response = client.get(reverse("improvement:gap_compare", args=[new.pk]), {"with": old.pk})
    assert len(response.context["changes"]["improved"]) == changed


def test_compare_with_an_analysis_of_other_editions_says_why(client, world, analysis, ems):
    other = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="EMS", editions=[ems], sites=[]
    )
    client.force_login(world.qm_a)
    response = client.get(reverse("improvement:gap_compare", args=[analysis.pk]), {"with": other.pk})
    assert response.context["changes"] is None
    assert "No other analysis of the same editions to compare with." in response.content.decode()
