"""Traces, captured with the OpenTelemetry SDK's in-memory exporter: a request's span with its request id
and its statements; a help request's agent turn as a tree (triage, the hand-off, the specialist, model calls
with token counts, tool calls), on the offline engine and on a hosted model's client against a fake server;
contents only when the operator asks; and nothing at all when tracing is off."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from agents.tracing import trace
from agents.tracing.traces import NoOpTrace
from fastapi import FastAPI
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from taskagent.app import create_app
from taskagent.config import Settings
from taskagent.observability import tracing
from taskagent.resources import app_resources
from tests.agents.support import ask_events, create_task, install_settings
from tests.chat.conftest import ChatClient
from tests.conftest import UserHandle, build_settings
from tests.fakes import (
    FakeOpenAIResponses,
    HttpError,
    ScriptedProvider,
    text,
    tool_call,
)
from tests.fakes.server import Exchange, FakeServer, Request
from tests.observability.conftest import LogLines

TITLE = "Prepare the board presentation"
QUERY = "When should I work on this?"
CONTENT_KEYS = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.tool.call.")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"otel_traces_exporter": "console"}  # replaced by the in-memory exporter below


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def app(settings: Settings, exporter: InMemorySpanExporter) -> AsyncIterator[FastAPI]:
    application = create_app(settings, span_exporter=exporter)
    async with application.router.lifespan_context(application):
        yield application


class Spans:
    """The finished spans of a test, with their tree."""

    def __init__(self, spans: tuple[ReadableSpan, ...]) -> None:
        self.all = spans
        self.by_id = {span.context.span_id: span for span in spans}

    def named(self, prefix: str) -> list[ReadableSpan]:
        return sorted(
            (span for span in self.all if span.name.startswith(prefix)), key=lambda s: s.start_time or 0
        )

    def one(self, prefix: str) -> ReadableSpan:
        found = self.named(prefix)
        assert len(found) == 1, [span.name for span in self.all]
        return found[0]

    def children(self, parent: ReadableSpan, prefix: str = "") -> list[ReadableSpan]:
        return [
            span
            for span in self.named(prefix)
            if span.parent is not None and span.parent.span_id == parent.context.span_id
        ]

    def request(self) -> ReadableSpan:
        [request] = [span for span in self.all if span.kind is SpanKind.SERVER]
        return request

    def statements(self) -> list[ReadableSpan]:
        return [span for span in self.all if (span.attributes or {}).get("db.statement")]


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def tree_of_help_request(spans: Spans) -> tuple[list[ReadableSpan], list[ReadableSpan], list[ReadableSpan]]:
    """Checks the shape every help request has; returns the model calls, tool calls and hand-off."""
    request = spans.request()
    assert request.name == "POST /tasks/{task_id:int}/help"
    [turn] = spans.children(request, "agent_turn")
    assert attrs(turn)["taskagent.specialist"] == "scheduler"
    assert attrs(turn)["taskagent.outcome"] == "complete"
    triage, scheduler = spans.children(turn, "invoke_agent")
    assert attrs(triage)["gen_ai.agent.name"] == "Triage Agent"
    assert attrs(scheduler)["gen_ai.agent.name"] == "Scheduler Agent"
    [handoff] = spans.children(triage, "handoff")
    assert attrs(handoff)["taskagent.handoff.from"] == "Triage Agent"
    assert attrs(handoff)["taskagent.handoff.to"] == "Scheduler Agent"
    calls = spans.children(triage, "chat") + spans.children(scheduler, "chat")
    for call in calls:
        assert attrs(call)["gen_ai.operation.name"] == "chat"
        assert call.kind is SpanKind.CLIENT
    tools = spans.children(scheduler, "execute_tool")
    assert "get_task" in [attrs(tool)["gen_ai.tool.name"] for tool in tools]
    # One trace; the tool's statements are its children.
    assert {span.context.trace_id for span in spans.all} == {request.context.trace_id}
    [get_task] = [tool for tool in tools if attrs(tool)["gen_ai.tool.name"] == "get_task"]
    assert any("FROM tasks" in str(attrs(s)["db.statement"]) for s in spans.children(get_task))
    return calls, tools, [handoff]


def no_content(spans: Spans, *texts: str) -> None:
    for span in spans.all:
        for key, value in attrs(span).items():
            assert not key.startswith(CONTENT_KEYS), (span.name, key)
            assert not any(text_ in str(value) for text_ in texts), (span.name, key, value)


async def test_a_help_request_on_the_offline_engine_is_a_tree(
    client: httpx.AsyncClient, alice: UserHandle, exporter: InMemorySpanExporter
) -> None:
    task = await create_task(client, alice, title=TITLE)
    exporter.clear()
    events = await ask_events(client, alice, task["id"], QUERY)
    assert events[-1].name == "done"

    spans = Spans(exporter.get_finished_spans())
    calls, _tools, _ = tree_of_help_request(spans)
    assert len(calls) >= 2  # triage's call, then the scheduler's
    for call in calls:
        assert attrs(call)["gen_ai.request.model"] == "local"
        assert attrs(call)["gen_ai.usage.input_tokens"] > 0
        assert attrs(call)["gen_ai.usage.output_tokens"] > 0
    no_content(spans, TITLE, QUERY)  # not recorded unless asked


def use(app: FastAPI, provider: str, fake: ScriptedProvider) -> None:
    base_url: str = fake.base_url  # type: ignore[attr-defined]
    values: dict[str, Any] = {"taskagent_model": f"{provider}:test-model"}
    if provider == "anthropic":
        values |= {"anthropic_api_key": "sk-ant-test-key", "anthropic_base_url": base_url}
    else:
        values |= {"openai_api_key": "sk-test-key", "openai_base_url": base_url}
    install_settings(app, **values)


async def test_a_help_request_on_a_hosted_model_carries_its_token_counts(
    client: httpx.AsyncClient,
    app: FastAPI,
    alice: UserHandle,
    exporter: InMemorySpanExporter,
    provider: str,
    fake: ScriptedProvider,
) -> None:
    task = await create_task(client, alice, title=TITLE)
    answer = "Work on it Thursday morning, before the review."
    fake.queue(
        dataclasses.replace(tool_call("transfer_to_scheduler_agent"), input_tokens=101),
        dataclasses.replace(tool_call("get_task", {"task_id": task["id"]}), input_tokens=202),
        dataclasses.replace(text(answer), input_tokens=303),
    )
    use(app, provider, fake)
    exporter.clear()
    events = await ask_events(client, alice, task["id"], QUERY)
    assert events[-1].name == "done"

    spans = Spans(exporter.get_finished_spans())
    calls, tools, _ = tree_of_help_request(spans)
    assert [attrs(tool)["gen_ai.tool.name"] for tool in tools] == ["get_task"]
    # The numbers the server reported: the prompt's as sent, 10 a tool call, one a streamed word.
    assert [attrs(call)["gen_ai.usage.input_tokens"] for call in calls] == [101, 202, 303]
    assert [attrs(call)["gen_ai.usage.output_tokens"] for call in calls] == [10, 10, len(answer.split())]
    assert {attrs(call)["gen_ai.request.model"] for call in calls} == {"test-model"}
    no_content(spans, TITLE, QUERY, answer)


async def test_a_chat_turn_is_a_tree_too(
    client: httpx.AsyncClient, alice: UserHandle, exporter: InMemorySpanExporter
) -> None:
    turn = await ChatClient(client, alice).create("Create a task to review the Q4 report, high priority")
    assert not turn.errors

    spans = Spans(exporter.get_finished_spans())
    request = spans.request()
    assert request.name == "POST /chatkit"
    [agent_turn] = spans.children(request, "agent_turn chat")
    assert attrs(agent_turn)["taskagent.outcome"] == "complete"
    [manager] = spans.children(agent_turn, "invoke_agent")
    assert attrs(manager)["gen_ai.agent.name"] == "Task Manager"
    assert all(attrs(call)["gen_ai.usage.output_tokens"] > 0 for call in spans.children(manager, "chat"))
    [create] = spans.children(manager, "execute_tool create_tasks")
    assert any("INSERT INTO tasks" in str(attrs(s)["db.statement"]) for s in spans.children(create))
    no_content(spans, "Q4 report")


@pytest.mark.backends("sqlite")
async def test_a_failed_model_call_marks_its_span_and_the_turn(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, exporter: InMemorySpanExporter
) -> None:
    with FakeOpenAIResponses() as fake:
        fake.queue(*[HttpError(500)] * 2)  # the client retries once
        use(app, "openai", fake)
        task = await create_task(client, alice, title=TITLE)
        exporter.clear()
        events = await ask_events(client, alice, task["id"], QUERY)
    assert events[-1].name == "error"

    spans = Spans(exporter.get_finished_spans())
    turn = spans.one("agent_turn")
    assert attrs(turn)["taskagent.outcome"] == "failed"
    assert turn.status.status_code is StatusCode.ERROR
    [call] = spans.named("chat")
    assert call.status.status_code is StatusCode.ERROR
    assert call.parent is not None and spans.by_id[call.parent.span_id].name == "invoke_agent Triage Agent"
    assert "sk-test-key" not in str([attrs(span) for span in spans.all]) + str(turn.status.description)


@pytest.mark.parametrize(
    "settings_overrides", [{"otel_traces_exporter": "console", "otel_record_content": True}]
)
async def test_contents_are_recorded_when_the_operator_asks(
    client: httpx.AsyncClient, alice: UserHandle, exporter: InMemorySpanExporter
) -> None:
    task = await create_task(client, alice, title=TITLE)
    exporter.clear()
    await ask_events(client, alice, task["id"], QUERY)

    spans = Spans(exporter.get_finished_spans())
    calls, tools, _ = tree_of_help_request(spans)
    assert QUERY in str(attrs(calls[0])["gen_ai.input.messages"])
    assert "transfer_to_scheduler_agent" in str(attrs(calls[0])["gen_ai.output.messages"])
    [get_task] = [tool for tool in tools if attrs(tool)["gen_ai.tool.name"] == "get_task"]
    assert str(task["id"]) in str(attrs(get_task)["gen_ai.tool.call.arguments"])
    assert TITLE in str(attrs(get_task)["gen_ai.tool.call.result"])


async def test_a_request_span_carries_the_request_id_of_its_header_and_log_line(
    client: httpx.AsyncClient, alice: UserHandle, exporter: InMemorySpanExporter, log_lines: LogLines
) -> None:
    task = await create_task(client, alice, title=TITLE)
    for sent in ({"X-Request-ID": "req-from-the-proxy-42"}, {}):
        exporter.clear()
        log_lines.lines.clear()
        response = await client.get(
            f"/tasks/{task['id']}?note=private-words", headers={**alice.headers, **sent}
        )
        assert response.status_code == 200
        request_id = response.headers["x-request-id"]
        if sent:
            assert request_id == "req-from-the-proxy-42"

        spans = Spans(exporter.get_finished_spans())
        request = spans.request()
        assert request.name == "GET /tasks/{task_id:int}"
        assert attrs(request)["taskagent.request_id"] == request_id
        assert "private-words" not in str(attrs(request))  # no query string, as in the log
        [line] = log_lines.requests()
        assert line["request_id"] == request_id
        assert line["trace_id"] == format(request.context.trace_id, "032x")
        # The statements that served it are its children.
        statements = spans.statements()
        assert any("FROM tasks" in str(attrs(s)["db.statement"]) for s in statements)
        for statement in statements:
            assert statement.parent is not None
            assert statement.parent.span_id == request.context.span_id
            assert TITLE not in str(attrs(statement))  # statements are sent with parameters apart


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_with_tracing_off_nothing_is_installed(
    client: httpx.AsyncClient,
    app: FastAPI,
    alice: UserHandle,
    exporter: InMemorySpanExporter,
    log_lines: LogLines,
) -> None:
    assert app_resources(app).tracing is None
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
    engine = app_resources(app).engine.sync_engine
    assert all(target() is not engine for target, *_ in EngineTracer._remove_event_listener_params)
    task = await create_task(client, alice, title=TITLE)
    events = await ask_events(client, alice, task["id"], QUERY)
    assert events[-1].name == "done"

    assert exporter.get_finished_spans() == ()  # the exporter a traced app would have used saw nothing
    assert tracing.agent_processor() is None
    assert isinstance(trace("probe"), NoOpTrace)  # the Agents SDK traces nothing either
    assert all("trace_id" not in line for line in log_lines.requests())


class FakeCollector(FakeServer):
    """An OTLP/HTTP receiver: keeps each export request's spans."""

    async def handle(self, request: Request, exchange: Exchange) -> None:
        await exchange.send(200, b"", content_type="application/x-protobuf")


@pytest.mark.backends("sqlite")
async def test_otlp_sends_the_spans_to_a_collector(database_url: str, tmp_path: Path) -> None:
    with FakeCollector() as collector:
        settings = build_settings(
            database_url,
            tmp_path / "data",
            otel_traces_exporter="otlp",
            otel_exporter_otlp_endpoint=collector.url,
            otel_service_name="taskagent-under-test",
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                assert (await client.get("/health")).status_code == 200
        # The lifespan's end sent what was buffered.
        assert collector.requests
        names: list[str] = []
        for request in collector.requests:
            assert (request.method, request.path) == ("POST", "/v1/traces")
            assert request.headers["content-type"] == "application/x-protobuf"
            export = ExportTraceServiceRequest.FromString(request.body)
            for resource_spans in export.resource_spans:
                service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                assert service["service.name"] == "taskagent-under-test"
                names += [span.name for scope in resource_spans.scope_spans for span in scope.spans]
        assert "GET /health" in names
