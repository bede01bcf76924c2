"""OpenTelemetry traces: every request, its database statements, and each agent turn as a tree.

Off unless `OTEL_TRACES_EXPORTER` is `otlp` or `console` (`none`, the default: nothing is installed, not
even the Agents SDK's own tracing). When on, an app gets a `Tracing`:

- the request span comes from opentelemetry-instrumentation-fastapi (its per-message `http send` and
  `http receive` spans are left out: a streamed answer would make one per word), with the request id
  (`X-Request-ID`) as `taskagent.request_id`;
- statement spans come from opentelemetry-instrumentation-sqlalchemy on the engine (`sync_engine`);
- an agent turn is a span of its own (`AgentTurn` opens it), and `AgentSpanBridge`, an Agents SDK
  `TracingProcessor`, turns the SDK's spans (agent, hand-off, model call, tool call) into OpenTelemetry
  spans under it, named and attributed after the GenAI semantic conventions.

Prompts, answers, tool arguments and results are recorded only when
`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` (the GenAI instrumentations' own switch).

The SDK's tracing is one per process, so is the bridge: the app whose lifespan runs last points it at its
tracer provider (a serving process has one app; tests build many, one after the other).
"""

from __future__ import annotations

import json
import os
import threading
from contextlib import nullcontext
from contextvars import Token
from typing import TYPE_CHECKING, Any

from agents.tracing import (
    AgentSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    ResponseSpanData,
    Span,
    TaskSpanData,
    Trace,
    TracingProcessor,
    TurnSpanData,
)
from opentelemetry import context as otel_context
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import SpanKind, Status, StatusCode

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine

    from taskagent.config import Settings

TRACER_NAME = "taskagent"
DEFAULT_OTLP_ENDPOINT = "http://localhost:4318"
REQUEST_ID_ATTRIBUTE = "taskagent.request_id"
# Characters of a recorded content attribute (a prompt can be long; collectors cap attributes anyway).
CONTENT_LIMIT = 8_000


class Tracing:
    """One app's tracing: its tracer provider, and whether prompts and contents are recorded."""

    def __init__(self, settings: Settings, provider: TracerProvider) -> None:
        self.settings = settings
        self.provider = provider
        self.record_content = settings.otel_record_content
        self.tracer = provider.get_tracer(TRACER_NAME)

    def instrument_app(self, app: FastAPI) -> None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=self.provider,
            exclude_spans=["receive", "send"],
            server_request_hook=_without_query_string,
        )

    def instrument_engine(self, engine: AsyncEngine) -> None:
        """Statement spans for this engine only. (The package's `SQLAlchemyInstrumentor` would also patch
        `create_engine` for the whole process, tracing the engines of apps that trace nothing.)"""
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
        from opentelemetry.instrumentation.sqlalchemy.version import __version__ as version
        from opentelemetry.metrics import NoOpMeter

        tracer = self.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", version)
        # Pool use is a Prometheus metric already (taskagent_db_pool_checked_out): no meter here.
        usage = NoOpMeter("taskagent").create_up_down_counter("db.client.connections.usage")
        EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]

    def activate(self) -> None:
        """Point the Agents SDK's spans at this app's tracer (its lifespan starts)."""
        from taskagent.agents.model_selection import configure_tracing  # it reads this module

        _BRIDGE.use(self)
        configure_tracing(self.settings)

    def close(self) -> None:
        """The lifespan ends: stop feeding agent spans here and send what is still buffered."""
        from taskagent.agents.model_selection import configure_tracing

        _BRIDGE.release(self)
        configure_tracing(self.settings)  # the SDK's own tracing as ENABLE_TRACING alone asks
        self.provider.shutdown()


def _without_query_string(span: otel_trace.Span, scope: dict[str, Any]) -> None:
    """The request span's URL without its query string, as in the request log: a client may put anything
    there (a token; the help request's `?query=`, which is a prompt)."""
    if not scope.get("query_string") or not span.is_recording():
        return
    attributes = getattr(span, "attributes", None) or {}
    for key in ("http.url", "url.full"):
        value = attributes.get(key)
        if isinstance(value, str):
            span.set_attribute(key, value.partition("?")[0])
    if "url.query" in attributes:
        span.set_attribute("url.query", "")


def build_tracing(settings: Settings, exporter: SpanExporter | None = None) -> Tracing | None:
    """The app's tracing, or None when OTEL_TRACES_EXPORTER is `none` (the default). `exporter` replaces
    the configured one (tests pass the SDK's InMemorySpanExporter) and is exported to synchronously."""
    if settings.otel_traces_exporter == "none":
        return None
    resource = Resource.create({SERVICE_NAME: settings.otel_service_name})
    provider = TracerProvider(resource=resource)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif settings.otel_traces_exporter == "console":
        # In batches, from the processor's thread: printing is I/O, kept off the event loop.
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # The exporter reads the other OTEL_EXPORTER_OTLP_* variables (headers, timeout) itself. The base
        # URL is passed: it may come from a .env file, and an empty one (compose's `${VAR:-}`) would
        # otherwise become the URL "/v1/traces". The traces-only URL, when set, wins, as the spec says.
        traces_endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or (
            f"{(settings.otel_exporter_otlp_endpoint or DEFAULT_OTLP_ENDPOINT).rstrip('/')}/v1/traces"
        )
        otlp = OTLPSpanExporter(endpoint=traces_endpoint)
        provider.add_span_processor(BatchSpanProcessor(otlp))
    return Tracing(settings, provider)


# --- what the rest of the code calls (each a no-op while no app traces) -------------------------------


def agent_processor() -> TracingProcessor | None:
    """The bridge, when an app traces: `configure_tracing` installs it among the SDK's processors."""
    return _BRIDGE if _BRIDGE.active else None


def records_content() -> bool:
    """Whether the SDK should keep prompts and contents on its spans (only for the bridge to record)."""
    tracing = _BRIDGE.tracing
    return tracing is not None and tracing.record_content


def start_turn(workflow: str, agent_key: str, thread_id: str) -> otel_trace.Span | None:
    """The span of one agent turn (admission to the stored answer), or None when nothing traces."""
    tracing = _BRIDGE.tracing
    if tracing is None:
        return None
    return tracing.tracer.start_span(
        f"agent_turn {workflow}",
        attributes={
            "taskagent.workflow": workflow,
            "taskagent.agent.entry": agent_key,
            "gen_ai.conversation.id": thread_id,
        },
    )


def end_turn(
    span: otel_trace.Span | None, *, specialist: str | None, failure: str | None, stopped: bool
) -> None:
    if span is None:
        return
    if specialist is not None:
        span.set_attribute("taskagent.specialist", specialist)
    outcome = "failed" if failure is not None else "stopped" if stopped else "complete"
    span.set_attribute("taskagent.outcome", outcome)
    if failure is not None:
        span.set_status(Status(StatusCode.ERROR, failure))
    span.end()


def current(span: otel_trace.Span | None) -> Any:
    """Make `span` the current one for a block (the SDK run started inside it becomes its child)."""
    if span is None:
        return nullcontext()
    return otel_trace.use_span(span, end_on_exit=False)


def current_trace_id() -> str | None:
    """The current trace's id in hex (for the request's log line), or None."""
    span_context = otel_trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


# --- the Agents SDK bridge ------------------------------------------------------------------------------


class AgentSpanBridge(TracingProcessor):
    """Agents SDK spans as OpenTelemetry spans, parented as the SDK parents them.

    A run's first spans take the OpenTelemetry context current when its trace started: the turn's span,
    as `AgentTurn` starts the run inside it (else the request's). The SDK's `task` and `turn` spans (a run,
    and one step of its loop) are folded into their parent: the tree shows agents, hand-offs, model calls
    and tool calls.
    """

    def __init__(self) -> None:
        self.tracing: Tracing | None = None
        self._lock = threading.Lock()
        self._trace_contexts: dict[str, otel_context.Context] = {}
        self._spans: dict[str, otel_trace.Span] = {}
        self._tokens: dict[str, Token[otel_context.Context]] = {}
        self._folded: dict[str, str | None] = {}  # a folded SDK span's id -> its parent's id

    @property
    def active(self) -> bool:
        return self.tracing is not None

    def use(self, tracing: Tracing) -> None:
        with self._lock:
            self.tracing = tracing

    def release(self, tracing: Tracing) -> None:
        with self._lock:
            if self.tracing is tracing:
                self.tracing = None
                self._trace_contexts.clear()
                self._spans.clear()
                self._tokens.clear()
                self._folded.clear()

    # TracingProcessor ---------------------------------------------------------------------------------

    def on_trace_start(self, trace: Trace) -> None:
        if self.tracing is not None:
            self._trace_contexts[trace.trace_id] = otel_context.get_current()

    def on_trace_end(self, trace: Trace) -> None:
        self._trace_contexts.pop(trace.trace_id, None)

    def on_span_start(self, span: Span[Any]) -> None:
        tracing = self.tracing
        if tracing is None:
            return
        data = span.span_data
        if isinstance(data, TaskSpanData | TurnSpanData):
            self._folded[span.span_id] = span.parent_id
            return
        name, kind, attributes = _describe_start(data)
        otel_span = tracing.tracer.start_span(
            name, context=self._parent_context(span), kind=kind, attributes=attributes
        )
        self._spans[span.span_id] = otel_span
        if isinstance(data, FunctionSpanData):
            # The SDK runs a tool inside its span's `with` block, in one task: made current there, the
            # tool's statements become its children.
            self._tokens[span.span_id] = otel_context.attach(otel_trace.set_span_in_context(otel_span))

    def on_span_end(self, span: Span[Any]) -> None:
        if self._folded.pop(span.span_id, False) is not False:
            return
        otel_span = self._spans.pop(span.span_id, None)
        if otel_span is None:
            return
        token = self._tokens.pop(span.span_id, None)
        if token is not None:
            otel_context.detach(token)
        tracing = self.tracing
        record_content = tracing is not None and tracing.record_content
        try:
            for key, value in _describe_end(span.span_data, record_content).items():
                otel_span.set_attribute(key, value)
            error = span.error
            if error is not None:
                otel_span.set_status(Status(StatusCode.ERROR, error.get("message") or "error"))
        finally:
            otel_span.end()

    def shutdown(self) -> None:
        pass  # the app's Tracing owns the provider and shuts it down

    def force_flush(self) -> None:
        tracing = self.tracing
        if tracing is not None:
            tracing.provider.force_flush()

    def _parent_context(self, span: Span[Any]) -> otel_context.Context | None:
        parent_id = span.parent_id
        while parent_id is not None and parent_id in self._folded:
            parent_id = self._folded[parent_id]
        parent = self._spans.get(parent_id) if parent_id is not None else None
        if parent is not None:
            return otel_trace.set_span_in_context(parent)
        return self._trace_contexts.get(span.trace_id)


_BRIDGE = AgentSpanBridge()


def _describe_start(data: Any) -> tuple[str, SpanKind, dict[str, Any]]:
    """A span's name, kind and first attributes, from the SDK's span data (no content here)."""
    if isinstance(data, AgentSpanData):
        return (
            f"invoke_agent {data.name}",
            SpanKind.INTERNAL,
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": data.name},
        )
    if isinstance(data, GenerationSpanData | ResponseSpanData):
        attributes: dict[str, Any] = {"gen_ai.operation.name": "chat"}
        model = data.model if isinstance(data, GenerationSpanData) else None
        if model:
            attributes["gen_ai.request.model"] = str(model)
        return (f"chat {model}" if model else "chat", SpanKind.CLIENT, attributes)
    if isinstance(data, FunctionSpanData):
        return (
            f"execute_tool {data.name}",
            SpanKind.INTERNAL,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": data.name,
                "gen_ai.tool.type": "function",
            },
        )
    if isinstance(data, HandoffSpanData):
        return ("handoff", SpanKind.INTERNAL, {"taskagent.handoff.from": data.from_agent or ""})
    if isinstance(data, GuardrailSpanData):
        return (f"guardrail {data.name}", SpanKind.INTERNAL, {})
    return (str(getattr(data, "name", None) or data.type), SpanKind.INTERNAL, {})


def _describe_end(data: Any, record_content: bool) -> dict[str, Any]:
    """The attributes known once the SDK span ended: models, token counts, the hand-off's target; and
    the contents, when they are recorded."""
    attributes: dict[str, Any] = {}
    if isinstance(data, HandoffSpanData):
        if data.to_agent:
            attributes["taskagent.handoff.to"] = data.to_agent
            attributes["gen_ai.agent.name"] = data.to_agent
    elif isinstance(data, GenerationSpanData):
        if data.model:
            attributes["gen_ai.request.model"] = str(data.model)
            attributes["gen_ai.response.model"] = str(data.model)
        attributes |= _usage_attributes(data.usage)
        if record_content:
            attributes |= _content("gen_ai.input.messages", data.input)
            attributes |= _content("gen_ai.output.messages", data.output)
    elif isinstance(data, ResponseSpanData):
        response = data.response
        if response is not None:
            attributes["gen_ai.request.model"] = str(response.model)
            attributes["gen_ai.response.model"] = str(response.model)
            if response.id:
                attributes["gen_ai.response.id"] = response.id
            if response.usage is not None:
                attributes |= _usage_attributes(response.usage.model_dump())
        if "gen_ai.usage.input_tokens" not in attributes:
            attributes |= _usage_attributes(data.usage)
        if record_content:
            attributes |= _content("gen_ai.input.messages", data.input)
            if response is not None:
                attributes |= _content(
                    "gen_ai.output.messages", [item.model_dump() for item in response.output]
                )
    elif isinstance(data, FunctionSpanData) and record_content:
        attributes |= _content("gen_ai.tool.call.arguments", data.input)
        attributes |= _content("gen_ai.tool.call.result", data.output)
    return attributes


def _usage_attributes(usage: dict[str, Any] | None) -> dict[str, int]:
    if not usage:
        return {}
    attributes: dict[str, int] = {}
    for key in ("input_tokens", "output_tokens"):
        value = usage.get(key)
        if isinstance(value, int):
            attributes[f"gen_ai.usage.{key}"] = value
    return attributes


def _content(key: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return {key: text[:CONTENT_LIMIT]}
