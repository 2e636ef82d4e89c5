"""`manage.py expire_certificates`: the daily job of rules 12 and 31, by hand or from cron.

Every active or suspended certificate whose current revision expired before the date (or whose
edition's transition ended before it) becomes EXPIRED, dated from the day after its last valid
day. A certificate stays valid to the end of its expiry day, so the job runs for today and takes
those that ended yesterday or earlier. A second run changes nothing.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from certificates.management.days import day_option
from certificates.services.certificates import certificates_expire_due


class Command(BaseCommand):
    help = (
        "Expire every active or suspended certificate past its expiry date or its edition's "
        "transition end (rules 12 and 31), as of today or --date; prints what expired."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", default="", help="The day to run for, YYYY-MM-DD (today).")

    def handle(self, *args, date: str, **options) -> None:
        today = day_option(date) if date else timezone.localdate()
        expired = certificates_expire_due(today=today)
        for certificate in expired:
            self.stdout.write(f"{certificate.number}: expired since {certificate.status_since}")
        if expired:
            count = len(expired)
            self.stdout.write(f"{count} certificate{'s' if count != 1 else ''} expired as of {today}.")
        else:
            self.stdout.write(f"No certificate expired as of {today}.")
