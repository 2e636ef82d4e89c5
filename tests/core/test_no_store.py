"""Confidential responses carry `Cache-Control: no-store` (tests/test_url_access.py checks it on
every page of the app as every persona who may open it); static files and public pages do not
need it, and a view's own caching policy stays."""

import pytest
from django.urls import reverse

from tests.core.test_documents import KIND, renders, request_now  # noqa: F401  (their fixtures)

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_is_never_stored(client, world):
    client.force_login(world.qm_a)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_download_is_never_stored(client, world, renders, request_now):  # noqa: F811
    document = request_now(world.qm_a, world.org_a)
    client.force_login(world.qm_a)
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response["Content-Disposition"].startswith("attachment") and document.kind == KIND
    assert "no-store" in response["Cache-Control"]


def test_public_verification_is_never_stored_either(client):
    """A suspension or a withdrawal shows at once: no cache keeps the old status."""
    response = client.get(reverse("verification:search"))
    assert "no-store" in response["Cache-Control"]


def test_static_files_stay_cacheable_for_a_signed_in_person(client, world):
    client.force_login(world.qm_a)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")
