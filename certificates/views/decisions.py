"""Certification decisions and pre-transfer reviews (DOMAIN.md §1.4–1.11; rules 3–5, 13, 23, 29–32).

The decision page shows, before the button, the checklist `decision_blockers` gives for what is
chosen (the "Check" button, or the query string, re-renders it without JavaScript); a refusal
lists the same blockers, each with its rule and the audit or finding behind it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from audits import access as audit_access
from audits.models import AuditProgramme
from certificates import access
from certificates.enums import DecisionKind, DecisionOutcome
from certificates.forms.decisions import DecisionForm, TransferReviewForm
from certificates.models import Decision
from certificates.services import decisions as services
from certificates.services.decisions import Blocker, DecisionError
from certificates.services.transfers import transfer_review_record
from core.forms import call_service
from core.submits import submit_once
from core.transitions import transitions_of
from organisations.models import User


def _programme(request: HttpRequest, pk: int) -> AuditProgramme:
    return get_object_or_404(audit_access.programmes_for(request.user), pk=pk)


def _decidable(request: HttpRequest, pk: int) -> AuditProgramme:
    """The programme, if the user decides for its CB (one simple query); otherwise 403 for those
    who see it and 404 for the others."""
    programme = (
        AuditProgramme.objects.select_related("organisation", "certification_body")
        .filter(pk=pk, certification_body__in=access.deciding_bodies(request.user))
        .first()
    )
    if programme is None:
        _programme(request, pk)  # 404 unless the user sees it
        raise PermissionDenied(access.DECIDERS_ONLY)
    return programme


def _form(request: HttpRequest, programme: AuditProgramme) -> DecisionForm:
    """A posted decision; a check (the button, or `edition`/`kind` in the query string) binds the
    same form in preview mode; otherwise a fresh form."""
    if request.method == "POST":
        return DecisionForm(request.POST, programme=programme, preview="check" in request.POST)
    if "edition" in request.GET or "kind" in request.GET:
        query: QueryDict = request.GET.copy()
        query.setdefault("outcome", DecisionOutcome.GRANT)
        query.setdefault("decided_on", timezone.localdate().isoformat())
        return DecisionForm(query, programme=programme, preview=True)
    return DecisionForm(programme=programme)


def _record(user: User, programme: AuditProgramme, form: DecisionForm, refused: list[Blocker]):
    """The service, with its refusal kept as blockers (shown as the checklist, not one sentence)."""
    try:
        return services.decision_record(
            actor=user, programme=programme, edition=form.cleaned_data["edition"], content=form.content()
        )
    except DecisionError as error:
        refused.extend(error.blockers)
        form.add_error(None, _("The decision was not recorded: see what stops it."))
        return None


def _checklist(user: User, programme: AuditProgramme, form: DecisionForm, refused: list[Blocker]) -> dict:
    """What is checked and what stops it: the service's refusal, or the preview (`blockers` None:
    nothing valid to check yet)."""
    target = form.target()
    if target is None:
        return {"blockers": refused or None, "refused": bool(refused)}
    edition, content = target
    checked = {
        "edition": edition,
        "kind": DecisionKind(content.kind).label,
        "outcome": DecisionOutcome(content.outcome).label,
        "decided_on": content.decided_on,
    }
    if refused:
        return {"checked": checked, "blockers": refused, "refused": True}
    blockers = services.decision_blockers(actor=user, programme=programme, edition=edition, content=content)
    return {"checked": checked, "blockers": blockers, "refused": False}


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _decidable(request, pk)
    form = _form(request, programme)
    refused: list[Blocker] = []
    recording = request.method == "POST" and "check" not in request.POST
    if recording and form.is_valid():
        decision = call_service(form, lambda: _record(request.user, programme, form, refused))
        if decision:
            messages.success(request, _decided_message(decision))
            return redirect(decision)
    context = {"programme": programme, "form": form, **_checklist(request.user, programme, form, refused)}
    return render(request, "certificates/decision_form.html", context)


def _decided_message(decision: Decision) -> str:
    if decision.is_grant and decision.certificate_id:
        return _(
            "The decision was recorded. Certificate %(number)s has a draft revision: check it and issue "
            "it on the certificate page."
        ) % {"number": decision.certificate.number}
    return _("The decision was recorded.")


@login_required
@require_GET
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(
        access.decisions_for(request.user).select_related("certificate", "transfer_review__reviewed_by"),
        pk=pk,
    )
    context = {
        "decision": decision,
        "programme": decision.programme,
        "audits": decision.audits.order_by("starts_on", "pk"),
        "revision": getattr(decision, "revision", None),
        "history": transitions_of(decision),
    }
    return render(request, "certificates/decision_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def transfer_review_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The programme's pre-transfer reviews; its certification managers record one (IAF MD 2)."""
    programme = _programme(request, pk)
    may_review = access.can_decide_programme(request.user, programme)
    if request.method == "POST" and not may_review:
        raise PermissionDenied(access.DECIDERS_ONLY)
    form = TransferReviewForm(request.POST or None, programme=programme) if may_review else None
    review = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: transfer_review_record(
                actor=request.user,
                programme=programme,
                edition=form.cleaned_data["edition"],
                details=form.details(),
            ),
        )
    )
    if review:
        messages.success(request, _("The pre-transfer review was recorded."))
        return redirect("certificates:transfer_review_add", programme.pk)
    reviews = (
        access.transfer_reviews_for(request.user)
        .filter(programme=programme)
        .select_related("reviewed_by", "decision")
    )
    context = {"programme": programme, "form": form, "reviews": reviews, "may_review": may_review}
    return render(request, "certificates/transfer_review_form.html", context)
