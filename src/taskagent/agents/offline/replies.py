"""The task manager's sentences. Tasks are always named `#<id> <title>`, so that later turns (which
ChatKit replays as plain text) can find them again by id, position or "it"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from .commands import Changes, ListCommand
from .conversation import Conversation
from .dates import describe_date, describe_day
from .tasks import PRIORITY_RANK, TaskInfo

# The engine recognises its own question on the next turn by this phrase.
WHICH_ONE = "Which one do you mean?"

EXAMPLES = (
    "• “Create a task to review the Q4 report, high priority, due Friday”\n"
    "• “Show my overdue tasks” or “What's due this week?”\n"
    "• “Mark task 12 as done”, “Move the dentist task to next Monday”\n"
    "• “Delete the groceries task”\n"
    "• “Help me plan my week” or “Break down the website redesign”"
)


def numbered(tasks: Sequence[TaskInfo], now: datetime) -> str:
    return "\n".join(f"{position}. {task.line(now)}" for position, task in enumerate(tasks, start=1))


def greeting() -> str:
    return (
        "Hi! I'm your task assistant. I can create tasks (several at once too), list and search them, change "
        "their status, priority, due date, title, description or tags, and delete them. I read dates like "
        "“tomorrow 5pm”, “next Friday” or “end of month”. I can also hand you to a specialist "
        "to plan when to "
        f"do things, break a task into steps, or get unblocked. Try:\n{EXAMPLES}"
    )


def thanks() -> str:
    return "You're welcome! Tell me whenever you want to add or change a task."


def not_understood(request: str) -> str:
    shown = request if len(request) <= 80 else request[:77] + "..."
    return (
        f"I didn't understand “{shown}”, so I haven't changed anything. Here are things I can do:\n{EXAMPLES}"
    )


def ask_what_exactly(request: str) -> str:
    """A request with nothing concrete ("set a reminder for me", "clear my list"): a question, no change."""
    adding = re.search(r"\b(?:add|put|new|create|make|remind|note|jot|write)\b", request, re.IGNORECASE)
    removing = re.search(
        r"\b(?:clear|wipe|blank|empty|delete|remove|drop|get\s+rid|scrap|bin|erase|off)\b",
        request,
        re.IGNORECASE,
    )
    if removing and not adding:
        return (
            "I haven't changed anything: I remove tasks one at a time so nothing goes by mistake. "
            f"{WHICH_GOES} Give me its id or a few words of its title."
        )
    if re.search(r"\b(?:change|update|edit|modify|move|rename|fix|adjust|tweak)\b", request, re.IGNORECASE):
        return f"{WHICH_CHANGES} Give me its id or a few words of its title, and what to change."
    return (
        f"{ASK_ABOUT} Tell me what to do and when, for example “remind me to call the bank on Friday”. "
        "I haven't added anything yet."
    )


ASK_ABOUT = "Sure, what should it be about?"
WHICH_GOES = "Which task should go?"
WHICH_CHANGES = "Which task should I change, and how?"


# The offer a new task's answer ends with when its words suggest a priority the user did not say; the next
# message accepts it ("yes", "ok do it") or turns it down.
PRIORITY_OFFER = re.compile(r"Say “yes” and I'll make #(?P<id>\d+) (?P<level>low|high) priority\.")


def priority_offer(task_id: int, level: str) -> str:
    lead = "It sounds urgent: make it high?" if level == "high" else "It doesn't sound pressing: make it low?"
    return f"{lead} Say “yes” and I'll make #{task_id} {level} priority."


def offer_declined(task_id: int) -> str:
    return f"OK, #{task_id} stays at normal priority."


# A deletion whose task was found by a word of the sentence, not by the name as said: asked before it is done.
DELETE_OFFER = re.compile(r"Say “yes” and I'll delete #(?P<id>\d+)\.")


def delete_offer(task: TaskInfo, now: datetime) -> str:
    return f"Do you mean {task.line(now)}? Say “yes” and I'll delete #{task.id}."


ASK_TITLE = "What should the task be called?"
ASK_LIST = "Go ahead, I'm listening:"


def ask_list() -> str:
    return f"{ASK_LIST} send me the tasks, separated by commas or one per line, and I'll add each."


def dropped() -> str:
    return "OK, I've left everything as it was."


def ask_title() -> str:
    return f"{ASK_TITLE} For example: “Create a task to review the Q4 report”."


def created(tasks: Sequence[TaskInfo], now: datetime) -> str:
    if not tasks:
        return "I tried to create the task, but nothing came back. Please check your list."
    if len(tasks) == 1:
        task = tasks[0]
        details = task.details(now, with_status=task.status != "pending")  # "in progress" when said so
        return f"Created task #{task.id}: {task.title}" + (f" ({details})." if details else ".")
    return f"Created {len(tasks)} tasks:\n{numbered(tasks, now)}"


def filtered(command: ListCommand, tasks: Sequence[TaskInfo]) -> list[TaskInfo]:
    """What the tool cannot filter or order itself: open only, tags, no due date, sort, limit."""
    shown = list(tasks)
    if command.open_only:
        shown = [task for task in shown if task.is_open]
    if command.tags:
        shown = [task for task in shown if set(command.tags) & {tag.lower() for tag in task.tags}]
    if command.without_due_date:
        shown = [task for task in shown if task.due_date is None]
    far = datetime.max.replace(tzinfo=UTC)
    if command.sort == "priority":
        shown.sort(key=lambda task: (-PRIORITY_RANK.get(task.priority, 1), task.due_date or far))
    elif command.sort == "due":
        shown.sort(key=lambda task: (task.due_date or far, -PRIORITY_RANK.get(task.priority, 1)))
    if command.sort and command.limit:
        shown = shown[: command.limit]
    return shown


def listed(command: ListCommand, tasks: Sequence[TaskInfo], now: datetime) -> str:
    shown = filtered(command, tasks)
    hidden_completed = sum(1 for task in tasks if not task.is_open) if command.open_only else 0
    noun = command.describe()
    if not shown:
        if not tasks:
            if command == ListCommand(open_only=True):
                return "You have no tasks yet. Try “Create a task to …” to add one."
            return f"You have no {noun}."
        note = f" ({hidden_completed} completed — say “show completed tasks”)." if hidden_completed else "."
        return f"You have no {noun}{note}"
    count = len(shown)
    if command.sort == "priority":
        head = (
            f"Your {count} most urgent {noun}:" if count > 1 else f"Your most urgent {command.describe(1)}:"
        )
    elif command.sort == "due":
        head = f"Your {noun}, soonest due first:"
    else:
        head = f"You have {count} {command.describe(count)}:"
    text = f"{head.replace('  ', ' ')}\n{numbered(shown, now)}"
    if hidden_completed:
        text += f"\n({hidden_completed} completed task{'s' if hidden_completed != 1 else ''} not shown.)"
    return text


def found(description: str, tasks: Sequence[TaskInfo], now: datetime) -> str:
    if not tasks:
        return not_found(description)
    if len(tasks) == 1:
        task = tasks[0]
        text = f"Found {task.line(now)}."
        if task.description:
            text += f"\nDescription: {task.description}"
        if task.estimate_minutes:
            text += f"\nEstimate: {task.estimate_minutes} min"
        return text
    return f"Found {len(tasks)} tasks matching “{description}”:\n{numbered(tasks, now)}"


def not_found(phrase: str) -> str:
    return (
        f"I couldn't find a task matching “{phrase}”, so nothing changed. "
        "Say “show my tasks” to see them all."
    )


def ambiguous(phrase: str, tasks: Sequence[TaskInfo], now: datetime) -> str:
    # Equally likely, so in the order they were made (the list's own order): "the second one" is then the
    # one the user made second, as they would count.
    tasks = sorted(tasks, key=lambda task: task.id)
    subject = f"“{phrase}” matches" if phrase else "That could be"
    return (
        f"{subject} {len(tasks)} tasks:\n{numbered(tasks, now)}\n"
        f"{WHICH_ONE} Answer with its id, like “#{tasks[0].id}”, or “the first one”. Nothing has changed yet."
    )


def ambiguous_ids(ids: Sequence[int], titles: dict[int, str]) -> str:
    lines = "\n".join(
        f"{position}. #{task_id} {titles.get(task_id, '')}".rstrip()
        for position, task_id in enumerate(ids, 1)
    )
    return f"That could be {len(ids)} tasks:\n{lines}\n{WHICH_ONE} Answer with its id, like “#{ids[0]}”."


WHICH_TASK = "Which task do you mean?"


WHAT_TO_FIND = "What is the task you're looking for about?"


def what_to_find() -> str:
    return f"{WHAT_TO_FIND} Give me a word or two of its title, like “dentist”."


def which_task() -> str:
    return f"{WHICH_TASK} Give me its id (like “task 12”) or a few words of its title."


def no_list_to_count() -> str:
    return "I don't have a list to count from. Say “show my tasks” first, or give me the task's id."


WHAT_TO_CHANGE = "What should I change on"


def nothing_to_change(task_label: str) -> str:
    return (
        f"{WHAT_TO_CHANGE} {task_label}? For example: “mark it done”, “make it urgent”, "
        "“move it to Friday” or “rename it to …”."
    )


def _change_words(changes: Changes, task: TaskInfo, now: datetime) -> list[str]:
    words = []
    if changes.title or changes.respell:
        words.append(f"renamed to “{task.title}”")
    if changes.status == "completed":
        words.append("marked completed")
    elif changes.status == "in_progress":
        words.append("marked in progress")
    elif changes.status == "pending":
        words.append("reopened (pending)")
    if changes.priority:
        words.append(f"priority {task.priority}")
    if changes.clear_due:
        words.append("due date removed")
    elif (changes.due or changes.shift_days) and task.due_date:
        words.append(f"due {describe_day(task.due_date, now)}")
    if changes.description:
        words.append("description updated")
    elif changes.clear_description:
        words.append("description removed")
    if changes.add_tags or changes.remove_tags:
        words.append("tags: " + (", ".join(f"#{tag}" for tag in task.tags) or "none"))
    if changes.estimate_minutes:
        words.append(f"estimate {task.estimate_minutes} min")
    if changes.reminder:
        words.append(f"I'll remind you {changes.reminder.describe()}")
        if task.recurrence:
            words[-1] += " each time"
    return words


def updated(tasks: Sequence[TaskInfo], changes: Changes, now: datetime) -> str:
    lines = []
    for task in tasks:
        words = _change_words(changes, task, now)
        lines.append(f"Updated {task.label}" + (": " + ", ".join(words) + "." if words else "."))
    return "\n".join(lines)


def no_due_date_to_remind(task: TaskInfo) -> str:
    return (
        f"{task.label} has no due date, so there is nothing to remind you before. Give it one first, "
        "such as “move it to Friday at 5pm”, or ask for a reminder at a time: “remind me at 5pm tomorrow”."
    )


def repeats(task: TaskInfo, now: datetime) -> str:
    """ "It repeats every weekday at 09:30, next on Mon 7 Dec: completing it makes the next one." """
    words = task.repetition(now) or task.recurrence
    if task.due_date is None:
        return f"It repeats {words}: completing it makes the next one."
    day = describe_date(task.due_date.astimezone(now.tzinfo).date(), now.date())
    return f"It repeats {words}, next on {day}: completing it makes the next one."


def deleted(items: Sequence[TaskInfo], now: datetime) -> str:
    """A repeating task goes with its whole series (the next occurrences are made only when one is
    completed, so none is left): the answer says so, and how to skip one occurrence instead."""
    lines = []
    for task in items:
        line = f"#{task.id} {task.title}"
        if task.recurrence:
            line += f" and its repetition ({task.repetition(now) or task.recurrence}): no more occurrences"
        lines.append(line)
    text = (
        f"Deleted {lines[0]}."
        if len(lines) == 1
        else "Deleted:\n" + "\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1))
    )
    if any(task.recurrence for task in items):
        text += (
            "\nTo skip a single occurrence of a repeating task instead, mark it done: the next one is "
            "made and the series goes on."
        )
    return text


def failed(errors: Sequence[str]) -> str:
    unique = list(dict.fromkeys(errors))
    return "I couldn't do that: " + "; ".join(unique) + "."


def missing_tool(name: str) -> str:
    return f"I can't do that here: the `{name}` tool is not available to me."


def summary(conversation: Conversation, *, whole: bool) -> str:
    """What happened in the previous turn (or the whole conversation), read back from the history."""
    turns: list[tuple[str, list[str]]] = []
    for entry in conversation.history:
        if entry.role == "user":
            turns.append((entry.text, []))
        elif entry.role == "assistant" and turns and entry.text.strip():
            turns[-1][1].append(entry.text.strip())
    if not turns:
        return f"We haven't done anything yet in this conversation. Try:\n{EXAMPLES}"
    if not whole:
        asked, answers = turns[-1]
        answer = "\n".join(answers) or "(no answer was recorded)"
        return f"You asked: “{asked}”\nI answered: {answer}"
    lines = [
        f"• You: “{asked}” → {(answers[0].splitlines()[0] if answers else '(no answer)')}"
        for asked, answers in turns
    ]
    return "Here's what we did so far:\n" + "\n".join(lines[-10:])
