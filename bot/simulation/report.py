"""What a simulation says, for people: the table, the JSON, report.md and its two charts.

table_lines(figures)          the terminal table, one line per policy and setting
to_json(figures, days, seeds) the stable JSON of `promisebot simulate --json`
headline(figures)             one sentence a plant manager can repeat
to_markdown(figures, about)   report.md
charts(figures)               {file name: PNG bytes}
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.platform import charts as chart_kit
from bot.platform import i18n
from bot.platform.i18n import gettext as _
from bot.platform.i18n import pgettext
from capacity.simulation import POLICIES, Figures, Setting
from capacity.simulation.figures import WARNED_DAYS

CHART_FILES = ("on_time_vs_lead_time.png", "on_time_by_week.png")
COLOURS = {"fixed": "#c05621", "backlog": "#b7791f", "ctp": "#2b6cb0", "ctp-repromise": "#2f855a"}

HEADER = (
    "policy",
    "setting",
    "arrived",
    "accepted",
    "lost",
    "on time",
    "kept",
    "as told",
    "warned",
    "notice",
    "lead mean",
    "p50",
    "p90",
    "late by",
    "bottleneck",
)
"""The table's columns as the command line prints them."""


def headings() -> tuple[str, ...]:
    """HEADER in the active language (English: HEADER itself)."""
    # TRANSLATORS: the column headings of the simulation table (one row per way of promising);
    # keep them short. "as told": promises kept on the date last told; "notice": mean days of
    # notice a customer got; "late by": mean days late.
    return (
        pgettext("simulation table", "policy"),
        pgettext("simulation table", "setting"),
        pgettext("simulation table", "arrived"),
        pgettext("simulation table", "accepted"),
        pgettext("simulation table", "lost"),
        pgettext("simulation table", "on time"),
        pgettext("simulation table", "kept"),
        pgettext("simulation table", "as told"),
        pgettext("simulation table", "warned"),
        pgettext("simulation table", "notice"),
        pgettext("simulation table", "lead mean"),
        pgettext("simulation table", "p50"),
        pgettext("simulation table", "p90"),
        pgettext("simulation table", "late by"),
        pgettext("simulation table", "bottleneck"),
    )


def _width(text: str) -> int:
    """Columns a monospace font gives `text`: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def setting_text(setting: Setting) -> str:
    """`+10 d` (calendar days: a fixed lead time, or on top of the backlog) or `+2 wd` (working
    days on top of the engine's date), in the active language."""
    if setting.policy in ("fixed", "backlog"):
        # TRANSLATORS: a policy's setting in the simulation table: n calendar days; keep it short.
        return pgettext("simulation table", "+{n} d", n=setting.value)
    # TRANSLATORS: a policy's setting in the simulation table: n working days; keep it short.
    return pgettext("simulation table", "+{n} wd", n=setting.value)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{i18n.fixed(100 * value, 0, grouped=False)} %"


def _days(n: str) -> str:
    # TRANSLATORS: a number of days in the simulation table ("4.2 d"); keep it short.
    return pgettext("simulation table", "{n} d", n=n)


def _plain(value: float | None) -> str:
    return "-" if value is None else i18n.fixed(value, 1, grouped=False)


def _num(value: float | None) -> str:
    return "-" if value is None else _days(_plain(value))


def _row(f: Figures) -> tuple[str, ...]:
    return (
        f.setting.policy,
        setting_text(f.setting),
        str(f.arrived),
        str(f.accepted),
        str(f.lost),
        _pct(f.on_time),
        str(f.kept),
        str(f.kept_as_last_told),
        str(f.warned),
        _num(f.notice_days_mean),
        _num(f.lead_time_mean),
        "-" if f.lead_time_p50 is None else _days(str(f.lead_time_p50)),
        "-" if f.lead_time_p90 is None else _days(str(f.lead_time_p90)),
        _num(f.days_late_mean),
        f"{f.bottleneck or '-'} {_pct(f.utilisation)}",
    )


def table_lines(figures: Sequence[Figures]) -> list[str]:
    """The figures as an aligned table: numbers right-aligned, one line per setting."""
    header = headings()
    rows = [header, *(_row(f) for f in figures)]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        def pad(i: int, cell: str, width: int) -> str:
            gap = " " * (width - _width(cell))
            return cell + gap if i < 2 else gap + cell

        return "  ".join(
            pad(i, c, w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows[1:])]


def markdown_table(figures: Sequence[Figures]) -> list[str]:
    """The same table in Markdown."""
    lines = [
        "| " + " | ".join(headings()) + " |",
        "|" + "|".join(["---", "---"] + ["---:"] * 13) + "|",
    ]
    lines.extend("| " + " | ".join(_row(f)) + " |" for f in figures)
    return lines


def to_json(figures: Sequence[Figures], days: int, seeds: Sequence[int]) -> dict[str, Any]:
    """`{"days", "seeds", "policies": [...]}`, counts summed over the seeds."""
    return {"days": days, "seeds": list(seeds), "policies": [f.to_json() for f in figures]}


def headline(figures: Sequence[Figures]) -> str:
    """One sentence comparing promisebot's quotes with the fixed lead time that keeps most, in
    the active language (English on the command line)."""
    ctp = [f for f in figures if f.setting.policy == "ctp" and f.accepted]
    fixed = [f for f in figures if f.setting.policy == "fixed" and f.accepted]
    if not ctp:
        return ""
    ours = min(ctp, key=lambda f: f.setting.value)
    fields = {
        "ours": f"{ours.setting.policy} {setting_text(ours.setting)}",
        "kept": _pct(ours.on_time),
        "lead": _plain(ours.lead_time_mean),
        "days": WARNED_DAYS,
    }
    if fixed:
        best = max(fixed, key=lambda f: (f.on_time or 0.0, -f.setting.value))
        fields |= {
            "best": setting_text(best.setting),
            "best_kept": _pct(best.on_time),
            "best_lead": _plain(best.lead_time_mean),
        }
    share = None
    told = [f for f in figures if f.setting.policy == "ctp-repromise" and f.accepted]
    if told:
        again = min(told, key=lambda f: f.setting.value)
        missed = again.accepted - again.kept
        share = again.warned / missed if missed else None
        fields["warned"] = _pct(share)
    # One whole sentence for each case, so that every language can order its parts.
    if fixed and share is not None:
        return _(
            "Quoting with promisebot ({ours}) kept {kept} of its promises at a mean quoted lead "
            "time of {lead} days; the best fixed lead time ({best}) kept {best_kept} at "
            "{best_lead} days, and re-promising warned the customers of {warned} of the promises "
            "it missed at least {days} days ahead.",
            **fields,
        )
    if fixed:
        return _(
            "Quoting with promisebot ({ours}) kept {kept} of its promises at a mean quoted lead "
            "time of {lead} days; the best fixed lead time ({best}) kept {best_kept} at "
            "{best_lead} days.",
            **fields,
        )
    if share is not None:
        return _(
            "Quoting with promisebot ({ours}) kept {kept} of its promises at a mean quoted lead "
            "time of {lead} days, and re-promising warned the customers of {warned} of the "
            "promises it missed at least {days} days ahead.",
            **fields,
        )
    return _(
        "Quoting with promisebot ({ours}) kept {kept} of its promises at a mean quoted lead time "
        "of {lead} days.",
        **fields,
    )


def to_markdown(figures: Sequence[Figures], about: Sequence[str]) -> str:
    """report.md: what was simulated (`about`, one line each), the headline, the table, the
    charts and what the columns mean."""
    lines = ["# Promise reliability", ""]
    lines.extend(f"- {line}" for line in about)
    sentence = headline(figures)
    if sentence:
        lines += ["", f"**{sentence}**"]
    lines += ["", *markdown_table(figures), ""]
    lines += [
        "![On-time rate against quoted lead time](on_time_vs_lead_time.png)",
        "",
        "![On-time rate by week of the promised date](on_time_by_week.png)",
        "",
        "## What the columns mean",
        "",
        "- **on time**: promises kept (shipped complete by the date first promised) ÷ orders "
        "accepted; **kept** counts them, **as told** counts those shipped by the last date the "
        "customer was told.",
        "- **lost**: the quote was later than the customer's latest acceptable date.",
        f"- **warned**: of the promises not kept, customers told a new date at least "
        f"{WARNED_DAYS} days before the first one; **notice**: how many days before, on average.",
        "- **lead**: quoted lead time, promised date − order date (mean, p50, p90); "
        "**late by**: mean days late of the promises not kept (to the end of the run for orders "
        "still open).",
        "- **bottleneck**: the most loaded work center and the share of its normal hours it "
        "worked while orders came in (after the first 30 days).",
        "- Settings: `fixed` and `backlog` add `+k` calendar days to the catalog lead time; "
        "`ctp` and `ctp-repromise` promise the quote's date plus `+s` workdays of slack.",
        "",
    ]
    return "\n".join(lines)


def charts(figures: Sequence[Figures]) -> dict[str, bytes]:
    """The two charts as PNG bytes, by file name."""
    return {
        CHART_FILES[0]: _lead_time_chart(figures),
        CHART_FILES[1]: _weekly_chart(figures),
    }


def _policies(figures: Sequence[Figures]) -> list[tuple[str, list[Figures]]]:
    found: list[tuple[str, list[Figures]]] = []
    for policy in POLICIES:
        family = sorted(
            (f for f in figures if f.setting.policy == policy and f.accepted),
            key=lambda f: f.setting.value,
        )
        if family:
            found.append((policy, family))
    return found


def _lead_time_chart(figures: Sequence[Figures]) -> bytes:
    figure = chart_kit.figure()
    axes = figure.add_subplot()
    for policy, family in _policies(figures):
        xs = [f.lead_time_mean or 0.0 for f in family]
        ys = [100 * (f.on_time or 0.0) for f in family]
        axes.plot(xs, ys, marker="o", color=COLOURS[policy], label=policy, linewidth=2)
        for f, x, y in zip(family, xs, ys, strict=True):
            axes.annotate(
                setting_text(f.setting),
                (x, y),
                textcoords="offset points",
                xytext=(6, 6),
                fontsize=9,
                color=COLOURS[policy],
            )
    axes.set_xlabel("mean quoted lead time (days)")
    axes.set_ylabel("promises kept (%)")
    axes.set_ylim(0, 105)
    axes.grid(True, alpha=0.3)
    if axes.lines:
        axes.legend(loc="lower right")
    axes.set_title("Promises kept against quoted lead time, each policy's settings as a curve")
    return chart_kit.png(figure)


def _weekly_chart(figures: Sequence[Figures]) -> bytes:
    families = _policies(figures)
    figure = chart_kit.figure()
    panels = figure.subplots(1, max(1, len(families)), sharey=True, squeeze=False)[0]
    for axes, (policy, family) in zip(panels, families, strict=False):
        styles = ["-", "--", ":", "-."]
        for n, f in enumerate(family):
            weeks = [w for w in f.weeks if w.due]
            axes.plot(
                [w.monday for w in weeks],
                [100 * w.kept / w.due for w in weeks],
                linestyle=styles[n % len(styles)],
                color=COLOURS[policy],
                alpha=1.0 - 0.15 * min(n, 3),
                label=setting_text(f.setting),
            )
        axes.set_title(policy)
        axes.set_ylim(0, 105)
        axes.grid(True, alpha=0.3)
        if axes.lines:
            axes.legend(loc="lower left", fontsize=8)
        axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    panels[0].set_ylabel("promises kept (%) by week of the promised date")
    return chart_kit.png(figure)
