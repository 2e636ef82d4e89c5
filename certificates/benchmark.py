"""The certificates app for `manage.py benchmark`, on the demo data.

Called inside the benchmark's transaction, which is rolled back: it may create the records it
measures (certificates of the demo CB, extra sites).
"""

import datetime
import statistics
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditProgramme
from certificates.enums import CertificateStatus, DecisionKind, DecisionOutcome, RevisionStatus
from certificates.models import Certificate, CertificateRevision, Decision, RevisionSite
from certificates.services.due_dates import certificate_dues_refresh
from core.transitions import transition_record
from organisations.enums import SiteKind
from organisations.models import CertificationBody, Organisation, Site, User
from standards.models import Edition

DEMO_CB = "Certa Europe Certification"
DEMO_CLIENT = "Ministry of Digital Affairs"
NORTHFIELD = "Northfield Municipality"
MINISTRY_QM = "qm@ministry.example"
DECIDER = "manager@certa.example"
DECIDED_ON = datetime.date(2026, 3, 2)
MANY_SITES = 12
RENDERS = 7
TARGET_MS = 150
IMAGE_FIELDS = ("logo", "certification_mark", "accreditation_symbol")

EXPORT_SIZE = 1000  # certificates in the export measured (a national-scale CB)
REGISTER_SIZE = 120  # certificates in the register (a CB of national scale shows 50 a page)
ANONYMOUS = ""  # the benchmark's persona for public pages


def benchmark_pages() -> list[tuple[str, str, str]]:
    """The decision page previews Northfield's initial decision (its programme is ready for it);
    the certificate pages read a certificate of the ministry with three sites and a history,
    among REGISTER_SIZE others, all made with the ORM."""
    northfield = AuditProgramme.objects.get(
        certification_body__name=DEMO_CB, organisation__name=NORTHFIELD, editions__standard__code="ISO 9001"
    )
    edition = northfield.editions.get()
    decide = reverse("certificates:decision_add", args=[northfield.pk])
    preview = f"{decide}?edition={edition.pk}&kind={DecisionKind.INITIAL}"
    revision = _revision(sites=3, number="BENCH-PAGE")
    certificate, decision = revision.certificate, revision.decision
    for status, reason in (
        (CertificateStatus.SUSPENDED, "Client request"),
        (CertificateStatus.ACTIVE, "Resolved"),
    ):
        transition_record(subject=certificate, field="status", from_state="", to_state=status, reason=reason)
    register = _register_programme()
    drafted = None
    for number in range(REGISTER_SIZE):
        drafted = _revision(sites=1, number=f"BENCH-R{number:04d}", programme=register)
    _draft_of(drafted)  # the last one waits for its revision 2 to be issued
    public = reverse("verification:search") + f"?number={certificate.number}"
    in_register = Certificate.objects.filter(certification_body__name=DEMO_CB).count()
    of_ministry = Certificate.objects.filter(organisation__name=DEMO_CLIENT).count()
    return [
        ("decision form with its checklist (manager)", preview, DECIDER),
        ("decision page (manager)", decision.get_absolute_url(), DECIDER),
        (
            "pre-transfer review form (manager)",
            reverse("certificates:transfer_review_add", args=[northfield.pk]),
            DECIDER,
        ),
        ("certificate page (manager)", certificate.get_absolute_url(), DECIDER),
        ("certificate page (client)", certificate.get_absolute_url(), MINISTRY_QM),
        (
            "suspension form (manager)",
            reverse("certificates:certificate_suspend", args=[certificate.pk]),
            DECIDER,
        ),
        (
            "draft revision form (manager)",
            reverse("certificates:certificate_draft_edit", args=[drafted.certificate_id]),
            DECIDER,
        ),
        (
            "withdrawal form (manager)",
            reverse("certificates:certificate_withdraw", args=[certificate.pk]),
            DECIDER,
        ),
        (
            "cancellation form (manager)",
            reverse("certificates:certificate_cancel", args=[certificate.pk]),
            DECIDER,
        ),
        (
            "reinstatement form (manager)",
            reverse("certificates:certificate_reinstate", args=[certificate.pk]),
            DECIDER,
        ),
        (
            "void draft form (manager)",
            reverse("certificates:certificate_draft_void", args=[drafted.certificate_id]),
            DECIDER,
        ),
        (f"register ({in_register} certificates, manager)", reverse("certificates:register"), DECIDER),
        (
            "register, filtered (manager)",
            reverse("certificates:register") + "?status=active&q=BENCH-R00",
            DECIDER,
        ),
        (
            f"our certificates ({of_ministry} certificates, client)",
            reverse("certificates:register"),
            MINISTRY_QM,
        ),
        ("public verification by number", public, ANONYMOUS),
        ("public verification by QR code", revision.get_public_url(), ANONYMOUS),
        *_calendar_pages(certificate),
        *_change_pages(),
    ]


def _calendar_pages(certificate: Certificate) -> list[tuple[str, str, str]]:
    """The calendar over the demo and the register's certificates: its month and agenda for the
    certification manager and the client, the work queue with a rule-10 task on the certificate
    measured above, the reminders and subscription pages and the iCal feed."""
    from certificates.enums import TaskKind
    from certificates.models import Task
    from certificates.services.subscriptions import calendar_settings_of

    task = Task.objects.create(
        certificate=certificate, kind=TaskKind.OVERDUE_SURVEILLANCE, due_on=DECIDED_ON.replace(year=2027)
    )
    feed = calendar_settings_of(user=User.objects.get(email=DECIDER)).feed_token
    month = reverse("calendar:month")
    return [
        ("calendar month (manager)", month, DECIDER),
        ("calendar month, filtered (manager)", f"{month}?kind=expiry&kind=surveillance1", DECIDER),
        ("calendar month (client)", month, MINISTRY_QM),
        ("calendar agenda, 90 days (manager)", reverse("calendar:agenda"), DECIDER),
        ("calendar agenda, 90 days (client)", reverse("calendar:agenda"), MINISTRY_QM),
        ("what is due, dashboard panels (manager)", reverse("calendar:due"), DECIDER),
        ("what is due, dashboard panels (client)", reverse("calendar:due"), MINISTRY_QM),
        ("work queue (manager)", reverse("calendar:queue"), DECIDER),
        ("next steps, dashboard panel (manager)", reverse("calendar:queue_next"), DECIDER),
        ("news from the CB, home page panel (client)", reverse("certificates:news"), MINISTRY_QM),
        ("task page (manager)", task.get_absolute_url(), DECIDER),
        ("not-suspend form (manager)", reverse("calendar:task_not_suspend", args=[task.pk]), DECIDER),
        ("reminders (client)", reverse("calendar:reminders"), MINISTRY_QM),
        ("calendar subscription (client)", reverse("calendar:subscription"), MINISTRY_QM),
        ("iCal feed (manager's calendar)", reverse("calendar:feed", args=[feed]), ANONYMOUS),
    ]


def _change_pages() -> list[tuple[str, str, str]]:
    """The ministry's change notifications (rule 38), made with the ORM: three notified, one of
    them reviewed, on its organisation's page; the CB's review of another and its decision form."""
    from certificates.enums import ChangeOutcome, ChangeReviewStatus
    from certificates.models import ChangeNotification, ChangeReview

    organisation = Organisation.objects.get(name=DEMO_CLIENT)
    body = CertificationBody.objects.get(name=DEMO_CB)
    notifier, decider = User.objects.get(email=MINISTRY_QM), User.objects.get(email=DECIDER)
    reviews = [
        ChangeReview.objects.create(
            notification=ChangeNotification.objects.create(
                organisation=organisation,
                kind=kind,
                description=description,
                effective_on=DECIDED_ON.replace(year=2027),
                submitted_by=notifier,
            ),
            certification_body=body,
            due_on=timezone.localdate() + datetime.timedelta(days=body.change_review_days),
        )
        for kind, description in (
            ("scope", "A new online service for permits."),
            ("management", "A new director of digital services."),
            ("system", "The document control moves to a new platform."),
        )
    ]
    ChangeReview.objects.filter(pk=reviews[0].pk).update(
        status=ChangeReviewStatus.DECIDED,
        outcome=ChangeOutcome.NO_ACTION,
        reason="Within the certified scope.",
        decided_by=decider,
        decided_at=timezone.now(),
    )
    review = reviews[1]
    changes = reverse("certificates:change_list", args=[organisation.pk])
    return [
        ("changes notified (client)", changes, MINISTRY_QM),
        ("changes notified (manager)", changes, DECIDER),
        (
            "change notification form (client)",
            reverse("certificates:change_submit", args=[organisation.pk]),
            MINISTRY_QM,
        ),
        ("change review page (manager)", review.get_absolute_url(), DECIDER),
        (
            "change review form (manager)",
            reverse("certificates:change_review_decide", args=[review.pk]),
            DECIDER,
        ),
    ]


def benchmark_measurements() -> list[str]:
    """Not pages: the certificate PDF of one site and of twelve, as the `pdf` queue's task renders
    it; the register's CertSearch export, a file whose time grows with its rows."""
    from certificates.pdf import render_certificate_pdf

    with transaction.atomic(), _images(CertificationBody.objects.get(name=DEMO_CB)):
        one_site = _revision(sites=1, number="BENCH-0001")
        many_sites = _revision(sites=MANY_SITES, number="BENCH-0012")
        lines = [_measure(render_certificate_pdf, revision) for revision in (one_site, many_sites)]
        _bulk_revisions(_register_programme(), EXPORT_SIZE - 2, prefix="BENCH-E")
        lines.append(_measure_exports())
        lines += _measure_daily_job()
        lines.append(_measure_feed_build())
        transaction.set_rollback(True)
    return lines


def _issued(programme: AuditProgramme, numbers: list[str]) -> list[CertificateRevision]:
    """Issued, accredited ISO 9001:2015 certificates of the programme's client, one per number, in
    three bulk inserts (their certificates, decisions and revisions); sites are the caller's."""
    edition = Edition.objects.select_related("standard").get(standard__code="ISO 9001", year=2015)
    decider = User.objects.get(email=DECIDER)
    certificates = Certificate.objects.bulk_create(
        Certificate(
            certification_body=programme.certification_body,
            organisation=programme.organisation,
            standard=edition.standard,
            number=number,
            status=CertificateStatus.ACTIVE,
            status_since=DECIDED_ON,
            original_certified_on=DECIDED_ON,
        )
        for number in numbers
    )
    decisions = Decision.objects.bulk_create(
        Decision(
            programme=programme,
            edition=edition,
            kind=DecisionKind.INITIAL,
            outcome=DecisionOutcome.GRANT,
            decided_on=DECIDED_ON,
            decided_by=decider,
            rationale="Benchmark decision.",
            certificate=certificate,
        )
        for certificate in certificates
    )
    revisions = CertificateRevision.objects.bulk_create(
        CertificateRevision(
            certificate=certificate,
            revision=1,
            decision=decision,
            edition=edition,
            **CertificateRevision.holder_of(programme.organisation),
            scope=programme.scope,
            effective_on=DECIDED_ON,
            expiry_on=DECIDED_ON.replace(year=DECIDED_ON.year + 3),
            cycle_started_on=DECIDED_ON,
            status=RevisionStatus.CURRENT,
            accredited=True,
            issued_on=DECIDED_ON,
            issued_by=decider,
        )
        for certificate, decision in zip(certificates, decisions, strict=True)
    )
    # as `revision_issue` leaves them: their due dates stored
    certificate_dues_refresh(
        certificates=Certificate.objects.filter(pk__in=[c.pk for c in certificates]), reason="benchmark"
    )
    return revisions


def _bulk_revisions(programme: AuditProgramme, count: int, *, prefix: str) -> None:
    """`count` certificates of the programme's client, each at its central site."""
    revisions = _issued(programme, [f"{prefix}{n:04d}" for n in range(count)])
    site = _sites(programme, 1)[0]
    RevisionSite.objects.bulk_create(RevisionSite.copy_of(site, revision=r) for r in revisions)


def _measure_exports() -> str:
    """Both exports of the whole register, as the certification manager downloads them (to the
    last byte: the CSV one is streamed)."""
    from django.test import Client

    from certificates.management.commands.benchmark import body

    client = Client()
    client.force_login(User.objects.get(email=DECIDER))
    medians = {}
    for extension, name in (("CSV", "certificates:register_csv"), ("XLSX", "certificates:register_xlsx")):
        url = reverse(name)
        body(client.get(url))  # warm
        times = []
        for _ in range(RENDERS):
            start = time.perf_counter()
            content = body(client.get(url))
            times.append((time.perf_counter() - start) * 1000)
        medians[extension] = (statistics.median(times), len(content) / 1024)
    count = Certificate.objects.filter(certification_body__name=DEMO_CB).count()
    return f"register export, {count} certificates: " + ", ".join(
        f"{extension} median {ms:.0f} ms ({kb:.0f} KB)" for extension, (ms, kb) in medians.items()
    )


def _measure_feed_build() -> str:
    """The iCal feed as a calendar application first fetches it, before the cache keeps it: the
    certification manager's calendar over the demo and the export's certificates."""
    from django.test import Client, override_settings

    from certificates.services.subscriptions import calendar_settings_of

    token = calendar_settings_of(user=User.objects.get(email=DECIDER)).feed_token
    url = reverse("calendar:feed", args=[token])
    client = Client()
    times = []
    with override_settings(FEED_CACHE_SECONDS=0):
        for _ in range(RENDERS):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
    events = response.content.count(b"BEGIN:VEVENT")
    return (
        f"iCal feed built without its cache, {events} events: median {statistics.median(times):.0f} ms "
        f"({len(response.content) / 1024:.0f} KB); kept {settings.FEED_CACHE_SECONDS} s once built"
    )


def _measure_daily_job() -> list[str]:
    """The daily job over the demo and the export's certificates, run twice the same day: the
    first run does the day's work, the second finds nothing left to do (its e-mails would go out
    after the commit, which never comes here)."""
    from certificates.services.daily import daily_job_run

    today = timezone.localdate()
    valid = Certificate.objects.filter(
        status__in=(CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
    ).count()
    lines = []
    for run in ("first", "second"):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            result = daily_job_run(today=today)
            elapsed = (time.perf_counter() - start) * 1000
        lines.append(
            f"daily job, {run} run over {valid} valid certificates: {elapsed:.0f} ms, "
            f"{len(queries)} queries ({result.summary()})"
        )
    return lines


def _measure(render, revision: CertificateRevision) -> str:
    from audits.pdf_benchmark import page_count

    pdf = render(revision)  # warm: fonts, stylesheet, templates
    times, cpu = [], []
    for _ in range(RENDERS):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = render(revision)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    median, sites = statistics.median(times), revision.sites.count()
    label = "1 site" if sites == 1 else f"{sites} sites"
    verdict = (
        f"; {'within' if median <= TARGET_MS else 'OVER'} the {TARGET_MS} ms target" if sites == 1 else ""
    )
    return (
        f"certificate PDF, {label}: median {median:.0f} ms over {RENDERS} renders "
        f"(CPU {statistics.median(cpu):.0f} ms), {page_count(pdf)} pages, {len(pdf) / 1024:.0f} KB{verdict}"
    )


@contextmanager
def _images(body: CertificationBody):
    """The CB's logo, mark and symbol: the demo's own if it has them, otherwise small PNGs stored
    for the measurement and removed after it (the rollback does not remove files)."""
    missing = [field for field in IMAGE_FIELDS if not getattr(body, field)]
    for field in missing:
        getattr(body, field).save(f"{field}.png", ContentFile(_png(field)), save=False)
    body.save(update_fields=missing)
    try:
        yield
    finally:
        for field in missing:
            getattr(body, field).delete(save=False)


def _png(field: str) -> bytes:
    import io

    from PIL import Image

    colour = {"logo": "navy", "certification_mark": "darkgreen"}.get(field, "maroon")
    buffer = io.BytesIO()
    Image.new("RGB", (300, 150), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _sites(programme: AuditProgramme, count: int) -> list[Site]:
    """The client's sites, central function first, with benchmark offices added up to ``count``."""
    organisation = programme.organisation
    existing = list(organisation.sites.filter(is_active=True).order_by("-is_central_function", "name"))
    extra = [
        Site(
            organisation=organisation,
            name=f"Benchmark office {number:02d}",
            street=f"Boulevard du Benchmark {number}",
            postcode=f"{1000 + number}",
            city="Brussels",
            country="BE",
            headcount=20,
            kind=SiteKind.PERMANENT,
        )
        for number in range(1, count - len(existing) + 1)
    ]
    return (existing + Site.objects.bulk_create(extra))[:count]


def _draft_of(current: CertificateRevision) -> CertificateRevision:
    """Revision 2 of the certificate, drafted by a scope-extension decision and not yet issued."""
    decision = Decision.objects.create(
        programme=current.decision.programme,
        edition=current.edition,
        kind=DecisionKind.SCOPE_EXTENSION,
        outcome=DecisionOutcome.GRANT,
        decided_on=DECIDED_ON,
        decided_by=current.decision.decided_by,
        rationale="Benchmark extension.",
        certificate=current.certificate,
    )
    draft = CertificateRevision.objects.create(
        certificate=current.certificate,
        revision=2,
        decision=decision,
        edition=current.edition,
        **CertificateRevision.holder_of(current.certificate.organisation),
        scope=current.scope,
        effective_on=DECIDED_ON,
        expiry_on=current.expiry_on,
        cycle_started_on=current.cycle_started_on,
    )
    RevisionSite.objects.bulk_create(
        RevisionSite.copy_of(copy.site, revision=draft) for copy in current.sites.select_related("site")
    )
    return draft


def _ministry_programme() -> AuditProgramme:
    """The demo ministry's own programme (the first: the register's is added after it)."""
    return (
        AuditProgramme.objects.select_related("organisation", "certification_body")
        .filter(certification_body__name=DEMO_CB, organisation__name=DEMO_CLIENT)
        .earliest("pk")
    )


def _register_programme() -> AuditProgramme:
    """A second programme of the demo ministry holding the register's synthetic certificates (a
    CB's register at scale), so that the programme measured keeps its own decisions only."""
    programme = _ministry_programme()
    return AuditProgramme.objects.create(
        certification_body=programme.certification_body,
        organisation=programme.organisation,
        scope=programme.scope,
        headcount=programme.headcount,
        effective_personnel=programme.effective_personnel,
        personnel_justification=programme.personnel_justification,
        created_by=User.objects.get(email=DECIDER),
    )


def _revision(*, sites: int, number: str, programme: AuditProgramme | None = None) -> CertificateRevision:
    """An issued, accredited ISO 9001:2015 certificate (of the demo ministry unless another
    programme is given) with `sites` sites, made with the ORM."""
    programme = programme or _ministry_programme()
    revision = _issued(programme, [number])[0]
    RevisionSite.objects.bulk_create(
        RevisionSite.copy_of(site, revision=revision) for site in _sites(programme, sites)
    )
    revision.iaf_codes.set(programme.organisation.iaf_codes.all())
    return revision
