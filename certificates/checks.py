"""The work queue's day settings (CB policy, certificates.selectors.steps), checked at start-up
(`manage.py check`, run by every management command and the server): a day count from the
environment that is not a whole number in its range stops the app with a clear message instead of
putting steps due in the past or centuries ahead."""

from django.conf import settings
from django.core.checks import Error, Tags, register

# setting -> the largest value that makes sense (the smallest is 1 day)
DAY_SETTINGS = {
    "REPORT_ISSUE_DAYS": 365,
    "DECISION_DAYS": 365,
    "CERTIFICATE_ISSUE_DAYS": 365,
    "QUEUE_PLANNING_DAYS": 730,
}


@register(Tags.compatibility)
def day_settings(app_configs, **kwargs) -> list[Error]:
    errors = []
    for name, largest in DAY_SETTINGS.items():
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= largest:
            errors.append(
                Error(
                    f"{name} is {value!r}: it is a number of days from 1 to {largest}.",
                    hint=f"Set the environment variable {name} to a whole number of days, or unset it.",
                    id="certificates.E001",
                )
            )
    return errors
