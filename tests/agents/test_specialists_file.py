"""The specialists file: `taskagent specialists check FILE` names each problem with its line; `serve` with a
bad file stops with one message and no traceback; a turned-off specialist is gone from every way in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from taskagent.agents.catalog import DEFAULT_FILE, TOOL_NAMES, load_catalog
from taskagent.cli import main
from tests.agents.support import ask, create_task, last, parse_sse
from tests.conftest import UserHandle

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
default = "incident"

[[specialists]]
id = "incident"
name = "Incident Agent"
description = "Outages and their follow-up."
instructions = "You help with incidents."
tools = ["get_task"]
examples = ["Write the postmortem"]
answer = "Incident follow-up for {title}."

[[specialists]]
id = "blocker"
name = "Blocker Agent"
description = "Gets a stuck task moving."
instructions = "You unblock."
tools = ["get_task", "list_open_tasks"]
examples = ["I'm stuck"]
answer = "builtin:blocker"
enabled = false
"""


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    path = tmp_path / "specialists.toml"
    path.write_text(text)
    code = main(["specialists", "check", str(path)])
    captured = capsys.readouterr()
    lines = (captured.err or captured.out).splitlines()
    return code, [line.strip().removeprefix(f"{path}:") for line in lines]


def test_the_built_in_and_the_sample_files_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specialists", "check", str(DEFAULT_FILE)]) == 0
    assert "3 specialists (scheduler, breakdown, blocker); default breakdown" in capsys.readouterr().out
    sample = ROOT / "examples/specialists/software-team.toml"
    assert main(["specialists", "check", str(sample)]) == 0
    assert "(incident, code_review, release, scheduler, breakdown, blocker)" in capsys.readouterr().out


def test_the_built_in_examples_are_what_the_shipped_model_learned() -> None:
    corpus = {
        json.loads(line)["text"]: json.loads(line)["specialist"]
        for line in (ROOT / "corpus/help-requests.jsonl").read_text().splitlines()
        if line.strip()
    }
    for spec in load_catalog().specialists:
        assert spec.answer == f"builtin:{spec.id}"
        for example in spec.examples:
            assert corpus.get(example) == spec.id, example


def test_a_good_file_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = check(tmp_path, GOOD, capsys)
    assert code == 0
    assert lines[-1].endswith("1 specialists (incident); default incident")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('tools = ["get_task"]', 'tools = ["get_task", "launch_rockets"]'),
            "8: specialist 'incident': unknown tool",
        ),
        (
            ('examples = ["Write the postmortem"]', "examples = []"),
            "9: specialist 'incident': `examples` is empty",
        ),
        (("{title}.", "{title} by {deadline}."), "10: specialist 'incident': unknown placeholder {deadline}"),
        (
            ("{title}.", "{title}: {open_tasks}"),
            "10: specialist 'incident': the placeholder {open_tasks} needs",
        ),
        (('default = "incident"', 'default = "nobody"'), "1: `default = 'nobody'` names no specialist"),
        (('default = "incident"', 'default = "blocker"'), "1: `default = 'blocker'` is turned off"),
        (('id = "blocker"', 'id = "incident"'), "13: duplicate id 'incident' (also on line 4)"),
        (('name = "Blocker Agent"', 'name = "incident agent!"'), "14: name 'incident agent!' is too close"),
        (
            ('description = "Outages and their follow-up."\n', ""),
            "3: specialist 'incident': missing description",
        ),
        (
            ('answer = "builtin:blocker"', 'answer = "builtin:oracle"'),
            "19: specialist 'blocker': unknown built-in",
        ),
        (
            ('id = "incident"', 'id = "Incident Team"'),
            "4: specialist 'Incident Team': `id` must be lower-case",
        ),
        (('id = "incident"', 'id = "triage"'), "4: specialist 'triage': the id 'triage' is taken"),
        (("enabled = false", "enabled = 0"), "20: specialist 'blocker': `enabled` must be true or false"),
        (
            ('examples = ["I\'m stuck"]', 'exmaples = ["I\'m stuck"]'),
            "18: specialist 'blocker': unknown key 'exmaples'",
        ),
        (('name = "Incident Agent"', 'name = "Incident Agent'), "5: not valid TOML:"),
    ],
)
def test_each_problem_is_named_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in GOOD
    code, lines = check(tmp_path, GOOD.replace(old, new, 1), capsys)
    assert code == 1
    assert lines[0].startswith("taskagent: the specialists file ")
    assert any(line.startswith(expected) for line in lines[1:]), lines


def test_the_unknown_tool_message_lists_the_tools(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, lines = check(tmp_path, GOOD.replace('tools = ["get_task"]', 'tools = ["get_task", "fly"]'), capsys)
    assert f"(the tools are {', '.join(TOOL_NAMES)})" in lines[1]


def test_every_problem_is_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = GOOD.replace('tools = ["get_task"]', 'tools = ["fly"]').replace(
        'default = "incident"', 'default = "x"'
    )
    code, lines = check(tmp_path, bad, capsys)
    assert code == 1
    assert "has 3 problems:" in lines[0]  # the tool, then the placeholder that needs get_task, the default


def test_serve_refuses_a_bad_file_with_one_message(tmp_path: Path) -> None:
    path = tmp_path / "specialists.toml"
    path.write_text(GOOD.replace('examples = ["I\'m stuck"]', "examples = []"))
    env = {
        **os.environ,
        "SPECIALISTS_FILE": str(path),
        "TASKAGENT_DATA_DIR": str(tmp_path / "data"),
        "TASKAGENT_ENV": "development",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "taskagent.cli", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"taskagent: the specialists file {path} has 1 problem:\n")
    assert f"{path}:18: specialist 'blocker': `examples` is empty" in done.stderr
    assert not (tmp_path / "data").exists()  # stopped before anything was made


# --- a file with a specialist turned off and no scheduler, through HTTP ---------------------------------


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "team.toml"
    path.write_text(GOOD)
    return {"specialists_file": path}


async def test_a_turned_off_specialist_is_unknown_everywhere(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    status = (await client.get("/agents/status")).json()
    assert status["specialists"] == ["incident"]
    assert [agent["id"] for agent in status["agents"]] == ["triage", "incident", "task_manager"]
    task = await create_task(client, alice, title="Rotate the keys")
    response = await client.post(
        f"/tasks/{task['id']}/help",
        json={"query": "I'm stuck", "specialist": "blocker"},
        headers=alice.headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "No specialist 'blocker': the specialists are incident"
    # Triage has one specialist left: even a blocker's example phrasing goes there.
    events = parse_sse((await ask(client, alice, task["id"], "I'm stuck")).text)
    assert last(events, "done")["specialist"] == "incident"
    assert "Incident follow-up for Rotate the keys." in "".join(
        event.data["text"] for event in events if event.name == "delta"
    )


async def test_schedule_without_a_scheduler_is_a_404(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create_task(client, alice)
    response = await ask(client, alice, task["id"], None, path="schedule")
    assert response.status_code == 404
    assert response.json() == {"detail": "This service has no scheduler specialist (see SPECIALISTS_FILE)"}
