"""One clock: business time comes from bot.platform.clock, and a fixed day means that day."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.platform.clock import Clock, local_today
from bot.platform.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CLOCK_MODULE = ROOT / "bot" / "platform" / "clock.py"
WALL_CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("timing", "time"),
}


def _wall_clock_reads(path: Path) -> list[str]:
    """`LINE: owner.attr()` for each call that reads the machine's clock in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
        if (name, node.func.attr) in WALL_CLOCK_READS:
            found.append(f"{node.lineno}: {name}.{node.func.attr}()")
    return found


def test_nothing_but_the_clock_module_reads_the_wall_clock() -> None:
    sources = [
        path
        for package in ("bot", "handlers", "capacity")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != CLOCK_MODULE
    ]
    assert len(sources) > 40
    reads = [
        f"{path.relative_to(ROOT)}:{read}" for path in sources for read in _wall_clock_reads(path)
    ]
    assert reads == [], "read time from bot.platform.clock instead:\n" + "\n".join(reads)


def test_the_scan_finds_a_wall_clock_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import datetime as dt\nfrom datetime import date\n"
        "a = dt.datetime.now()\nb = date.today()\n"
    )
    reads = [line.split(": ", 1)[1] for line in _wall_clock_reads(sample)]
    assert reads == ["datetime.now()", "date.today()"]


def test_a_fixed_day_starts_at_nine_factory_time_and_runs_on() -> None:
    clock = Clock(ZoneInfo("Asia/Ho_Chi_Minh"), as_of=date(2026, 12, 31))
    first = clock()
    assert first.tzinfo is UTC
    assert first.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).replace(microsecond=0, second=0) == (
        datetime(2026, 12, 31, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    )
    assert clock.today() == date(2026, 12, 31)
    assert clock() >= first


def test_a_fixed_day_is_the_planning_day_whatever_the_time_zone() -> None:
    for zone in ("Pacific/Kiritimati", "America/New_York", "Pacific/Pago_Pago", "UTC"):
        settings = Settings(timezone=zone, as_of=date(2028, 2, 29))
        assert Clock.from_settings(settings).today() == date(2028, 2, 29)


def test_without_a_fixed_day_the_clock_is_the_machines() -> None:
    clock = Clock(ZoneInfo("Europe/Berlin"))
    before = datetime.now(UTC)
    now = clock()
    after = datetime.now(UTC)
    assert before <= now <= after
    assert clock.today() == now.astimezone(ZoneInfo("Europe/Berlin")).date()


def test_today_of_any_clock_is_its_factory_local_date() -> None:
    late_evening_utc = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert local_today(lambda: late_evening_utc, ZoneInfo("Asia/Shanghai")) == date(2026, 12, 3)
    assert local_today(lambda: late_evening_utc, ZoneInfo("America/Chicago")) == date(2026, 12, 2)


def test_replicas_given_the_moment_the_fixed_day_began_share_one_clock() -> None:
    from datetime import timedelta

    from bot.platform.clock import system_now

    began = system_now() - timedelta(minutes=12)
    settings = Settings.from_env(
        {"PROMISEBOT_AS_OF": "2026-11-23", "PROMISEBOT_AS_OF_STARTED": began.isoformat()}
    )
    first, restarted = Clock.from_settings(settings), Clock.from_settings(settings)
    now = first()
    assert abs((restarted() - now).total_seconds()) < 1
    nine = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert timedelta(minutes=12) <= now - nine < timedelta(minutes=13)
    with pytest.raises(ValueError, match="PROMISEBOT_AS_OF_STARTED"):
        Settings.from_env({"PROMISEBOT_AS_OF_STARTED": "2026-12-01T08:00"})  # no offset
