"""`manage.py pdf_benchmark`: how long the audit report PDF of 100 findings takes to render."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings

from audits.pdf_benchmark import FINDINGS, audit_with_findings, measure_report_pdf


class Command(BaseCommand):
    help = (
        "Render the audit report PDF of an audit with 100 findings (the demo's Northfield stage 2, "
        "filled up) a few times and print the median time and the size. Runs in a transaction that "
        "is rolled back."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--findings", type=int, default=FINDINGS, help=f"Findings in the report ({FINDINGS})."
        )
        parser.add_argument("--runs", type=int, default=5, help="Timed renders after one warm-up (5).")
        parser.add_argument("--output", default="", help="Also write the last PDF to this file.")

    def handle(self, *args, findings: int, runs: int, output: str, **options) -> None:
        if not 1 <= findings <= 2000 or not 1 <= runs <= 50:
            raise CommandError("--findings must be 1–2000 and --runs 1–50.")
        with override_settings(DEBUG=False), transaction.atomic():
            try:
                audit = audit_with_findings(findings)
            except ObjectDoesNotExist as error:
                raise CommandError(
                    f"Runs on the demo data: run `manage.py load_demo` first ({error})."
                ) from error
            measurement = measure_report_pdf(audit, runs)
            if output:
                from audits.pdf import render_audit_report_pdf

                with open(output, "wb") as file:
                    file.write(render_audit_report_pdf(audit))
            transaction.set_rollback(True)
        self.stdout.write(measurement.line())
