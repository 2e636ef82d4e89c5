"""Pre-transfer reviews and transfer decisions (IAF MD 2; DOMAIN §1.11; rule 30): the service, its
page, and a transfer that keeps the incoming cycle, or is refused on a certificate that is not
accredited, valid and unsuspended."""

import dataclasses
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.enums import (
    CertificateStatus,
    DecisionKind,
    DecisionOutcome,
    IncomingStatus,
    RevisionStatus,
    TransferReviewOutcome,
)
from certificates.models import Certificate, Decision, TransferReview
from certificates.services.transfers import TransferDetails, TransferError, transfer_review_record
from core.errors import NotAllowed
from core.transitions import transitions_of
from tests.certificates.test_decision_views import client_of, decided_world
from tests.factories import EditionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DETAILS = TransferDetails(
    issuing_body="Old Certification Ltd",
    issuing_accreditation_body="UKAS",
    incoming_number="OC-9001-4711",
    incoming_status=IncomingStatus.VALID,
    incoming_accredited=True,
    original_certified_on=datetime.date(2019, 4, 1),
    cycle_started_on=datetime.date(2025, 3, 14),
    expires_on=datetime.date(2028, 3, 31),
    reason="The issuing CB stops certifying in the region.",
    reports_reviewed="Recertification report of March 2025; surveillance report of March 2026.",
    open_nonconformities="None.",
    outcome=TransferReviewOutcome.ACCEPT,
    reviewed_on=TODAY,
)


@pytest.fixture
def programme(world, qms):
    return decided_world(world, qms)


def record(world, programme, edition, **changes) -> TransferReview:
    return transfer_review_record(
        actor=world.cert_manager,
        programme=programme,
        edition=edition,
        details=dataclasses.replace(DETAILS, **changes),
    )


def page_url(programme) -> str:
    return reverse("certificates:transfer_review_add", args=[programme.pk])


def form_data(edition, /, **changes) -> dict:
    data = {field.name: getattr(DETAILS, field.name) for field in dataclasses.fields(TransferDetails)} | {
        "edition": edition.pk
    }
    data = {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in data.items()}
    data["incoming_accredited"] = "on"
    data.pop("visited")
    return data | changes


def transfer(edition, review, /, **changes) -> dict:
    return {
        "edition": edition.pk,
        "kind": DecisionKind.TRANSFER,
        "outcome": DecisionOutcome.GRANT,
        "decided_on": TODAY.isoformat(),
        "rationale": "Pre-transfer review accepted; cycle continues.",
        "transfer_review": review.pk,
    } | changes


# --- the service


def test_manager_records_a_review(world, programme, qms):
    review = record(world, programme, qms)
    assert (review.programme, review.edition, review.reviewed_by) == (programme, qms, world.cert_manager)
    for field in dataclasses.fields(TransferDetails):
        assert getattr(review, field.name) == getattr(DETAILS, field.name)
    assert [(t.field, t.to_state, t.actor) for t in transitions_of(review)] == [
        ("outcome", TransferReviewOutcome.ACCEPT, world.cert_manager)
    ]


@pytest.mark.parametrize("who", ["auditor", "qm_a", "other_cb_manager"])
def test_only_the_cbs_managers_record_reviews(world, programme, qms, who):
    with pytest.raises(NotAllowed):
        transfer_review_record(actor=getattr(world, who), programme=programme, edition=qms, details=DETAILS)
    assert not TransferReview.objects.exists()


def test_edition_outside_the_programme_is_refused(world, programme):
    other = EditionFactory(standard__code="ISO 14001")
    with pytest.raises(TransferError, match="not in this programme"):
        record(world, programme, other)


def test_guidance_edition_is_refused(world, programme, qms):
    qms.certifiable = False
    qms.save(update_fields=["certifiable"])
    with pytest.raises(TransferError, match="rule 32"):
        record(world, programme, qms)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reviewed_on": TODAY + datetime.timedelta(days=1)}, "future"),
        ({"cycle_started_on": datetime.date(2018, 1, 1)}, "cannot start before the original"),
        ({"expires_on": datetime.date(2025, 3, 14)}, "must come after the start of the cycle"),
        ({"incoming_number": "OC\n4711"}, "one line"),
        ({"reason": ""}, "blank"),
    ],
)
def test_invalid_details_are_refused(world, programme, qms, changes, message):
    with pytest.raises(TransferError, match=message):
        record(world, programme, qms, **changes)
    assert not TransferReview.objects.exists()


# --- the page


def test_page_shows_the_form_and_the_reviews_to_the_manager(world, programme, qms):
    review = record(world, programme, qms)
    response = client_of(world.cert_manager).get(page_url(programme))
    assert response.status_code == 200 and response.context["form"] is not None
    page = response.content.decode()
    assert review.incoming_number in page and review.issuing_body in page
    decide = f"{reverse('certificates:decision_add', args=[programme.pk])}?edition={qms.pk}"
    assert decide in page


def test_client_reads_the_reviews_without_the_form(world, programme, qms):
    record(world, programme, qms)
    client = client_of(world.qm_a)
    response = client.get(page_url(programme))
    assert response.status_code == 200 and response.context["form"] is None
    assert DETAILS.incoming_number in response.content.decode()
    assert client.post(page_url(programme), form_data(qms)).status_code == 403
    assert TransferReview.objects.count() == 1


def test_another_cb_gets_404(world, programme, qms):
    client = client_of(world.other_cb_manager)
    assert client.get(page_url(programme)).status_code == 404
    assert client.post(page_url(programme), form_data(qms)).status_code == 404


def test_post_records_a_review(world, programme, qms):
    response = client_of(world.cert_manager).post(page_url(programme), form_data(qms))
    assert response.status_code == 302 and response.url == page_url(programme)
    review = TransferReview.objects.get()
    assert (review.incoming_number, review.expires_on, review.incoming_accredited, review.visited) == (
        DETAILS.incoming_number,
        DETAILS.expires_on,
        True,
        False,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"incoming_number": "OC\r\n4711"}, "incoming_number"),
        ({"issuing_body": "Old\tCert"}, "issuing_body"),
        ({"issuing_body": "x" * 201}, "issuing_body"),
        ({"reviewed_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "reviewed_on"),
        ({"expires_on": "2101-01-01"}, "expires_on"),
        ({"expires_on": "31/02/2027"}, "expires_on"),
        ({"reason": ""}, "reason"),
        ({"reason": "y" * 2001}, "reason"),
        ({"edition": "999999"}, "edition"),
        ({"incoming_status": "lost"}, "incoming_status"),
        ({"outcome": "perhaps"}, "outcome"),
        ({"cycle_started_on": "2018-01-01"}, "__all__"),
    ],
)
def test_bad_input_gives_form_errors(world, programme, qms, changes, field):
    response = client_of(world.cert_manager).post(page_url(programme), form_data(qms, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not TransferReview.objects.exists()


# --- the transfer decision (rule 30)


def test_transfer_decision_keeps_the_incoming_cycle(world, programme, qms):
    review = record(world, programme, qms)
    manager = client_of(world.cert_manager)
    preview = manager.get(
        reverse("certificates:decision_add", args=[programme.pk]),
        {"edition": qms.pk, "kind": DecisionKind.TRANSFER, "transfer_review": review.pk},
    )
    assert preview.context["blockers"] == []
    response = manager.post(reverse("certificates:decision_add", args=[programme.pk]), transfer(qms, review))
    decision = Decision.objects.get()
    assert response.status_code == 302 and decision.transfer_review == review
    certificate = decision.certificate
    assert certificate.status == CertificateStatus.DRAFT
    assert certificate.original_certified_on == DETAILS.original_certified_on
    revision = certificate.revisions.get()
    assert (revision.status, revision.expiry_on, revision.cycle_started_on, revision.effective_on) == (
        RevisionStatus.DRAFT,
        DETAILS.expires_on,
        DETAILS.cycle_started_on,
        TODAY,
    )
    page = manager.get(decision.get_absolute_url()).content.decode()
    assert DETAILS.incoming_number in page
    # the review is used: it is offered no more, and the page links its decision
    form = manager.get(reverse("certificates:decision_add", args=[programme.pk])).context["form"]
    assert list(form.fields["transfer_review"].queryset) == []
    assert decision.get_absolute_url() in manager.get(page_url(programme)).content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"incoming_status": IncomingStatus.SUSPENDED},
        {"incoming_accredited": False},
        {"incoming_status": IncomingStatus.WITHDRAWN, "incoming_accredited": False},
    ],
)
def test_transfer_of_an_ineligible_certificate_is_blocked_by_rule_30(world, programme, qms, changes):
    review = record(world, programme, qms, **changes)
    response = client_of(world.cert_manager).post(
        reverse("certificates:decision_add", args=[programme.pk]), transfer(qms, review)
    )
    assert response.status_code == 200 and response.context["refused"]
    rules = [b.rule for b in response.context["blockers"]]
    assert rules == [30] * len(changes)
    assert "Rule 30" in response.content.decode()
    assert not Decision.objects.exists() and not Certificate.objects.exists()


def test_transfer_without_a_review_is_blocked_by_rule_30(world, programme, qms):
    response = client_of(world.cert_manager).post(
        reverse("certificates:decision_add", args=[programme.pk]),
        transfer(qms, TransferReview(pk=0), transfer_review=""),
    )
    assert [b.rule for b in response.context["blockers"]] == [30]
    assert not Decision.objects.exists()


def test_a_rejecting_review_is_not_offered(world, programme, qms):
    rejected = record(world, programme, qms, outcome=TransferReviewOutcome.REJECT)
    response = client_of(world.cert_manager).post(
        reverse("certificates:decision_add", args=[programme.pk]), transfer(qms, rejected)
    )
    assert "transfer_review" in response.context["form"].errors
    assert not Decision.objects.exists()


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_review_list_runs_the_same_queries_for_one_and_three_reviews(world, programme, qms):
    client = client_of(world.cert_manager)
    record(world, programme, qms)
    one = queries_of(client, page_url(programme))
    record(world, programme, qms, incoming_number="OC-2")
    record(world, programme, qms, incoming_number="OC-3", outcome=TransferReviewOutcome.REJECT)
    assert queries_of(client, page_url(programme)) == one
