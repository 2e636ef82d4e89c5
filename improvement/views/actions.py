"""The action register's pages (HS 10.2, DOMAIN §13.3)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from core.transitions import transitions_of
from improvement import access


@login_required
@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(
        access.actions_for(request.user).select_related(
            "site", "clause__edition__standard", "follows", "reviewed_by", "created_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "improvement/actions/action_detail.html",
        {"action": action, "organisation": action.organisation, "history": transitions_of(action)},
    )
