"""The next cycle's programme, opened by a recertification decision (DOMAIN §1.7): carried over for
review, planned from surveillance 1, and checked without stage 1 or stage 2."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from audits import audit_time, cycle
from audits.enums import SURVEILLANCES, AuditKind, ProgrammeStatus
from audits.models import ProgrammeEdition, TimeAdjustment
from audits.selectors.programme_checks import cycle_policy, due_window, programme_problems
from audits.selectors.programmes import time_sheet
from audits.services import programmes as services
from core.transitions import transitions_of
from organisations.models import IAFCode
from tests import factories
from tests.factories import PROGRAMME_SCOPE

pytestmark = pytest.mark.django_db

STAGE1 = datetime.date(2026, 3, 2)
DECIDED = datetime.date(2029, 2, 12)
CONTINUING = (AuditKind.SURVEILLANCE_1, AuditKind.SURVEILLANCE_2, AuditKind.RECERTIFICATION)


@pytest.fixture
def first(world, qms):
    """A first cycle of organisation A with two sites, an IAF code and a time adjustment."""
    branch = factories.SiteFactory(organisation=world.org_a, name="A branch", headcount=8)
    programme = services.programme_open(
        actor=world.cert_manager,
        certification_body=world.cb,
        organisation=world.org_a,
        editions=[qms],
        sites=[world.site_a, branch],
        iaf_codes=[IAFCode.objects.get(code=33)],
        stage1_on=STAGE1,
        scope=dataclasses.replace(
            PROGRAMME_SCOPE,
            scope="Design of digital services",
            headcount=40,
            effective_personnel=30,
            personnel_justification="Part-timers counted as full-time equivalents",
        ),
    )
    services.programme_edition_time_set(
        actor=world.cert_manager,
        programme_edition=programme.programme_editions.get(),
        complexity=programme.programme_editions.get().complexity,
        adjustments=[audit_time.Adjustment("Low process complexity", Decimal(-10))],
        override_days=None,
        override_justification="",
    )
    return programme


def test_the_next_cycle_carries_the_programme_over_for_review(world, first):
    following = services.programme_next_cycle(actor=world.cert_manager, programme=first, decided_on=DECIDED)
    assert (following.previous, following.cycle_started_on, following.status, following.created_by) == (
        first,
        DECIDED,
        ProgrammeStatus.DRAFT,
        world.cert_manager,
    )
    assert (following.certification_body, following.organisation) == (world.cb, world.org_a)
    for name in ("scope", "headcount", "effective_personnel", "personnel_justification", "is_integrated"):
        assert getattr(following, name) == getattr(first, name)
    assert set(following.sites.all()) == set(first.sites.all())
    assert [c.code for c in following.iaf_codes.all()] == [33]
    (old_pe,), (new_pe,) = first.programme_editions.all(), following.programme_editions.all()
    assert (new_pe.edition, new_pe.complexity, new_pe.override_days) == (
        old_pe.edition,
        old_pe.complexity,
        None,
    )
    assert [(a.reason, a.percent) for a in new_pe.adjustments.all()] == [
        ("Low process complexity", Decimal("-10.0"))
    ]
    assert first.next_cycles.get() == following


def test_the_next_cycle_plans_surveillance_and_recertification_from_the_decision(world, first):
    following = services.programme_next_cycle(actor=world.cert_manager, programme=first, decided_on=DECIDED)
    audits = {audit.kind: audit for audit in following.audits.all()}
    assert set(audits) == set(CONTINUING)  # no stage 1, no stage 2
    planned = cycle.default_days(DECIDED, cycle_policy(world.cb))
    sheet = time_sheet(following)
    for kind, audit in audits.items():
        assert audit.starts_on == planned[kind]
        assert audit.starts_on in due_window(following, kind) and audit.ends_on in due_window(following, kind)
        assert audit.planned_days == audit.on_site_days == sheet.suggested_days(kind)
    # the same default coverage as a first cycle: recertification the whole system, surveillances shared
    first_audits = {audit.kind: audit for audit in first.audits.all()}
    for kind in CONTINUING:
        assert set(audits[kind].clauses.all()) == set(first_audits[kind].clauses.all())
    numbers = {kind: sorted(c.number for c in audits[kind].clauses.all()) for kind in CONTINUING}
    assert numbers == {
        AuditKind.SURVEILLANCE_1: ["4.1", "4.2", "9.2"],
        AuditKind.SURVEILLANCE_2: ["8.3", "9.2"],
        AuditKind.RECERTIFICATION: ["4.1", "4.2", "8.3", "9.2"],
    }


def test_the_time_entered_by_hand_is_carried_over(world, first):
    ProgrammeEdition.objects.filter(programme=first).update(
        override_days=Decimal("6.0"), override_justification="Beyond the table"
    )
    following = services.programme_next_cycle(actor=world.cert_manager, programme=first, decided_on=DECIDED)
    pe = following.programme_editions.get()
    assert (pe.override_days, pe.override_justification) == (Decimal("6.0"), "Beyond the table")
    assert time_sheet(following).initial_days == Decimal("6.0")
    recertification = following.audits.get(kind=AuditKind.RECERTIFICATION)
    assert recertification.planned_days == Decimal("4.0")  # 2/3 of 6 days (rule 27)


def test_the_next_cycle_is_opened_once(world, first):
    following = services.programme_next_cycle(actor=world.cert_manager, programme=first, decided_on=DECIDED)
    again = services.programme_next_cycle(
        actor=world.cert_manager, programme=first, decided_on=DECIDED + datetime.timedelta(days=3)
    )
    assert again == following and first.next_cycles.count() == 1
    assert following.audits.count() == 3
    assert TimeAdjustment.objects.filter(programme_edition__programme=following).count() == 1


def test_opening_the_next_cycle_is_recorded_on_both_programmes(world, first):
    following = services.programme_next_cycle(actor=world.cert_manager, programme=first, decided_on=DECIDED)
    opened = transitions_of(following).get()
    assert (opened.field, opened.from_state, opened.to_state, opened.actor) == (
        "status",
        "",
        ProgrammeStatus.DRAFT,
        world.cert_manager,
    )
    assert first.reference in opened.reason and str(DECIDED) in opened.reason
    noted = transitions_of(first).get(field="next_cycle")
    assert (noted.to_state, noted.actor) == (following.reference, world.cert_manager)


def test_an_inactive_site_is_not_carried_over(world, first):
    branch = first.sites.get(name="A branch")
    branch.is_active = False
    branch.save(update_fields=["is_active"])
    following = services.programme_next_cycle(actor=world.cert_manager, programme=first, decided_on=DECIDED)
    assert list(following.sites.all()) == [world.site_a]


# --- the planning checks of a continuing programme


@pytest.fixture
def following(world, qms):
    """The next cycle of a single-site programme, as the recertification decision opens it."""
    programme = services.programme_open(
        actor=world.cert_manager,
        certification_body=world.cb,
        organisation=world.org_a,
        editions=[qms],
        sites=[world.site_a],
        iaf_codes=[],
        stage1_on=STAGE1,
        scope=PROGRAMME_SCOPE,
    )
    return services.programme_next_cycle(actor=world.cert_manager, programme=programme, decided_on=DECIDED)


def test_a_continuing_programme_passes_its_checks_and_is_approved(world, following):
    assert programme_problems(following) == []
    services.programme_approve(actor=world.cert_manager, programme=following)
    following.refresh_from_db()
    assert following.status == ProgrammeStatus.APPROVED


def test_a_continuing_programme_checks_each_audit_against_the_initial_time(world, following):
    surveillance = following.audits.get(kind=AuditKind.SURVEILLANCE_1)
    suggested = time_sheet(following).suggested_days(AuditKind.SURVEILLANCE_1)
    surveillance.planned_days = surveillance.on_site_days = suggested + 1
    surveillance.ends_on = surveillance.starts_on + datetime.timedelta(days=2)
    surveillance.save(update_fields=["planned_days", "on_site_days", "ends_on"])
    assert programme_problems(following) == [
        f"Surveillance 1: {suggested + 1} days planned, {suggested} suggested; justify the difference."
    ]


def test_a_continuing_programme_checks_the_windows_and_the_calendar_years(world, following):
    surveillance = following.audits.get(kind=AuditKind.SURVEILLANCE_2)
    window = due_window(following, AuditKind.SURVEILLANCE_2)
    late = window.closes + datetime.timedelta(days=40)
    surveillance.starts_on = surveillance.ends_on = late
    surveillance.save(update_fields=["starts_on", "ends_on"])
    assert programme_problems(following) == [
        f"Surveillance 2 must take place between {window.opens} and {window.closes}."
    ]


def test_a_cancelled_surveillance_of_a_continuing_programme_is_reported(world, following):
    following.audits.filter(kind=SURVEILLANCES[0]).update(status="cancelled")
    assert programme_problems(following) == [
        "Surveillance 1 is cancelled: add its repeat, or plan the cycle again."
    ]


def test_the_programme_pages_show_a_continuing_programme(client, world, following):
    client.force_login(world.cert_manager)
    page = client.get(following.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert f'Continues the cycle of <a href="{following.previous.get_absolute_url()}">' in text
    assert following.previous.reference in text
    assert "Every planning rule holds: the programme can be approved." in text
    assert "Stage 1" not in text
    earlier = client.get(following.previous.get_absolute_url()).content.decode()
    assert f'Continued by <a href="{following.get_absolute_url()}">{following.reference}</a>' in earlier
    listing = client.get(reverse("audits:programme_list"))
    assert listing.status_code == 200
    assert following.reference in listing.content.decode()
    assert following.previous.reference in listing.content.decode()
