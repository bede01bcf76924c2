"""The MCP server's tools: the assistant's own task tools (agents/tools.py), offered to other agents.

Each MCP tool runs an assistant tool through the agents SDK's own invocation, with an `AgentContext` for
the caller: the same arguments checks, the same `TaskService` and owner filter, the same results and
error messages. A few are narrowed for callers with no task in focus (`get_task`, `reschedule_task`) or
are shortcuts for a common change (`complete_task`, `reopen_task`).
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
