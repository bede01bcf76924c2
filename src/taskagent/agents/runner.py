"""Bounded agent runs, and the app's agent runtime (the team, in-flight runs, shutdown).

Every run is bounded four ways; each bound that is hit ends the run with a clear message:

- turns: `AGENT_MAX_TURNS` model calls (the SDK raises `MaxTurnsExceeded`);
- tool calls: `AGENT_MAX_TOOL_CALLS` per run, counted by `LimitHooks.on_tool_start`;
- output tokens: `MODEL_MAX_TOKENS` per model call (`ModelSettings.max_tokens`) and
  `MAX_OUTPUT_TOKENS_FACTOR` times that for the whole run, summed by `LimitHooks.on_llm_end`;
- wall time: `AGENT_MAX_RUN_SECONDS` for the whole run (the caller's `asyncio.timeout`), and
  `MODEL_TIMEOUT_SECONDS` per provider request (the HTTP clients of `agents.model_selection`).

    runtime = AgentRuntime(settings)                     # Resources.agent_runtime
    result = start_run(runtime.team().triage, input_items, context, runtime.limits)
    # on failure: failure_message(exc, settings); a turn (agents.turn.AgentTurn) does all of this
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agents import (
    Agent,
    MaxTurnsExceeded,
    RunConfig,
    RunContextWrapper,
    RunHooks,
    Runner,
    Tool,
    TResponseInputItem,
)
from agents.items import ModelResponse
from agents.result import RunResultStreaming

from taskagent.agents.admission import RunSlots
from taskagent.agents.catalog import SpecialistCatalog
from taskagent.agents.context import AgentContext
from taskagent.agents.definitions import AgentTeam, ModelFactory, build_agents, catalog_for
from taskagent.agents.errors import describe_failure
from taskagent.config import Settings
from taskagent.observability.tracing import records_content
from taskagent.usage.service import UsageMeter

if TYPE_CHECKING:  # the metrics module reaches the app's resources, which hold this runtime
    from taskagent.observability.metrics import Metrics

logger = logging.getLogger(__name__)

MAX_OUTPUT_TOKENS_FACTOR = 4
SETUP_AT_ONCE = 2

# Called with the model input of every turn (tests and benchmarks measure the prompt with it).
InputObserver = Callable[[list[TResponseInputItem]], None]


@dataclass(frozen=True)
class RunLimits:
    max_turns: int
    max_tool_calls: int
    max_output_tokens: int
    max_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RunLimits:
        return cls(
            max_turns=settings.agent_max_turns,
            max_tool_calls=settings.agent_max_tool_calls,
            max_output_tokens=settings.model_max_tokens * MAX_OUTPUT_TOKENS_FACTOR,
            max_seconds=settings.agent_max_run_seconds,
        )


class RunLimitExceeded(Exception):
    """A run went past one of its bounds; the message is for the user."""


class LimitHooks(RunHooks[AgentContext]):
    """Counts tool calls and output tokens; raises `RunLimitExceeded` past a bound."""

    def __init__(self, limits: RunLimits) -> None:
        self.limits = limits
        self.tool_calls = 0
        self.output_tokens = 0

    async def on_tool_start(
        self, context: RunContextWrapper[AgentContext], agent: Agent[AgentContext], tool: Tool
    ) -> None:
        self.tool_calls += 1
        if self.tool_calls > self.limits.max_tool_calls:
            raise RunLimitExceeded(
                f"The agent stopped: it made more than {self.limits.max_tool_calls} tool calls in one "
                "request (AGENT_MAX_TOOL_CALLS). Try a narrower request."
            )

    async def on_llm_end(
        self, context: RunContextWrapper[AgentContext], agent: Agent[AgentContext], response: ModelResponse
    ) -> None:
        self.output_tokens += response.usage.output_tokens
        if self.output_tokens > self.limits.max_output_tokens:
            raise RunLimitExceeded(
                f"The agent stopped: its answers passed {self.limits.max_output_tokens} output tokens in one "
                "request. Try a narrower request."
            )


def start_run(
    agent: Agent[AgentContext],
    input: list[TResponseInputItem],
    context: AgentContext,
    limits: RunLimits,
    *,
    hooks: LimitHooks | None = None,
    workflow_name: str = "TaskAgent",
) -> RunResultStreaming:
    """Start a streamed, bounded run (the caller consumes `stream_events()` under `limits.max_seconds`)."""
    return Runner.run_streamed(
        agent,
        input,
        context=context,
        max_turns=limits.max_turns,
        hooks=hooks or LimitHooks(limits),
        # Contents reach the SDK's spans only for an operator who asked for them on OpenTelemetry's.
        run_config=RunConfig(workflow_name=workflow_name, trace_include_sensitive_data=records_content()),
    )


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend(linked for linked in (current.__cause__, current.__context__) if linked is not None)
    return seen


def limit_message(exc: BaseException, limits: RunLimits) -> str | None:
    """The user's message when `exc` is a run bound being hit, else None."""
    for current in _chain(exc):
        if isinstance(current, RunLimitExceeded):
            return str(current)
        if isinstance(current, MaxTurnsExceeded):
            return (
                f"The agent stopped: it took more than {limits.max_turns} steps without finishing "
                "(AGENT_MAX_TURNS). Try a narrower request."
            )
    return None


def timeout_message(limits: RunLimits) -> str:
    return (
        f"The agent stopped: the answer took longer than {limits.max_seconds:g} s (AGENT_MAX_RUN_SECONDS). "
        "Try again."
    )


def failure_message(exc: BaseException, settings: Settings, limits: RunLimits | None = None) -> str:
    """What the user is told when a run fails: a bound that was hit, or the provider's failure."""
    limits = limits or RunLimits.from_settings(settings)
    return limit_message(exc, limits) or describe_failure(exc, settings.model_timeout_seconds)


class AgentRuntime:
    """The app's agents: built once (lazily, on first use), with the runs in flight.

    `model_factory` replaces `build_model` (tests run scripted models through the real endpoints).
    """

    def __init__(
        self, settings: Settings, model_factory: ModelFactory | None = None, metrics: Metrics | None = None
    ) -> None:
        self.settings = settings
        # The configured specialists, read (and checked: SpecialistsFileError) when the app starts.
        self.catalog: SpecialistCatalog = catalog_for(settings)
        self.metrics = metrics  # the app's Prometheus instruments; None: turns are not counted
        self.limits = RunLimits.from_settings(settings)
        self._model_factory = model_factory
        self._team: AgentTeam | None = None
        self._runs: set[asyncio.Task[Any]] = set()
        self.slots = RunSlots(settings.agent_max_concurrent_runs, settings.agent_queue_seconds)
        # The database work around runs (storing the request, loading the thread, storing the answer) takes
        # turns, a few at a time: a burst of it would otherwise fill whole turns of the event loop and hold
        # up the words of the runs that are streaming (bench/streams.py).
        self.setup = asyncio.Semaphore(SETUP_AT_ONCE)
        self.input_observers: list[InputObserver] = []
        # Agent use per user and month, and the plans' limits (checked before any model is called).
        self.usage = UsageMeter(settings)

    def team(self) -> AgentTeam:
        """The agents; raises ConfigurationError when the configured model cannot be built."""
        if self._team is None:
            self._team = build_agents(self.settings, self._model_factory)
        return self._team

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        """Run `work` as a task the runtime owns: it outlives the request and is awaited at shutdown."""
        task = asyncio.create_task(work, name=name)
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)
        return task

    @property
    def active_runs(self) -> int:
        return len(self._runs)

    async def aclose(self, grace_seconds: float = 5.0) -> None:
        """Stop the runs in flight (each stores what was said) and close the model clients."""
        runs = list(self._runs)
        for task in runs:
            task.cancel()
        if runs:
            _done, pending = await asyncio.wait(runs, timeout=grace_seconds)
            if pending:
                logger.warning("%d agent runs did not stop within %g s", len(pending), grace_seconds)
        if self._model_factory is None:
            from taskagent.agents.model_selection import close_models

            await close_models()
