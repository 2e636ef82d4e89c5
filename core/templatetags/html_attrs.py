"""`{{ attrs|html_attrs }}`: a widget's attributes as HTML, in Python (see the crispy override in
templates/bootstrap5/layout/radio_checkbox_select.html: one include per option was the cost)."""

from django import template
from django.forms.utils import flatatt
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def html_attrs(attrs: dict) -> SafeString:
    """Like crispy's attrs.html: True renders the bare name, False and None leave it out."""
    return flatatt({name: value for name, value in attrs.items() if value is not False and value is not None})
