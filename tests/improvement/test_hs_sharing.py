"""HS keys sit on the clauses that get answers, so integrated analyses share what the HS shares."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from improvement.enums import AnswerStatus
from improvement.selectors.gap import gap_sheet
from improvement.services import gap as services
from standards.catalogue import read_catalogue
from standards.models import Clause, Edition
from standards.services import catalogue_load

IMS = (("ISO 9001", 2015), ("ISO 14001", 2015), ("ISO 45001", 2018))
IN_ALL_THREE = {
    *("HS-4.1", "HS-4.2", "HS-4.3", "HS-4.4", "HS-5.1", "HS-5.2", "HS-5.3", "HS-6.1", "HS-6.2"),
    *("HS-7.1", "HS-7.2", "HS-7.3", "HS-7.4", "HS-7.5.1", "HS-7.5.2", "HS-7.5.3", "HS-8.1", "HS-9.1"),
    *("HS-10.1", "HS-10.2"),
}
ONLY_14001_AND_45001 = {"HS-9.2.1", "HS-9.2.2", "HS-9.3"}  # ISO 9001 keeps 9.2 whole, splits 9.3
# Every HS-based edition answers these; internal audit and management review come whole or split.
HS_CORE = IN_ALL_THREE
WHOLE_OR_SPLIT = {"HS-9.2": {"HS-9.2.1", "HS-9.2.2"}, "HS-9.3": {"HS-9.3.1", "HS-9.3.2", "HS-9.3.3"}}


def _hs_editions():
    return [spec for spec in read_catalogue() if any(clause.hs_key for clause in spec.clauses)]


def test_every_hs_key_of_the_files_sits_on_an_assessable_clause():
    misplaced = [
        f"{spec.label} {clause.number} {clause.hs_key}"
        for spec in read_catalogue()
        for clause in spec.clauses
        if clause.hs_key and not clause.assessable
    ]
    assert misplaced == []


@pytest.mark.parametrize("spec", _hs_editions(), ids=lambda spec: spec.label)
def test_each_hs_edition_carries_every_hs_clause_once(spec):
    keys = {clause.hs_key for clause in spec.clauses if clause.hs_key}
    assert HS_CORE - keys == set()
    for whole, parts in WHOLE_OR_SPLIT.items():
        assert (whole in keys) != (parts <= keys), f"{whole}: whole or split, not both nor neither"


@pytest.fixture
def catalogue(db):
    catalogue_load()


def _editions(*labels: tuple[str, int]) -> list[Edition]:
    return [Edition.objects.get(standard__code=code, year=year) for code, year in labels]


def _start(world, editions, title="IMS"):
    return services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title=title, editions=editions, sites=[]
    )


def test_integrated_9001_14001_45001_answers_each_shared_key_once(world, catalogue):
    editions = _editions(*IMS)
    analysis = _start(world, editions)
    keys = set(analysis.answers.exclude(hs_key="").values_list("hs_key", flat=True))
    assert keys == IN_ALL_THREE | ONLY_14001_AND_45001
    assert Clause.objects.filter(edition__in=editions, assessable=True).count() == 129
    assert analysis.answers.count() == 129 - 2 * len(IN_ALL_THREE) - len(ONLY_14001_AND_45001) == 86
    refs = {row.answer.hs_key: [c.number for c in row.refs] for row in gap_sheet(analysis).shared_rows}
    assert refs["HS-5.1"] == ["5.1.1", "5.1", "5.1"]
    assert refs["HS-9.1"] == ["9.1.1", "9.1.1", "9.1.1"]
    assert refs["HS-9.3"] == ["9.3", "9.3"]


def test_integrated_9001_27001_shares_24_keys(world, catalogue):
    analysis = _start(world, _editions(("ISO 9001", 2015), ("ISO/IEC 27001", 2022)))
    keys = set(analysis.answers.exclude(hs_key="").values_list("hs_key", flat=True))
    assert keys == IN_ALL_THREE | {"HS-6.3", "HS-9.3.1", "HS-9.3.2", "HS-9.3.3"}
    assert analysis.answers.count() == 180 - 24 == 156


def _place_keys_as_before_the_move(qms: Edition, ems: Edition, ohs: Edition) -> None:
    """Where the keys were when they sat on parent clauses: HS-5.1 on ISO 9001 5.1, HS-6.1 on 6.1."""
    Clause.objects.filter(edition=qms, number="5.1.1").update(hs_key="")
    Clause.objects.filter(edition=qms, number="5.1").update(hs_key="HS-5.1")
    for edition in (ems, ohs):
        Clause.objects.filter(edition=edition, number="6.1.1").update(hs_key="")
        Clause.objects.filter(edition=edition, number="6.1").update(hs_key="HS-6.1")


def _answer(analysis, code, number):
    return analysis.answers.get(clause__edition__standard__code=code, clause__number=number)


def _save(actor, answer, **fields):
    return services.gap_answer_save(actor=actor, answer=answer, **fields)


def test_analysis_started_before_a_key_move_shows_and_copies_its_answers(
    world, catalogue, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    qms, ems, ohs = editions = _editions(*IMS)
    _place_keys_as_before_the_move(qms, ems, ohs)
    old = _start(world, editions, title="Before")
    assert not old.answers.filter(hs_key="HS-6.1").exists()
    own = _save(world.qm_a, _answer(old, "ISO 9001", "5.1.1"), status=AnswerStatus.PARTIAL, notes="Walks")
    _save(world.qm_a, old.answers.get(hs_key="HS-5.1"), status=AnswerStatus.CONFORMING)
    aspects = _answer(old, "ISO 14001", "6.1.1")
    _save(world.qm_a, aspects, status=AnswerStatus.NONCONFORMING, notes="No risk register")
    services.gap_evidence_add(actor=world.qm_a, answer=aspects, upload=SimpleUploadedFile("r.txt", b"r"))

    catalogue_load()  # the files put the keys back on the clauses that get the answers

    sheet = gap_sheet(old)
    assert {row.answer.pk for row in sheet.rows} == set(old.answers.values_list("pk", flat=True))
    assert sheet.combined.total == 129
    assert next(row for row in sheet.rows if row.answer.pk == own.pk).refs[0].number == "5.1.1"
    copy = services.gap_analysis_copy(actor=world.qm_a, source=old, title="After")
    assert copy.answers.count() == 86
    leadership = copy.answers.get(hs_key="HS-5.1")
    risks = copy.answers.get(hs_key="HS-6.1")
    assert (leadership.clause.number, leadership.status) == ("5.1.1", AnswerStatus.CONFORMING)
    assert (risks.clause.edition, risks.clause.number) == (qms, "6.1")
    assert (risks.status, risks.notes) == (AnswerStatus.NONCONFORMING, "No risk register")
    assert [f.original_name for f in risks.evidence_files.all()] == ["r.txt"]
