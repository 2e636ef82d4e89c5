"""`manage.py benchmark`: every page of the app against one baseline, on the demo data.

The baseline is the Django admin changelist of organisations, measured in the same run; the rule
is that every page's p50 stays within RULE times it. Each app lists its own pages in a
`benchmark.py` module with `benchmark_pages() -> [(label, url, persona e-mail)]`.
"""

import math
import statistics
import time
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.http import HttpResponseBase
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from certificates import scale_benchmark
from organisations.models import User

RULE = 1.5  # every page's p50 at most this many times the baseline's
BASELINE_LABEL = "BASELINE: admin organisations changelist"
# At national scale (--scale): the admin changelist of certificates (100 rows) is the baseline
SCALE_RULE = 1.0
SCALE_P95_RULE = 1.5
SCALE_BASELINE_LABEL = "BASELINE: admin certificates changelist"
ADMIN = "admin@isocert.example"


@dataclass
class Page:
    label: str
    url: str
    persona: str
    queries: int = 0
    p50: float = 0.0
    p95: float = 0.0
    kilobytes: float = 0.0
    error: str = ""
    budget_ms: float | None = None  # an absolute budget (a whole register's export), not the ratio

    def over(self, baseline: float, rule: float) -> bool:
        """Over its budget: its own, else `rule` times the baseline's p50."""
        if self.budget_ms is not None:
            return self.p50 > self.budget_ms
        return bool(baseline) and self.p50 / baseline > rule


class Command(BaseCommand):
    """Lives in the topmost app because it spans every app; each app lists its pages in benchmark.py."""

    help = (
        "Measure every page on the demo data (queries, p50/p95 server time, size) against the Django "
        f"admin changelist of organisations. The rule: every page <= {RULE}x that baseline. "
        "Runs in a transaction that is rolled back."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repetitions", type=int, default=30, help="Timed requests per page (30).")
        parser.add_argument("--warmup", type=int, default=2, help="Untimed requests per page first (2).")
        parser.add_argument("--only", default="", help="Only the pages whose label contains this text.")
        parser.add_argument(
            "--scale",
            action="store_true",
            help="Measure the national-scale pages (certificates/scale_benchmark.py; data from `manage.py "
            f"seed_scale`) against the admin changelist of certificates; the rule: p50 <= {SCALE_RULE}x "
            f"and p95 <= {SCALE_P95_RULE}x the baseline's p95.",
        )
        parser.add_argument(
            "--fail-over",
            type=float,
            default=None,
            metavar="RATIO",
            help="Exit non-zero when a page's p50 is above RATIO times the baseline's (off by default).",
        )

    def handle(
        self, *args, repetitions: int, warmup: int, only: str, fail_over: float | None, scale: bool, **options
    ):
        if repetitions < 1 or warmup < 0:
            raise CommandError("--repetitions must be at least 1 and --warmup at least 0.")
        if fail_over is not None and fail_over <= 0:
            raise CommandError("--fail-over must be a positive ratio, e.g. 1.5.")
        # DEBUG off, as in production: with it on, every query is also logged. "testserver" is the
        # host name of Django's test client.
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        # Public verification is throttled per address: the benchmark measures the page, not the limit.
        with (
            override_settings(DEBUG=False, ALLOWED_HOSTS=hosts, RATELIMIT_ENABLE=False),
            transaction.atomic(),
        ):
            pages = self._measure_all(only, repetitions, warmup, scale=scale)
            measurements = (scale_measurements() if scale else app_measurements()) if not only else []
            transaction.set_rollback(True)
        rule = SCALE_RULE if scale else RULE
        self._report(pages, repetitions, warmup, rule)
        for line in measurements:
            self.stdout.write(line)
        self._verdict(pages, fail_over, rule, p95_rule=SCALE_P95_RULE if scale else None)

    def _measure_all(self, only: str, repetitions: int, warmup: int, *, scale: bool) -> list[Page]:
        try:
            if scale:
                admin = scale_benchmark.ADMIN
                if not User.objects.filter(email=admin).exists():  # rolled back with the rest
                    User.objects.create_superuser(email=admin, password=None, full_name="Benchmark")
                pages = [
                    Page(SCALE_BASELINE_LABEL, reverse("admin:certificates_certificate_changelist"), admin)
                ]
                found = [
                    Page(label, url, persona, budget_ms=budget[0] if budget else None)
                    for label, url, persona, *budget in scale_benchmark.scale_pages()
                ]
            else:
                pages = [Page(BASELINE_LABEL, reverse("admin:organisations_organisation_changelist"), ADMIN)]
                found = app_pages()
            pages += [page for page in found if only.lower() in page.label.lower()]
            clients = {email: logged_in_client(email) for email in {page.persona for page in pages}}
        except ObjectDoesNotExist as error:
            raise CommandError(
                f"The benchmark runs on the demo data: run `manage.py load_demo` first ({error})."
            ) from error
        for page in pages:
            prepare(page, clients[page.persona], warmup)
        time_rounds([page for page in pages if not page.error], clients, repetitions)
        return pages

    def _report(self, pages: list[Page], repetitions: int, warmup: int, rule: float) -> None:
        database = connection.settings_dict
        self.stdout.write(
            f"{len(pages)} pages, {repetitions} timed requests each after {warmup} warm-up, DEBUG off, "
            f"{connection.vendor} database {database['NAME']}. "
            f"Rule: every page's p50 <= {rule}x the baseline's."
        )
        baseline = pages[0].p50 if not pages[0].error else 0.0
        width = max(len(page.label) for page in pages)
        persona_width = max(len(page.persona or "(public)") for page in pages)
        self.stdout.write(
            f"{'page'.ljust(width)}  {'persona'.ljust(persona_width)}  queries   p50 ms   p95 ms"
            "        KB  x base"
        )
        for page in pages:
            self.stdout.write(row(page, baseline, width, persona_width, rule))

    def _verdict(
        self, pages: list[Page], fail_over: float | None, rule: float, *, p95_rule: float | None
    ) -> None:
        errors = [page for page in pages if page.error]
        baseline = pages[0].p50
        over = [page for page in pages if not page.error and page.over(baseline, rule)]
        self.stdout.write(
            f"{len(over)} page(s) over {rule}x the baseline: {', '.join(p.label for p in over) or 'none'}."
        )
        if p95_rule is not None:
            limit = pages[0].p95 * p95_rule
            slow = [
                page for page in pages[1:] if not page.error and page.budget_ms is None and page.p95 > limit
            ]
            self.stdout.write(
                f"{len(slow)} page(s) with p95 over {p95_rule}x the baseline's p95 ({limit:.1f} ms): "
                f"{', '.join(p.label for p in slow) or 'none'}."
            )
        if errors:
            raise CommandError(
                f"{len(errors)} page(s) did not answer 200: {', '.join(p.label for p in errors)}."
            )
        failing = [page for page in pages if fail_over is not None and page.over(baseline, fail_over)]
        if failing:
            raise CommandError(f"{len(failing)} page(s) over {fail_over}x the baseline (--fail-over).")


def app_pages() -> list[Page]:
    """Every app's `benchmark.benchmark_pages()`, in the order of INSTALLED_APPS."""
    pages = [Page("dashboard (quality manager)", reverse("dashboard"), "qm@ministry.example")]
    pages.append(Page("dashboard (certification manager)", reverse("dashboard"), "manager@certa.example"))
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "benchmark"):
            module = import_module(f"{app.name}.benchmark")
            pages += [Page(label, url, persona) for label, url, persona in module.benchmark_pages()]
    return pages


def app_measurements() -> list[str]:
    """Lines from each app's optional `benchmark.benchmark_measurements()`: what is not a page,
    such as a PDF rendered by a task (audits: the audit report of 100 findings)."""
    lines = []
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "benchmark"):
            module = import_module(f"{app.name}.benchmark")
            if hasattr(module, "benchmark_measurements"):
                lines += module.benchmark_measurements()
    return lines


def logged_in_client(email: str) -> Client:
    """The persona's client; an empty e-mail is the public, signed out."""
    client = Client(raise_request_exception=False)
    if email:
        client.force_login(User.objects.get(email=email))
    return client


def prepare(page: Page, client: Client, warmup: int) -> None:
    """Warm up, then count the queries and the bytes of one request (not timed: counting slows it)."""
    with transaction.atomic():
        for _ in range(warmup):
            client.get(page.url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.url)
            content = body(response)
        if response.status_code != 200:
            page.error = f"HTTP {response.status_code}"
            transaction.set_rollback(True)
            return
    page.queries, page.kilobytes = len(queries), len(content) / 1024


def time_rounds(pages: list[Page], clients: dict[str, Client], repetitions: int) -> None:
    """Each round requests every page once, so a slower moment of the machine hits all pages alike."""
    timings: list[list[float]] = [[] for _ in pages]
    for _ in range(repetitions):
        for page, times in zip(pages, timings, strict=True):
            times.append(timed_get(clients[page.persona], page.url))
    for page, times in zip(pages, timings, strict=True):
        ordered = sorted(times)
        page.p50 = statistics.median(ordered)
        page.p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]


def timed_get(client: Client, url: str) -> float:
    """Until the last byte: a streamed response (an export) is read to its end."""
    start = time.perf_counter()
    body(client.get(url))
    return (time.perf_counter() - start) * 1000


def body(response: HttpResponseBase) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def row(page: Page, baseline: float, width: int, persona_width: int, rule: float = RULE) -> str:
    start = f"{page.label.ljust(width)}  {(page.persona or '(public)').ljust(persona_width)}"
    if page.error:
        return f"{start}  ERROR {page.error} at {page.url}"
    ratio = page.p50 / baseline if baseline else math.nan
    mark = "  OVER" if page.over(baseline, rule) else ""
    budget = f"  (budget {page.budget_ms:.0f} ms)" if page.budget_ms is not None else ""
    return (
        f"{start}  {page.queries:7d}  {page.p50:7.1f}  {page.p95:7.1f}  {page.kilobytes:8.1f}"
        f"  {ratio:5.2f}x{mark}{budget}"
    )


def scale_measurements() -> list[str]:
    """The daily job at scale: its first run of the day and a second run the same day (inside the
    benchmark's transaction, rolled back with it: nothing is sent)."""
    from certificates.services.daily import daily_job_run

    lines = []
    today = timezone.localdate()
    for attempt in ("first", "second"):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            run = daily_job_run(today=today)
            seconds = time.perf_counter() - start
        lines.append(
            f"daily job, {attempt} run of the day: {seconds:.2f} s, {len(queries)} queries; {run.summary()}"
        )
    return lines
