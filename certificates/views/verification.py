"""Public certificate verification (rule 33, DOMAIN §6.3): no sign-in, by number or by a printed
copy's QR code.

Both pages are throttled per client address against enumeration of numbers (HTTP 429 over the
limits), and are neither indexed nor cached. A draft, a revision never issued and an unknown number
or token read alike: "not found".
"""

import ipaddress
import math
from collections.abc import Callable
from functools import wraps

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from certificates.forms.verification import VerificationForm
from certificates.selectors import verification as selectors
from core import ratelimit

GROUP = "certificates.verification"  # one count for both pages
QR_PAGE = "certificates/verification/token.html"
IPV6_NETWORK = 64  # one client's IPv6 addresses share a /64, as in django-ratelimit's own key


def client_address(group: str, request: HttpRequest) -> str:
    """The client's address as axes sees it (ipware, behind the same trusted proxies)."""
    try:
        address = ipaddress.ip_address(get_client_ip_address(request) or "")
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_NETWORK}", strict=False).network_address)
    return str(address)


def _wait(request: HttpRequest) -> tuple[int, bool] | None:
    """Counts this request against every limit (sliding windows in the shared cache). None when it
    may go ahead; else the seconds to wait, and whether the day's limit is the one exceeded."""
    key = client_address(GROUP, request)
    minute = ratelimit.hit(group=GROUP, key=key, rate=settings.VERIFICATION_RATE_MINUTE)
    day = ratelimit.hit(group=GROUP, key=key, rate=settings.VERIFICATION_RATE_DAY)
    if day:
        return max(day, minute or 0), True
    return (minute, False) if minute else None


def _too_many(request: HttpRequest, wait: int, *, daily: bool) -> HttpResponse:
    """The page says which limit was reached, and how long to wait in the unit a person reads:
    minutes up to an hour, then hours (the day's window slides, so "tomorrow" would be wrong just
    after midnight and just before it)."""
    context = {"daily": daily, "minutes": math.ceil(wait / 60), "hours": math.ceil(wait / 3600)}
    response = render(request, "certificates/verification/throttled.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET only, throttled, never cached, never indexed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        waited = _wait(request)
        if waited is None:
            response = view(request, *args, **kwargs)
        else:
            wait, daily = waited
            response = _too_many(request, wait, daily=daily)
        response["X-Robots-Tag"] = "noindex"
        return response

    return require_GET(never_cache(wrapped))


@public
def search(request: HttpRequest) -> HttpResponse:
    data = request.GET if "number" in request.GET else None
    form = VerificationForm(data, bodies=selectors.active_bodies())
    context = {"form": form, **(_lookup(form) if form.is_valid() else {})}
    return render(request, "certificates/verification/search.html", context)


def _lookup(form: VerificationForm) -> dict:
    number = form.cleaned_data["number"]
    revisions = selectors.current_revisions(number, body_id=form.cleaned_data["body"])
    if len(revisions) > 1:
        return {"number": number, "bodies": [r.certificate.certification_body.name for r in revisions]}
    if revisions:
        return {"result": selectors.public_certificate(revisions[0])}
    return {"number": number, "not_found": True}


@public
def token(request: HttpRequest, token: str) -> HttpResponse:
    found = selectors.certificate_by_token(token)
    if found is None:
        return render(request, QR_PAGE, {"not_found": True}, status=404)
    result, printed_revision = found
    return render(request, QR_PAGE, {"result": result, "printed_revision": printed_revision})
