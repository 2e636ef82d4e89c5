"""Whether the client may still edit its name, address, headcount and sites directly.

Once a certificate holds them, a change of these is a change notification to the CBs (DOMAIN
§1.9, rule 38), which review it and apply it. Certificates are a higher app's records: it
registers a provider in its `AppConfig.ready` (`certificates.apps`), so this app never imports it.
"""

from collections.abc import Callable

from organisations.models import Organisation

# The profile's fields a lock keeps (the sites are locked whole: added, edited, closed)
LOCKED_FIELDS = ("name", "street", "postcode", "city", "country", "headcount")

Provider = Callable[[Organisation], str | None]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add a provider: it returns why the organisation's records are locked, or None."""
    if provider not in _providers:
        _providers.append(provider)


def edit_lock(organisation: Organisation) -> str | None:
    """Why the client may not edit its locked fields and its sites directly, or None if it may."""
    for provider in _providers:
        if reason := provider(organisation):
            return reason
    return None
