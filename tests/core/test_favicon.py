"""The site's icon: every page links it, and /favicon.ico, which browsers ask for whatever the page
links (the admin's pages link none), leads to it instead of a 404 on every first visit."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_links_the_icon_from_the_apps_own_files(client):
    html = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg' in html and 'type="image/svg+xml"' in html
    icon = finders.find("img/favicon.svg")
    assert icon and Path(icon).read_text(encoding="utf-8").startswith("<svg")


def test_favicon_ico_leads_to_the_icon_for_good(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].startswith("/static/img/favicon")
    assert client.post("/favicon.ico").status_code == 405
