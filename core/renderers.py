"""The project's form renderer: Django's, with the plain widgets written out in Python.

Django renders every widget through a template (`<input>` through three of them), about 0.1 ms a
field; a page with a long form spent more time there than in its queries. This renderer produces
exactly the markup of Django's own `input.html`, `textarea.html` and `attrs.html` for the widgets
those templates serve, and hands every other template to Django. A project template that
overrides one of these widget templates would be bypassed: there is none (and none should be).
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDGETS = "django/forms/widgets/"
INPUTS = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "input", "text", "number", "email", "url", "tel", "password", "search", "hidden",
        "date", "datetime", "time", "color", "checkbox",
    )
)  # fmt: skip
TEXTAREA = f"{WIDGETS}textarea.html"
WRITTEN_HERE = INPUTS | {TEXTAREA}


def _attrs(attrs: dict) -> SafeString:
    """Django's attrs.html: False leaves the attribute out, True writes its bare name."""
    return mark_safe(  # noqa: S308 (each part is escaped here)
        "".join(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(value)}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


class FastRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None) -> str:
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is None or template_name not in WRITTEN_HERE:
            return super().render(template_name, context, request)
        if template_name == TEXTAREA:
            return format_html(
                '<textarea name="{}"{}>\n{}</textarea>',
                widget["name"],
                _attrs(widget["attrs"]),
                widget["value"] or "",
            ).strip()
        value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], value, _attrs(widget["attrs"])
        )
