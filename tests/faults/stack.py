"""The application as production runs it, on loopback, for the fault drill (drill.py) and the
scale-out race (scaleout.py): the production settings on a database and a Redis of the run's own,
a mail server written here, browsers that speak HTTP to gunicorn, and Django in the run's own
process to arrange data and read what happened."""

import http.client
import os
import re
import secrets
import shutil
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from tests.processes import ROOT, Processes, TimedOut, gunicorn, port_open, redis_server, wait_for

STALL = 60  # seconds a stalling mail server holds a message (the drill kills its client meanwhile)


class Failed(AssertionError):
    """A promise broken: the run stops and says which."""


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
        self.subjects: list[tuple[str, str]] = []  # (recipient, Subject)
        self.stalled = threading.Event()

    def serve_in_background(self) -> "MailServer":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        server: MailServer = self.server  # type: ignore[assignment]
        self.reply("220 stack ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 stack")
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
                    time.sleep(STALL)  # the client is killed meanwhile
                    return
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk.decode(errors="replace"))
                message_id = _header(data, "Message-ID")
                subject = _header(data, "Subject")
                server.delivered.extend((recipient, message_id) for recipient in recipients)
                server.subjects.extend((recipient, subject) for recipient in recipients)
                self.reply("250 OK queued")
            elif verb == "RSET":
                recipients = []
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


def _header(lines: list[str], name: str) -> str:
    prefix = f"{name.lower()}: "
    return next((line[len(prefix) :].strip() for line in lines if line.lower().startswith(prefix)), "")


# --- The processes ---------------------------------------------------------------------------------


class Stack(Processes):
    """The production settings on loopback: a database `db_name` on DATABASE_URL's server, a Redis
    on `redis_port`, the mail server on `smtp_port`, and the run's own VAR_DIR (uploads and PDFs,
    MEDIA_ROOT, shared by every process it starts)."""

    def __init__(
        self, workdir: Path, *, db_name: str, redis_port: int, smtp_port: int, site_port: int
    ) -> None:
        logs = workdir / "logs"
        logs.mkdir()
        base = urllib.parse.urlsplit(
            os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/isocert")
        )
        self.db_name = db_name
        self.redis_port = redis_port
        self.media = workdir / "var" / "media"
        super().__init__(
            logs,
            os.environ
            | {
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "false",
                "BEHIND_TLS_PROXY": "false",
                "DATABASE_URL": urllib.parse.urlunsplit(base._replace(path=f"/{db_name}")),
                "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                "REDIS_CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp_port),
                "EMAIL_TIMEOUT": "5",
                "VAR_DIR": str(workdir / "var"),
                "SITE_URL": f"http://127.0.0.1:{site_port}",
                "MFA_REQUIRED": "false",  # people are signed in by session; MFA has tests of its own
                "LOG_LEVEL": "WARNING",
            },
        )

    def prepare(self) -> None:
        """The database made afresh, Redis started, the schema, the demo data and static files."""
        from core.databases import fresh_database

        fresh_database(self.db_name)  # on the server DATABASE_URL names
        self.start_redis()
        self.manage("migrate", "--noinput")
        self.manage("load_demo", "--force")  # published demo passwords: a throwaway database
        self.manage("collectstatic", "--noinput")

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603  (the run's own arguments)
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if result.returncode:
            raise Failed(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start_redis(self) -> None:
        self.start("redis", redis_server(self.redis_port))
        wait_for(lambda: port_open(self.redis_port), what=f"Redis on port {self.redis_port}")

    def start_web(self, name: str, port: int, *, workers: int = 1, threads: int = 1) -> None:
        self.start(name, gunicorn(port, workers=workers, threads=threads))
        wait_for(lambda: port_open(port), what=f"{name} on port {port}")

    def django_in_this_process(self) -> None:
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()


def conduct(
    stack: Stack, mail: MailServer, say: Callable[[str], None], steps: Callable[[], None], *, passed: str
) -> int:
    """Run the steps, then stop every process and the mail server whatever happened. A broken
    promise is said, with the last lines of each process's log; the exit status."""
    started = time.monotonic()
    try:
        steps()
    except (Failed, TimedOut) as failure:
        say(f"FAILED: {failure}")
        for log in sorted(stack.logs.glob("*.log")):
            if log.stem != "redis":
                say(f"--- last lines of {log.name} ---\n{stack.log_tail(log.stem)}")
        return 1
    finally:
        stack.stop_all()
        mail.shutdown()
    say(f"PASSED in {time.monotonic() - started:.0f} s: {passed}")
    shutil.rmtree(stack.logs.parent, ignore_errors=True)
    return 0


# --- HTTP as a browser does it ---------------------------------------------------------------------


class Browser:
    def __init__(self, port: int, session_key: str = "") -> None:
        self.port = port
        self.cookies = {"sessionid": session_key} if session_key else {}
        self.location = ""
        self.content = b""  # the last response's body

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        self.content = response.read()
        text = self.content.decode(errors="replace")
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


def hidden_inputs(page: str) -> dict[str, str]:
    """The hidden fields of a page's forms (the CSRF token, a create form's one-time token)."""
    found = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", page):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            found[name.group(1)] = value.group(1) if value else ""
    return found


def session_for(email: str) -> str:
    """A signed-in session of this person, as the sign-in page would make it."""
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
