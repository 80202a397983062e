"""`promisebot demo` as a person runs it: it prints the URL, serves the page, Ctrl-C stops it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def test_demo_prepares_an_empty_database_serves_the_page_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMISEBOT_", "SLACK_"))}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "bot.cli", "demo", "--port", "0"]
    command += ["--database-url", f"sqlite:///{tmp_path / 'demo.db'}"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        shown = []
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                break
            shown.append(line)
            found = re.search(r"Open (http://127\.0\.0\.1:\d+) in your browser", line)
            url = found.group(1) if found else None
        assert url is not None, "".join(shown)
        assert any("Seeded a week of history" in line for line in shown), "".join(shown)

        with urllib.request.urlopen(f"{url}/", timeout=10) as page:
            assert "promisebot sandbox" in page.read().decode()
        with urllib.request.urlopen(f"{url}/sandbox/state?user=U0SAM", timeout=10) as answer:
            state = json.load(answer)
        assert [c["name"] for c in state["channels"]] == ["sales", "operations", "management"]

        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, "".join(shown) + rest
    assert "Stopped." in rest
    assert "Traceback" not in rest
