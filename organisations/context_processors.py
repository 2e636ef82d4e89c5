from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from organisations import access


def roles(request: HttpRequest) -> dict:
    """What the navigation shows: computed once per page, only when a template asks."""
    # An error page can render before AuthenticationMiddleware ran (a bad Host header gives a 400).
    user = request.user if hasattr(request, "user") else AnonymousUser()

    def compute() -> dict:
        memberships = (
            access.request_memberships(request) if hasattr(request, "user") else access.Memberships()
        )
        return {
            "is_client": memberships.is_client,
            "is_cb_staff": memberships.is_cb_staff,
            "is_platform_staff": bool(user.is_authenticated and user.is_staff),
        }

    return {"nav": SimpleLazyObject(compute)}
