"""The account's security pages: two-factor enrolment, the code asked at sign-in, recovery codes, and
the account's recent sign-in records."""

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.forms import call_service
from organisations import security
from organisations.security_forms import EnrolForm, VerifyForm

PENDING_SECRET_KEY = "two_factor_pending_secret"  # noqa: S105 (a session key's name)
RECENT_SIGN_INS = 10


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if allowed else "/"


def _codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    """Recovery codes are shown once, in the answer to the request that made them, never stored in
    the session or reachable by a link."""
    return render(request, "organisations/security/codes.html", {"codes": codes, "next": _next(request)})


@never_cache
@login_required
@require_GET
def two_factor_overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "enrolled": security.has_second_factor(user),
        "required": security.two_factor_required(user),
        "codes_left": security.recovery_codes_left(user),
        "sign_ins": user.sign_in_events.select_related("actor")[:RECENT_SIGN_INS],
    }
    return render(request, "organisations/security/overview.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if security.has_second_factor(request.user):
        messages.info(request, _("Two-factor sign-in is already set up for your account."))
        return redirect("two_factor:overview")
    secret = request.session.setdefault(PENDING_SECRET_KEY, security.new_secret())
    form = EnrolForm(request.POST or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        enrolled = call_service(
            form,
            lambda: security.two_factor_enrol(actor=request.user, secret=secret, code=code, request=request),
        )
        if enrolled:
            device, codes = enrolled
            django_otp.login(request, device)
            request.session.pop(PENDING_SECRET_KEY, None)
            return _codes_page(request, codes)
    enrolment = security.enrolment_for(request.user, secret)
    context = {"form": form, "enrolment": enrolment, "next": _next(request)}
    return render(request, "organisations/security/setup.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_next(request))
    form = VerifyForm(request.POST or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        device = call_service(
            form, lambda: security.two_factor_verify(actor=request.user, code=code, request=request)
        )
        if device:
            django_otp.login(request, device)
            return redirect(_next(request))
    context = {"form": form, "enrolled": security.has_second_factor(request.user), "next": _next(request)}
    return render(request, "organisations/security/verify.html", context)


@never_cache
@login_required
@require_POST
def recovery_codes_replace(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():
        messages.error(request, _("Set up two-factor sign-in first, or give a code from your app."))
        return redirect("two_factor:overview")
    try:
        codes = security.recovery_codes_replace(actor=request.user, request=request)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("two_factor:overview")
    return _codes_page(request, codes)
