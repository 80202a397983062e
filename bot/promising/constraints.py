"""What set a quote's earliest day, written for the reader: the engine's constraint in words.

capacity/ writes each constraint's English `text` (the CLI shows it) and names it by `reason` and
`facts`; here the same sentence is drawn in the active language, word for word the engine's text
in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.platform import blockkit as kit
from bot.platform import i18n
from bot.platform.i18n import gettext as _
from capacity.model import Constraint, NotPromisable


def constraint_text(c: Constraint, as_of: date) -> str:
    """`CNC is fully booked until Mon 7 Dec`, in the active language (plain text, unescaped)."""
    facts: dict[str, Any] = dict(c.facts)

    def day(name: str) -> str:
        value = facts.get(name)
        return kit.day(value, as_of) if isinstance(value, date) else str(value)

    def hours() -> str:
        return i18n.hours(float(facts.get("hours") or 0.0))

    def made() -> str:
        return i18n.quantity(float(facts.get("made") or 0.0))

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


# --- why an order is at risk, kept as facts ------------------------------------------------------
#
# An order at risk keeps its reason twice: `at_risk_reason`, the English sentence (the CLI and the
# order JSON show it), and `at_risk_facts`, what the sentence says as JSON, from which each reader
# gets it in their own language. Days are ISO strings there, named in "dates".


def _json_facts(facts: Mapping[str, object]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    dates: list[str] = []
    for name, value in facts.items():
        if isinstance(value, date):
            out[name] = value.isoformat()
            dates.append(name)
        elif isinstance(value, bool | int | float | str) or value is None:
            out[name] = value
        else:
            out[name] = str(value)
    if dates:
        out["dates"] = dates
    return out


def _read_facts(data: Mapping[str, Any]) -> dict[str, Any]:
    facts = {k: v for k, v in data.items() if k != "dates"}
    for name in data.get("dates") or ():
        try:
            facts[name] = date.fromisoformat(str(facts[name]))
        except (KeyError, ValueError):
            facts.pop(name, None)
    return facts


def constraint_json(c: Constraint) -> dict[str, Any]:
    """A constraint as JSON, to be written again later by `constraint_text(constraint_of(…))`."""
    return {
        "kind": c.kind,
        "code": c.code,
        "text": c.text,
        "reason": c.reason,
        "facts": _json_facts(dict(c.facts)),
    }


def constraint_of(data: Mapping[str, Any]) -> Constraint:
    """The constraint `constraint_json` kept (its `until` is among its facts)."""
    return Constraint(
        kind=data.get("kind") or "none",
        code=data.get("code"),
        until=None,
        text=str(data.get("text") or ""),
        reason=str(data.get("reason") or ""),
        facts=tuple(_read_facts(data.get("facts") or {}).items()),
    )


def refusal_facts(error: NotPromisable) -> dict[str, Any]:
    """What an engine's refusal (`NotPromisable`) says, as JSON facts for `refusal_text`."""
    quote, said = error.quote, str(error)
    facts: dict[str, Any] = {"qty": quote.qty, "sku": quote.sku, "day": quote.requested}
    constraint: dict[str, Any] | None = None
    if said.endswith(" is in the past."):
        facts["why"] = "past"
    elif beyond := re.search(r" is beyond the (\d+)-day horizon\.$", said):
        facts |= {"why": "beyond", "days": int(beyond[1])}
    elif said == f"{quote.qty} {quote.sku} cannot be promised within the planning horizon.":
        facts["why"] = "cannot"
    elif quote.earliest is not None and said.startswith(f"{quote.qty} {quote.sku} cannot be ready"):
        facts |= {"why": "late", "earliest": quote.earliest}
        constraint = constraint_json(quote.constraint)
    else:
        facts["why"] = "other"  # written by hand: only its English words are known
    out = _json_facts(facts)
    if constraint is not None:
        out["constraint"] = constraint
    return out


def factory_changed_facts(qty: int, sku: str, days: int) -> dict[str, Any]:
    """A re-plan found no place in the horizon for an order (`refusal_text` writes it)."""
    return {"why": "factory_changed", "qty": qty, "sku": sku, "days": days}


def refusal_text(data: Mapping[str, Any], as_of: date) -> str | None:
    """The sentence `refusal_facts` or `factory_changed_facts` describe, in the active language
    (plain text); None for a refusal whose words only the English text holds."""
    facts = _read_facts(data)
    why = facts.get("why")
    qty, sku = facts.get("qty"), facts.get("sku")
    requested = facts.get("day")
    day = kit.day(requested, as_of) if isinstance(requested, date) else ""
    if why == "past":
        return _("{day} is in the past.", day=day)
    if why == "beyond":
        return _("{day} is beyond the {days}-day horizon.", day=day, days=facts.get("days"))
    if why == "cannot":
        return _("{qty} {sku} cannot be promised within the planning horizon.", qty=qty, sku=sku)
    if why == "factory_changed":
        return _(
            "the factory changed: {qty} {sku} cannot be promised within the {days}-day horizon",
            qty=qty,
            sku=sku,
            days=facts.get("days"),
        )
    earliest = facts.get("earliest")
    said = data.get("constraint")
    if why == "late" and isinstance(earliest, date) and isinstance(said, Mapping):
        constraint = constraint_of(said)
        return _(
            "{qty} {sku} cannot be ready by {day}; the earliest is {earliest} ({why}).",
            qty=qty,
            sku=sku,
            day=day,
            earliest=kit.day(earliest, as_of),
            why=constraint_text(constraint, as_of),
        )
    return None


def at_risk_text(reason: str | None, facts: Mapping[str, Any] | None, as_of: date) -> str | None:
    """Why an order is at risk, in the active language: from its facts when it has them (kept
    since migration 0005), else its stored English sentence as it is."""
    if facts:
        text = refusal_text(facts, as_of)
        if text is not None:
            return text
    return reason
