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


def templated_message(
    *, to: list[str], template: str, context: dict, html: bool = False
) -> EmailMultiAlternatives:
    """`<template>_subject.txt` and `<template>_body.txt` rendered as plain text; with `html`, also
    `<template>_body.html` (escaped) as the HTML alternative of the same message. The subject is one
    line, whatever the values in it hold."""
    subject = render_subject(template, context)
    body = render_plain(f"{template}_body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(render_to_string(f"{template}_body.html", context), "text/html")
    return message


def send_templated_mail(*, to: list[str], template: str, context: dict, html: bool = False) -> None:
    """Send `templated_message` through EMAIL_BACKEND: the outbox, written in the caller's
    transaction (`core.outbox`)."""
    templated_message(to=to, template=template, context=context, html=html).send()
