"""Every URL of the app, every persona, another tenant's ids (PERF_SECURITY.md, OWASP).

The test fails when a URL pattern is missing from ACCESS, so a new page cannot ship without
saying who may open it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

SIGNED_IN = [
    "qm_a",
    "contributor_a",
    "viewer_a",
    "qm_b",
    "auditor",
    "cert_manager",
    "other_cb_manager",
    "staff",
    "nobody",
]
SEES_A = {"qm_a", "contributor_a", "viewer_a", "auditor", "cert_manager", "staff"}
MANAGES_A = {"qm_a"}

# url name -> (kwargs from the world, personas that get 200 on GET; signed-in others get 403 or 404)
ACCESS = {
    "dashboard": (lambda w: {}, set(SIGNED_IN)),
    "standards:catalogue": (lambda w: {}, set(SIGNED_IN)),
    "standards:standard_detail": (lambda w: {"slug": w.edition.standard.slug}, set(SIGNED_IN)),
    "standards:edition_detail": (
        lambda w: {"slug": w.edition.standard.slug, "year": w.edition.year},
        set(SIGNED_IN),
    ),
    "organisations:list": (lambda w: {}, set(SIGNED_IN)),
    "organisations:detail": (lambda w: {"pk": w.org_a.pk}, SEES_A),
    "organisations:sites": (lambda w: {"pk": w.org_a.pk}, SEES_A),
    "organisations:members": (lambda w: {"pk": w.org_a.pk}, SEES_A),
    "organisations:edit": (lambda w: {"pk": w.org_a.pk}, MANAGES_A),
    "organisations:site_create": (lambda w: {"pk": w.org_a.pk}, MANAGES_A),
    "organisations:site_edit": (lambda w: {"pk": w.org_a.pk, "site_pk": w.site_a.pk}, MANAGES_A),
    "organisations:member_invite": (lambda w: {"pk": w.org_a.pk}, MANAGES_A),
    "organisations:member_edit": (
        lambda w: {"pk": w.org_a.pk, "membership_pk": w.membership_viewer_a.pk},
        MANAGES_A,
    ),
    "organisations:member_deactivate": (
        lambda w: {"pk": w.org_a.pk, "membership_pk": w.membership_viewer_a.pk},
        set(),
    ),  # POST only
}
PUBLIC = {
    "healthz",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "password_change",
    "password_change_done",
}


def _names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            names |= _names(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


@pytest.fixture
def w(world):
    from tests.factories import EditionFactory

    world.edition = EditionFactory()
    world.membership_viewer_a = world.viewer_a.organisation_memberships.get()
    return world


def test_every_url_is_in_the_access_table():
    assert _names(get_resolver()) - PUBLIC == set(ACCESS)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_anonymous_is_sent_to_login(client, w, name):
    kwargs, _ = ACCESS[name]
    response = client.get(reverse(name, kwargs=kwargs(w)))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", SIGNED_IN)
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_get_access_per_persona(client, w, name, persona):
    kwargs, allowed = ACCESS[name]
    client.force_login(getattr(w, persona))
    response = client.get(reverse(name, kwargs=kwargs(w)))
    if name == "organisations:member_deactivate":
        assert response.status_code == 405
    elif persona in allowed:
        assert response.status_code == 200
    elif persona in SEES_A:
        assert response.status_code == 403
    else:
        assert response.status_code == 404


GET_ONLY = {"organisations:detail", "organisations:sites", "organisations:members"}
POST_ONLY = {"organisations:member_deactivate"}
ORGANISATION_URLS = sorted(
    name for name in ACCESS if name.startswith("organisations:") and name != "organisations:list"
)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", ORGANISATION_URLS)
def test_quality_manager_of_a_gets_404_on_every_page_of_b(client, w, name, method):
    kwargs = ACCESS[name][0](w)
    ids_of_b = {
        "pk": w.org_b.pk,
        "site_pk": w.site_b.pk,
        "membership_pk": w.qm_b.organisation_memberships.get().pk,
    }
    client.force_login(w.qm_a)
    response = getattr(client, method)(reverse(name, kwargs={key: ids_of_b[key] for key in kwargs}))
    wrong_method = (method == "post" and name in GET_ONLY) or (method == "get" and name in POST_ONLY)
    assert response.status_code == (405 if wrong_method else 404)
    w.org_b.refresh_from_db()
    assert w.org_b.name == "Organisation B" and w.org_b.memberships.filter(is_active=True).count() == 1
