"""Demo data for `make run`: the organisations' own management-system work (gap analyses).
Idempotent."""

import datetime

from django.db import transaction

from improvement.enums import AnswerStatus
from improvement.models import GapAnalysis
from improvement.services import gap as services
from organisations.models import Organisation, User
from standards.models import Edition

# (clause number or HS key, status, notes, action, due)
MINISTRY_ANSWERS = [
    ("4.1", AnswerStatus.CONFORMING, "Context analysis in the 2026 strategy, section 2.", "", None),
    (
        "4.2",
        AnswerStatus.PARTIAL,
        "Stakeholder list exists; citizens' expectations not yet surveyed.",
        "Run a citizen survey on digital services.",
        datetime.date(2027, 3, 31),
    ),
    ("4.3", AnswerStatus.CONFORMING, "Scope: digital public services and the data centre.", "", None),
    ("5.2.1", AnswerStatus.CONFORMING, "Quality policy signed by the Secretary-General.", "", None),
    (
        "6.1",
        AnswerStatus.NONCONFORMING,
        "No risk register for service delivery.",
        "Set up a risk register with owners per service.",
        datetime.date(2027, 1, 31),
    ),
    ("8.3.1", AnswerStatus.NOT_APPLICABLE, "", "", None),
    (
        "9.2",
        AnswerStatus.PARTIAL,
        "Internal audit programme drafted, no audit done yet.",
        "Train four internal auditors and audit two processes.",
        datetime.date(2027, 6, 30),
    ),
]


@transaction.atomic
def demo_load() -> None:
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    if not GapAnalysis.objects.filter(organisation=ministry).exists():
        _ministry_baseline(ministry)
    northfield = Organisation.objects.get(name="Northfield Municipality")
    if not GapAnalysis.objects.filter(organisation=northfield).exists():
        editions = [
            Edition.objects.get(standard__code=c, year=y)
            for c, y in (("ISO 9001", 2015), ("ISO 14001", 2015), ("ISO 45001", 2018))
        ]
        services.gap_analysis_start(
            actor=User.objects.get(email="qm@northfield.example"),
            organisation=northfield,
            title="Integrated management system 2026",
            editions=editions,
            sites=[],
        )


def _ministry_baseline(ministry: Organisation) -> None:
    qm = User.objects.get(email="qm@ministry.example")
    contributor = User.objects.get(email="contributor@ministry.example")
    analysis = services.gap_analysis_start(
        actor=qm,
        organisation=ministry,
        title="ISO 9001 baseline 2026",
        editions=[Edition.objects.get(standard__code="ISO 9001", year=2015)],
        sites=[],
    )
    for number, status, notes, action, due in MINISTRY_ANSWERS:
        answer = analysis.answers.get(clause__number=number)
        services.gap_answer_save(
            actor=contributor,
            answer=answer,
            status=status,
            notes=notes,
            justification="No design of services: they are defined by law."
            if status == AnswerStatus.NOT_APPLICABLE
            else "",
        )
        if action:  # into the organisation's register of actions
            services.gap_answer_action_raise(
                actor=contributor, answer=answer, title=action, owner=qm, due_on=due
            )
    services.gap_analysis_share(actor=qm, analysis=analysis, shared=True)
