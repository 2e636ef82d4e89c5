"""The daily job in the health report (core.health): when the last run finished, and "late" when
that is longer ago than a day and a margin (beat stopped, or every run since failed)."""

import datetime

from django.utils import timezone

from certificates.models import DailyJobRun
from core import health

LATE_AFTER = datetime.timedelta(hours=26)


@health.register("daily_job")
def daily_job() -> dict:
    last = DailyJobRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    if last is None:
        return {"status": "never run"}
    late = timezone.now() - last.finished_at > LATE_AFTER
    return {
        "status": "late" if late else "ok",
        "last_finished": last.finished_at.isoformat(),
        "day": last.day.isoformat(),
    }
