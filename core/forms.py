import copy
import logging
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.utils.translation import gettext_lazy as _

from core import bounds, submits
from core.errors import DomainError

logger = logging.getLogger(__name__)

# An upload the storage could not take (full, or not writable): the service's transaction is undone
STORAGE_FAILED = _(
    "The file could not be stored: the storage is full or cannot be written. Nothing was saved; "
    "try again later, and tell an administrator if it happens again."
)

T = TypeVar("T")
F = TypeVar("F", bound=forms.BaseModelForm)


def edit_form(form_class: type[F], data, *, instance, **kwargs) -> F:
    """The one way to edit a record with a ModelForm: the form validates over a copy.

    `ModelForm.is_valid()` writes the cleaned values onto its instance; the service that makes the
    change must find the record as it is, check its rules, and change it itself. So the form gets a
    copy, and the view passes `form.cleaned_data` (typed values) to the service.
    """
    return form_class(data, instance=copy.copy(instance), **kwargs)


def call_service(form: forms.BaseForm, service: Callable[[], T]) -> T | None:
    """Run a service for a valid form; put a refusal on the form instead of raising.

    Returns what the service returned (a record), or None when it refused. A DomainError or a
    model ValidationError (a constraint the form could not see) becomes a form error, so the view
    re-renders it and nothing changes; so does a file the storage could not write (an OSError: the
    services are atomic, so the record it belonged to is not saved either).
    """
    try:
        return service()
    except DomainError as error:
        form.add_error(None, str(error))
        return None
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, messages in errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return None
    except OSError:
        logger.exception("A file could not be stored")
        form.add_error(None, STORAGE_FAILED)
        return None


# The field a button that cannot be undone carries: its checkbox says what cannot be undone
# (templates/core/_confirm.html), and the view does nothing until it is ticked (`confirmed`)
CONFIRM_FIELD = "confirm"
NOT_CONFIRMED = _("Nothing was done: tick the box to confirm that you read what cannot be undone.")


def confirmed(request) -> bool:
    """Whether the person ticked the confirmation of a step that cannot be undone; if not, they
    are told so, and the view changes nothing."""
    if request.POST.get(CONFIRM_FIELD) == "on":
        return True
    messages.error(request, NOT_CONFIRMED)
    return False


def call_action(request, service: Callable[[], object], success: str) -> bool:
    """Run a one-button service (a POST without a form) and tell the user how it went.

    The counterpart of `call_service`: a refusal becomes an error message, nothing changes.
    """
    try:
        service()
    except DomainError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


class BoundedForm:
    """Every form's first base (`class F(BoundedForm, forms.Form)`): the bounds of `core.bounds` on
    each field that does not bring its own, so a new form is bounded by default.

    A date keeps to the window. A text without a `max_length` gets one: a paragraph in a Textarea,
    a line otherwise. A text on one line (any widget but a Textarea) refuses line breaks and
    control characters; a Textarea refuses control characters other than line breaks. A number
    without a maximum takes its model field's, or `bounds.NUMBER_MAX`. Fields added after
    `__init__` are bounded before validation. A hidden field's error, which its page cannot show
    beside the field, is shown with the form's own errors.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_fields(self)

    def full_clean(self) -> None:
        bound_fields(self)
        super().full_clean()
        for field in self.hidden_fields():
            for error in field.errors:
                self.add_error(None, f"{field.label}: {error}")


def bound_fields(form: forms.BaseForm) -> None:
    """Put the project's bounds on the form's fields; running it twice adds nothing."""
    for name, field in form.fields.items():
        if isinstance(field, forms.DateField | forms.DateTimeField):
            _bound_date(field)
        elif isinstance(field, forms.CharField):
            _bound_text(field)
        elif isinstance(field, forms.IntegerField) and field.max_value is None:  # decimals too
            _bound_number(field, _model_maximum(form, name))


def _add(field: forms.Field, validator) -> None:
    if validator not in field.validators:
        field.validators.append(validator)


def _bound_date(field: forms.Field) -> None:
    _add(field, bounds.validate_date)
    if isinstance(field.widget, forms.DateInput):
        field.widget.attrs.setdefault("min", bounds.EARLIEST_DATE.isoformat())
        field.widget.attrs.setdefault("max", bounds.LATEST_DATE.isoformat())


def _bound_text(field: forms.CharField) -> None:
    multiline = isinstance(field.widget, forms.Textarea)
    if field.max_length is None:
        field.max_length = bounds.TEXT_MAX if multiline else bounds.SHORT_TEXT_MAX
        _add(field, MaxLengthValidator(field.max_length))
        field.widget.attrs.update(field.widget_attrs(field.widget))
    _add(field, bounds.validate_text if multiline else bounds.validate_single_line)


def _bound_number(field: forms.IntegerField, maximum) -> None:
    field.max_value = maximum
    _add(field, MaxValueValidator(maximum))
    field.widget.attrs.update(field.widget_attrs(field.widget))


def _model_maximum(form: forms.BaseForm, name: str):
    """The smallest maximum among a ModelForm field's model validators, or the generic one."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    try:
        validators = model._meta.get_field(name).validators if model else []
    except FieldDoesNotExist:
        validators = []
    limits = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
    return min(limits, default=bounds.NUMBER_MAX)


class SubmitTokenField(forms.CharField):
    """The hidden one-time token of a create form (`core.submits`): a fresh one on every render,
    the posted one checked by `SubmitOnceForm`."""

    widget = forms.HiddenInput

    def __init__(self):
        super().__init__(required=False, initial=submits.token_new, label=_("One-time form key"))

    def bound_data(self, data, initial):
        return initial  # a form shown again gets a new token: the posted one was not claimed


class SubmitOnceForm:
    """A form that creates a record (`class F(BoundedForm, SubmitOnceForm, forms.Form)`): it
    carries a one-time token (rendered with the form's hidden fields) and refuses a missing,
    forged or expired one with a form error. Its view is wrapped in `core.submits.submit_once`.
    The token is not among `cleaned_data`, which views pass to services."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[submits.TOKEN_FIELD] = SubmitTokenField()

    def checks_submit_token(self) -> bool:
        """Whether this bound form is a submission (a form bound to preview it is not)."""
        return True

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        problem = submits.token_problem(self.data.get(submits.TOKEN_FIELD))
        if problem and self.checks_submit_token():
            self.add_error(None, problem)
        self.cleaned_data.pop(submits.TOKEN_FIELD, None)
