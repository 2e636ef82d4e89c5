"""Public certificate verification (rule 33, rule 14, DOMAIN §6.2–6.3): no sign-in, only rule 33's
fields, drafts read as "not found", printed copies by their QR token, throttled per client."""

import datetime
import os
import time
import uuid

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates.enums import CertificateStatus, DecisionKind, DecisionOutcome, RevisionStatus
from certificates.models import Certificate, CertificateRevision, Decision
from certificates.views.verification import client_address
from config.settings.base import redis_url_with_db
from tests import factories
from tests.certificates.conftest import DECIDED_ON, certified_sites, make_certificate, take_copy

SEARCH = reverse("verification:search")
NUMBER = "CB-2026-00001"
RATIONALE = "Stage 2 closed; all nonconformities settled."


def verify(client, number: str, **params):
    return client.get(SEARCH, {"number": number, **params})


def text(response) -> str:
    return response.content.decode()


def token_url(token: str) -> str:
    return reverse("verification:token", args=[token])


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


# --- the search page -------------------------------------------------------------------------


def test_search_form_served_to_anonymous_visitors(client, world):
    response = client.get(SEARCH)
    assert response.status_code == 200
    body = text(response)
    assert 'name="number"' in body and 'maxlength="60"' in body
    assert f'<option value="{world.cb.pk}">CB serving A</option>' in body
    assert "No certificate found" not in body


def test_inactive_body_not_offered(client, world):
    world.other_cb.is_active = False
    world.other_cb.save(update_fields=["is_active"])
    body = text(client.get(SEARCH))
    assert "CB serving A" in body and "CB serving B" not in body


def test_active_certificate_reads_valid_with_rule_33_fields(client, world, certificate):
    response = verify(client, NUMBER)
    body = text(response)
    assert response.status_code == 200
    assert ">VALID<" in body and "NOT VALID" not in body
    assert "Active" in body
    for shown in (
        "Organisation A",  # holder
        "ISO 9001:2015",  # standard and edition
        "Design and delivery of digital public services",  # scope
        "A headquarters",  # site name
        world.site_a.address,  # site address
        "2 Mar 2026",  # effective
        "2 Mar 2029",  # expiry
        "CB serving A",  # the CB
        f"{NUMBER}, revision 1",
    ):
        assert shown in body, shown


def test_result_shows_nothing_beyond_rule_33(client, world, certificate):
    revision = certificate.revisions.get()
    body = text(verify(client, NUMBER))
    for hidden in (
        RATIONALE,
        world.cert_manager.full_name,
        world.cert_manager.email,
        revision.public_token,
        "/certificates/",  # no link into the signed-in pages
        world.org_a.street,  # the holder's own address is not a site's
    ):
        assert hidden not in body, hidden


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (CertificateStatus.SUSPENDED, "Suspended"),
        (CertificateStatus.WITHDRAWN, "Withdrawn"),
        (CertificateStatus.EXPIRED, "Expired"),
        (CertificateStatus.CANCELLED, "Cancelled"),
    ],
)
def test_not_valid_statuses_say_so_with_their_date(client, world, qms, status, label):
    certificate = make_certificate(world, qms, status=status)
    Certificate.objects.filter(pk=certificate.pk).update(status_since=datetime.date(2026, 6, 15))
    body = text(verify(client, NUMBER))
    assert "NOT VALID" in body and ">VALID<" not in body
    assert f"{label} since 15 Jun 2026" in body
    assert "Organisation A" in body and "CB serving A" in body


def _page_without(response, number: str) -> str:
    return text(response).replace(number, "NUMBER")


def test_draft_reads_exactly_as_not_found(client, world, qms):
    make_certificate(world, qms, number="CB-2026-00007", status=CertificateStatus.DRAFT)
    draft = verify(client, "CB-2026-00007")
    unknown = verify(client, "CB-2026-00008")
    assert draft.status_code == unknown.status_code == 200
    assert "No certificate found" in text(draft)
    assert "Organisation A" not in text(draft)
    assert _page_without(draft, "CB-2026-00007") == _page_without(unknown, "CB-2026-00008")


def test_certificate_without_issued_revision_reads_as_not_found(client, world, qms):
    certificate = make_certificate(world, qms, number="CB-2026-00007", status=CertificateStatus.DRAFT)
    Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.ACTIVE)
    unissued = verify(client, "CB-2026-00007")
    unknown = verify(client, "CB-2026-00008")
    assert _page_without(unissued, "CB-2026-00007") == _page_without(unknown, "CB-2026-00008")


@pytest.mark.parametrize("typed", ["cb-2026-00001", "  Cb-2026-00001  ", "CB-2026-00001"])
def test_number_matches_exactly_whatever_the_case(client, certificate, typed):
    assert ">VALID<" in text(verify(client, typed))


@pytest.mark.parametrize("typed", ["CB-2026-0000", "CB-2026-00001x", "CB-2026-%", "CB_2026_00001"])
def test_number_never_matches_partly(client, certificate, typed):
    assert "No certificate found" in text(verify(client, typed))


def _shared_number(world, qms) -> tuple[Certificate, Certificate]:
    """The number "SHARED-1" used by both CBs: A's certificate of organisation A, B's of B."""
    of_b = make_certificate(world, qms, number="SHARED-1", sites=[world.site_b])
    Certificate.objects.filter(pk=of_b.pk).update(certification_body=world.other_cb, organisation=world.org_b)
    # its revision certifies B, as B's decision would have drafted it
    CertificateRevision.objects.filter(certificate=of_b).update(**CertificateRevision.holder_of(world.org_b))
    of_a = make_certificate(world, qms, number="SHARED-1")
    return of_a, of_b


def test_number_of_two_bodies_asks_for_the_body(client, world, qms):
    _shared_number(world, qms)
    body = text(verify(client, "shared-1"))
    assert "Several certification bodies use the number" in body
    assert "<li>CB serving A</li><li>CB serving B</li>" in body
    assert "VALID" not in body and "Organisation" not in body


def test_chosen_body_shows_its_certificate(client, world, qms):
    _shared_number(world, qms)
    body = text(verify(client, "SHARED-1", body=world.other_cb.pk))
    assert ">VALID<" in body
    assert "Organisation B" in body and "B headquarters" in body and "CB serving B" in body
    assert "Organisation A" not in body


def test_body_without_that_number_reads_not_found(client, world, certificate):
    assert "No certificate found" in text(verify(client, NUMBER, body=world.other_cb.pk))


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"number": "C" * 61}, "Ensure this value has at most 60 characters"),
        ({"number": "CB-2026\n-00001"}, "Keep this on one line"),
        ({"number": "CB-2026\x00-00001"}, "Keep this on one line"),
        ({"number": ""}, "This field is required"),
        ({"number": "   "}, "This field is required"),
        ({"number": NUMBER, "body": "abc"}, "Choose a certification body from the list"),
        ({"number": NUMBER, "body": "9" * 30}, "Choose a certification body from the list"),
        ({"number": NUMBER, "body": "\x00"}, "Choose a certification body from the list"),
    ],
)
def test_bad_input_gets_a_form_error(client, certificate, params, error):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    assert error in text(response)
    assert "VALID" not in text(response) and "No certificate found" not in text(response)


def test_repeated_parameters_do_not_fail(client, certificate):
    response = client.get(f"{SEARCH}?number=x&number={NUMBER}&body=&body=1")
    assert response.status_code == 200


def test_search_refuses_other_methods(client, world):
    assert client.post(SEARCH, {"number": NUMBER}).status_code == 405


# --- printed copies: the QR token ------------------------------------------------------------


def _reissue(certificate: Certificate, world, qms) -> CertificateRevision:
    """Revision 2 with a reduced scope; revision 1 superseded."""
    first = certificate.revisions.get()
    decision = Decision.objects.create(
        programme=first.decision.programme,
        edition=qms,
        kind=DecisionKind.SCOPE_REDUCTION,
        outcome=DecisionOutcome.GRANT,
        decided_on=datetime.date(2026, 9, 1),
        decided_by=world.cert_manager,
        rationale="Design activities withdrawn.",
        certificate=certificate,
    )
    CertificateRevision.objects.filter(pk=first.pk).update(status=RevisionStatus.SUPERSEDED)
    second = CertificateRevision.objects.create(
        certificate=certificate,
        revision=2,
        decision=decision,
        edition=qms,
        scope="Delivery of digital public services",
        effective_on=datetime.date(2026, 9, 1),
        expiry_on=first.expiry_on,
        cycle_started_on=first.cycle_started_on,
        status=RevisionStatus.CURRENT,
        accredited=True,
        issued_on=datetime.date(2026, 9, 1),
        issued_by=world.cert_manager,
    )
    return take_copy(second, [world.site_a])


def test_token_of_current_revision_shows_the_certificate(client, world, certificate):
    response = client.get(certificate.revisions.get().get_public_url())
    body = text(response)
    assert response.status_code == 200
    assert ">VALID<" in body and "Organisation A" in body and "CB serving A" in body
    assert "superseded" not in body
    assert RATIONALE not in body and world.cert_manager.full_name not in body


def test_token_of_superseded_revision_shows_current_state(client, world, qms, certificate):
    first = certificate.revisions.get()
    _reissue(certificate, world, qms)
    body = text(client.get(first.get_public_url()))
    assert "This printed copy (revision 1) has been superseded by revision 2" in body
    assert "Delivery of digital public services" in body
    assert "Design and delivery" not in body  # the superseded scope
    assert "1 Sep 2026" in body
    assert "Design activities withdrawn." not in body


def test_search_after_reissue_shows_current_revision(client, world, qms, certificate):
    second = _reissue(certificate, world, qms)
    body = text(verify(client, NUMBER))
    assert f"{NUMBER}, revision 2" in body and second.scope in body
    assert "superseded" not in body


def test_token_of_current_revision_after_reissue_has_no_warning(client, world, qms, certificate):
    second = _reissue(certificate, world, qms)
    assert "superseded" not in text(client.get(second.get_public_url()))


def test_token_of_suspended_certificate_reads_not_valid(client, world, qms):
    certificate = make_certificate(world, qms, status=CertificateStatus.SUSPENDED)
    body = text(client.get(certificate.revisions.get().get_public_url()))
    assert "NOT VALID" in body and f"Suspended since {DECIDED_ON:%-d %b %Y}" in body


@pytest.mark.parametrize("revision_status", [RevisionStatus.DRAFT, RevisionStatus.VOID])
def test_token_never_issued_reads_as_unknown(client, world, qms, revision_status):
    certificate = make_certificate(world, qms, status=CertificateStatus.DRAFT)
    revision = certificate.revisions.get()
    CertificateRevision.objects.filter(pk=revision.pk).update(status=revision_status)
    unissued = client.get(revision.get_public_url())
    unknown = client.get(token_url("x" * 32))
    assert unissued.status_code == unknown.status_code == 404
    assert "This verification link does not lead to a certificate" in text(unknown)
    assert text(unissued) == text(unknown)


def test_token_of_draft_certificate_reads_as_unknown(client, world, qms):
    certificate = make_certificate(world, qms, status=CertificateStatus.DRAFT)
    revision = certificate.revisions.get()
    CertificateRevision.objects.filter(pk=revision.pk).update(
        status=RevisionStatus.CURRENT, issued_on=DECIDED_ON, accredited=True
    )
    assert text(client.get(revision.get_public_url())) == text(client.get(token_url("x" * 32)))


@pytest.mark.parametrize("token", ["%00", "a" * 44, "a%0Ab", "é" * 10, "%FF", "a%20b"])
def test_malformed_token_reads_as_unknown(client, world, token):
    response = client.get(f"{SEARCH}c/{token}/")
    assert response.status_code == 404
    assert "This verification link does not lead to a certificate" in text(response)


# --- what every public page carries ----------------------------------------------------------


@pytest.mark.parametrize("page", ["search", "result", "not_found", "token", "unknown_token"])
def test_pages_are_not_indexed_nor_cached(client, certificate, page):
    url = {
        "search": SEARCH,
        "result": f"{SEARCH}?number={NUMBER}",
        "not_found": f"{SEARCH}?number=NOPE",
        "token": certificate.revisions.get().get_public_url(),
        "unknown_token": token_url("x" * 32),
    }[page]
    response = client.get(url)
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in text(response)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_pages_run_no_script(client, certificate):
    for url in (f"{SEARCH}?number={NUMBER}", certificate.revisions.get().get_public_url()):
        assert "<script" not in text(client.get(url))


def test_signed_in_users_see_the_same_result(client, world, certificate):
    anonymous = text(verify(client, NUMBER))
    client.force_login(world.cert_manager)
    assert text(verify(client, NUMBER)) == anonymous


# --- query counts ----------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _sites(world, count: int) -> list:
    extra = [factories.SiteFactory(organisation=world.org_a) for _ in range(count - 1)]
    return [world.site_a, *extra]


def test_result_queries_do_not_grow_with_sites(client, world, qms):
    one = make_certificate(world, qms, number="ONE-SITE")
    ten = make_certificate(world, qms, number="TEN-SITES", sites=_sites(world, 10))
    small = _queries(client, f"{SEARCH}?number=ONE-SITE")
    large = _queries(client, f"{SEARCH}?number=TEN-SITES")
    assert small == large == 3  # the CBs offered, the current revision, its sites
    assert "Site " in text(verify(client, "TEN-SITES"))
    assert _queries(client, one.revisions.get().get_public_url()) == 2
    assert _queries(client, ten.revisions.get().get_public_url()) == 2


def test_superseded_token_queries_do_not_grow_with_sites(client, world, qms):
    certificate = make_certificate(world, qms, sites=_sites(world, 10))
    first = certificate.revisions.get()
    others = [site for site in certified_sites(first) if site != world.site_a]  # the reissue has site A
    take_copy(_reissue(certificate, world, qms), others)
    assert _queries(client, first.get_public_url()) == 3  # the printed revision, the current, its sites


# --- throttling ------------------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    settings.RATELIMIT_ENABLE = True
    settings.VERIFICATION_RATE_MINUTE = "3/m"
    settings.VERIFICATION_RATE_DAY = "100/d"
    return settings


def test_lookups_over_the_minute_limit_get_429(client, certificate, limits):
    for _ in range(3):
        assert verify(client, NUMBER).status_code == 200
    response = verify(client, NUMBER)
    body = text(response)
    assert response.status_code == 429
    assert "Too many certificate lookups came from your network in a short time" in body
    assert "Organisation A" not in body
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


def test_limit_counts_both_pages_together(client, certificate, limits):
    url = certificate.revisions.get().get_public_url()
    assert client.get(SEARCH).status_code == 200
    assert verify(client, "NOPE").status_code == 200
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429


@pytest.mark.parametrize(
    ("seconds_into_the_day", "wait", "says"),
    [
        (60 * 60, 23 * 60 * 60, "Try again in 23 hours."),  # 01:00: the day's window ends at midnight
        (24 * 60 * 60 - 90, 90, "Try again in 2 minutes."),  # 23:58:30: the same limit, near its end
    ],
)
def test_day_limit_says_which_limit_and_how_long(
    client, certificate, limits, monkeypatch, seconds_into_the_day, wait, says
):
    """Which limit was reached is said whatever the hour; the wait is in the unit a person reads
    (the clock is faked: the day's window ends at midnight UTC, so the wait depends on the hour)."""
    midnight = 24 * 60 * 60 * 20_000
    monkeypatch.setattr(time, "time", lambda: midnight + seconds_into_the_day)
    limits.VERIFICATION_RATE_MINUTE = "100/m"
    limits.VERIFICATION_RATE_DAY = "2/d"
    assert [verify(client, NUMBER).status_code for _ in range(2)] == [200, 200]
    response = verify(client, NUMBER)
    body = text(response)
    assert response.status_code == 429 and int(response["Retry-After"]) == wait
    assert "Too many certificate lookups came from your network in the last 24 hours." in body
    assert says in body and "short time" not in body


def test_no_second_burst_across_the_edge_of_a_minute(client, certificate, limits, monkeypatch):
    """A fixed window lets 3 lookups at 12:00:59 and 3 more at 12:01:01 through; a sliding one
    still counts the first 3 (the clock is the one outside thing faked here)."""
    minute = 60 * 29_000_000  # any instant on a minute's edge
    monkeypatch.setattr(time, "time", lambda: minute - 1)
    assert [verify(client, NUMBER).status_code for _ in range(3)] == [200, 200, 200]
    monkeypatch.setattr(time, "time", lambda: minute + 1)
    response = verify(client, NUMBER)
    assert response.status_code == 429 and int(response["Retry-After"]) == 19
    monkeypatch.setattr(time, "time", lambda: minute + 20)
    assert verify(client, NUMBER).status_code == 200


def test_limit_is_per_client_address(client, certificate, limits):
    def lookup(address: str) -> int:
        return client.get(SEARCH, {"number": NUMBER}, REMOTE_ADDR=address).status_code

    assert [lookup("198.51.100.7") for _ in range(4)] == [200, 200, 200, 429]
    assert lookup("198.51.100.8") == 200


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="production's cache: Redis (CI has it)")
def test_limits_count_in_production_redis_cache(client, certificate, limits):
    prefix = f"test-verification-{uuid.uuid4().hex}"  # a run of its own: nothing else to clear
    location = redis_url_with_db(os.environ["REDIS_URL"], 14)
    redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix,
    }
    with override_settings(CACHES={"default": redis_cache}):
        statuses = [verify(client, NUMBER).status_code for _ in range(4)]
    server = redis.Redis.from_url(location)
    counters = list(server.scan_iter(f"{prefix}:*"))
    if counters:
        server.delete(*counters)
    assert statuses == [200, 200, 200, 429]
    assert len(counters) == 2  # the minute's and the day's


def test_limits_off_when_disabled(client, certificate, settings):
    settings.VERIFICATION_RATE_MINUTE = "1/m"
    assert all(verify(client, NUMBER).status_code == 200 for _ in range(3))


# --- the client's address: the one axes sees -------------------------------------------------


def _request(**meta):
    return RequestFactory().get(SEARCH, **meta)


def test_client_address_is_remote_addr_without_proxy(settings):
    request = _request(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert client_address("g", request) == "203.0.113.5"


def test_client_address_behind_trusted_proxy(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.2")
    assert client_address("g", request) == "203.0.113.9"


def test_client_address_groups_an_ipv6_network():
    one = client_address("g", _request(REMOTE_ADDR="2001:db8:1:2:aaaa::1"))
    other = client_address("g", _request(REMOTE_ADDR="2001:db8:1:2:bbbb::9"))
    assert one == other == "2001:db8:1:2::"


@pytest.mark.parametrize("address", ["", "not-an-address"])
def test_client_address_unreadable_counts_as_unknown(address):
    assert client_address("g", _request(REMOTE_ADDR=address)) == "unknown"
