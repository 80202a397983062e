"""Read what operations type about a change: `/capacity …` and `/supply …`.

- `/capacity CNC down Thu..Fri "spindle repair"`: closed on those days (one day: `down Thu`);
- `/capacity CNC 4h 2026-12-09` (or `4h Wed..Fri`): the day's whole capacity;
- `/capacity PAINT overtime Sat 8h`: 8 hours more than the day has;
- `/capacity CNC back`: lifts the latest downtime still ahead;
- `/capacity CNC` (or `/capacity CNC 8w`): no change, the work center's load chart (4 weeks);
- `/capacity sequence LASER BEND [PAINT] [DAY]`: Johnson's order for the week of DAY;
- `/supply SHEET PO-778 moves to 12-10`: the receipt arrives that day (`to Dec 10`, `on Friday`);
- `/supply SHEET PO-778 qty 40` (`cancelled` for 0); `/supply SHEET count 12`: a stock count.

Days are read as `/promise` reads them (handlers.parsing: `Thu`, `Dec 10`, `2026-12-10`,
`tomorrow` …), plus `12-10` (month-day, the next such day). A span is `DAY..DAY` or `DAY to DAY`.
A reason is quoted (`"spindle repair"`), or whatever follows the days. Every refusal is a
`ChangeSyntaxError` whose message says what is wrong and how to write it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.platform.i18n import N_
from bot.platform.i18n import gettext as _
from capacity.changes import CapacityChange, Change, CountChange, ReceiptChange
from handlers.parsing import MONTH_NAMES, PromiseSyntaxError, parse_day

# The "Report a change" form's fields (handlers.changes_views draws them; this module reads them).
WC_BLOCK, WC_ACTION = "change_wc", "change_wc_select"
FIRST_BLOCK, FIRST_ACTION = "change_first", "change_first_date"
LAST_BLOCK, LAST_ACTION = "change_last", "change_last_date"
KIND_BLOCK, KIND_ACTION = "change_kind", "change_kind_select"
HOURS_BLOCK, HOURS_ACTION = "change_hours", "change_hours_input"
REASON_BLOCK, REASON_ACTION = "change_reason", "change_reason_input"
KINDS = (
    ("closed", N_("Closed (down)")),
    ("hours", N_("These hours each day (the whole capacity)")),
    ("overtime", N_("These hours more than usual (overtime)")),
)

CAPACITY_USAGE = (
    '`/capacity CNC down Thu..Fri "spindle repair"`, `/capacity CNC 4h 2026-12-09`, '
    "`/capacity PAINT overtime Sat 8h` or `/capacity CNC back`"
)
SUPPLY_USAGE = (
    "`/supply SHEET PO-778 moves to 12-10`, `/supply SHEET PO-778 qty 40` or "
    "`/supply SHEET count 12`"
)

_QUOTED = re.compile(r"[\"“”']([^\"“”']*)[\"“”']")
_HOURS = re.compile(r"^(\d+(?:[.,]\d+)?)\s*h(?:ours?|rs?)?$", re.IGNORECASE)
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


class ChangeSyntaxError(ValueError):
    """The text cannot be read as a change; `str(error)` says why and how to write it."""


LOAD_USAGE = "`/capacity CNC` or `/capacity CNC 8w` (1 to 26 weeks)"
SEQUENCE_USAGE = "`/capacity sequence LASER BEND` or `/capacity sequence LASER BEND PAINT Dec 7`"
MAX_WEEKS = 26
_WEEKS = re.compile(r"^(\d+)\s*(?:w|wk|wks|weeks?)$", re.IGNORECASE)


@dataclass(frozen=True)
class ShowLoad:
    """`/capacity WC [Nw]`: show the load chart of `work_center` for `weeks` weeks; no change."""

    work_center: str
    weeks: int = 4


@dataclass(frozen=True)
class ShowSequence:
    """`/capacity sequence WC WC [WC] [DAY]`: Johnson's order for the week of `week` (None: the
    planning date's week); no change."""

    line: tuple[str, ...]
    week: date | None = None


@dataclass(frozen=True)
class LiftDowntime:
    """`/capacity WC back`: lift the latest downtime still ahead on `work_center`."""

    work_center: str


def parse_capacity(
    text: str, *, today: date
) -> CapacityChange | LiftDowntime | ShowLoad | ShowSequence:
    """Read the text after `/capacity` (see the module docstring)."""
    reason, rest = _reason(text)
    words = rest.split()
    if words and words[0].lower() == "sequence" and not reason:
        return _sequence(words[1:], today)
    if len(words) == 1 and not reason:
        return ShowLoad(words[0])
    if len(words) in (2, 3) and not reason and _WEEKS.match(" ".join(words[1:])):
        return ShowLoad(words[0], _weeks(" ".join(words[1:])))
    if len(words) < 2:
        raise ChangeSyntaxError(
            _("Say which work center and what changes: {usage}.", usage=CAPACITY_USAGE)
        )
    code, kind, *more = words
    kind = kind.lower()
    if kind == "back":
        if more:
            raise ChangeSyntaxError(
                _("`back` takes nothing after it: `/capacity {code} back`.", code=code)
            )
        return LiftDowntime(code)
    hours: float | None = None
    extra = False
    if kind in ("down", "closed", "off"):
        hours = 0.0
    elif kind == "overtime":
        extra = True
    elif _HOURS.match(kind):
        hours = _hours(kind)
    else:
        raise ChangeSyntaxError(
            _(
                "{kind} is not a change I know: say `down`, `overtime`, `back` or hours like "
                "`4h`: {usage}.",
                kind=repr(kind),
                usage=CAPACITY_USAGE,
            )
        )
    found = [w for w in more if _HOURS.match(w)]
    if extra:
        if len(found) != 1:
            raise ChangeSyntaxError(
                _(
                    "Say how many hours of overtime, like `/capacity {code} overtime Sat 8h`.",
                    code=code,
                )
            )
        hours = _hours(found[0])
    elif found:
        raise ChangeSyntaxError(_("Give the hours once: {usage}.", usage=CAPACITY_USAGE))
    days = [w for w in more if not _HOURS.match(w)]
    if not days:
        raise ChangeSyntaxError(
            _("Say which days, like `{kind} Thu..Fri`: {usage}.", kind=kind, usage=CAPACITY_USAGE)
        )
    (first, last), leftover = _days(days, today)
    assert hours is not None
    return CapacityChange(code, first, last, hours, reason or leftover, extra=extra)


def _weeks(word: str) -> int:
    match = _WEEKS.match(word)
    assert match is not None
    weeks = int(match.group(1))
    if not 1 <= weeks <= MAX_WEEKS:
        raise ChangeSyntaxError(
            _(
                "A load chart shows 1 to {most} weeks, not {weeks}: {usage}.",
                most=MAX_WEEKS,
                weeks=weeks,
                usage=LOAD_USAGE,
            )
        )
    return weeks


def _sequence(words: list[str], today: date) -> ShowSequence:
    """Two or three work center codes, then maybe a day of the week to sequence."""
    if len(words) < 2:
        raise ChangeSyntaxError(
            _("Name the two work centers of the line (or three): {usage}.", usage=SEQUENCE_USAGE)
        )
    problem = ""
    for count in (2, 3):
        line, rest = words[:count], words[count:]
        if len(line) < count:
            break
        if not rest:
            return ShowSequence(tuple(line))
        try:
            return ShowSequence(tuple(line), _day(" ".join(rest), today))
        except ChangeSyntaxError as error:
            problem = str(error)
    raise ChangeSyntaxError(
        # TRANSLATORS: {problem} is a whole sentence saying what was wrong with the day.
        _(
            "I could not read the week to sequence ({problem}); give a day of that week: {usage}.",
            problem=problem,
            usage=SEQUENCE_USAGE,
        )
    )


def parse_supply(text: str, *, today: date) -> Change:
    """Read the text after `/supply` (see the module docstring)."""
    words = text.split()
    if len(words) < 3:
        raise ChangeSyntaxError(_("Say the item and what changed: {usage}.", usage=SUPPLY_USAGE))
    sku = words[0]
    if words[1].lower() == "count":
        return CountChange(sku, _quantity(words[2:], count=True))
    ref, what = words[1], [w.lower() for w in words[2:]]
    if what[0] in ("qty", "quantity", "brings"):
        return ReceiptChange(sku, ref, qty=_quantity(words[3:], count=False))
    if what[0] in ("cancelled", "canceled", "cancel"):
        return ReceiptChange(sku, ref, qty=0.0)
    while what and what[0] in ("moves", "moved", "arrives", "to", "on", "now"):
        what = what[1:]
    if not what:
        raise ChangeSyntaxError(_("Say the day it now arrives: {usage}.", usage=SUPPLY_USAGE))
    (first, last), leftover = _days(words[len(words) - len(what) :], today)
    if first != last or leftover:
        raise ChangeSyntaxError(_("A receipt arrives on one day: {usage}.", usage=SUPPLY_USAGE))
    return ReceiptChange(sku, ref, on=first)


class FormError(ValueError):
    """What is wrong in the form, by block id (shown beside each field)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def parse_change_form(values: Mapping[str, Any], *, today: date) -> CapacityChange:
    """The change the "Report a change" form describes (`view.state.values`)."""

    def value(block: str, action: str) -> Any:
        return (values.get(block) or {}).get(action) or {}

    errors: dict[str, str] = {}
    code = (value(WC_BLOCK, WC_ACTION).get("selected_option") or {}).get("value")
    if not code:
        errors[WC_BLOCK] = _("Pick a work center.")
    first_text = value(FIRST_BLOCK, FIRST_ACTION).get("selected_date")
    last_text = value(LAST_BLOCK, LAST_ACTION).get("selected_date")
    first = date.fromisoformat(first_text) if first_text else None
    last = date.fromisoformat(last_text) if last_text else first
    if first is None:
        errors[FIRST_BLOCK] = _("Pick the first day.")
    elif first < today:
        errors[FIRST_BLOCK] = _("Pick today or a later day.")
    elif last is not None and last < first:
        errors[LAST_BLOCK] = _("The last day cannot be before the first.")
    kind = (value(KIND_BLOCK, KIND_ACTION).get("selected_option") or {}).get("value") or "closed"
    raw = value(HOURS_BLOCK, HOURS_ACTION).get("value")
    hours: float | None = 0.0
    if kind != "closed":
        try:
            hours = float(str(raw).replace(",", "."))
        except (TypeError, ValueError):
            hours = None
        if hours is None or hours < 0 or (kind == "overtime" and hours == 0):
            errors[HOURS_BLOCK] = _(
                "Give the hours as a number, 0 or more (overtime: more than 0)."
            )
    if errors:
        raise FormError(errors)
    assert code and first and last and hours is not None
    reason = (value(REASON_BLOCK, REASON_ACTION).get("value") or "").strip()
    return CapacityChange(code, first, last, hours, reason, extra=kind == "overtime")


def _reason(text: str) -> tuple[str, str]:
    found = _QUOTED.search(text)
    if not found:
        return "", text.strip()
    return found.group(1).strip(), (text[: found.start()] + " " + text[found.end() :]).strip()


def _hours(word: str) -> float:
    match = _HOURS.match(word)
    assert match is not None
    return float(match.group(1).replace(",", "."))


def _quantity(words: list[str], *, count: bool) -> float:
    if len(words) != 1 or not _NUMBER.match(words[0]):
        if count:
            raise ChangeSyntaxError(_("Give a count as one number: {usage}.", usage=SUPPLY_USAGE))
        raise ChangeSyntaxError(_("Give a quantity as one number: {usage}.", usage=SUPPLY_USAGE))
    return float(words[0].replace(",", "."))


def _days(words: list[str], today: date) -> tuple[tuple[date, date], str]:
    """The longest run of leading words that reads as a day or a span; the rest is a reason."""
    problem: str | None = None
    for n in range(len(words), 0, -1):
        try:
            return _span(" ".join(words[:n]), today), " ".join(words[n:])
        except ChangeSyntaxError as error:
            problem = problem or str(error)
    raise ChangeSyntaxError(problem or _("Say which days"))


def _span(text: str, today: date) -> tuple[date, date]:
    parts = re.split(r"\s*(?:\.\.|–|—|\bto\b|\buntil\b)\s*", text.strip())
    if len(parts) > 2 or not all(parts):
        raise ChangeSyntaxError(
            _("{text} is not a day or a span of days like Thu..Fri", text=repr(text))
        )
    first = _day(parts[0], today)
    if len(parts) == 1:
        return first, first
    try:  # a weekday after the first day means the next one after it (Fri..Thu)
        last = _day(parts[-1], first)
    except ChangeSyntaxError:
        last = _day(parts[-1], today)
    if last < first:
        raise ChangeSyntaxError(_("{text} ends before it starts", text=repr(text)))
    return first, last


def _day(text: str, today: date) -> date:
    match = _MONTH_DAY.match(text.strip())
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ChangeSyntaxError(
                _("{text}: write the month first, like 12-10 for Dec 10", text=repr(text))
            )
        text = f"{MONTH_NAMES[month - 1]} {day}"
    try:
        return parse_day(text, today=today)
    except PromiseSyntaxError as error:
        raise ChangeSyntaxError(f"{error.problem}: {error.hint}") from None
