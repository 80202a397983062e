"""Charts in Vietnamese and Chinese draw every glyph: a CJK font after DejaVu Sans, or, when
none is installed, the labels in English (never boxes for missing glyphs)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from bot.collaboration.digest import render_charts
from bot.planner.load import DayLoad, LoadChart, OrderHours, render_load_png
from bot.platform import charts, i18n
from tests.unit.test_digest_report import digest, png_size

START = date(2026, 11, 30)


def load_chart() -> LoadChart:
    days = []
    for i in range(14):
        on = START + timedelta(days=i)
        workday = on.weekday() < 5
        orders = (
            (
                OrderHours("PB-00001", "Công ty Bình Minh", "confirmed", False, 6.0),
                OrderHours("PB-00002", "上海精密", "held", False, 2.0),
                OrderHours("PB-00003", "Acme", "confirmed", True, 1.5),
            )
            if workday
            else ()
        )
        note = "closed: Tết" if i == 3 else ("overtime: rush" if i == 8 else "")
        capacity = 0.0 if i == 3 or not workday else 10.0 if i == 8 else 8.0
        days.append(DayLoad(on, capacity, capacity * 0.9, 8.0 if workday else 0.0, orders, note))
    return LoadChart("CNC", "CNC mill", START, tuple(days))


def draw_all() -> list[bytes]:
    return [render_load_png(load_chart()), *render_charts(digest(work_centers=5)).values()]


def glyph_warnings(draw: Callable[[], list[bytes]]) -> tuple[list[bytes], list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drawn = draw()
    return drawn, [str(w.message) for w in caught if "missing from" in str(w.message)]


@pytest.mark.parametrize("language", ["zh_Hans", "vi"])
def test_the_charts_draw_every_glyph_in_vietnamese_and_chinese(language: str) -> None:
    with i18n.using(language):
        drawn, missing = glyph_warnings(draw_all)
    assert missing == []
    assert [png_size(png) for png in drawn] == [(1200, 600)] * 3


def test_chinese_labels_have_a_font_when_one_is_installed() -> None:
    # scripts/ensure-fonts installs one (make test runs it); the chart then speaks Chinese.
    assert charts.cjk_font() is not None
    with i18n.using("zh_Hans"), charts.labels() as language:
        assert language == "zh_Hans"
        assert charts.weekday_abbr(START) == "周一"


def test_without_a_cjk_font_the_chart_is_in_english_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    with i18n.using("zh_Hans"):
        with charts.labels() as language:
            assert language == "en"
            assert charts.weekday_abbr(START) == "Mon"
        with caplog.at_level(logging.WARNING, logger="bot.platform.charts"):
            drawn, missing = glyph_warnings(draw_all)
        assert i18n.active() == "zh_Hans"  # only the chart's labels fell back
    assert missing == []
    assert [png_size(png) for png in drawn] == [(1200, 600)] * 3
    assert "no font covering zh_Hans" in caplog.text


def test_vietnamese_needs_no_font_but_dejavu_sans() -> None:
    assert charts.can_draw("vi") and charts.can_draw("en")
