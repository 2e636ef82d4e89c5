"""The project's form renderer writes plain widgets in Python: the markup must stay exactly
Django's, for every widget it takes over, bound and unbound."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from core.renderers import FastRenderer
from core.widgets import FastSelect, FastSelectMultiple


class Every(forms.Form):
    text = forms.CharField(max_length=10, help_text="Help")
    number = forms.IntegerField(min_value=1)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    done = forms.BooleanField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput)
    email = forms.EmailField()
    days = forms.DecimalField(max_digits=4, decimal_places=1)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))


CHOICES = [("", "—"), ("BE", "Belgium"), ("FR", "France <&>"), ("Group", [("X", "x"), ("Y", "y")])]


class Plain(forms.Form):
    one = forms.ChoiceField(choices=CHOICES)
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two")], required=False)


class Fast(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, widget=FastSelect)
    many = forms.MultipleChoiceField(
        choices=[(1, "one"), (2, "two")], required=False, widget=FastSelectMultiple
    )


BOUND = {
    "text": 'x"<y',
    "number": "3",
    "day": "2026-11-23",
    "notes": "line 1\n<b>bold</b>",
    "done": "on",
    "hidden": "z",
    "email": "a@b.example",
    "days": "1.5",
    "password": "s&cret",
}


@pytest.mark.parametrize("data", [BOUND, {}, None], ids=["bound", "empty", "unbound"])
def test_fast_renderer_writes_djangos_markup(data):
    django_form, fast_form = Every(data, renderer=DjangoTemplates()), Every(data, renderer=FastRenderer())
    for name in Every.base_fields:
        assert str(fast_form[name]) == str(django_form[name]), name


class Parsed(HTMLParser):
    """The document as a list of (tag, sorted attributes) and texts: attribute order aside."""

    def __init__(self, html: str):
        super().__init__()
        self.items: list = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, sorted(attrs, key=lambda pair: pair[0])))

    def handle_endtag(self, tag):
        self.items.append(f"/{tag}")

    def handle_data(self, data):
        if data.strip():
            self.items.append(data)


def normalise(html: str) -> list:
    return Parsed(str(html)).items


@pytest.mark.parametrize("data", [{"one": "Y", "many": ["2"]}, {"one": "FR"}, None])
def test_fast_selects_write_the_same_options(data):
    for name in ("one", "many"):
        assert normalise(str(Fast(data)[name])) == normalise(str(Plain(data)[name])), name
