"""What the health endpoint (`/healthz`) reports: the database (its answer decides the status code
a load balancer acts on), the broker, and what other apps register, such as the last daily job
(`certificates.health`). Each check answers a small dict with a "status" of "ok" or something an
operator acts on; a check never raises."""

import logging
from collections.abc import Callable

from celery import current_app
from django.db import connection

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 2  # seconds: a probe never hangs on a broker that does not answer

_checks: dict[str, Callable[[], dict]] = {}


def register(name: str) -> Callable[[Callable[[], dict]], Callable[[], dict]]:
    def decorator(check: Callable[[], dict]) -> Callable[[], dict]:
        _checks[name] = check
        return check

    return decorator


def database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return {"status": "unavailable", "error": type(error).__name__}
    return {"status": "ok"}


def broker() -> dict:
    """Connect to the broker once, without the retries a task's publishing would make."""
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    except Exception as error:
        return {"status": "unavailable", "error": type(error).__name__}
    return {"status": "ok"}


def report() -> dict:
    """Every check; "status" is "ok", "degraded" (the site answers, work waits) or "unavailable"
    (no database: nothing answers)."""
    checks = {"database": database()}
    if checks["database"]["status"] != "ok":
        return {"status": "unavailable", **checks}
    checks["broker"] = broker()
    for name, check in _checks.items():
        try:
            checks[name] = check()
        except Exception as error:
            logger.exception("The health check %s failed", name)
            checks[name] = {"status": "error", "error": type(error).__name__}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return {"status": "ok" if healthy else "degraded", **checks}
