"""Reading reminders: a person's own, a page at a time, a stage in words, and who is reminded of
what falls due."""

from collections import defaultdict
from collections.abc import Iterable

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audits.enums import AssignmentStatus, TeamRole
from audits.models import TeamAssignment
from certificates import due_rules
from certificates.models import Reminder
from organisations.enums import CBRole, OrganisationRole
from organisations.models import CBMembership, OrganisationMembership

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


def _grouped(pairs: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for key, user_id in pairs:
        found[key].append(user_id)
    return dict(found)


def recipients_of_items(items: list[due_rules.DueItem]) -> due_rules.Recipients:
    """Who is reminded of these items (`Recipients.of`): the reminders' recipients, and what a
    person's calendar feed keeps when it asks for their own items only. Three queries, four when
    some are assigned to people."""
    organisations = {item.organisation_id for item in items if item.for_client}
    bodies = {item.certification_body_id for item in items if item.certification_body_id is not None}
    people = {user_id for item in items for user_id in item.people}
    audits = {item.audit_id for item in items if item.audit_id is not None}
    active = {"is_active": True, "user__is_active": True}  # the membership and the person
    quality_managers = (
        OrganisationMembership.objects.filter(
            organisation_id__in=organisations, role=OrganisationRole.QUALITY_MANAGER, **active
        )
        .exclude(user__email="")
        .values_list("organisation_id", "user_id")
    )
    certification_managers = (
        CBMembership.objects.filter(
            certification_body_id__in=bodies, role=CBRole.CERTIFICATION_MANAGER, **active
        )
        .exclude(user__email="")
        .values_list("certification_body_id", "user_id")
    )
    leads = (
        TeamAssignment.objects.filter(
            audit_id__in=audits, role=TeamRole.LEAD, status=AssignmentStatus.ACTIVE, user__is_active=True
        )
        .exclude(user__email="")
        .values_list("audit_id", "user_id")
    )
    # the people an item is assigned to, while they are members of its organisation
    reachable = (
        set(
            OrganisationMembership.objects.filter(
                user_id__in=people,
                organisation_id__in={i.organisation_id for i in items if i.people},
                **active,
            )
            .exclude(user__email="")
            .values_list("organisation_id", "user_id")
        )
        if people
        else set()
    )
    return due_rules.Recipients(
        quality_managers=_grouped(quality_managers),
        certification_managers=_grouped(certification_managers),
        leads=_grouped(leads),
        reachable=reachable,
    )
