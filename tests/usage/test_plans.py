"""`taskagent plan set | show | reset`: the operator gives a user limits of their own; the service applies
them at once (the default plan comes from AGENT_MONTHLY_RUNS and AGENT_MONTHLY_TOKENS)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from taskagent.cli import main
from taskagent.config import Settings
from tests.agents.support import ask, ask_events, create_task
from tests.conftest import TEST_SECRET, UserHandle
from tests.usage.support import assert_quota_refusal, usage

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_monthly_runs": 1}


@pytest.fixture
def plan(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """`taskagent plan ...` as the operator runs it (same database, same environment); (status, output)."""
    assert settings.database_url is not None
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TASKAGENT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("AGENT_MONTHLY_RUNS", "1")
    monkeypatch.delenv("AGENT_MONTHLY_TOKENS", raising=False)

    def call(args: list[str]) -> int:
        try:
            return main(["plan", *args])
        except SystemExit as exc:  # argparse refusing the command line
            return int(exc.code or 0)

    async def run(*args: str) -> tuple[int, str, str]:
        status = await asyncio.to_thread(call, list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return run


async def test_a_users_own_plan_replaces_the_default_until_reset(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, plan: Any
) -> None:
    task = await create_task(client, alice)
    await ask_events(client, alice, task["id"], "When?")
    assert_quota_refusal(await ask(client, alice, task["id"], "When?"), "runs")

    status, out, _ = await plan(
        "set", alice.email.upper(), "--runs", "3", "--tokens", "unlimited", "--name", "pro"
    )
    assert status == 0
    shown = json.loads(out)
    assert (shown["plan"], shown["limits"], shown["runs"]) == ("pro", {"runs": 3, "tokens": None}, 1)
    for _ in range(2):
        assert (await ask(client, alice, task["id"], "When?")).status_code == 200
    assert_quota_refusal(await ask(client, alice, task["id"], "When?"), "runs")
    mine = await usage(client, alice)
    assert (mine["plan"], mine["runs"], mine["limits"]["runs"]) == ("pro", 3, 3)
    assert (await usage(client, bob))["plan"] == "default"  # nobody else's plan changed

    # `--runs default` (or leaving it out) keeps following the default plan.
    status, out, _ = await plan("set", alice.email, "--runs", "default", "--tokens", "500")
    assert status == 0 and json.loads(out)["limits"] == {"runs": 1, "tokens": 500}
    assert json.loads(out)["plan"] == "custom"

    status, out, _ = await plan("reset", alice.email)
    assert status == 0
    assert (json.loads(out)["plan"], json.loads(out)["limits"]) == ("default", {"runs": 1, "tokens": None})
    status, out, _ = await plan("reset", alice.email)
    assert status == 0 and "default plan already" in out
    status, out, _ = await plan("show", bob.email)
    assert status == 0 and json.loads(out)["runs"] == 0


async def test_plan_commands_refuse_unknown_users_and_bad_limits(plan: Any, alice: UserHandle) -> None:
    status, _, err = await plan("set", "nobody@example.com", "--runs", "5")
    assert status == 2 and "no user with the email 'nobody@example.com'" in err
    status, _, err = await plan("show", "nobody@example.com")
    assert status == 2 and "no user" in err
    for bad in ("-1", "lots", "1.5"):
        status, _, err = await plan("set", alice.email, "--runs", bad)
        assert status == 2 and "is not a limit" in err
    status, _, err = await plan("set", alice.email, "--name", " ")
    assert status == 2 and "--name" in err
