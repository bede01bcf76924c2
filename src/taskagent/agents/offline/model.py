"""`OfflineModel`: the offline engine as an `agents.Model`.

It plugs into the Agents SDK like any hosted model: the runner passes instructions, input items, tools
and hand-offs; the model answers with function calls (tools or hand-offs) or a message, and streams
that answer as Responses events. Which decision it makes is up to the role's logic (`triage`, the three
specialists, `task_manager`); this class only turns decisions into SDK objects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import ModelResponse, TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from agents.model_settings import ModelSettings
from agents.models.interface import Model, ModelTracing
from agents.tool import Tool
from agents.tracing import GenerationSpanData, Span, generation_span
from agents.usage import Usage
from openai.types.responses.response_prompt_param import ResponsePromptParam

from taskagent.agents.catalog import SpecialistCatalog, load_catalog

from . import specialists, task_manager
from .conversation import read_conversation
from .events import output_items, stream_events, usage_for
from .intents import HelpKind
from .plan import Step, Toolbox
from .templates import decide_template

MODEL_NAME = "local"  # what the spans name as the model (TASKAGENT_MODEL=local)
FIXED_ROLES = ("triage", "task_manager")


class OfflineModel(Model):
    """The built-in offline model for one agent role: triage, the task manager, or a specialist of
    `catalog` (the configured specialists; the built-in file's when None)."""

    def __init__(self, role: str, catalog: SpecialistCatalog | None = None) -> None:
        self.catalog = catalog or load_catalog()
        if role not in FIXED_ROLES and self.catalog.get(role) is None:
            roles = ", ".join((*FIXED_ROLES, *self.catalog.ids))
            raise ValueError(f"Unknown role {role!r}; expected one of {roles}")
        self.role = role

    def decide(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        tools: list[Tool],
        handoffs: list[Handoff[Any, Any]],
    ) -> Step:
        """The engine's next step for this conversation (public for tests and tracing)."""
        conversation = read_conversation(system_instructions, input)
        toolbox = Toolbox.from_sdk(tools, handoffs, self.catalog)
        if self.role == "task_manager":
            return task_manager.decide(conversation, toolbox, self.catalog)
        if self.role == "triage":
            return specialists.decide_triage(conversation, toolbox, self.catalog)
        spec = self.catalog.get(self.role)
        assert spec is not None  # checked when made
        if spec.builtin is not None:
            kind: HelpKind = spec.builtin  # type: ignore[assignment]  # the file's check: a built-in kind
            return specialists.decide_specialist(kind, conversation, toolbox)
        return decide_template(spec, conversation, set(toolbox.tools))

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff[Any, Any]],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        with self._span(system_instructions, input, tracing) as span:
            output = output_items(self.decide(system_instructions, input, tools, handoffs))
            usage = usage_for(system_instructions, input, output)
            _record(span, output, usage, tracing)
        return ModelResponse(output=output, usage=usage, response_id=None)

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff[Any, Any]],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        with self._span(system_instructions, input, tracing) as span:
            output = output_items(self.decide(system_instructions, input, tools, handoffs))
            usage = usage_for(system_instructions, input, output)
            async for event in stream_events(output, usage):
                yield event
            _record(span, output, usage, tracing)

    def _span(
        self, system_instructions: str | None, input: str | list[TResponseInputItem], tracing: ModelTracing
    ) -> Span[GenerationSpanData]:
        """A model call's span, as the SDK's own models make one (a custom model must make its own)."""
        span = generation_span(
            model=MODEL_NAME, model_config={"role": self.role}, disabled=tracing.is_disabled()
        )
        if tracing.include_data():
            span.span_data.input = [
                {"role": "system", "content": system_instructions or ""},
                *_as_items(input),
            ]
        return span


def _as_items(input: str | list[TResponseInputItem]) -> list[Any]:
    return [{"role": "user", "content": input}] if isinstance(input, str) else list(input)


def _record(
    span: Span[GenerationSpanData], output: list[TResponseOutputItem], usage: Usage, tracing: ModelTracing
) -> None:
    span.span_data.usage = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
    if tracing.include_data():
        span.span_data.output = [item.model_dump() for item in output]
