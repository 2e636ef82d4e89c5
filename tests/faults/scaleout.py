"""The scale-out race: three web processes (gunicorn, each its own master on its own port), three
Celery workers and exactly one beat, on one PostgreSQL database, one Redis and one MEDIA_ROOT, as
`docker compose up --scale web=3 --scale worker=3` runs them; then the races that only several
processes can lose, each checked in the database and at the mail server:

1. certificates granted at the same moment through the three web processes: each gets its own
   number, in sequence, with no gap and no duplicate;
2. the same certificate's PDF asked for on the three web processes at once: one document, rendered
   once by one worker into one file, which every web process then serves;
3. the daily job started at the same minute by the beat, by two more deliveries of its task to the
   other workers and by `manage.py daily_job` three times: each reminder written once, and each
   person's digest e-mailed once.

    .venv/bin/python -m tests.faults.scaleout          (from the project root; `make scaleout`)

It uses only loopback and services of its own, so it can run beside the drill's leftovers: a
database `isocert_scaleout` on the local PostgreSQL (DATABASE_URL's server, dropped and made
afresh), a Redis on port 6392, gunicorn on 8792-8794, a mail server on 8026. It prints what it
checks with the time each race took, and exits non-zero at the first broken promise.
"""

import datetime
import hashlib
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from tests.faults.stack import Browser, Failed, MailServer, Stack, conduct, hidden_inputs, session_for
from tests.processes import celery_beat, celery_worker, gunicorn, port_open, wait_for

REDIS_PORT = int(os.environ.get("SCALEOUT_REDIS_PORT", "6392"))
WEB_PORTS = [int(port) for port in os.environ.get("SCALEOUT_WEB_PORTS", "8792,8793,8794").split(",")]
SMTP_PORT = int(os.environ.get("SCALEOUT_SMTP_PORT", "8026"))
DB_NAME = "isocert_scaleout"
WORKERS = 3
GRANTS = 4  # decisions recorded at once (each client and standard of the demo without a certificate)
DAILY_COMMANDS = 3  # `manage.py daily_job` started with the beat's run
EXTRA_TASKS = 2  # deliveries of the daily job's task beside the beat's, one per other worker
MANAGER = "manager@certa.example"  # the demo's certification manager, qualified to decide
STANDARDS = ("ISO 9001", "ISO 14001", "ISO 45001", "ISO/IEC 27001")  # the manager decides on them


def say(text: str) -> None:
    sys.stdout.write(f"[scaleout] {text}\n")
    sys.stdout.flush()


def check(condition: bool, promise: str) -> None:
    if not condition:
        raise Failed(promise)
    say(f"  ok: {promise}")


def at_once(calls: list) -> list:
    """Run the calls in threads released together; their results in order."""
    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- 1. Certificate numbers --------------------------------------------------------------------------


def ready_programmes(manager, count: int) -> list:
    """Programmes with stage 1 and stage 2 reported and nothing pending, each of a client and a
    standard without a certificate yet (so each may be granted one now): the reports are taken as
    issued by their status, as the decision services' tests do."""
    from django.utils import timezone

    from audits.enums import AuditKind, AuditStatus
    from audits.models import Audit
    from audits.models.programme import ProgrammeScope
    from audits.services.programmes import programme_open
    from certificates.enums import CertificateStatus
    from certificates.models import Certificate
    from organisations.access import clients_of

    body = manager.cb_memberships.first().certification_body
    held = set(
        Certificate.objects.filter(certification_body=body)
        .exclude(status__in=(CertificateStatus.WITHDRAWN, CertificateStatus.CANCELLED))
        .values_list("organisation_id", "standard_id")
    )
    pairs = [
        (client, edition)
        for client in clients_of([body]).order_by("pk")
        for edition in latest_editions()
        if (client.pk, edition.standard_id) not in held
    ]
    programmes = []
    for index, (client, edition) in enumerate(pairs[:count], start=1):
        programme = programme_open(
            actor=manager,
            certification_body=body,
            organisation=client,
            editions=[edition],
            sites=[client.sites.order_by("pk").first()],
            iaf_codes=list(client.iaf_codes.all()),
            stage1_on=timezone.localdate() - datetime.timedelta(days=60),
            scope=ProgrammeScope(scope=f"Scale-out race {index}", headcount=10, effective_personnel=10),
        )
        Audit.objects.filter(programme=programme, kind__in=(AuditKind.STAGE1, AuditKind.STAGE2)).update(
            status=AuditStatus.CLOSED
        )
        programmes.append((programme, edition))
    if len(programmes) < count:
        raise Failed(f"the demo data has {len(programmes)} clients and standards without a certificate")
    return programmes


def latest_editions() -> list:
    """The newest edition of each standard the demo's certification manager decides on."""
    from standards.models import Edition

    newest = {}
    for edition in Edition.objects.filter(standard__code__in=STANDARDS).order_by("pk"):
        newest[edition.standard_id] = edition
    return list(newest.values())


def decision_post(port: int, session: str, programme, edition):
    """The decision page of one web process read; returns the posting of its form, to be called
    at the race's moment, which answers (status, where it led)."""
    from django.urls import reverse
    from django.utils import timezone

    browser = Browser(port, session)
    path = reverse("certificates:decision_add", args=[programme.pk])
    form = {
        "edition": str(edition.pk),
        "kind": "initial",
        "outcome": "grant",
        "decided_on": timezone.localdate().isoformat(),
        "rationale": "Stage 1 and stage 2 reports reviewed: no nonconformity.",
    }
    _status, page = browser.request("GET", path)
    form |= hidden_inputs(page)  # the CSRF token and the form's one-time token

    def post() -> tuple[int, str]:
        status, page = browser.request("POST", path, form)
        return status, browser.location or " ".join(page_errors(page))

    return post


def page_errors(page: str) -> list[str]:
    """What a form shown again says is wrong."""
    return re.findall(r'class="(?:alert alert-danger|invalid-feedback[^"]*)">(.*?)</div>', page, re.S)


def race_numbers(manager, session: str) -> None:
    from django.utils import timezone

    from certificates.models import Certificate, CertificateNumberSequence, Decision
    from organisations import numbers as patterns

    say(f"1. {GRANTS} certificates granted at the same moment, through {len(WEB_PORTS)} web processes")
    programmes = ready_programmes(manager, GRANTS)
    body = programmes[0][0].certification_body
    year, pattern = timezone.localdate().year, body.certificate_number_pattern
    check("{standard}" not in pattern, f"the CB's numbers ({pattern}) run on across its standards")
    sequence = CertificateNumberSequence.objects.filter(
        certification_body=body, key=patterns.sequence_key(pattern, year=year, standard="")
    )
    before = sequence.values_list("last_value", flat=True).first() or 0
    posts = [
        decision_post(WEB_PORTS[index % len(WEB_PORTS)], session, programme, edition)
        for index, (programme, edition) in enumerate(programmes)
    ]
    started = time.monotonic()
    answers = at_once(posts)
    say(f"   {len(answers)} decisions posted at once, answered in {time.monotonic() - started:.1f} s")
    check(
        all(status == 302 and "/certificates/decisions/" in where for status, where in answers),
        f"every decision was recorded (302 to the decision): {answers}",
    )
    decisions = Decision.objects.filter(
        programme__in=[programme for programme, _edition in programmes]
    ).select_related("certificate")
    numbers = sorted(decision.certificate.number for decision in decisions)
    expected = [
        patterns.certificate_number(pattern, year=year, standard="", seq=seq)
        for seq in range(before + 1, before + 1 + GRANTS)
    ]
    check(numbers == expected, f"the numbers follow each other, no gap, no duplicate: {', '.join(numbers)}")
    check(sequence.get().last_value == before + GRANTS, f"the running number stands at {before + GRANTS}")
    check(
        Certificate.objects.filter(certification_body=body, number__in=numbers).count() == GRANTS,
        "each number is held by one certificate",
    )


# --- 2. One PDF --------------------------------------------------------------------------------------


def media_files(media: Path, suffix: str) -> list[Path]:
    return sorted(path for path in media.rglob(f"*{suffix}") if ".incoming" not in path.parts)


def race_pdf(session: str, media: Path) -> None:
    from django.urls import reverse

    from certificates.documents import CERTIFICATE, certificate_filename
    from certificates.models import CertificateRevision
    from core.documents import documents_of
    from core.models import Document, DocumentStatus

    say(f"2. one certificate's PDF asked for on the {len(WEB_PORTS)} web processes at once")
    wait_for(
        lambda: not Document.objects.exclude(status=DocumentStatus.READY).exists(),
        what="the demo's PDFs to be rendered (the workers are idle)",
        seconds=120,
    )
    revision = CertificateRevision.objects.filter(status="current").select_related("certificate").first()
    for document in documents_of(CERTIFICATE, revision.pk):  # arrange: the revision has no PDF yet
        document.file.delete(save=False)
        document.delete()
    filename = certificate_filename(revision)
    check(media_files(media, filename) == [], f"no file {filename} on the shared storage before")
    path = reverse("documents:subject", args=[CERTIFICATE, revision.pk])
    browsers = [Browser(port, session) for port in WEB_PORTS]
    for browser in browsers:
        browser.get(path)  # the CSRF cookie
    started = time.monotonic()
    answers = at_once(
        [lambda b=browser: (b.request("POST", path, {})[0], b.location) for browser in browsers]
    )
    [document] = documents_of(CERTIFICATE, revision.pk)
    status_path = reverse("documents:status", args=[document.pk])
    check(
        answers == [(302, status_path)] * len(browsers),
        f"the {len(browsers)} requests follow one document ({status_path}): {answers}",
    )
    wait_for(lambda: Document.objects.get(pk=document.pk).status == DocumentStatus.READY, what="the PDF")
    say(f"   rendered {time.monotonic() - started:.1f} s after the requests")
    document.refresh_from_db()
    check(documents_of(CERTIFICATE, revision.pk).count() == 1, "one document row: rendered once")
    files = media_files(media, filename)
    check(
        len(files) == 1 and files[0].stat().st_size == document.size,
        f"one file on the shared storage: {files}",
    )
    download = reverse("documents:download", args=[document.pk])
    served = []
    for browser in browsers:
        status, _page = browser.request("GET", download)
        served.append((status, hashlib.sha256(browser.content).hexdigest()))
    check(
        served == [(200, document.sha256)] * len(browsers),
        f"each web process serves the worker's file, byte for byte ({document.size} bytes, SHA-256 checked)",
    )


# --- 3. The daily job --------------------------------------------------------------------------------


def next_minute(now: datetime.datetime, lead: float) -> datetime.datetime:
    """The first start of a minute at least `lead` seconds away, but never midnight: the commands
    start a few seconds early, and every run must see the same day."""
    at = (now + datetime.timedelta(seconds=lead + 60)).replace(second=0, microsecond=0)
    return at + datetime.timedelta(minutes=1) if (at.hour, at.minute) == (0, 0) else at


def race_daily_job(stack: Stack, mail: MailServer, workdir: Path) -> None:
    from django.utils import timezone

    from certificates.enums import ReminderStatus
    from certificates.models import DailyJobRun, Reminder
    from config.celery import app
    from core.models import EmailStatus, OutgoingEmail

    runs = 1 + EXTRA_TASKS + DAILY_COMMANDS
    say(f"3. the daily job {runs} times at the same minute: the beat's, {EXTRA_TASKS} more deliveries of")
    say(f"   its task (one per worker) and {DAILY_COMMANDS} `manage.py daily_job`")
    check(not Reminder.objects.exists() and not DailyJobRun.objects.exists(), "no reminder written yet today")
    at = next_minute(timezone.localtime(), lead=8)
    schedule = {"DAILY_JOB_HOUR": str(at.hour), "DAILY_JOB_MINUTE": str(at.minute)}
    stack.start("beat", celery_beat(workdir / "celerybeat-schedule"), **schedule)
    say(f"   the beat schedules it at {at:%H:%M}, {(at - timezone.localtime()).seconds} s from now")
    time.sleep(max((at - timezone.localtime()).total_seconds() - 4, 0))  # a command starts Django first
    commands = [
        stack.start(f"daily-job-{index}", [sys.executable, "manage.py", "daily_job"])
        for index in range(1, DAILY_COMMANDS + 1)
    ]
    time.sleep(max((at - timezone.localtime()).total_seconds(), 0))
    for _ in range(EXTRA_TASKS):
        app.send_task("certificates.daily_job")
    started = time.monotonic()
    codes = [command.wait(timeout=120) for command in commands]
    check(codes == [0] * DAILY_COMMANDS, f"the {DAILY_COMMANDS} commands finished (exit codes {codes})")
    wait_for(
        lambda: DailyJobRun.objects.filter(finished_at__isnull=False).count() == runs,
        what=f"{runs} runs of the daily job to finish",
        seconds=120,
    )
    say(f"   {runs} runs finished {time.monotonic() - started:.1f} s after the minute began")
    records = list(DailyJobRun.objects.order_by("started_at"))
    overlapping = sum(record.started_at < min(r.finished_at for r in records) for record in records)
    say(f"   {overlapping} of {runs} runs started before the first one finished")
    written = [int(re.search(r"(\d+) reminder\(s\) written", record.summary).group(1)) for record in records]
    reminders = Reminder.objects.count()
    check(reminders > 0, f"{reminders} reminders owed today")
    check(
        sum(written) == reminders,
        f"each reminder written once: the runs wrote {written}, {sum(written)} in all, {reminders} rows",
    )
    by_digest = Reminder.objects.filter(status=ReminderStatus.DIGEST)
    people = set(by_digest.values_list("recipient__email", flat=True))
    check(not by_digest.filter(email__isnull=True).exists(), "every reminder taken by e-mail is in a digest")
    digests = OutgoingEmail.objects.filter(pk__in=by_digest.values("email_id"))
    check(
        sorted(digests.values_list("recipients", flat=True)) == sorted(people),
        f"one digest per person: {len(people)} people, {digests.count()} digests",
    )
    wait_for(
        lambda: not digests.exclude(status=EmailStatus.SENT).exists(),
        what="the digests to be sent",
        seconds=90,
    )
    received = Counter(
        recipient for recipient, subject in mail.subjects if subject.startswith("Your reminders")
    )
    check(
        received == Counter(people),
        f"the mail server took each digest once: {dict(sorted(received.items()))}",
    )
    twice = [key for key, n in Counter(mail.delivered).items() if n > 1]
    check(not twice, f"no e-mail delivered twice ({len(mail.delivered)} delivered): {twice}")


# --- The run -------------------------------------------------------------------------------------------


def start_stack(stack: Stack) -> None:
    for index, port in enumerate(WEB_PORTS, start=1):
        stack.start(f"web-{index}", gunicorn(port, threads=2))
    for index in range(1, WORKERS + 1):
        stack.start(f"worker-{index}", celery_worker(queues="celery,pdf", name=f"worker-{index}"))
    for port in WEB_PORTS:
        wait_for(lambda port=port: port_open(port), what=f"gunicorn on port {port}")


def run(stack: Stack, mail: MailServer, workdir: Path) -> None:
    from organisations.models import User

    manager = User.objects.get(email=MANAGER)
    session = session_for(MANAGER)
    started = time.monotonic()
    race_numbers(manager, session)
    race_pdf(session, stack.media)
    race_daily_job(stack, mail, workdir)
    say(f"the races took {time.monotonic() - started:.0f} s")


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="isocert-scaleout-"))
    stack = Stack(
        workdir, db_name=DB_NAME, redis_port=REDIS_PORT, smtp_port=SMTP_PORT, site_port=WEB_PORTS[0]
    )
    mail = MailServer(SMTP_PORT).serve_in_background()

    def steps() -> None:
        started = time.monotonic()
        say(
            f"setting up in {workdir}: database {DB_NAME}, Redis :{REDIS_PORT}, "
            f"gunicorn :{','.join(map(str, WEB_PORTS))}, {WORKERS} workers, SMTP :{SMTP_PORT}"
        )
        stack.prepare()
        start_stack(stack)
        stack.django_in_this_process()
        say(f"set up in {time.monotonic() - started:.0f} s")
        run(stack, mail, workdir)

    return conduct(stack, mail, say, steps, passed="every number, PDF, reminder and digest once.")


if __name__ == "__main__":
    sys.exit(main())
