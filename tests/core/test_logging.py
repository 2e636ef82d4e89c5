import logging
import sys

import pytest
from django.urls import reverse

from core.logging import RefusalsWithoutTraceback

pytestmark = pytest.mark.django_db


def test_a_refusal_is_logged_as_one_line_without_traceback(client, world, caplog):
    client.force_login(world.viewer_a)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("organisations:edit", args=[world.org_a.pk]))
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == f"Forbidden (Permission denied): /organisations/{world.org_a.pk}/edit/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_other_errors_keep_their_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("django.request", logging.ERROR, "", 0, "Internal Server Error", (), None)
        record.exc_info = sys.exc_info()
    record.status_code = 500
    assert RefusalsWithoutTraceback().filter(record) and record.exc_info[0] is ValueError
