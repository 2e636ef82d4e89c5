"""What a change notification must say (rule 38): table-driven, no database."""

import datetime

import pytest

from certificates.change_rules import ChangeContent, change_problem

DAY = datetime.date(2027, 2, 28)
ADDRESS = {"street": "Harbour road 9", "city": "Ostend", "country": "BE"}


def content(kind: str, **values) -> ChangeContent:
    return ChangeContent(kind=kind, description="What changes and why.", effective_on=DAY, **values)


@pytest.mark.parametrize(
    ("notified", "site_active", "problem"),
    [
        # kinds described in words only
        (content("scope"), None, None),
        (content("management"), None, None),
        (content("system"), None, None),
        (content("scope", name="New name"), None, "takes no name"),
        (content("management", headcount=40), None, "takes no headcount"),
        # legal status: the new name is optional
        (content("legal"), None, None),
        (content("legal", name="Northfield City Council"), None, None),
        (content("legal", **ADDRESS), None, "takes no street, city, country"),
        # address: street, city and country; postcode optional
        (content("address", **ADDRESS), None, None),
        (content("address", postcode="8400", **ADDRESS), None, None),
        (content("address", street="Harbour road 9", country="BE"), None, "Give the new city."),
        (content("address", name="X", **ADDRESS), None, "takes no name"),
        # headcount: a new number
        (content("headcount", headcount=150), None, None),
        (content("headcount"), None, "Give the new headcount."),
        (content("headcount", headcount=120), None, "The headcount is 120 already."),
        # sites: added, closed or moved
        (content("sites"), None, "Say whether a site is added, closed or moved."),
        (content("sites", site_change="add", name="Depot", headcount=12, **ADDRESS), None, None),
        (content("sites", site_change="add", name="Depot", **ADDRESS), None, "Give the new headcount."),
        (
            content("sites", site_change="add", name="Depot", headcount=1, site_id=7, **ADDRESS),
            True,
            "takes no site",
        ),
        (content("sites", site_change="close", site_id=7), True, None),
        (content("sites", site_change="close", site_id=7), False, "Choose an active site"),
        (content("sites", site_change="close"), None, "Give the new site."),
        (content("sites", site_change="close", site_id=7, **ADDRESS), True, "takes no street, city, country"),
        (content("sites", site_change="move", site_id=7, **ADDRESS), True, None),
        (content("sites", site_change="move", site_id=7), True, "Give the new street, city, country."),
        (content("scope", site_change="add"), None, "Only a change of sites"),
    ],
)
def test_change_problem(notified, site_active, problem):
    found = change_problem(notified, headcount_now=120, site_active=site_active)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize("description", ["", "   ", "\n"])
def test_a_change_is_described(description):
    notified = ChangeContent(kind="scope", description=description, effective_on=DAY)
    assert change_problem(notified, headcount_now=120).startswith("Describe the change")
