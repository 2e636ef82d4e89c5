"""Sending e-mail rendered from templates: a plain-text body, the subject on one line."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send_templated_mail(*, to: list[str], template: str, context: dict) -> None:
    """Render `<template>_subject.txt` and `<template>_body.txt` and send them."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context)
    EmailMessage(subject=subject, body=body, to=to).send()
