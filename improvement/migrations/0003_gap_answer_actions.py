"""The gap answers' action fields become actions of the register (one truth).

Each answer with an action text gets an Action: source gap analysis, linked to the answer and
its clause, numbered after the organisation's existing actions in answer order, with a "" → status
transition as if raised then. Then the four fields go. Backwards, the fields come back and take
the texts of each answer's first action; the actions stay (nothing is deleted, and their
transitions are append-only), and a new run forwards skips answers that already have one.
"""

from django.db import migrations
from django.db.models import Max

TITLE_MAX = 200
GAPS = ("partial", "nonconforming")


def _title(text: str) -> str:
    """The text's first non-blank line, on one line, cut to the title's maximum."""
    line = next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1].rstrip() + "…"


def forwards(apps, schema_editor) -> None:
    GapAnswer = apps.get_model("improvement", "GapAnswer")
    Action = apps.get_model("improvement", "Action")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Transition = apps.get_model("core", "Transition")
    answers = (
        GapAnswer.objects.exclude(action="")
        .filter(actions__isnull=True)
        .select_related("analysis")
        .order_by(
            "analysis__organisation_id",
            "analysis__created_at",
            "analysis_id",
            "clause__edition__standard__number",
            "clause__edition__year",
            "clause__position",
            "pk",
        )
    )
    answers = [a for a in answers if a.action.strip()]
    if not answers:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="improvement", model="action")
    numbers: dict[int, int] = {}
    for answer in answers:
        analysis = answer.analysis
        organisation_id = analysis.organisation_id
        if organisation_id not in numbers:
            last = Action.objects.filter(organisation_id=organisation_id).aggregate(last=Max("number"))
            numbers[organisation_id] = last["last"] or 0
        numbers[organisation_id] += 1
        created_at = answer.updated_at or analysis.created_at
        status = "done" if answer.action_done else "open"
        action = Action.objects.create(
            organisation_id=organisation_id,
            number=numbers[organisation_id],
            source="gap_analysis",
            kind="nonconformity" if answer.status in GAPS else "opportunity",
            title=_title(answer.action),
            corrective_action=answer.action.strip(),
            description=answer.notes.strip(),
            owner_id=answer.action_owner_id or analysis.created_by_id,
            due_on=answer.action_due_on,
            status=status,
            clause_id=answer.clause_id,
            gap_answer=answer,
            created_by_id=answer.updated_by_id or analysis.created_by_id,
            created_at=created_at,
            done_at=created_at if answer.action_done else None,
        )
        Transition.objects.create(
            content_type=content_type,
            object_id=action.pk,
            field="status",
            from_state="",
            to_state=status,
            actor_id=action.created_by_id,
            at=created_at,
            reason="Moved from the gap analysis answer's action fields.",
        )
    if schema_editor.connection.vendor == "postgresql":  # the columns go next: check the keys now
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def backwards(apps, schema_editor) -> None:
    GapAnswer = apps.get_model("improvement", "GapAnswer")
    Action = apps.get_model("improvement", "Action")
    first: dict[int, object] = {}
    for action in Action.objects.filter(gap_answer__isnull=False).order_by("number"):
        first.setdefault(action.gap_answer_id, action)
    answers = GapAnswer.objects.in_bulk(list(first))
    for answer_id, action in first.items():
        answer = answers[answer_id]
        answer.action = action.corrective_action or action.title
        answer.action_owner_id = action.owner_id
        answer.action_due_on = action.due_on
        answer.action_done = action.status not in ("open", "in_progress")
    GapAnswer.objects.bulk_update(
        answers.values(), ["action", "action_owner", "action_due_on", "action_done"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [
        ("improvement", "0002_actions_internal_audits"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_submit_claim"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="gapanswer", name="action"),
        migrations.RemoveField(model_name="gapanswer", name="action_owner"),
        migrations.RemoveField(model_name="gapanswer", name="action_due_on"),
        migrations.RemoveField(model_name="gapanswer", name="action_done"),
    ]
