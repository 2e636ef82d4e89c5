import pytest
from django.core import mail
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_by_email_is_case_insensitive(client, world):
    response = client.post(reverse("login"), {"username": world.qm_a.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("dashboard")


def test_login_with_wrong_password_shows_error(client, world):
    response = client.post(reverse("login"), {"username": world.qm_a.email, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct e-mail address and password" in response.content.decode()


def test_login_locks_user_and_address_after_five_failures(client, world):
    for attempt in range(5):
        email = world.qm_a.email.upper() if attempt % 2 else world.qm_a.email
        client.post(reverse("login"), {"username": email, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": world.qm_a.email, "password": PASSWORD})
    assert locked.status_code == 429 and "Too many failed sign-in attempts" in locked.content.decode()
    elsewhere = client.post(
        reverse("login"), {"username": world.qm_a.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert elsewhere.status_code == 302  # locking the pair, not the user, so nobody can lock a colleague out
    colleague = client.post(reverse("login"), {"username": world.viewer_a.email, "password": PASSWORD})
    assert colleague.status_code == 302


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, world):
    for attempt in range(5):
        client.post(
            reverse("login"),
            {"username": world.qm_a.email, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
        )
    locked = client.post(
        reverse("login"),
        {"username": world.qm_a.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert locked.status_code == 429


def test_logout_needs_post(client, world):
    client.force_login(world.qm_a)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_password_reset_sends_link_only_for_known_address(client, world):
    client.post(reverse("password_reset"), {"email": world.viewer_a.email})
    client.post(reverse("password_reset"), {"email": "unknown@test.example"})
    assert [message.to for message in mail.outbox] == [[world.viewer_a.email]]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_password_change_page(client, world):
    client.force_login(world.viewer_a)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-pass-phrase",
            "new_password2": "another-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    world.viewer_a.refresh_from_db()
    assert world.viewer_a.check_password("another-long-pass-phrase")


def test_dashboard_for_quality_manager_lists_organisation(client, world):
    client.force_login(world.qm_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Your organisations" in page and "Organisation A" in page and "Organisation B" not in page
    assert 'href="/organisations/"' in page and "Administration" not in page


def test_dashboard_for_cb_staff_lists_clients(client, world):
    client.force_login(world.cert_manager)
    page = client.get(reverse("dashboard")).content.decode()
    assert "CB serving A" in page and "Organisation A" in page and "Organisation B" not in page
    assert "Certification manager" in page and ">Clients<" in page


def test_dashboard_for_staff_links_admin(client, world):
    client.force_login(world.staff)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("admin:index") in page


def test_404_page_is_ours(client, world):
    client.force_login(world.qm_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_403_page_explains(client, world):
    client.force_login(world.viewer_a)
    response = client.get(reverse("organisations:edit", args=[world.org_a.pk]))
    assert response.status_code == 403
    assert "Only a quality manager of Organisation A may change it." in response.content.decode()


def test_pages_have_landmarks_and_skip_link(client, world):
    client.force_login(world.qm_a)
    page = client.get(reverse("organisations:sites", args=[world.org_a.pk])).content.decode()
    assert (
        '<main id="main"' in page and 'href="#main"' in page and "<nav" in page and '<html lang="en">' in page
    )
    assert "https://" not in page.split("<body")[0]  # every asset is served by the app


def test_static_assets_are_served_by_the_app(client):
    for path in ("/static/vendor/bootstrap/bootstrap.min.css", "/static/vendor/htmx/htmx.min.js"):
        response = client.get(path)
        assert response.status_code == 200
        assert b"".join(response.streaming_content)


def test_user_email_is_unique_whatever_the_case(db):
    from django.db import IntegrityError

    factories.UserFactory(email="same@test.example")
    with pytest.raises(IntegrityError):
        factories.UserFactory(email="SAME@test.example")


def test_500_page_renders_without_request_context():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Something went wrong" in page and "Nothing you entered was saved" in page
