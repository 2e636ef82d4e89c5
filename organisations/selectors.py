from django.db.models import Count, Prefetch, Q, QuerySet

from organisations.models import CBMembership, CertificationBody, ClientEngagement, OrganisationMembership


def memberships_of(user) -> QuerySet[OrganisationMembership]:
    """The user's own active memberships, with their organisation's active site count."""
    return (
        OrganisationMembership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .annotate(site_count=Count("organisation__sites", filter=Q(organisation__sites__is_active=True)))
        .order_by("organisation__name")
    )


def certification_bodies_of(user) -> QuerySet[CertificationBody]:
    """The CBs the user works for, each with the user's roles and its open client engagements."""
    own = CBMembership.objects.filter(user=user, is_active=True).values("certification_body_id")
    return CertificationBody.objects.filter(pk__in=own).prefetch_related(
        Prefetch(
            "memberships", queryset=CBMembership.objects.filter(user=user, is_active=True), to_attr="my_roles"
        ),
        Prefetch(
            "engagements",
            queryset=ClientEngagement.objects.filter(ended_on__isnull=True)
            .select_related("organisation")
            .order_by("organisation__name"),
            to_attr="open_engagements",
        ),
    )
