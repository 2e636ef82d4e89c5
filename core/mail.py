"""Sending e-mail rendered from templates: a plain-text body, the subject on one line, and an HTML
alternative where the message asks for one."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def render_plain(template_name: str, context: dict) -> str:
    """A plain-text template rendered without HTML escaping: `"` stays `"`, never `&quot;`."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def render_subject(template: str, context: dict) -> str:
    """`<template>_subject.txt` as plain text on one line, whatever the values in it hold."""
    return " ".join(render_plain(f"{template}_subject.txt", context).split())


def send_templated_mail(
    *, to: list[str], template: str, context: dict, html: bool = False, connection=None
) -> None:
    """Render `<template>_subject.txt` and `<template>_body.txt` as plain text and send them; with
    `html`, also `<template>_body.html` (escaped) as the HTML alternative of the same message. The
    subject is one line, whatever the values in it hold. Without `connection`, the message goes to
    EMAIL_BACKEND: the outbox, written in the caller's transaction (`core.outbox`)."""
    subject = render_subject(template, context)
    body = render_plain(f"{template}_body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, connection=connection)
    if html:
        message.attach_alternative(render_to_string(f"{template}_body.html", context), "text/html")
    message.send()
