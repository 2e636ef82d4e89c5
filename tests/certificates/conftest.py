"""Certificates built straight in the database for the read side (PDF, verification, register).

The decision and issue services have their own tests; these fixtures give a certificate in a
known state without walking a whole audit cycle.
"""

import datetime
import io

import pytest
from django.core.files.base import ContentFile

from audits.enums import ProgrammeStatus
from audits.models import AuditProgramme, ProgrammeEdition
from certificates.enums import CertificateStatus, DecisionKind, DecisionOutcome, RevisionStatus
from certificates.models import Certificate, CertificateRevision, CycleStep, Decision, RevisionSite
from certificates.selectors.steps import StepRow, derived_steps
from certificates.services.due_dates import certificate_dues_refresh
from certificates.services.steps import cycle_steps_refresh
from tests.audits.conftest import make_edition, qms  # noqa: F401  (the ISO 9001:2015 fixture)

DECIDED_ON = datetime.date(2026, 3, 2)


def png_bytes(colour: str = "navy", size: tuple[int, int] = (120, 60)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def give_images(body) -> None:
    """The CB's logo, certification mark and accreditation symbol, as small PNGs."""
    body.logo.save("logo.png", ContentFile(png_bytes("navy")), save=False)
    body.certification_mark.save("mark.png", ContentFile(png_bytes("darkgreen")), save=False)
    body.accreditation_symbol.save("symbol.png", ContentFile(png_bytes("maroon")), save=False)
    body.save(update_fields=["logo", "certification_mark", "accreditation_symbol"])


def take_copy(revision: CertificateRevision, sites) -> CertificateRevision:
    """What the drafting service copies onto a revision built here: the holder (the certificate's
    client) and the sites, as they are now."""
    holder = CertificateRevision.holder_of(revision.certificate.organisation)
    for name, value in holder.items():
        setattr(revision, name, value)
    revision.save(update_fields=list(holder))
    RevisionSite.objects.bulk_create(RevisionSite.copy_of(site, revision=revision) for site in sites)
    return revision


def certified_sites(revision: CertificateRevision) -> list:
    """The sites a revision certifies (the live rows its copies were taken from), in its order."""
    return [copy.site for copy in revision.sites.select_related("site")]


def make_programme(world, edition, *, sites=None) -> AuditProgramme:
    programme = AuditProgramme.objects.create(
        certification_body=world.cb,
        organisation=world.org_a,
        scope="Design and delivery of digital public services",
        headcount=120,
        effective_personnel=120,
        created_by=world.cert_manager,
        cycle_started_on=DECIDED_ON,
        status=ProgrammeStatus.APPROVED,  # a certificate comes from an approved programme
    )
    ProgrammeEdition.objects.create(programme=programme, edition=edition, complexity="all")
    programme.sites.set(sites or [world.site_a])
    return programme


def make_certificate(
    world,
    edition,
    *,
    number: str = "CB-2026-00001",
    status: str = CertificateStatus.ACTIVE,
    decided_on: datetime.date = DECIDED_ON,
    expiry_on: datetime.date | None = None,
    sites=None,
    accredited: bool = True,
    soa_version: str = "",
) -> Certificate:
    """A certificate with one revision: issued (current) unless the certificate is a draft."""
    sites = sites or [world.site_a]
    programme = make_programme(world, edition, sites=sites)
    decision = Decision.objects.create(
        programme=programme,
        edition=edition,
        kind=DecisionKind.INITIAL,
        outcome=DecisionOutcome.GRANT,
        decided_on=decided_on,
        decided_by=world.cert_manager,
        rationale="Stage 2 closed; all nonconformities settled.",
    )
    certificate = Certificate.objects.create(
        certification_body=world.cb,
        organisation=world.org_a,
        standard=edition.standard,
        number=number,
        status=status,
        status_since=decided_on,
        original_certified_on=decided_on,
        suspension_reason="failure" if status == CertificateStatus.SUSPENDED else "",
        suspension_ends_on=decided_on + datetime.timedelta(days=183)
        if status == CertificateStatus.SUSPENDED
        else None,
    )
    decision.certificate = certificate
    decision.save(update_fields=["certificate"])
    draft = status == CertificateStatus.DRAFT
    revision = CertificateRevision.objects.create(
        certificate=certificate,
        revision=1,
        decision=decision,
        edition=edition,
        scope=programme.scope,
        effective_on=decided_on,
        expiry_on=expiry_on or decided_on.replace(year=decided_on.year + 3),
        cycle_started_on=decided_on,
        soa_version=soa_version,
        status=RevisionStatus.DRAFT if draft else RevisionStatus.CURRENT,
        accredited=None if draft else accredited,
        issued_on=None if draft else decided_on,
        issued_by=None if draft else world.cert_manager,
    )
    take_copy(revision, sites)
    # as the services leave it: the certificate's due dates and its organisation's next steps stored
    certificate_dues_refresh(certificates=Certificate.objects.filter(pk=certificate.pk), reason="test")
    cycle_steps_refresh(organisations=[world.org_a.pk], reason="test")
    return certificate


@pytest.fixture
def certificate(world, qms):  # noqa: F811
    """An active, accredited ISO 9001:2015 certificate of organisation A with one site."""
    give_images(world.cb)
    return make_certificate(world, qms)


def assert_steps_kept() -> None:
    """The kept cycle steps are the ones the records call for: the services recalculated them."""
    rows = CycleStep.objects.values_list("key", *StepRow._fields)
    assert {key: StepRow(*row) for key, *row in rows} == derived_steps()
