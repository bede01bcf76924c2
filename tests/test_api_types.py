"""The page's API types (frontend/src/api/schema.d.ts) are what `make api-types` makes of the server's OpenAPI
document today: a schema changed without regenerating them fails here, not in a browser.

It needs Node (openapi-typescript runs on it), which `make setup` uses to build the page: without node the
test says it is skipped, and with CI=true that is a failure.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.services import IN_CI

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "frontend" / "src" / "api" / "schema.d.ts"


def test_the_committed_api_types_are_generated_from_the_current_schema(tmp_path: Path) -> None:
    missing = [tool for tool in ("node", "make") if shutil.which(tool) is None]
    if missing:
        message = f"generating the API types needs {', '.join(missing)}"
        if IN_CI:
            pytest.fail(f"{message} and CI=true")
        pytest.skip(f"{message}: skipped")
    generated = tmp_path / "schema.d.ts"
    result = subprocess.run(
        ["make", "-s", "api-types", f"API_TYPES={generated}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    fresh = generated.read_text()
    committed = COMMITTED.read_text() if COMMITTED.exists() else ""
    if fresh != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                fresh.splitlines(keepends=True),
                "committed frontend/src/api/schema.d.ts",
                "generated now",
                n=2,
            )
        )
        pytest.fail(
            "frontend/src/api/schema.d.ts differs from the server's OpenAPI document: "
            f"run `make api-types` and commit the file.\n{diff[:5000]}"
        )
