import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from kombu import Connection

from config.settings.base import BASE_DIR, redis_url_with_db

BASE_SETTINGS = BASE_DIR / "config" / "settings" / "base.py"


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


PRODUCTION = {
    "SECRET_KEY": "k7#Pq2!vLm9@zX4$wR8^tY1&uB6*nC3(eF5)gH0_jK-aS=dD+fG",
    "ALLOWED_HOSTS": "x.example",
    "REDIS_URL": "redis://redis:6379/0",
}


def test_production_settings_pass_check_deploy():
    result = _run_check(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_production_has_no_shared_cache():
    """Without Redis each web process counts the rate limits alone (core.W001)."""
    result = _run_check({**PRODUCTION, "REDIS_URL": ""})
    assert result.returncode != 0
    assert "core.W001" in result.stderr and "rate limits count per process" in result.stderr


@pytest.mark.parametrize(
    ("env", "broker", "cache"),
    [
        ({"REDIS_URL": "redis://cache:6379"}, "redis://cache:6379", "redis://cache:6379/1"),
        ({"REDIS_URL": "redis://:pw@cache:6379/4"}, "redis://:pw@cache:6379/4", "redis://:pw@cache:6379/5"),
        (
            {"REDIS_URL": "redis://cache:6379/4", "REDIS_CACHE_URL": "redis://other:6379/9"},
            "redis://cache:6379/4",
            "redis://other:6379/9",
        ),
    ],
)
def test_the_database_number_of_redis_url_is_honoured(monkeypatch, tmp_path, env, broker, cache):
    monkeypatch.delenv("REDIS_CACHE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    settings = runpy.run_path(str(BASE_SETTINGS))
    assert (settings["CELERY_BROKER_URL"], settings["REDIS_CACHE_URL"]) == (broker, cache)


@pytest.mark.parametrize(
    ("url", "db", "expected"),
    [
        ("redis://127.0.0.1:6379", 1, "redis://127.0.0.1:6379/1"),
        ("redis://:pw@cache:6380/0", 15, "redis://:pw@cache:6380/15"),
    ],
)
def test_redis_url_with_db(url, db, expected):
    assert redis_url_with_db(url, db) == expected


def _base_settings(monkeypatch, var_dir: Path, redis_url: str = "") -> dict:
    """config/settings/base.py evaluated afresh in another environment."""
    monkeypatch.setenv("VAR_DIR", str(var_dir))
    monkeypatch.setenv("REDIS_URL", redis_url)
    return runpy.run_path(str(BASE_SETTINGS))


def test_filesystem_broker_keeps_every_folder_under_var_dir(monkeypatch, tmp_path):
    settings = _base_settings(monkeypatch, tmp_path / "var")
    options = settings["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert settings["CELERY_BROKER_URL"] == "filesystem://localhost//"
    assert options["control_folder"] == str(tmp_path / "var" / "broker-control")
    assert options["data_folder_in"] == options["data_folder_out"] == str(tmp_path / "var" / "broker")


def test_redis_broker_has_no_folders(monkeypatch, tmp_path):
    settings = _base_settings(monkeypatch, tmp_path / "var", redis_url="redis://cache:6379/0")
    assert settings["CELERY_BROKER_URL"] == "redis://cache:6379/0"
    assert settings["CELERY_BROKER_TRANSPORT_OPTIONS"] == {"visibility_timeout": 3600}


def test_filesystem_broker_writes_no_control_folder_where_it_was_started(monkeypatch, tmp_path, caplog):
    var_dir = tmp_path / "var"
    (var_dir / "broker").mkdir(parents=True)
    settings = _base_settings(monkeypatch, var_dir)
    options = settings["CELERY_BROKER_TRANSPORT_OPTIONS"]
    monkeypatch.chdir(tmp_path)
    with Connection(settings["CELERY_BROKER_URL"], transport_options=options) as connection:
        channel = connection.channel()
        channel.exchange_declare("celery.pidbox", type="fanout")
        channel.queue_declare("worker.pidbox")
        channel.queue_bind("worker.pidbox", "celery.pidbox", "")
        connection.clone()  # what a worker does at each start
    assert sorted(path.name for path in tmp_path.iterdir()) == ["var"]
    assert (var_dir / "broker-control" / "celery.pidbox.exchange").is_file()
    assert "No hostname was supplied" not in caplog.text  # the address names its host: no warning


def _make_run_dry(*args: str, **env: str) -> str:
    """The commands `make run` would run, without running them."""
    inherited = {
        key: value
        for key, value in _environ_without_test_switches().items()
        if key not in {"SITE_URL", "VAR_DIR", "HOST", "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    result = subprocess.run(  # noqa: S603  (the arguments are this test's own literals)
        [shutil.which("make") or "make", "--dry-run", "run", *args],
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("args", "env", "site_url"),
    [
        ((), {}, "http://127.0.0.1:8000"),
        (("PORT=8765",), {}, "http://127.0.0.1:8765"),
        (("HOST=localhost", "PORT=8765"), {}, "http://localhost:8765"),
        (("PORT=8765",), {"SITE_URL": "https://audit.example"}, "https://audit.example"),
    ],
)
def test_make_run_links_in_emails_follow_its_port(args, env, site_url):
    commands = _make_run_dry(*args, **env)
    assert f"export SITE_URL='{site_url}'" in commands


def test_make_run_creates_the_broker_folders_under_var():
    commands = _make_run_dry()
    assert "mkdir -p var/broker var/broker-control var/mail var/media" in commands


def test_compose_publishes_only_the_proxy_in_front_of_gunicorn():
    """The app trusts X-Forwarded-Proto (and, with TRUSTED_PROXY_COUNT, X-Forwarded-For): only
    the proxy may reach gunicorn, so no client can send those headers to it directly."""
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {name for name, service in services.items() if "ports" in service} == {"proxy"}
    assert services["web"]["expose"] == ["8000"]
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    mounted = {volume.split(":")[0] for volume in services["proxy"]["volumes"]}
    assert "./deploy/Caddyfile" in mounted
    caddyfile = (BASE_DIR / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy {" in caddyfile and "dynamic a web 8000" in caddyfile  # every web container


def test_compose_scales_web_and_worker_after_one_migration():
    """`docker compose up --scale web=3 --scale worker=3`: nothing pins a web or worker container
    (a name, a host port), the schema is migrated once by its own service before any of them
    starts, and beat stays one."""
    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    for name in ("web", "worker"):
        assert "container_name" not in services[name] and "ports" not in services[name]
        assert "migrate" not in services[name]["command"]
    assert "manage.py migrate" in services["migrate"]["command"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert "deploy" not in services["beat"]
