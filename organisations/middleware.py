"""Sign-in checks on every request, after Django's, axes' and django-otp's middleware:

- a session ends after a time without requests (`SESSION_IDLE_MINUTES`; CB staff: their CB's
  `session_idle_minutes`, read with the user by `organisations.backends`, so no query is added);
- a signed-in user who must give a second factor and has not yet, in this session, is sent to
  enrol or to give a code, except on the pages that lead there or need no session;
- a sign-in from a client address with too many recent failures across accounts is refused (429),
  and so is a password-reset request past the address's limit; a request past the e-mail's limit
  looks answered but sends nothing.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations import security, signins
from organisations.enums import SignInKind

# Pages a user who still owes a second factor may open: those that lead to it, signing out, and
# those that need no session (the health check, public verification, the calendar feed's address).
OPEN_PAGES = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "two_factor:setup",
    "two_factor:verify",
    "healthz",
    "calendar:feed",
}
OPEN_NAMESPACES = {"verification"}
# The last-seen time is written at most this often, so most pages do not save the session.
LAST_SEEN_RESOLUTION_SECONDS = 60


def idle_minutes(user) -> int:
    """The CB's limit for its staff (the shortest of their CBs'), the setting for everyone else."""
    return getattr(user, "session_idle_minutes", None) or settings.SESSION_IDLE_MINUTES


class SignInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match else ""
        throttle = THROTTLES.get(name) if request.method == "POST" else None
        refused = throttle(request) if throttle else None
        if refused is None and request.user.is_authenticated:
            return _idle_timeout(request) or _second_factor_owed(request, match, name)
        return refused


def _idle_timeout(request):
    now = int(timezone.now().timestamp())
    last_seen = request.session.get(signins.LAST_SEEN_KEY)
    if last_seen is not None and now - last_seen > idle_minutes(request.user) * 60:
        request.signed_out_idle = True
        logout(request)
        messages.info(request, _("You were signed out after a time without activity. Sign in again."))
        return redirect_to_login(request.get_full_path())
    if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
        request.session[signins.LAST_SEEN_KEY] = now
    return None


def _second_factor_owed(request, match, name: str):
    user = request.user
    if user.is_verified() or name in OPEN_PAGES or (match and match.namespace in OPEN_NAMESPACES):
        return None
    required = security.two_factor_required(user)
    if not (required or request.session.get(signins.SECOND_FACTOR_PENDING_KEY)):
        return None
    enrolled = security.has_second_factor(user)
    if not (enrolled or required):  # an administrator reset the device of someone it is optional for
        request.session.pop(signins.SECOND_FACTOR_PENDING_KEY)
        return None
    target = "two_factor:verify" if enrolled else "two_factor:setup"
    return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


def _refused(request, message: str):
    return render(request, "registration/throttled.html", {"message": message}, status=429)


def _login_throttle(request):
    if not signins.login_refused(request):
        return None
    email = request.POST.get("username", "")
    signins.sign_in_record(kind=SignInKind.LOCKED_OUT, request=request, email=email)
    return _refused(request, _("Too many failed sign-ins from your network. Try again later."))


def _password_reset_throttle(request):
    if signins.password_reset_refused(request):
        return _refused(request, _("Too many password-reset requests from your network. Try again later."))
    email = request.POST.get("email", "")
    exhausted = signins.password_reset_exhausted(email)
    signins.sign_in_record(kind=SignInKind.PASSWORD_RESET_REQUESTED, request=request, email=email)
    return redirect("password_reset_done") if exhausted else None


THROTTLES = {"login": _login_throttle, "password_reset": _password_reset_throttle}
