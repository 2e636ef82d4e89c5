"""The audit report PDF at scale, for `manage.py pdf_benchmark` and `manage.py benchmark`.

Works on the demo data inside the caller's transaction, which is rolled back: it gives the
Northfield stage 2 audit (a plan, a report, stage 1's areas of concern) as many findings as asked.
"""

import contextlib
import re
import statistics
import time
import zlib
from dataclasses import dataclass
from itertools import cycle

from django.db.models import Max

from audits.enums import AuditKind, FindingStatus, FindingType, RequirementSource
from audits.models import Audit, AuditReport, Finding
from audits.pdf import render_audit_report_pdf
from standards.models import Clause

FINDINGS = 100
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
TARGET_SECONDS = 1.5
TYPES = [
    FindingType.MINOR_NC,
    FindingType.OBSERVATION,
    FindingType.MAJOR_NC,
    FindingType.OFI,
    FindingType.MINOR_NC,
]


@dataclass
class Measurement:
    findings: int
    runs: int
    median: float
    fastest: float
    slowest: float
    cpu: float
    size: int
    pages: int

    def line(self) -> str:
        verdict = "within" if self.median <= TARGET_SECONDS else "OVER"
        return (
            f"audit report PDF, {self.findings} findings: median {self.median:.2f} s "
            f"(min {self.fastest:.2f}, max {self.slowest:.2f}; CPU {self.cpu:.2f} s) "
            f"over {self.runs} renders, "
            f"{self.pages} pages, {self.size / 1024:.0f} KB; {verdict} the {TARGET_SECONDS} s target"
        )


def audit_with_findings(count: int = FINDINGS) -> Audit:
    """The demo's Northfield stage 2 with findings added until it holds ``count`` (not withdrawn)."""
    audit = Audit.objects.select_related("programme").get(
        programme__organisation__name="Northfield Municipality",
        programme__editions__standard__code="ISO 9001",
        kind=AuditKind.STAGE2,
        repeat_of=None,
    )
    lead = audit.assignments.select_related("user").order_by("role").first()
    author = lead.user if lead else audit.programme.created_by
    if not AuditReport.objects.filter(audit=audit).exists():
        AuditReport.objects.create(audit=audit, updated_by=author, summary="Benchmark report.")
    existing = audit.findings.exclude(status=FindingStatus.WITHDRAWN).count()
    clauses = list(
        Clause.objects.filter(edition__in=audit.programme.editions.all(), assessable=True)
        .select_related("edition")
        .order_by("position")
    )
    site = audit.programme.sites.order_by("pk").first()
    start = (audit.findings.aggregate(top=Max("number"))["top"] or 0) + 1
    new = [
        Finding(
            audit=audit,
            number=number,
            type=kind,
            status=FindingStatus.OPEN
            if kind in (FindingType.MAJOR_NC, FindingType.MINOR_NC)
            else FindingStatus.RECORDED,
            source=RequirementSource.CLAUSE,
            clause=clause,
            site=site,
            process="Permits and licences",
            statement=(
                f"Finding {number}: the records of the permit reviews of March were not kept for three of "
                "the ten files sampled, so the review cannot be shown to have taken place."
            ),
            evidence=(
                "Files PR-2026-031 to PR-2026-040 sampled with the head of the permits office on 16 June; "
                "PR-2026-033, -036 and -039 have no review record. Procedure PRO-12 rev. 4 asks for one."
            ),
            raised_by=author,
        )
        for number, kind, clause in zip(
            range(start, start + max(count - existing, 0)), cycle(TYPES), cycle(clauses), strict=False
        )
    ]
    Finding.objects.bulk_create(new)
    through = Finding.editions.through
    through.objects.bulk_create(
        [through(finding_id=finding.pk, edition_id=finding.clause.edition_id) for finding in new]
    )
    return audit


def page_count(pdf: bytes) -> int:
    """Page objects, also inside compressed object streams."""
    parts = [pdf]
    for raw in STREAM.findall(pdf):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(raw))
    return sum(len(PAGE.findall(part)) for part in parts)


def measure_report_pdf(audit: Audit, runs: int = 5) -> Measurement:
    """Render the report once to warm up, then ``runs`` times: the whole render as the task runs
    it (queries, template, layout, PDF)."""
    pdf = render_audit_report_pdf(audit)
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = render_audit_report_pdf(audit)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    findings = audit.findings.exclude(status=FindingStatus.WITHDRAWN).count()
    pages = page_count(pdf)
    return Measurement(
        findings,
        runs,
        statistics.median(times),
        min(times),
        max(times),
        statistics.median(cpu),
        len(pdf),
        pages,
    )
