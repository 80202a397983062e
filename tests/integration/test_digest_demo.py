"""The digest on the demo factory, straight after import: most tables are still empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.demo import DEMO_DIR
from tests.conftest import MigratedDb


def test_digest_of_a_fresh_demo_factory_writes_markdown_and_charts(
    migrated_db: MigratedDb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"PROMISEBOT_AS_OF": "2026-11-23"}
    assert main(["import", str(DEMO_DIR), "--database-url", migrated_db.url], env=env) == 0
    out = tmp_path / "digest"

    # The orders were taken on the day of the import, so the week of the import lists them.
    argv = ["digest", "--week", "2026-11-23", "--out", str(out), "--database-url", migrated_db.url]
    code = main(argv, env=env)

    assert code == 0, capsys.readouterr().err
    text = (out / "digest.md").read_text()
    assert "## Capacity requests\n\nNone." in text  # no requests yet: said, not crashed on
    assert "# Weekly digest: Mon 23 Nov – Sun 29 Nov 2026" in text
    assert "SO-1014 Globex: 40 BRKT-HD" in text  # the demo's rush orders
    # Every sold item with orders gets its takt time; the demo's lines keep pace with its orders.
    takt = text.split("## Takt time", 1)[1].split("##", 1)[0]
    assert "| BRKT-HD | 15.0 | WELD |" in takt
    assert "outruns" not in takt
    for chart in ("load.png", "on_time.png"):
        assert (out / chart).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
