"""`Cache-Control: no-store` on what is confidential (ASVS 5.0 V14.3): every response to a signed-in
person and every file download, so that neither a browser's disk cache, a shared computer's back
button nor a proxy keeps audit findings, evidence or exports. A view that chose its own caching
keeps it (the iCal feed: `private`, a few minutes in the subscriber's own application). Static
files are served before this middleware runs (whitenoise) and stay cacheable."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or response.has_header("Content-Disposition"):
            add_never_cache_headers(response)
        return response
