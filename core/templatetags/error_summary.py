"""`{% error_summary %}`: the errors of every bound form the page shows, at the top of the page,
each a link to its field (the GOV.UK error-summary pattern); `static/js/error-summary.js` moves
the focus to it after a failed submit, so a screen-reader user hears what went wrong first.

The page's forms are found in the template's context (whatever the view named them), so every
form page gets the summary from `base.html` without a change of its own."""

from dataclasses import dataclass

from django import forms, template

register = template.Library()


@dataclass(frozen=True)
class SummaryError:
    label: str
    message: str
    anchor: str  # the field's id; "" for an error of the whole form or of a hidden field


def _forms_in(context) -> list[forms.BaseForm]:
    found, seen = [], set()
    for layer in context.dicts:
        for value in layer.values():
            candidates = value.forms if isinstance(value, forms.BaseFormSet) else [value]
            for candidate in candidates:
                if isinstance(candidate, forms.BaseForm) and id(candidate) not in seen:
                    seen.add(id(candidate))
                    found.append(candidate)
    return found


def summary_errors(form: forms.BaseForm) -> list[SummaryError]:
    if not form.is_bound or not form.errors:
        return []
    errors = []
    for name, messages in form.errors.items():
        field = form.fields.get(name)
        shown = field is not None and not field.widget.is_hidden
        anchor = form[name].id_for_label if shown else ""
        label = str(field.label) if shown and field.label else ""
        errors += [SummaryError(label, str(message), anchor or "") for message in messages]
    return errors


@register.inclusion_tag("core/_error_summary.html", takes_context=True)
def error_summary(context) -> dict:
    return {"errors": [error for form in _forms_in(context) for error in summary_errors(form)]}
