"""Which editions have a Statement of Applicability, which clauses are its controls, and how a gap
analysis answer drafts a control (ISO/IEC 27001:2022 6.1.3 d, DOMAIN §13.4). Plain rules over
plain values; the one place that says so (the certificate PDF and the readiness list read it)."""

from django.db.models import QuerySet

from improvement.enums import AnswerStatus, Implementation
from standards.models import Clause, Edition

# The standards whose editions keep a Statement of Applicability (their Annex A controls)
SOA_STANDARD_CODES = ("ISO/IEC 27001",)
CONTROL_PREFIX = "A."

# A gap answer's status → the control's implementation (not applicable and not assessed aside)
IMPLEMENTATION_OF_ANSWER = {
    AnswerStatus.CONFORMING: Implementation.IMPLEMENTED,
    AnswerStatus.PARTIAL: Implementation.PARTLY,
    AnswerStatus.NONCONFORMING: Implementation.NOT_IMPLEMENTED,
}


def has_soa(edition: Edition) -> bool:
    return edition.standard.code in SOA_STANDARD_CODES


def controls_of(edition: Edition) -> QuerySet[Clause]:
    """The Annex A controls: the assessable clauses numbered "A.…" (93 in 27001:2022)."""
    return Clause.objects.filter(
        edition=edition, number__startswith=CONTROL_PREFIX, assessable=True
    ).order_by("position")


def control_from_answer(status: str, justification: str, notes: str) -> dict:
    """A control's first values from the gap answer of its clause: not applicable keeps the answer's
    justification; an assessed answer makes the control applicable with its implementation; not
    assessed leaves it undecided. The answer's notes justify it where nothing else does."""
    if status == AnswerStatus.NOT_APPLICABLE:
        return {"applicable": False, "justification": justification or notes, "implementation": ""}
    implementation = IMPLEMENTATION_OF_ANSWER.get(status)
    return {
        "applicable": None if implementation is None else True,
        "justification": justification or notes,
        "implementation": implementation or "",
    }
