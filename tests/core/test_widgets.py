"""FastSelect writes a select's options in Python: the markup must stay Django's Select's."""

from html.parser import HTMLParser

import pytest
from django import forms

from core.widgets import FastSelect

CHOICES = [("", "—"), ("BE", "Belgium"), ("FR", "France <&>"), ("Group", [("X", "x"), ("Y", "y")])]


class Plain(forms.Form):
    one = forms.ChoiceField(choices=CHOICES)


class Fast(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, widget=FastSelect)


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


@pytest.mark.parametrize("data", [{"one": "Y"}, {"one": "FR"}, {"one": "nowhere"}, None])
def test_fast_select_writes_the_same_options(data):
    assert normalise(str(Fast(data)["one"])) == normalise(str(Plain(data)["one"]))
