"""Tests: PostgreSQL when DATABASE_URL is set, SQLite otherwise; mail captured by Django."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import EMAIL_FILE_PATH, REDIS_URL, redis_url_with_db

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY") or "test-only-key-0123456789abcdef-0123456789abcdef"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker started by a test in its own process writes its mail where the test reads it
# (tests/certificates/test_reminder_worker.py); every other run captures mail in memory. Mail is
# delivered at once, not written to the outbox: tests/core/test_outbox.py tries the outbox.
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_DELIVERY_BACKEND = EMAIL_BACKEND
EMAIL_FILE_PATH = os.environ.get("TEST_EMAIL_FILE_PATH") or EMAIL_FILE_PATH
CELERY_BROKER_URL = redis_url_with_db(REDIS_URL, 15) if REDIS_URL else "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
# Unit tests run tasks in-process; tests/core/test_celery.py runs a real worker on the broker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Serve static files from the source folders: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The rate limits of public verification are counted in the process's cache across the whole run;
# the tests of the limits turn them on with rates of their own (tests/certificates/test_verification.py).
RATELIMIT_ENABLE = False
# Each test reads the feed as it is now; tests/certificates/test_feed.py turns the cache on to try it
FEED_CACHE_SECONDS = 0
# Personas sign in without a second factor; tests/organisations/test_two_factor.py turns the requirement on
MFA_REQUIRED = False
