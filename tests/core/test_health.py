"""The health endpoint an operator and a load balancer read: the database (503 without it), the
broker and the last daily job ("degraded" when either needs someone)."""

import datetime
from unittest import mock

import pytest
from celery import current_app
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from kombu import Connection

from certificates.models import DailyJobRun

pytestmark = pytest.mark.django_db


def _health(client) -> tuple[int, dict]:
    response = client.get(reverse("healthz"))
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, response.json()


def _daily_run(hours_ago: float) -> DailyJobRun:
    finished = timezone.now() - datetime.timedelta(hours=hours_ago)
    return DailyJobRun.objects.create(
        day=timezone.localdate(finished), started_at=finished, finished_at=finished, summary="done"
    )


def test_all_well_reports_each_part(client):
    run = _daily_run(hours_ago=3)
    status, body = _health(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "database": {"status": "ok"},
        "broker": {"status": "ok"},
        "daily_job": {
            "status": "ok",
            "last_finished": run.finished_at.isoformat(),
            "day": run.day.isoformat(),
        },
    }


def test_a_daily_job_that_never_ran_or_stopped_running_is_reported(client):
    status, body = _health(client)
    assert status == 200 and body["status"] == "degraded" and body["daily_job"] == {"status": "never run"}
    _daily_run(hours_ago=27)
    DailyJobRun.objects.create(day=timezone.localdate())  # today's run was interrupted: not finished
    status, body = _health(client)
    assert body["status"] == "degraded" and body["daily_job"]["status"] == "late"


def test_a_broker_that_does_not_answer_is_reported_while_pages_answer(client):
    _daily_run(hours_ago=1)
    unreachable = Connection("redis://127.0.0.1:1/0", connect_timeout=0.2)
    with mock.patch.object(current_app, "connection_for_write", return_value=unreachable):
        status, body = _health(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["broker"]["status"] == "unavailable" and body["database"] == {"status": "ok"}


def test_without_the_database_the_answer_is_503(client):
    with mock.patch("core.health.connection.cursor", side_effect=OperationalError("gone")):
        status, body = _health(client)
    assert status == 503
    assert body == {
        "status": "unavailable",
        "database": {"status": "unavailable", "error": "OperationalError"},
    }
