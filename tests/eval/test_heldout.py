"""The held-out test: phrasings the understanding model never learned from and nobody tuned on, through the
public API, with the share done right per kind of request and a threshold (README, "The agents").

Two sources: `utterances-heldout.jsonl` (fresh everyday phrasings, chat and help, in the dev-set format) and
the `val` split of the CLINC150 utterances (corpus/clinc150), each turned into a case by its label: a create
makes exactly one task without the reminder words in its title, a list names the user's tasks, a find or a
request with nothing concrete (`clarify`) changes nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import UserFactory
from tests.eval.expectations import load_cases, run_case

pytestmark = pytest.mark.backends("postgres")

ROOT = Path(__file__).resolve().parents[2]
CHAT_THRESHOLD = 0.9
HELP_THRESHOLD = 0.9


def clinc_cases() -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (ROOT / "corpus/clinc150/clinc150-task-intents.jsonl").open()]
    two = [{"title": "Pay the phone bill"}, {"title": "Walk the dog"}]
    expectations: dict[str, dict[str, Any]] = {
        "create": {"created": [{"title_lacks": ["remind", " list", "please"]}], "unchanged": [0, 1]},
        "list": {"unchanged": [0, 1], "reply_has": ["phone bill", "walk the dog"]},
        "find": {"unchanged": [0, 1]},
        "clarify": {"unchanged": [0, 1]},
    }
    return [
        {
            "id": f"clinc-{row['action']}-{index}",
            "setup": two,
            "say": [row["text"]],
            "expect": expectations[row["action"]],
        }
        for index, row in enumerate(rows)
        if row["split"] == "val"
    ]


HELD_OUT = load_cases(Path(__file__).parent / "utterances-heldout.jsonl") + clinc_cases()


def kind_of(case: dict[str, Any]) -> str:
    if "help" in case:
        return f"help:{case['expect']['specialist']}"
    source, kind = case["id"].split("-")[:2]
    return f"{'clinc' if source == 'clinc' else 'chat'}:{kind}"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_rate_limit": 10_000}


@dataclass
class Score:
    """Cases done right per kind of request, and what went wrong in the others."""

    right: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    mistakes: list[str] = field(default_factory=list)

    def share(self, of_help: bool) -> tuple[int, int]:
        oks = [ok for kind, oks in self.right.items() if kind.startswith("help") == of_help for ok in oks]
        return sum(oks), len(oks)

    def report(self) -> str:
        (chat, chats), (helps, all_help) = self.share(of_help=False), self.share(of_help=True)
        lines = [f"{kind:<16} {sum(ok)}/{len(ok)}" for kind, ok in sorted(self.right.items())]
        return "\n".join([f"chat {chat}/{chats}, help {helps}/{all_help}", *lines, *self.mistakes])


# Cases played at once, each by its own user: a turn mostly waits on the database, so a few side by side
# use the time one alone leaves idle.
CASES_AT_ONCE = 4


async def score(client: httpx.AsyncClient, make_user: UserFactory, cases: list[dict[str, Any]]) -> Score:
    result = Score()
    turns = asyncio.Semaphore(CASES_AT_ONCE)

    async def play(case: dict[str, Any]) -> list[str]:
        async with turns:
            return await run_case(client, await make_user(), case)

    for case, problems in zip(cases, await asyncio.gather(*(play(case) for case in cases)), strict=True):
        result.right[kind_of(case)].append(not problems)
        if problems:
            said = case["help"]["query"] if "help" in case else " / ".join(case["say"])
            result.mistakes.append(f"{case['id']}: {said!r}: {'; '.join(problems)}")
    return result


def meets(result: Score, chat_threshold: float, help_threshold: float) -> bool:
    (chat, chats), (helps, all_help) = result.share(of_help=False), result.share(of_help=True)
    return chat >= chat_threshold * chats and helps >= help_threshold * all_help


async def test_held_out_phrasings(
    client: httpx.AsyncClient, make_user: UserFactory, record_property: Callable[[str, object], None]
) -> None:
    result = await score(client, make_user, HELD_OUT)
    record_property("held_out", result.report())  # in the JUnit report (pytest --junitxml)
    assert meets(result, CHAT_THRESHOLD, HELP_THRESHOLD), result.report()
