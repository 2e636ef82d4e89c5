"""A person's calendar subscription: the secret address of their iCal feed and the kinds of reminder
they want by e-mail (they still see every reminder in the app). Each person changes only their own.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.models import CalendarSettings, feed_token
from certificates.selectors.subscriptions import emailed_kinds_offered
from core.errors import DomainError
from core.transitions import transition_record
from organisations.access import require, signed_in
from organisations.models import User

ACTIVE_ONLY = gettext_lazy("Only an active account has a calendar.")


class SubscriptionError(DomainError):
    pass


def calendar_settings_of(*, user: User) -> CalendarSettings:
    """The user's settings, made (with a feed address) the first time they are asked for."""
    return CalendarSettings.objects.get_or_create(user=user)[0]


def _locked(user: User) -> CalendarSettings:
    return CalendarSettings.objects.select_for_update().get(pk=calendar_settings_of(user=user).pk)


@transaction.atomic
def feed_regenerate(*, actor: User) -> CalendarSettings:
    """A new feed address; the previous one stops working at once. The log keeps when each address
    was made, never the address itself: the log is read by more people than the feed's owner."""
    require(signed_in(actor), ACTIVE_ONLY)
    settings = _locked(actor)
    made_before = settings.feed_token_created_at
    settings.feed_token, settings.feed_token_created_at = feed_token(), timezone.now()
    settings.save(update_fields=["feed_token", "feed_token_created_at"])
    transition_record(
        subject=settings,
        field="feed_token",
        from_state=made_before.isoformat(),
        to_state=settings.feed_token_created_at.isoformat(),
        actor=actor,
        reason=_("New feed address; the previous one no longer works."),
    )
    return settings


@transaction.atomic
def reminder_preferences_save(*, actor: User, emailed_kinds: list[str]) -> CalendarSettings:
    """E-mail the actor reminders of `emailed_kinds` only: the other kinds offered to them are
    muted. Only the kinds offered to the actor may be chosen."""
    require(signed_in(actor), ACTIVE_ONLY)
    offered = emailed_kinds_offered(actor)
    if set(emailed_kinds) - set(offered):
        raise SubscriptionError(_("Choose kinds of reminder from the list."))
    muted = [kind.value for kind in offered if kind not in emailed_kinds]
    settings = _locked(actor)
    if settings.email_muted_kinds != muted:
        settings.email_muted_kinds = muted
        settings.save(update_fields=["email_muted_kinds"])
    return settings
