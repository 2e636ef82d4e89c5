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


def refuse_invalid(
    instance: models.Model,
    error: type[DomainError],
    *,
    exclude: tuple[str, ...] = (),
    fields_only: bool = False,
) -> None:
    """Run the model's own rules (field bounds, constraints) and refuse with `error` if one fails.

    A rule stated once on the model (a CheckConstraint and its message) is enforced by services
    through this, and by ModelForms and the admin through their own validation. `exclude` names
    fields the service has already checked (a foreign key costs a query to validate);
    `fields_only` checks the fields' own bounds and leaves the constraints to a service that
    states them itself (each constraint costs a query to check).
    """
    try:
        if fields_only:
            instance.clean_fields(exclude=exclude)
        else:
            instance.full_clean(exclude=exclude)
    except ValidationError as invalid:
        raise error(" ".join(invalid.messages)) from invalid
