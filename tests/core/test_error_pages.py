"""Bad requests get our error page, with its policy, and never a 500."""

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_host_gets_bad_request_page(client):
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert "This request could not be understood" in response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]
