"""A certificate says what was certified (DOMAIN §6.1, rules 8, 16, 33): the holder's name and
address and each site's name and address as the decision's revision copied them. A client that
renames itself or moves a site after the issue changes nothing the public reads, the register,
the CertSearch export or the PDF; only a new revision, drafted by a decision, takes the new values.
"""

import datetime

import pytest
from django.urls import reverse

from certificates.enums import DecisionKind, RevisionStatus
from certificates.pdf import render_certificate_pdf
from certificates.services.certificates import content_of
from tests.certificates.conftest import give_images
from tests.certificates.test_certificate_pdf import page_texts, squashed
from tests.certificates.test_decision_services import (  # noqa: F401  (fixtures)
    certified,
    content,
    decide,
    decider,
)
from tests.certificates.test_register import CSV, XLSX, exported

pytestmark = pytest.mark.django_db

HOLDER, HOLDER_ADDRESS = "Organisation A", "Main street 1, 1000 Brussels, Belgium"
SITE, SITE_ADDRESS = "A headquarters", "Side street 2, Ghent, Belgium"
RENAMED, MOVED_TO = "Agency for Renamed Services", "Moved avenue 5, 2500 Den Haag, Netherlands"
MOVED_SITE = "A head office"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def rename_and_move(world) -> None:
    """What a client edits on its own records, with no decision: its name and address, its site's."""
    organisation, site = world.org_a, world.site_a
    organisation.name, organisation.street, organisation.postcode = RENAMED, "Moved avenue 5", "2500"
    organisation.city, organisation.country = "Den Haag", "NL"
    organisation.save()
    site.name, site.street, site.postcode, site.city, site.country = (
        MOVED_SITE,
        "Moved avenue 5",
        "2500",
        "Den Haag",
        "NL",
    )
    site.save()


@pytest.fixture
def moved(world, certificate):
    """An issued certificate of organisation A whose client has since renamed itself and moved."""
    rename_and_move(world)
    return certificate


def assert_certified(text: str) -> None:
    assert HOLDER in text and SITE in text and SITE_ADDRESS in text
    assert RENAMED not in text and MOVED_SITE not in text and "Den Haag" not in text


def test_verification_by_number_shows_what_was_certified(client, moved):
    response = client.get(reverse("verification:search"), {"number": moved.number})
    assert ">VALID<" in response.content.decode()
    assert_certified(response.content.decode())


def test_verification_by_qr_code_shows_what_was_certified(client, moved):
    response = client.get(moved.revisions.get().get_public_url())
    assert_certified(response.content.decode())


def test_the_register_lists_the_certified_holder(client, world, moved):
    client.force_login(world.cert_manager)
    page = client.get(reverse("certificates:register")).content.decode()
    rows = page.partition("<tbody>")[2].partition("</tbody>")[0]  # not the filter's list of clients
    assert f'data-label="Holder">{HOLDER}<' in rows and RENAMED not in rows
    found = client.get(reverse("certificates:register"), {"q": "Renamed"}).context["page"]
    assert [c.holder_name for c in found] == [HOLDER]  # found by the client's name today too


@pytest.mark.parametrize("url", [CSV, XLSX], ids=["csv", "xlsx"])
def test_the_certsearch_export_holds_what_was_certified(client, world, moved, url):
    header, row = exported(client, world.cert_manager, url)
    cells = dict(zip(header, row, strict=True))
    assert (cells["Certified Entity Name"], cells["Country"]) == (HOLDER, "BE")
    assert cells["Certification Site Addresses"] == f"{SITE}, {SITE_ADDRESS}"


def test_the_pdf_prints_what_was_certified(world, moved):
    (page,) = page_texts(render_certificate_pdf(moved.revisions.get()))
    for certified_text in (HOLDER, HOLDER_ADDRESS, SITE, SITE_ADDRESS):
        assert squashed(certified_text) in squashed(page), certified_text
    for live in (RENAMED, MOVED_SITE, "DenHaag"):
        assert live not in squashed(page), live


def test_a_new_revision_drafted_by_a_decision_takes_the_new_values(client, world, qms, decider, certified):  # noqa: F811
    give_images(world.cb)
    first = certified.decisions.get().revision
    rename_and_move(world)
    reduction = content(DecisionKind.SCOPE_REDUCTION, datetime.date(2024, 5, 2), sites=(world.site_a,))
    draft = decide(decider, certified, qms, reduction).revision
    drafted = content_of(draft)
    assert (drafted.holder, drafted.holder_address) == (RENAMED, MOVED_TO)
    assert drafted.sites == ((MOVED_SITE, MOVED_TO),)
    printed = squashed(" ".join(page_texts(render_certificate_pdf(first))))  # with its annex of sites
    assert squashed(HOLDER) in printed and squashed(SITE_ADDRESS) in printed  # revision 1 keeps them
    assert squashed(RENAMED) not in printed and squashed(MOVED_SITE) not in printed
    assert_certified(client.get(first.get_public_url()).content.decode())  # still current
    assert first.certificate.revisions.get(status=RevisionStatus.CURRENT) == first
