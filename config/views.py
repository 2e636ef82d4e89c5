"""Pages that gather what several apps own: the role-aware dashboard."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audits.selectors import responses as response_selectors
from certificates.selectors import status as certificate_status
from organisations import selectors as organisation_selectors


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    bodies = list(organisation_selectors.certification_bodies_of(user))
    today = timezone.localdate()
    memberships = organisation_selectors.memberships_of(user)
    context = {
        "memberships": memberships,
        "certification_bodies": bodies,
        "work": response_selectors.dashboard_for(user),
        "certification": certificate_status.dashboard_status(user, bodies=bodies, today=today),
    }
    return render(request, "dashboard.html", context)
