"""Reading reminders: a person's own, a page at a time, and a stage in words."""

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates.models import Reminder

PER_PAGE = 50


def stage_label(stage: str) -> str:
    """A stage of `due_rules.reminder_stage` in words: "30 days before", "on the day", "2 weeks
    overdue"."""
    name, _sep, number = stage.partition("-")
    if name == "due":
        return _("on the day")
    if not number.isdigit():
        return stage
    count = int(number)
    if name == "before":
        return ngettext("%(count)d day before", "%(count)d days before", count) % {"count": count}
    if name == "overdue":
        return ngettext("%(count)d week overdue", "%(count)d weeks overdue", count) % {"count": count}
    return stage


def reminders_page(user, number: str | None) -> Page:
    """One page of the reminders written for `user`, the newest first (a page number that is not
    one gives the first or the last page): two queries, the count and the rows (with their digest's state)."""
    reminders = Reminder.objects.filter(recipient=user).select_related("email").order_by("-created_at", "-pk")
    page = Paginator(reminders, PER_PAGE).get_page(number)
    for reminder in page:
        reminder.stage_label = stage_label(reminder.stage)
    return page
