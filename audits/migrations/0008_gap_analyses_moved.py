"""The gap analyses now live in the improvement app (improvement 0001 renamed their tables).

The audits app forgets the models without touching the database, and what names them by app
follows: the content types (which the transition log and the documents point to) and the kind
of the gap-analysis PDFs.
"""

from django.db import migrations

MODELS = ("gapanalysis", "gapanswer", "evidencefile")


def move_names(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Document = apps.get_model("core", "Document")
    for model in MODELS:
        moving = ContentType.objects.filter(app_label=old, model=model).first()
        if moving is None:
            continue
        # a content type made for the new label before this ran points to nothing yet
        ContentType.objects.filter(app_label=new, model=model).delete()
        moving.app_label = new
        moving.save(update_fields=["app_label"])
    Document.objects.filter(kind=f"{old}.gap_analysis").update(kind=f"{new}.gap_analysis")


def forwards(apps, schema_editor) -> None:
    move_names(apps, schema_editor, old="audits", new="improvement")


def backwards(apps, schema_editor) -> None:
    move_names(apps, schema_editor, old="improvement", new="audits")


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0007_programme_headcount_change"),
        ("improvement", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_submit_claim"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="EvidenceFile"),
                migrations.DeleteModel(name="GapAnswer"),
                migrations.DeleteModel(name="GapAnalysis"),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
