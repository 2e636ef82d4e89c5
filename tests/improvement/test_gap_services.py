from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import NotAllowed
from core.transitions import transitions_of
from improvement.enums import AnswerStatus, GapAnalysisStatus
from improvement.models import GapAnswer
from improvement.selectors.gap import gap_compare, gap_sheet
from improvement.services import gap as services

pytestmark = pytest.mark.django_db


def _answer(analysis, number=None, hs_key=""):
    query = analysis.answers.filter(hs_key=hs_key)
    return query.get(clause__number=number) if number else query.get()


def _save(actor, answer, **fields):
    return services.gap_answer_save(actor=actor, answer=answer, **fields)


def test_start_creates_one_answer_per_assessable_clause(analysis):
    numbers = list(analysis.answers.order_by("clause__position").values_list("clause__number", flat=True))
    assert numbers == ["4.1", "4.2", "8.3", "9.2"]
    assert set(analysis.answers.values_list("status", flat=True)) == {AnswerStatus.NOT_ASSESSED}
    assert transitions_of(analysis).filter(field="status", to_state="in_progress").exists()


def test_integrated_analysis_answers_shared_hs_clauses_once(integrated):
    shared = set(integrated.answers.exclude(hs_key="").values_list("hs_key", flat=True))
    own = sorted(integrated.answers.filter(hs_key="").values_list("clause__number", flat=True))
    assert shared == {"HS-4.1", "HS-4.2", "HS-9.2"}
    assert own == ["6.1", "8.3"]
    assert integrated.answers.count() == 5  # 8 assessable clause slots, 3 of them shared


def test_shared_answer_counts_for_every_edition(world, integrated, qms, ems):
    _save(world.qm_a, _answer(integrated, hs_key="HS-9.2"), status=AnswerStatus.CONFORMING)
    _save(world.contributor_a, _answer(integrated, "8.3"), status=AnswerStatus.PARTIAL)
    sheet = gap_sheet(integrated)
    # QMS: 4.1, 4.2, 9.2 (shared), 8.3 → 1 + 0.5 of 4 = 37.5 %; EMS: 4.1, 4.2, 9.2, 6.1 → 1 of 4 = 25 %
    assert sheet.per_edition[qms].score == Decimal("37.5")
    assert sheet.per_edition[ems].score == Decimal("25.0")
    assert sheet.combined.score == Decimal("31.3") and sheet.combined.total == 8
    assert [[c.edition.standard.code for c in row.refs] for row in sheet.shared_rows] == [
        ["ISO 9001", "ISO 14001"]
    ] * 3


def test_chapter_readiness(world, analysis):
    _save(world.qm_a, _answer(analysis, "4.1"), status=AnswerStatus.CONFORMING)
    _save(
        world.qm_a, _answer(analysis, "4.2"), status=AnswerStatus.NOT_APPLICABLE, justification="No parties."
    )
    sheet = gap_sheet(analysis)
    scores = {block.chapter.number: block.readiness.score for block in sheet.blocks}
    assert scores == {"4": Decimal("100.0"), "8": Decimal("0.0"), "9": Decimal("0.0")}
    bars = sheet.charts()[0][1]
    assert [(bar.label, bar.width) for bar in bars] == [
        ("4 Context", 300),
        ("8 Operation", 0),
        ("9 Performance evaluation", 0),
    ]


def test_not_applicable_requires_justification(world, analysis):
    answer = _answer(analysis, "8.3")
    with pytest.raises(services.GapAnalysisError, match="needs a justification"):
        _save(world.qm_a, answer, status=AnswerStatus.NOT_APPLICABLE, justification="  ")
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.NOT_ASSESSED


def test_answer_records_author_time_and_transition(world, analysis):
    answer = _save(world.contributor_a, _answer(analysis, "4.1"), status=AnswerStatus.PARTIAL, notes="Draft")
    assert (answer.updated_by, answer.notes) == (world.contributor_a, "Draft") and answer.updated_at
    transition = transitions_of(answer).get(field="status")
    assert (transition.from_state, transition.to_state, transition.actor) == (
        "not_assessed",
        "partial",
        world.contributor_a,
    )


@pytest.mark.parametrize("persona", ["viewer_a", "auditor", "cert_manager", "qm_b", "staff"])
def test_only_client_writers_answer(world, analysis, persona):
    """Rule 24: CB-side accounts never write a client's gap analysis; viewers only read."""
    with pytest.raises(NotAllowed, match="quality managers and contributors"):
        _save(getattr(world, persona), _answer(analysis, "4.1"), status=AnswerStatus.CONFORMING)
    with pytest.raises(NotAllowed):
        services.gap_analysis_start(
            actor=getattr(world, persona),
            organisation=world.org_a,
            title="x",
            editions=list(analysis.editions.all()),
            sites=[],
        )


def test_completed_analysis_is_read_only(world, analysis):
    services.gap_analysis_complete(actor=world.qm_a, analysis=analysis)
    analysis.refresh_from_db()
    assert analysis.status == GapAnalysisStatus.COMPLETED and analysis.completed_at
    with pytest.raises(services.GapAnalysisError, match="completed"):
        _save(world.qm_a, _answer(analysis, "4.1"), status=AnswerStatus.CONFORMING)
    services.gap_analysis_complete(actor=world.qm_a, analysis=analysis)  # repeating is a no-op
    assert transitions_of(analysis).filter(field="status", to_state="completed").count() == 1


def test_contributor_cannot_complete_or_share(world, analysis):
    with pytest.raises(NotAllowed, match="quality manager"):
        services.gap_analysis_complete(actor=world.contributor_a, analysis=analysis)
    with pytest.raises(NotAllowed, match="quality manager"):
        services.gap_analysis_share(actor=world.contributor_a, analysis=analysis, shared=True)


def test_copy_starts_from_previous_answers(world, analysis, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _save(
        world.qm_a,
        _answer(analysis, "4.1"),
        status=AnswerStatus.CONFORMING,
        notes="Context documented",
    )
    action = services.gap_answer_action_raise(
        actor=world.qm_a, answer=_answer(analysis, "4.1"), title="Review yearly", owner=world.contributor_a
    )
    kept = services.gap_evidence_add(
        actor=world.qm_a,
        answer=_answer(analysis, "4.1"),
        upload=SimpleUploadedFile("register.txt", b"register"),
    )
    removed = services.gap_evidence_add(
        actor=world.qm_a, answer=_answer(analysis, "4.1"), upload=SimpleUploadedFile("old.txt", b"old")
    )
    services.gap_evidence_remove(actor=world.qm_a, evidence=removed)
    services.gap_analysis_complete(actor=world.qm_a, analysis=analysis)
    copy = services.gap_analysis_copy(actor=world.contributor_a, source=analysis, title="QMS 2027")
    copied = _answer(copy, "4.1")
    assert (copy.copied_from, copy.status) == (analysis, GapAnalysisStatus.IN_PROGRESS)
    assert [(e.original_name, e.file.name) for e in copied.evidence_files.all()] == [
        ("register.txt", kept.file.name)
    ]
    assert (copied.status, copied.notes) == ("conforming", "Context documented")
    # the action stays with the answer it was raised from: the register holds it once
    assert list(copied.actions.all()) == [] and list(_answer(analysis, "4.1").actions.all()) == [action]
    assert copy.answers.count() == analysis.answers.count()


def test_compare_finds_improved_regressed_and_new(world, analysis):
    _save(world.qm_a, _answer(analysis, "4.1"), status=AnswerStatus.PARTIAL)
    _save(world.qm_a, _answer(analysis, "4.2"), status=AnswerStatus.CONFORMING)
    copy = services.gap_analysis_copy(actor=world.qm_a, source=analysis, title="Later")
    _save(world.qm_a, _answer(copy, "4.1"), status=AnswerStatus.CONFORMING)
    _save(world.qm_a, _answer(copy, "4.2"), status=AnswerStatus.NONCONFORMING)
    _save(world.qm_a, _answer(copy, "8.3"), status=AnswerStatus.PARTIAL)
    changes = gap_compare(analysis, copy)
    assert [c.answer.clause.number for c in changes["improved"]] == ["4.1"]
    assert [c.answer.clause.number for c in changes["regressed"]] == ["4.2"]
    assert [c.answer.clause.number for c in changes["new"]] == ["8.3"]


def test_share_toggle_is_recorded(world, analysis):
    services.gap_analysis_share(actor=world.qm_a, analysis=analysis, shared=True)
    services.gap_analysis_share(actor=world.qm_a, analysis=analysis, shared=True)
    analysis.refresh_from_db()
    assert analysis.shared_with_cb is True
    assert transitions_of(analysis).filter(field="shared_with_cb").count() == 1


def test_start_refuses_sites_of_another_organisation(world, qms):
    with pytest.raises(services.GapAnalysisError, match="sites of this organisation"):
        services.gap_analysis_start(
            actor=world.qm_a, organisation=world.org_a, title="x", editions=[qms], sites=[world.site_b]
        )
    assert not GapAnswer.objects.exists()


def test_integrated_9001_14001_45001_from_the_catalogue(world):
    """The real catalogue: each shared HS clause is answered once across the three editions."""
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
    keys = list(analysis.answers.exclude(hs_key="").values_list("hs_key", flat=True))
    assert len(keys) == len(set(keys)) and {"HS-4.1", "HS-7.5.3", "HS-9.2.2", "HS-10.2"} <= set(keys)
    slots = sum(e.clauses.filter(assessable=True).count() for e in editions)
    sheet = gap_sheet(analysis)
    assert sheet.combined.total == slots
    assert analysis.answers.count() < slots
