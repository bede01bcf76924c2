"""The engine's tests run the real Agents SDK offline: no trace export to OpenAI."""

from __future__ import annotations

from agents import set_tracing_disabled

set_tracing_disabled(True)
