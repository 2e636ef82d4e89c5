"""The client's change notifications and the CBs' reviews (DOMAIN §1.9, rule 38): the lock on
direct edits while a certificate holds the records, a review task per CB in the work queue, the
three outcomes, the notified values applied, and the headcount flag on the programme."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audits.enums import AuditKind
from audits.services import programmes as programme_services
from certificates.change_rules import ChangeContent
from certificates.enums import ChangeOutcome, ChangeReviewStatus, DecisionKind
from certificates.models import ChangeNotification, ChangeReview
from certificates.selectors import queue as queue_selectors
from certificates.services import changes as services
from certificates.services.changes import ChangeError, RevisionPlan, SpecialAudit
from core.errors import NotAllowed
from core.transitions import transitions_of
from organisations import services as organisation_services
from organisations.services import LockedError, OrganisationProfile, SiteDetails
from tests import factories
from tests.certificates.conftest import make_certificate, make_programme

pytestmark = pytest.mark.django_db

EFFECTIVE = datetime.date(2027, 1, 1)
ADDRESS = {"street": "Harbour road 9", "postcode": "8400", "city": "Ostend", "country": "BE"}


def content(kind: str = "scope", **values) -> ChangeContent:
    return ChangeContent(
        kind=kind, description="We open a new service line.", effective_on=EFFECTIVE, **values
    )


def notify(world, kind: str = "scope", site=None, **values) -> ChangeNotification:
    if site is not None:
        values["site_id"] = site.pk
    return services.change_notify(
        actor=world.qm_a, organisation=world.org_a, content=content(kind, **values), site=site
    )


def decide(world, review: ChangeReview, outcome: str = ChangeOutcome.NO_ACTION, **kwargs) -> ChangeReview:
    return services.change_review_decide(
        actor=world.cert_manager,
        review=review,
        outcome=outcome,
        reason="Reviewed by the committee.",
        **kwargs,
    )


def states(subject) -> list[tuple[str, str, str]]:
    return [(t.field, t.from_state, t.to_state) for t in transitions_of(subject).order_by("at", "pk")]


# --- the lock on direct edits -----------------------------------------------------------------


def test_the_profile_keeps_its_name_address_and_headcount_while_a_certificate_is_active(
    client, world, certificate
):
    client.force_login(world.qm_a)
    url = reverse("organisations:edit", args=[world.org_a.pk])
    data = {
        "name": "Renamed A",
        "kind": world.org_a.kind,
        "registration_number": "REG-7",
        "street": "Elsewhere 1",
        "postcode": "1000",
        "city": "Liège",
        "country": "BE",
        "headcount": "999",
    }
    response = client.post(url, data)
    world.org_a.refresh_from_db()
    assert (world.org_a.name, world.org_a.city, world.org_a.headcount) == ("Organisation A", "Brussels", 120)
    assert world.org_a.registration_number == "REG-7"  # what no certificate holds still changes
    page = client.get(url).content.decode()
    assert "holds certificate CB-2026-00001" in page
    assert reverse("certificates:change_submit", args=[world.org_a.pk]) in page
    assert response.status_code == 302


def test_no_site_is_added_or_changed_while_a_certificate_is_active(client, world, certificate):
    client.force_login(world.qm_a)
    site = {"name": "Depot", "kind": "permanent", "street": "Quay 4", "city": "Antwerp", "country": "BE"}
    response = client.post(
        reverse("organisations:site_create", args=[world.org_a.pk]), site | {"headcount": 5}
    )
    assert world.org_a.sites.count() == 1
    assert "holds certificate CB-2026-00001" in response.content.decode()
    edit = reverse("organisations:site_edit", args=[world.org_a.pk, world.site_a.pk])
    response = client.post(edit, site | {"headcount": 5, "is_active": ""})
    world.site_a.refresh_from_db()
    assert world.site_a.name == "A headquarters" and world.site_a.is_active
    assert reverse("certificates:change_submit", args=[world.org_a.pk]) in response.content.decode()


def test_the_services_refuse_direct_edits_while_a_certificate_is_active(world, certificate):
    profile = OrganisationProfile(
        name="Renamed A",
        kind=world.org_a.kind,
        street="Main street 1",
        city="Brussels",
        country="BE",
        headcount=120,
        postcode="1000",
    )
    with pytest.raises(LockedError, match="holds certificate"):
        organisation_services.organisation_update(actor=world.qm_a, organisation=world.org_a, profile=profile)
    details = SiteDetails(name="Depot", street="Quay 4", city="Antwerp", country="BE", headcount=5)
    with pytest.raises(LockedError):
        organisation_services.site_create(actor=world.qm_a, organisation=world.org_a, details=details)
    with pytest.raises(LockedError):
        organisation_services.site_update(actor=world.qm_a, site=world.site_a, details=details)


@pytest.mark.parametrize(
    ("status", "locked"),
    [("active", True), ("suspended", True), ("withdrawn", False), ("draft", False), ("expired", False)],
)
def test_the_lock_holds_while_a_certificate_is_valid_or_suspended(world, qms, status, locked):
    make_certificate(world, qms, status=status)
    details = SiteDetails(name="Depot", street="Quay 4", city="Antwerp", country="BE", headcount=5)
    if locked:
        with pytest.raises(LockedError):
            organisation_services.site_create(actor=world.qm_a, organisation=world.org_a, details=details)
    else:
        assert organisation_services.site_create(
            actor=world.qm_a, organisation=world.org_a, details=details
        ).pk


# --- notifying --------------------------------------------------------------------------------


def test_a_notification_opens_a_review_per_serving_cb_due_within_its_days(world):
    world.cb.change_review_days = 10
    world.cb.save(update_fields=["change_review_days"])
    second = factories.CertificationBodyFactory(name="Second CB")
    factories.ClientEngagementFactory(certification_body=second, organisation=world.org_a)
    ended = factories.CertificationBodyFactory(name="Former CB")
    factories.ClientEngagementFactory(
        certification_body=ended, organisation=world.org_a, ended_on=datetime.date(2026, 6, 1)
    )
    notification = notify(world)
    today = timezone.localdate()
    assert [(r.certification_body, r.due_on, r.status) for r in notification.reviews.order_by("pk")] == [
        (world.cb, today + datetime.timedelta(days=10), ChangeReviewStatus.OPEN),
        (second, today + datetime.timedelta(days=30), ChangeReviewStatus.OPEN),
    ]
    assert states(notification) == [("status", "", "submitted")]
    assert states(notification.reviews.first()) == [("status", "", "open")]


@pytest.mark.parametrize("persona", ["contributor_a", "viewer_a", "qm_b", "cert_manager", "staff"])
def test_only_the_quality_manager_notifies(world, persona):
    with pytest.raises(NotAllowed):
        services.change_notify(actor=getattr(world, persona), organisation=world.org_a, content=content())
    assert not ChangeNotification.objects.exists()


def test_a_notification_needs_a_cb_serving_the_organisation(world):
    world.org_a.engagements.update(ended_on=datetime.date(2026, 6, 1))
    with pytest.raises(ChangeError, match="No certification body serves"):
        notify(world)


def test_a_notification_refuses_another_organisations_site(world):
    with pytest.raises(ChangeError, match="active site of the organisation"):
        notify(world, "sites", site=world.site_b, site_change="close")


# --- the work queue ----------------------------------------------------------------------------


def test_the_review_is_in_the_cbs_work_queue_with_its_due_date(client, world):
    notification = notify(world, "address", **ADDRESS)
    review = notification.reviews.get()
    client.force_login(world.cert_manager)
    queue = client.get(reverse("calendar:queue")).context["queue"]
    (row,) = queue.rows
    assert (row.kind, row.subject, row.due_on, row.organisation) == (
        queue_selectors.CHANGE_REVIEW,
        f"{notification.reference} Contact address",
        review.due_on,
        "Organisation A",
    )
    assert [a.url for a in row.actions] == [reverse("certificates:change_review_decide", args=[review.pk])]
    client.force_login(world.auditor)  # the CB's staff see it; only its certification managers act
    (row,) = client.get(reverse("calendar:queue"), {"kind": "change_review"}).context["page_obj"].object_list
    assert row.actions == ()
    assert client.get(reverse("calendar:queue"), {"kind": "nc_plan"}).context["page_obj"].object_list == []
    client.force_login(world.other_cb_manager)
    assert client.get(reverse("calendar:queue")).context["page_obj"].object_list == []
    decide(world, review)
    client.force_login(world.cert_manager)
    assert client.get(reverse("calendar:queue")).context["page_obj"].object_list == []


# --- the three outcomes -------------------------------------------------------------------------


def test_no_action_applies_the_new_name_and_records_it(world):
    notification = notify(world, "legal", name="Organisation A Renamed")
    review = decide(world, notification.reviews.get())
    world.org_a.refresh_from_db()
    notification.refresh_from_db()
    assert world.org_a.name == "Organisation A Renamed" and notification.applied_at is not None
    assert (review.status, review.outcome, review.decided_by) == ("decided", "no_action", world.cert_manager)
    assert states(world.org_a) == [("name", "Organisation A", "Organisation A Renamed")]
    assert states(notification)[-1] == ("status", "submitted", "applied")
    assert states(review)[-1] == ("status", "open", "decided")


def test_a_special_audit_is_added_to_the_clients_programme(world, qms):
    programme = make_programme(world, qms)
    notification = notify(world, "system")
    special = SpecialAudit(
        programme=programme,
        starts_on=datetime.date(2027, 2, 1),
        ends_on=datetime.date(2027, 2, 1),
        planned_days=Decimal("1.0"),
        on_site_days=Decimal("1.0"),
    )
    review = decide(world, notification.reviews.get(), ChangeOutcome.SPECIAL_AUDIT, special=special)
    audit = review.audit
    assert (audit.programme, audit.kind, audit.short_notice, audit.purpose) == (
        programme,
        AuditKind.SPECIAL_SHORT_NOTICE,
        True,
        "Reviewed by the committee.",
    )
    assert review.programme == programme


def test_a_special_audit_needs_a_programme_of_the_cb_for_the_client(world, qms):
    other = make_programme(world, qms)
    other.certification_body = world.other_cb
    other.save(update_fields=["certification_body"])
    review = notify(world).reviews.get()
    special = SpecialAudit(
        programme=other,
        starts_on=datetime.date(2027, 2, 1),
        ends_on=datetime.date(2027, 2, 1),
        planned_days=Decimal("1.0"),
        on_site_days=Decimal("1.0"),
    )
    with pytest.raises(ChangeError, match="Choose a programme of your certification body"):
        decide(world, review, ChangeOutcome.SPECIAL_AUDIT, special=special)
    with pytest.raises(ChangeError, match="programme, dates and time"):
        decide(world, review, ChangeOutcome.SPECIAL_AUDIT)
    review.refresh_from_db()
    assert review.is_open


def test_a_revision_names_its_decision_and_the_page_links_it(client, world, qms):
    programme = make_programme(world, qms)
    notification = notify(world, "sites", site_change="add", name="Depot", headcount=12, **ADDRESS)
    plan = RevisionPlan(programme=programme, decision_kind=DecisionKind.SCOPE_EXTENSION)
    review = decide(world, notification.reviews.get(), ChangeOutcome.REVISION, revision=plan)
    assert (review.programme, review.decision_kind) == (programme, DecisionKind.SCOPE_EXTENSION)
    assert world.org_a.sites.get(name="Depot").address == "Harbour road 9, 8400 Ostend, Belgium"
    client.force_login(world.cert_manager)
    page = client.get(review.get_absolute_url()).content.decode()
    assert f"{reverse('certificates:decision_add', args=[programme.pk])}?kind=scope_extension" in page


@pytest.mark.parametrize("kind", [DecisionKind.INITIAL, DecisionKind.TRANSFER, "anything"])
def test_a_revision_is_decided_by_a_revising_decision(world, qms, kind):
    plan = RevisionPlan(programme=make_programme(world, qms), decision_kind=kind)
    with pytest.raises(ChangeError, match="kind of decision"):
        decide(world, notify(world).reviews.get(), ChangeOutcome.REVISION, revision=plan)


@pytest.mark.parametrize("persona", ["auditor", "other_cb_manager", "qm_a"])
def test_only_the_cbs_certification_managers_decide(world, persona):
    review = notify(world).reviews.get()
    with pytest.raises(NotAllowed):
        services.change_review_decide(
            actor=getattr(world, persona), review=review, outcome="no_action", reason="No."
        )


def test_a_review_is_decided_once_with_a_reason(world):
    review = notify(world).reviews.get()
    with pytest.raises(ChangeError, match="Give the reason"):
        services.change_review_decide(
            actor=world.cert_manager, review=review, outcome="no_action", reason="  "
        )
    decide(world, review)
    with pytest.raises(ChangeError, match="was reviewed on"):
        decide(world, review)


def test_the_values_are_applied_once_whichever_cb_reviews_first(world):
    second = factories.CertificationBodyFactory(name="Second CB")
    factories.ClientEngagementFactory(certification_body=second, organisation=world.org_a)
    manager = factories.CBMembershipFactory(certification_body=second, role="certification_manager").user
    notification = notify(world, "address", **ADDRESS)
    first, other = notification.reviews.order_by("pk")
    services.change_review_decide(actor=manager, review=other, outcome="no_action", reason="Noted.")
    decide(world, first)
    world.org_a.refresh_from_db()
    assert world.org_a.address == "Harbour road 9, 8400 Ostend, Belgium"
    assert [state for state in states(notification) if state[2] == "applied"] == [
        ("status", "submitted", "applied")
    ]
    assert [field for field, *_rest in states(world.org_a)] == ["street", "postcode", "city"]


def test_a_site_closes_or_moves_when_reviewed(world):
    depot = factories.SiteFactory(organisation=world.org_a, name="Depot")
    closing = notify(world, "sites", site=depot, site_change="close")
    moving = notify(world, "sites", site=world.site_a, site_change="move", **ADDRESS)
    decide(world, closing.reviews.get())
    decide(world, moving.reviews.get())
    depot.refresh_from_db()
    world.site_a.refresh_from_db()
    assert not depot.is_active and ("is_active", "True", "False") in states(depot)
    assert world.site_a.address == "Harbour road 9, 8400 Ostend, Belgium" and world.site_a.is_active


# --- the headcount flag ---------------------------------------------------------------------------


def test_a_headcount_change_flags_the_programmes_audit_time_until_reviewed(client, world, qms):
    programme = make_programme(world, qms)
    other_cb = make_programme(world, qms)
    other_cb.certification_body = world.other_cb
    other_cb.save(update_fields=["certification_body"])
    notification = notify(world, "headcount", headcount=150)
    programme.refresh_from_db()
    other_cb.refresh_from_db()
    assert (
        programme.headcount_change_from,
        programme.headcount_change_to,
        programme.headcount_change_on,
    ) == (
        120,
        150,
        EFFECTIVE,
    )
    assert not other_cb.headcount_changed  # that CB does not serve the client
    client.force_login(world.cert_manager)
    page = client.get(programme.get_absolute_url()).content.decode()
    assert f"Headcount changed from 120 to 150 on {date_format(EFFECTIVE)}: review the audit time." in page
    decide(world, notification.reviews.get())
    world.org_a.refresh_from_db()
    assert world.org_a.headcount == 150
    response = client.post(reverse("audits:programme_headcount_reviewed", args=[programme.pk]))
    programme.refresh_from_db()
    assert response.status_code == 302 and not programme.headcount_changed
    assert states(programme)[-2:] == [
        ("headcount_change", "", f"120 → 150 ({EFFECTIVE})"),
        ("headcount_change", f"120 → 150 ({EFFECTIVE})", ""),
    ]
    assert "Headcount changed from" not in client.get(programme.get_absolute_url()).content.decode()


def test_only_a_planner_says_the_audit_time_was_reviewed(client, world, qms):
    programme = make_programme(world, qms)
    notify(world, "headcount", headcount=150)
    client.force_login(world.qm_a)
    assert client.post(reverse("audits:programme_headcount_reviewed", args=[programme.pk])).status_code in (
        403,
        404,
    )
    with pytest.raises(NotAllowed):
        programme_services.programme_headcount_reviewed(actor=world.auditor, programme=programme)
    programme.refresh_from_db()
    assert programme.headcount_changed


# --- the pages --------------------------------------------------------------------------------


def form_data(**values) -> dict:
    return {"kind": "scope", "effective_on": "2027-01-01", "description": "A new service line."} | values


def test_the_quality_manager_notifies_from_the_organisation_page(client, world, certificate):
    client.force_login(world.qm_a)
    url = reverse("certificates:change_submit", args=[world.org_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(kind="headcount", headcount="150"))
    assert response.status_code == 302 and response.url == reverse(
        "certificates:change_list", args=[world.org_a.pk]
    )
    notification = ChangeNotification.objects.get()
    assert (notification.kind, notification.headcount, notification.submitted_by) == (
        "headcount",
        150,
        world.qm_a,
    )
    response = client.post(url, form_data(kind="headcount", headcount="150", name="Typo"))
    assert "takes no name" in response.content.decode() and ChangeNotification.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("qm_a", 200),
        ("contributor_a", 403),
        ("viewer_a", 403),
        ("cert_manager", 403),
        ("qm_b", 404),
        ("other_cb_manager", 404),
    ],
)
def test_who_opens_the_notification_form(client, world, persona, status):
    client.force_login(getattr(world, persona))
    url = reverse("certificates:change_submit", args=[world.org_a.pk])
    assert client.get(url).status_code == status
    assert client.post(url, form_data()).status_code == (302 if status == 200 else status)
    assert ChangeNotification.objects.count() == (1 if status == 200 else 0)
    assert client.put(url).status_code == 405


@pytest.mark.parametrize(
    ("persona", "read", "decide_status"),
    [
        ("cert_manager", 200, 200),
        ("auditor", 200, 403),
        ("staff", 200, 403),
        ("other_cb_manager", 404, 404),
        ("qm_a", 404, 404),
    ],
)
def test_who_reads_and_decides_a_review(client, world, persona, read, decide_status):
    review = notify(world).reviews.get()
    client.force_login(getattr(world, persona))
    assert client.get(reverse("certificates:change_review", args=[review.pk])).status_code == read
    url = reverse("certificates:change_review_decide", args=[review.pk])
    assert client.get(url).status_code == decide_status
    response = client.post(url, {"outcome": "no_action", "reason": "Nothing to audit."})
    assert response.status_code == (302 if decide_status == 200 else decide_status)
    review.refresh_from_db()
    assert review.is_open == (decide_status != 200)
    assert client.post(reverse("certificates:change_review", args=[review.pk])).status_code in (404, 405)


def test_the_decide_form_asks_what_the_outcome_needs(client, world):
    review = notify(world).reviews.get()
    client.force_login(world.cert_manager)
    url = reverse("certificates:change_review_decide", args=[review.pk])
    response = client.post(url, {"outcome": "revision", "reason": "A scope change."})
    assert response.status_code == 200 and response.context["form"].errors.keys() == {
        "programme",
        "decision_kind",
    }
    response = client.post(url, {"outcome": "special_audit", "reason": "Visit."})
    assert response.context["form"].errors.keys() == {
        "programme",
        "starts_on",
        "ends_on",
        "planned_days",
        "on_site_days",
    }
    review.refresh_from_db()
    assert review.is_open


def test_the_client_sees_the_status_and_outcome_not_the_reason(client, world):
    notification = notify(world, "legal", name="Organisation A Renamed")
    services.change_review_decide(
        actor=world.cert_manager,
        review=notification.reviews.get(),
        outcome="no_action",
        reason="Internal: fine.",
    )
    client.force_login(world.viewer_a)
    page = client.get(reverse("certificates:change_list", args=[world.org_a.pk])).content.decode()
    assert notification.reference in page and "No action needed" in page
    assert "Internal: fine." not in page
    client.force_login(world.cert_manager)
    page = client.get(
        reverse("certificates:change_review", args=[notification.reviews.get().pk])
    ).content.decode()
    assert "Internal: fine." in page


def test_the_list_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    notify(world)
    client.force_login(world.qm_a)
    url = reverse("certificates:change_list", args=[world.org_a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).context["page"]) == 1
    notify(world, "address", **ADDRESS)
    services.change_review_decide(
        actor=world.cert_manager, review=notify(world).reviews.get(), outcome="no_action", reason="Ok."
    )
    with django_assert_num_queries(len(one)):
        assert len(client.get(url).context["page"]) == 3


def test_a_new_address_replaces_the_old_one_whole(world):
    without_postcode = {"street": "Harbour road 9", "city": "Ostend", "country": "BE"}
    decide(world, notify(world, "address", **without_postcode).reviews.get())
    world.org_a.refresh_from_db()
    assert (world.org_a.street, world.org_a.postcode, world.org_a.city) == ("Harbour road 9", "", "Ostend")


def test_a_change_without_values_leaves_the_records_as_they_are(world):
    notification = notify(world, "management")
    decide(world, notification.reviews.get())
    notification.refresh_from_db()
    world.org_a.refresh_from_db()
    assert notification.applied_at is None and states(world.org_a) == []
    assert states(notification) == [("status", "", "submitted")]


def test_a_new_site_needs_a_name_of_its_own(world):
    with pytest.raises(ChangeError, match="already has a site with this name"):
        notify(world, "sites", site_change="add", name="A headquarters", headcount=3, **ADDRESS)


def test_the_queue_with_change_reviews_runs_a_fixed_number_of_queries(
    client, world, django_assert_num_queries
):
    notify(world)
    client.force_login(world.cert_manager)
    url = reverse("calendar:queue")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).context["page_obj"].object_list) == 1
    notify(world, "management")
    notify(world, "system")
    with django_assert_num_queries(len(one)):
        assert len(client.get(url).context["page_obj"].object_list) == 3
