"""The simulation's table in the reader's language: English on the command line, the
channel's language in Slack, its columns lined up in a monospace font (a Chinese character
takes two columns)."""

from __future__ import annotations

import unicodedata

from bot.platform import i18n
from bot.simulation import report
from capacity.simulation import Figures, Setting


def figures(policy: str, value: int) -> Figures:
    return Figures(
        setting=Setting(policy, value),  # type: ignore[arg-type]
        seeds=(1,),
        arrived=120,
        accepted=110,
        lost=10,
        shipped=100,
        still_open=0,
        kept=90,
        kept_as_last_told=95,
        warned=12,
        notice_days_mean=4.25,
        lead_time_mean=9.5,
        lead_time_p50=9,
        lead_time_p90=15,
        days_late_mean=2.0,
        utilisation=0.87,
        bottleneck="CNC",
        weeks=(),
    )


TABLE = [figures("fixed", 10), figures("ctp", 0), figures("ctp-repromise", 2)]


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_the_command_line_table_is_in_english() -> None:
    lines = report.table_lines(TABLE)
    assert lines[0].split() == [w for h in report.HEADER for w in h.split()]
    assert lines[2].startswith("fixed          +10 d") and " +2 wd " in lines[4]


def test_in_chinese_the_headings_are_translated_and_the_numbers_still_line_up() -> None:
    with i18n.using("zh_Hans"):
        lines = report.table_lines(TABLE)
    assert lines[0].startswith("策略") and "瓶颈" in lines[0] and "policy" not in lines[0]
    # Every column is as wide on every line: the last is right-aligned, so each line, the rule
    # under the headings too, ends in the same monospace column.
    assert len({width(line) for line in lines}) == 1, lines


def test_in_vietnamese_the_headings_are_translated() -> None:
    with i18n.using("vi"):
        header = report.table_lines(TABLE)[0]
    assert header.startswith("chính sách") and "điểm nghẽn" in header
    with i18n.using("vi"):
        row = report.table_lines(TABLE)[2]
    assert "4,2 ngày" in row and "82 %" in row and "4.2" not in row
    assert "+10 ngày " in row  # a fixed lead time of 10 calendar days


def test_settings_read_in_days_and_working_days_of_the_language() -> None:
    with i18n.using("zh_Hans"):
        chinese = [report.setting_text(f.setting) for f in TABLE]
    with i18n.using("vi"):
        vietnamese = [report.setting_text(f.setting) for f in TABLE]
    assert chinese == ["+10 天", "+0 工作日", "+2 工作日"]
    assert vietnamese == ["+10 ngày", "+0 ngày làm việc", "+2 ngày làm việc"]
