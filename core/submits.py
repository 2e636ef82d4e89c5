"""One save per create form, however often it is sent: a one-time token per rendered form.

A double click, a resend after a dropped connection or two tabs posting the same form would each
create a record. Every form that creates one carries a token made when the page is rendered (signed,
so no database query; `SubmitOnceForm` renders it, or `{% submit_token %}` where a template writes
its own form), and its view is wrapped in `submit_once`: the first request with the token claims it
in the same transaction as the records it creates and keeps where it led (its redirect). A repeat,
whether it comes after the first or while the first is still running (the database's unique index
makes it wait for the first's commit), creates nothing and is sent to the first's result with a
message. A request that creates nothing (a form shown again with its errors, a redirect with an
error message) gives the token back.

A missing, forged or expired token is a form error (`SubmitOnceForm`): the form is shown again
with a fresh token. Claims live as long as a token is accepted (`LIFETIME`); the daily job purges
older ones (`submit_claims_purge`).
"""

import datetime
import secrets
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from core.models import SubmitClaim

TOKEN_FIELD = "submit_token"  # noqa: S105 (a field name)
LIFETIME = datetime.timedelta(days=7)  # a form left open over a week-long audit still saves once
_SALT = "core.submits"
_RESULT = "_submit_result"

MISSING = gettext_lazy(
    "This page came without its one-time form key, so nothing was saved. Submit the form again."
)
EXPIRED = gettext_lazy(
    "This form was opened more than a week ago, so nothing was saved. Check that what you entered "
    "is not saved already, then submit the form again."
)
ALREADY_SAVED = gettext_lazy("This form was already saved: nothing was saved twice.")


def token_new() -> str:
    """A fresh token for one rendered form, made without the database."""
    return signing.TimestampSigner(salt=_SALT).sign(secrets.token_urlsafe(16))


def token_problem(value: object) -> str | None:
    """Why a posted token cannot be claimed (a message for the form), or None when it can."""
    if not isinstance(value, str) or not value:
        return str(MISSING)
    try:
        signing.TimestampSigner(salt=_SALT).unsign(value, max_age=LIFETIME)
    except signing.SignatureExpired:
        return str(EXPIRED)
    except signing.BadSignature:
        return str(MISSING)
    return None


def submit_result(request: HttpRequest, url: str) -> None:
    """Where a repeat of this request is sent, for a view whose success is not a redirect (an htmx
    fragment): the page a plain request would have been redirected to."""
    setattr(request, _RESULT, url)


def _refused(request: HttpRequest) -> bool:
    """Whether the view told the user it refused (views that redirect either way say so with an
    error message). Read from the queue without marking the messages read."""
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", [])
    return any(message.level >= messages.ERROR for message in queued)


def _result_of(request: HttpRequest, response: HttpResponse) -> str:
    """Where the view led when it created something; empty when it did not (a form shown again
    with its errors, a redirect with an error message)."""
    if _refused(request):
        return ""
    if response.status_code in (301, 302, 303) or "HX-Redirect" in response:
        return response.get("Location") or response["HX-Redirect"]
    return getattr(request, _RESULT, "")


def _first_result(request: HttpRequest, token: str) -> HttpResponse:
    """The answer to a repeat: where the first request with this token led."""
    claim = SubmitClaim.objects.get(user=request.user, token=token)
    messages.info(request, ALREADY_SAVED)
    if request.htmx:
        return HttpResponseClientRedirect(claim.result_url)
    return redirect(claim.result_url)


def submit_once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run a create view at most once per form token (for signed-in users; see the module).

    A POST with a valid token runs the view in one transaction that first inserts the claim: a
    repeat's insert fails on the unique index (after waiting for the first's commit) and the repeat
    is sent to the first's result. A POST without a valid token runs the view as it is, whose form
    (`SubmitOnceForm`) refuses it.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = request.POST.get(TOKEN_FIELD)
        if request.method != "POST" or token_problem(token) or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        claim = None
        try:
            with transaction.atomic():
                claim = SubmitClaim.objects.create(user=request.user, token=token)
                response = view(request, *args, **kwargs)
                claim.result_url = _result_of(request, response)
                if claim.result_url:
                    claim.save(update_fields=["result_url"])
                else:  # nothing was created: the token may be sent again
                    claim.delete()
        except IntegrityError:
            if claim is not None:  # the view's own, not the claim's
                raise
            return _first_result(request, token)
        return response

    wrapped.submit_once = True
    return wrapped


def submit_claims_purge() -> int:
    """Forget claims older than a token's lifetime: their tokens are refused anyway. Returns how
    many were purged; part of the daily job."""
    deleted, _by_model = SubmitClaim.objects.filter(claimed_at__lt=timezone.now() - LIFETIME).delete()
    return deleted
