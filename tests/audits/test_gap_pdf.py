import pytest

from audits.pdf import render_gap_analysis_pdf
from audits.services import gap as services
from tests.core.test_pdf import pdf_text

pytestmark = pytest.mark.django_db


def test_gap_analysis_pdf_contains_answers_readiness_and_actions(world, integrated):
    shared = integrated.answers.get(hs_key="HS-9.2")
    services.gap_answer_save(
        actor=world.qm_a,
        answer=shared,
        status="partial",
        notes="Audit programme drafted",
        action="Train auditors",
        action_owner=world.viewer_a,
    )
    services.gap_answer_save(
        actor=world.qm_a,
        answer=integrated.answers.get(clause__number="8.3"),
        status="not_applicable",
        justification="No design work",
    )
    pdf = render_gap_analysis_pdf(integrated)
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF")
    for expected in (
        "QMS + EMS",
        "Organisation A",
        "Readiness",
        "Combined",
        "Audit programme drafted",
        "Train auditors",
        "No design work",
        "Partially conforming",
        "Not applicable",
        "HS-9.2",
    ):
        assert expected in text, expected
