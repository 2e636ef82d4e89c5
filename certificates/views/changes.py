"""The client's change notifications and the CB's reviews of them (DOMAIN §1.9, rule 38).

The list is a tab of the organisation's page: its members and the staff of the CBs serving it see
it (each CB its own reviews). The organisation's quality managers notify a change (others who see
it get 403). A review is the CB's: its staff read it, its certification managers decide it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from certificates import access
from certificates.forms.changes import ChangeNotificationForm, ChangeReviewForm
from certificates.models import ChangeReview
from certificates.selectors import changes as selectors
from certificates.services import changes as services
from core.forms import call_service
from core.submits import submit_once
from core.transitions import transitions_of
from organisations import access as tenancy
from organisations.models import Organisation

PAGE_SIZE = 50


def _organisation(request: HttpRequest, pk: int) -> Organisation:
    return get_object_or_404(tenancy.organisations_for(request.user), pk=pk)


def _review(request: HttpRequest, pk: int) -> ChangeReview:
    return get_object_or_404(access.change_reviews_for(request.user), pk=pk)


@login_required
@require_GET
def change_list(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    notifications = selectors.notifications_of(request.user, organisation)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organisation": organisation,
        "tab": "changes",
        "page": page,
        "can_notify": access.can_notify_change(request.user, organisation),
        "reviewing_bodies": set(tenancy.cb_ids(request.user).values_list("certification_body_id", flat=True)),
    }
    return render(request, "certificates/changes/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def change_submit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    if not access.can_notify_change(request.user, organisation):
        raise PermissionDenied(access.CHANGE_NOTIFIERS_ONLY)
    form = ChangeNotificationForm(request.POST or None, organisation=organisation)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.change_notify(
                actor=request.user,
                organisation=organisation,
                content=form.content(),
                site=form.cleaned_data["site"],
            ),
        )
    ):
        messages.success(request, _("The change was notified to the certification bodies serving you."))
        return redirect("certificates:change_list", pk=organisation.pk)
    context = {"organisation": organisation, "tab": "changes", "form": form}
    return render(request, "certificates/changes/submit.html", context)


@login_required
@require_GET
def change_review(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    notification = review.notification
    history = sorted([*transitions_of(notification), *transitions_of(review)], key=lambda t: (t.at, t.pk))
    context = {
        "review": review,
        "notification": notification,
        "history": history,
        "decides": review.is_open and access.can_review_change(request.user, review),
    }
    return render(request, "certificates/changes/review.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def change_review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    if not access.can_review_change(request.user, review):
        raise PermissionDenied(access.CHANGE_REVIEWERS_ONLY)
    form = ChangeReviewForm(request.POST or None, review=review)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.change_review_decide(
                actor=request.user,
                review=review,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                special=form.special(),
                revision=form.revision(),
            ),
        )
    ):
        messages.success(request, _("The review is recorded; the client sees its outcome."))
        return redirect(review)
    context = {"review": review, "notification": review.notification, "form": form}
    return render(request, "certificates/changes/decide.html", context)
