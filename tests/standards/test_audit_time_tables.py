from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from standards.models import AuditTimeTable
from standards.selectors import time_table_for
from standards.services import audit_time_table_load
from standards.time_tables import Row, table_problems
from tests import factories

D = Decimal


@pytest.mark.parametrize(
    ("rows", "problems"),
    [
        ([Row("all", 1, 5, D("1.5")), Row("all", 6, 10, D(2))], []),
        ([], ["The table has no rows."]),
        ([Row("all", 2, 5, D("1.5"))], ["Column 'all': a gap before the band starting at 2."]),
        (
            [Row("all", 1, 5, D("1.5")), Row("all", 5, 10, D(2))],
            ["Column 'all': an overlap before the band starting at 5."],
        ),
        ([Row("all", 1, 5, D("1.3"))], ["Column 'all', 1–5: days in half days."]),
        (
            [Row("high", 1, 5, D(3)), Row("low", 1, 6, D(2))],
            ["Column 'low' has other bands than column 'high'."],
        ),
    ],
)
def test_table_problems(rows, problems):
    assert table_problems(rows) == problems


def _csv(tmp_path, text: str):
    path = tmp_path / "table.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_command_loads_and_replaces_a_table_that_then_serves_its_standard(db, tmp_path):
    edition = factories.EditionFactory(standard__code="ISO 22301")
    good = _csv(tmp_path, "complexity,personnel_min,personnel_max,days\nall,1,25,2.5\nall,26,100,4.5\n")
    call_command(
        "load_audit_time_table", good, standard="iso 22301", title="BCMS", source="P-12", stdout=StringIO()
    )
    table = time_table_for(edition.standard_id)
    assert (table.title, table.days(40, "all")) == ("BCMS", D("4.5"))
    call_command(
        "load_audit_time_table", good, standard="ISO 22301", title="BCMS 2", source="P-12", stdout=StringIO()
    )
    assert AuditTimeTable.objects.get().rows.count() == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("people,days\n1,2\n", "the header must be"),
        ("complexity,personnel_min,personnel_max,days\nall,one,5,2\n", "line 2"),
        ("complexity,personnel_min,personnel_max,days\nall,3,5,2\n", "a gap before the band starting at 3"),
    ],
)
def test_the_command_refuses_bad_files_and_loads_nothing(db, tmp_path, text, message):
    factories.EditionFactory(standard__code="ISO 22301")
    with pytest.raises(CommandError, match=message):
        call_command(
            "load_audit_time_table",
            _csv(tmp_path, text),
            standard="ISO 22301",
            title="t",
            source="s",
            stdout=StringIO(),
        )
    assert not AuditTimeTable.objects.exists()


def test_the_admin_refuses_an_incomplete_table(admin_client, db):
    standard = factories.StandardFactory(code="ISO 56001")
    response = admin_client.post(
        "/admin/standards/audittimetable/add/",
        {
            "standard": standard.pk,
            "title": "IMS",
            "source": "CB",
            "notes": "",
            "rows-TOTAL_FORMS": "2",
            "rows-INITIAL_FORMS": "0",
            "rows-0-complexity": "all",
            "rows-0-personnel_min": "1",
            "rows-0-personnel_max": "10",
            "rows-0-days": "2",
            "rows-1-complexity": "all",
            "rows-1-personnel_min": "20",
            "rows-1-personnel_max": "30",
            "rows-1-days": "3",
        },
    )
    assert response.status_code == 200
    assert "a gap before the band starting at 20" in response.content.decode()
    assert not AuditTimeTable.objects.exists()


def test_a_table_edited_in_the_admin_is_read_anew(db, admin_client):
    """Tables are cached per version: saving the table (as the admin does) gives a new one."""
    edition = factories.EditionFactory(standard__code="ISO 22301")
    table = audit_time_table_load(
        standard=edition.standard, title="BCMS", source="P-12", rows=[Row("all", 1, 100, D("2.5"))]
    )
    assert time_table_for(edition.standard_id).days(10, "all") == D("2.5")
    row = table.rows.get()
    response = admin_client.post(
        reverse("admin:standards_audittimetable_change", args=[table.pk]),
        {
            "standard": edition.standard_id,
            "title": "BCMS",
            "source": "P-12 rev. 2",
            "notes": "",
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "1",
            "rows-MIN_NUM_FORMS": "0",
            "rows-MAX_NUM_FORMS": "1000",
            "rows-0-id": row.pk,
            "rows-0-table": table.pk,
            "rows-0-complexity": "all",
            "rows-0-personnel_min": "1",
            "rows-0-personnel_max": "100",
            "rows-0-days": "3.5",
        },
    )
    assert response.status_code == 302
    assert time_table_for(edition.standard_id).days(10, "all") == D("3.5")
