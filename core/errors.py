class DomainError(Exception):
    """A business rule refused a change. The message tells a person what to do about it."""


class NotAllowed(DomainError):
    """The actor may not make this change (a service re-checking its app's access predicate).

    Views check the same predicate first and answer 403; a service raises this when it is reached
    by another door (a task, the admin, a test) with an actor who may not act.
    """
