"""Charts as PNG bytes of one size, drawn with matplotlib's Agg canvas (no display, no pyplot).

Labels are drawn in DejaVu Sans (matplotlib's own font: Latin, Vietnamese included), then, glyph
by glyph, in a font covering Simplified Chinese when one is installed (`scripts/ensure-fonts`
installs Debian's fonts-wqy-microhei). A chart drawn `with labels():` is in the active language
when its glyphs can be drawn, else in English with a warning logged: never boxes for glyphs.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from babel.dates import format_date

from bot.platform import i18n

log = logging.getLogger(__name__)

CHART_SIZE_PX = (1200, 600)
"""Every chart's size: legible in Slack on a phone and on a wall."""
CHART_DPI = 100
LATIN_FONT = "DejaVu Sans"
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
)
"""Fonts covering Simplified Chinese, the preferred first; any other that covers it will do."""
_CJK_SAMPLE = "周一二三四五六日月年订单负荷产能小时"
"""Characters a chart in Chinese draws: a font that has them all covers it."""


@functools.cache
def cjk_font() -> str | None:
    """The family of an installed font that covers Simplified Chinese, or None."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    fonts = font_manager.fontManager.ttflist
    by_name = {font.name: font for font in fonts}
    candidates = [by_name[name] for name in CJK_FONTS if name in by_name]
    candidates += sorted((f for f in fonts if f.name not in CJK_FONTS), key=lambda f: f.name)
    for font in candidates:
        try:
            charmap = FT2Font(font.fname).get_charmap()
        except Exception:  # a font file matplotlib cannot read is no font for us
            continue
        if all(ord(c) in charmap for c in _CJK_SAMPLE):
            return str(font.name)
    return None


@functools.cache
def _configure() -> None:
    """DejaVu Sans first, the CJK font after it (matplotlib falls back glyph by glyph). Set once:
    the same for every chart whatever its language, so threads drawing at once agree."""
    import matplotlib

    cjk = cjk_font()
    matplotlib.rcParams["font.family"] = [LATIN_FONT, cjk] if cjk else [LATIN_FONT]


def can_draw(language: str) -> bool:
    """Whether the installed fonts have the glyphs of `language`'s labels."""
    return language != "zh_Hans" or cjk_font() is not None


@contextmanager
def labels() -> Iterator[str]:
    """Draw a chart's labels inside: in the active language when its glyphs can be drawn, else
    in English (a warning logged). Yields the language the labels are in."""
    language = i18n.active()
    if can_draw(language):
        yield language
        return
    log.warning(
        "no font covering %s is installed (scripts/ensure-fonts installs one); "
        "this chart's labels are in English",
        language,
    )
    with i18n.using("en") as english:
        yield english


def figure() -> Any:
    """A blank figure of CHART_SIZE_PX with a constrained layout."""
    from matplotlib.figure import Figure

    _configure()
    width, height = CHART_SIZE_PX
    return Figure(
        figsize=(width / CHART_DPI, height / CHART_DPI), dpi=CHART_DPI, layout="constrained"
    )


def png(drawn: Any) -> bytes:
    """The PNG bytes of a figure made by `figure()`, at exactly CHART_SIZE_PX."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(drawn)
    buffer = io.BytesIO()
    # No bbox_inches="tight": it would change the size.
    drawn.savefig(buffer, format="png", dpi=CHART_DPI)
    return buffer.getvalue()


_SHORT_DAY = {"en": "d MMM", "vi": "d MMM", "zh_Hans": "M月d日"}
_SHORT_DAY_WITH_YEAR = {"en": "d MMM y", "vi": "d MMM, y", "zh_Hans": "y年M月d日"}
_SHORT_MONTH = {"en": "MMMM y", "vi": "MMMM, y", "zh_Hans": "y年M月"}


def short_day(on: date, *, year: bool = False) -> str:
    """A day without its weekday, as an axis writes it: `7 Dec`, `7 thg 12`, `12月7日` (with
    `year`: `7 Dec 2026`, `7 thg 12, 2026`, `2026年12月7日`)."""
    language = i18n.active()
    if language == "en":
        return f"{on.day} {on:%b}" + (f" {on.year}" if year else "")
    pattern = (_SHORT_DAY_WITH_YEAR if year else _SHORT_DAY)[language]
    return format_date(on, pattern, locale=i18n.locale(language))


def weekday_abbr(on: date) -> str:
    """The weekday, short: `Mon`, `Th 2`, `周一`."""
    language = i18n.active()
    if language == "en":
        return f"{on:%a}"
    return format_date(on, "EEE", locale=i18n.locale(language))


def month(on: date) -> str:
    """A month and its year: `January 2027`, `tháng 1, 2027`, `2027年1月`."""
    language = i18n.active()
    if language == "en":
        return f"{on:%B %Y}"
    return format_date(on, _SHORT_MONTH[language], locale=i18n.locale(language))
