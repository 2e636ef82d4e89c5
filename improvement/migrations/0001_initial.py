"""The gap analyses move here from the audits app, with their rows, ids and files.

The state moves (audits 0008 forgets the models once this one knows them); the database only
renames the tables, so no row is copied and every id and foreign key stays as it was.
"""

import core.bounds
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import improvement.models.gap
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('audits', '0007_programme_headcount_change'),
        ('organisations', '0009_sign_in_records_append_only'),
        ('standards', '0004_bounds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='GapAnalysis',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, validators=[core.bounds.validate_single_line], verbose_name='title')),
                        ('status', models.CharField(choices=[('in_progress', 'In progress'), ('completed', 'Completed')], default='in_progress', max_length=20, verbose_name='status')),
                        ('shared_with_cb', models.BooleanField(default=False, help_text='The staff of the certification bodies serving the organisation may read it.', verbose_name='shared with the certification body')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='started')),
                        ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='completed')),
                        ('copied_from', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='copies', to='improvement.gapanalysis', verbose_name='copied from')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('editions', models.ManyToManyField(related_name='+', to='standards.edition', verbose_name='editions')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='gap_analyses', to='organisations.organisation')),
                        ('sites', models.ManyToManyField(blank=True, help_text='Leave empty for the whole organisation.', related_name='+', to='organisations.site', verbose_name='sites')),
                    ],
                    options={
                        'verbose_name': 'gap analysis',
                        'verbose_name_plural': 'gap analyses',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='GapAnswer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('hs_key', models.CharField(blank=True, max_length=12, verbose_name='shared HS key')),
                        ('status', models.CharField(choices=[('not_assessed', 'Not yet assessed'), ('conforming', 'Conforming'), ('partial', 'Partially conforming'), ('nonconforming', 'Not conforming'), ('not_applicable', 'Not applicable')], default='not_assessed', max_length=20, verbose_name='status')),
                        ('justification', models.TextField(blank=True, help_text='Why the requirement does not apply.', max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000), core.bounds.validate_text], verbose_name='justification')),
                        ('notes', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000), core.bounds.validate_text], verbose_name='evidence notes')),
                        ('action', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000), core.bounds.validate_text], verbose_name='action')),
                        ('action_due_on', models.DateField(blank=True, null=True, validators=[core.bounds.validate_date], verbose_name='action due on')),
                        ('action_done', models.BooleanField(default=False, verbose_name='action done')),
                        ('updated_at', models.DateTimeField(blank=True, null=True, verbose_name='updated')),
                        ('action_owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='action owner')),
                        ('analysis', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='answers', to='improvement.gapanalysis')),
                        ('clause', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='standards.clause')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'gap analysis answer',
                        'verbose_name_plural': 'gap analysis answers',
                        'ordering': ['analysis', 'clause__edition', 'clause__position'],
                    },
                ),
                migrations.CreateModel(
                    name='EvidenceFile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('original_name', models.CharField(max_length=255, validators=[core.bounds.validate_single_line], verbose_name='file name')),
                        ('size', models.PositiveIntegerField(verbose_name='size (bytes)')),
                        ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='uploaded')),
                        ('removed_at', models.DateTimeField(blank=True, null=True, verbose_name='removed')),
                        ('file', models.FileField(upload_to=improvement.models.gap.evidence_path, verbose_name='file')),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('answer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evidence_files', to='improvement.gapanswer')),
                    ],
                    options={
                        'verbose_name': 'evidence file',
                        'verbose_name_plural': 'evidence files',
                        'ordering': ['uploaded_at', 'pk'],
                        'abstract': False,
                    },
                ),
                migrations.AddIndex(
                    model_name='gapanalysis',
                    index=models.Index(fields=['organisation', '-created_at'], name='gap_org_created'),
                ),
                migrations.AddConstraint(
                    model_name='gapanswer',
                    constraint=models.UniqueConstraint(fields=('analysis', 'clause'), name='gap_answer_unique_clause'),
                ),
                migrations.AddConstraint(
                    model_name='gapanswer',
                    constraint=models.UniqueConstraint(condition=models.Q(('hs_key', ''), _negated=True), fields=('analysis', 'hs_key'), name='gap_answer_unique_hs_key'),
                ),
                migrations.AddConstraint(
                    model_name='gapanswer',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'not_applicable'), _negated=True), models.Q(('justification', ''), _negated=True), _connector='OR'), name='gap_answer_na_justified', violation_error_message='Not applicable needs a justification. Say why the requirement does not apply.'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'ALTER TABLE audits_gapanalysis RENAME TO improvement_gapanalysis',
                    reverse_sql='ALTER TABLE improvement_gapanalysis RENAME TO audits_gapanalysis',
                ),
                migrations.RunSQL(
                    'ALTER TABLE audits_gapanalysis_editions RENAME TO improvement_gapanalysis_editions',
                    reverse_sql='ALTER TABLE improvement_gapanalysis_editions RENAME TO audits_gapanalysis_editions',
                ),
                migrations.RunSQL(
                    'ALTER TABLE audits_gapanalysis_sites RENAME TO improvement_gapanalysis_sites',
                    reverse_sql='ALTER TABLE improvement_gapanalysis_sites RENAME TO audits_gapanalysis_sites',
                ),
                migrations.RunSQL(
                    'ALTER TABLE audits_gapanswer RENAME TO improvement_gapanswer',
                    reverse_sql='ALTER TABLE improvement_gapanswer RENAME TO audits_gapanswer',
                ),
                migrations.RunSQL(
                    'ALTER TABLE audits_evidencefile RENAME TO improvement_evidencefile',
                    reverse_sql='ALTER TABLE improvement_evidencefile RENAME TO audits_evidencefile',
                ),
            ],
        ),
    ]
