"""What `/promisebot` answers with: who has which role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.platform.blockkit import (
    SECTION_TEXT,
    context,
    escape,
    header,
    lines_within,
    mention,
    message,
    plain,
    section,
)
from bot.platform.i18n import gettext as _
from bot.platform.i18n import ngettext


def roles_message(roles: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Who has which role (everyone else is sales)."""
    lines = [f"{mention(user)}: {role}" for user, role in roles] or [_("Nobody has a role yet.")]
    text = _("Roles (everyone else is sales):") + "\n" + "\n".join(lines)
    return message(plain(text), [section(text)])


def simulation_running_message(days: int, seeds: Sequence[int]) -> dict[str, Any]:
    """The answer at once: the simulation has started, and where its result will appear."""
    seed_list = ", ".join(str(s) for s in seeds)
    text = ":hourglass_flowing_sand: " + ngettext(
        "Running the simulation of {days} day of orders with seeds {seeds} on the database's "
        "factory… The table and the chart will be posted in this channel when it is done (it "
        "can take a minute); nothing in the database changes.",
        "Running the simulation of {days} days of orders with seeds {seeds} on the database's "
        "factory… The table and the chart will be posted in this channel when it is done (it "
        "can take a minute); nothing in the database changes.",
        days,
        days=days,
        seeds=seed_list,
    )
    return message(plain(text), [section(text)])


def simulation_result_message(
    days: int, seeds: Sequence[int], headline: str, table: Sequence[str], about: Sequence[str]
) -> dict[str, Any]:
    """The simulation's summary: its headline sentence, the table of every policy and setting,
    and what was simulated."""
    seed_list = ", ".join(str(s) for s in seeds)
    title = ngettext(
        "Promise reliability over {days} day (seeds {seeds})",
        "Promise reliability over {days} days (seeds {seeds})",
        days,
        days=days,
        seeds=seed_list,
    )
    fence = "```"
    shown = lines_within(
        [escape(line) for line in table], SECTION_TEXT - 2 * len(fence) - 20, more=_more_rows
    )
    blocks = [header(title)]  # the numbers and dates in it are ours: nothing to escape
    if headline:
        blocks.append(section(f"*{escape(headline)}*"))
    blocks.append(section(f"{fence}\n{shown}\n{fence}"))
    blocks.append(
        context(
            escape(" ".join(about))
            + " "
            + _("On time: promises kept ÷ orders accepted; the chart follows in this channel.")
        )
    )
    return message(plain(escape(headline or title)), blocks)


def _more_rows(n: int) -> str:
    return ngettext("and {n} more row", "and {n} more rows", n, n=n)
