import copy
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError

from core.errors import DomainError

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
    re-renders it and nothing changes.
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
