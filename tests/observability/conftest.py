"""Observability tests read the request log as the operator would: each record rendered by the JSON
formatter the CLI installs, parsed back."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from taskagent.observability.request_log import REQUEST_LOGGER, JSONFormatter

METRICS_TOKEN = "metrics-token-for-the-tests-0123456789"


class LogLines(logging.Handler):
    """Every record logged anywhere during a test, rendered as the JSON line the service writes."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JSONFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def requests(self) -> list[dict[str, Any]]:
        parsed = [json.loads(line) for line in self.lines]
        return [line for line in parsed if line["logger"] == REQUEST_LOGGER]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    handler = LogLines()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
