"""Personas (STYLE.md §18) and the checks that CI really tests against PostgreSQL and Redis."""

import os
from types import SimpleNamespace

import pytest
from django.test import Client

from core import submits
from organisations.enums import CBRole, OrganisationRole
from tests import factories


def pytest_configure(config) -> None:
    if os.environ.get("CI") != "true":
        return
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise pytest.UsageError("CI=true: DATABASE_URL must point at PostgreSQL.")
    if not os.environ.get("REDIS_URL", "").startswith("redis://"):
        raise pytest.UsageError("CI=true: REDIS_URL must point at Redis.")


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, media_dir) -> None:
    """Uploaded and rendered files never land in the developer's var/media."""
    settings.MEDIA_ROOT = media_dir


@pytest.fixture
def world(db) -> SimpleNamespace:
    """Two public bodies A and B, each served by its own CB, and everyone around them."""
    org_a = factories.OrganisationFactory(name="Organisation A")
    org_b = factories.OrganisationFactory(name="Organisation B")
    site_a = factories.SiteFactory(organisation=org_a, name="A headquarters", is_central_function=True)
    site_b = factories.SiteFactory(organisation=org_b, name="B headquarters", is_central_function=True)
    cb = factories.CertificationBodyFactory(name="CB serving A")
    other_cb = factories.CertificationBodyFactory(name="CB serving B")
    factories.ClientEngagementFactory(certification_body=cb, organisation=org_a)
    factories.ClientEngagementFactory(certification_body=other_cb, organisation=org_b)

    def org_member(org, role, name):
        return factories.OrganisationMembershipFactory(organisation=org, role=role, user__full_name=name).user

    def cb_member(body, role, name):
        return factories.CBMembershipFactory(certification_body=body, role=role, user__full_name=name).user

    qm_a = org_member(org_a, OrganisationRole.QUALITY_MANAGER, "Quality Manager A")
    return SimpleNamespace(
        org_a=org_a,
        org_b=org_b,
        site_a=site_a,
        site_b=site_b,
        cb=cb,
        other_cb=other_cb,
        qm_a=qm_a,
        membership_qm_a=qm_a.organisation_memberships.get(),
        contributor_a=org_member(org_a, OrganisationRole.CONTRIBUTOR, "Contributor A"),
        viewer_a=org_member(org_a, OrganisationRole.VIEWER, "Viewer A"),
        qm_b=org_member(org_b, OrganisationRole.QUALITY_MANAGER, "Quality Manager B"),
        auditor=cb_member(cb, CBRole.AUDITOR, "Auditor"),
        other_auditor=cb_member(cb, CBRole.AUDITOR, "Other Auditor"),
        cert_manager=cb_member(cb, CBRole.CERTIFICATION_MANAGER, "Certification Manager"),
        other_cb_manager=cb_member(other_cb, CBRole.CERTIFICATION_MANAGER, "Other CB Manager"),
        staff=factories.UserFactory(full_name="Platform Staff", is_staff=True),
        nobody=factories.UserFactory(full_name="No Membership"),
    )


@pytest.fixture(autouse=True)
def _posts_carry_a_form_token(monkeypatch) -> None:
    """The test client posts what a browser posts: the one-time token its form carried
    (`core.submits`), a fresh one per post unless the test sends its own (or none: an empty one)."""
    post = Client.post

    def post_with_token(self, path, data=None, *args, **kwargs):
        if data is None or (isinstance(data, dict) and submits.TOKEN_FIELD not in data):
            data = {**(data or {}), submits.TOKEN_FIELD: submits.token_new()}
        return post(self, path, data, *args, **kwargs)

    monkeypatch.setattr(Client, "post", post_with_token)
