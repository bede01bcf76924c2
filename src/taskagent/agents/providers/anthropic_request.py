"""The agent runtime's request (Responses-format input items, tools, hand-offs) as Messages API parameters.

Rules the Messages API enforces and this module follows:
- the system prompt goes in `system`, not in the messages;
- a function call is a `tool_use` block in an assistant message, and its output a `tool_result` block
  in the user message right after it; calls made together (parallel tool calls) share one assistant
  message and their results share one user message, results first;
- roles alternate, the first message is the user's, and text blocks are never empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, cast

from agents.agent_output import AgentOutputSchemaBase
from agents.exceptions import UserError
from agents.handoffs import Handoff
from agents.items import TResponseInputItem
from agents.model_settings import ModelSettings
from agents.tool import FunctionTool, Tool

_EPHEMERAL = {"type": "ephemeral"}
# Items that carry nothing the Messages API can use; the SDK may still replay them.
_SKIPPED_ITEMS = {"reasoning", "item_reference", "compaction"}


def build_request(
    *,
    model: str,
    system_instructions: str | None,
    input: str | list[TResponseInputItem],
    model_settings: ModelSettings,
    tools: list[Tool],
    handoffs: list[Handoff],
    output_schema: AgentOutputSchemaBase | None,
    default_max_tokens: int,
) -> dict[str, Any]:
    """Keyword arguments for `AsyncAnthropic.messages.create`."""
    system_parts, messages = convert_input(input)
    if system_instructions:
        system_parts.insert(0, system_instructions)
    request: dict[str, Any] = {
        "model": model,
        "max_tokens": model_settings.max_tokens or default_max_tokens,
        "messages": messages,
        # Automatic prompt caching: the conversation prefix is re-read at a tenth of the price on the
        # next turn of the same run (a tool call loop sends the same prefix again and again).
        "cache_control": _EPHEMERAL,
    }
    if system_parts:
        request["system"] = [{"type": "text", "text": "\n\n".join(system_parts)}]
    tool_params = convert_tools(tools, handoffs)
    if tool_params:
        request["tools"] = tool_params
        if (choice := convert_tool_choice(model_settings)) is not None:
            request["tool_choice"] = choice
    if output_schema is not None and not output_schema.is_plain_text():
        request["output_config"] = {"format": {"type": "json_schema", "schema": output_schema.json_schema()}}
    if model_settings.temperature is not None:
        request["temperature"] = model_settings.temperature
    if model_settings.top_p is not None:
        request["top_p"] = model_settings.top_p
    for name in ("extra_headers", "extra_query", "extra_body"):
        if value := getattr(model_settings, name):
            request[name] = value
    return request


def convert_input(items: str | Iterable[TResponseInputItem]) -> tuple[list[str], list[dict[str, Any]]]:
    """System texts found in the input, and the alternating user/assistant messages."""
    if isinstance(items, str):
        return [], [{"role": "user", "content": [_text(items)]}]
    system: list[str] = []
    messages: list[dict[str, Any]] = []
    for raw in items:
        item = cast(Mapping[str, Any], raw)
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            if role in {"system", "developer"}:
                system.append(_plain_text(item.get("content")))
            elif role in {"user", "assistant"}:
                _append(messages, role, _content_blocks(item.get("content")))
            else:
                raise UserError(f"Anthropic provider: unknown message role {role!r}")
        elif kind == "function_call":
            block = {
                "type": "tool_use",
                "id": item["call_id"],
                "name": item["name"],
                "input": _arguments(item.get("arguments")),
            }
            _append(messages, "assistant", [block])
        elif kind == "function_call_output":
            block = {
                "type": "tool_result",
                "tool_use_id": item["call_id"],
                "content": _tool_output(item.get("output")),
            }
            _append(messages, "user", [block])
        elif kind not in _SKIPPED_ITEMS:
            raise UserError(f"Anthropic provider: input items of type {kind!r} are not supported")
    if not messages or messages[0]["role"] != "user":
        messages.insert(0, {"role": "user", "content": [_text("(continuing the conversation)")]})
    return [text for text in system if text], messages


def convert_tools(tools: list[Tool], handoffs: list[Handoff]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for tool in tools:
        if not isinstance(tool, FunctionTool):
            raise UserError(
                f"Anthropic provider: only function tools are supported, not {type(tool).__name__}"
            )
        params.append(_tool(tool.name, tool.description, tool.params_json_schema))
    for handoff in handoffs:
        params.append(_tool(handoff.tool_name, handoff.tool_description, handoff.input_json_schema))
    if params:
        # Tool definitions come first in the prompt and rarely change: cache them across runs.
        params[-1] = {**params[-1], "cache_control": _EPHEMERAL}
    return params


def convert_tool_choice(settings: ModelSettings) -> dict[str, Any] | None:
    choice = settings.tool_choice
    result: dict[str, Any] | None
    if choice is None:
        result = None
    elif choice == "auto":
        result = {"type": "auto"}
    elif choice == "required":
        result = {"type": "any"}
    elif choice == "none":
        result = {"type": "none"}
    elif isinstance(choice, str):
        result = {"type": "tool", "name": choice}
    else:
        raise UserError("Anthropic provider: MCP tool choices are not supported")
    if settings.parallel_tool_calls is False and (result is None or result["type"] != "none"):
        result = {**(result or {"type": "auto"}), "disable_parallel_tool_use": True}
    return result


def _tool(name: str, description: str | None, schema: Mapping[str, Any]) -> dict[str, Any]:
    input_schema = dict(schema) if schema else {}
    input_schema.setdefault("type", "object")
    input_schema.setdefault("properties", {})
    return {"name": name, "description": description or name, "input_schema": input_schema}


def _append(messages: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    """Add blocks to the conversation, merging with the previous message of the same role."""
    if not blocks:
        return
    if not messages or messages[-1]["role"] != role:
        messages.append({"role": role, "content": []})
    content: list[dict[str, Any]] = messages[-1]["content"]
    for block in blocks:
        if block["type"] == "tool_result":
            # Tool results must precede any other content of the user message.
            position = sum(1 for existing in content if existing["type"] == "tool_result")
            content.insert(position, block)
        else:
            content.append(block)


def _content_blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [_text(content)] if content else []
    blocks: list[dict[str, Any]] = []
    for part in content or []:
        kind = part.get("type")
        if kind in {"input_text", "output_text", "text"} and part.get("text"):
            blocks.append(_text(part["text"]))
        elif kind == "refusal" and part.get("refusal"):
            blocks.append(_text(part["refusal"]))
        elif kind == "input_image":
            blocks.append(_image(part))
        elif kind not in {"input_text", "output_text", "text", "refusal"}:
            raise UserError(f"Anthropic provider: content of type {kind!r} is not supported")
    return blocks


def _image(part: Mapping[str, Any]) -> dict[str, Any]:
    url = part.get("image_url")
    if not isinstance(url, str):
        raise UserError("Anthropic provider: images must be given by URL or data URL")
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        media_type = header.removeprefix("data:").split(";")[0]
        return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _tool_output(output: Any) -> str | list[dict[str, Any]]:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return _content_blocks(output)
    return json.dumps(output)


def _plain_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content or [] if isinstance(part, Mapping))


def _arguments(arguments: Any) -> dict[str, Any]:
    """A call's JSON arguments as the object `tool_use.input` must be."""
    if not arguments:
        return {}
    try:
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}
