"""The finding page, where the client answers a nonconformity and the CB reviews the answer
(DOMAIN §2.3, rules 20, 21), and the list of nonconformities waiting for either side."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audits import access
from audits.enums import FindingStatus, ReviewOutcome
from audits.finding_rules import status_label
from audits.forms.responses import ImplementationForm, ResponsePlanForm, ReviewForm, VerifyForm
from audits.models import Finding, FindingResponse
from audits.selectors import readiness
from audits.selectors import responses as selectors
from audits.services import responses as services
from core.forms import call_service
from core.listing import page_of, query_without
from core.submits import submit_once
from core.transitions import transitions_of
from improvement.forms.gap import EvidenceUploadForm
from organisations import access as tenancy

F = FindingStatus


def _finding(request: HttpRequest, pk: int) -> Finding:
    return get_object_or_404(selectors.findings_with_page(access.findings_for(request.user)), pk=pk)


def _roles(request: HttpRequest, finding: Finding) -> tuple[bool, bool]:
    """(answers for the client, reviews for the CB) on this finding: rule 21."""
    memberships = tenancy.request_memberships(request)
    organisation = finding.audit.programme.organisation
    responds = memberships.is_client and access.can_respond(request.user, organisation)
    reviews = memberships.is_cb_staff and access.can_review(request.user, finding.audit)
    return responds, reviews


def _responder_finding(request: HttpRequest, pk: int) -> Finding:
    finding = _finding(request, pk)
    if not access.can_respond(request.user, finding.audit.programme.organisation):
        raise PermissionDenied(access.RESPONDERS_ONLY)
    return finding


def _reviewer_finding(request: HttpRequest, pk: int) -> Finding:
    finding = _finding(request, pk)
    if not access.can_review(request.user, finding.audit):
        raise PermissionDenied(access.REVIEWERS_ONLY)
    return finding


def _response(finding: Finding, response_pk: int) -> FindingResponse:
    return get_object_or_404(finding.responses.all(), pk=response_pk)


def _page(request: HttpRequest, finding: Finding, **bound) -> HttpResponse:
    """The finding page, with the forms of whoever's turn it is (a bound one after a refusal)."""
    page = selectors.finding_page(finding, selectors.today())
    finding.overdue_since = page.overdue_since
    responds, reviews = _roles(request, finding)
    open_to_answers = finding.is_nc and finding.audit.is_reported
    client_turn = responds and open_to_answers
    review_turn = reviews and open_to_answers
    forms = {
        "plan_form": ResponsePlanForm()
        if client_turn and finding.status in (F.OPEN, F.PLAN_REJECTED)
        else None,
        "implementation_form": ImplementationForm()
        if client_turn and finding.status == F.PLAN_ACCEPTED
        else None,
        "file_form": EvidenceUploadForm() if client_turn and page.pending else None,
        "review_form": ReviewForm() if review_turn and page.pending else None,
        "verify_form": VerifyForm() if review_turn and finding.status == F.PLAN_ACCEPTED else None,
    }
    forms.update(bound)  # reached only by the side whose form it is
    context = {
        "finding": finding,
        "audit": finding.audit,
        "requirement": selectors.requirement_of(finding),
        "citation": readiness.citation_of(request.user, finding),
        "page": page,
        "responds": responds,
        "reviews": reviews,
        "status_label": status_label(finding.status, reported=finding.audit.is_reported, client=responds),
        "history": transitions_of(finding),
        **forms,
    }
    return render(request, "audits/responses/finding_detail.html", context)


@login_required
@require_GET
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _finding(request, pk))


def _done(request: HttpRequest, finding: Finding, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("audits:finding_detail", finding.pk)


@login_required
@require_POST
@submit_once
def finding_respond(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _responder_finding(request, pk)
    form = ResponsePlanForm(request.POST)
    if form.is_valid() and call_service(
        form, lambda: services.response_submit(actor=request.user, finding=finding, **form.cleaned_data)
    ):
        return _done(request, finding, _("Your answer was sent to the certification body for review."))
    return _page(request, finding, plan_form=form)


@login_required
@require_POST
@submit_once
def finding_implementation(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _responder_finding(request, pk)
    form = ImplementationForm(request.POST)
    if form.is_valid() and call_service(
        form, lambda: services.implementation_submit(actor=request.user, finding=finding, **form.cleaned_data)
    ):
        return _done(request, finding, _("The evidence of implementation was sent for verification."))
    return _page(request, finding, implementation_form=form)


@login_required
@require_POST
@submit_once
def finding_response_file(request: HttpRequest, pk: int, response_pk: int) -> HttpResponse:
    finding = _responder_finding(request, pk)
    response = _response(finding, response_pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if form.is_valid() and call_service(
        form,
        lambda: services.response_file_add(
            actor=request.user, response=response, upload=form.cleaned_data["file"]
        ),
    ):
        return _done(request, finding, _("The file was attached to your answer."))
    return _page(request, finding, file_form=form)


@login_required
@require_POST
def finding_review(request: HttpRequest, pk: int, response_pk: int) -> HttpResponse:
    finding = _reviewer_finding(request, pk)
    response = _response(finding, response_pk)
    form = ReviewForm(request.POST)
    reviewed = form.is_valid() and call_service(
        form,
        lambda: services.response_review(
            actor=request.user, response=response, accept=form.accepts, comment=form.cleaned_data["comment"]
        ),
    )
    if reviewed:
        done = (
            _("The answer was accepted.")
            if reviewed.outcome == ReviewOutcome.ACCEPTED
            else _("The answer was rejected.")
        )
        return _done(request, finding, f"{done} {_('The client was told.')}")
    return _page(request, finding, review_form=form)


@login_required
@require_POST
def finding_verify(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _reviewer_finding(request, pk)
    form = VerifyForm(request.POST)
    if form.is_valid() and call_service(
        form, lambda: services.finding_verify(actor=request.user, finding=finding, **form.cleaned_data)
    ):
        return _done(request, finding, _("The nonconformity is verified and closed. The client was told."))
    return _page(request, finding, verify_form=form)


AWAITING_PAGE, REVIEW_PAGE = "page", "review_page"


@login_required
@require_GET
def nc_list(request: HttpRequest) -> HttpResponse:
    """The client's nonconformities waiting for its answer, and the answers waiting for the
    user's review; each with its deadlines, overdue first (rule 20); 50 a page each."""
    day = selectors.today()
    memberships = tenancy.request_memberships(request)
    awaiting = to_review = None
    if memberships.is_client:
        awaiting = page_of(selectors.awaiting_client(request.user, day), request, param=AWAITING_PAGE)
        selectors.mark_overdue(awaiting, day)
    if memberships.is_cb_staff:
        to_review = page_of(selectors.to_review(request.user), request, param=REVIEW_PAGE)
        selectors.mark_overdue((response.finding for response in to_review), day)
    return render(
        request,
        "audits/responses/nc_list.html",
        {
            "awaiting": awaiting,
            "to_review": to_review,
            "awaiting_query": query_without(request, AWAITING_PAGE),
            "review_query": query_without(request, REVIEW_PAGE),
            "memberships": memberships,
            "today": day,
        },
    )
