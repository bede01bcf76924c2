"""Runs the browser end-to-end tests: starts `taskagent serve` on a fresh SQLite data folder and a free port,
then drives Debian's Chromium with playwright-core (frontend/e2e/app.e2e.mjs) against it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The page's journeys, then its hostile-input checks (security headers, framing, links).
SCRIPTS = [ROOT / "frontend" / "e2e" / name for name in ("app.e2e.mjs", "security.e2e.mjs")]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own loopback server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


def main() -> int:
    if not Path(CHROMIUM).exists():
        message = f"e2e: {CHROMIUM} not found (apt-get install chromium)"
        print(message + ("" if IN_CI else "; SKIPPED"), file=sys.stderr)
        return 1 if IN_CI else 0
    if shutil.which("node") is None:
        print("e2e: node not found", file=sys.stderr)
        return 1
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="taskagent-e2e-"))
    env = {
        **os.environ,
        "TASKAGENT_DATA_DIR": str(data_dir),
        "TASKAGENT_ENV": "development",
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "TASKAGENT_MODEL": "local",
        # The browser signs up and signs in more than the public limit allows in a minute.
        "TOKEN_RATE_LIMIT": "100",
        "AGENT_RATE_LIMIT": "100",
        # A reminder due in a few seconds arrives within the step that waits for it.
        "REMINDER_POLL_SECONDS": "1",
    }
    log = (data_dir / "server.log").open("w")
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "taskagent"), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health", 180)  # a loaded 2-core machine can take a while to import
        failed = 0
        for script in SCRIPTS:
            result = subprocess.run(
                ["node", str(script)],
                cwd=ROOT / "frontend",
                env={**env, "TASKAGENT_URL": base, "CHROMIUM_PATH": CHROMIUM},
                check=False,
            )
            if result.returncode != 0:
                failed += 1
                print(f"e2e: {script.name} failed; server log at {data_dir / 'server.log'}", file=sys.stderr)
        return 1 if failed else 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


if __name__ == "__main__":
    raise SystemExit(main())
