"""The daily job (DOMAIN §1.6–1.8, rules 10, 12, 14, 31): one service with two doors, the Celery
beat entry `certificates.daily_job` and `manage.py daily_job`.

In order, each step in its own transaction so that one failing does not undo the others:
0. the certificates' stored due dates checked, once a day, and corrected with a warning in the log
   where the services left one out of date (`services.due_dates`), and so are the cycle's next
   steps the work queue reads (`services.steps`);
1. expiry at the end of the expiry day and at the end of an edition's transition (rules 12, 31);
2. the work queue's tasks: an overdue first surveillance flagged with its suspend-or-not task
   (rule 10), a passed suspension deadline with its withdraw-or-reduce task (rule 14), and tasks
   whose cause went away closed;
3. the reminders owed today written once each, and each person's digest of them written to the
   e-mail outbox (sent by Celery);
4. invitations to join an organisation past their date (at the moment the job runs) marked expired;
5. the create forms' one-time tokens claimed longer ago than a token lives, forgotten
   (`core.submits`).

Every step is idempotent: a second run the same day (a retried task, a second beat by mistake)
changes nothing and sends nothing, and a run interrupted anywhere (a worker killed, the database
gone) is completed by the next one. Each run is recorded (`DailyJobRun`: started, finished, what it
did); the health endpoint reports the last one that finished.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from certificates.models import Certificate, DailyJobRun, Task
from certificates.services.certificates import certificates_expire_due
from certificates.services.due_dates import DueRefresh, certificate_dues_check
from certificates.services.reminders import reminders_write
from certificates.services.steps import cycle_steps_check
from certificates.services.tasks import tasks_sync
from core.submits import submit_claims_purge
from organisations.services import invitations_expire


@dataclass(frozen=True)
class DailyRun:
    today: datetime.date
    due_dates_corrected: int
    steps_corrected: int
    expired: list[Certificate]
    tasks_opened: list[Task]
    tasks_closed: list[Task]
    reminders_written: int
    invitations_expired: int
    claims_purged: int

    def summary(self) -> str:
        return (
            f"{self.today}: {self.due_dates_corrected} due date(s) corrected, "
            f"{self.steps_corrected} cycle step(s) corrected, "
            f"{len(self.expired)} certificate(s) expired, "
            f"{len(self.tasks_opened)} task(s) opened, {len(self.tasks_closed)} closed, "
            f"{self.reminders_written} reminder(s) written, "
            f"{self.invitations_expired} invitation(s) expired, "
            f"{self.claims_purged} old form token(s) forgotten."
        )


def daily_job_run(*, today: datetime.date) -> DailyRun:
    record = DailyJobRun.objects.create(day=today)
    checked = DailyJobRun.objects.filter(day=today, finished_at__isnull=False).exists()
    corrected = DueRefresh() if checked else certificate_dues_check()
    steps_corrected = DueRefresh() if checked else cycle_steps_check()
    expired = certificates_expire_due(today=today)
    sync = tasks_sync(today=today)
    written = reminders_write(today=today)
    invitations = invitations_expire(now=timezone.now())
    run = DailyRun(
        today=today,
        due_dates_corrected=corrected.count,
        steps_corrected=steps_corrected.count,
        expired=expired,
        tasks_opened=list(sync.opened),
        tasks_closed=list(sync.closed),
        reminders_written=len(written),
        invitations_expired=invitations,
        claims_purged=submit_claims_purge(),
    )
    DailyJobRun.objects.filter(pk=record.pk).update(finished_at=timezone.now(), summary=run.summary())
    return run
