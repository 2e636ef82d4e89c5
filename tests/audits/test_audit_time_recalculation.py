"""Audit time is computed from the tables and the CB's policy whenever it is read; what people
planned from it follows only through an explicit, logged recalculation."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from audits.enums import AuditKind
from audits.selectors.programme_checks import programme_problems
from audits.selectors.programmes import time_sheet
from audits.services import audits as audit_services
from audits.services import programmes as services
from core.errors import NotAllowed
from core.models import Transition
from standards.services import audit_time_table_load
from standards.time_tables import Row
from tests.audits.test_programme_services import audits_of, open_programme, scope

# A CB's own QMS table, read for 40 people: 6 days where IAF MD 5 gives 4.
STRICTER_QMS = [Row("all", 1, 25, D(3)), Row("all", 26, 100, D(6)), Row("all", 101, 20000, D(12))]


def _planned(programme) -> dict[str, D]:
    return {kind: audit.planned_days for kind, audit in audits_of(programme).items()}


def test_a_new_table_changes_the_list_the_page_and_the_checks(client, world, qms):
    programme = open_programme(world, [qms])
    assert all("suggested" not in problem for problem in programme_problems(programme))

    audit_time_table_load(
        standard=qms.standard, title="CB table QMS", source="P-12 rev. 4", rows=STRICTER_QMS
    )

    assert time_sheet(programme).initial_days == D("6.0")
    client.force_login(world.cert_manager)
    listed = client.get(reverse("audits:programme_list")).content.decode()
    assert ">6.0<" in listed
    page = client.get(programme.get_absolute_url()).content.decode()
    assert "6.0 days" in page and "1.5 suggested" in page and "Plan the suggested times" in page
    problems = programme_problems(programme)
    assert "Stage 1: 1.0 days planned, 1.5 suggested; justify the difference." in problems
    assert "Stage 2: 3.0 days planned, 4.5 suggested; justify the difference." in problems
    assert _planned(programme)[AuditKind.STAGE1] == D("1.0")  # nobody's plan changed behind their back


def test_a_change_of_the_cbs_stage_split_changes_the_suggestions(world, qms):
    programme = open_programme(world, [qms])
    world.cb.stage1_time_share_percent = 50
    world.cb.save(update_fields=["stage1_time_share_percent"])
    programme.refresh_from_db()

    sheet = time_sheet(programme)
    assert (sheet.suggested_days(AuditKind.STAGE1), sheet.suggested_days(AuditKind.STAGE2)) == (
        D("2.0"),
        D("2.0"),
    )
    assert "Stage 1: 1.0 days planned, 2.0 suggested; justify the difference." in programme_problems(
        programme
    )


def test_applying_the_suggestions_replans_unjustified_audits_and_logs_each_change(world, qms):
    programme = open_programme(world, [qms])
    s1 = audits_of(programme)[AuditKind.SURVEILLANCE_1]
    audit_services.audit_plan(
        actor=world.cert_manager,
        audit=s1,
        starts_on=s1.starts_on,
        ends_on=s1.ends_on,
        planned_days=D("2.0"),
        on_site_days=D("2.0"),
        days_justification="Two buildings to visit",
        short_notice=False,
    )
    audit_time_table_load(
        standard=qms.standard, title="CB table QMS", source="P-12 rev. 4", rows=STRICTER_QMS
    )

    changed = services.programme_times_apply(actor=world.cert_manager, programme=programme)

    planned = _planned(programme)
    assert {a.kind for a in changed} == {
        AuditKind.STAGE1,
        AuditKind.STAGE2,
        AuditKind.SURVEILLANCE_2,
        AuditKind.RECERTIFICATION,
    }
    assert planned == {
        AuditKind.STAGE1: D("1.5"),
        AuditKind.STAGE2: D("4.5"),
        AuditKind.SURVEILLANCE_1: D("2.0"),  # justified: kept
        AuditKind.SURVEILLANCE_2: D("2.0"),
        AuditKind.RECERTIFICATION: D("4.0"),
    }
    log = Transition.objects.get(field="planned_days", object_id=audits_of(programme)[AuditKind.STAGE2].pk)
    assert (log.from_state, log.to_state, log.actor) == ("3.0", "4.5", world.cert_manager)
    assert log.reason == "The suggested audit times were applied."
    assert all("suggested" not in problem for problem in programme_problems(programme))
    assert services.programme_times_apply(actor=world.cert_manager, programme=programme) == []  # idempotent


def test_a_scope_change_replans_the_unjustified_audits(world, qms):
    programme = open_programme(world, [qms])
    programme = services.programme_update(
        actor=world.cert_manager,
        programme=programme,
        scope=scope(headcount=120, effective_personnel=120),
        sites=[world.site_a],
        iaf_codes=[],
    )
    assert time_sheet(programme).initial_days == D("7.0")  # 86–125 people in IAF MD 5 QMS 1
    assert _planned(programme)[AuditKind.STAGE1] == D("2.0")
    assert (
        Transition.objects.filter(field="planned_days", reason="The programme's scope changed.").count() == 5
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("cert_manager", 302), ("auditor", 404), ("qm_a", 403), ("qm_b", 404), ("other_cb_manager", 404)],
)
def test_apply_times_permission_matrix(client, world, qms, persona, status):
    programme = open_programme(world, [qms])
    audit_time_table_load(
        standard=qms.standard, title="CB table QMS", source="P-12 rev. 4", rows=STRICTER_QMS
    )
    client.force_login(getattr(world, persona))
    response = client.post(reverse("audits:programme_times_apply", args=[programme.pk]))
    assert response.status_code == status
    assert _planned(programme)[AuditKind.STAGE2] == (D("4.5") if status == 302 else D("3.0"))


def test_the_service_refuses_someone_who_does_not_plan(world, qms):
    programme = open_programme(world, [qms])
    with pytest.raises(NotAllowed, match="certification managers"):
        services.programme_times_apply(actor=world.auditor, programme=programme)
