"""The readiness task list computed from the records (DOMAIN §13.5): each line done, in progress and
not started, the whole list, the editions it covers, and its query count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from improvement.enums import GapAnalysisStatus, ReadinessState
from improvement.models import GapAnalysis
from improvement.selectors import readiness as selectors
from tests import factories
from tests.audits.conftest import isms as isms
from tests.audits.conftest import qms as qms
from tests.audits.test_findings_services import open_fieldwork
from tests.improvement import readiness_world as given

pytestmark = pytest.mark.django_db

DONE, IN_PROGRESS, NOT_STARTED = ReadinessState.DONE, ReadinessState.IN_PROGRESS, ReadinessState.NOT_STARTED


def _line(world, edition, key):
    task = selectors.task_list(world.org_a, edition)
    return next(line for line in task.lines if line.key == key)


def test_nothing_done_every_line_not_started(world, qms):
    task = selectors.task_list(world.org_a, qms)
    assert [line.key for line in task.lines] == ["scope", "gap", "coverage", "review", "nonconformities"]
    assert {line.state for line in task.lines} == {NOT_STARTED}
    assert task.state == NOT_STARTED and task.done_count == 0


# --- 1. scope and sites


def test_scope_done_with_a_text_and_a_site_and_says_how_many_processes(world, qms):
    given.scope_done(world, qms)
    line = _line(world, qms, "scope")
    assert line.state == DONE
    assert "1 site" in line.detail and "1 process" in line.detail


def test_scope_in_progress_without_a_site(world, qms):
    from improvement.services.readiness import readiness_scope_set

    readiness_scope_set(
        actor=world.qm_a, organisation=world.org_a, edition=qms, scope="All", sites=[], processes=[]
    )
    assert _line(world, qms, "scope").state == IN_PROGRESS


# --- 2. gap analysis


def test_gap_done_when_completed_without_open_actions_with_its_score(world, qms):
    given.gap_done(world, qms)
    line = _line(world, qms, "gap")
    assert line.state == DONE
    assert "100.0 %" in line.detail and "0 open actions" in line.detail


def test_gap_in_progress_while_an_action_from_it_is_open(world, qms):
    analysis = given.gap_done(world, qms)
    action = given.gap_action(world, analysis)
    line = _line(world, qms, "gap")
    assert line.state == IN_PROGRESS and "1 open action" in line.detail
    given.close_action(world, action)
    assert _line(world, qms, "gap").state == DONE


def test_gap_in_progress_while_not_completed(world, qms):
    given.gap_done(world, qms, complete=False)
    line = _line(world, qms, "gap")
    assert line.state == IN_PROGRESS and "not completed" in line.detail


def test_gap_reads_the_latest_completed_analysis(world, qms):
    done = given.gap_done(world, qms)
    given.gap_done(world, qms, complete=False)  # a newer one under way
    task = selectors.task_list(world.org_a, qms)
    assert task.analysis == done and task.lines[1].state == DONE


# --- 3. internal-audit coverage (rule 40)


def test_coverage_done_when_completed_audits_cover_every_clause(world, qms):
    programme = given.programme_of(world, qms)
    given.completed_audit(world, programme, list(qms.clauses.filter(assessable=True)))
    line = _line(world, qms, "coverage")
    assert line.state == DONE and "All 4 clauses" in line.detail


def test_coverage_in_progress_names_the_uncovered_clauses(world, qms):
    programme = given.programme_of(world, qms)
    given.completed_audit(world, programme, list(qms.clauses.filter(number__in=["4.1", "4.2"])))
    line = _line(world, qms, "coverage")
    assert line.state == IN_PROGRESS
    assert "8.3, 9.2" in line.detail and "2 of 4" in line.detail


def test_coverage_in_progress_with_a_programme_and_no_completed_audit(world, qms):
    given.programme_of(world, qms)
    assert _line(world, qms, "coverage").state == IN_PROGRESS


# --- 4. management review


def _covered(world, qms, ends_on=given.AUDIT_TO):
    programme = given.programme_of(world, qms)
    given.completed_audit(world, programme, list(qms.clauses.filter(assessable=True)), ends_on=ends_on)


def test_review_done_when_held_on_or_after_the_last_audit_day(world, qms):
    _covered(world, qms)
    given.review_of(world, qms, held_on=given.AUDIT_TO)
    line = _line(world, qms, "review")
    assert line.state == DONE and "MR-1" in line.detail


def test_review_in_progress_when_held_before_the_audits_ended(world, qms):
    _covered(world, qms)
    given.review_of(world, qms, held_on=given.AUDIT_TO - datetime.timedelta(days=1))
    line = _line(world, qms, "review")
    assert line.state == IN_PROGRESS and "before the last internal audit" in line.detail


def test_review_in_progress_when_only_planned(world, qms):
    given.review_of(world, qms)
    assert _line(world, qms, "review").state == IN_PROGRESS


def test_review_not_done_without_completed_audits(world, qms):
    given.review_of(world, qms, held_on=given.AUDIT_TO)
    assert _line(world, qms, "review").state == IN_PROGRESS


# --- 5. internal nonconformities


def test_nonconformities_not_started_before_an_audit_is_completed(world, qms):
    given.programme_of(world, qms)
    assert _line(world, qms, "nonconformities").state == NOT_STARTED


def test_nonconformities_done_when_none_was_found(world, qms):
    _covered(world, qms)
    assert _line(world, qms, "nonconformities").state == DONE


def test_a_nonconformity_without_correction_keeps_the_line_in_progress(world, qms):
    programme = given.programme_of(world, qms)
    _audit, finding = given.completed_audit(
        world, programme, list(qms.clauses.filter(assessable=True)), nonconformity=True
    )
    line = _line(world, qms, "nonconformities")
    assert line.state == IN_PROGRESS and "1 of 1" in line.detail
    given.address(world, finding)
    assert _line(world, qms, "nonconformities").state == DONE


# --- 6. the SoA (27001 only)


def test_only_27001_has_an_soa_line(world, qms, isms):
    assert "soa" not in [line.key for line in selectors.task_list(world.org_a, qms).lines]
    assert _line(world, isms, "soa").state == NOT_STARTED


def test_soa_in_progress_with_a_draft_and_done_once_approved(world, isms):
    given.soa_of(world, isms, approved=False)
    assert _line(world, isms, "soa").state == IN_PROGRESS
    given.soa_of(world, isms, approved=True)
    line = _line(world, isms, "soa")
    assert line.state == DONE and "SoA v2" in line.detail


# --- the whole list


def test_the_whole_list_is_done_when_every_line_is(world, qms):
    given.all_done(world, qms)
    task = selectors.task_list(world.org_a, qms)
    assert [line.state for line in task.lines] == [DONE] * 5
    assert task.is_done and task.done_count == 5


def test_one_line_not_done_keeps_the_list_in_progress(world, qms):
    given.all_done(world, qms)
    GapAnalysis.objects.update(status=GapAnalysisStatus.IN_PROGRESS, completed_at=None)
    assert selectors.task_list(world.org_a, qms).state == IN_PROGRESS


# --- which editions


def test_target_editions_come_from_every_record_and_the_cb_programmes(world, qms, isms):
    guidance = factories.EditionFactory(standard__code="ISO 19011", certifiable=False)
    assert selectors.target_editions(world.org_a) == []
    given.gap_done(world, qms, complete=False)
    from improvement.services import gap as gap_services

    gap_services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Guidance", editions=[guidance], sites=[]
    )
    assert selectors.target_editions(world.org_a) == [qms]
    open_fieldwork(world, [isms])  # the CB's programme, through the audits app's provider
    assert set(selectors.target_editions(world.org_a)) == {qms, isms}
    assert selectors.target_editions(world.org_b) == []


@pytest.mark.parametrize("helper", ["review", "soa", "programme", "readiness"])
def test_target_editions_named_by_each_record(world, isms, helper):
    {
        "review": lambda: given.review_of(world, isms),
        "soa": lambda: given.soa_of(world, isms, approved=False),
        "programme": lambda: given.programme_of(world, isms),
        "readiness": lambda: given.scope_done(world, isms),
    }[helper]()
    assert selectors.target_editions(world.org_a) == [isms]


# --- queries


def _queries(world, edition) -> int:
    with CaptureQueriesContext(connection) as context:
        selectors.task_list(world.org_a, edition)
    return len(context.captured_queries)


def test_the_task_list_query_count_does_not_grow_with_the_records(world, qms):
    programme = given.all_done(world, qms)
    few = _queries(world, qms)
    clauses = list(qms.clauses.filter(assessable=True))
    for _ in range(3):
        _audit, finding = given.completed_audit(world, programme, clauses, nonconformity=True)
        given.address(world, finding)
        given.review_of(world, qms, held_on=datetime.date(2026, 11, 20))
    analysis = GapAnalysis.objects.get()
    for _ in range(3):
        given.close_action(world, given.gap_action(world, analysis))
    assert _queries(world, qms) == few


def _seen(task) -> list[tuple]:
    return [(line.key, line.state, line.detail, line.url) for line in task.lines]


def test_the_task_lists_of_several_editions_read_as_each_alone(world, qms, isms):
    """The home page and the readiness page read every edition's records at once: each list is
    the one its edition gets alone, whichever records the other edition has."""
    given.all_done(world, qms)
    given.gap_done(world, isms, complete=False)
    given.review_of(world, isms)  # planned only
    given.soa_of(world, isms, approved=False)
    given.soa_of(world, isms, approved=True)
    programme = given.programme_of(world, isms, suffix="a")
    programme.editions.add(qms)  # one programme covering both: its coverage is read once

    together = selectors.task_lists(world.org_a, [qms, isms], {})

    assert [_seen(task) for task in together] == [
        _seen(selectors.task_list(world.org_a, qms, None)),
        _seen(selectors.task_list(world.org_a, isms, None)),
    ]
    states = {line.key: line.state for line in together[1].lines}
    assert states == {
        "scope": NOT_STARTED,
        "gap": IN_PROGRESS,
        "coverage": IN_PROGRESS,
        "review": IN_PROGRESS,
        "nonconformities": NOT_STARTED,
        "soa": DONE,
    }


def test_the_task_lists_query_count_does_not_grow_with_the_editions(world, qms, isms):
    given.all_done(world, qms)
    with CaptureQueriesContext(connection) as one:
        selectors.task_lists(world.org_a, [qms], {})
    with CaptureQueriesContext(connection) as two:
        selectors.task_lists(world.org_a, [qms, isms], {})
    assert len(two) == len(one)


def test_a_summary_reads_the_figures_of_the_gap_sheet_without_the_sheet(
    world, qms, isms, django_assert_num_queries
):
    """An integrated analysis (shared HS keys counted once for both editions) with answers of every
    status and an open and a closed action: its figures are its sheet's."""
    from improvement.enums import AnswerStatus
    from improvement.selectors.gap import gap_figures, gap_sheet
    from improvement.services import gap as gap_services

    analysis = gap_services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Both", editions=[qms, isms], sites=[]
    )
    statuses = list(AnswerStatus.values)
    for n, answer in enumerate(analysis.answers.order_by("pk")):
        answer.status, answer.justification = statuses[n % len(statuses)], "Not run by the body"
        answer.save(update_fields=["status", "justification"])
    given.gap_action(world, analysis)
    given.close_action(world, given.gap_action(world, analysis))

    with django_assert_num_queries(4):  # editions, clauses, answers, open actions: not one a row
        figures = gap_figures(analysis)
    sheet = gap_sheet(analysis)

    assert figures.per_edition == sheet.per_edition and set(figures.per_edition) == {qms, isms}
    assert figures.open_actions == len(sheet.open_actions) == 1
    assert any(row.answer.hs_key for row in sheet.shared_rows)  # the editions share clauses
