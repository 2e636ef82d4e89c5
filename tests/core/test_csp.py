"""The Content-Security-Policy is enforced, and no page, ours or the admin's, needs inline code."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from audits.models import Audit, AuditProgramme
from organisations.models import Organisation, User
from tests import factories, test_url_access

pytestmark = pytest.mark.django_db
w = test_url_access.w  # the fixture with one object of each kind, behind every page of ACCESS

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return dict(directives)


class _InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' blocks: inline scripts and styles, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not values.get("src") and values.get("type") != "application/json":
            self._inline_script = True
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inline_script = False

    def handle_data(self, data: str) -> None:
        if self._inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}")


def _inline_code(response) -> list[str]:
    parser = _InlineCode()
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def superuser(client):
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_policy_is_enforced_on_login_page(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert _policy(response) == EXPECTED_POLICY
    assert "Content-Security-Policy-Report-Only" not in response


def test_policy_is_enforced_on_app_page(client, world):
    client.force_login(world.qm_a)
    response = client.get(reverse("organisations:detail", args=[world.org_a.pk]))
    assert response.status_code == 200 and "Organisation A" in response.content.decode()
    assert _policy(response) == EXPECTED_POLICY
    assert "Content-Security-Policy-Report-Only" not in response


def test_policy_is_enforced_in_admin(client, superuser):
    response = client.get(reverse("admin:organisations_organisation_changelist"))
    assert response.status_code == 200
    assert _policy(response) == EXPECTED_POLICY
    assert "Content-Security-Policy-Report-Only" not in response


def test_policy_allows_no_inline_script_or_style(settings):
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"][directive]
        assert "'unsafe-eval'" not in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"][directive]


def test_every_page_of_the_app_has_no_inline_code(client, w):
    checked = {}
    for name, (kwargs, allowed, *_) in sorted(test_url_access.ACCESS.items()):
        if not allowed:
            continue  # POST only
        client.force_login(getattr(w, sorted(allowed)[0]))
        response = client.get(reverse(name, kwargs=kwargs(w)))
        assert response.status_code == 200, name
        if response["Content-Type"].startswith("text/html"):
            checked[name] = _inline_code(response)
    assert {"dashboard", "improvement:gap_detail", "audits:programme_detail", "audits:audit_detail"} <= set(
        checked
    )
    assert {name: found for name, found in checked.items() if found} == {}


def test_public_pages_have_no_inline_code(client):
    for name in ("login", "password_reset", "password_reset_done"):
        response = client.get(reverse(name))
        assert response.status_code == 200 and _inline_code(response) == [], name


def test_csrf_failure_page_has_no_inline_code(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": world.qm_a.email, "password": "x"})
    assert response.status_code == 403
    assert "This form could not be sent" in response.content.decode()
    assert _inline_code(response) == []


@pytest.mark.parametrize("model", [Organisation, AuditProgramme, Audit, User], ids=lambda m: m.__name__)
def test_admin_changelist_and_change_form_have_no_inline_code(client, superuser, w, model):
    instance = {
        Organisation: w.org_a,
        AuditProgramme: w.programme_a,
        Audit: w.audit_a,
        User: w.qm_a,
    }[model]
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert changelist.status_code == change.status_code == 200
    assert str(instance) in change.content.decode()
    assert _inline_code(changelist) == []
    assert _inline_code(change) == []
    assert add.status_code in {200, 403}  # some records are only ever made by the app
    if add.status_code == 200:
        assert _inline_code(add) == []


def test_admin_index_has_no_inline_code(client, superuser):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200 and _inline_code(response) == []


def test_inline_code_detector_finds_what_the_policy_blocks():
    class Page:
        content = (
            b'<script src="/static/a.js"></script><script>alert(1)</script><style>p{}</style>'
            b'<a href="javascript:go()" onclick="go()">x</a><p style="color:red">y</p>'
            b'<script type="application/json">{"a": 1}</script>'
        )

    assert _inline_code(Page()) == [
        "<script>alert(1)",
        "<style>",
        "<a href=javascript:...>",
        "<a onclick=...>",
        "<p style=...>",
    ]
