"""Filters for the crispy-bootstrap5 override in templates/bootstrap5/layout/: the options of a
radio or checkbox list rendered in Python (an include per option was most of a form's cost)."""

from crispy_forms.templatetags.crispy_forms_filters import optgroups
from django import template
from django.forms.utils import flatatt
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def html_attrs(attrs: dict) -> SafeString:
    """Like crispy's attrs.html: True renders the bare name, False and None leave it out."""
    return flatatt({name: value for name, value in attrs.items() if value is not False and value is not None})


@register.simple_tag
def check_options(field, inline_class: str = "") -> SafeString:
    """The markup of crispy-bootstrap5's radio_checkbox_select.html for every option of `field`."""
    wrapper = "form-check form-check-inline" if inline_class else "form-check"
    invalid = " is-invalid" if field.errors else ""
    rows = []
    for group, options, _index in optgroups(field):
        if group:
            rows.append(format_html("<strong>{}</strong>", group))
        rows += [
            format_html(
                '<div class="{}"><input type="{}" class="form-check-input{}" name="{}" value="{}"{}>'
                '<label for="{}" class="form-check-label">{}</label></div>',
                wrapper,
                option["type"],
                invalid,
                field.html_name,
                localize(option["value"], use_l10n=False),
                html_attrs(option["attrs"]),
                option["attrs"].get("id", ""),
                localize(option["label"], use_l10n=False),
            )
            for option in options
        ]
    return format_html_join("", "{}", ((row,) for row in rows))
