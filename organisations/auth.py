"""Sign-in helpers: django-axes counts failures per lower-cased e-mail and IP address."""

from django.http import HttpRequest


def login_username(request: HttpRequest, credentials: dict | None) -> str:
    """The e-mail as axes should count it: case and spaces do not make a new counter."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return username.strip().lower()
