"""A select that renders a long option list in Python, and the type-ahead filter of long lists.

Django renders every <option> through a template, after building a dict of attributes for each
(`ChoiceWidget.optgroups`), about 0.05 ms an option: the register's filter offers every client of
the CB (1,417 at national scale). This widget produces the same markup directly from the choices,
for the pages that would leave the benchmark's budget without it; other forms use Django's own
widgets (docs/performance.md, "Markup written in Python").
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext


class FastSelect(forms.Select):
    def _options(self, choices, selected: str | None) -> SafeString:
        return format_html_join(
            "",
            "{}",
            (
                (
                    format_html('<optgroup label="{}">{}</optgroup>', value, self._options(label, selected))
                    if isinstance(label, list | tuple)
                    else format_html(
                        '<option value="{}"{}>{}</option>',
                        value,
                        " selected" if str(value) == selected else "",
                        label,
                    ),
                )
                for value, label in choices
            ),
        )

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        values = self.format_value(value)
        selected = str(values[0]) if values else None
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            self._options(self.choices, selected),
        )


def filtered(field: forms.Field, label: str) -> None:
    """Let a long list be narrowed by typing: a search box named `label` before the select hides
    the options that do not match (static/js/filter-options.js; without JavaScript, the plain
    select)."""
    field.widget.attrs.update({"data-filter": label, "data-filter-matches": gettext("%(n)s matching")})
