"""The agents: triage, the three specialists, and the task manager of the chat.

    team = build_agents(settings)            # models from build_model(settings, role)
    team.triage.handoffs                     # [scheduler, breakdown, blocker]
    team.task_manager.tools                  # create_tasks, list_tasks, update_task, delete_task, find_tasks

Agents are stateless (the instructions and tools read everything from the run's `AgentContext`), so one
team serves every user and request of an app. Hand-off tools are the SDK's defaults
(`transfer_to_scheduler_agent`, ...); models find them in the request's `handoffs`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agents import Agent, Model, ModelSettings, Tool

from taskagent.agents.context import AgentContext
from taskagent.agents.instructions import instructions_for
from taskagent.agents.tools import BLOCKER_TOOLS, BREAKDOWN_TOOLS, SCHEDULER_TOOLS, TASK_MANAGER_TOOLS
from taskagent.config import Settings

ModelFactory = Callable[[Settings, str], Model]


@dataclass(frozen=True)
class AgentSpec:
    id: str
    name: str
    description: str


TRIAGE = AgentSpec(
    "triage", "Triage Agent", "Reads the task and the request and hands off to the right specialist."
)
SCHEDULER = AgentSpec(
    "scheduler",
    "Scheduler Agent",
    "When to do it: deadlines, priorities and the user's other tasks; proposes a day and can set the "
    "due date.",
)
BREAKDOWN = AgentSpec(
    "breakdown",
    "Breakdown Agent",
    "Splits a task into concrete steps with estimates; can create them as subtasks when asked.",
)
BLOCKER = AgentSpec(
    "blocker",
    "Blocker Agent",
    "Gets a stuck task moving: root causes, workarounds, who to ask.",
)
TASK_MANAGER = AgentSpec(
    "task_manager",
    "Task Manager",
    "The chat assistant: creates, lists, updates, deletes and finds the user's tasks; hands advice to "
    "the specialists.",
)

# In the order GET /agents/status lists them.
AGENT_SPECS: tuple[AgentSpec, ...] = (TRIAGE, SCHEDULER, BREAKDOWN, BLOCKER, TASK_MANAGER)
SPECIALISTS: tuple[str, ...] = (SCHEDULER.id, BREAKDOWN.id, BLOCKER.id)
_BY_NAME = {spec.name: spec for spec in AGENT_SPECS}
_BY_ID = {spec.id: spec for spec in AGENT_SPECS}


def spec_for_id(agent_id: str) -> AgentSpec:
    return _BY_ID[agent_id]


def agent_id(agent: Agent[AgentContext] | str) -> str:
    """Our id of an agent ("scheduler") from the agent or its name; an unknown name is slugged."""
    name = agent if isinstance(agent, str) else agent.name
    spec = _BY_NAME.get(name)
    return spec.id if spec is not None else name.lower().replace(" ", "_")


@dataclass(frozen=True)
class AgentTeam:
    triage: Agent[AgentContext]
    scheduler: Agent[AgentContext]
    breakdown: Agent[AgentContext]
    blocker: Agent[AgentContext]
    task_manager: Agent[AgentContext]

    def get(self, agent_id: str) -> Agent[AgentContext]:
        """The agent with this id (`triage`, `scheduler`, `breakdown`, `blocker`, `task_manager`)."""
        if agent_id not in _BY_ID:
            raise KeyError(agent_id)
        agent: Agent[AgentContext] = getattr(self, agent_id)
        return agent

    @property
    def specialists(self) -> list[Agent[AgentContext]]:
        return [self.scheduler, self.breakdown, self.blocker]


def model_settings(settings: Settings) -> ModelSettings:
    """Per call: at most MODEL_MAX_TOKENS output tokens (Anthropic requires a value anyway). Streamed Chat
    Completions report their token counts only when asked, which the SDK does for OpenAI's own URL alone:
    asked everywhere, an OpenAI-compatible server's counts reach traces and usage too."""
    return ModelSettings(max_tokens=settings.model_max_tokens, include_usage=True)


def build_agents(settings: Settings, model_factory: ModelFactory | None = None) -> AgentTeam:
    """The five agents, each on `build_model(settings, role)` (or `model_factory`, for tests)."""
    if model_factory is None:
        from taskagent.agents.model_selection import build_model

        model_factory = build_model
    common = model_settings(settings)

    def make(
        spec: AgentSpec,
        tools: Sequence[Tool] = (),
        handoffs: Sequence[Agent[AgentContext]] = (),
    ) -> Agent[AgentContext]:
        return Agent[AgentContext](
            name=spec.name,
            handoff_description=spec.description,
            instructions=instructions_for(spec.id),
            model=model_factory(settings, spec.id),
            model_settings=common,
            tools=list(tools),
            handoffs=list(handoffs),
        )

    scheduler = make(SCHEDULER, tools=SCHEDULER_TOOLS)
    breakdown = make(BREAKDOWN, tools=BREAKDOWN_TOOLS)
    blocker = make(BLOCKER, tools=BLOCKER_TOOLS)
    specialists = [scheduler, breakdown, blocker]
    triage = make(TRIAGE, handoffs=specialists)
    task_manager = make(TASK_MANAGER, tools=TASK_MANAGER_TOOLS, handoffs=specialists)
    return AgentTeam(
        triage=triage, scheduler=scheduler, breakdown=breakdown, blocker=blocker, task_manager=task_manager
    )
