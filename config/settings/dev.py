"""Development: `make run`. Debug on, a fixed local key, SQLite and the embedded broker by default."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-key-never-used-in-production-0123456789abcdef"
# The demo lets a newcomer try every role at once; `MFA_REQUIRED=true make run` tries enrolment.
MFA_REQUIRED = env_bool("MFA_REQUIRED", False)
