"""A certificate's life after the decision (certificates/services/certificates.py): issue, update,
void, suspend, reinstate, withdraw, cancel and expire, with who may do it and what each leaves in
the transition log (DOMAIN §1.5–1.10, §6; rules 6, 8, 9, 12–16, 31, 32, 34, 36)."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from certificates.enums import (
    CertificateStatus,
    DecisionKind,
    DecisionOutcome,
    RevisionStatus,
    SuspensionReason,
)
from certificates.models import Certificate, CertificateRevision, Decision
from certificates.services import certificates as services
from certificates.services.certificates import CertificateError, DraftDetails, Suspension
from core.errors import NotAllowed
from core.transitions import transitions_of
from organisations.models import AccreditationScope, IAFCode
from tests.audits.conftest import ems, make_edition  # noqa: F401  (the ISO 14001:2015 fixture)
from tests.certificates.conftest import DECIDED_ON, certified_sites, give_images, make_certificate, take_copy

S = CertificateStatus
R = RevisionStatus
DAY = datetime.timedelta(days=1)


def today() -> datetime.date:
    return timezone.localdate()


def add_draft(
    certificate: Certificate,
    *,
    kind: str = DecisionKind.RECERTIFICATION,
    decided_on: datetime.date | None = None,
    effective_on: datetime.date | None = None,
    expiry_on: datetime.date | None = None,
    edition=None,
    scope: str | None = None,
    soa_version: str | None = None,
    iaf_codes=(),
) -> CertificateRevision:
    """The next revision of the certificate as a decision drafts it (built with the ORM)."""
    previous = certificate.revisions.order_by("-revision").first()
    decided_on = decided_on or today()
    decision = Decision.objects.create(
        programme=previous.decision.programme,
        edition=edition or previous.edition,
        kind=kind,
        outcome=DecisionOutcome.GRANT,
        decided_on=decided_on,
        decided_by=previous.decision.decided_by,
        rationale="Recertification audit closed; nonconformities settled.",
        certificate=certificate,
    )
    revision = CertificateRevision.objects.create(
        certificate=certificate,
        revision=previous.revision + 1,
        decision=decision,
        edition=edition or previous.edition,
        scope=previous.scope if scope is None else scope,
        effective_on=effective_on or decided_on,
        expiry_on=expiry_on or previous.expiry_on.replace(year=previous.expiry_on.year + 3),
        cycle_started_on=decided_on,
        soa_version=previous.soa_version if soa_version is None else soa_version,
    )
    take_copy(revision, certified_sites(previous))
    revision.iaf_codes.set(iaf_codes)
    return revision


def log(subject, field: str = "status") -> list[tuple[str, str, object, str]]:
    return [
        (t.from_state, t.to_state, t.actor, t.reason)
        for t in transitions_of(subject).filter(field=field).order_by("pk")
    ]


def reload(record):
    record.refresh_from_db()
    return record


@pytest.fixture
def draft_certificate(world, qms):
    """A certificate granted but never issued: draft certificate, draft revision 1."""
    give_images(world.cb)
    return make_certificate(world, qms, number="CB-2026-00002", status=S.DRAFT, decided_on=today() - 10 * DAY)


def first_revision(certificate: Certificate) -> CertificateRevision:
    return certificate.revisions.get(revision=1)


# --- Issuing (rules 6, 8, 9, 32, 34) ------------------------------------------------------------------


def test_issuing_the_first_revision_makes_the_certificate_active(world, draft_certificate):
    revision = first_revision(draft_certificate)
    issued = services.revision_issue(actor=world.cert_manager, revision=revision)
    assert (issued.status, issued.issued_on, issued.issued_by) == (R.CURRENT, today(), world.cert_manager)
    certificate = reload(draft_certificate)
    assert certificate.status == S.ACTIVE
    assert certificate.status_since == revision.effective_on
    assert log(revision) == [(R.DRAFT, R.CURRENT, world.cert_manager, "Issued, not accredited (rule 34).")]
    assert log(certificate) == [
        (S.DRAFT, S.ACTIVE, world.cert_manager, "Revision 1 issued (initial certification).")
    ]


def test_issue_refuses_without_the_cb_mark(world, qms):
    certificate = make_certificate(world, qms, status=S.DRAFT)  # the CB has no mark uploaded
    revision = first_revision(certificate)
    with pytest.raises(CertificateError, match=r"certification body's mark .* \(rule 8\)"):
        services.revision_issue(actor=world.cert_manager, revision=revision)
    assert reload(revision).status == R.DRAFT and reload(certificate).status == S.DRAFT
    assert log(revision) == [] and log(certificate) == []


def test_issue_problems_lists_every_missing_item(world, qms):
    certificate = make_certificate(world, qms, status=S.DRAFT)
    revision = first_revision(certificate)
    CertificateRevision.objects.filter(pk=revision.pk).update(scope="")
    revision.sites.all().delete()
    problems = services.issue_problems(CertificateRevision.objects.get(pk=revision.pk))
    assert problems == [
        "Missing: at least one site in scope (rule 8).",
        "Missing: the scope text (rule 8).",
        "Missing: the certification body's mark (upload it in the body's settings) (rule 8).",
    ]


def test_issue_refuses_an_isms_certificate_without_its_soa_version(world):
    give_images(world.cb)
    isms = make_edition("ISO/IEC 27001", 2022, [("4", "Context", "HS-4")], standard__discipline="ISMS")
    certificate = make_certificate(world, isms, status=S.DRAFT, decided_on=today() - DAY)
    revision = first_revision(certificate)
    with pytest.raises(CertificateError, match="Statement of Applicability"):
        services.revision_issue(actor=world.cert_manager, revision=revision)
    services.revision_update(
        actor=world.cert_manager, revision=revision, details=DraftDetails(revision.effective_on, "SoA v4")
    )
    assert services.revision_issue(actor=world.cert_manager, revision=revision).status == R.CURRENT


def test_issue_refuses_an_effective_date_before_the_decision(world, draft_certificate):
    revision = first_revision(draft_certificate)
    CertificateRevision.objects.filter(pk=revision.pk).update(effective_on=revision.decision.decided_on - DAY)
    with pytest.raises(CertificateError, match=r"before the decision date.*\(rule 6\)"):
        services.revision_issue(actor=world.cert_manager, revision=revision)
    assert reload(revision).status == R.DRAFT and reload(draft_certificate).status == S.DRAFT


def test_issue_refuses_a_non_certifiable_edition(world):
    give_images(world.cb)
    guidance = make_edition("ISO 31000", 2018, [("4", "Principles", "")], certifiable=False)
    certificate = make_certificate(world, guidance, status=S.DRAFT, decided_on=today() - DAY)
    with pytest.raises(
        CertificateError, match=r"ISO 31000:2018 cannot be printed on a certificate \(rule 32\)"
    ):
        services.revision_issue(actor=world.cert_manager, revision=first_revision(certificate))
    assert reload(certificate).status == S.DRAFT


def test_issuing_revision_2_supersedes_revision_1_and_keeps_the_certificate_active(world, certificate):
    since = certificate.status_since
    one = first_revision(certificate)
    two = add_draft(certificate)
    services.revision_issue(actor=world.cert_manager, revision=two)
    assert reload(one).status == R.SUPERSEDED
    assert reload(two).status == R.CURRENT
    assert reload(certificate).status == S.ACTIVE and certificate.status_since == since
    assert log(one) == [(R.CURRENT, R.SUPERSEDED, world.cert_manager, "Replaced by revision 2.")]
    assert log(two) == [(R.DRAFT, R.CURRENT, world.cert_manager, "Issued, not accredited (rule 34).")]
    assert log(certificate) == []  # it stayed active: no status change to record
    assert certificate.revisions.filter(status=R.CURRENT).count() == 1


def test_an_issued_revision_is_not_issued_again(world, certificate):
    with pytest.raises(CertificateError, match="Only a draft revision"):
        services.revision_issue(actor=world.cert_manager, revision=first_revision(certificate))


def test_issuing_a_restoration_makes_an_expired_certificate_active_again(world, qms):
    give_images(world.cb)
    expired_on = today() - 30 * DAY
    certificate = make_certificate(
        world,
        qms,
        decided_on=expired_on - datetime.timedelta(days=3 * 365),
        expiry_on=expired_on,
    )
    assert services.certificate_expire(certificate=certificate, today=today()) is not None
    assert reload(certificate).status == S.EXPIRED
    restoration = add_draft(certificate, kind=DecisionKind.RESTORATION, decided_on=today() - DAY)
    services.revision_issue(actor=world.cert_manager, revision=restoration)
    certificate = reload(certificate)
    assert certificate.status == S.ACTIVE
    assert certificate.status_since == restoration.effective_on
    assert log(certificate)[-1] == (
        S.EXPIRED,
        S.ACTIVE,
        world.cert_manager,
        "Revision 2 issued (restoration after expiry).",
    )


def test_a_revision_issued_on_a_suspended_certificate_keeps_it_suspended(world, certificate):
    services.certificate_suspend(
        actor=world.cert_manager, certificate=certificate, suspension=Suspension(SuspensionReason.FAILURE)
    )
    extension = add_draft(
        certificate, kind=DecisionKind.SCOPE_EXTENSION, expiry_on=first_revision(certificate).expiry_on
    )
    services.revision_issue(actor=world.cert_manager, revision=extension)
    certificate = reload(certificate)
    assert certificate.status == S.SUSPENDED  # only a reinstatement or a scope reduction ends it
    assert certificate.suspension_ends_on is not None


def test_a_scope_reduction_issued_on_a_suspended_certificate_ends_the_suspension(world, certificate):
    services.certificate_suspend(
        actor=world.cert_manager, certificate=certificate, suspension=Suspension(SuspensionReason.FAILURE)
    )
    reduction = add_draft(
        certificate,
        kind=DecisionKind.SCOPE_REDUCTION,
        expiry_on=first_revision(certificate).expiry_on,
        scope="Delivery of digital public services",
    )
    services.revision_issue(actor=world.cert_manager, revision=reduction)
    certificate = reload(certificate)
    assert (certificate.status, certificate.status_since, certificate.suspension_ends_on) == (
        S.ACTIVE,
        reduction.effective_on,
        None,
    )
    assert log(certificate)[-1][:2] == (S.SUSPENDED, S.ACTIVE)


# Rule 34: accredited only if a scope for the standard is valid on the issue date and covers every code


def accreditation(world, standard, *, valid_from, valid_until=None, codes=(19, 33)):
    scope = AccreditationScope.objects.create(
        certification_body=world.cb, standard=standard, valid_from=valid_from, valid_until=valid_until
    )
    scope.iaf_codes.set(IAFCode.objects.filter(code__in=codes))
    return scope


@pytest.mark.parametrize(
    ("valid_from_days", "valid_until_days", "covered", "revision_codes", "accredited"),
    [
        (-400, None, (19, 33), (33,), True),
        (-400, None, (19, 33), (19, 33), True),
        (-400, 0, (19, 33), (33,), True),  # valid until the issue day itself
        (0, None, (19, 33), (33,), True),  # valid from the issue day
        (-400, None, (19, 33), (), True),
        (-400, -1, (19, 33), (33,), False),  # expired the day before
        (1, None, (19, 33), (33,), False),  # not yet valid
        (-400, None, (19,), (19, 33), False),  # a code not covered
        (None, None, (), (33,), False),  # no accreditation for the standard
    ],
)
def test_accredited_on_the_issue_date(
    world, draft_certificate, valid_from_days, valid_until_days, covered, revision_codes, accredited
):
    if valid_from_days is not None:
        accreditation(
            world,
            draft_certificate.standard,
            valid_from=today() + datetime.timedelta(days=valid_from_days),
            valid_until=None
            if valid_until_days is None
            else today() + datetime.timedelta(days=valid_until_days),
            codes=covered,
        )
    revision = first_revision(draft_certificate)
    revision.iaf_codes.set(IAFCode.objects.filter(code__in=revision_codes))
    issued = services.revision_issue(actor=world.cert_manager, revision=revision)
    assert reload(issued).accredited is accredited
    reason = "Issued." if accredited else "Issued, not accredited (rule 34)."
    assert log(revision)[-1][3] == reason


def test_accreditation_for_another_standard_or_cb_does_not_count(world, draft_certificate, ems):  # noqa: F811
    accreditation(world, ems.standard, valid_from=today() - 400 * DAY)
    AccreditationScope.objects.create(
        certification_body=world.other_cb, standard=draft_certificate.standard, valid_from=today() - 400 * DAY
    )
    issued = services.revision_issue(actor=world.cert_manager, revision=first_revision(draft_certificate))
    assert issued.accredited is False


# --- Updating the draft (rules 6, 12) -----------------------------------------------------------------


def test_revision_update_sets_the_draft_and_logs_each_change(world, draft_certificate):
    revision = first_revision(draft_certificate)
    old = revision.effective_on
    updated = services.revision_update(
        actor=world.cert_manager, revision=revision, details=DraftDetails(old + 2 * DAY, "SoA 2")
    )
    assert (reload(updated).effective_on, updated.soa_version) == (old + 2 * DAY, "SoA 2")
    assert log(revision, "effective_on") == [(str(old), str(old + 2 * DAY), world.cert_manager, "")]
    assert log(revision, "soa_version") == [("", "SoA 2", world.cert_manager, "")]
    services.revision_update(
        actor=world.cert_manager, revision=revision, details=DraftDetails(old + 2 * DAY, "SoA 2")
    )
    assert len(log(revision, "effective_on")) == 1  # nothing changed: nothing logged


def test_revision_update_refuses_an_effective_date_before_the_decision(world, draft_certificate):
    revision = first_revision(draft_certificate)
    decided = revision.decision.decided_on
    with pytest.raises(CertificateError, match=r"rule 6"):
        services.revision_update(
            actor=world.cert_manager, revision=revision, details=DraftDetails(decided - DAY)
        )
    assert reload(revision).effective_on == decided
    services.revision_update(actor=world.cert_manager, revision=revision, details=DraftDetails(decided))


def test_revision_update_refuses_an_effective_date_on_or_after_expiry(world, draft_certificate):
    revision = first_revision(draft_certificate)
    with pytest.raises(CertificateError, match="before the expiry date"):
        services.revision_update(
            actor=world.cert_manager, revision=revision, details=DraftDetails(revision.expiry_on)
        )


def test_revision_update_refuses_an_issued_revision(world, certificate):
    revision = first_revision(certificate)
    with pytest.raises(CertificateError, match="Only a draft revision can change"):
        services.revision_update(
            actor=world.cert_manager, revision=revision, details=DraftDetails(revision.effective_on + DAY)
        )
    assert reload(revision).effective_on == DECIDED_ON


def test_draft_details_cannot_carry_an_expiry_date():
    with pytest.raises(TypeError):
        DraftDetails(effective_on=DECIDED_ON, expiry_on=DECIDED_ON)  # type: ignore[call-arg]


# --- Voiding a draft ------------------------------------------------------------------------------------


def test_voiding_a_never_issued_certificate_cancels_it(world, draft_certificate):
    revision = first_revision(draft_certificate)
    services.revision_void(actor=world.cert_manager, revision=revision, reason="The client withdrew.")
    assert reload(revision).status == R.VOID
    certificate = reload(draft_certificate)
    assert (certificate.status, certificate.status_since) == (S.CANCELLED, today())
    assert log(revision) == [(R.DRAFT, R.VOID, world.cert_manager, "The client withdrew.")]
    assert log(certificate) == [(S.DRAFT, S.CANCELLED, world.cert_manager, "The client withdrew.")]


def test_voiding_a_reissue_keeps_the_certificate_active(world, certificate):
    draft = add_draft(certificate)
    services.revision_void(actor=world.cert_manager, revision=draft, reason="Wrong scope.")
    assert reload(draft).status == R.VOID
    assert reload(certificate).status == S.ACTIVE
    assert first_revision(certificate).status == R.CURRENT


def test_voiding_needs_a_reason(world, draft_certificate):
    with pytest.raises(CertificateError, match="Give the reason"):
        services.revision_void(
            actor=world.cert_manager, revision=first_revision(draft_certificate), reason=" "
        )
    assert reload(draft_certificate).status == S.DRAFT


# --- Suspension and reinstatement (rule 14) -----------------------------------------------------------


def test_suspend_records_reason_deadline_and_history(world, certificate):
    suspended = services.certificate_suspend(
        actor=world.cert_manager,
        certificate=certificate,
        suspension=Suspension(SuspensionReason.AUDITS_REFUSED, note="  Refused the surveillance visit. "),
    )
    certificate = reload(suspended)
    assert certificate.status == S.SUSPENDED and not certificate.is_valid
    assert certificate.status_since == today()
    assert certificate.suspension_reason == SuspensionReason.AUDITS_REFUSED
    assert certificate.suspension_note == "Refused the surveillance visit."
    assert certificate.suspension_ends_on == today() + datetime.timedelta(days=world.cb.suspension_max_days)
    assert log(certificate) == [
        (
            S.ACTIVE,
            S.SUSPENDED,
            world.cert_manager,
            "Surveillance or recertification not allowed. Refused the surveillance visit.",
        )
    ]


def test_suspend_default_deadline_follows_the_cb_setting(world, certificate):
    world.cb.suspension_max_days = 60
    world.cb.save(update_fields=["suspension_max_days"])
    services.certificate_suspend(
        actor=world.cert_manager,
        certificate=certificate,
        suspension=Suspension(SuspensionReason.CLIENT_REQUEST),
    )
    assert reload(certificate).suspension_ends_on == today() + 60 * DAY
    assert log(certificate)[0][3] == "At the client's request."


@pytest.mark.parametrize(
    ("ends_in_days", "allowed"), [(0, False), (1, True), (183, True), (184, False), (-5, False)]
)
def test_suspend_deadline_within_the_cb_limit(world, certificate, ends_in_days, allowed):
    ends_on = today() + datetime.timedelta(days=ends_in_days)
    suspension = Suspension(SuspensionReason.FAILURE, ends_on=ends_on)
    if allowed:
        services.certificate_suspend(actor=world.cert_manager, certificate=certificate, suspension=suspension)
        assert reload(certificate).suspension_ends_on == ends_on
    else:
        with pytest.raises(CertificateError, match="resolution deadline"):
            services.certificate_suspend(
                actor=world.cert_manager, certificate=certificate, suspension=suspension
            )
        assert reload(certificate).status == S.ACTIVE


@pytest.mark.parametrize(
    ("reason", "note", "message"),
    [
        ("", "", "from the list"),
        ("unpaid", "", "from the list"),
        (SuspensionReason.OTHER, "", "Say why"),
        (SuspensionReason.OTHER, "   ", "Say why"),
    ],
)
def test_suspend_needs_a_reason_from_the_list(world, certificate, reason, note, message):
    with pytest.raises(CertificateError, match=message):
        services.certificate_suspend(
            actor=world.cert_manager, certificate=certificate, suspension=Suspension(reason, note=note)
        )
    assert reload(certificate).status == S.ACTIVE and log(certificate) == []


def test_suspend_other_with_its_explanation(world, certificate):
    services.certificate_suspend(
        actor=world.cert_manager,
        certificate=certificate,
        suspension=Suspension(SuspensionReason.OTHER, note="Misuse of the certification mark."),
    )
    assert log(certificate)[0][3] == "Other. Misuse of the certification mark."


@pytest.mark.parametrize("status", [S.DRAFT, S.EXPIRED, S.WITHDRAWN, S.CANCELLED])
def test_only_a_valid_certificate_is_suspended(world, qms, status):
    certificate = make_certificate(world, qms, status=status)
    with pytest.raises(CertificateError):
        services.certificate_suspend(
            actor=world.cert_manager, certificate=certificate, suspension=Suspension(SuspensionReason.FAILURE)
        )
    assert reload(certificate).status == status


def test_reinstate_a_suspended_certificate(world, certificate):
    services.certificate_suspend(
        actor=world.cert_manager, certificate=certificate, suspension=Suspension(SuspensionReason.FAILURE)
    )
    services.certificate_reinstate(
        actor=world.cert_manager, certificate=certificate, reason="Corrective actions verified on site."
    )
    certificate = reload(certificate)
    assert (certificate.status, certificate.status_since, certificate.suspension_ends_on) == (
        S.ACTIVE,
        today(),
        None,
    )
    assert log(certificate)[-1] == (
        S.SUSPENDED,
        S.ACTIVE,
        world.cert_manager,
        "Corrective actions verified on site.",
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (S.ACTIVE, "Only a suspended certificate"),
        (S.DRAFT, "Only a suspended certificate"),
        (S.EXPIRED, "Only a suspended certificate"),
        (S.WITHDRAWN, "withdrawn certificate cannot become valid again.*rule 15"),
        (S.CANCELLED, "cancelled certificate cannot become valid again.*rule 15"),
    ],
)
def test_reinstate_only_from_suspended(world, qms, status, message):
    certificate = make_certificate(world, qms, status=status)
    with pytest.raises(CertificateError, match=message):
        services.certificate_reinstate(actor=world.cert_manager, certificate=certificate, reason="Resolved.")
    assert reload(certificate).status == status


def test_reinstate_refused_after_the_expiry_date(world, qms):
    certificate = make_certificate(
        world, qms, status=S.SUSPENDED, decided_on=today() - 1200 * DAY, expiry_on=today() - DAY
    )
    with pytest.raises(CertificateError, match="passed its expiry date"):
        services.certificate_reinstate(actor=world.cert_manager, certificate=certificate, reason="Resolved.")


# --- Withdrawal and cancellation: terminal (rule 15) -------------------------------------------------


ENDINGS = [
    (services.certificate_withdraw, S.WITHDRAWN),
    (services.certificate_cancel, S.CANCELLED),
]


@pytest.mark.parametrize(("end", "status"), ENDINGS)
def test_ending_is_terminal_and_voids_the_pending_draft(world, certificate, end, status):
    draft = add_draft(certificate)
    end(actor=world.cert_manager, certificate=certificate, reason="Contract terminated.")
    certificate = reload(certificate)
    assert (certificate.status, certificate.status_since) == (status, today())
    assert reload(draft).status == R.VOID
    assert log(draft) == [(R.DRAFT, R.VOID, world.cert_manager, "Contract terminated.")]
    assert log(certificate) == [(S.ACTIVE, status, world.cert_manager, "Contract terminated.")]
    assert first_revision(certificate).status == R.CURRENT  # what was issued stays on record

    with pytest.raises(CertificateError, match="rule 15"):
        services.certificate_suspend(
            actor=world.cert_manager, certificate=certificate, suspension=Suspension(SuspensionReason.FAILURE)
        )
    with pytest.raises(CertificateError, match="rule 15"):
        services.certificate_reinstate(
            actor=world.cert_manager, certificate=certificate, reason="Changed mind."
        )
    late = add_draft(certificate, kind=DecisionKind.RESTORATION)
    with pytest.raises(CertificateError, match="rule 15"):
        services.revision_issue(actor=world.cert_manager, revision=late)
    for other_end, _other_status in ENDINGS:
        with pytest.raises(CertificateError, match="rule 15"):
            other_end(actor=world.cert_manager, certificate=certificate, reason="Again.")
    assert reload(certificate).status == status
    assert reload(late).status == R.DRAFT
    assert len(log(certificate)) == 1


@pytest.mark.parametrize(("end", "status"), ENDINGS)
def test_a_suspended_certificate_can_be_ended(world, certificate, end, status):
    services.certificate_suspend(
        actor=world.cert_manager, certificate=certificate, suspension=Suspension(SuspensionReason.FAILURE)
    )
    end(actor=world.cert_manager, certificate=certificate, reason="Not resolved in time.")
    assert reload(certificate).status == status


@pytest.mark.parametrize(("end", "status"), ENDINGS)
def test_ending_needs_a_reason_and_an_issued_certificate(world, draft_certificate, certificate, end, status):
    with pytest.raises(CertificateError, match="Give the reason"):
        end(actor=world.cert_manager, certificate=certificate, reason="")
    with pytest.raises(CertificateError, match="void its draft revision"):
        end(actor=world.cert_manager, certificate=draft_certificate, reason="No longer needed.")
    assert reload(certificate).status == S.ACTIVE and reload(draft_certificate).status == S.DRAFT


# --- Expiry (rules 12, 31) -----------------------------------------------------------------------------


def expiring(world, qms, *, expiry_on: datetime.date, status: str = S.ACTIVE, **kwargs) -> Certificate:
    return make_certificate(
        world,
        qms,
        status=status,
        decided_on=expiry_on.replace(year=expiry_on.year - 3),
        expiry_on=expiry_on,
        **kwargs,
    )


EXPIRY = datetime.date(2026, 3, 2)


def test_nothing_expires_on_the_expiry_day_itself(world, qms):
    certificate = expiring(world, qms, expiry_on=EXPIRY)
    assert services.certificate_expire(certificate=certificate, today=EXPIRY) is None
    assert services.certificate_expire(certificate=certificate, today=EXPIRY - DAY) is None
    assert reload(certificate).status == S.ACTIVE and log(certificate) == []


def test_the_day_after_expiry_the_certificate_is_expired(world, qms):
    certificate = expiring(world, qms, expiry_on=EXPIRY)
    assert services.certificate_expire(certificate=certificate, today=EXPIRY + DAY) == certificate
    certificate = reload(certificate)
    assert (certificate.status, certificate.status_since) == (S.EXPIRED, EXPIRY + DAY)
    assert log(certificate) == [
        (S.ACTIVE, S.EXPIRED, None, "Expired on 2026-03-02 with no recertification decision (rule 12).")
    ]
    # A second run (or a run days later) changes nothing
    assert services.certificate_expire(certificate=certificate, today=EXPIRY + DAY) is None
    assert services.certificate_expire(certificate=certificate, today=EXPIRY + 10 * DAY) is None
    assert reload(certificate).status_since == EXPIRY + DAY and len(log(certificate)) == 1


def test_a_late_run_dates_the_expiry_from_the_day_after_the_last_valid_day(world, qms):
    certificate = expiring(world, qms, expiry_on=EXPIRY)
    services.certificate_expire(certificate=certificate, today=EXPIRY + 20 * DAY)
    assert reload(certificate).status_since == EXPIRY + DAY


def test_a_suspended_certificate_expires_too(world, qms):
    certificate = expiring(world, qms, expiry_on=EXPIRY, status=S.SUSPENDED)
    services.certificate_expire(certificate=certificate, today=EXPIRY + DAY)
    assert reload(certificate).status == S.EXPIRED
    assert log(certificate)[0][:2] == (S.SUSPENDED, S.EXPIRED)


@pytest.mark.parametrize("status", [S.DRAFT, S.WITHDRAWN, S.CANCELLED, S.EXPIRED])
def test_other_statuses_do_not_expire(world, qms, status):
    certificate = expiring(world, qms, expiry_on=EXPIRY, status=status)
    assert services.certificate_expire(certificate=certificate, today=EXPIRY + 40 * DAY) is None
    assert reload(certificate).status == status


@pytest.fixture
def isms_2013(db):
    """ISO/IEC 27001:2013 as the catalogue seeds it: its transition ended on 2025-10-31 (rule 31)."""
    return make_edition(
        "ISO/IEC 27001",
        2013,
        [("4", "Context", "HS-4")],
        standard__discipline="ISMS",
        transition_end_on=datetime.date(2025, 10, 31),
        last_initial_audit_on=datetime.date(2024, 4, 30),
    )


def test_the_end_of_an_edition_transition_expires_its_certificates(world, isms_2013):
    certificate = make_certificate(
        world, isms_2013, decided_on=datetime.date(2024, 3, 1), soa_version="SoA 7"
    )  # expires 2027-03-01, but its edition's transition ended before
    end = datetime.date(2025, 10, 31)
    assert services.certificate_expire(certificate=certificate, today=end) is None
    services.certificate_expire(certificate=certificate, today=end + DAY)
    certificate = reload(certificate)
    assert (certificate.status, certificate.status_since) == (S.EXPIRED, end + DAY)
    assert log(certificate) == [
        (S.ACTIVE, S.EXPIRED, None, "The transition from ISO/IEC 27001:2013 ended on 2025-10-31 (rule 31).")
    ]


def test_expiry_dates_from_the_earlier_of_expiry_and_transition_end(world, isms_2013):
    certificate = make_certificate(
        world,
        isms_2013,
        decided_on=datetime.date(2023, 3, 1),
        expiry_on=datetime.date(2026, 3, 1),
        soa_version="SoA 7",
    )  # nobody ran the job between the transition end (2025-10-31) and the expiry
    services.certificate_expire(certificate=certificate, today=datetime.date(2026, 3, 10))
    certificate = reload(certificate)
    assert certificate.status_since == datetime.date(2025, 11, 1)
    assert "rule 31" in log(certificate)[0][3]


def test_certificates_expire_due_takes_only_those_due(world, qms, isms_2013):
    due = expiring(world, qms, expiry_on=EXPIRY, number="DUE-1")
    suspended = expiring(world, qms, expiry_on=EXPIRY - 5 * DAY, status=S.SUSPENDED, number="DUE-2")
    transition = make_certificate(world, isms_2013, number="DUE-3", decided_on=datetime.date(2024, 3, 1))
    not_yet = expiring(world, qms, expiry_on=EXPIRY + DAY, number="LATER-1")
    on_the_day = expiring(world, qms, expiry_on=EXPIRY + DAY + DAY, number="LATER-2")
    draft = expiring(world, qms, expiry_on=EXPIRY - DAY, status=S.DRAFT, number="DRAFT-1")
    # revision 2 (current) runs to 2029; revision 1 (superseded) ran out: not due
    renewed = expiring(world, qms, expiry_on=EXPIRY - DAY, number="RENEWED-1")
    give_images(world.cb)
    services.revision_issue(
        actor=world.cert_manager, revision=add_draft(renewed, decided_on=EXPIRY - 10 * DAY)
    )

    expired = services.certificates_expire_due(today=EXPIRY + DAY)
    assert sorted(c.number for c in expired) == ["DUE-1", "DUE-2", "DUE-3"]
    statuses = {c.number: c.status for c in Certificate.objects.all()}
    assert statuses == {
        "DUE-1": S.EXPIRED,
        "DUE-2": S.EXPIRED,
        "DUE-3": S.EXPIRED,
        "LATER-1": S.ACTIVE,
        "LATER-2": S.ACTIVE,
        "DRAFT-1": S.DRAFT,
        "RENEWED-1": S.ACTIVE,
    }
    assert services.certificates_expire_due(today=EXPIRY + DAY) == []
    assert {due.pk, suspended.pk, transition.pk}.isdisjoint({not_yet.pk, on_the_day.pk, draft.pk})


def test_expire_certificates_command(world, qms):
    expiring(world, qms, expiry_on=EXPIRY, number="CMD-1")
    expiring(world, qms, expiry_on=EXPIRY + 30 * DAY, number="CMD-2")
    out = StringIO()
    call_command("expire_certificates", "--date", str(EXPIRY + DAY), stdout=out)
    assert "CMD-1" in out.getvalue() and "CMD-2" not in out.getvalue()
    assert "1 certificate expired" in out.getvalue()
    assert Certificate.objects.get(number="CMD-1").status == S.EXPIRED

    again = StringIO()
    call_command("expire_certificates", "--date", str(EXPIRY + DAY), stdout=again)
    assert "No certificate expired" in again.getvalue()
    assert Certificate.objects.get(number="CMD-2").status == S.ACTIVE
    assert len(log(Certificate.objects.get(number="CMD-1"))) == 1


def test_expire_certificates_command_runs_for_today_by_default(world, qms):
    expiring(world, qms, expiry_on=today() - DAY, number="TODAY-1")
    expiring(world, qms, expiry_on=today(), number="TODAY-2")
    out = StringIO()
    call_command("expire_certificates", stdout=out)
    assert "TODAY-1" in out.getvalue() and "TODAY-2" not in out.getvalue()


@pytest.mark.parametrize("value", ["2026-02-30", "tomorrow", "26-3-1", "2026-W10-1", "2026-03-02T00:00"])
def test_expire_certificates_command_refuses_a_bad_date(db, value):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("expire_certificates", "--date", value, stdout=StringIO())


# --- Who may do it (NotAllowed for everyone but the CB's certification managers) ------------------


def _issue(world, certificate, actor):
    return services.revision_issue(actor=actor, revision=add_draft(certificate))


def _update(world, certificate, actor):
    draft = add_draft(certificate)
    return services.revision_update(
        actor=actor, revision=draft, details=DraftDetails(draft.effective_on + DAY)
    )


def _void(world, certificate, actor):
    return services.revision_void(actor=actor, revision=add_draft(certificate), reason="No.")


def _suspend(world, certificate, actor):
    return services.certificate_suspend(
        actor=actor, certificate=certificate, suspension=Suspension(SuspensionReason.FAILURE)
    )


def _reinstate(world, certificate, actor):
    _suspend(world, certificate, world.cert_manager)
    return services.certificate_reinstate(actor=actor, certificate=certificate, reason="Resolved.")


def _withdraw(world, certificate, actor):
    return services.certificate_withdraw(actor=actor, certificate=certificate, reason="Sanction.")


def _cancel(world, certificate, actor):
    return services.certificate_cancel(actor=actor, certificate=certificate, reason="Client request.")


ACTIONS = [_issue, _update, _void, _suspend, _reinstate, _withdraw, _cancel]
OUTSIDERS = ["auditor", "qm_a", "viewer_a", "other_cb_manager", "qm_b", "nobody", "staff"]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.__name__.strip("_"))
@pytest.mark.parametrize("who", OUTSIDERS)
def test_only_the_cbs_certification_managers_change_a_certificate(world, certificate, action, who):
    before = log(certificate)
    with pytest.raises(NotAllowed):
        action(world, certificate, getattr(world, who))
    certificate = reload(certificate)
    assert certificate.status in (S.ACTIVE, S.SUSPENDED)
    assert certificate.revisions.filter(status=R.CURRENT).get().revision == 1
    assert not certificate.revisions.filter(status=R.VOID).exists()
    assert len(log(certificate)) - len(before) in (0, 1)  # only _reinstate's own suspension


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.__name__.strip("_"))
def test_the_certification_manager_may(world, certificate, action):
    action(world, certificate, world.cert_manager)
    changes = list(transitions_of(certificate)) + [
        t for revision in certificate.revisions.all() for t in transitions_of(revision)
    ]
    assert changes and all(t.actor == world.cert_manager for t in changes)


def test_a_revision_past_its_expiry_is_not_issued(world, qms):
    """A scope change decided while active, issued after the certificate expired: its expiry (the
    old one) has passed, so issuing it would only show an active certificate with past dates."""
    give_images(world.cb)
    expired_on = today() - 5 * DAY
    certificate = make_certificate(world, qms, decided_on=expired_on - 1000 * DAY, expiry_on=expired_on)
    extension = add_draft(
        certificate, kind=DecisionKind.SCOPE_EXTENSION, decided_on=expired_on - 20 * DAY, expiry_on=expired_on
    )
    services.certificate_expire(certificate=certificate, today=today())
    with pytest.raises(CertificateError, match=r"expired on .* \(rule 12\)"):
        services.revision_issue(actor=world.cert_manager, revision=extension)
    assert reload(certificate).status == S.EXPIRED and reload(extension).status == R.DRAFT


def test_a_recertification_decided_before_expiry_is_issued_after_it(world, qms):
    give_images(world.cb)
    expired_on = today() - 5 * DAY
    certificate = make_certificate(world, qms, decided_on=expired_on - 1000 * DAY, expiry_on=expired_on)
    renewal = add_draft(certificate, decided_on=expired_on - 20 * DAY)
    assert services.certificate_expire(certificate=certificate, today=today()) is None  # rule 12
    services.revision_issue(actor=world.cert_manager, revision=renewal)
    certificate = reload(certificate)
    assert certificate.status == S.ACTIVE
    assert reload(renewal).status == RevisionStatus.CURRENT


def test_a_revision_on_an_edition_past_its_transition_is_not_issued(world, isms_2013):
    give_images(world.cb)
    certificate = make_certificate(
        world, isms_2013, status=S.DRAFT, decided_on=today() - DAY, soa_version="1"
    )
    with pytest.raises(CertificateError, match=r"ended on 2025-10-31 \(rule 31\)"):
        services.revision_issue(actor=world.cert_manager, revision=first_revision(certificate))


def test_a_recertification_granted_by_the_expiry_date_keeps_the_certificate_from_expiring(world, qms):
    """Rule 12: expiry happens only when no recertification decision exists by the expiry date."""
    give_images(world.cb)
    certificate = make_certificate(world, qms, expiry_on=datetime.date(2026, 6, 30))
    current = certificate.revisions.get()
    decision = Decision.objects.create(
        programme=current.decision.programme,
        edition=qms,
        kind=DecisionKind.RECERTIFICATION,
        outcome=DecisionOutcome.GRANT,
        decided_on=datetime.date(2026, 6, 20),
        decided_by=world.cert_manager,
        rationale="Recertification audit closed.",
        certificate=certificate,
    )
    CertificateRevision.objects.create(
        certificate=certificate,
        revision=2,
        decision=decision,
        edition=qms,
        scope=current.scope,
        effective_on=datetime.date(2026, 6, 20),
        expiry_on=datetime.date(2029, 6, 30),
        cycle_started_on=datetime.date(2026, 6, 20),
    )
    assert services.certificate_expire(certificate=certificate, today=datetime.date(2026, 7, 1)) is None
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ACTIVE


def test_a_reason_beyond_the_text_bound_is_refused_by_the_service(world, qms):
    """Every door, not only the form: a reason is bounded text (core.bounds.TEXT_MAX)."""
    certificate = make_certificate(world, qms)
    with pytest.raises(CertificateError, match="at most 2000 characters"):
        services.certificate_withdraw(actor=world.cert_manager, certificate=certificate, reason="x" * 2001)
    certificate.refresh_from_db()
    assert certificate.status == S.ACTIVE
