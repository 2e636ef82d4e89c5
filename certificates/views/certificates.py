"""A certificate's page and what its CB's certification managers do with it (DOMAIN §1.5–1.10, §6):
edit and issue the draft revision, void it, suspend, reinstate, withdraw, cancel.

Whoever sees the certificate reads the page (the CB's staff, the client's members); only the
CB's certification managers change it (others get 403 and see no buttons). Each status change
takes its reason on a form: on the page, or on its own page when it comes back with errors.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates import access, certificate_rules
from certificates.documents import CERTIFICATE_DRAFT
from certificates.enums import CertificateStatus, RevisionStatus, TaskKind, TaskStatus
from certificates.forms.certificates import DraftForm, ReasonForm, SuspendForm
from certificates.models import Certificate, CertificateRevision
from certificates.qr import public_url
from certificates.selectors import status as selectors
from certificates.services import certificates as services
from core.forms import call_action, call_service, confirmed, edit_form
from improvement.access import soas_for

S = CertificateStatus
FORM_TEMPLATE = "certificates/certificate_form.html"


@dataclass(frozen=True)
class Action:
    """A status change offered on the certificate page: its URL name and its texts."""

    name: str
    label: str
    intro: str
    success: str

    def url(self, certificate: Certificate) -> str:
        return reverse(f"certificates:{self.name}", args=[certificate.pk])


SUSPEND = Action(
    "certificate_suspend",
    gettext_lazy("Suspend the certificate"),
    gettext_lazy(
        "While suspended, the certification is not valid: the public verification says so and the "
        "client must stop promoting it (17021-1 §9.6.5)."
    ),
    gettext_lazy("The certificate is suspended."),
)
REINSTATE = Action(
    "certificate_reinstate",
    gettext_lazy("Reinstate the certificate"),
    gettext_lazy("The cause of the suspension is resolved: the certification is valid again."),
    gettext_lazy("The certificate is valid again."),
)
WITHDRAW = Action(
    "certificate_withdraw",
    gettext_lazy("Withdraw the certificate"),
    gettext_lazy(
        "Revoked by the certification body: a withdrawn certificate never becomes valid again; a new "
        "certification needs a new initial audit (rule 15)."
    ),
    gettext_lazy("The certificate is withdrawn."),
)
CANCEL = Action(
    "certificate_cancel",
    gettext_lazy("Cancel the certificate"),
    gettext_lazy(
        "Ended at the client's request or with the contract: a cancelled certificate never becomes "
        "valid again (rule 15)."
    ),
    gettext_lazy("The certificate is cancelled."),
)
VOID = Action(
    "certificate_draft_void",
    gettext_lazy("Void the draft"),
    gettext_lazy(
        "The draft revision will not be issued. A certificate that was never issued is then cancelled."
    ),
    gettext_lazy("The draft revision is void."),
)


def _certificate(request: HttpRequest, pk: int) -> Certificate:
    return get_object_or_404(access.certificates_for(request.user), pk=pk)


def _managed(request: HttpRequest, pk: int) -> Certificate:
    certificate = _certificate(request, pk)
    if not access.can_manage_certificate(request.user, certificate):
        raise PermissionDenied(access.MANAGERS_ONLY)
    return certificate


def _draft_of(certificate: Certificate) -> CertificateRevision:
    revisions = certificate.revisions.select_related("edition__standard", "decision")
    return get_object_or_404(revisions, status=RevisionStatus.DRAFT)


def _status_actions(certificate: Certificate) -> list[Action]:
    """The status changes rule 15 allows from here (a draft ends by voiding its revision)."""
    moves = certificate_rules.MOVES[certificate.status]
    offered = [
        (SUSPEND, S.SUSPENDED in moves),
        (REINSTATE, certificate.status == S.SUSPENDED),
        (WITHDRAW, S.WITHDRAWN in moves),
        (CANCEL, S.CANCELLED in moves and certificate.status != S.DRAFT),
    ]
    return [action for action, allowed in offered if allowed]


def _action_form(action: Action, certificate: Certificate, data=None) -> forms.Form:
    auto_id = f"{action.name}-%s"
    if action is SUSPEND:
        return SuspendForm(data, certificate=certificate, today=timezone.localdate(), auto_id=auto_id)
    return ReasonForm(data, auto_id=auto_id)


@login_required
@require_GET
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    page = selectors.certificate_page(certificate)
    can_manage = access.can_manage_certificate(request.user, certificate)
    actions = (_status_actions(certificate) + ([VOID] if page.draft else [])) if can_manage else []
    open_tasks = _open_tasks(request, certificate)
    return render(
        request,
        "certificates/certificate_detail.html",
        {
            "certificate": certificate,
            "page": page,
            "current": page.current,
            "draft": page.draft,
            "draft_problems": services.issue_problems(page.draft) if page.draft else [],
            "public_url": public_url(page.current) if page.current else "",  # as its QR code prints it
            "can_manage": can_manage,
            "actions": [(a, a.url(certificate), _action_form(a, certificate)) for a in actions],
            "certificate_kind": services.CERTIFICATE_DOCUMENT,
            "draft_kind": CERTIFICATE_DRAFT,
            "open_tasks": open_tasks,
            "overdue_surveillance": any(t.kind == TaskKind.OVERDUE_SURVEILLANCE for t in open_tasks),
            "readable_soas": _readable_soas(request, page.current, page.draft),
        },
    )


def _readable_soas(request: HttpRequest, *revisions) -> set[int]:
    """The SoA versions named by these revisions that the viewer may open (rule 8): at most one query."""
    named = {revision.soa_id for revision in revisions if revision and revision.soa_id}
    if not named:
        return set()
    return set(soas_for(request.user).filter(pk__in=named).values_list("pk", flat=True))


def _open_tasks(request: HttpRequest, certificate: Certificate) -> list:
    """The certificate's open tasks in the CB's work queue, for those who read them: one query."""
    tasks = access.tasks_for(request.user).select_related(None).select_related("owner")
    return list(tasks.filter(certificate=certificate, status=TaskStatus.OPEN).order_by("due_on", "pk"))


def _posted(request: HttpRequest):
    """The form's data on a POST, even an empty one (its errors are then shown), None on a GET."""
    return request.POST if request.method == "POST" else None


def _form_page(request: HttpRequest, certificate: Certificate, title: str, intro: str, form) -> HttpResponse:
    return render(
        request, FORM_TEMPLATE, {"certificate": certificate, "title": title, "intro": intro, "form": form}
    )


def _status_change(
    request: HttpRequest, certificate: Certificate, action: Action, call: Callable[[forms.Form], object]
) -> HttpResponse:
    """A status change with its form: done and back to the certificate, or the form again."""
    form = _action_form(action, certificate, _posted(request))
    if request.method == "POST" and form.is_valid() and call_service(form, lambda: call(form)):
        messages.success(request, str(action.success))
        return redirect(certificate)
    return _form_page(request, certificate, str(action.label), str(action.intro), form)


def _reason_change(
    request: HttpRequest, pk: int, action: Action, service: Callable[..., Certificate]
) -> HttpResponse:
    certificate = _managed(request, pk)
    return _status_change(
        request,
        certificate,
        action,
        lambda form: service(actor=request.user, certificate=certificate, reason=form.cleaned_data["reason"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _managed(request, pk)
    return _status_change(
        request,
        certificate,
        SUSPEND,
        lambda form: services.certificate_suspend(
            actor=request.user, certificate=certificate, suspension=form.suspension()
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_change(request, pk, REINSTATE, services.certificate_reinstate)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_change(request, pk, WITHDRAW, services.certificate_withdraw)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_change(request, pk, CANCEL, services.certificate_cancel)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_draft_void(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _managed(request, pk)
    draft = _draft_of(certificate)
    return _status_change(
        request,
        certificate,
        VOID,
        lambda form: services.revision_void(
            actor=request.user, revision=draft, reason=form.cleaned_data["reason"]
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _managed(request, pk)
    draft = _draft_of(certificate)
    form = edit_form(DraftForm, _posted(request), instance=draft, user=request.user)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.revision_update(actor=request.user, revision=draft, details=form.details())
        )
    )
    if saved:
        messages.success(request, _("The draft revision was saved."))
        return redirect(certificate)
    intro = _("Revision %(n)s, not issued yet. The expiry date follows the decision (rules 7 and 12).") % {
        "n": draft.revision
    }
    return _form_page(request, certificate, _("Edit the draft revision"), intro, form)


@login_required
@require_POST
def certificate_draft_issue(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _managed(request, pk)
    draft = _draft_of(certificate)
    if confirmed(request):
        call_action(
            request,
            lambda: services.revision_issue(actor=request.user, revision=draft),
            _("Revision %(n)s is issued: it is the current revision, and its PDF is being prepared.")
            % {"n": draft.revision},
        )
    return redirect(certificate)
