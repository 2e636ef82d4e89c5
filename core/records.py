"""Small helpers for writing model instances, shared by services."""

from django.db import models


def assign_changes(instance: models.Model, values: dict) -> list[str]:
    """Set the values that differ from the instance's; return their names for save(update_fields=...)."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed
