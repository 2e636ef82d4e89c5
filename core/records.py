"""Small helpers for writing model instances, shared by services."""

from django.core.exceptions import ValidationError
from django.db import models

from core.errors import DomainError


def assign_changes(instance: models.Model, values: dict) -> list[str]:
    """Set the values that differ from the instance's; return their names for save(update_fields=...)."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


def refuse_invalid(instance: models.Model, error: type[DomainError]) -> None:
    """Run the model's own rules (field bounds, constraints) and refuse with `error` if one fails.

    A rule stated once on the model (a CheckConstraint and its message) is enforced by services
    through this, and by ModelForms and the admin through their own validation.
    """
    try:
        instance.full_clean()
    except ValidationError as invalid:
        raise error(" ".join(invalid.messages)) from invalid
