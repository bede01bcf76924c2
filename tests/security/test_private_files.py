"""The SQLite database (password hashes, tasks, chats) and its folder are private to the server's user, like
the secret key: 0600 and 0700, whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.test_cli import cli_env, serving


@pytest.mark.slow
def test_the_sqlite_file_and_its_folder_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = cli_env(SECRET_KEY=TEST_SECRET, TASKAGENT_DATA_DIR=str(data))
    old = os.umask(0o022)  # the usual umask: files 0644, folders 0755 unless made private on purpose
    try:
        with serving(tmp_path, env) as server:
            signup = httpx.post(
                f"{server.base_url}/users/signup",
                json={"email": "p@example.com", "password": "correct horse battery"},
            )
            assert signup.status_code == 201, signup.text
            files = sorted(data.glob("taskagent.db*"))
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in files}
    finally:
        os.umask(old)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert "taskagent.db" in modes
    assert all(mode == 0o600 for mode in modes.values()), {name: oct(mode) for name, mode in modes.items()}
