import pytest

from improvement.services import gap as services
from tests.audits.conftest import ems as ems  # the ISO 14001:2015 fixture
from tests.audits.conftest import qms as qms  # the ISO 9001:2015 fixture


@pytest.fixture
def analysis(world, qms):
    return services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="QMS baseline", editions=[qms], sites=[]
    )


@pytest.fixture
def integrated(world, qms, ems):
    return services.gap_analysis_start(
        actor=world.qm_a,
        organisation=world.org_a,
        title="QMS + EMS",
        editions=[qms, ems],
        sites=[world.site_a],
    )
