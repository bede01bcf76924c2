"""The engine's decisions: call some tools, or say something; and what it may call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.handoffs import Handoff
from agents.tool import Tool

from taskagent.agents.catalog import SpecialistCatalog

AGENT_KEYS = ("scheduler", "breakdown", "blocker", "triage", "task_manager")


@dataclass(frozen=True)
class Call:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Calls:
    """Call these tools (or one hand-off tool) now; the runtime comes back with their outputs."""

    calls: list[Call]


@dataclass(frozen=True)
class Reply:
    """Answer the user; the turn ends."""

    text: str


Step = Calls | Reply


@dataclass(frozen=True)
class Toolbox:
    """The tools and hand-offs the runtime offered on this call, by name."""

    tools: frozenset[str] = frozenset()
    handoffs: dict[str, str] = field(default_factory=dict)  # agent key -> hand-off tool name

    @classmethod
    def from_sdk(
        cls,
        tools: Sequence[Tool],
        handoffs: Sequence[Handoff[Any, Any]],
        catalog: SpecialistCatalog | None = None,
    ) -> Toolbox:
        names = frozenset(str(getattr(tool, "name", "")) for tool in tools)
        targets: dict[str, str] = {}
        # A configured specialist is found by its name; one with a built-in answer also answers to the
        # built-in kind (the chat's hand-offs ask for "scheduler").
        specs = [(handoff, catalog.by_name(handoff.agent_name) if catalog else None) for handoff in handoffs]
        for handoff, spec in specs:
            if spec is not None:
                targets.setdefault(spec.id, handoff.tool_name)
        for handoff, spec in specs:
            if spec is not None and spec.builtin is not None:
                targets.setdefault(spec.builtin, handoff.tool_name)
        for handoff, spec in specs:
            if spec is not None:
                continue
            # Agent names ("Scheduler Agent") and tool names ("transfer_to_scheduler_agent") both say who
            # the hand-off goes to; read them rather than assuming a tool name.
            said = f"{handoff.agent_name} {handoff.tool_name}".lower().replace("-", "_")
            said = said.replace("task manager", "task_manager")
            for key in AGENT_KEYS:
                if key in said and key not in targets:
                    targets[key] = handoff.tool_name
        return cls(tools=names, handoffs=targets)

    def has(self, name: str) -> bool:
        return name in self.tools
