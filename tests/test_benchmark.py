"""`manage.py benchmark`: what it lists and how it ends, never how fast anything is."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.models import Transition
from improvement.models import GapAnalysis, GapAnswer
from organisations.models import User

pytestmark = pytest.mark.django_db

PAGES = [
    "BASELINE: admin organisations changelist",
    "dashboard (quality manager)",
    "dashboard (certification manager)",
    "organisations list",
    "organisation detail",
    "organisation sites",
    "organisation members",
    "organisation edit form",
    "site form",
    "member invite form",
    "two-factor sign-in page",
    "catalogue",
    "standard (ISO 9001)",
    "edition (ISO/IEC 27001:2022)",
    "gap list",
    "gap start form",
    "gap detail (demo ISO 9001 baseline)",
    "gap detail (demo integrated, 3 editions)",
    "gap detail (N answers, synthetic)",
    "gap answer page (synthetic analysis, no JavaScript)",
    "gap compare (demo baseline with a copy)",
    "gap compare (N answers with a copy)",
    "action register (first page)",
    "action register (open, overdue, searched)",
    "action register (last page)",
    "action detail",
    "my actions",
    "processes",
    "internal auditors and trainings",
    "internal audit programmes",
    "internal audit programme with coverage (ISO 9001)",
    "internal audit (30 findings)",
    "internal audit checklist",
    # --- management reviews ---
    "management reviews",
    "management review (16 inputs, 30 decisions)",
    # --- the Statement of Applicability ---
    "SoA versions",
    "SoA detail (93 controls, draft)",
    "SoA detail (93 controls, approved, certification body)",
    "SoA control form",
    # --- readiness for stage 1 ---
    "readiness task lists (ministry)",
    "readiness pack (ISO/IEC 27001:2022, CB lead auditor)",
    "next steps of the home page (ministry)",
    "management system menu (member of two organisations)",
    "programme list",
    "programme open form",
    "programme detail",
    "next step of a programme",
    "programme edit form",
    "programme time sheet",
    "programme edition time form",
    "programme coverage",
    "audit detail (stage 1, planner)",
    "audit detail (stage 1, lead auditor)",
    "audit plan form",
    "my audits",
    "audit plan (sent, lead auditor)",
    "audit plan (sent, client)",
    "audit report (issued, client)",
    "audit report PDF page (client)",
    "PDF being rendered (client)",
    "plan session form (lead auditor)",
    "add an audit form",
    "audit detail (stage 2 reported, client)",
    "audit detail (100 findings, lead auditor)",
    "finding list (100 findings)",
    "finding form (new, lead auditor)",
    "finding form (edit, lead auditor)",
    "finding page (answered, client)",
    "finding page (answered, reviewer)",
    "nonconformities waiting (client)",
    "nonconformities waiting (reviewer)",
    "dashboard (reviewer)",
    "decision form with its checklist (manager)",
    "decision page (manager)",
    "pre-transfer review form (manager)",
    "certificate page (manager)",
    "certificate page (client)",
    "suspension form (manager)",
    "draft revision form (manager)",
    "withdrawal form (manager)",
    "cancellation form (manager)",
    "reinstatement form (manager)",
    "void draft form (manager)",
    "register (N certificates, manager)",
    "register, filtered (manager)",
    "our certificates (N certificates, client)",
    "public verification by number",
    "public verification by QR code",
    "calendar month (manager)",
    "calendar month, filtered (manager)",
    "calendar month (client)",
    "calendar agenda, 90 days (manager)",
    "calendar agenda, 90 days (client)",
    "what is due, dashboard panels (manager)",
    "what is due, dashboard panels (client)",
    "work queue (manager)",
    "next steps, dashboard panel (manager)",
    "news from the CB, home page panel (client)",
    "task page (manager)",
    "not-suspend form (manager)",
    "reminders (client)",
    "calendar subscription (client)",
    "iCal feed (manager's calendar)",
    "changes notified (client)",
    "changes notified (manager)",
    "change notification form (client)",
    "change review page (manager)",
    "change review form (manager)",
]
# label, persona, queries, p50, p95, KB, ratio to the baseline, then OVER for a page above the rule
ROW = re.compile(
    r"^(?P<label>.+?)\s{2,}(\S+@\S+|\(public\))\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+"
    r"\s+(?P<ratio>[\d.]+)x(  OVER)?(  \(budget \d+ ms\))?$"
)


@pytest.fixture
def demo(db):
    call_command("load_demo", force=True, stdout=StringIO())


def _labels(out: StringIO) -> list[str]:
    return [match["label"] for line in out.getvalue().splitlines() if (match := ROW.match(line))]


def _answer_counts(labels: list[str]) -> list[int]:
    return [int(n) for label in labels for n in re.findall(r"\((\d+) answers", label)]


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (GapAnalysis, GapAnswer, Transition))


def test_benchmark_lists_every_page_with_the_baseline_and_leaves_the_data(demo):
    before = _counts()
    out = StringIO()
    call_command("benchmark", repetitions=1, warmup=0, stdout=out)
    labels = _labels(out)
    assert [re.sub(r"\((\d+) (answers|certificates)", r"(N \2", label) for label in labels] == PAGES
    assert all(count >= 150 for count in _answer_counts(labels)) and len(_answer_counts(labels)) == 2
    assert ROW.match(out.getvalue().splitlines()[2])["ratio"] == "1.00"
    assert "Rule: every page's p50 <= 1.5x the baseline's." in out.getvalue()
    # the daily job measured twice the same day: the second run finds nothing left to do
    first = re.search(
        r"daily job, first run over (\d+) valid certificates: \d+ ms, (\d+) queries", out.getvalue()
    )
    second = re.search(
        r"daily job, second run over \d+ valid certificates: \d+ ms, \d+ queries \(.*0 task\(s\) opened, "
        r"0 closed, 0 reminder\(s\) written",
        out.getvalue(),
    )
    assert first and int(first[1]) >= 1000 and second
    assert _counts() == before


def test_benchmark_fails_over_a_ratio_only_when_asked(demo):
    out = StringIO()
    with pytest.raises(CommandError, match=r"page\(s\) over 0.5x the baseline \(--fail-over\)"):
        call_command("benchmark", repetitions=1, warmup=0, fail_over=0.5, stdout=out)
    assert "BASELINE: admin organisations changelist" in out.getvalue()


def test_benchmark_only_keeps_the_baseline_and_the_matching_pages(demo):
    out = StringIO()
    call_command("benchmark", repetitions=1, warmup=0, only="programme detail", stdout=out)
    assert _labels(out) == ["BASELINE: admin organisations changelist", "programme detail"]


def test_benchmark_reports_a_page_that_does_not_answer(demo):
    User.objects.filter(email="manager@certa.example").update(is_active=False)
    out = StringIO()
    with pytest.raises(CommandError, match=r"did not answer 200: .*programme detail"):
        call_command("benchmark", repetitions=1, warmup=0, only="programme detail", stdout=out)
    assert re.search(
        r"^programme detail\s+manager@certa.example\s+ERROR HTTP 302 at /programmes/\d+/$",
        out.getvalue(),
        re.M,
    )


def test_benchmark_needs_the_demo_data(db):
    with pytest.raises(CommandError, match=r"run `manage\.py load_demo` first"):
        call_command("benchmark", repetitions=1, stdout=StringIO())


def test_benchmark_refuses_zero_repetitions(demo):
    with pytest.raises(CommandError, match="--repetitions must be at least 1"):
        call_command("benchmark", repetitions=0, stdout=StringIO())


SCALE_PAGES = [
    "BASELINE: admin certificates changelist",
    "dashboard (certification manager)",
    "dashboard (auditor)",
    "dashboard (quality manager)",
    "what to do next (quality manager)",
    "programme list, first page",
    "programme list, searched",
    "programme list, last page",
    "client picker, typed",
    "programme detail",
    "next step of a programme",
    "news from the CB (quality manager)",
    "organisations, first page",
    "organisations, last page",
    "my audits (busiest auditor)",
    "my audits, all (busiest auditor)",
    "work queue, first page",
    "work queue, last page",
    "next steps, dashboard panel",
    "nonconformities to review",
    "nonconformities waiting (client)",
    "register, first page",
    "register, filtered",
    "register, last page",
    "calendar month (manager)",
    "calendar agenda (manager)",
    "calendar month (client)",
    "calendar agenda (client)",
    "what is due, panels (manager)",
    "reminders (manager)",
    "audit with the most findings",
    "findings of the audit with the most findings",
    "certificate detail",
    "actions register (client)",
    "internal audit programmes (client)",
    "management reviews (client)",
    "gap analyses (client)",
    "readiness (client)",
    "public verification",
    "iCal feed (manager)",
    "iCal feed, mine (manager)",
    "register export CSV",
    "register export XLSX",
    "admin findings changelist",
    "gap analysis with the most answers",
]


def test_the_scale_benchmark_finds_its_people_in_the_data_and_leaves_it(demo):
    """On any data (here the demo's): every page answers, against the certificates changelist, with
    the daily job measured twice and its second run writing nothing."""
    before = (*_counts(), User.objects.count())
    out = StringIO()
    call_command("benchmark", scale=True, repetitions=1, warmup=0, stdout=out)
    assert _labels(out) == SCALE_PAGES
    text = out.getvalue()
    assert "Rule: every page's p50 <= 1.0x the baseline's." in text
    assert re.search(r"page\(s\) with p95 over 1.5x the baseline's p95 \(\d+\.\d ms\)", text)
    assert re.search(
        r"daily job, second run of the day: [\d.]+ s, \d+ queries; .* 0 reminder\(s\) written", text
    )
    assert "ERROR" not in text
    export_lines = [line for line in text.splitlines() if line.startswith("register export")]
    assert len(export_lines) == 2 and all(line.endswith("(budget 2000 ms)") for line in export_lines)
    assert (*_counts(), User.objects.count()) == before  # the benchmark's admin too is rolled back


def test_a_page_with_a_budget_of_its_own_is_judged_by_it_not_by_the_baseline():
    """A whole register's export has 2 s, not the ratio to a 100-row changelist."""
    from certificates.management.commands.benchmark import Page

    export = Page("register export CSV", "/x", "m", p50=1500.0, budget_ms=2000.0)
    assert not export.over(baseline=100.0, rule=1.0)  # 15x the baseline, within its 2 s
    assert Page("slow export", "/x", "m", p50=2100.0, budget_ms=2000.0).over(baseline=100.0, rule=1.0)
    assert Page("page", "/x", "m", p50=101.0).over(baseline=100.0, rule=1.0)
    assert not Page("page", "/x", "m", p50=99.0).over(baseline=100.0, rule=1.0)
