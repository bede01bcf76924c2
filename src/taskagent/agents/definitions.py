"""The agents: triage, the configured specialists, and the task manager of the chat.

    team = build_agents(settings)            # models from build_model(settings, role)
    team.triage.handoffs                     # one per specialist of the catalog (agents/catalog.py)
    team.get("scheduler").tools              # the specialist's `tools`, and nothing else
    team.task_manager.tools                  # create_tasks, list_tasks, update_task, delete_task, find_tasks

The specialists come from the specialists file (`SPECIALISTS_FILE`, else the built-in one): nothing about
the built-in three is special here. Agents are stateless (the instructions and tools read everything from
the run's `AgentContext`), so one team serves every user and request of an app. Hand-off tools are the
SDK's defaults (`transfer_to_scheduler_agent`, ...); models find them in the request's `handoffs`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agents import Agent, Model, ModelSettings, Tool

from taskagent.agents.catalog import SpecialistCatalog, load_catalog
from taskagent.agents.context import AgentContext
from taskagent.agents.instructions import instructions_for
from taskagent.agents.tools import ALL_TOOLS, TASK_MANAGER_TOOLS
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
TASK_MANAGER = AgentSpec(
    "task_manager",
    "Task Manager",
    "The chat assistant: creates, lists, updates, deletes and finds the user's tasks; hands advice to "
    "the specialists.",
)
SCHEDULER_ID = "scheduler"  # POST /tasks/{id}/schedule's specialist (when the file has one by this id)


def catalog_for(settings: Settings) -> SpecialistCatalog:
    """The configured specialists (read once per version of the file; SpecialistsFileError when bad)."""
    return load_catalog(settings.specialists_file)


def agent_specs(catalog: SpecialistCatalog) -> list[AgentSpec]:
    """Every agent, in the order GET /agents/status lists them: triage, the specialists, the task manager."""
    specialists = [AgentSpec(spec.id, spec.name, spec.description) for spec in catalog.specialists]
    return [TRIAGE, *specialists, TASK_MANAGER]


@dataclass
class TeamAgent(Agent[AgentContext]):
    """An agent that knows its id (`scheduler`, `incident`): streams name the agent by it."""

    key: str = ""


def agent_id(agent: Agent[AgentContext] | str) -> str:
    """Our id of an agent ("scheduler") from the agent or its name; an unknown name is slugged."""
    key = getattr(agent, "key", "")
    if isinstance(key, str) and key:
        return key
    name = agent if isinstance(agent, str) else agent.name
    for spec in (TRIAGE, TASK_MANAGER):
        if spec.name == name:
            return spec.id
    known = load_catalog().by_name(name)
    return known.id if known is not None else name.lower().replace(" ", "_")


@dataclass(frozen=True)
class AgentTeam:
    triage: Agent[AgentContext]
    task_manager: Agent[AgentContext]
    by_id: dict[str, Agent[AgentContext]] = field(default_factory=dict)  # the specialists

    def get(self, agent_id: str) -> Agent[AgentContext]:
        """The agent with this id (`triage`, `task_manager`, or a configured specialist's)."""
        if agent_id == TRIAGE.id:
            return self.triage
        if agent_id == TASK_MANAGER.id:
            return self.task_manager
        return self.by_id[agent_id]

    @property
    def specialists(self) -> list[Agent[AgentContext]]:
        return list(self.by_id.values())


def model_settings(settings: Settings) -> ModelSettings:
    """Per call: at most MODEL_MAX_TOKENS output tokens (Anthropic requires a value anyway). Streamed Chat
    Completions report their token counts only when asked, which the SDK does for OpenAI's own URL alone:
    asked everywhere, an OpenAI-compatible server's counts reach traces and usage too."""
    return ModelSettings(max_tokens=settings.model_max_tokens, include_usage=True)


def build_agents(settings: Settings, model_factory: ModelFactory | None = None) -> AgentTeam:
    """Triage, the configured specialists and the task manager, each on `build_model(settings, role)`
    (or `model_factory`, for tests); a specialist's role is its id."""
    if model_factory is None:
        from taskagent.agents.model_selection import build_model

        model_factory = build_model
    common = model_settings(settings)
    catalog = catalog_for(settings)

    def make(
        spec: AgentSpec,
        tools: Sequence[Tool] = (),
        handoffs: Sequence[Agent[AgentContext]] = (),
    ) -> TeamAgent:
        return TeamAgent(
            name=spec.name,
            key=spec.id,
            handoff_description=spec.description,
            instructions=instructions_for(spec.id, catalog),
            model=model_factory(settings, spec.id),
            model_settings=common,
            tools=list(tools),
            handoffs=list(handoffs),
        )

    by_id: dict[str, Agent[AgentContext]] = {
        spec.id: make(
            AgentSpec(spec.id, spec.name, spec.description), tools=[ALL_TOOLS[name] for name in spec.tools]
        )
        for spec in catalog.specialists
    }
    specialists = list(by_id.values())
    triage = make(TRIAGE, handoffs=specialists)
    task_manager = make(TASK_MANAGER, tools=TASK_MANAGER_TOOLS, handoffs=specialists)
    return AgentTeam(triage=triage, task_manager=task_manager, by_id=by_id)
