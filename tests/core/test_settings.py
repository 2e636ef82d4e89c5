import os
import subprocess
import sys

import pytest

from config.settings.base import redis_url_with_db


def _environ_without_test_switches() -> dict[str, str]:
    """The browser tests allow sync ORM calls beside Playwright's loop; production never does."""
    return {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _run_check(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            **_environ_without_test_switches(),
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("secret", ["", "short", "x" * 60])
def test_production_refuses_weak_secret_key(secret):
    result = _run_check({"SECRET_KEY": secret})
    assert result.returncode != 0
    assert "Set SECRET_KEY to a random string of at least 50 characters." in result.stderr


def test_production_settings_pass_check_deploy():
    result = _run_check(
        {"SECRET_KEY": "k7#Pq2!vLm9@zX4$wR8^tY1&uB6*nC3(eF5)gH0_jK-aS=dD+fG", "ALLOWED_HOSTS": "x.example"}
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("url", "db", "expected"),
    [
        ("redis://127.0.0.1:6379", 1, "redis://127.0.0.1:6379/1"),
        ("redis://:pw@cache:6380/0", 15, "redis://:pw@cache:6380/15"),
    ],
)
def test_redis_url_with_db(url, db, expected):
    assert redis_url_with_db(url, db) == expected
