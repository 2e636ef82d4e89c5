"""The move of the gap analyses from `audits` to `improvement` keeps every row, id and file, and the
answers' action fields become actions of the register (improvement 0001, audits 0008, improvement
0003). Built on the schema before the move with the historical models, then migrated forward (and
back, for the actions' fields).

A migration test moves the test database's schema back and forth: like every transactional test
it leaves the database flushed, and the migrator's finalizer migrates it back to the latest state
(the last test of this file checks it). `serialized_rollback` is not used: after another
transactional test's flush, Django re-creates the content types with new ids, and restoring the
serialized ones would clash with them.
"""

import datetime
from pathlib import Path

import pytest
from django.db.migrations.recorder import MigrationRecorder

BEFORE = [("audits", "0007_programme_headcount_change"), ("improvement", None)]
AFTER = [("improvement", "0003_gap_answer_actions"), ("audits", "0008_gap_analyses_moved")]
ACTIONS_BACK = [("improvement", "0002_actions_internal_audits"), ("audits", "0008_gap_analyses_moved")]
STARTED = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
WRITTEN = datetime.datetime(2026, 4, 7, 14, 30, tzinfo=datetime.UTC)
DUE = datetime.date(2027, 3, 31)
LONG = "Write the procedure for the " + "very " * 60 + "important process.\nThen train the staff."

pytestmark = pytest.mark.django_db(transaction=True)


def _old_world(apps, media: Path) -> dict:
    """The records of the schema before the move, made with its own (historical) models."""
    User = apps.get_model("organisations", "User")
    Organisation = apps.get_model("organisations", "Organisation")
    Site = apps.get_model("organisations", "Site")
    Standard = apps.get_model("standards", "Standard")
    Edition = apps.get_model("standards", "Edition")
    Clause = apps.get_model("standards", "Clause")
    GapAnalysis = apps.get_model("audits", "GapAnalysis")
    GapAnswer = apps.get_model("audits", "GapAnswer")
    EvidenceFile = apps.get_model("audits", "EvidenceFile")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Transition = apps.get_model("core", "Transition")
    Document = apps.get_model("core", "Document")

    qm = User.objects.create(email="qm@old.example", full_name="Old QM", password="!")
    owner = User.objects.create(email="owner@old.example", full_name="Action Owner", password="!")
    writer = User.objects.create(email="writer@old.example", full_name="Answer Writer", password="!")
    address = {"street": "Main street 1", "postcode": "1000", "city": "Brussels", "country": "BE"}
    organisation = Organisation.objects.create(name="Old body", kind="agency", headcount=120, **address)
    sites = [
        Site.objects.create(organisation=organisation, name=name, headcount=30, **address)
        for name in ("North", "South")
    ]
    editions, clauses = [], {}
    for code, number in (("ISO 9001", 9001), ("ISO 14001", 14001)):
        standard = Standard.objects.create(
            code=code, number=number, slug=code.lower().replace(" ", "-"), title=code, discipline="QMS"
        )
        edition = Edition.objects.create(
            standard=standard,
            year=2015,
            title=f"{code} requirements",
            kind="requirements",
            certifiable=True,
            status="current",
            published_on=datetime.date(2015, 9, 15),
        )
        editions.append(edition)
        chapter = Clause.objects.create(
            edition=edition, number="4", title="Context", position=1, depth=0, is_chapter=True
        )
        for position, (clause_number, hs_key) in enumerate((("4.1", "HS-4.1"), ("4.2", "")), start=2):
            clauses[code, clause_number] = Clause.objects.create(
                edition=edition,
                number=clause_number,
                title=f"Clause {clause_number}",
                position=position,
                parent=chapter,
                depth=1,
                assessable=True,
                hs_key=hs_key,
            )
    integrated = GapAnalysis.objects.create(
        organisation=organisation, title="Integrated 2026", created_by=qm, created_at=STARTED
    )
    integrated.editions.set(editions)
    integrated.sites.set(sites)
    shared = GapAnswer.objects.create(
        analysis=integrated,
        clause=clauses["ISO 9001", "4.1"],
        hs_key="HS-4.1",
        status="nonconforming",
        notes="No context analysis",
        action=LONG,
        action_owner=owner,
        action_due_on=DUE,
        updated_by=writer,
        updated_at=WRITTEN,
    )
    na = GapAnswer.objects.create(
        analysis=integrated,
        clause=clauses["ISO 9001", "4.2"],
        status="not_applicable",
        justification="Not within the scope",
        updated_by=writer,
        updated_at=WRITTEN,
    )
    done = GapAnswer.objects.create(
        analysis=integrated,
        clause=clauses["ISO 14001", "4.2"],
        status="conforming",
        notes="Register kept",
        action="Review the register yearly",
        action_done=True,  # no owner, no writer: the analysis's creator and start stand in
    )
    copy = GapAnalysis.objects.create(
        organisation=organisation, title="Integrated 2026 (copy)", created_by=qm, copied_from=integrated
    )
    copy.editions.set(editions)
    copied = GapAnswer.objects.create(
        analysis=copy,
        clause=clauses["ISO 9001", "4.1"],
        hs_key="HS-4.1",
        status="partial",
        action="  \n   ",  # only blanks: no action
    )
    (media / "evidence/1").mkdir(parents=True)
    (media / "evidence/1/register.pdf").write_bytes(b"%PDF-1.7 register")
    evidence = EvidenceFile.objects.create(
        answer=shared,
        file="evidence/1/register.pdf",
        original_name="Register.pdf",
        size=17,
        uploaded_by=writer,
    )
    analysis_type = ContentType.objects.get_or_create(app_label="audits", model="gapanalysis")[0]
    transition = Transition.objects.create(
        content_type=analysis_type,
        object_id=integrated.pk,
        field="status",
        from_state="",
        to_state="in_progress",
        actor=qm,
    )
    document = Document.objects.create(
        kind="audits.gap_analysis", content_type=analysis_type, object_id=integrated.pk, requested_by=qm
    )
    return {
        "users": (qm, owner, writer),
        "organisation": organisation,
        "sites": sites,
        "editions": editions,
        "analyses": (integrated, copy),
        "answers": (shared, na, done, copied),
        "evidence": evidence,
        "transition": transition,
        "document": document,
    }


def test_the_move_keeps_every_row_and_the_actions_become_actions(migrator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    old = _old_world(migrator.apply_initial_migration(BEFORE).apps, tmp_path)
    qm, owner, writer = old["users"]
    integrated, copy = old["analyses"]
    shared, na, done, copied = old["answers"]

    apps = migrator.apply_tested_migration(AFTER).apps
    GapAnalysis = apps.get_model("improvement", "GapAnalysis")
    GapAnswer = apps.get_model("improvement", "GapAnswer")
    EvidenceFile = apps.get_model("improvement", "EvidenceFile")
    Action = apps.get_model("improvement", "Action")
    Transition = apps.get_model("core", "Transition")
    Document = apps.get_model("core", "Document")
    ContentType = apps.get_model("contenttypes", "ContentType")

    # the analyses, their editions, sites and copy, under the same ids
    moved = GapAnalysis.objects.get(pk=integrated.pk)
    assert (moved.title, moved.organisation_id, moved.created_by_id, moved.created_at) == (
        "Integrated 2026",
        old["organisation"].pk,
        qm.pk,
        STARTED,
    )
    assert sorted(moved.editions.values_list("pk", flat=True)) == sorted(e.pk for e in old["editions"])
    assert sorted(moved.sites.values_list("pk", flat=True)) == sorted(s.pk for s in old["sites"])
    assert GapAnalysis.objects.get(pk=copy.pk).copied_from_id == integrated.pk
    # the answers, whole
    answers = {a.pk: a for a in GapAnswer.objects.all()}
    assert set(answers) == {shared.pk, na.pk, done.pk, copied.pk}
    assert [
        (answers[a.pk].analysis_id, answers[a.pk].clause_id, answers[a.pk].hs_key, answers[a.pk].status)
        for a in (shared, na)
    ] == [
        (integrated.pk, shared.clause_id, "HS-4.1", "nonconforming"),
        (integrated.pk, na.clause_id, "", "not_applicable"),
    ]
    assert (answers[na.pk].justification, answers[shared.pk].notes) == (
        "Not within the scope",
        "No context analysis",
    )
    assert (answers[shared.pk].updated_by_id, answers[shared.pk].updated_at) == (writer.pk, WRITTEN)
    assert not any(hasattr(answers[shared.pk], name) for name in ("action", "action_owner_id", "action_done"))
    # the evidence record, and its file where it was
    evidence = EvidenceFile.objects.get(pk=old["evidence"].pk)
    assert (evidence.answer_id, evidence.original_name, evidence.file.name) == (
        shared.pk,
        "Register.pdf",
        "evidence/1/register.pdf",
    )
    with evidence.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.7 register"
    # what named the models by app follows them
    analysis_type = ContentType.objects.get(app_label="improvement", model="gapanalysis")
    transition = Transition.objects.get(pk=old["transition"].pk)
    assert (transition.content_type_id, transition.object_id) == (analysis_type.pk, integrated.pk)
    assert not ContentType.objects.filter(app_label="audits", model__startswith="gap").exists()
    assert Document.objects.get(pk=old["document"].pk).kind == "improvement.gap_analysis"

    # the action texts became actions, numbered in answer order: ISO 9001 before ISO 14001
    actions = list(Action.objects.order_by("number"))
    title = ("Write the procedure for the " + "very " * 60)[:199].rstrip() + "…"
    assert [
        (
            a.number,
            a.organisation_id,
            a.source,
            a.kind,
            a.gap_answer_id,
            a.clause_id,
            a.title,
            a.corrective_action,
            a.description,
            a.owner_id,
            a.due_on,
            a.status,
            a.created_by_id,
            a.created_at,
        )
        for a in actions
    ] == [
        (
            1,
            old["organisation"].pk,
            "gap_analysis",
            "nonconformity",
            shared.pk,
            shared.clause_id,
            title,
            LONG,
            "No context analysis",
            owner.pk,
            DUE,
            "open",
            writer.pk,
            WRITTEN,
        ),
        (
            2,
            old["organisation"].pk,
            "gap_analysis",
            "opportunity",
            done.pk,
            done.clause_id,
            "Review the register yearly",
            "Review the register yearly",
            "Register kept",
            qm.pk,
            None,
            "done",
            qm.pk,
            STARTED,
        ),
    ]
    assert len(actions[0].title) == 200 and "\n" not in actions[0].title
    assert (actions[0].done_at, actions[1].done_at) == (None, STARTED)
    action_type = ContentType.objects.get(app_label="improvement", model="action")
    logged = Transition.objects.filter(content_type=action_type).order_by("object_id")
    assert [(t.object_id, t.field, t.from_state, t.to_state, t.actor_id, t.at) for t in logged] == [
        (actions[0].pk, "status", "", "open", writer.pk, WRITTEN),
        (actions[1].pk, "status", "", "done", qm.pk, STARTED),
    ]

    # back: the fields return with the texts of the answers' actions; the actions stay
    apps = migrator.apply_tested_migration(ACTIONS_BACK).apps
    GapAnswer = apps.get_model("improvement", "GapAnswer")
    back = {a.pk: a for a in GapAnswer.objects.all()}
    assert [
        (back[a.pk].action, back[a.pk].action_owner_id, back[a.pk].action_due_on, back[a.pk].action_done)
        for a in (shared, na, done, copied)
    ] == [
        (LONG, owner.pk, DUE, False),
        ("", None, None, False),
        ("Review the register yearly", qm.pk, None, True),
        ("", None, None, False),
    ]
    assert apps.get_model("improvement", "Action").objects.count() == 2

    # and forward again: no answer gets a second action
    apps = migrator.apply_tested_migration(AFTER).apps
    assert apps.get_model("improvement", "Action").objects.count() == 2


def test_the_database_is_whole_after_the_migration_test():
    """The next transactional tests find the latest schema, and it works."""
    from improvement.models import Action

    applied = MigrationRecorder.Migration.objects.filter(app="improvement").values_list("name", flat=True)
    assert "0003_gap_answer_actions" in applied
    assert Action.objects.count() == 0
