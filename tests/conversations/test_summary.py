"""The extractive summary: keeps `#id title` of every task mentioned, bounded, and incremental."""

from __future__ import annotations

from typing import Any

from taskagent.conversations.summary import MAX_REQUESTS, MAX_TASKS, fold, parse_summary


def user(text: str) -> dict[str, Any]:
    return {"type": "user_message", "content": [{"type": "input_text", "text": text}]}


def assistant(text: str) -> dict[str, Any]:
    return {
        "type": "assistant_message",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def action(title: str, content: str | None = None) -> dict[str, Any]:
    return {"type": "task", "task": {"type": "custom", "title": title, "content": content}}


def test_keeps_task_ids_and_titles_from_tool_actions_and_prose() -> None:
    summary = fold(
        None,
        [
            user("Create a task to review the Q4 report with high priority"),
            action("Created task #12: Review Q4 report"),
            assistant('Created high priority task #12: "Review Q4 report". Want a due date?'),
            user("What else is there?"),
            action("Looked up your tasks: 2 tasks", "#12 Review Q4 report\n#13 Update slides"),
            assistant("You have #13 Update slides (high) and #14 Email team - due Friday."),
            action("Deleted task #13: Update slides"),
        ],
    )
    parsed = parse_summary(summary)
    assert parsed.tasks == {
        12: ("Review Q4 report", False),
        14: ("Email team", False),
        13: ("Update slides", True),
    }
    assert parsed.requests == [
        "Create a task to review the Q4 report with high priority",
        "What else is there?",
    ]
    assert "- #12 Review Q4 report" in summary and "- #13 Update slides (deleted)" in summary


def test_a_tool_title_wins_over_prose_and_prose_never_overrides_it() -> None:
    summary = fold(None, [assistant("#7 is due tomorrow"), action("Updated task #7: Call the bank")])
    assert parse_summary(summary).tasks[7] == ("Call the bank", False)
    summary = fold(summary, [assistant("I moved #7 Something else entirely to Monday.")])
    assert parse_summary(summary).tasks[7] == ("Call the bank", False)


def test_ids_the_user_types_are_kept() -> None:
    summary = fold(None, [user("mark task 21 done and delete #22")])
    assert set(parse_summary(summary).tasks) == {21, 22}


def test_incremental_folding_equals_folding_at_once() -> None:
    items = [
        user(f"request {n}") if n % 2 == 0 else action(f"Created task #{n}: Task {n}") for n in range(30)
    ]
    at_once = fold(None, items)
    stepwise: str | None = None
    for start in range(0, 30, 7):
        stepwise = fold(stepwise, items[start : start + 7])
    assert stepwise == at_once


def test_bounded_however_long_the_conversation() -> None:
    sizes = []
    summary: str | None = None
    for n in range(1, 2001):
        summary = fold(summary, [user(f"please create task number {n} about topic {n} " + "x" * 300)])
        summary = fold(
            summary, [action(f"Created task #{n}: A rather long task title number {n} " + "y" * 100)]
        )
        if n in (100, 1000, 2000):
            sizes.append(len(summary))
    assert summary is not None
    parsed = parse_summary(summary)
    assert len(parsed.tasks) == MAX_TASKS and len(parsed.requests) == MAX_REQUESTS
    assert parsed.user_messages == 2000
    assert 2000 in parsed.tasks and 1 not in parsed.tasks  # the most recent are kept
    assert max(sizes) < 8_000 and max(sizes) - min(sizes) < 200  # only the digits of the ids grow


def test_unknown_text_starts_a_fresh_summary() -> None:
    assert parse_summary("free text someone wrote").tasks == {}
    assert "Tasks mentioned" in fold("free text", [action("Created task #1: One")])
