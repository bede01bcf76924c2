"""The sample software team's specialists (examples/specialists/software-team.toml) on the offline engine,
through POST /tasks/{id}/help with SPECIALISTS_FILE set: triage accuracy on the file's own example phrasings
and on held-out phrasings that are not in the file (examples/specialists/software-team-eval.jsonl, cases
with `held_out`), and the template answers' use of the task's data (cases with `answer`).

Both figures are recorded in the JUnit report (`specialists_eval`) and printed on failure; README,
"Specialists for your domain", states them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from taskagent.agents.catalog import load_catalog
from tests.conftest import UserFactory
from tests.eval.expectations import run_case

pytestmark = pytest.mark.backends("postgres")

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples/specialists/software-team.toml"
CASES = [
    json.loads(line)
    for line in (ROOT / "examples/specialists/software-team-eval.jsonl").read_text().splitlines()
    if line.strip()
]
EXAMPLES_THRESHOLD = 0.95
HELD_OUT_THRESHOLD = 0.8


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"specialists_file": SAMPLE, "agent_rate_limit": 10_000}


def example_cases() -> list[dict[str, Any]]:
    return [
        {
            "id": f"example-{spec.id}-{index}",
            "setup": [{"title": "A task of the team"}],
            "help": {"task": 0, "query": example},
            "expect": {"specialist": spec.id},
        }
        for spec in load_catalog(SAMPLE).specialists
        for index, example in enumerate(spec.examples)
    ]


def test_the_held_out_phrasings_are_not_in_the_file() -> None:
    examples = {example.lower() for spec in load_catalog(SAMPLE).specialists for example in spec.examples}
    held_out = [case["help"]["query"] for case in CASES if case.get("held_out")]
    assert len(held_out) >= 30
    assert not [query for query in held_out if query.lower() in examples]


async def test_triage_among_the_sample_specialists(
    client: httpx.AsyncClient, make_user: UserFactory, record_property: Callable[[str, object], None]
) -> None:
    results: dict[str, list[bool]] = {"examples": [], "held out": []}
    mistakes: list[str] = []
    for kind, cases in (
        ("examples", example_cases()),
        ("held out", [case for case in CASES if case.get("held_out")]),
    ):
        for case in cases:
            problems = await run_case(client, await make_user(), case)
            results[kind].append(not problems)
            if problems:
                mistakes.append(f"{kind}: {case['help']['query']!r}: {'; '.join(problems)}")
    summary = ", ".join(f"{kind} {sum(oks)}/{len(oks)}" for kind, oks in results.items())
    record_property("specialists_eval", summary)
    report = "\n".join([summary, *mistakes])
    assert sum(results["examples"]) >= EXAMPLES_THRESHOLD * len(results["examples"]), report
    assert sum(results["held out"]) >= HELD_OUT_THRESHOLD * len(results["held out"]), report


@pytest.mark.parametrize(
    "case", [case for case in CASES if case.get("answer")], ids=lambda case: str(case["id"])
)
async def test_the_sample_answers(
    client: httpx.AsyncClient, make_user: UserFactory, case: dict[str, Any]
) -> None:
    problems = await run_case(client, await make_user(), case)
    assert not problems, (case["help"], problems)
