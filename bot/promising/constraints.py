"""What set a quote's earliest day, written for the reader: the engine's constraint in words.

capacity/ writes each constraint's English `text` (the CLI shows it) and names it by `reason` and
`facts`; here the same sentence is drawn in the active language, word for word the engine's text
in English.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.platform import blockkit as kit
from bot.platform.i18n import gettext as _
from capacity.engine import format_hours, format_qty
from capacity.model import Constraint


def constraint_text(c: Constraint, as_of: date) -> str:
    """`CNC is fully booked until Mon 7 Dec`, in the active language (plain text, unescaped)."""
    facts: dict[str, Any] = dict(c.facts)

    def day(name: str) -> str:
        value = facts.get(name)
        return kit.day(value, as_of) if isinstance(value, date) else str(value)

    def hours() -> str:
        return format_hours(float(facts.get("hours") or 0.0))

    def made() -> str:
        return format_qty(float(facts.get("made") or 0.0))

    code = facts.get("code")
    reason = c.reason
    if reason == "horizon_cannot":
        return _(
            "{qty} {sku} cannot be promised within {days} days",
            qty=facts.get("qty"),
            sku=facts.get("sku"),
            days=facts.get("days"),
        )
    if reason == "horizon_beyond":
        return _(
            "the requested day is beyond the {days}-day planning horizon", days=facts.get("days")
        )
    if reason == "none":
        return _(
            "all {qty} {sku} can be ready by the requested day",
            qty=facts.get("qty"),
            sku=facts.get("sku"),
        )
    if reason == "booked":
        return _("{code} is fully booked until {until}", code=code, until=day("until"))
    if reason == "booked_reserve":
        return _(
            "{code} is fully booked (all but its rush reserve) until {until}",
            code=code,
            until=day("until"),
        )
    if reason in ("busy", "busy_reserve"):
        item = facts.get("item")
        if reason == "busy" and item:
            return _(
                "{code} is heavily booked: the {hours} for {item} fit in between other orders "
                "only by {until}",
                code=code,
                hours=hours(),
                item=item,
                until=day("until"),
            )
        if reason == "busy":
            return _(
                "{code} is heavily booked: the {hours} fit in between other orders only by {until}",
                code=code,
                hours=hours(),
                until=day("until"),
            )
        if item:
            return _(
                "{code} is heavily booked (all but its rush reserve): the {hours} for {item} fit "
                "in between other orders only by {until}",
                code=code,
                hours=hours(),
                item=item,
                until=day("until"),
            )
        return _(
            "{code} is heavily booked (all but its rush reserve): the {hours} fit in between "
            "other orders only by {until}",
            code=code,
            hours=hours(),
            until=day("until"),
        )
    if reason in ("run_same", "run_time"):
        return _(
            "making {made} {item} takes {hours} on {code}; the last step finishes {ready}",
            made=made(),
            item=facts.get("item"),
            hours=hours(),
            code=code,
            ready=day("ready"),
        )
    if reason == "run_other":
        return _(
            "the longest step is {hours} on {code} for {made} {item}, done {until}; all {qty} "
            "{sku} are ready {ready}",
            hours=hours(),
            code=code,
            made=made(),
            item=facts.get("item"),
            until=day("until"),
            qty=facts.get("qty"),
            sku=facts.get("sku"),
            ready=day("ready"),
        )
    if reason == "lead_time":
        return _(
            "{code}: purchase lead time {lead} days, earliest arrival {until}",
            code=code,
            lead=facts.get("lead"),
            until=day("until"),
        )
    if reason == "stock":
        return _("{code}: not enough stock free before {until}", code=code, until=day("until"))
    if reason == "stock_arrives":
        return _("{code}: stock arrives {until}", code=code, until=day("until"))
    return c.text
