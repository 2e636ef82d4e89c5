"""Who else must know when an audit, a programme or a finding changes. A higher app registers a
listener in its `AppConfig.ready` (the certificates' stored due dates: a surveillance held, a
calendar year with a surveillance planned; the cycle's next steps kept for the work queue); the
audit services call `audits_changed`, `programmes_changed` or `findings_changed` in their
transaction, so what the listener writes commits or rolls back with the change. Audits import
nothing above them: this is how they tell."""

from collections.abc import Callable, Iterable

from audits.enums import SURVEILLANCES

Listener = Callable[[list[int]], object]
_listeners: list[tuple[Listener, frozenset | None]] = []
_programme_listeners: list[Listener] = []
_finding_listeners: list[Listener] = []

# The audits whose changes matter to a certificate's cycle (DOMAIN §1.6: the surveillances)
WATCHED_KINDS = frozenset(SURVEILLANCES)


def listen(listener: Listener, *, kinds: Iterable[str] | None = WATCHED_KINDS) -> None:
    """Register `listener(audit_ids)`, told of the audits of these kinds (None: of every kind) when
    they are planned, moved, staffed, started, reported or cancelled; registering it again changes
    nothing."""
    entry = (listener, None if kinds is None else frozenset(kinds))
    if entry not in _listeners:
        _listeners.append(entry)


def listen_programmes(listener: Listener) -> None:
    """Register `listener(programme_ids)`, told when programmes are opened, approved or reopened;
    registering it again changes nothing."""
    if listener not in _programme_listeners:
        _programme_listeners.append(listener)


def listen_findings(listener: Listener) -> None:
    """Register `listener(finding_ids)`, told when findings are answered, reviewed, retyped or
    withdrawn; registering it again changes nothing."""
    if listener not in _finding_listeners:
        _finding_listeners.append(listener)


def audits_changed(*, audits: Iterable) -> None:
    """Tell the listeners of these audits (only of the kinds each listens to: no query otherwise)."""
    audits = list(audits)
    for listener, kinds in _listeners:
        if ids := sorted({audit.pk for audit in audits if kinds is None or audit.kind in kinds}):
            listener(ids)


def programmes_changed(*, programmes: Iterable) -> None:
    """Tell the listeners of these programmes."""
    if ids := sorted({programme.pk for programme in programmes}):
        for listener in _programme_listeners:
            listener(ids)


def findings_changed(*, findings: Iterable) -> None:
    """Tell the listeners of these findings."""
    if ids := sorted({finding.pk for finding in findings}):
        for listener in _finding_listeners:
            listener(ids)
