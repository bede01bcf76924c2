"""Triage and the three specialists: gather the task with tools, act when asked, answer from the results.

A specialist's turn is: (1) call `get_task` and `list_open_tasks` (and `suggest_schedule` for the
scheduler); (2) if the user asked for it ("set it", "create them"), call `set_due_date` or
`create_subtasks`; (3) answer. Earlier answers in the thread are history: "and the second step?" or
"set it" refer to them, and triage sends such follow-ups back to the specialist that gave the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from taskagent.agents.catalog import SpecialistCatalog, template_opening
from taskagent.tasks.matching import clean_phrase, match_score, title_coverage

from ..scheduling import plan_days
from .blockers import Diagnosis, advise, diagnose
from .breakdown import Breakdown, Step, break_down, duration, steps_from_text
from .conversation import Conversation, tasks_in_output
from .dates import describe_date, describe_day, end_of_day, find_date, parse_iso, zone_of
from .intents import HelpKind, said_yes
from .plan import Call, Calls, Reply, Toolbox
from .plan import Step as EngineStep
from .references import ORDINALS, last_mentioned
from .tasks import TaskInfo, tasks_in
from .triage import triage_for

# First words of each specialist's answers: triage reads them to send follow-ups to the same specialist.
HEADERS: dict[HelpKind, str] = {
    "scheduler": "Schedule for",
    "breakdown": "Steps for",
    "blocker": "Getting unblocked on",
}
SET_OFFER = "Say “set it”"
CREATE_OFFER = "Say “create them”"
MAX_CALLS = 8


# --- triage ---------------------------------------------------------------------------------------------


def previous_specialist(conversation: Conversation, catalog: SpecialistCatalog) -> str | None:
    """The configured specialist whose answer is the thread's latest one it recognises: a built-in
    answer by its header, a template by its fixed opening words."""
    for text in reversed(conversation.assistant_texts()):
        opening = text.lstrip("*# ")
        for spec in catalog.specialists:
            if spec.builtin is not None:
                if opening.startswith(HEADERS[spec.builtin]):  # type: ignore[index]
                    return spec.id
            elif len(prefix := template_opening(spec.answer)) >= 8 and opening.startswith(prefix):
                return spec.id
    return None


def decide_triage(conversation: Conversation, toolbox: Toolbox, catalog: SpecialistCatalog) -> EngineStep:
    """Hand off to the specialist the request fits (triage.py): in a thread a specialist answered, back to
    it unless the request is surely another's (a follow-up: "set it", "and step 2?"); a request that fits
    none goes to the file's default."""
    choice = triage_for(catalog).choose(conversation.request)
    previous = None if choice.sure else previous_specialist(conversation, catalog)
    target_id = previous or choice.specialist or catalog.default
    target = toolbox.handoffs.get(target_id)
    if target is None:
        fallback = next((toolbox.handoffs[key] for key in catalog.ids if key in toolbox.handoffs), None)
        if fallback is None:
            return Reply("No specialist is available to help with this right now.")
        target = fallback
    return Calls([Call(target, {})])


# --- common gathering -------------------------------------------------------------------------------------

_HELP_WORDS = re.compile(
    r"\b(?:help|me|can|could|you|please|how|when|what|where|should|do|does|i|i'm|im|am|work|working|on|it|this|that"
    r"|break|down|split|into|steps?|smaller|pieces|subtasks?|plan|schedule|stuck|blocked|with|for|the|a|an|my|task"
    r"|start|begin|is|are|to|of|get|unblocked|week|day|busy|have|want|need|up|in|about)\b",
    re.IGNORECASE,
)
_EXPLICIT_ID = re.compile(r"(?:\btask\s*#?\s*|(?<![\w&])#)(\d+)\b", re.IGNORECASE)


def explicit_id(conversation: Conversation) -> int | None:
    if conversation.focus_task_id is not None:
        return conversation.focus_task_id
    match = _EXPLICIT_ID.search(conversation.request)
    return int(match.group(1)) if match else None


def pointed_task(conversation: Conversation, open_tasks: Sequence[TaskInfo]) -> TaskInfo | None:
    """The task a chat request means when it has no id: by its words, by "it" (the last task mentioned),
    or the only open task there is."""
    words = clean_phrase(_HELP_WORDS.sub(" ", conversation.request))
    if words and open_tasks:
        scored = [
            (max(match_score(words, task), title_coverage(conversation.request, task)), task)
            for task in open_tasks
        ]
        top = max(score for score, _ in scored)
        best = [task for score, task in scored if score == top and score >= 0.5]
        if len(best) == 1:
            return best[0]
    mentioned = last_mentioned(conversation.history)
    if len(mentioned) == 1:
        return next((task for task in open_tasks if task.id == mentioned[0]), None) or TaskInfo(
            mentioned[0], ""
        )
    if len(open_tasks) == 1:
        return open_tasks[0]
    return None


class Gathered:
    """What the first round of tool calls brought back."""

    def __init__(self, conversation: Conversation) -> None:
        got = conversation.last_result("get_task")
        self.error = got.error if got is not None else None
        found = tasks_in_output(got.output) if got is not None and not got.error else []
        self.task: TaskInfo | None = found[0] if found else None
        listed = conversation.last_result("list_open_tasks")
        self.open_tasks = tasks_in(listed.output, "tasks") if listed is not None else []
        self.asked = got is not None or listed is not None


def _first_round(kind: HelpKind, conversation: Conversation, toolbox: Toolbox) -> EngineStep | None:
    task_id = explicit_id(conversation)
    calls = []
    if task_id is not None and toolbox.has("get_task"):
        calls.append(Call("get_task", {"task_id": task_id}))
    if toolbox.has("list_open_tasks"):
        calls.append(Call("list_open_tasks", {}))
    if kind == "scheduler" and task_id is not None and toolbox.has("suggest_schedule"):
        calls.append(Call("suggest_schedule", {"task_id": task_id}))
    return Calls(calls) if calls else None


def decide_specialist(kind: HelpKind, conversation: Conversation, toolbox: Toolbox) -> EngineStep:
    if conversation.own_calls >= MAX_CALLS:
        return Reply("I stopped there: that took more steps than I allow myself for one request.")
    gathered = Gathered(conversation)
    if not gathered.asked:
        first = _first_round(kind, conversation, toolbox)
        if first is not None:
            return first
    if gathered.error:
        return Reply(f"I couldn't open the task: {gathered.error}")
    task = gathered.task
    if task is None:
        pointed = pointed_task(conversation, gathered.open_tasks)
        if pointed is not None and pointed.title:
            task = pointed
        elif pointed is not None and toolbox.has("get_task") and not conversation.results("get_task"):
            return Calls([Call("get_task", {"task_id": pointed.id})])
    if task is None:
        if kind == "scheduler":
            return Reply(week_plan(gathered.open_tasks, conversation.now))
        return Reply(which_task(PURPOSES[kind], gathered.open_tasks, conversation.now))
    if kind == "scheduler":
        return _scheduler(task, gathered.open_tasks, conversation, toolbox)
    if kind == "breakdown":
        return _breakdown(task, gathered.open_tasks, conversation, toolbox)
    return Reply(_blocker(task, conversation))


PURPOSES: dict[HelpKind, str] = {
    "breakdown": "break down",
    "blocker": "get unblocked on",
    "scheduler": "schedule",
}


def which_task(purpose: str, open_tasks: Sequence[TaskInfo], now: datetime) -> str:
    """The question back when a request names no task: "Which task do you want to <purpose>?"."""
    if not open_tasks:
        return f"Which task do you want to {purpose}? You have no open tasks yet."
    lines = "\n".join(f"{n}. {task.line(now)}" for n, task in enumerate(open_tasks[:10], 1))
    return f"Which task do you want to {purpose}? Your open tasks:\n{lines}"


# --- scheduler --------------------------------------------------------------------------------------------

_SET = re.compile(
    # not "set this up on my tablet": that "set" makes nothing due
    r"\b(?:set|schedule|put|book|lock)\s+(?:it|this|that|the\s+(?:due\s+)?date|the\s+deadline|it\s+in)\b(?!\s+up\b)"
    r"|\b(?:set|change|move)\s+the\s+(?:due\s+date|deadline)\b|\bdue\s+date\s+to\b",
    re.IGNORECASE,
)


def _asked_to_set(conversation: Conversation) -> bool:
    if _SET.search(conversation.request):
        return True
    offered = any(SET_OFFER in text for text in conversation.assistant_texts()[-1:])
    return offered and said_yes(conversation.request)


def _scheduler(
    task: TaskInfo, open_tasks: Sequence[TaskInfo], conversation: Conversation, toolbox: Toolbox
) -> EngineStep:
    now = conversation.now
    suggestion_result = conversation.last_result("suggest_schedule")
    if suggestion_result is None and toolbox.has("suggest_schedule"):
        return Calls([Call("suggest_schedule", {"task_id": task.id})])
    suggestion: dict[str, Any] = (
        suggestion_result.output
        if suggestion_result is not None
        and isinstance(suggestion_result.output, dict)
        and "day" in suggestion_result.output
        else {}
    )
    if _asked_to_set(conversation) and toolbox.has("set_due_date"):
        done = conversation.last_result("set_due_date")
        if done is None:
            named = find_date(conversation.request, now)
            if named is not None:
                due = named.when
            elif suggestion.get("day"):
                due = end_of_day(date.fromisoformat(str(suggestion["day"])), zone_of(now))
            else:
                return Reply(f"Which day should “{task.title}” be due? Say for example “set it for Friday”.")
            return Calls(
                [Call("set_due_date", {"task_id": task.id, "due_date": due.isoformat(timespec="seconds")})]
            )
        if done.error:
            return Reply(f"I couldn't set the due date: {done.error}")
        updated = tasks_in_output(done.output)
        new_due = (
            updated[0].due_date
            if updated and updated[0].due_date
            else parse_iso(done.call.arguments.get("due_date"))
        )
        when = describe_day(new_due, now) if new_due else "the day you chose"
        return Reply(f"{HEADERS['scheduler']} {task.label}: done, it is now due {when}.")
    return Reply(schedule_answer(task, suggestion, open_tasks, conversation))


def schedule_answer(
    task: TaskInfo, suggestion: dict[str, Any], open_tasks: Sequence[TaskInfo], conversation: Conversation
) -> str:
    """The proposal with its reasons, the week's load and the competing tasks; or, when the user asks
    about a day ("what about Thursday?"), whether that day works."""
    now = conversation.now
    today = now.date()
    day = _iso_day(suggestion.get("day"))
    start_by = _iso_day(suggestion.get("start_by"))
    raw_load = suggestion.get("load")
    load: dict[str, Any] = raw_load if isinstance(raw_load, dict) else {}
    lines = [f"{HEADERS['scheduler']} {task.label}"]
    if day is None:
        lines.append("I couldn't compute a schedule for it; here is what competes with it.")
    else:
        first = f"I suggest working on it on **{describe_date(day, today)}**"
        if start_by and start_by != day:
            first += f"; start by **{describe_date(start_by, today)}** at the latest"
        lines.append(first + ".")

    asked = find_date(conversation.request, now)
    if asked is not None and day is not None:
        lines.insert(1, _verdict(asked.when.date(), start_by, load, today))
        lines.append(_offer(task, day, now))
        return "\n".join(lines)

    reasons = [str(reason) for reason in suggestion.get("reasons", []) if reason]
    if reasons:
        lines.append("Why:")
        lines.extend(f"- {reason}" for reason in reasons)
    booked = [(d, m) for d, m in ((_iso_day(k), v) for k, v in load.items()) if d and isinstance(m, int)]
    if any(minutes for _, minutes in booked):
        busy = ", ".join(f"{describe_date(d, today)} {duration(m)}" for d, m in booked if m)
        lines.append(f"Time already booked by your other tasks: {busy}.")
    elif booked:
        lines.append("Your other tasks don't book any time on those days yet.")
    competing = [
        other
        for other in open_tasks
        if other.id != task.id and other.is_open and (other.due_date or other.priority in {"urgent", "high"})
    ]
    competing.sort(key=lambda other: other.due_date or datetime.max.replace(tzinfo=now.tzinfo))
    if competing:
        lines.append("Competing with: " + "; ".join(other.line(now) for other in competing[:4]) + ".")
    if day is not None:
        lines.append(_offer(task, day, now))
    return "\n".join(lines)


def _verdict(asked: date, start_by: date | None, load: dict[str, Any], today: date) -> str:
    booked = load.get(asked.isoformat())
    busy = f"{duration(int(booked))} already booked" if isinstance(booked, int) else "not a working day"
    if start_by is not None and asked > start_by:
        return f"{describe_date(asked, today)} is later than the latest safe start ({busy})."
    return f"{describe_date(asked, today)} works: it is before the latest safe start ({busy})."


def _offer(task: TaskInfo, day: date, now: datetime) -> str:
    """What the user can say next; setting the due date is their call, never the engine's."""
    when = describe_date(day, now.date())
    if task.due_date is None:
        return f"{SET_OFFER} and I'll make {when} its due date, or “schedule it for <day>”."
    return (
        f"It keeps its due date ({describe_day(task.due_date, now)}). {SET_OFFER} to make {when} the due "
        "date instead, or “schedule it for <day>”."
    )


def _iso_day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def week_plan(open_tasks: Sequence[TaskInfo], now: datetime) -> str:
    if not open_tasks:
        return f"{HEADERS['scheduler']} your week: you have no open tasks, so the week is yours."
    plain = [
        {
            "id": task.id,
            "title": task.title,
            "priority": task.priority,
            "status": task.status,
            "due_date": task.due_date,
            "estimate_minutes": task.estimate_minutes,
        }
        for task in open_tasks
    ]
    days, left_over = plan_days(plain, now, zone_of(now))
    today = now.date()
    lines = [f"{HEADERS['scheduler']} your week: overdue and urgent work first, then by deadline."]
    for plan in days:
        if plan.tasks:
            names = "; ".join(f"#{task.id} {task.title}" for task in plan.tasks)
            lines.append(f"- **{describe_date(plan.day, today)}** ({duration(plan.minutes)}): {names}")
        else:
            lines.append(f"- **{describe_date(plan.day, today)}**: free")
    if left_over:
        lines.append(
            "Doesn't fit this week: " + "; ".join(f"#{task.id} {task.title}" for task in left_over) + "."
        )
    lines.append("Ask “when should I work on #<id>?” for one task's reasons.")
    return "\n".join(lines)


# --- breakdown --------------------------------------------------------------------------------------------

_CREATE = re.compile(
    r"\b(?:create|add|make|save|turn)\s+(?:them|these|those|it|the\s+steps|all|subtasks|sub-tasks|them\s+all)\b"
    r"|\b(?:create|add|make)\s+(?:the\s+|some\s+)?sub[\s-]?tasks\b",
    re.IGNORECASE,
)
_STEP_NUMBER = re.compile(
    r"\bstep\s*(?:#|no\.?|number)?\s*(?P<n>\d+)\b|\b(?P<word>first|second|third|fourth|fifth|sixth|last|1st|2nd|3rd|4th|5th|6th)"
    r"\s+(?:step|one|part)?\b",
    re.IGNORECASE,
)


def _asked_to_create(conversation: Conversation) -> bool:
    if _CREATE.search(conversation.request):
        return True
    offered = any(CREATE_OFFER in text for text in conversation.assistant_texts()[-1:])
    return offered and said_yes(conversation.request)


def _earlier_steps(conversation: Conversation) -> list[Step]:
    for text in reversed(conversation.assistant_texts()):
        if text.lstrip("*# ").startswith(HEADERS["breakdown"]):
            return steps_from_text(text)
    return []


def _breakdown(
    task: TaskInfo, open_tasks: Sequence[TaskInfo], conversation: Conversation, toolbox: Toolbox
) -> EngineStep:
    now = conversation.now
    plan = break_down(task, _first_request(conversation))
    shown = _earlier_steps(conversation)
    if _asked_to_create(conversation):
        if not toolbox.has("create_subtasks"):
            return Reply(
                "I can't create subtasks from here, but you can add the steps above as tasks in the chat."
            )
        done = conversation.last_result("create_subtasks")
        if done is None:
            steps = shown or plan.steps
            arguments = {
                "task_id": task.id,
                # Titles are at most 200 characters; a step built around a long task title may be longer.
                "steps": [{"title": step.title[:200], "estimate_minutes": step.minutes} for step in steps],
            }
            return Calls([Call("create_subtasks", arguments)])
        if done.error:
            return Reply(f"I couldn't create the subtasks: {done.error}")
        created = tasks_in(done.output, "created")
        lines = [f"{HEADERS['breakdown']} {task.label}: added {len(created)} subtasks."]
        lines.extend(
            f"{n}. {sub.label}"
            + (f" — about {duration(sub.estimate_minutes)}" if sub.estimate_minutes else "")
            for n, sub in enumerate(created, 1)
        )
        lines.append("Start with the first one: it needs nothing from anyone else.")
        return Reply("\n".join(lines))
    asked_step = _STEP_NUMBER.search(conversation.request)
    if asked_step and (shown or conversation.assistant_texts()):
        return Reply(_one_step(task, plan, shown, asked_step))
    return Reply(breakdown_answer(task, plan, open_tasks, now))


def _first_request(conversation: Conversation) -> str:
    """The request that opened the thread: it says what kind of help, follow-ups rarely do."""
    for entry in conversation.history:
        if entry.role == "user":
            return entry.text + " " + conversation.request
    return conversation.request


def _one_step(task: TaskInfo, plan: Breakdown, shown: list[Step], asked: re.Match[str]) -> str:
    steps = shown or plan.steps
    if asked.group("n"):
        index = int(asked.group("n")) - 1
    else:
        word = asked.group("word").lower()
        number = ORDINALS.get(word, 1)
        index = len(steps) - 1 if number == -1 else number - 1
    if not 0 <= index < len(steps):
        return f"{HEADERS['breakdown']} {task.label}: there are {len(steps)} steps; which one do you mean?"
    step = steps[index]
    how = step.how or next((s.how for s in plan.steps if s.title.lower() == step.title.lower()), "")
    if not how and index < len(plan.steps):
        how = plan.steps[index].how
    lines = [
        f"{HEADERS['breakdown']} {task.label}, step {index + 1}: **{step.title}** "
        f"— about {duration(step.minutes)}."
    ]
    if how:
        lines.append(f"How: {how}")
    lines.append(f"Done when: you could hand the result of “{step.title}” to someone else.")
    if index + 1 < len(steps):
        lines.append(f"Next: step {index + 2}, {steps[index + 1].title}.")
    else:
        lines.append(f"That's the last step: after it, “{task.title}” is done.")
    return "\n".join(lines)


def breakdown_answer(task: TaskInfo, plan: Breakdown, open_tasks: Sequence[TaskInfo], now: datetime) -> str:
    lines = [f"{HEADERS['breakdown']} {task.label} (treated as {plan.playbook.label}):"]
    lines.extend(
        f"{n}. {step.title} — about {duration(step.minutes)}" for n, step in enumerate(plan.steps, 1)
    )
    lines.append(f"Total: about {duration(plan.total_minutes)}.")
    if task.due_date is not None:
        lines.append(f"It's due {describe_day(task.due_date, now)}: aim to finish step 1 today.")
    existing = [other for other in open_tasks if other.parent_id == task.id]
    if existing:
        lines.append("It already has subtasks: " + "; ".join(other.label for other in existing[:5]) + ".")
    lines.append(f"Tip for step 1: {plan.steps[0].how}")
    lines.append(f"{CREATE_OFFER} and I'll add these as subtasks of {task.label}.")
    return "\n".join(lines)


# --- blocker ----------------------------------------------------------------------------------------------

_KIND_WORDS = {
    "waiting": "you're waiting on {who} for {what}",
    "access": "you're missing {what}",
    "broken": "something you rely on is broken",
    "unclear": "it's unclear what exactly is needed",
    "too_big": "it feels too big to start",
    "no_time": "there's no time set aside for it",
}


_ALSO_WORDS = {
    "waiting": "waiting on someone",
    "access": "missing access",
    "broken": "something broken",
    "unclear": "unclear requirements",
    "too_big": "a task too big to start",
    "no_time": "no time set aside",
}


def _blocker(task: TaskInfo, conversation: Conversation) -> str:
    diagnosis = diagnose(conversation.request)
    if diagnosis.kind == "unknown":
        earlier = " ".join(entry.text for entry in conversation.history if entry.role == "user")
        diagnosis = diagnose(earlier + " " + conversation.request)
    return blocker_answer(task, diagnosis, conversation.now)


def blocker_answer(task: TaskInfo, diagnosis: Diagnosis, now: datetime) -> str:
    lines = [f"{HEADERS['blocker']} {task.label}"]
    if diagnosis.kind in _KIND_WORDS:
        summary = _KIND_WORDS[diagnosis.kind].format(
            who=diagnosis.who or "someone else", what=diagnosis.what or "credentials or permissions"
        )
        also = [_ALSO_WORDS[kind] for kind in diagnosis.also if kind in _ALSO_WORDS]
        lines.append(f"It sounds like {summary}" + (f" (also: {also[0]})" if also else "") + ".")
    for heading, text in advise(task, diagnosis, now):
        lines.append(f"**{heading}:** {text}" if not text.startswith(">") else f"**{heading}:**\n{text}")
    return "\n".join(lines)
