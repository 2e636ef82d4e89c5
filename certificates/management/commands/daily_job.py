"""`manage.py daily_job`: the daily job by hand (Celery beat runs it every night): expiries, the
work queue's tasks and the reminders of the day (certificates.services.daily). Safe to run again:
a second run the same day changes nothing."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from certificates.management.days import day_option
from certificates.services.daily import daily_job_run


class Command(BaseCommand):
    help = (
        "Run the daily job as of today or --date: expire certificates (rules 12, 31), open and close "
        "the work queue's tasks (rules 10, 14), write and send the reminders owed that day."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", default="", help="The day to run for, YYYY-MM-DD (today).")

    def handle(self, *args, date: str, **options) -> None:
        today = day_option(date) if date else timezone.localdate()
        run = daily_job_run(today=today)
        for certificate in run.expired:
            self.stdout.write(f"{certificate.number}: expired since {certificate.status_since}")
        for task in run.tasks_opened:
            self.stdout.write(f"Task opened: {task}")
        for task in run.tasks_closed:
            self.stdout.write(f"Task closed: {task} ({task.get_resolution_display()})")
        self.stdout.write(run.summary())
