"""What a change notification must say (DOMAIN §1.9, rule 38): plain values, no database.

A notification has one kind. Some kinds carry the new values the CB applies once it has reviewed
them (a name, an address, a headcount, a site); the others are described in words only.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.enums import ChangeKind, SiteChange

K = ChangeKind
VALUE_FIELDS = ("name", "street", "postcode", "city", "country", "headcount", "site")
LABELS = {
    "name": gettext_lazy("name"),
    "street": gettext_lazy("street"),
    "postcode": gettext_lazy("postcode"),
    "city": gettext_lazy("city"),
    "country": gettext_lazy("country"),
    "headcount": gettext_lazy("headcount"),
    "site": gettext_lazy("site"),
}
ADDRESS = frozenset({"street", "city", "country"})
# (kind, site change) -> (the values required, the values allowed besides them)
TAKES: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {
    (K.LEGAL, ""): (frozenset(), frozenset({"name"})),
    (K.ADDRESS, ""): (ADDRESS, frozenset({"postcode"})),
    (K.HEADCOUNT, ""): (frozenset({"headcount"}), frozenset()),
    (K.SITES, SiteChange.ADD): (ADDRESS | {"name", "headcount"}, frozenset({"postcode"})),
    (K.SITES, SiteChange.MOVE): (ADDRESS | {"site"}, frozenset({"postcode"})),
    (K.SITES, SiteChange.CLOSE): (frozenset({"site"}), frozenset()),
}
NOTHING = (frozenset(), frozenset())


@dataclass(frozen=True)
class ChangeContent:
    """What the client notifies: the kind, a description, from when, and the new values."""

    kind: str
    description: str
    effective_on: datetime.date
    site_change: str = ""
    name: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    headcount: int | None = None
    site_id: int | None = None

    def given(self) -> set[str]:
        """The value fields filled in."""
        values = {name: getattr(self, "site_id" if name == "site" else name) for name in VALUE_FIELDS}
        return {name for name, value in values.items() if value not in ("", None)}


def _names(fields: set[str]) -> str:
    return ", ".join(str(LABELS[name]) for name in VALUE_FIELDS if name in fields)


def change_problem(
    content: ChangeContent, *, headcount_now: int, site_active: bool | None = None
) -> str | None:
    """Why the notification cannot be submitted as it is, or None. `site_active` says whether the
    site named (if any) is an active site of the organisation."""
    if not content.description.strip():
        return _("Describe the change: the certification body reviews it from what you write.")
    if content.kind == K.SITES and content.site_change not in SiteChange.values:
        return _("Say whether a site is added, closed or moved.")
    if content.kind != K.SITES and content.site_change:
        return _("Only a change of sites says whether a site is added, closed or moved.")
    required, allowed = TAKES.get((content.kind, content.site_change), NOTHING)
    given = content.given()
    if missing := required - given:
        return _("Give the new %(fields)s.") % {"fields": _names(missing)}
    if extra := given - required - allowed:
        return _("This kind of change takes no %(fields)s: leave them empty.") % {"fields": _names(extra)}
    if content.kind == K.HEADCOUNT and content.headcount == headcount_now:
        return _("The headcount is %(n)s already.") % {"n": headcount_now}
    if "site" in given and not site_active:
        return _("Choose an active site of the organisation.")
    return None
