from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from organisations import access


def roles(request: HttpRequest) -> dict:
    """What the navigation shows: computed once per page, only when a template asks."""
    user = request.user

    def compute() -> dict:
        return {
            "is_client": access.is_client_user(user),
            "is_cb_staff": access.is_cb_staff(user),
            "is_platform_staff": bool(user.is_authenticated and user.is_staff),
        }

    return {"nav": SimpleLazyObject(compute)}
