"""A model wrapper that records what each call was given, to check the input a run sends."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from agents import Model, ModelResponse, ModelSettings, ModelTracing, Tool, TResponseInputItem
from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import TResponseStreamEvent


@dataclass
class Call:
    role: str
    system: str | None
    input: list[Any]


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)

    def wrap(self, inner: Model, role: str) -> Model:
        return RecordingModel(inner, role, self)

    def inputs_of(self, role: str) -> list[list[Any]]:
        return [call.input for call in self.calls if call.role == role]


class RecordingModel(Model):
    def __init__(self, inner: Model, role: str, recorder: Recorder) -> None:
        self.inner = inner
        self.role = role
        self.recorder = recorder

    def _record(self, system: str | None, input: str | list[TResponseInputItem]) -> None:
        items = [{"role": "user", "content": input}] if isinstance(input, str) else copy.deepcopy(list(input))
        self.recorder.calls.append(Call(self.role, system, items))

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        **kwargs: Any,
    ) -> ModelResponse:
        self._record(system_instructions, input)
        return await self.inner.get_response(
            system_instructions, input, model_settings, tools, output_schema, handoffs, tracing, **kwargs
        )

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        **kwargs: Any,
    ) -> AsyncIterator[TResponseStreamEvent]:
        self._record(system_instructions, input)
        async for event in self.inner.stream_response(
            system_instructions, input, model_settings, tools, output_schema, handoffs, tracing, **kwargs
        ):
            yield event
