"""Which real services the suite can reach. With CI=true a missing one is a failure, not a skip."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=1):
            return True
    except OSError:
        return False


POSTGRES_AVAILABLE = reachable(POSTGRES_URL)
REDIS_AVAILABLE = reachable(REDIS_URL)
