"""The calendar reads what a user may see through ids read once (`audits.access.reach_of`): the
same audits, findings and certificates as the querysets every other page uses, for every persona."""

import pytest

from audits import access as audit_access
from audits.models import Audit, Finding
from certificates import access as certificate_access
from certificates.models import Certificate
from tests.test_url_access import SIGNED_IN, w  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", [*SIGNED_IN, "nobody"])
def test_the_reach_sees_what_the_access_querysets_see(w, persona, django_assert_max_num_queries):  # noqa: F811
    user = getattr(w, persona)
    with django_assert_max_num_queries(1):
        reach = audit_access.reach_of(user)
    audits = set(Audit.objects.filter(reach.audits_q()).values_list("pk", flat=True))
    assert audits == set(audit_access.audits_for(user).values_list("pk", flat=True))
    findings = set(Finding.objects.filter(reach.audits_q("audit__")).values_list("pk", flat=True))
    assert findings == set(audit_access.findings_for(user).values_list("pk", flat=True))
    certificates = set(
        Certificate.objects.filter(certificate_access.certificates_q(reach)).values_list("pk", flat=True)
    )
    assert certificates == set(certificate_access.certificates_for(user).values_list("pk", flat=True))


def test_the_signed_out_reach_nothing(w):  # noqa: F811
    from django.contrib.auth.models import AnonymousUser

    reach = audit_access.reach_of(AnonymousUser())
    assert not Audit.objects.filter(reach.audits_q()).exists()
    assert not Certificate.objects.filter(certificate_access.certificates_q(reach)).exists()


def test_a_deactivated_membership_no_longer_reaches(w):  # noqa: F811
    w.cert_manager.cb_memberships.update(is_active=False)
    reach = audit_access.reach_of(w.cert_manager)
    assert reach.bodies == frozenset() and not Audit.objects.filter(reach.audits_q()).exists()
