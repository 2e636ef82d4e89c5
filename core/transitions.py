"""Writing and reading the immutable transition log that every state change leaves behind."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.models import Transition


def transition_record(
    *, subject: models.Model, field: str, from_state: object, to_state: object, actor=None, reason: str = ""
) -> Transition:
    return Transition.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        field=field,
        from_state="" if from_state is None else str(from_state),
        to_state=str(to_state),
        actor=actor,
        reason=reason,
    )


def transitions_of(subject: models.Model) -> models.QuerySet[Transition]:
    return Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).select_related("actor")
