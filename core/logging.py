"""Logging filters named in the settings' LOGGING."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """A 403 is the app refusing as meant, not a fault: log its one line, not the traceback that
    Django attaches to every PermissionDenied. Other records pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
