"""Internal-audit records for a world (tests/conftest.py `world`), shared by the tests of this part
and the project-wide sweeps (URL access, bounds, create forms)."""

import datetime

from improvement.services import internal_audits as services
from improvement.services import processes as process_services

START = datetime.date(2027, 1, 1)


def internal_audit_records(world, edition, suffix: str = "a") -> dict:
    """For organisation `suffix` (a or b): a process, a training, a programme, an audit in progress
    with an auditor, its checklist and a minor nonconformity (with its action)."""
    org = getattr(world, f"org_{suffix}")
    qm = getattr(world, f"qm_{suffix}")
    site = getattr(world, f"site_{suffix}")
    process = process_services.process_create(
        actor=qm, organisation=org, name=f"Procurement {suffix}", owner=qm, sites=[site]
    )
    training = process_services.auditor_training_add(
        actor=qm,
        membership=qm.organisation_memberships.get(organisation=org),
        standard=edition.standard,
        course="ISO 19011 course",
        completed_on=datetime.date(2025, 5, 1),
    )
    programme = services.internal_programme_create(
        actor=qm,
        organisation=org,
        title=f"Programme {suffix}",
        editions=[edition],
        starts_on=START,
        ends_on=datetime.date(2027, 12, 31),
    )
    clauses = list(edition.clauses.filter(assessable=True))
    audit = services.internal_audit_create(
        actor=qm,
        programme=programme,
        title=f"Audit {suffix}",
        starts_on=datetime.date(2027, 3, 1),
        ends_on=datetime.date(2027, 3, 2),
        clauses=clauses,
        sites=[site],
    )
    auditor, _warnings = services.internal_auditor_add(actor=qm, audit=audit, user=qm, is_lead=True)
    services.internal_audit_start(actor=qm, audit=audit)
    finding = services.internal_finding_raise(
        actor=qm,
        audit=audit,
        grade="minor",
        clause=clauses[0],
        title=f"Finding {suffix}",
        statement="Missing",
    )
    planned = services.internal_audit_create(
        actor=qm,
        programme=programme,
        title=f"Planned {suffix}",
        starts_on=datetime.date(2027, 6, 1),
        ends_on=datetime.date(2027, 6, 1),
        clauses=clauses,
    )
    return {
        "process": process,
        "training": training,
        "internal_programme": programme,
        "internal_audit": audit,
        "internal_auditor": auditor,
        "checklist_item": audit.checklist.first(),
        "internal_finding": finding,
        "planned_internal_audit": planned,
    }


def ia_of(world) -> dict:
    """The records of organisation A, made once per world (the sweeps' lambdas call this)."""
    if not hasattr(world, "internal_audit_records"):
        world.internal_audit_records = internal_audit_records(world, world.edition)
    return world.internal_audit_records
