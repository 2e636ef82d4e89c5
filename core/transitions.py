"""Writing and reading the immutable transition log that every state change leaves behind, and
reading it as a person does (`readable`): a sentence ("Plan sent by Jonas Berg on 3 Dec 2026")
made of the field's verbose name and the choice's label, never `plan_sent` or `team_notified_on`.

A model names the events of its history in `HISTORY_EVENTS`: {field: {to_state, (from_state,
to_state) or "*" (any change): "Plan sent"}}; a change it does not name reads "Status changed from
“Team confirmed” to “Plan sent to the client”", a first value "Owner set to Jonas Berg"."""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

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


@dataclass(frozen=True)
class Readable:
    """A transition as a history line shows it: `sentence` says what happened, who did it and
    on which day; `at` is its exact time; the other parts are the admin's columns."""

    at: str
    actor: str
    field: str
    from_state: str
    to_state: str
    reason: str
    sentence: str


def _field(model: type[models.Model] | None, name: str) -> tuple[str, dict[str, str], models.Field | None]:
    """The label of a recorded field and the labels of its values. A model names what it records
    under names that are not its fields in `HISTORY_FIELDS` ({name: (label, choices)})."""
    if model is None:
        return capfirst(name.replace("_", " ")), {}, None
    extra = getattr(model, "HISTORY_FIELDS", {})
    if name in extra:
        label, choices = extra[name]
        return capfirst(str(label)), {str(value): str(text) for value, text in choices}, None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return capfirst(name.replace("_", " ")), {}, None
    if not field.concrete:  # a reverse relation (an audit's plan): the related record's name
        return capfirst(str(field.related_model._meta.verbose_name)), {}, None
    choices = {str(value): str(text) for value, text in field.flatchoices} if field.choices else {}
    return capfirst(str(field.verbose_name)), choices, field


def _value(value: str, choices: dict[str, str], field: models.Field | None) -> str:
    if not value:
        return "—"
    if value in choices:
        return choices[value]
    if isinstance(field, models.BooleanField):
        return {"True": _("yes"), "False": _("no")}.get(value, value)
    if isinstance(field, models.DateTimeField):
        return _date(value, datetime.datetime.fromisoformat, "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return _date(value, datetime.date.fromisoformat, "DATE_FORMAT")
    return value


def _date(value: str, parse, format_name: str) -> str:
    try:
        parsed = parse(value)
    except ValueError:
        return value
    if isinstance(parsed, datetime.datetime) and parsed.tzinfo is not None:
        parsed = localtime(parsed)
    return date_format(parsed, format_name)


def _event(model: type[models.Model] | None, transition: Transition, label: str, old: str, new: str) -> str:
    """What happened, as the first half of a sentence."""
    events = getattr(model, "HISTORY_EVENTS", {}).get(transition.field, {})
    named = (
        events.get((transition.from_state, transition.to_state))
        or events.get(transition.to_state)
        or events.get("*")
    )
    if named:
        return str(named)
    if not transition.from_state:
        return _("%(field)s set to %(to)s") % {"field": label, "to": new}
    if not transition.to_state:
        return _("%(field)s cleared (was %(from)s)") % {"field": label, "from": old}
    return _("%(field)s changed from “%(from)s” to “%(to)s”") % {"field": label, "from": old, "to": new}


def readable(transition: Transition) -> Readable:
    """The transition with readable labels; reads its content type from `select_related` or
    Django's cache (no query once the page has read the subject's type), its actor from
    `select_related`."""
    if Transition.content_type.is_cached(transition):
        content_type = transition.content_type
    else:
        content_type = ContentType.objects.get_for_id(transition.content_type_id)
    model = content_type.model_class()
    label, choices, field = _field(model, transition.field)
    actor = str(transition.actor) if transition.actor else _("system")
    old, new = _value(transition.from_state, choices, field), _value(transition.to_state, choices, field)
    sentence = _("%(event)s by %(actor)s on %(day)s") % {
        "event": _event(model, transition, label, old, new),
        "actor": actor if transition.actor else _("the system"),
        "day": date_format(localtime(transition.at), "DATE_FORMAT"),
    }
    return Readable(
        at=date_format(localtime(transition.at), "SHORT_DATETIME_FORMAT"),
        actor=actor,
        field=label,
        from_state=old,
        to_state=new,
        reason=transition.reason,
        sentence=sentence,
    )
