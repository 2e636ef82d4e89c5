"""What a database connection costs a request: the p50 and p90 of a request's database round trip
(Django's request start and end, a health check, one query) when each request opens its own
connection (CONN_MAX_AGE=0), when the process keeps it (CONN_MAX_AGE=60, the default), and, when
psycopg 3 and psycopg_pool are installed, when it is taken from Django's pool (OPTIONS "pool").

    DATABASE_URL=postgres://... .venv/bin/python -m tests.faults.connections [requests]

Each way runs in a process of its own against the database DATABASE_URL names (it only reads).
docs/operations.md gives the figures and what follows from them.
"""

import os
import statistics
import subprocess
import sys
import time

from tests.processes import ROOT

WAYS = {
    "a connection per request (CONN_MAX_AGE=0)": {"CONN_MAX_AGE": "0"},
    "kept by the process (CONN_MAX_AGE=60)": {"CONN_MAX_AGE": "60"},
    "psycopg 3's pool (OPTIONS pool, CONN_MAX_AGE=0)": {"CONN_MAX_AGE": "0", "CONNECTIONS_POOL": "1"},
}


def measure(requests: int) -> str:
    """In the child process: the figures of the way its environment sets."""
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if os.environ.get("CONNECTIONS_POOL"):
        if not is_psycopg3:
            return "not measured: psycopg 3 and psycopg_pool are not installed"
        connection.settings_dict.setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": 2}

    def request() -> float:
        started = time.perf_counter()
        close_old_connections()  # what Django does when a request starts and when it ends
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        close_old_connections()
        return (time.perf_counter() - started) * 1000

    for _ in range(20):
        request()
    times = [request() for _ in range(requests)]
    p50, p90 = statistics.median(times), statistics.quantiles(times, n=10)[-1]
    return f"p50 {p50:6.2f} ms, p90 {p90:6.2f} ms ({'psycopg 3' if is_psycopg3 else 'psycopg2'})"


def main() -> int:
    requests = sys.argv[1] if len(sys.argv) > 1 else "300"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    }
    for way, settings in WAYS.items():
        result = subprocess.run(  # noqa: S603  (this module's own arguments)
            [
                sys.executable,
                "-c",
                f"from tests.faults.connections import measure; print(measure({int(requests)}))",
            ],
            cwd=ROOT,
            env=env | settings,
            capture_output=True,
            text=True,
            check=True,
        )
        sys.stdout.write(f"{way:50s} {result.stdout.strip().splitlines()[-1]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
