"""A test bench for the offline engine: the real Agents SDK, real Agent objects with hand-offs, OfflineModel
for every role, and function tools over an in-memory task list that follow the tool contract of
docs/architecture.md (the production tools over the database live in taskagent.agents.tools).

`run_case` plays one case of tests/eval/utterances-dev.jsonl (or extra_cases.jsonl) the way the eval
README describes: setup tasks, the turns in one thread (history replayed as message text, as ChatKit
does) or one help request through triage, then checks every expectation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from agents import Agent, RunContextWrapper, Runner, function_tool
from agents.stream_events import RawResponsesStreamEvent
from agents.tool_context import ToolContext
from pydantic import BaseModel

from taskagent.agents import scheduling
from taskagent.agents.offline import OfflineModel
from taskagent.agents.offline.tasks import TaskInfo
from taskagent.tasks.matching import rank_tasks
from tests.eval.expectations import day_of

# --- the in-memory task list ------------------------------------------------------------------------------


@dataclass
class Store:
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    def add(self, now: datetime, **fields: Any) -> dict[str, Any]:
        task_id = self.next_id
        self.next_id += 1
        stamp = now.astimezone(UTC).isoformat()
        task = {
            "id": task_id,
            "title": fields["title"].strip(),
            "description": fields.get("description"),
            "status": fields.get("status") or "pending",
            "priority": fields.get("priority") or "normal",
            "due_date": _utc(fields.get("due_date")),
            "tags": list(fields.get("tags") or []),
            "parent_id": fields.get("parent_id"),
            "estimate_minutes": fields.get("estimate_minutes"),
            "recurrence": fields.get("recurrence"),
            "repeat_from": fields.get("repeat_from") or "due",
            "reminders": list(fields.get("reminders") or []),
            "owner_id": 1,
            "created_at": stamp,
            "updated_at": stamp,
            "completed_at": stamp if fields.get("status") == "completed" else None,
        }
        self.tasks[task_id] = task
        return dict(task)


def _utc(value: Any) -> str | None:
    if value is None:
        return None
    moment = (
        value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_when(value: str, zone: ZoneInfo) -> str:
    """ISO date or datetime from a tool argument; a date alone is 23:59 that day in the user's zone."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        day = date.fromisoformat(value.strip())
        return _utc(datetime.combine(day, time(23, 59), tzinfo=zone)) or ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return _utc(moment) or ""


def _bound(value: str, zone: ZoneInfo, *, next_day: bool) -> datetime:
    """A list bound, as the real tool reads it: a date alone includes that whole day (in the user's zone)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        day = date.fromisoformat(value.strip()) + timedelta(days=1 if next_day else 0)
        return datetime.combine(day, time(0, 0), tzinfo=zone)
    return datetime.fromisoformat(value)


@dataclass
class BenchContext:
    store: Store
    now: datetime
    zone: ZoneInfo
    focus_task_id: int | None = None
    tool_log: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _ctx(wrapper: RunContextWrapper[BenchContext]) -> BenchContext:
    return wrapper.context


def _given(wrapper: RunContextWrapper[BenchContext]) -> dict[str, Any]:
    if isinstance(wrapper, ToolContext):
        try:
            parsed = json.loads(wrapper.tool_arguments or "{}")
        except json.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _log(wrapper: RunContextWrapper[BenchContext], name: str) -> BenchContext:
    context = _ctx(wrapper)
    context.tool_log.append((name, _given(wrapper)))
    return context


class NewTaskArgs(BaseModel):
    title: str
    description: str | None = None
    priority: str | None = None
    status: str | None = None
    due_date: str | None = None
    tags: list[str] | None = None
    parent_id: int | None = None
    estimate_minutes: int | None = None
    recurrence: str | None = None
    repeat_from: str | None = None
    reminders: list[dict[str, Any]] | None = None


class StepArgs(BaseModel):
    title: str
    estimate_minutes: int | None = None


@function_tool(strict_mode=False)
def create_tasks(wrapper: RunContextWrapper[BenchContext], tasks: list[NewTaskArgs]) -> str:
    """Create tasks."""
    context = _log(wrapper, "create_tasks")
    created = []
    for item in tasks:
        fields = item.model_dump()
        if fields.get("due_date"):
            fields["due_date"] = parse_when(fields["due_date"], context.zone)
        created.append(context.store.add(context.now, **fields))
    return json.dumps({"created": created})


@function_tool(strict_mode=False)
def list_tasks(
    wrapper: RunContextWrapper[BenchContext],
    status: str | None = None,
    priority: str | None = None,
    due_before: str | None = None,
    due_after: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    limit: int | None = None,
) -> str:
    """List tasks with filters."""
    context = _log(wrapper, "list_tasks")
    found = []
    for task in context.store.tasks.values():
        due = datetime.fromisoformat(task["due_date"].replace("Z", "+00:00")) if task["due_date"] else None
        if status and task["status"] != status:
            continue
        if priority and task["priority"] != priority:
            continue
        if due_before and (due is None or due >= _bound(due_before, context.zone, next_day=True)):
            continue
        if due_after and (due is None or due < _bound(due_after, context.zone, next_day=False)):
            continue
        if overdue and (due is None or due >= context.now or task["status"] == "completed"):
            continue
        if q and q.lower() not in f"{task['title']} {task['description'] or ''}".lower():
            continue
        found.append(dict(task))
    found = found[: limit or 50]
    return json.dumps({"tasks": found, "count": len(found)})


@function_tool(strict_mode=False)
def update_task(
    wrapper: RunContextWrapper[BenchContext],
    task_id: int,
    title: str | None = None,
    description: str | None = None,
    status: str | None = None,
    priority: str | None = None,
    due_date: str | None = None,
    tags: list[str] | None = None,
    estimate_minutes: int | None = None,
    recurrence: str | None = None,
    repeat_from: str | None = None,
    reminders: list[dict[str, Any]] | None = None,
) -> str:
    """Update a task."""
    context = _log(wrapper, "update_task")
    given = _given(wrapper)
    task = context.store.tasks.get(task_id)
    if task is None:
        return json.dumps({"error": f"Task {task_id} not found"})
    for name, value in (
        ("title", title),
        ("description", description),
        ("status", status),
        ("priority", priority),
    ):
        if value is not None:
            task[name] = value
    if tags is not None:
        task["tags"] = tags
    if estimate_minutes is not None:
        task["estimate_minutes"] = estimate_minutes
    if recurrence is not None or "recurrence" in given:
        task["recurrence"] = recurrence
    if repeat_from is not None:
        task["repeat_from"] = repeat_from
    if reminders is not None:
        task["reminders"] = reminders
    if due_date is not None:
        task["due_date"] = parse_when(due_date, context.zone)
    elif "due_date" in given:
        task["due_date"] = None
    task["completed_at"] = context.now.isoformat() if task["status"] == "completed" else None
    return json.dumps({"task": task})


@function_tool(strict_mode=False)
def delete_task(wrapper: RunContextWrapper[BenchContext], task_id: int) -> str:
    """Delete a task."""
    context = _log(wrapper, "delete_task")
    task = context.store.tasks.pop(task_id, None)
    if task is None:
        return json.dumps({"error": f"Task {task_id} not found"})
    deleted = {"id": task_id, "title": task["title"]}
    if task.get("recurrence"):
        deleted |= {"recurrence": task["recurrence"], "repeat_from": task["repeat_from"]}
        deleted["due_date"] = task["due_date"]
    return json.dumps({"deleted": deleted})


@function_tool(strict_mode=False)
def find_tasks(wrapper: RunContextWrapper[BenchContext], description: str) -> str:
    """Find tasks by description, best first."""
    context = _log(wrapper, "find_tasks")
    infos = {}
    for task in context.store.tasks.values():
        info = TaskInfo.from_json(task)
        assert info is not None
        infos[info.id] = info
    ranked = rank_tasks(description, list(infos.values()), limit=len(infos))
    return json.dumps({"matches": [dict(context.store.tasks[info.id]) for info in ranked]})


def _focus(context: BenchContext, task_id: int | None) -> int | None:
    return task_id if task_id is not None else context.focus_task_id


@function_tool(strict_mode=False)
def get_task(wrapper: RunContextWrapper[BenchContext], task_id: int | None = None) -> str:
    """Read one task."""
    context = _log(wrapper, "get_task")
    wanted = _focus(context, task_id)
    task = context.store.tasks.get(wanted or -1)
    return json.dumps(task if task else {"error": f"Task {wanted} not found"})


@function_tool(strict_mode=False)
def list_open_tasks(wrapper: RunContextWrapper[BenchContext]) -> str:
    """The user's tasks not completed."""
    context = _log(wrapper, "list_open_tasks")
    return json.dumps(
        {"tasks": [dict(t) for t in context.store.tasks.values() if t["status"] != "completed"]}
    )


@function_tool(strict_mode=False)
def suggest_schedule(wrapper: RunContextWrapper[BenchContext], task_id: int | None = None) -> str:
    """Suggest a day to work on a task."""
    context = _log(wrapper, "suggest_schedule")
    wanted = _focus(context, task_id)
    task = context.store.tasks.get(wanted or -1)
    if task is None:
        return json.dumps({"error": f"Task {wanted} not found"})
    others = [t for t in context.store.tasks.values() if t["id"] != task["id"] and t["status"] != "completed"]
    return json.dumps(scheduling.suggest_schedule(task, others, context.now, context.zone))


@function_tool(strict_mode=False)
def set_due_date(wrapper: RunContextWrapper[BenchContext], due_date: str, task_id: int | None = None) -> str:
    """Set a task's due date."""
    context = _log(wrapper, "set_due_date")
    wanted = _focus(context, task_id)
    task = context.store.tasks.get(wanted or -1)
    if task is None:
        return json.dumps({"error": f"Task {wanted} not found"})
    task["due_date"] = parse_when(due_date, context.zone)
    return json.dumps({"task": task})


@function_tool(strict_mode=False)
def create_subtasks(
    wrapper: RunContextWrapper[BenchContext], steps: list[StepArgs], task_id: int | None = None
) -> str:
    """Create subtasks of a task."""
    context = _log(wrapper, "create_subtasks")
    parent = _focus(context, task_id)
    if parent not in context.store.tasks:
        return json.dumps({"error": f"Task {parent} not found"})
    created = [
        context.store.add(
            context.now, title=step.title, estimate_minutes=step.estimate_minutes, parent_id=parent
        )
        for step in steps
    ]
    return json.dumps({"created": created})


# --- the agents -------------------------------------------------------------------------------------------


def instructions(role_text: str) -> Any:
    def build(wrapper: RunContextWrapper[BenchContext], agent: Agent[BenchContext]) -> str:
        context = wrapper.context
        lines = [role_text, f"Now: {context.now.isoformat()} [{context.zone.key}]"]
        if context.focus_task_id is not None:
            lines.append(f"Focus task: #{context.focus_task_id}")
        return "\n".join(lines)

    return build


@dataclass
class Team:
    triage: Agent[BenchContext]
    scheduler: Agent[BenchContext]
    breakdown: Agent[BenchContext]
    blocker: Agent[BenchContext]
    task_manager: Agent[BenchContext]


AGENT_IDS = {"Scheduler Agent": "scheduler", "Breakdown Agent": "breakdown", "Blocker Agent": "blocker"}


def build_team() -> Team:
    scheduler = Agent[BenchContext](
        name="Scheduler Agent",
        instructions=instructions("You are the Scheduler Agent."),
        model=OfflineModel("scheduler"),
        tools=[get_task, list_open_tasks, suggest_schedule, set_due_date],
    )
    breakdown = Agent[BenchContext](
        name="Breakdown Agent",
        instructions=instructions("You are the Breakdown Agent."),
        model=OfflineModel("breakdown"),
        tools=[get_task, list_open_tasks, create_subtasks],
    )
    blocker = Agent[BenchContext](
        name="Blocker Agent",
        instructions=instructions("You are the Blocker Agent."),
        model=OfflineModel("blocker"),
        tools=[get_task, list_open_tasks],
    )
    triage = Agent[BenchContext](
        name="Triage Agent",
        instructions=instructions("You are the Triage Agent."),
        model=OfflineModel("triage"),
        handoffs=[scheduler, breakdown, blocker],
    )
    task_manager = Agent[BenchContext](
        name="Task Manager",
        instructions=instructions("You are the Task Manager."),
        model=OfflineModel("task_manager"),
        tools=[create_tasks, list_tasks, update_task, delete_task, find_tasks],
        handoffs=[scheduler, breakdown, blocker],
    )
    return Team(triage, scheduler, breakdown, blocker, task_manager)


# --- running turns ----------------------------------------------------------------------------------------


@dataclass
class TurnResult:
    text: str
    agent: str
    deltas: list[str]


def user_item(text: str) -> Any:  # a Responses input item; typed loosely so tests can mix in raw dicts
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def assistant_item(text: str) -> dict[str, Any]:
    # As ChatKit's converter replays an assistant message: text only, no tool items.
    return {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}


async def run_turn(
    agent: Agent[BenchContext],
    history: list[dict[str, Any]],
    text: str,
    context: BenchContext,
    *,
    stream: bool,
) -> TurnResult:
    items: list[Any] = [*history, user_item(text)]
    if not stream:
        result = await Runner.run(agent, items, context=context, max_turns=12)
        return TurnResult(str(result.final_output or ""), result.last_agent.name, [])
    streamed = Runner.run_streamed(agent, items, context=context, max_turns=12)
    deltas: list[str] = []
    async for event in streamed.stream_events():
        if isinstance(event, RawResponsesStreamEvent) and event.data.type == "response.output_text.delta":
            deltas.append(event.data.delta)
    return TurnResult(str(streamed.final_output or ""), streamed.last_agent.name, deltas)


class Chat:
    """One thread: turns share a history replayed as message text."""

    def __init__(self, team: Team, context: BenchContext, *, stream: bool = True) -> None:
        self.team = team
        self.context = context
        self.stream = stream
        self.history: list[dict[str, Any]] = []
        self.replies: list[TurnResult] = []

    async def say(self, text: str, agent: Agent[BenchContext] | None = None) -> TurnResult:
        result = await run_turn(
            agent or self.team.task_manager, self.history, text, self.context, stream=self.stream
        )
        self.history += [user_item(text), assistant_item(result.text)]
        self.replies.append(result)
        return result


# --- the eval cases -------------------------------------------------------------------------------------


def load_cases(path: Any) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def due_day(spec: str, today: date) -> date | None:
    """The day a case's `due` names: read as the public-API eval reads it (`overdue`, for setup, is a past
    day)."""
    return day_of(spec, today)


def _word_in(word: str, text: str) -> bool:
    # Substring, as the HTTP eval runner (tests/eval/test_chat_cases.py) compares: stricter for title_lacks.
    return word.lower() in text.lower()


def check_task(
    expect: dict[str, Any], task: dict[str, Any] | None, now: datetime, zone: ZoneInfo
) -> list[str]:
    if task is None:
        return ["task missing"]
    problems = []
    title = task["title"]
    for word in expect.get("title_has", []):
        if not _word_in(word, title):
            problems.append(f"title {title!r} lacks {word!r}")
    for word in expect.get("title_lacks", []):
        if _word_in(word, title):
            problems.append(f"title {title!r} has {word!r}")
    for name in ("priority", "status"):
        if name in expect and task[name] != expect[name]:
            problems.append(f"{name} {task[name]!r} != {expect[name]!r}")
    due = (
        datetime.fromisoformat(task["due_date"].replace("Z", "+00:00")).astimezone(zone)
        if task["due_date"]
        else None
    )
    today = now.astimezone(zone).date()
    if "due" in expect:
        spec = expect["due"]
        if spec == "none":
            if due is not None:
                problems.append(f"due {due} but expected none")
        elif due is None:
            problems.append(f"no due date, expected {spec}")
        elif spec == "overdue":
            if due.date() >= today:
                problems.append(f"due {due} is not overdue")
        elif due.date() != due_day(spec, today):
            problems.append(f"due {due.date()} != {spec} ({due_day(spec, today)})")
    if "due_time" in expect and (due is None or due.strftime("%H:%M") != expect["due_time"]):
        problems.append(f"due time {due and due.strftime('%H:%M')} != {expect['due_time']}")
    return problems + repetition_mismatches(expect, task, due)


def repetition_mismatches(expect: dict[str, Any], task: dict[str, Any], due: datetime | None) -> list[str]:
    """The repo's own expectations beyond the eval README's: `recurrence` (the RRULE, or null),
    `repeat_from`, and `reminder` ("30m": 30 minutes before the due date; "-1d 09:00": at 09:00 the day
    before it, in the user's zone, whatever the minutes that takes across a DST change)."""
    problems = []
    if "recurrence" in expect and task.get("recurrence") != expect["recurrence"]:
        problems.append(f"recurrence {task.get('recurrence')!r} != {expect['recurrence']!r}")
    if "repeat_from" in expect and task.get("repeat_from") != expect["repeat_from"]:
        problems.append(f"repeat_from {task.get('repeat_from')!r} != {expect['repeat_from']!r}")
    if "reminder" in expect:
        reminders = task.get("reminders") or []
        spec = expect["reminder"]
        minutes = [item.get("before_minutes") for item in reminders if "before_minutes" in item]
        if due is None or len(minutes) != 1:
            problems.append(f"reminders {reminders} (due {due}) are not one relative reminder ({spec})")
        elif match := re.fullmatch(r"(\d+)m", spec):
            if minutes[0] != int(match.group(1)):
                problems.append(f"reminder {minutes[0]} minutes before, not {spec}")
        elif match := re.fullmatch(r"-(\d+)d (\d\d:\d\d)", spec):
            at = (due.astimezone(UTC) - timedelta(minutes=minutes[0])).astimezone(due.tzinfo)
            wanted = (due.date() - timedelta(days=int(match.group(1))), match.group(2))
            if (at.date(), at.strftime("%H:%M")) != wanted:
                problems.append(f"reminder at {at}, not {spec} (due {due})")
    return problems


def _setup(
    store: Store, setup: Iterable[dict[str, Any]], now: datetime, zone: ZoneInfo
) -> list[dict[str, Any]]:
    made = []
    today = now.astimezone(zone).date()
    for spec in setup:
        keys = ("title", "priority", "status", "recurrence")
        fields: dict[str, Any] = {key: spec[key] for key in keys if key in spec}
        if spec.get("due"):
            day = due_day(spec["due"], today)
            assert day is not None
            fields["due_date"] = datetime.combine(day, time(23, 59), tzinfo=zone)
        made.append(store.add(now, **fields))
    return made


def _substitute(text: str, made: list[dict[str, Any]]) -> str:
    return re.sub(r"\{id(\d+)\}", lambda m: str(made[int(m.group(1))]["id"]), text)


@dataclass
class CaseOutcome:
    problems: list[str]
    replies: list[TurnResult]
    store: Store


async def run_case(
    case: dict[str, Any], now: datetime, zone: ZoneInfo, *, stream: bool = True
) -> CaseOutcome:
    team = build_team()
    store = Store()
    context = BenchContext(store=store, now=now.astimezone(zone), zone=zone)
    made = _setup(store, case.get("setup", []), context.now, zone)
    before = {task["id"]: dict(store.tasks[task["id"]]) for task in made}
    replies: list[TurnResult] = []
    if "help" in case:
        focus = made[case["help"]["task"]]["id"]
        context.focus_task_id = focus
        chat = Chat(team, context, stream=stream)
        replies.append(await chat.say(_substitute(case["help"]["query"], made), team.triage))
    else:
        chat = Chat(team, context, stream=stream)
        for text in case["say"]:
            replies.append(await chat.say(_substitute(text, made)))
    problems = check_expectations(case.get("expect", {}), store, made, before, replies, context.now, zone)
    return CaseOutcome(problems, replies, store)


def check_expectations(
    expect: dict[str, Any],
    store: Store,
    made: list[dict[str, Any]],
    before: dict[int, dict[str, Any]],
    replies: list[TurnResult],
    now: datetime,
    zone: ZoneInfo,
) -> list[str]:
    problems: list[str] = []
    setup_ids = {task["id"] for task in made}
    new_tasks = [task for task in store.tasks.values() if task["id"] not in setup_ids]
    wanted = expect.get("created", [])
    count = expect.get("created_count", len(wanted))
    if len(new_tasks) != count:
        problems.append(
            f"{len(new_tasks)} tasks created, expected {count}: {[t['title'] for t in new_tasks]}"
        )
    if not _assign(wanted, new_tasks, now, zone):
        made_now = [(t["title"], t["priority"], t["due_date"]) for t in new_tasks]
        problems.append(f"created tasks do not match {wanted}: {made_now}")
    for change in expect.get("changed", []):
        task_id = made[change["task"]]["id"]
        found = check_task(
            {k: v for k, v in change.items() if k != "task"}, store.tasks.get(task_id), now, zone
        )
        problems.extend(f"task {change['task']}: {p}" for p in found)
    for index in expect.get("deleted", []):
        if made[index]["id"] in store.tasks:
            problems.append(f"task {index} not deleted")
    for index in expect.get("unchanged", []):
        task_id = made[index]["id"]
        if store.tasks.get(task_id) != before[task_id]:
            problems.append(f"task {index} changed: {store.tasks.get(task_id)}")
    last = replies[-1].text if replies else ""
    for text in expect.get("reply_has", []):
        if text.lower() not in last.lower():
            problems.append(f"reply lacks {text!r}: {last!r}")
    for text in expect.get("reply_lacks", []):
        if text.lower() in last.lower():
            problems.append(f"reply has {text!r}: {last!r}")
    if "specialist" in expect:
        agent = AGENT_IDS.get(replies[-1].agent if replies else "", "")
        if agent != expect["specialist"]:
            problems.append(f"answered by {agent or replies[-1].agent!r}, expected {expect['specialist']}")
    return problems


def _assign(wanted: list[dict[str, Any]], tasks: list[dict[str, Any]], now: datetime, zone: ZoneInfo) -> bool:
    """Each expectation matched by a distinct task (small backtracking search)."""
    if not wanted:
        return True
    first, rest = wanted[0], wanted[1:]
    for index, task in enumerate(tasks):
        if not check_task(first, task, now, zone) and _assign(
            rest, tasks[:index] + tasks[index + 1 :], now, zone
        ):
            return True
    return False
