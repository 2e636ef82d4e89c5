"""The inputs a management review must consider (HS 9.3.2, DOMAIN §13.2): those of the Harmonized
Structure, which every certifiable standard of the catalogue shares, then each covered standard's
own. A review's checklist is generated from here once, when it is planned (or when its editions
change while it is still planned); rule 41 then requires each input to be addressed.

Pure data and functions: no model, no query.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class InputSpec:
    key: str  # stable across reviews: "hs.previous_actions", "iso-9001.customer_satisfaction"
    label: str
    standard_code: str = ""  # empty: an HS input


HS_INPUTS = (
    InputSpec("hs.previous_actions", _("Status of actions from previous management reviews")),
    InputSpec(
        "hs.external_internal_issues", _("Changes in external and internal issues relevant to the system")
    ),
    InputSpec("hs.interested_parties", _("Changes in the needs and expectations of interested parties")),
    InputSpec(
        "hs.nonconformities",
        _("Nonconformities and corrective actions, and their trends"),
    ),
    InputSpec("hs.monitoring", _("Monitoring and measurement results")),
    InputSpec("hs.audit_results", _("Audit results (internal and external)")),
    InputSpec("hs.improvement", _("Opportunities for continual improvement")),
)

STANDARD_INPUTS: dict[str, tuple[InputSpec, ...]] = {
    "ISO 9001": (
        InputSpec(
            "iso-9001.customer_satisfaction", _("Customer satisfaction and feedback from interested parties")
        ),
        InputSpec("iso-9001.objectives", _("The extent to which quality objectives have been met")),
        InputSpec(
            "iso-9001.process_performance",
            _("Process performance and conformity of products and services"),
        ),
        InputSpec("iso-9001.external_providers", _("Performance of external providers")),
        InputSpec("iso-9001.resources", _("Adequacy of resources")),
        InputSpec("iso-9001.risks", _("Effectiveness of actions taken to address risks and opportunities")),
    ),
    "ISO 14001": (
        InputSpec("iso-14001.compliance", _("Fulfilment of compliance obligations")),
        InputSpec("iso-14001.aspects", _("Significant environmental aspects")),
        InputSpec("iso-14001.risks", _("Risks and opportunities")),
        InputSpec(
            "iso-14001.communications",
            _("Communications from interested parties, including complaints"),
        ),
    ),
    "ISO 45001": (
        InputSpec("iso-45001.incidents", _("Incidents, nonconformities and corrective actions")),
        InputSpec("iso-45001.consultation", _("Consultation and participation of workers")),
        InputSpec("iso-45001.legal", _("Fulfilment of legal requirements and other requirements")),
        InputSpec("iso-45001.hazards", _("Hazards, OH&S risks and opportunities")),
    ),
    "ISO/IEC 27001": (
        InputSpec("iso-iec-27001.performance", _("Feedback on information security performance")),
        InputSpec(
            "iso-iec-27001.risk_treatment",
            _("Results of risk assessment and status of the risk treatment plan"),
        ),
        InputSpec("iso-iec-27001.interested_parties", _("Feedback from interested parties")),
    ),
    "ISO 22301": (
        InputSpec("iso-22301.bia", _("Results of the business impact analysis and risk assessment")),
        InputSpec("iso-22301.exercises", _("Results of exercises and tests")),
        InputSpec("iso-22301.performance", _("Business continuity performance")),
    ),
}


def inputs_for(standard_codes: Iterable[str]) -> list[InputSpec]:
    """The HS inputs, then each standard's own in the order the codes are given (each once)."""
    specs = list(HS_INPUTS)
    for code in dict.fromkeys(standard_codes):
        specs.extend(STANDARD_INPUTS.get(code, ()))
    return specs
