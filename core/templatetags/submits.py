"""`{% submit_token %}` inside a create form that its template writes itself (not through a
`SubmitOnceForm`'s hidden fields): the form's one-time token (`core.submits`), made without a query."""

from django import template

from core import submits

register = template.Library()


@register.inclusion_tag("core/_submit_token.html")
def submit_token() -> dict:
    return {"name": submits.TOKEN_FIELD, "value": submits.token_new()}
