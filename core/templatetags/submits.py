"""`{% submit_token %}` inside a create form that its template writes itself (not through a
`SubmitOnceForm`'s hidden fields): the form's one-time token (`core.submits`), made without a query."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core import submits

register = template.Library()


@register.simple_tag
def submit_token() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', submits.TOKEN_FIELD, submits.token_new())
