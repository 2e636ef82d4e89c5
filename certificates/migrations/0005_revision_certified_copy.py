# A certificate revision keeps its own copy of what was certified: the holder's name and address on
# the revision, each site's name and address in a RevisionSite row (which replaces the many-to-many
# to the live Site rows). Existing revisions take their copy from the current rows, the only
# record there is of them. A scope reduction that rewrites the scope text records why.

import core.bounds
import django.core.validators
import django.db.models.deletion
import django_countries.fields
from django.db import migrations, models

BATCH = 1000


def copy_certified(apps, schema_editor):
    CertificateRevision = apps.get_model("certificates", "CertificateRevision")
    RevisionSite = apps.get_model("certificates", "RevisionSite")
    revisions = list(CertificateRevision.objects.select_related("certificate__organisation"))
    for revision in revisions:
        organisation = revision.certificate.organisation
        revision.holder_name = organisation.name
        revision.holder_street = organisation.street
        revision.holder_postcode = organisation.postcode
        revision.holder_city = organisation.city
        revision.holder_country = organisation.country
    CertificateRevision.objects.bulk_update(
        revisions,
        ["holder_name", "holder_street", "holder_postcode", "holder_city", "holder_country"],
        batch_size=BATCH,
    )
    through = CertificateRevision.sites.through.objects.select_related("site")
    RevisionSite.objects.bulk_create(
        (
            RevisionSite(
                revision_id=row.certificaterevision_id,
                site=row.site,
                name=row.site.name,
                kind=row.site.kind,
                is_central_function=row.site.is_central_function,
                street=row.site.street,
                postcode=row.site.postcode,
                city=row.site.city,
                country=row.site.country,
            )
            for row in through.iterator()
        ),
        batch_size=BATCH,
    )


def restore_sites(apps, schema_editor):
    CertificateRevision = apps.get_model("certificates", "CertificateRevision")
    RevisionSite = apps.get_model("certificates", "RevisionSite")
    Through = CertificateRevision.sites.through
    Through.objects.bulk_create(
        (
            Through(certificaterevision_id=copy.revision_id, site_id=copy.site_id)
            for copy in RevisionSite.objects.iterator()
        ),
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0004_change_notifications"),
        ("organisations", "0006_reminder_lead_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificaterevision",
            name="holder_name",
            field=models.CharField(
                default="",
                max_length=200,
                validators=[core.bounds.validate_single_line],
                verbose_name="certified holder",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="certificaterevision",
            name="holder_street",
            field=models.CharField(
                default="",
                max_length=200,
                validators=[core.bounds.validate_single_line],
                verbose_name="holder's street and number",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="certificaterevision",
            name="holder_postcode",
            field=models.CharField(
                blank=True,
                max_length=20,
                validators=[core.bounds.validate_single_line],
                verbose_name="holder's postcode",
            ),
        ),
        migrations.AddField(
            model_name="certificaterevision",
            name="holder_city",
            field=models.CharField(
                default="",
                max_length=100,
                validators=[core.bounds.validate_single_line],
                verbose_name="holder's city",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="certificaterevision",
            name="holder_country",
            field=django_countries.fields.CountryField(
                default="", max_length=2, verbose_name="holder's country"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="decision",
            name="scope_justification",
            field=models.TextField(
                blank=True,
                help_text="A scope reduction that rewrites the scope text says why the new text only narrows it.",
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000), core.bounds.validate_text],
                verbose_name="why the new scope text is narrower",
            ),
        ),
        migrations.CreateModel(
            name="RevisionSite",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "street",
                    models.CharField(
                        max_length=200,
                        validators=[core.bounds.validate_single_line],
                        verbose_name="street and number",
                    ),
                ),
                (
                    "postcode",
                    models.CharField(
                        blank=True,
                        max_length=20,
                        validators=[core.bounds.validate_single_line],
                        verbose_name="postcode",
                    ),
                ),
                (
                    "city",
                    models.CharField(
                        max_length=100, validators=[core.bounds.validate_single_line], verbose_name="city"
                    ),
                ),
                ("country", django_countries.fields.CountryField(max_length=2, verbose_name="country")),
                (
                    "name",
                    models.CharField(
                        max_length=200, validators=[core.bounds.validate_single_line], verbose_name="name"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("permanent", "Permanent"),
                            ("temporary", "Temporary"),
                            ("virtual", "Virtual"),
                        ],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                ("is_central_function", models.BooleanField(verbose_name="central function")),
                (
                    # "+" while the many-to-many it replaces still holds the name "sites" (below)
                    "revision",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="certificates.certificaterevision",
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organisations.site"
                    ),
                ),
            ],
            options={
                "verbose_name": "certified site",
                "verbose_name_plural": "certified sites",
                "ordering": ["-is_central_function", "name", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("revision", "site"), name="revision_site_once")
                ],
            },
        ),
        migrations.RunPython(copy_certified, restore_sites),
        migrations.RemoveField(model_name="certificaterevision", name="sites"),
        migrations.AlterField(
            model_name="revisionsite",
            name="revision",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sites",
                to="certificates.certificaterevision",
            ),
        ),
    ]
