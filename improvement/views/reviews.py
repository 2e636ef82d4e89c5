"""Management-review pages (HS 9.3, DOMAIN §13.2, rules 41 and 43): the organisation's reviews,
each with its attendees, its checklist of inputs, the inputs prepared from the records, its
decisions (noted, or turned into actions of the register), holding it and approving its minutes.
Only the organisation's members see any of it; quality managers plan and hold, contributors help
prepare."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import call_action, call_service
from core.submits import submit_once
from core.transitions import transitions_of
from core.views import document_subject
from improvement import access
from improvement.documents import REVIEW_MINUTES
from improvement.enums import ReviewStatus
from improvement.forms import reviews as forms
from improvement.forms.internal_audits import RequiredReasonForm
from improvement.models import ManagementReview, ReviewAttendee, ReviewInput, ReviewOutput
from improvement.selectors import reviews as selectors
from improvement.selectors.internal_audits import page_of
from improvement.services import reviews as services
from improvement.views.internal_audits import form_errors, organisation_of
from organisations.models import Organisation


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _planner(request: HttpRequest, organisation: Organisation) -> None:
    _require(access.can_plan_reviews(request.user, organisation), access.REVIEW_MANAGERS_ONLY)


def _writer(request: HttpRequest, organisation: Organisation) -> None:
    _require(access.can_prepare_review(request.user, organisation), access.REVIEW_WRITERS_ONLY)


def _review(request: HttpRequest, pk: int) -> ManagementReview:
    return get_object_or_404(access.reviews_for(request.user).select_related("created_by"), pk=pk)


def _context(request: HttpRequest, review: ManagementReview) -> dict:
    organisation = review.organisation
    return {
        "review": review,
        "organisation": organisation,
        "can_plan": access.can_plan_reviews(request.user, organisation),
        "can_prepare": access.can_prepare_review(request.user, organisation),
        "Status": ReviewStatus,
        "writable": review.status in services.WRITABLE_STATUSES,
    }


def _anchor(review: ManagementReview, anchor: str) -> str:
    return reverse("improvement:review_detail", args=[review.pk]) + f"#{anchor}"


@login_required
@require_GET
def review_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = organisation_of(request, org_pk)
    reviews = selectors.reviews_of(access.reviews_for(request.user).filter(organisation=organisation))
    return render(
        request,
        "improvement/reviews/review_list.html",
        {
            "organisation": organisation,
            "page_obj": page_of(reviews, request.GET.get("page")),
            "tab": "reviews",
            "can_write": access.can_plan_reviews(request.user, organisation),
        },
    )


def _values(form) -> dict:
    data = form.cleaned_data
    return {"title": data["title"], "editions": list(data["editions"]), "planned_on": data["planned_on"]}


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def review_new(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = organisation_of(request, org_pk)
    _planner(request, organisation)
    form = forms.ReviewCreateForm(request.POST or None)
    review = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.review_plan(actor=request.user, organisation=organisation, **_values(form)),
        )
    )
    if review:
        messages.success(
            request, _("Review %(ref)s was planned with its checklist of inputs.") % {"ref": review.reference}
        )
        return redirect(review)
    return render(
        request,
        "improvement/reviews/review_form.html",
        {"organisation": organisation, "form": form, "tab": "reviews", "review": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    _planner(request, review.organisation)
    initial = {
        "title": review.title,
        "editions": list(review.editions.all()),
        "planned_on": review.planned_on,
    }
    form = forms.ReviewForm(request.POST or None, initial=initial)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.review_update(actor=request.user, review=review, **_values(form))
        )
    )
    if saved:
        messages.success(request, _("The review was saved."))
        return redirect(review)
    return render(
        request,
        "improvement/reviews/review_form.html",
        {"organisation": review.organisation, "form": form, "tab": "reviews", "review": review},
    )


@login_required
@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    planned = review.status == ReviewStatus.PLANNED
    return render(
        request,
        "improvement/reviews/review_detail.html",
        {
            **_context(request, review),
            "editions": selectors.editions_of(review),
            "attendees": selectors.attendees_of(review),
            "inputs": selectors.inputs_of(review),
            "outputs": selectors.outputs_of(review),
            "prepared": selectors.shown_inputs(review),
            "hold_problems": services.hold_problems(review) if planned else [],
            "hold_form": forms.HoldForm(initial={"held_on": min(review.planned_on, timezone.localdate())}),
            "output_form": forms.OutputForm(),
            "cancel_form": RequiredReasonForm(),
            "history": transitions_of(review),
        },
    )


# --- Attendees -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def review_attendee_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    _planner(request, review.organisation)
    form = forms.AttendeeForm(request.POST or None, organisation=review.organisation)
    attendee = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.review_attendee_add(actor=request.user, review=review, **form.cleaned_data)
        )
    )
    if attendee:
        messages.success(
            request, _("%(name)s attends %(ref)s.") % {"name": attendee, "ref": review.reference}
        )
        return redirect(_anchor(review, "attendees-heading"))
    return render(
        request, "improvement/reviews/attendee_form.html", {**_context(request, review), "form": form}
    )


@login_required
@require_POST
def review_attendee_remove(request: HttpRequest, pk: int, attendee_pk: int) -> HttpResponse:
    review = _review(request, pk)
    _planner(request, review.organisation)
    attendee = get_object_or_404(ReviewAttendee.objects.select_related("user"), pk=attendee_pk, review=review)
    call_action(
        request,
        lambda: services.review_attendee_remove(actor=request.user, attendee=attendee),
        _("%(name)s no longer attends %(ref)s.") % {"name": attendee, "ref": review.reference},
    )
    return redirect(_anchor(review, "attendees-heading"))


# --- Inputs --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review_input(request: HttpRequest, pk: int) -> HttpResponse:
    """One input of the checklist: its form (GET) and saving it (POST)."""
    row = get_object_or_404(
        ReviewInput.objects.select_related("review__organisation").filter(
            review__in=access.reviews_for(request.user)
        ),
        pk=pk,
    )
    review = row.review
    _writer(request, review.organisation)
    initial = {
        "answer": row.answer,
        "not_applicable": row.not_applicable,
        "not_applicable_reason": row.not_applicable_reason,
    }
    form = forms.InputForm(request.POST or None, initial=initial)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.review_input_answer(actor=request.user, review_input=row, **form.cleaned_data),
        )
    )
    if saved:
        messages.success(request, _("Input saved: %(label)s") % {"label": row.label})
        return redirect(_anchor(review, f"input-{row.pk}"))
    return render(
        request,
        "improvement/reviews/input_form.html",
        {**_context(request, review), "form": form, "input": row},
    )


# --- Holding, minutes, cancelling ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review_hold(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    _planner(request, review.organisation)
    form = forms.HoldForm(
        request.POST or None, initial={"held_on": min(review.planned_on, timezone.localdate())}
    )
    held = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.review_hold(actor=request.user, review=review, **form.cleaned_data)
        )
    )
    if held:
        messages.success(
            request, _("Review %(ref)s is held; what the records said is kept.") % {"ref": review.reference}
        )
        return redirect(review)
    problems = services.hold_problems(review) if review.status == ReviewStatus.PLANNED else []
    return render(
        request,
        "improvement/reviews/hold_form.html",
        {**_context(request, review), "form": form, "hold_problems": problems},
    )


@login_required
@require_POST
def review_minutes_approve(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    _planner(request, review.organisation)
    call_action(
        request,
        lambda: services.review_minutes_approve(actor=request.user, review=review),
        _("The minutes are approved; the review no longer changes."),
    )
    return redirect(review)


@login_required
@require_POST
def review_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    _planner(request, review.organisation)
    form = RequiredReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        call_action(
            request,
            lambda: services.review_cancel(
                actor=request.user, review=review, reason=form.cleaned_data["reason"]
            ),
            _("The review was cancelled."),
        )
    return redirect(review)


# --- Decisions -----------------------------------------------------------------------------------


def _output(request: HttpRequest, pk: int) -> ReviewOutput:
    outputs = ReviewOutput.objects.select_related("review__organisation", "action").filter(
        review__in=access.reviews_for(request.user)
    )
    return get_object_or_404(outputs, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def review_output_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    _writer(request, review.organisation)
    form = forms.OutputForm(request.POST or None)
    output = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.review_output_add(actor=request.user, review=review, **form.cleaned_data)
        )
    )
    if output:
        messages.success(request, _("Decision %(ref)s was noted.") % {"ref": output.reference})
        return redirect(_anchor(review, f"output-{output.pk}"))
    return render(
        request, "improvement/reviews/output_form.html", {**_context(request, review), "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def review_output_action(request: HttpRequest, pk: int) -> HttpResponse:
    output = _output(request, pk)
    review = output.review
    _planner(request, review.organisation)
    form = forms.OutputActionForm(
        request.POST or None,
        organisation=review.organisation,
        initial={"title": output.decision[:200].splitlines()[0]},
    )
    action = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.review_output_action_raise(
                actor=request.user, output=output, **form.cleaned_data
            ),
        )
    )
    if action:
        messages.success(
            request,
            _("Decision %(ref)s became action %(action)s in the register.")
            % {"ref": output.reference, "action": action.reference},
        )
        return redirect(_anchor(review, f"output-{output.pk}"))
    return render(
        request,
        "improvement/reviews/output_action_form.html",
        {**_context(request, review), "form": form, "output": output},
    )


@login_required
@require_POST
def review_output_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    output = _output(request, pk)
    review = output.review
    _writer(request, review.organisation)
    call_action(
        request,
        lambda: services.review_output_withdraw(actor=request.user, output=output),
        _("Decision %(ref)s was withdrawn.") % {"ref": output.reference},
    )
    return redirect(_anchor(review, f"output-{output.pk}"))


@login_required
@require_GET
def review_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as PDF, rendered off the request path (core.documents)."""
    return document_subject(request, kind=REVIEW_MINUTES, object_id=pk)
