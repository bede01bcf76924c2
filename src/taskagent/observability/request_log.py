"""Structured logs: JSON lines, each carrying the id of the request it was written for.

The request id lives in a context variable for the duration of a request, so any line logged while
serving it (an error, a warning) carries the same id as the request's own line and its `X-Request-ID`.
"""

from __future__ import annotations

import json
import logging
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_LOGGER = "taskagent.requests"
request_id_var: ContextVar[str | None] = ContextVar("taskagent_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=` and joins the JSON.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request id if any, and `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": os.getpid(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            line["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class WithoutQueryString(logging.Filter):
    """Drops the query string from uvicorn's access lines: a client may put anything there (a token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].partition("?")[0], args[3], args[4])
        return True


def add_request_log(config: dict[str, Any]) -> dict[str, Any]:
    """Route the request log (JSON lines on stdout) in a `logging.config.dictConfig` dictionary, and keep
    query strings out of uvicorn's own access log."""
    config.setdefault("filters", {})["without_query_string"] = {"()": f"{__name__}.WithoutQueryString"}
    config["handlers"]["access"].setdefault("filters", []).append("without_query_string")
    config["formatters"]["json"] = {"()": f"{__name__}.JSONFormatter"}
    config["handlers"]["requests"] = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "stream": "ext://sys.stdout",
    }
    config["loggers"][REQUEST_LOGGER] = {"handlers": ["requests"], "level": "INFO", "propagate": False}
    return config
