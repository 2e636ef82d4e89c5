"""Authentication: Django's model backend, reading the user's memberships along with the user.

Every page's navigation asks whether the user belongs to an organisation and to a CB
(`access.memberships_of`); reading both with the user on each request saves a query per page. The
idle timeout of a CB's staff (`organisations.middleware`) comes the same way.
"""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, Min, OuterRef, Subquery

from organisations.models import CBMembership, OrganisationMembership, User


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        user = (
            User.objects.annotate(
                has_client_membership=Exists(
                    OrganisationMembership.objects.filter(user=OuterRef("pk"), is_active=True)
                ),
                has_cb_membership=Exists(CBMembership.objects.filter(user=OuterRef("pk"), is_active=True)),
                session_idle_minutes=Subquery(
                    CBMembership.objects.filter(user=OuterRef("pk"), is_active=True)
                    .order_by()
                    .values("user")
                    .annotate(shortest=Min("certification_body__session_idle_minutes"))
                    .values("shortest")
                ),
            )
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
