"""The blind set: 130 phrasings written by someone who never saw the engine, its corpus or our cases
(100 chat, 30 help requests; tests/eval/utterances-blind-*.jsonl, written 6 Dec 2026 from the format in
../shared/eval/README.md alone), split in two halves of every kind. The `dev` half may be looked at to
improve the engine; the `test` half is never tuned on, and its figure is the one the README reports.

The floors are the figures last measured, rounded down (6 Dec 2026, after the general changes tuned on the
dev half only: dev chat 42/51, help 14/15; test half, run once at the end: chat 33/49, help 15/15; when
the set arrived: dev 27/51, 14/15; test 25/49, 14/15), so that the engine cannot lose ground unseen;
issue 13's goal (9 in 10) is still above them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from tests.conftest import UserFactory
from tests.eval.expectations import load_cases
from tests.eval.test_heldout import meets, score

pytestmark = pytest.mark.backends("postgres")

HERE = Path(__file__).parent
FLOORS = {"dev": (0.82, 0.93), "test": (0.67, 1.0)}  # (chat, help)


@pytest.fixture
def settings_overrides() -> dict[str, int]:
    return {"agent_rate_limit": 10_000}


@pytest.mark.parametrize("half", sorted(FLOORS))
async def test_blind_phrasings(
    half: str,
    client: httpx.AsyncClient,
    make_user: UserFactory,
    record_property: Callable[[str, object], None],
) -> None:
    result = await score(client, make_user, load_cases(HERE / f"utterances-blind-{half}.jsonl"))
    record_property(f"blind_{half}", result.report())
    print(f"\nblind {half}: {result.report()}")  # noqa: T201  (seen with -s: the figure to report)
    assert meets(result, *FLOORS[half]), result.report()
