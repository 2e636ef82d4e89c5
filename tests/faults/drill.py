"""The fault drill: the application as it runs in production (gunicorn with two workers, a Celery
worker, PostgreSQL, Redis as broker and cache, an SMTP server), then the faults an operator meets,
checking after each that every page answers without a 500, that nothing is lost and that nothing is
done twice. It prints what it tried and what happened, and exits non-zero on the first broken
promise.

    .venv/bin/python -m tests.faults.drill          (from the project root; `make faults`)

It uses only loopback and services of its own: a Redis on port 6391 (never the shared one), a
database `isocert_faults` on the local PostgreSQL (DATABASE_URL's server, dropped and made afresh),
a mail server written below, gunicorn on 8791. The faults:
1. Redis stopped: pages, public verification and the feed answer; a PDF and an e-mail asked for
   meanwhile are kept in the database and done once Redis is back (the sweepers);
2. a worker killed while it speaks to the mail server: the e-mail is taken over and sent once;
3. the mail server refusing: the e-mail waits, with the error, and is sent once it accepts again;
4. every PostgreSQL connection cut (as in a fail-over): the next requests reconnect.
"""

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDIS_PORT = int(os.environ.get("DRILL_REDIS_PORT", "6391"))
WEB_PORT = int(os.environ.get("DRILL_WEB_PORT", "8791"))
SMTP_PORT = int(os.environ.get("DRILL_SMTP_PORT", "8025"))
DB_NAME = "isocert_faults"
WAIT = 60  # seconds for anything the drill waits for


class DrillFailed(Exception):
    pass


def say(text: str) -> None:
    sys.stdout.write(f"[drill] {text}\n")
    sys.stdout.flush()


def check(condition: bool, promise: str) -> None:
    if not condition:
        raise DrillFailed(promise)
    say(f"  ok: {promise}")


def wait_for(condition, what: str, seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise DrillFailed(f"timed out after {seconds:.0f} s waiting for {what}")


# --- A mail server that can accept, refuse, or stall ----------------------------------------------


class MailServer(socketserver.ThreadingTCPServer):
    """Just enough SMTP for Django's backend. `mode`: "accept", "refuse" (451 to MAIL FROM), or
    "stall" (holds the DATA command, as a mail server that has stopped answering does)."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _SMTPHandler)
        self.mode = "accept"
        self.delivered: list[tuple[str, str]] = []  # (recipient, Message-ID)
        self.stalled = threading.Event()


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        server: MailServer = self.server  # type: ignore[assignment]
        self.reply("220 drill ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 drill")
            elif verb == "MAIL":
                if server.mode == "refuse":
                    self.reply("451 4.3.0 Try again later")
                else:
                    recipients = []
                    self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(re.sub(r"^.*<(.*)>.*$", r"\1", command))
                self.reply("250 OK")
            elif verb == "DATA":
                if server.mode == "stall":
                    server.stalled.set()
                    time.sleep(WAIT)  # the client is killed meanwhile
                    return
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk.decode(errors="replace"))
                message_id = next((d[12:].strip() for d in data if d.lower().startswith("message-id: ")), "")
                server.delivered.extend((recipient, message_id) for recipient in recipients)
                self.reply("250 OK queued")
            elif verb == "RSET":
                recipients = []
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


# --- The processes ---------------------------------------------------------------------------------


class Stack:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.logs = workdir / "logs"
        self.logs.mkdir()
        base = urllib.parse.urlsplit(
            os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/isocert")
        )
        self.database_url = urllib.parse.urlunsplit(base._replace(path=f"/{DB_NAME}"))
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "BEHIND_TLS_PROXY": "false",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "REDIS_CACHE_URL": f"redis://127.0.0.1:{REDIS_PORT}/1",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(SMTP_PORT),
            "EMAIL_TIMEOUT": "5",
            "VAR_DIR": str(workdir / "var"),
            "SITE_URL": f"http://127.0.0.1:{WEB_PORT}",
            "MFA_REQUIRED": "false",  # the drill signs people in by session; MFA has tests of its own
            "LOG_LEVEL": "WARNING",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603  (the drill's own arguments)
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if result.returncode:
            raise DrillFailed(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)

    def start_redis(self) -> None:
        redis = shutil.which("redis-server")
        if redis is None:
            raise DrillFailed("redis-server is not installed (Debian: apt-get install redis-server)")
        self.start(
            "redis",
            [redis, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )
        wait_for(lambda: _port_open(REDIS_PORT), f"Redis on port {REDIS_PORT}")

    def start_worker(self, name: str) -> None:
        self.start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "celery,pdf",
                "-c",
                "2",
                "-n",
                f"{name}@%h",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
        )

    def start_web(self) -> None:
        self.start(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{WEB_PORT}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],
        )
        wait_for(lambda: _port_open(WEB_PORT), "gunicorn")

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name, signal.SIGKILL if name.startswith("worker") else signal.SIGTERM)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _port_open(port: int) -> bool:
    import socket

    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


# --- HTTP as a browser does it ---------------------------------------------------------------------


class Browser:
    def __init__(self, session_key: str = "") -> None:
        self.cookies = {"sessionid": session_key} if session_key else {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", WEB_PORT, timeout=30)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{WEB_PORT}{path}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        self.location = response.getheader("Location", "")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return response.status, text

    def get(self, path: str) -> int:
        return self.request("GET", path)[0]

    def post(self, path: str, form: dict) -> int:
        self.get(path)  # the form's page gives the CSRF cookie
        return self.request("POST", path, form)[0]


# --- The drill ------------------------------------------------------------------------------------


def prepare_database(stack: Stack) -> None:
    from core.databases import fresh_database

    fresh_database(DB_NAME)  # on the server DATABASE_URL names


def django_in_this_process(stack: Stack) -> None:
    os.environ.update(stack.env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


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


def session_for(email: str) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from organisations.models import User

    user = User.objects.get(email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


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

    return Browser().post(reverse("password_reset"), {"email": email})


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
    browsers = {persona: Browser(session_for(persona) if persona else "") for persona in pages}
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
    visitor = Browser()
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
        lambda: Document.objects.get(pk=document.pk).status == DocumentStatus.READY, "the PDF to be rendered"
    )
    wait_for(lambda: emails_to(first).get().status == EmailStatus.SENT, "the e-mail to be sent")
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
    wait_for(MAIL.stalled.is_set, "the worker to reach the mail server")
    check(emails_to(second).get().status == EmailStatus.SENDING, "the e-mail is claimed by the worker")
    STACK.stop("worker-1", signal.SIGKILL)
    say("   worker killed (SIGKILL to its whole process group); a new worker started")
    MAIL.mode = "accept"
    STACK.start_worker("worker-2")
    say("   " + STACK.manage("requeue_emails", "--stuck-after", "0").strip())
    wait_for(lambda: emails_to(second).get().status == EmailStatus.SENT, "the e-mail to be taken over")
    email = emails_to(second).get()
    check(email.attempts == 2, "the e-mail was taken over by the new worker (attempt 2)")
    check(deliveries(second) == 1, f"the reset e-mail reached {second} once")

    # 3. The mail server refusing ------------------------------------------------------------------
    say("3. the mail server refusing mail")
    MAIL.mode = "refuse"
    check(reset_password(third) == 302, f"a password reset for {third} while the mail server refuses")
    wait_for(
        lambda: emails_to(third).get().attempts == 1 and emails_to(third).get().status == EmailStatus.PENDING,
        "the refusal to be recorded",
    )
    email = emails_to(third).get()
    check("451" in email.last_error, f"the e-mail waits with the server's answer: {email.last_error!r}")
    MAIL.mode = "accept"
    # Time passes: its next attempt, a minute later, is due (and past the sweeper's grace)
    emails_to(third).update(next_attempt_at=timezone.now() - 2 * QUEUE_GRACE)
    say("   the mail server accepts again; " + STACK.manage("requeue_emails").strip())
    wait_for(
        lambda: emails_to(third).get().status == EmailStatus.SENT, "the e-mail to be sent at its next attempt"
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
    STACK = Stack(workdir)
    MAIL = MailServer(SMTP_PORT)
    threading.Thread(target=MAIL.serve_forever, daemon=True).start()
    started = time.monotonic()
    try:
        say(
            f"setting up in {workdir}: database {DB_NAME}, Redis :{REDIS_PORT}, "
            f"gunicorn :{WEB_PORT}, SMTP :{SMTP_PORT}"
        )
        prepare_database(STACK)
        STACK.start_redis()
        STACK.manage("migrate", "--noinput")
        STACK.manage("load_demo", "--force")  # published demo passwords: a throwaway database
        STACK.manage("collectstatic", "--noinput")
        STACK.start_web()
        STACK.start_worker("worker-1")
        django_in_this_process(STACK)
        run()
    except DrillFailed as failure:
        say(f"FAILED: {failure}")
        for name in ("gunicorn", "worker-1", "worker-2"):
            say(f"--- last lines of {name}.log ---\n{STACK.log_tail(name)}")
        return 1
    finally:
        STACK.stop_all()
        MAIL.shutdown()
    say(f"PASSED in {time.monotonic() - started:.0f} s: no 5xx, nothing lost, nothing done twice.")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
