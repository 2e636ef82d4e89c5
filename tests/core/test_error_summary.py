"""The error summary (the GOV.UK pattern): after a failed submit every form page opens on a list of
what went wrong, each error a link to its field; the browser suite checks that it takes the focus."""

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse

from core.templatetags.error_summary import summary_errors

pytestmark = pytest.mark.django_db


class Sample(forms.Form):
    title = forms.CharField(label="Title")
    due_on = forms.DateField(label="Due on")
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("The whole form is wrong.")


def test_each_error_links_its_field_and_the_others_read_plainly():
    form = Sample({"due_on": "31/02/2027"})
    errors = {(e.label, e.message, e.anchor) for e in summary_errors(form)}
    assert ("Title", "This field is required.", "id_title") in errors
    assert ("Due on", "Enter a valid date.", "id_due_on") in errors
    assert ("", "This field is required.", "") in errors  # the hidden field: no link to follow
    assert ("", "The whole form is wrong.", "") in errors
    assert summary_errors(Sample()) == []  # an unbound form has nothing to say


def test_the_summary_finds_every_bound_form_of_the_page():
    html = Template("{% load error_summary %}{% error_summary %}").render(
        Context({"form": Sample({"title": "x", "due_on": "2027-01-01", "token": "t"}), "other": Sample()})
    )
    assert 'id="error-summary"' in html and "There is a problem" in html
    assert "The whole form is wrong." in html and html.count("<li>") == 1


def test_a_failed_submit_opens_on_the_summary(client, world):
    client.force_login(world.qm_a)
    url = reverse("improvement:action_new", kwargs={"org_pk": world.org_a.pk})
    response = client.post(url, {"title": ""})
    html = response.content.decode()
    assert response.status_code == 200
    summary = html[html.index('id="error-summary"') : html.index("</div>", html.index('id="error-summary"'))]
    assert 'tabindex="-1"' in html and 'href="#id_title"' in summary
    main = html.index('id="main"')
    assert main < html.index('id="error-summary"') < html.index("<form", main)  # at the top of the page
    assert "error-summary.js" in html
