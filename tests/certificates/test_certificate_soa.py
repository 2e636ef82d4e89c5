"""Rule 8: an ISMS certificate names its Statement of Applicability version. The draft revision's
form offers the approved versions the client shared; the version named is then the SoA's label (one
truth), and the certificate page links the SoA for whoever may read it."""

import pytest
from django.urls import reverse

from certificates.enums import CertificateStatus
from certificates.forms.certificates import DraftForm
from certificates.services import certificates as services
from core.transitions import transitions_of
from improvement.services import soa as soa_services
from tests.audits.conftest import make_edition
from tests.certificates.conftest import make_certificate
from tests.improvement.soa_world import approved

pytestmark = pytest.mark.django_db


@pytest.fixture
def isms(db):
    edition = make_edition(
        "ISO/IEC 27001",
        2022,
        [("4", "Context", "HS-4"), ("4.1", "Org", "HS-4.1"), ("A", "Annex A", ""), ("A.5.1", "Policies", "")],
    )
    edition.standard.discipline = "ISMS"
    edition.standard.save(update_fields=["discipline"])
    return edition


@pytest.fixture
def draft(world, isms):
    return make_certificate(world, isms, status=CertificateStatus.DRAFT)


def _revision(certificate):
    return certificate.revisions.get()


def test_the_form_offers_the_approved_versions_the_client_shared(world, isms, draft):
    shared = approved(world.org_a, isms, world.qm_a, shared=True)
    unshared = approved(world.org_a, isms, world.qm_a)
    soa_services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    approved(world.org_b, isms, world.qm_b, shared=True)  # another organisation's
    form = DraftForm(instance=_revision(draft), user=world.cert_manager)
    assert list(form.fields["soa"].queryset) == [shared]
    qm_form = DraftForm(instance=_revision(draft), user=world.qm_a)
    assert list(qm_form.fields["soa"].queryset) == [unshared, shared]  # members read every version
    assert list(DraftForm(instance=_revision(draft)).fields["soa"].queryset) == []


def test_picking_a_version_names_it_by_its_label(client, world, isms, draft):
    soa = approved(world.org_a, isms, world.qm_a, shared=True)
    client.force_login(world.cert_manager)
    data = {"effective_on": "2026-03-02", "soa": soa.pk, "soa_version": "typed by hand"}
    response = client.post(reverse("certificates:certificate_draft_edit", args=[draft.pk]), data)
    assert response.status_code == 302
    revision = _revision(draft)
    assert revision.soa == soa and revision.soa_version == str(soa.label)
    assert transitions_of(revision).filter(field="soa").exists()
    page = client.get(draft.get_absolute_url()).content.decode()
    assert f'href="{soa.get_absolute_url()}"' in page and str(soa.label) in page


def test_without_a_version_picked_the_free_text_stays(client, world, isms, draft):
    soa = approved(world.org_a, isms, world.qm_a, shared=True)
    services.revision_update(
        actor=world.cert_manager,
        revision=_revision(draft),
        details=services.DraftDetails(effective_on=_revision(draft).effective_on, soa=soa),
    )
    client.force_login(world.cert_manager)
    data = {"effective_on": "2026-03-02", "soa": "", "soa_version": "ISMS-SoA rev. 7 (paper)"}
    client.post(reverse("certificates:certificate_draft_edit", args=[draft.pk]), data)
    revision = _revision(draft)
    assert revision.soa is None and revision.soa_version == "ISMS-SoA rev. 7 (paper)"


def test_a_version_the_cb_may_not_read_is_refused(world, isms, draft):
    unshared = approved(world.org_a, isms, world.qm_a)
    revision = _revision(draft)
    details = services.DraftDetails(effective_on=revision.effective_on, soa=unshared)
    with pytest.raises(services.CertificateError, match="shared"):
        services.revision_update(actor=world.cert_manager, revision=revision, details=details)
    other = approved(world.org_b, isms, world.qm_b, shared=True)
    with pytest.raises(services.CertificateError):
        services.revision_update(
            actor=world.cert_manager,
            revision=revision,
            details=services.DraftDetails(effective_on=revision.effective_on, soa=other),
        )
    revision.refresh_from_db()
    assert revision.soa is None and revision.soa_version == ""


def test_the_page_links_the_soa_only_for_who_may_read_it(client, world, isms, draft):
    soa = approved(world.org_a, isms, world.qm_a, shared=True)
    revision = _revision(draft)
    services.revision_update(
        actor=world.cert_manager,
        revision=revision,
        details=services.DraftDetails(effective_on=revision.effective_on, soa=soa),
    )
    soa_services.soa_share(actor=world.qm_a, soa=soa, shared=False)
    client.force_login(world.cert_manager)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert str(soa.label) in page and soa.get_absolute_url() not in page  # named, no longer readable
    client.force_login(world.qm_a)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert f'href="{soa.get_absolute_url()}"' in page
