"""One save per create form (`core.submits`): a repeat of the same form, one after the other or at
the same moment, creates nothing and leads where the first led; every create form carries its
one-time token, and every create view claims it."""

import datetime
import importlib
import inspect
import pkgutil
import re
import threading
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

import audits.services as audit_services
import certificates.services as certificate_services
import improvement.services as improvement_services
from audits.models import AuditProgramme, Finding
from certificates.services.daily import daily_job_run
from core import documents, submits
from core.models import SubmitClaim
from improvement.models import EvidenceFile
from organisations import services as organisation_services
from tests.audits import test_findings_services as given
from tests.audits.conftest import qms as qms
from tests.audits.test_programme_views import open_form
from tests.improvement.internal_audit_world import ia_of  # internal audits
from tests.improvement.review_world import reviews_of  # management reviews
from tests.test_bounds import _world
from tests.test_bounds import cw as cw
from tests.test_bounds import w as w

fieldwork = given.fieldwork  # fixtures

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'<input type="hidden" name="submit_token" value="([^"]+)"')


def _finding_data(world, qms, token: str) -> dict:
    return {
        "type": "minor",
        "source": "clause",
        "clause": qms.clauses.get(number="4.1").pk,
        "requirement_reference": "",
        "site": world.site_a.pk,
        "process": "Dispatch",
        "statement": "Scales are not calibrated.",
        "evidence": "Scale S-12, sticker expired.",
        "client_position": "",
        submits.TOKEN_FIELD: token,
    }


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _token_of(response) -> str:
    return TOKEN.search(response.content.decode()).group(1)


# --- a repeat, one after the other


def test_a_finding_form_sent_twice_logs_one_finding_and_leads_the_repeat_to_it(client, world, fieldwork, qms):
    client.force_login(world.auditor)
    url = reverse("audits:finding_new", args=[fieldwork.audit.pk])
    token = _token_of(client.get(url))

    first = client.post(url, _finding_data(world, qms, token))
    again = [client.post(url, _finding_data(world, qms, token)) for _ in range(3)]

    finding = Finding.objects.get(audit=fieldwork.audit)
    assert first.status_code == 302 and first.url.endswith(f"#finding-{finding.pk}")
    assert [(r.status_code, r.url) for r in again] == [(302, first.url)] * 3
    assert _messages(again[0])[-1] == str(submits.ALREADY_SAVED)  # the first's message is not read yet


def test_a_programme_opened_twice_is_one_programme_with_one_cycle(client, world, qms):
    client.force_login(world.cert_manager)
    url = reverse("audits:programme_open", args=[world.org_a.pk])
    token = _token_of(client.get(url))
    data = open_form(qms, sites=[world.site_a.pk], certification_body=world.cb.pk, submit_token=token)

    first = client.post(url, data)
    again = client.post(url, data)

    programme = AuditProgramme.objects.get()
    assert first.url == again.url == programme.get_absolute_url()
    assert programme.audits.count() == 5
    assert _messages(again)[-1] == str(submits.ALREADY_SAVED)


def test_an_htmx_upload_sent_twice_attaches_one_file_and_sends_the_repeat_to_the_answer(client, w):
    client.force_login(w.qm_a)
    url = reverse("improvement:gap_evidence_upload", args=[w.gap.pk, w.answer.pk])
    token = submits.token_new()

    def upload():
        data = {"file": SimpleUploadedFile("minutes.txt", b"minutes"), submits.TOKEN_FIELD: token}
        return client.post(url, data, headers={"HX-Request": "true"})

    first, again = upload(), upload()

    assert first.status_code == 200 and "minutes.txt" in first.content.decode()
    assert EvidenceFile.objects.filter(answer=w.answer).count() == 1
    answer_page = reverse("improvement:gap_answer_edit", args=[w.gap.pk, w.answer.pk])
    assert again["HX-Redirect"] == f"{answer_page}#evidence-{w.answer.pk}"


def test_a_refused_submission_gives_its_token_back(client, world, fieldwork, qms):
    client.force_login(world.auditor)
    url = reverse("audits:finding_new", args=[fieldwork.audit.pk])
    token = submits.token_new()

    refused = client.post(url, _finding_data(world, qms, token) | {"evidence": ""})
    saved = client.post(url, _finding_data(world, qms, token))

    assert refused.status_code == 200 and saved.status_code == 302
    assert Finding.objects.filter(audit=fieldwork.audit).count() == 1
    assert SubmitClaim.objects.get().result_url == saved.url


def test_a_refusal_that_redirects_gives_its_token_back(client, w):
    client.force_login(w.cert_manager)
    url = reverse("audits:team_assign", args=[w.audit.pk])
    token = submits.token_new()

    refused = client.post(url, {"user": "", "role": "auditor", submits.TOKEN_FIELD: token})
    saved = client.post(url, {"user": w.other_auditor.pk, "role": "auditor", submits.TOKEN_FIELD: token})

    assert refused.status_code == saved.status_code == 302
    assert _messages(saved)[-1] == "Other Auditor joined the team."  # after the refusal's, not yet read
    assert w.audit.assignments.filter(user=w.other_auditor).count() == 1
    assert SubmitClaim.objects.get().result_url == saved.url


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", submits.MISSING),
        ("forged:value", submits.MISSING),
        ("x" * 100_000, submits.MISSING),
        ("expired", submits.EXPIRED),
    ],
)
def test_a_missing_forged_or_expired_token_is_a_form_error_and_saves_nothing(
    client, world, fieldwork, qms, token, message
):
    if token == "expired":
        with pytest.MonkeyPatch.context() as patch:
            long_ago = timezone.now() - submits.LIFETIME - datetime.timedelta(minutes=1)
            patch.setattr("django.core.signing.time.time", lambda: long_ago.timestamp())
            token = submits.token_new()
    client.force_login(world.auditor)

    response = client.post(
        reverse("audits:finding_new", args=[fieldwork.audit.pk]), _finding_data(world, qms, token)
    )

    body = response.content.decode()
    assert response.status_code == 200 and str(message) in body.replace("&#x27;", "'")
    assert "Scales are not calibrated." in body  # what was typed comes back
    assert submits.token_problem(_token_of(response)) is None  # with a fresh token
    assert not Finding.objects.filter(audit=fieldwork.audit).exists()
    assert not SubmitClaim.objects.exists()


def test_a_token_is_made_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        tokens = {submits.token_new() for _ in range(3)}
    assert len(tokens) == 3 and all(submits.token_problem(t) is None for t in tokens)


def test_the_daily_job_purges_claims_older_than_a_token_lives(world):
    now = timezone.now()
    old = SubmitClaim.objects.create(user=world.qm_a, token="a", result_url="/a/")
    recent = SubmitClaim.objects.create(user=world.qm_a, token="b", result_url="/b/")
    SubmitClaim.objects.filter(pk=old.pk).update(
        claimed_at=now - submits.LIFETIME - datetime.timedelta(hours=1)
    )
    SubmitClaim.objects.filter(pk=recent.pk).update(
        claimed_at=now - submits.LIFETIME + datetime.timedelta(hours=1)
    )

    assert daily_job_run(today=timezone.localdate()).claims_purged == 1
    assert list(SubmitClaim.objects.values_list("token", flat=True)) == ["b"]


# --- a repeat at the same moment (PostgreSQL, as in CI)


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL (as in CI)"
)


def _post_together(clients: list[Client], url: str, data: dict) -> list:
    """Each client posts `data` in its own thread, released together; each has its own connection."""
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    errors: list = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = clients[index].post(url, data)
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return responses


def _signed_in(user, count: int) -> list[Client]:
    clients = [Client() for _ in range(count)]
    for client in clients:
        client.force_login(user)
    return clients


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_finding_form_sent_four_times_at_once_logs_one_finding(world, fieldwork, qms):
    url = reverse("audits:finding_new", args=[fieldwork.audit.pk])

    responses = _post_together(
        _signed_in(world.auditor, 4), url, _finding_data(world, qms, submits.token_new())
    )

    finding = Finding.objects.get(audit=fieldwork.audit)
    assert {(r.status_code, r.url) for r in responses} == {
        (302, f"{reverse('audits:finding_list', args=[fieldwork.audit.pk])}#finding-{finding.pk}")
    }
    assert sorted(len(_messages(r)) for r in responses) == [1, 1, 1, 1]
    assert sum(_messages(r) == [str(submits.ALREADY_SAVED)] for r in responses) == 3
    assert SubmitClaim.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_programme_opened_twice_at_once_is_one_programme(world, qms):
    url = reverse("audits:programme_open", args=[world.org_a.pk])
    data = open_form(
        qms, sites=[world.site_a.pk], certification_body=world.cb.pk, submit_token=submits.token_new()
    )

    responses = _post_together(_signed_in(world.cert_manager, 2), url, data)

    programme = AuditProgramme.objects.get()
    assert [r.url for r in responses] == [programme.get_absolute_url()] * 2
    assert programme.audits.count() == 5


# --- every create form carries its token, every create view claims it

# create URL -> (persona, its kwargs, the page that shows its form and that page's kwargs; None: itself)
CREATE_FORMS = {
    "organisations:site_create": ("qm_a", lambda w: {"pk": w.org_a.pk}, None),
    "organisations:member_invite": ("qm_a", lambda w: {"pk": w.org_a.pk}, None),
    "certificates:change_submit": ("qm_a", lambda w: {"pk": w.org_a.pk}, None),
    "improvement:gap_start": ("qm_a", lambda w: {"org_pk": w.org_a.pk}, None),
    "improvement:gap_copy": (
        "qm_a",
        lambda w: {"pk": w.gap.pk},
        ("improvement:gap_detail", lambda w: {"pk": w.gap.pk}),
    ),
    "improvement:gap_evidence_upload": (
        "qm_a",
        lambda w: {"pk": w.gap.pk, "answer_pk": w.answer.pk},
        ("improvement:gap_answer_edit", lambda w: {"pk": w.gap.pk, "answer_pk": w.answer.pk}),
    ),
    "audits:programme_open": ("cert_manager", lambda w: {"org_pk": w.org_a.pk}, None),
    "audits:audit_add": ("cert_manager", lambda w: {"programme_pk": w.programme.pk}, None),
    "audits:team_assign": (
        "cert_manager",
        lambda w: {"pk": w.audit.pk},
        ("audits:audit_detail", lambda w: {"pk": w.audit.pk}),
    ),
    "audits:audit_plan_session_add": ("auditor", lambda w: {"pk": w.audit.pk}, None),
    "audits:finding_new": ("auditor", lambda w: {"pk": w.fieldwork_audit.pk}, None),
    "audits:finding_file_add": (
        "auditor",
        lambda w: {"pk": w.finding.pk},
        ("audits:finding_edit", lambda w: {"pk": w.finding.pk}),
    ),
    "audits:finding_respond": (
        "qm_a",
        lambda w: {"pk": w.nc_open.pk},
        ("audits:finding_detail", lambda w: {"pk": w.nc_open.pk}),
    ),
    "audits:finding_implementation": (
        "qm_a",
        lambda w: {"pk": w.nc_accepted.pk},
        ("audits:finding_detail", lambda w: {"pk": w.nc_accepted.pk}),
    ),
    "audits:finding_response_file": (
        "qm_a",
        lambda w: {"pk": w.nc_answered.pk, "response_pk": w.nc_response.pk},
        ("audits:finding_detail", lambda w: {"pk": w.nc_answered.pk}),
    ),
    "certificates:decision_add": ("cert_manager", lambda w: {"pk": w.decidable.pk}, None),
    "certificates:transfer_review_add": ("cert_manager", lambda w: {"pk": w.decidable.pk}, None),
    # --- improvement: an action raised from a gap answer ---
    "improvement:gap_answer_action_raise": (
        "qm_a",
        lambda w: {"pk": w.gap.pk, "answer_pk": w.answer.pk},
        ("improvement:gap_answer_edit", lambda w: {"pk": w.gap.pk, "answer_pk": w.answer.pk}),
    ),
    # --- the action register ---
    "improvement:action_new": ("qm_a", lambda w: {"org_pk": w.org_a.pk}, None),
    "improvement:action_file_add": (
        "qm_a",
        lambda w: {"pk": w.action_open.pk},
        ("improvement:action_detail", lambda w: {"pk": w.action_open.pk}),
    ),
    # --- internal audits ---
    "improvement:process_new": ("qm_a", lambda w: {"org_pk": w.org_a.pk}, None),
    "improvement:auditor_trainings": ("qm_a", lambda w: {"org_pk": w.org_a.pk}, None),
    "improvement:internal_programme_new": ("qm_a", lambda w: {"org_pk": w.org_a.pk}, None),
    "improvement:internal_audit_new": ("qm_a", lambda w: {"pk": ia_of(w)["internal_programme"].pk}, None),
    "improvement:internal_auditor_add": ("qm_a", lambda w: {"pk": ia_of(w)["internal_audit"].pk}, None),
    "improvement:internal_finding_new": ("qm_a", lambda w: {"pk": ia_of(w)["internal_audit"].pk}, None),
    # --- management reviews ---
    "improvement:review_new": ("qm_a", lambda w: {"org_pk": w.org_a.pk}, None),
    "improvement:review_attendee_add": ("qm_a", lambda w: {"pk": reviews_of(w)["review"].pk}, None),
    "improvement:review_output_add": ("qm_a", lambda w: {"pk": reviews_of(w)["review"].pk}, None),
    "improvement:review_output_action": ("qm_a", lambda w: {"pk": reviews_of(w)["review_output"].pk}, None),
    # --- the Statement of Applicability: a new version, from the list of versions ---
    "improvement:soa_new": (
        "qm_a",
        lambda w: {"org_pk": w.org_a.pk},
        ("improvement:soa_list", lambda w: {"org_pk": w.org_a.pk}),
    ),
}
# Views that call a service named like a creating one but whose repeat creates nothing
REPEAT_SAFE = {
    "documents:subject": "document_request returns the render already pending",
    "audits:audit_start": "a move of the audit's status: starting it again is refused",
    "improvement:action_start": "a move of the action's status: starting it again changes nothing",
    "improvement:internal_audit_start": "a move of the internal audit's status: a repeat changes nothing",
}
CREATING_VERBS = (
    *("_add", "_create", "_open", "_raise", "_start", "_submit"),
    *("_record", "_copy", "_invite", "_assign", "_request"),
)


def _creating_services() -> set[str]:
    """The names of the services that create a record, by their verb."""
    modules = [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for package in (audit_services, improvement_services, certificate_services)
        for info in pkgutil.iter_modules(package.__path__)
    ] + [organisation_services, documents]
    return {
        name
        for module in modules
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and value.__module__ == module.__name__
        and name.endswith(CREATING_VERBS)
        and not name.startswith("_")
    }


def _views(resolver: URLResolver, prefix: str = "") -> dict:
    views = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            views |= _views(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            views[f"{prefix}{pattern.name}"] = pattern.callback
    return views


def _our_views() -> dict:
    return {
        name: view
        for name, view in _views(get_resolver()).items()
        if inspect.unwrap(view).__module__.split(".")[0]
        in {"audits", "improvement", "certificates", "organisations", "core", "config"}
    }


def test_every_view_that_creates_claims_the_token_and_is_walked_below():
    views = _our_views()
    calls = re.compile(rf"\b(?:{'|'.join(_creating_services())})\(")
    creating = {name for name, view in views.items() if calls.search(inspect.getsource(inspect.unwrap(view)))}
    claiming = {name for name, view in views.items() if getattr(view, "submit_once", False)}
    assert creating - set(REPEAT_SAFE) <= claiming
    assert claiming == set(CREATE_FORMS)


def _forms_posting_to(html: str, action: str, page: str) -> list[str]:
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, re.S)
    return [
        f
        for f in forms
        if f'action="{action}"' in f.split(">", 1)[0]
        or (action == page and "action=" not in f.split(">", 1)[0])
    ]


@pytest.mark.parametrize("name", sorted(CREATE_FORMS))
def test_every_create_form_carries_a_fresh_token(client, request, name):
    world: SimpleNamespace = _world(request, name)
    persona, kwargs, page = CREATE_FORMS[name]
    client.force_login(getattr(world, persona))
    action = reverse(name, kwargs=kwargs(world))
    page_url = reverse(page[0], kwargs=page[1](world)) if page else action

    html = client.get(page_url).content.decode()

    forms = _forms_posting_to(html, action, page_url)
    assert forms, f"no form posts to {action} on {page_url}"
    tokens = [TOKEN.findall(form) for form in forms]
    assert all(len(found) == 1 and submits.token_problem(found[0]) is None for found in tokens)
