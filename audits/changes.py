"""Who else must know when an audit is planned, moved, started or cancelled. A higher app registers
a listener in its `AppConfig.ready` (the certificates' stored due dates: a surveillance held, a
calendar year with a surveillance planned); the audit services call `audits_changed` in their
transaction, so what the listener writes commits or rolls back with the change. Audits import
nothing above them: this is how they tell."""

from collections.abc import Callable, Iterable

from audits.enums import SURVEILLANCES

Listener = Callable[[list[int]], object]
_listeners: list[Listener] = []

# The audits whose changes matter to a certificate's cycle (DOMAIN §1.6: the surveillances)
WATCHED_KINDS = frozenset(SURVEILLANCES)


def listen(listener: Listener) -> None:
    """Register `listener(audit_ids)`; registering it again changes nothing."""
    if listener not in _listeners:
        _listeners.append(listener)


def audits_changed(*, audits: Iterable) -> None:
    """Tell the listeners of these audits (only those of a watched kind: no query otherwise)."""
    ids = sorted({audit.pk for audit in audits if audit.kind in WATCHED_KINDS})
    if ids:
        for listener in _listeners:
            listener(ids)
