"""The fault drill: the application as it runs in production (gunicorn with two workers, a Celery
worker, PostgreSQL, Redis as broker and cache, an SMTP server), then the faults an operator meets,
checking after each that every page answers without a 500, that nothing is lost and that nothing is
done twice. It prints what it tried and what happened, and exits non-zero on the first broken
promise.

    .venv/bin/python -m tests.faults.drill          (from the project root; `make faults`)

It uses only loopback and services of its own: a Redis on port 6391 (never the shared one), a
database `isocert_faults` on the local PostgreSQL (DATABASE_URL's server, dropped and made afresh),
a mail server of its own (tests/faults/stack.py), gunicorn on 8791. The faults:
1. Redis stopped: pages, public verification and the feed answer; a PDF and an e-mail asked for
   meanwhile are kept in the database and done once Redis is back (the sweepers);
2. a worker killed while it speaks to the mail server: the e-mail is taken over and sent once;
3. the mail server refusing: the e-mail waits, with the error, and is sent once it accepts again;
4. every PostgreSQL connection cut (as in a fail-over): the next requests reconnect.
"""

import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.faults.stack import Browser, Failed, MailServer, Stack, conduct, session_for
from tests.processes import celery_worker, wait_for

REDIS_PORT = int(os.environ.get("DRILL_REDIS_PORT", "6391"))
WEB_PORT = int(os.environ.get("DRILL_WEB_PORT", "8791"))
SMTP_PORT = int(os.environ.get("DRILL_SMTP_PORT", "8025"))
DB_NAME = "isocert_faults"


def say(text: str) -> None:
    sys.stdout.write(f"[drill] {text}\n")
    sys.stdout.flush()


def check(condition: bool, promise: str) -> None:
    if not condition:
        raise Failed(promise)
    say(f"  ok: {promise}")


# --- The drill ------------------------------------------------------------------------------------


def pages_by_persona() -> dict[str, list[str]]:
    """Every page of the benchmark (each app's benchmark.py), by who opens it, and the public ones."""
    from importlib import import_module

    from django.apps import apps
    from django.urls import reverse
    from django.utils.module_loading import module_has_submodule

    from certificates.models import CalendarSettings, Certificate

    pages: dict[str, list[str]] = {}
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "benchmark"):
            for _label, url, persona in import_module(f"{config.name}.benchmark").benchmark_pages():
                pages.setdefault(persona, []).append(url)
    feed = CalendarSettings.objects.select_related("user").first()
    certificate = Certificate.objects.exclude(number="").first()
    pages[""] = [
        *pages.get("", []),
        reverse("login"),
        reverse("healthz"),
        reverse("verification:search") + f"?number={certificate.number}",
        reverse("calendar:feed", args=[feed.feed_token]),
    ]
    return pages


def sweep(pages: dict[str, list[str]], browsers: dict[str, Browser], moment: str) -> None:
    from django.urls import reverse

    statuses: Counter = Counter()
    errors = []
    for persona, urls in pages.items():
        for url in urls:
            browser = browsers[persona]
            status = browser.get(url)
            statuses[status] += 1
            if status >= 500:
                errors.append(f"{status} {url} ({persona or 'public'})")
            elif persona and status == 302 and browser.location.startswith(reverse("login")):
                errors.append(f"{url} sent {persona} to sign in: the drill's session does not hold")
    total = sum(statuses.values())
    say(f"  {moment}: {total} pages answered {dict(sorted(statuses.items()))}")
    check(not errors, f"{moment}: no page answers 5xx" + (f" — but: {errors[:5]}" if errors else ""))


def reset_password(email: str) -> int:
    """The public "forgot your password" form: it e-mails a link (through the outbox)."""
    from django.urls import reverse

    return Browser(WEB_PORT).post(reverse("password_reset"), {"email": email})


def people_first() -> str:
    from organisations.models import User

    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .order_by("pk")
        .values_list("email", flat=True)[0]
    )


def deliveries(address: str) -> int:
    """How many times the mail server took the (only) e-mail written to `address` by the drill."""
    message_id = emails_to(address).get().message["headers"]["Message-ID"]
    return MAIL.delivered.count((address, message_id))


def emails_to(address: str):
    from core.models import OutgoingEmail

    return OutgoingEmail.objects.filter(recipients=address).order_by("pk")


def run() -> None:
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from certificates.documents import CERTIFICATE
    from certificates.models import CertificateRevision
    from core.models import Document, DocumentStatus, EmailStatus
    from core.outbox import QUEUE_GRACE
    from organisations.demo import DEMO_PASSWORD
    from organisations.models import User

    pages = pages_by_persona()
    browsers = {persona: Browser(WEB_PORT, session_for(persona) if persona else "") for persona in pages}
    say(f"{sum(map(len, pages.values()))} pages of {len(pages) - 1} people and the public")
    sweep(pages, browsers, "all services up")

    # 1. Redis stopped -----------------------------------------------------------------------------
    say("1. Redis (broker and cache) stopped")
    STACK.stop("redis")
    sweep(pages, browsers, "Redis down")
    status, body = browsers[""].request("GET", reverse("healthz"))
    check(
        status == 200 and '"broker": {"status": "unavailable"' in body,
        "/healthz says the broker is unavailable",
    )
    visitor = Browser(WEB_PORT)
    signed_in = visitor.post(reverse("login"), {"username": people_first(), "password": DEMO_PASSWORD})
    check(signed_in == 302 and visitor.location != reverse("login"), "a person signs in while Redis is down")

    revision = (
        CertificateRevision.objects.filter(certificate__number__gt="").select_related("certificate").first()
    )
    Document.objects.filter(kind=CERTIFICATE, object_id=revision.pk).update(status=DocumentStatus.FAILED)
    manager = next(p for p in pages if p.startswith("manager@"))
    path = reverse("documents:subject", args=[CERTIFICATE, revision.pk])
    check(
        browsers[manager].post(path, {}) in (200, 302), "the certificate PDF is asked for while Redis is down"
    )
    document = Document.objects.filter(kind=CERTIFICATE, object_id=revision.pk).latest("pk")
    check(document.status == DocumentStatus.QUEUED, "the PDF waits, queued in the database")

    people = list(
        User.objects.filter(is_active=True).exclude(email="").order_by("pk").values_list("email", flat=True)
    )
    first, second, third = people[:3]
    check(reset_password(first) == 302, f"a password reset for {first} is asked for while Redis is down")
    check(emails_to(first).get().status == EmailStatus.PENDING, "its e-mail waits, pending in the outbox")

    say("   Redis started again (empty: what the broker held is gone)")
    STACK.start_redis()
    time.sleep(31)  # past the sweepers' grace: a task just sent may still be on its way
    say("   " + STACK.manage("requeue_documents").strip() + " " + STACK.manage("requeue_emails").strip())
    wait_for(
        lambda: Document.objects.get(pk=document.pk).status == DocumentStatus.READY,
        what="the PDF to be rendered",
    )
    wait_for(lambda: emails_to(first).get().status == EmailStatus.SENT, what="the e-mail to be sent")
    check(
        Document.objects.get(pk=document.pk).size > 1000,
        "the PDF asked for during the outage is rendered once",
    )
    check(deliveries(first) == 1, f"the reset e-mail reached {first} once")
    sweep(pages, browsers, "Redis back")

    # 2. A worker killed while it sends --------------------------------------------------------------
    say("2. a worker killed while it speaks to the mail server")
    MAIL.mode = "stall"
    MAIL.stalled.clear()
    check(reset_password(second) == 302, f"a password reset for {second}")
    wait_for(MAIL.stalled.is_set, what="the worker to reach the mail server")
    check(emails_to(second).get().status == EmailStatus.SENDING, "the e-mail is claimed by the worker")
    STACK.stop("worker-1", signal.SIGKILL)
    say("   worker killed (SIGKILL to its whole process group); a new worker started")
    MAIL.mode = "accept"
    STACK.start("worker-2", celery_worker(queues="celery,pdf", name="worker-2", concurrency=2))
    say("   " + STACK.manage("requeue_emails", "--stuck-after", "0").strip())
    wait_for(lambda: emails_to(second).get().status == EmailStatus.SENT, what="the e-mail to be taken over")
    email = emails_to(second).get()
    check(email.attempts == 2, "the e-mail was taken over by the new worker (attempt 2)")
    check(deliveries(second) == 1, f"the reset e-mail reached {second} once")

    # 3. The mail server refusing ------------------------------------------------------------------
    say("3. the mail server refusing mail")
    MAIL.mode = "refuse"
    check(reset_password(third) == 302, f"a password reset for {third} while the mail server refuses")
    wait_for(
        lambda: emails_to(third).get().attempts == 1 and emails_to(third).get().status == EmailStatus.PENDING,
        what="the refusal to be recorded",
    )
    email = emails_to(third).get()
    check("451" in email.last_error, f"the e-mail waits with the server's answer: {email.last_error!r}")
    MAIL.mode = "accept"
    # Time passes: its next attempt, a minute later, is due (and past the sweeper's grace)
    emails_to(third).update(next_attempt_at=timezone.now() - 2 * QUEUE_GRACE)
    say("   the mail server accepts again; " + STACK.manage("requeue_emails").strip())
    wait_for(
        lambda: emails_to(third).get().status == EmailStatus.SENT,
        what="the e-mail to be sent at its next attempt",
    )
    check(deliveries(third) == 1, f"the reset e-mail reached {third} once")

    # 4. Every PostgreSQL connection cut -------------------------------------------------------------
    say("4. every PostgreSQL connection of the application cut (as in a fail-over)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [DB_NAME],
        )
        say(f"   {cursor.fetchone()[0]} connection(s) terminated")
    sweep(pages, browsers, "after the connections were cut")

    # Nothing lost, nothing twice ------------------------------------------------------------------
    from core.models import OutgoingEmail

    statuses = Counter(OutgoingEmail.objects.values_list("status", flat=True))
    check(set(statuses) == {EmailStatus.SENT}, f"every e-mail written was sent: {dict(statuses)}")
    twice = [key for key, n in Counter(MAIL.delivered).items() if n > 1]
    check(not twice, f"no e-mail was delivered twice ({len(MAIL.delivered)} delivered): {twice}")


STACK: Stack
MAIL: MailServer


def main() -> int:
    global STACK, MAIL
    workdir = Path(tempfile.mkdtemp(prefix="isocert-drill-"))
    STACK = Stack(workdir, db_name=DB_NAME, redis_port=REDIS_PORT, smtp_port=SMTP_PORT, site_port=WEB_PORT)
    MAIL = MailServer(SMTP_PORT).serve_in_background()

    def steps() -> None:
        say(
            f"setting up in {workdir}: database {DB_NAME}, Redis :{REDIS_PORT}, "
            f"gunicorn :{WEB_PORT}, SMTP :{SMTP_PORT}"
        )
        STACK.prepare()
        STACK.start_web("gunicorn", WEB_PORT, workers=2)
        STACK.start("worker-1", celery_worker(queues="celery,pdf", name="worker-1", concurrency=2))
        STACK.django_in_this_process()
        run()

    return conduct(STACK, MAIL, say, steps, passed="no 5xx, nothing lost, nothing done twice.")


if __name__ == "__main__":
    sys.exit(main())
