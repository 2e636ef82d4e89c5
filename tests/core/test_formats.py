"""Dates read the European way everywhere ("23 Nov 2026", short ISO), never the US "11/23/2026"."""

import datetime

import pytest
from django import forms
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audits.mail import send_team_notice_mail
from tests import factories, test_url_access

pytestmark = pytest.mark.django_db
w = test_url_access.w  # the fixture with a gap analysis and a planned audit for organisation A

NOV_23 = datetime.date(2026, 11, 23)
NEW_YEARS_EVE = datetime.datetime(2026, 12, 31, 17, 5, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("value", "format_name", "expected"),
    [
        (NOV_23, "DATE_FORMAT", "23 Nov 2026"),
        (NOV_23, "SHORT_DATE_FORMAT", "2026-11-23"),
        (datetime.date(2028, 2, 29), "DATE_FORMAT", "29 Feb 2028"),
        (NEW_YEARS_EVE, "DATETIME_FORMAT", "31 Dec 2026, 17:05"),
        (NEW_YEARS_EVE, "SHORT_DATETIME_FORMAT", "2026-12-31 17:05"),
        (NOV_23, "YEAR_MONTH_FORMAT", "November 2026"),
    ],
)
def test_project_date_formats(value, format_name, expected):
    assert date_format(value, format_name) == expected


def test_page_shows_dates_day_month_year(client, world):
    edition = factories.EditionFactory(published_on=NOV_23, transition_end_on=datetime.date(2029, 1, 5))
    client.force_login(world.qm_a)
    response = client.get(
        reverse("standards:edition_detail", kwargs={"slug": edition.standard.slug, "year": edition.year})
    )
    page = response.content.decode()
    assert "23 Nov 2026" in page and "5 Jan 2029" in page
    assert "11/23/2026" not in page and "Nov. 23, 2026" not in page


def test_list_shows_short_dates_in_iso(client, w):
    client.force_login(w.qm_a)
    response = client.get(reverse("improvement:gap_list", kwargs={"org_pk": w.org_a.pk}))
    assert f">{timezone.localdate().isoformat()}</td>" in response.content.decode()


def test_email_shows_dates_day_month_year(w):
    w.audit_a.starts_on, w.audit_a.ends_on = NOV_23, datetime.date(2026, 11, 24)
    w.audit_a.save(update_fields=["starts_on", "ends_on"])
    mail.outbox.clear()  # the world's invitation was e-mailed as it was made
    send_team_notice_mail(audit=w.audit_a)
    [notice] = mail.outbox
    assert "from 23 Nov 2026 to 24 Nov 2026" in notice.body


def test_admin_lists_dates_day_month_year_and_edits_them_in_iso(client):
    edition = factories.EditionFactory(published_on=NOV_23)
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    changelist = client.get(reverse("admin:standards_edition_changelist"))
    change = client.get(reverse("admin:standards_edition_change", args=[edition.pk]))
    assert "23 Nov 2026" in changelist.content.decode()
    assert 'value="2026-11-23"' in change.content.decode()


def test_date_input_renders_iso():
    widget = forms.DateInput(attrs={"type": "date"})
    assert 'value="2026-11-23"' in widget.render("on", NOV_23)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-23", NOV_23),
        ("23/11/2026", NOV_23),
        ("23.11.2026", NOV_23),
        ("23 Nov 2026", NOV_23),
        ("05/11/2026", datetime.date(2026, 11, 5)),  # day first: 5 November, never 11 May
        ("29/02/2028", datetime.date(2028, 2, 29)),
    ],
)
def test_typed_dates_read_day_first(typed, expected):
    assert forms.DateField().clean(typed) == expected


@pytest.mark.parametrize("typed", ["11/23/2026", "29/02/2027"])
def test_typed_month_first_or_impossible_date_is_refused(typed):
    with pytest.raises(forms.ValidationError, match="Enter a valid date"):
        forms.DateField().clean(typed)
