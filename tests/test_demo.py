from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audits.models import GapAnalysis
from organisations import access
from organisations.models import AuditorQualification, CertificationBody, Organisation, Site, User
from standards.models import Clause

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (User, Organisation, Site, CertificationBody, AuditorQualification, Clause)
    )


def test_load_demo_twice_creates_once_and_prints_logins():
    out = StringIO()
    call_command("load_demo", force=True, stdout=out)
    first = _counts()
    call_command("load_demo", force=True, stdout=StringIO())
    assert _counts() == first
    assert first[:5] == (9, 2, 6, 1, 9)
    text = out.getvalue()
    assert "demo-password-2026" in text and "qm@ministry.example" in text and "manager@certa.example" in text


def test_demo_personas_see_what_they_should():
    call_command("load_demo", force=True, stdout=StringIO())
    ministry_qm = User.objects.get(email="qm@ministry.example")
    auditor = User.objects.get(email="auditor@certa.example")
    assert [o.name for o in access.organisations_for(ministry_qm)] == ["Ministry of Digital Affairs"]
    assert access.organisations_for(auditor).count() == 2
    assert (
        User.objects.get(email="lead@certa.example").qualifications.filter(is_lead_auditor=True).count() == 2
    )
    assert ministry_qm.check_password("demo-password-2026")
    baseline = GapAnalysis.objects.get(title="ISO 9001 baseline 2026")
    assert baseline.shared_with_cb and baseline.answers.exclude(status="not_assessed").count() == 7
    integrated = GapAnalysis.objects.get(title="Integrated management system 2026")
    assert integrated.editions.count() == 3 and integrated.answers.exclude(hs_key="").exists()


def test_load_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refusing with DEBUG off"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.exists()
