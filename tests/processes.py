"""Processes the tests start beside themselves: Celery workers, gunicorn, Redis. One place for how
they are started (each in a session of its own, so a signal reaches its children too), waited for
and stopped, used by the worker tests (tests/core/test_document_worker.py,
tests/certificates/test_reminder_worker.py), the fault drill and the scale-out race (tests/faults/).

Nothing here imports Django at module level: the drill imports it before Django is set up.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]


class TimedOut(AssertionError):
    """What was waited for did not happen in time (a failed test, or a failed drill)."""


def wait_for(condition: Callable[[], bool], *, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise TimedOut(f"Timed out after {seconds:.0f} s waiting for {what}.")


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def start(command: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Run `command` from the project root in a session of its own, its output appended to `log`."""
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603  (the callers' own literals)
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def kill(process: subprocess.Popen | None, sig: int = signal.SIGKILL) -> None:
    """Signal the whole process group (a Celery worker and its pool's children, a gunicorn master
    and its workers) and wait for it; SIGKILL if it does not end within 20 s."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


# --- Commands ---------------------------------------------------------------------------------------


def celery_worker(*, queues: str, app: str = "config", name: str = "", concurrency: int = 1) -> list[str]:
    """A worker as production runs it (prefork), without the chatter between workers (mingle,
    gossip, heartbeats) that only slows a short run down."""
    name = name or f"worker-{uuid.uuid4().hex[:8]}"
    return [
        sys.executable, "-m", "celery", "-A", app, "worker", "--pool=prefork", "-c", str(concurrency),
        "-Q", queues, "-n", f"{name}@%h", "--without-mingle", "--without-gossip", "--without-heartbeat",
        "--loglevel=INFO",
    ]  # fmt: skip


def celery_beat(schedule: Path) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", "beat", "-s", str(schedule), "--loglevel=INFO"]


def gunicorn(port: int, *, workers: int = 1, threads: int = 1) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--timeout", "60",
    ]  # fmt: skip


def redis_server(port: int) -> list[str]:
    import shutil

    redis = shutil.which("redis-server")
    if redis is None:
        raise TimedOut("redis-server is not installed (Debian: apt-get install redis-server)")
    return [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


# --- Named processes with their logs (the drill, the scale-out race) --------------------------------


class Processes:
    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs = logs
        self.env = env
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        process = start(command, env=self.env | env, log=self.logs / f"{name}.log")
        self.running[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        kill(self.running.pop(name, None), sig)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name, signal.SIGKILL if name.startswith("worker") else signal.SIGTERM)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


# --- A worker beside a test, on the test's own database -----------------------------------------


def this_database_url() -> str:
    """The test database this process uses, for a process started beside it."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    host = (db["HOST"] or "") + (f":{db['PORT']}" if db["PORT"] else "")
    return f"postgres://{credentials}@{host}/{quote(db['NAME'])}"


def start_worker_beside(log: Path, *, queues: str, app: str = "config", **env: str) -> subprocess.Popen:
    """A Celery worker in its own process, on the test database and the test broker, with the
    test settings and `env` on top."""
    from django.conf import settings

    worker_env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": this_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        **env,
    }
    return start(celery_worker(queues=queues, app=app), env=worker_env, log=log)
