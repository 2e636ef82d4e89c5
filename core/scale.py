"""Writing a large data set in bulk (`manage.py seed_scale`): inserts in fixed batches, the
transition log kept in memory and written in batches too, one seeded random source per topic, and
the moments a story happened at. No business rule lives here: each app's `scale.py` builds its own
rows as its services would have left them, and uses these tools to write them.

Rows are built unsaved, pointing at each other as instances; a batch insert on PostgreSQL returns
the new ids, and Django copies a parent's id into its children when they are inserted in turn.
"""

import base64
import datetime
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from core.models import Transition

DEFAULT_BATCH = 5_000
M = TypeVar("M", bound=models.Model)


def seeded(seed: int, topic: str) -> random.Random:
    """A random source of its own per topic: more rows of one kind leave the others' draws alone."""
    return random.Random(f"{seed}:{topic}")  # noqa: S311 - synthetic data, not security


def moment(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """That day at that time, in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def token(rng: random.Random, size: int = 24) -> str:
    """A URL-safe token of `size` random bytes drawn from the seeded source (as long as
    `secrets.token_urlsafe(size)`): the same seed gives the same tokens."""
    return base64.urlsafe_b64encode(rng.randbytes(size)).decode().rstrip("=")


def days(day: datetime.date, count: int) -> datetime.date:
    return day + datetime.timedelta(days=count)


class Entry(NamedTuple):
    """One transition to write once its subject has its id."""

    subject: models.Model
    field: str
    from_state: object
    to_state: object
    at: datetime.datetime
    actor_id: int | None
    reason: str


def state_text(value: object) -> str:
    """A state as `core.transitions.transition_record` stores it."""
    return "" if value is None else str(value)


@dataclass
class Bulk:
    """Inserts rows in batches of `batch_size` (one INSERT each) and counts them per model;
    collects transitions and writes them once their subjects are saved; reports progress."""

    batch_size: int = DEFAULT_BATCH
    say: Callable[[str], None] = lambda line: None
    counts: Counter = field(default_factory=Counter)
    log: list[Entry] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def insert(self, rows: Sequence[models.Model]) -> Sequence[models.Model]:
        """Insert unsaved rows of one model; they come back with their ids."""
        if rows:
            model = type(rows[0])
            model.objects.bulk_create(rows, batch_size=self.batch_size)
            self.counts[model._meta.label] += len(rows)
        return rows

    def stream(self, rows: Iterable[models.Model]) -> None:
        """Insert rows of one model as they come, keeping none in memory longer than a batch."""
        batch: list[models.Model] = []
        for row in rows:
            batch.append(row)
            if len(batch) == self.batch_size:
                self.insert(batch)
                batch = []
        self.insert(batch)

    def record(
        self,
        subject: models.Model,
        field: str,
        from_state: object,
        to_state: object,
        at: datetime.datetime,
        *,
        actor: models.Model | None = None,
        reason: str = "",
    ) -> None:
        """A transition as the service doing this step records it (`core.transitions`)."""
        self.log.append(Entry(subject, field, from_state, to_state, at, actor.pk if actor else None, reason))

    def write_log(self) -> None:
        """Write the collected transitions (their subjects saved by now) and forget them."""
        types = ContentType.objects.get_for_models(*{type(entry.subject) for entry in self.log})
        transition = maker(Transition)
        self.stream(
            transition(
                id=None,
                content_type_id=types[type(entry.subject)].pk,
                object_id=entry.subject.pk,
                field=entry.field,
                from_state=state_text(entry.from_state),
                to_state=state_text(entry.to_state),
                actor_id=entry.actor_id,
                at=entry.at,
                reason=entry.reason,
            )
            for entry in self.log
        )
        self.log = []

    def progress(self, what: str) -> None:
        self.say(f"[{time.monotonic() - self.started:6.1f} s] {what}")


def maker(model: type[M]) -> Callable[..., M]:
    """A quick constructor of `model` rows given every concrete field by its attname (`id=None`
    for a new row): Django's positional path, as `Model.from_db` takes it, for the hundreds of
    thousands of plain rows of a seed. A value left out is an error, not a default."""
    names = [field.attname for field in model._meta.concrete_fields]

    def make(**values) -> M:
        if values.keys() != set(names):
            raise TypeError(f"{model.__name__} needs exactly {names}, not {sorted(values)}.")
        return model(*(values[name] for name in names))

    return make


def spread(total: int, weights: Sequence[float]) -> list[int]:
    """`total` shared out in proportion to `weights`, in whole numbers that add up to it exactly
    (largest remainders first, ties to the earlier)."""
    whole = sum(weights)
    shares = [total * weight / whole for weight in weights]
    counts = [int(share) for share in shares]
    order = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts
