from django import template

from organisations import access as tenancy

register = template.Library()


@register.simple_tag(takes_context=True)
def is_member(context, organisation) -> bool:
    """Whether the signed-in user belongs to the organisation (rule 43: its internal audits are its
    own; a CB serving it is not shown their tabs). Read once per request and organisation."""
    request = context.get("request")
    if request is None or organisation is None:
        return False
    cache = request.__dict__.setdefault("_member_of", {})
    if organisation.pk not in cache:
        cache[organisation.pk] = tenancy.organisation_role(request.user, organisation) is not None
    return cache[organisation.pk]
