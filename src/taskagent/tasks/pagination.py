"""Opaque cursors for keyset pagination of task lists.

A cursor holds the sort value and id of the last task of a page, signed (HMAC-SHA256 with a key derived
from the service's secret) together with the query it belongs to: the caller, the sort and the filters.
A cursor that was altered, made up, or taken to another query is refused, never half-trusted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from taskagent.db import is_row_id
from taskagent.errors import InvalidRequest, issue
from taskagent.tasks.models import PRIORITY_RANK
from taskagent.tasks.schemas import SortKey

SortValue = datetime | int | float | str
_MAC_BYTES = 16
_DATETIME_SORTS = frozenset({"created_at", "updated_at", "due_date"})
_MAX_RANK = max(PRIORITY_RANK.values())


class InvalidCursorError(InvalidRequest):
    """A 422 on the `cursor` query parameter."""

    def __init__(self, message: str) -> None:
        super().__init__([issue(("query", "cursor"), message)])


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last task's sort value and id (ties on the value are broken by id)."""

    key: SortValue
    task_id: int


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    def __init__(self, secret: str) -> None:
        # A key of its own, so a cursor's MAC can never stand in for anything signed with the secret itself.
        self._key = hmac.digest(secret.encode(), b"taskagent tasks cursor v1", hashlib.sha256)

    def _mac(self, query: str, payload: bytes) -> bytes:
        # hmac.digest: OpenSSL's one-shot HMAC, the same MAC as hmac.new(...).digest() at a third of its cost
        return hmac.digest(self._key, query.encode() + b"\n" + payload, "sha256")[:_MAC_BYTES]

    def encode(self, position: Position, query: str) -> str:
        key: Any = position.key
        if isinstance(key, datetime):
            key = {"dt": key.isoformat()}
        payload = json.dumps([key, position.task_id], separators=(",", ":"), ensure_ascii=False).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(query, payload))}"

    def decode(self, cursor: str, query: str, sort: SortKey) -> Position:
        """The position in `cursor`, which must have been made by `encode` for this very query."""
        encoded_payload, dot, encoded_mac = cursor.partition(".")
        try:
            if not dot or not encoded_payload.isascii() or not encoded_mac.isascii():
                raise ValueError
            payload = _b64decode(encoded_payload)
            mac = _b64decode(encoded_mac)
        except (binascii.Error, ValueError):
            raise InvalidCursorError("invalid cursor; start again without it") from None
        if not hmac.compare_digest(mac, self._mac(query, payload)):
            raise InvalidCursorError(
                "invalid cursor: it was altered, or belongs to another query; start again without it"
            )
        try:
            raw_key, task_id = json.loads(payload)
            key = _parse_key(raw_key, sort)
        except (ValueError, TypeError, KeyError):
            raise InvalidCursorError("invalid cursor; start again without it") from None
        if type(task_id) is not int or not is_row_id(task_id):
            raise InvalidCursorError("invalid cursor; start again without it")
        return Position(key=key, task_id=task_id)


def _parse_key(raw: Any, sort: SortKey) -> SortValue:
    field = sort.lstrip("-")
    if field in _DATETIME_SORTS:
        value = datetime.fromisoformat(raw["dt"])
        if value.tzinfo is None:
            raise ValueError("naive datetime in cursor")
        return value
    if field == "priority":
        if type(raw) is not int or not 0 <= raw <= _MAX_RANK:
            raise ValueError("bad priority rank in cursor")
        return raw
    if field == "position":
        # JSON writes a whole float as 3.0, but a big one may come back as an int: both are numbers.
        if type(raw) not in (int, float) or not math.isfinite(raw):
            raise ValueError("bad position in cursor")
        return float(raw)
    if not isinstance(raw, str):
        raise ValueError("bad title in cursor")
    return raw
