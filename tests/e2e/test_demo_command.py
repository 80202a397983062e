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
from collections.abc import Callable
from pathlib import Path

from bot.cli import main
from tests.conftest import MigratedDb, dump_database


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMISEBOT_", "SLACK_"))}
    env.pop("DATABASE_URL", None)
    return {**env, **extra}


def run_demo(
    args: list[str], env: dict[str, str], cwd: Path, while_up: Callable[[str], None] | None = None
) -> tuple[int, str]:
    """Start `promisebot demo ARGS`, wait for its URL, call `while_up(url)`, then Ctrl-C it."""
    command = [sys.executable, "-m", "bot.cli", "demo", "--port", "0", *args]
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    shown = []
    try:
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
        if while_up is not None:
            while_up(url)
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, "".join(shown) + rest


def test_demo_prepares_an_empty_database_serves_the_page_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path,
) -> None:
    def look(url: str) -> None:
        with urllib.request.urlopen(f"{url}/", timeout=10) as page:
            assert "promisebot sandbox" in page.read().decode()
        with urllib.request.urlopen(f"{url}/sandbox/state?user=U0SAM", timeout=10) as answer:
            state = json.load(answer)
        assert [c["name"] for c in state["channels"]] == ["sales", "operations", "management"]

    database = ["--database-url", f"sqlite:///{tmp_path / 'demo.db'}"]
    code, shown = run_demo(database, clean_env(), tmp_path, look)

    assert code == 0, shown
    assert "Seeded a week of history" in shown and ", 0 at risk." in shown
    assert "Stopped." in shown
    assert "Traceback" not in shown


def test_demo_keeps_to_its_own_database_whatever_database_url_says(
    migrated_db: MigratedDb, worked_dir: Path, tmp_path: Path
) -> None:
    env = {"PROMISEBOT_AS_OF": "2026-11-23"}
    assert main(["import", str(worked_dir), "--database-url", migrated_db.url], env=env) == 0
    hold = ["hold", "BRKT", "5", "--date", "2026-11-25", "--customer", "Initech", "--confirm"]
    assert main([*hold, "--database-url", migrated_db.url], env=env) == 0
    before = dump_database(migrated_db.engine)
    folder = tmp_path / "here"
    folder.mkdir()

    code, shown = run_demo([], clean_env(DATABASE_URL=migrated_db.url), folder)

    assert code == 0, shown
    assert "Its own database: sqlite:///promisebot-demo.db (DATABASE_URL is not used)" in shown
    assert (folder / "promisebot-demo.db").exists()
    assert dump_database(migrated_db.engine) == before


def test_demo_reuses_its_own_database_on_the_same_day_and_starts_it_afresh_on_another(
    tmp_path: Path,
) -> None:
    first = run_demo(["--as-of", "2027-03-01"], clean_env(), tmp_path)
    again = run_demo(["--as-of", "2027-03-01"], clean_env(), tmp_path)
    later = run_demo(["--as-of", "2027-03-02"], clean_env(), tmp_path)

    assert [code for code, _ in (first, again, later)] == [0, 0, 0]
    assert "Booked the demo factory as of Mon 1 Mar" in first[1]
    assert "Reusing the sandbox's database" in again[1]
    assert "Started it afresh (it held the demo as of 2027-03-01)" in later[1]
    assert "Booked the demo factory as of Tue 2 Mar" in later[1]
