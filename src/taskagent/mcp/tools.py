"""The MCP server's tools: the assistant's own task tools (agents/tools.py), offered to other agents.

Each MCP tool runs an assistant tool through the agents SDK's own invocation, with an `AgentContext` for
the caller: the same arguments checks, the same `TaskService` and owner filter, the same results and
error messages. A few are narrowed for callers with no task in focus (`get_task`, `reschedule_task`) or
are shortcuts for a common change (`complete_task`, `reopen_task`). `ask_for_help` is a help request on a
task, the same turn as `POST /tasks/{id}/help`, answered whole.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents import FunctionTool
from agents.tool_context import ToolContext
from mcp_types import CallToolResult, TextContent, Tool

from taskagent.agents import tools as assistant
from taskagent.agents.context import AgentContext
from taskagent.agents.definitions import TRIAGE
from taskagent.agents.help import HelpRun, record_request
from taskagent.agents.runner import AgentRuntime
from taskagent.agents.schemas import MAX_QUERY
from taskagent.agents.tools import task_json
from taskagent.audit.models import Channel
from taskagent.db import session_scope, utcnow
from taskagent.ratelimit import RateLimiter
from taskagent.tasks.service import TaskNotFoundError, TaskService

Arguments = dict[str, Any]


def _task_id_only(description: str) -> Arguments:
    return {
        "type": "object",
        "properties": {"task_id": {"type": "integer", "description": description}},
        "required": ["task_id"],
        "additionalProperties": False,
    }


def _optional_nullables(schema: Arguments) -> Arguments:
    """The assistant's strict schema with every field that accepts null made optional, as MCP clients
    expect (OpenAI's strict mode lists every field as required)."""
    relaxed = copy.deepcopy(schema)
    for node in [relaxed, *relaxed.get("$defs", {}).values()]:
        properties = node.get("properties", {})
        node["required"] = [
            name
            for name in node.get("required", [])
            if {"type": "null"} not in properties.get(name, {}).get("anyOf", [])
        ]
    return relaxed


@dataclass(frozen=True)
class McpTool:
    name: str
    runs: FunctionTool
    description: str = ""
    input_schema: Arguments = field(default_factory=dict)
    # The MCP arguments as the assistant tool takes them.
    arguments: Callable[[Arguments], Arguments] = lambda given: given

    def listing(self) -> Tool:
        return Tool(
            name=self.name,
            description=self.description or self.runs.description,
            input_schema=self.input_schema or _optional_nullables(self.runs.params_json_schema),
        )


TOOLS: dict[str, McpTool] = {
    tool.name: tool
    for tool in (
        McpTool("create_tasks", assistant.create_tasks),
        McpTool("list_tasks", assistant.list_tasks),
        McpTool("find_tasks", assistant.find_tasks),
        McpTool(
            "get_task",
            assistant.get_task,
            "Read one of the user's tasks by id. Returns the task.",
            _task_id_only("The task's id."),
        ),
        McpTool("update_task", assistant.update_task),
        McpTool(
            "complete_task",
            assistant.update_task,
            'Mark one of the user\'s tasks as completed. Returns {"task": task}.',
            _task_id_only("The task's id."),
            lambda given: {**given, "status": "completed"},
        ),
        McpTool(
            "reopen_task",
            assistant.update_task,
            'Reopen a completed task (its status goes back to pending). Returns {"task": task}.',
            _task_id_only("The task's id."),
            lambda given: {**given, "status": "pending"},
        ),
        McpTool(
            "reschedule_task",
            assistant.set_due_date,
            'Move a task to a new due date. Returns {"task": task}.',
            {
                "type": "object",
                "properties": {
                    "task_id": {"type": "integer", "description": "The task's id."},
                    "due_date": {
                        "type": "string",
                        "description": "ISO 8601; a date alone means 23:59 that day in the user's time zone.",
                    },
                },
                "required": ["task_id", "due_date"],
                "additionalProperties": False,
            },
        ),
        McpTool("delete_task", assistant.delete_task),
    )
}


async def call_tool(name: str, given: Arguments, context: AgentContext) -> CallToolResult:
    """Run one tool for the user in `context`; every failure is a tool error (`isError`), which the
    calling model reads, never a protocol error."""
    tool = TOOLS.get(name)
    if tool is None:
        return _result({"error": f"Unknown tool {name!r}; see tools/list"})
    raw = json.dumps(tool.arguments(given))
    invocation = ToolContext(
        context=context, tool_name=tool.runs.name, tool_call_id=f"mcp-{uuid.uuid4().hex}", tool_arguments=raw
    )
    output = await tool.runs.on_invoke_tool(invocation, raw)
    return _result(json.loads(output) if isinstance(output, str) else output)


def _result(payload: Any) -> CallToolResult:
    failed = isinstance(payload, dict) and set(payload) == {"error"}
    return CallToolResult(
        content=[TextContent(text=json.dumps(payload, ensure_ascii=False))],
        structured_content=payload if isinstance(payload, dict) else {"result": payload},
        is_error=failed,
    )


def assistant_error(message: str) -> CallToolResult:
    return _result({"error": message})


# --- the specialists ------------------------------------------------------------------------------------

ASK_FOR_HELP = Tool(
    name="ask_for_help",
    description=(
        "Ask TaskAgent's specialists about one of the user's tasks. Without `specialist`, triage picks one "
        "of the service's specialists; the built-in ones are "
        "scheduler (when to do it, given deadlines, priorities and the user's other tasks), breakdown "
        "(concrete subtasks with estimates; it creates them as subtasks when the request asks it to) or "
        "blocker (root causes, workarounds, who to ask when the task is stuck). Returns the answer text and "
        "the specialist that gave it; the request and answer join the task's help thread, so a later "
        "request sees them. Counts against the user's agent rate limit."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "task_id": {"type": "integer", "description": "The task's id."},
            "request": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_QUERY,
                "description": "What the user wants to know, in their words.",
            },
            "specialist": {
                "type": "string",
                "description": "Ask this specialist directly instead of letting triage choose: an id from "
                "GET /agents/status (the service's specialists file decides which there are).",
            },
        },
        "required": ["task_id", "request"],
        "additionalProperties": False,
    },
)


@dataclass(frozen=True)
class HelpDesk:
    """What a help request needs besides the caller: the agents, and the agent rate limit (None over
    stdio, where the process is the user's own)."""

    runtime: AgentRuntime
    limiter: RateLimiter | None = None


async def ask_for_help(given: Arguments, context: AgentContext, desk: HelpDesk) -> CallToolResult:
    """One help request, as `POST /tasks/{id}/help` makes it (stored request, one turn over the task's
    thread, stored answer), answered as a whole."""
    task_id, request, specialist = given.get("task_id"), given.get("request"), given.get("specialist")
    if set(given) - {"task_id", "request", "specialist"}:
        return assistant_error(
            f"Unknown arguments: {sorted(set(given) - {'task_id', 'request', 'specialist'})}"
        )
    if not isinstance(task_id, int) or isinstance(task_id, bool):
        return assistant_error("task_id must be an integer")
    text = request.strip() if isinstance(request, str) else ""
    if not text or len(text) > MAX_QUERY:
        return assistant_error(f"request must be 1 to {MAX_QUERY} characters")
    known = desk.runtime.catalog.ids
    if specialist is not None and specialist not in known:
        return assistant_error(f"specialist must be one of {', '.join(known)}")
    limiter = desk.limiter
    if limiter is not None and limiter.enabled:
        outcome = await limiter.hit(limiter.agent, f"user:{context.user_id}")
        if not outcome.allowed:
            return assistant_error(f"Rate limit exceeded: {limiter.agent.limit} per minute. Try again later.")
    factory = context.session_factory
    async with desk.runtime.setup:  # the same turns as the help route's set-up
        async with session_scope(factory) as session:
            try:
                task = await TaskService(session, context.user_id).get(task_id)
            except TaskNotFoundError:
                return assistant_error(f"Task {task_id} not found")
            focus = task_json(task)
        thread_id, _ = await record_request(factory, context.user_id, task, text)
    run = HelpRun(
        runtime=desk.runtime,
        agent_key=specialist or TRIAGE.id,
        context=AgentContext(
            user_id=context.user_id,
            session_factory=factory,
            timezone=context.timezone,
            now=utcnow(),
            focus_task_id=task.id,
            focus_task=focus,
            channel=Channel.help,
        ),
        thread_id=thread_id,
    )
    words: list[str] = []
    async for event in run.stream():
        if event is None:
            continue
        if event.event == "delta":
            words.append(event.data["text"])
        elif event.event == "error":
            return assistant_error(event.data["message"])
        elif event.event == "done":
            return _result({"answer": "".join(words).strip(), "specialist": event.data["specialist"]})
    return assistant_error("The request was stopped before the answer was complete.")
