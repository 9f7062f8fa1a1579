"""Log lines for `syndicate run`: one line per event, to stderr, text or JSON.

JSON lines carry ``time`` (RFC 3339, UTC), ``level``, ``logger`` and ``message``
so log shippers need no parsing rules.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from .dates import rfc3339_date


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": rfc3339_date(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = rfc3339_date(datetime.fromtimestamp(record.created, UTC))
        line = f"{when} {record.levelname:<7} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(fmt: str, level: str) -> None:
    """Send ``syndicate`` logs to stderr in ``fmt`` ("text" or "json")."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger = logging.getLogger("syndicate")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False
