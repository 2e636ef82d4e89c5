class DomainError(Exception):
    """A business rule refused a change. The message tells a person what to do about it."""
