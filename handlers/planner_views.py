"""What the planner's view says in Slack: a load chart's numbers, an order's plan, a sequence.

Each answer goes to the asker only: its chart (a PNG) is uploaded into their direct messages with
promisebot, and the ephemeral reply carries the same numbers in words, so no chart stands without
its figures and a screen reader gets the whole story. Pure functions; handlers.planner sends them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from bot.planner.gantt import OrderPlan
from bot.planner.load import LoadChart
from bot.planner.sequence import Sequence
from bot.platform import blockkit as kit
from bot.platform import i18n
from bot.platform.i18n import gettext as _
from bot.platform.i18n import ngettext

LOAD_CHART = "planner_load_chart"
"""A work center's button on the operations Home tab: its load chart (value: the code; the
action_id is this, a dash and the button's place)."""
LOAD_CHART_ACTIONS = re.compile(rf"^{LOAD_CHART}-\d+$")
ORDER_PLAN = "planner_order_plan"
"""The Plan button on an order's message (value: a ButtonValue naming the order)."""

HOME_BUTTONS = 25
"""Slack's most elements in one actions block: the Home tab shows that many work centers."""
LARGEST_ORDERS = 5


def _where(dm: str | None) -> str:
    if dm is None:
        return _(
            "The chart could not be sent to your direct messages just now; "
            "these are its numbers. Ask again in a moment for the picture."
        )
    return _(
        "The chart is in your direct messages with promisebot ({link}).",
        link=kit.channel_link(dm),
    )


def load_message(chart: LoadChart, *, dm: str | None) -> dict[str, Any]:
    """The load chart's numbers: the summary, each week's booked hours, the largest orders."""
    summary = kit.escape(chart.summary())
    weeks: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0])
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for day in chart.days:
        monday = day.on - timedelta(days=day.on.weekday())
        weeks[monday][0] += day.reserved
        weeks[monday][1] += day.normal
        for order in day.orders:
            totals[(order.ref, order.customer)] += order.hours
    week_lines = [
        # TRANSLATORS: booked and normal are hours like 31.5; share is a percentage like 79%.
        _(
            "Week of {day}: {booked} of {normal} h booked ({share}).",
            day=kit.day(monday, chart.as_of),
            booked=i18n.fixed(reserved),
            normal=i18n.fixed(normal),
            share=i18n.percent(reserved / normal if normal else 0),
        )
        for monday, (reserved, normal) in sorted(weeks.items())
    ]
    largest = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    order_lines = [
        _(
            "{ref} for {customer}: {hours} h",
            ref=kit.escape(ref),
            customer=kit.escape(customer),
            hours=f"{hours:g}",
        )
        for (ref, customer), hours in largest[:LARGEST_ORDERS]
    ]
    blocks = [
        kit.section(f":bar_chart: *{summary}*"),
        kit.section(kit.lines_within(week_lines, kit.SECTION_TEXT, more=_more_weeks)),
    ]
    if order_lines:
        text = _("*Largest orders:*") + "\n" + "\n".join(order_lines)
        if len(largest) > LARGEST_ORDERS:
            text += "\n" + kit.and_more(len(largest) - LARGEST_ORDERS, _more_orders)
        blocks.append(kit.section(kit.clip(text, kit.SECTION_TEXT)))
    blocks.append(kit.context(_where(dm)))
    return kit.message(summary, blocks)


def order_plan_message(plan: OrderPlan, *, dm: str | None) -> dict[str, Any]:
    """The order's plan in words: where it is and when, each work center's days, the material."""
    said = kit.escape(plan.said())
    lines = [kit.escape(line) for line in plan.lines()]
    blocks = [
        kit.section(f":calendar: *{said}*"),
        kit.section(kit.lines_within(lines, kit.SECTION_TEXT, more=_more_plan_lines)),
    ]
    if plan.bars or plan.materials:
        blocks.append(kit.context(_where(dm)))
    return kit.message(said, blocks)


def sequence_message(result: Sequence, *, dm: str | None) -> dict[str, Any]:
    """Johnson's order against the promised-date order, late orders flagged, in words."""
    lines = [kit.escape(line) for line in result.lines()]
    blocks = [kit.section(kit.lines_within(lines, kit.SECTION_TEXT, more=_more_lines))]
    if result.johnson and result.not_applicable is None:
        blocks.append(kit.context(_where(dm)))
    return kit.message(lines[0], blocks)


def load_buttons(codes: list[str]) -> list[dict[str, Any]]:
    """The operations Home tab's row of work centers, each button drawing its load chart."""
    if not codes:
        return []
    shown = codes[:HOME_BUTTONS]
    blocks = [
        kit.context(_("Load chart of a work center (4 weeks; `/capacity CNC 8w` for more):")),
        kit.actions(
            # Slack wants each action_id once per block: the button's place is appended.
            [
                kit.button(code, f"{LOAD_CHART}-{n}", code[: kit.BUTTON_VALUE])
                for n, code in enumerate(shown)
            ],
            block_id="home_load_charts",
        ),
    ]
    if len(codes) > HOME_BUTTONS:
        left_out = len(codes) - HOME_BUTTONS
        blocks.append(
            kit.context(
                ngettext(
                    "{n} more work center is not shown: type `/capacity CODE`.",
                    "{n} more work centers are not shown: type `/capacity CODE`.",
                    left_out,
                    n=left_out,
                )
            )
        )
    return blocks


def _more_weeks(n: int) -> str:
    return ngettext("and {n} more week", "and {n} more weeks", n, n=n)


def _more_orders(n: int) -> str:
    return ngettext("and {n} more order", "and {n} more orders", n, n=n)


def _more_plan_lines(n: int) -> str:
    return ngettext("and {n} more line of the plan", "and {n} more lines of the plan", n, n=n)


def _more_lines(n: int) -> str:
    return ngettext("and {n} more line", "and {n} more lines", n, n=n)
