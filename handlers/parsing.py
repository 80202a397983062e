"""Read what salespeople type: `/promise QTY SKU [for CUSTOMER] [by DATE]`, dates, the modal.

Dates a salesperson may write (all relative to `today`, the planning date):

- `2026-12-15`; `Dec 15`, `December 15th`, `15 Dec`, `Dec 15 2026`, `Tue 15 Dec` (a month and day
  without a year is the next such day on or after today; a weekday given with it must match);
- `today`, `tomorrow`;
- `Friday` or `this Friday` (also `Fri`): the first Friday after today, so on a Friday it means
  the Friday a week later (say `today` for today);
- `next Friday`: the Friday of next week (weeks run Monday to Sunday), so on Monday 23 Nov it is
  Fri 4 Dec while `Friday` is Fri 27 Nov;
- `next week`: Monday of next week; `in 3 days`, `in 2 weeks`, `in a week`.

`12/15` and `15.12` are refused as ambiguous. Every refusal is a `PromiseSyntaxError` whose
message says what is wrong and how to write it, fit to show the salesperson as is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.promising.orders import MAX_CUSTOMER_LENGTH

__all__ = [
    "EXAMPLE",
    "MAX_CUSTOMER_LENGTH",
    "USAGE",
    "ModalInputError",
    "ModalPromise",
    "PromiseRequest",
    "PromiseSyntaxError",
    "format_day",
    "parse_day",
    "parse_promise",
    "parse_promise_modal",
]

# The promise modal's fields (handlers.orders_views.promise_modal draws them; read here).
SKU_BLOCK, SKU_ACTION = "sku", "sku_select"
QTY_BLOCK, QTY_ACTION = "qty", "qty_input"
CUSTOMER_BLOCK, CUSTOMER_ACTION = "customer", "customer_input"
WANTED_BLOCK, WANTED_ACTION = "wanted", "wanted_date"
LEAST_QTY_BLOCK, LEAST_QTY_ACTION = "least_qty", "least_qty_input"
LATEST_BLOCK, LATEST_ACTION = "latest", "latest_date"

USAGE = "/promise QTY SKU [for CUSTOMER] [by DATE]"
EXAMPLE = "/promise 40 BRKT for Acme by Friday"

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FULL_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_FULL_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DATE_HINT = "write a day such as Friday, Dec 15 or 2026-12-15"
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


@dataclass(frozen=True)
class PromiseRequest:
    """What a salesperson asked: `qty` of `sku`, for `customer`, wanted `due` (None: asap)."""

    qty: int
    sku: str
    customer: str | None = None
    due: date | None = None


class PromiseSyntaxError(ValueError):
    """The text cannot be read as a promise request; `str(error)` tells the user why and how."""

    def __init__(self, problem: str, hint: str, example: str | None = EXAMPLE) -> None:
        self.problem = problem
        self.hint = hint
        message = f"{problem}: {hint}"
        if example:
            message += f", like `{example}`"
        super().__init__(message)


def format_day(day: date, as_of: date | None = None) -> str:
    """`Wed 25 Nov`; with the year (`Tue 5 Jan 2027`) when it is not the year of `as_of`."""
    text = f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"
    if as_of is not None and day.year != as_of.year:
        text += f" {day.year}"
    return text


def parse_promise(text: str, *, today: date) -> PromiseRequest:
    """Read `QTY SKU [for CUSTOMER] [by DATE]` (the text after `/promise`).

    The SKU comes back in upper case; whether it exists is for the caller to check. `for` and
    `by` may come in either order. A customer whose name holds the word "by" can be quoted:
    `for "Stand By Me Ltd" by Friday`.
    """
    tokens = _tokens(text)
    if not tokens:
        raise PromiseSyntaxError("Nothing to promise", "write the quantity and the SKU")
    qty = _quantity(tokens[0], tokens[1:2])
    if len(tokens) < 2 or _keyword(tokens[1]):
        raise PromiseSyntaxError(f"Missing the SKU after {tokens[0]}", "write what to make")
    sku = _sku(tokens[1])
    customer, due = _options(tokens[2:], sku, today)
    return PromiseRequest(qty=qty, sku=sku, customer=customer, due=due)


def parse_day(text: str, *, today: date) -> date:
    """A day written as in the module docstring; PromiseSyntaxError if unreadable or past."""
    day = _day(text, today)
    if day < today:
        raise PromiseSyntaxError(
            f"{format_day(day, today)} is in the past",
            f"pick today ({format_day(today)}) or a later day",
        )
    return day


# --- the command's parts ------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return re.findall(r'"[^"]*"|“[^”]*”|\S+', text.strip())


def _keyword(token: str) -> str | None:
    lowered = token.lower()
    return lowered if lowered in ("for", "by") else None


def _quantity(token: str, following: list[str]) -> int:
    cleaned = token.replace(",", "").replace("_", "")
    if re.fullmatch(r"[+-]?\d+", cleaned):
        qty = int(cleaned)
        if qty < 1:
            raise PromiseSyntaxError(
                f"{token} is not a quantity you can promise", "write 1 or more"
            )
        return qty
    if re.fullmatch(r"[+-]?\d*\.\d+", cleaned):
        raise PromiseSyntaxError(f"{token!r} is not a whole number", "quantities are whole units")
    if following and re.fullmatch(r"\d+", following[0].replace(",", "")):
        raise PromiseSyntaxError(
            f"{token!r} is not a quantity", "write the quantity first, then the SKU"
        )
    raise PromiseSyntaxError(f"{token!r} is not a quantity", "write a whole number")


def _sku(token: str) -> str:
    if not _SKU.match(token):
        raise PromiseSyntaxError(f"{token!r} is not a SKU", "use letters, digits and - _ . / only")
    return token.upper()


def _options(rest: list[str], sku: str, today: date) -> tuple[str | None, date | None]:
    if not rest:
        return None, None
    first = _keyword(rest[0])
    if first is None:
        raise PromiseSyntaxError(
            f"{rest[0]!r} is unexpected after {sku}",
            "write `for` before the customer and `by` before the date",
        )
    customer_tokens: list[str] | None = None
    date_tokens: list[str] | None = None
    if first == "for":
        # The customer runs up to the last `by`, so "for Made by Hand by Friday" works.
        last_by = max((i for i, t in enumerate(rest) if i > 0 and t.lower() == "by"), default=None)
        customer_tokens = rest[1:last_by] if last_by is not None else rest[1:]
        date_tokens = rest[last_by + 1 :] if last_by is not None else None
    else:
        first_for = next((i for i, t in enumerate(rest) if t.lower() == "for"), None)
        date_tokens = rest[1:first_for] if first_for is not None else rest[1:]
        customer_tokens = rest[first_for + 1 :] if first_for is not None else None

    customer = None
    if customer_tokens is not None:
        customer = " ".join(t.strip('"“”') for t in customer_tokens).strip()
        if not customer:
            raise PromiseSyntaxError("Missing the customer after `for`", "write who it is for")
        if len(customer) > MAX_CUSTOMER_LENGTH:
            raise PromiseSyntaxError(
                f"The customer name is {len(customer)} characters long",
                f"keep it to {MAX_CUSTOMER_LENGTH}",
            )
    due = None
    if date_tokens is not None:
        if not date_tokens:
            raise PromiseSyntaxError("Missing the date after `by`", _DATE_HINT)
        due = parse_day(" ".join(date_tokens), today=today)
    return customer, due


# --- days ------------------------------------------------------------------------------------


def _day(text: str, today: date) -> date:
    original = text.strip()
    words = re.sub(r"[,]", " ", original.lower()).split()
    phrase = " ".join(words)
    if not phrase:
        raise PromiseSyntaxError("Missing the date", _DATE_HINT)

    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", phrase):
        year, month, day = (int(part) for part in phrase.split("-"))
        return _calendar_day(original, year, month, day)
    if re.fullmatch(r"\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?", phrase):
        raise PromiseSyntaxError(
            f"{original!r} is ambiguous",
            "write the month as a word or the whole date, such as Dec 15 or 2026-12-15",
            example=None,
        )
    if phrase == "today":
        return today
    if phrase == "tomorrow":
        return today + timedelta(days=1)
    if phrase == "next week":
        return _monday(today) + timedelta(days=7)

    relative = re.fullmatch(r"in (\d+|a|an|one) (day|days|week|weeks)", phrase)
    if relative:
        count = 1 if relative[1] in ("a", "an", "one") else int(relative[1])
        unit = 7 if relative[2].startswith("week") else 1
        return today + timedelta(days=count * unit)

    named = re.fullmatch(r"(this |next )?([a-z]+)\.?", phrase)
    if named and _weekday(named[2]) is not None:
        weekday = _weekday(named[2])
        assert weekday is not None
        if named[1] == "next ":
            return _monday(today) + timedelta(days=7 + weekday)
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)

    return _month_day(original, words, today)


def _month_day(original: str, words: list[str], today: date) -> date:
    weekday = _weekday(words[0].rstrip(".")) if words else None
    if weekday is not None and len(words) > 1:
        words = words[1:]
    match = re.fullmatch(
        r"(?:(?P<m1>[a-z]+)\.? (?P<d1>\d{1,2})(?:st|nd|rd|th)?"
        r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)? (?P<m2>[a-z]+)\.?)"
        r"(?: (?P<year>\d{4}))?",
        " ".join(words),
    )
    month = _month(match["m1"] or match["m2"]) if match else None
    if match is None or month is None:
        raise PromiseSyntaxError(f"{original!r} is not a date", _DATE_HINT, example=None)
    day_of_month = int(match["d1"] or match["d2"])
    if match["year"]:
        day = _calendar_day(original, int(match["year"]), month, day_of_month)
    else:
        day = _next_occurrence(original, month, day_of_month, today)
    if weekday is not None and day.weekday() != weekday:
        raise PromiseSyntaxError(
            f"{original!r} does not add up",
            f"{day.day} {MONTH_NAMES[month - 1]} {day.year} is a "
            f"{_FULL_WEEKDAYS[day.weekday()].title()}",
            example=None,
        )
    return day


def _calendar_day(original: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise PromiseSyntaxError(
            f"{original!r} is not a day of the calendar",
            "check the month and the day",
            example=None,
        ) from None


def _next_occurrence(original: str, month: int, day: int, today: date) -> date:
    # Within a year from today; Feb 29 outside leap years is a slip, not a wish for 2028.
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise PromiseSyntaxError(
        f"{original!r} is not a day of the calendar in the coming year",
        "check the month and the day",
        example=None,
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weekday(word: str) -> int | None:
    word = word.lower()
    for index, name in enumerate(_FULL_WEEKDAYS):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return index
    return None


def _month(word: str) -> int | None:
    word = word.lower()
    for index, name in enumerate(_FULL_MONTHS):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return index + 1
    return None


# --- the promise modal --------------------------------------------------------------------------


@dataclass(frozen=True)
class ModalPromise:
    """What the promise modal asked, with the customer's flexibility."""

    request: PromiseRequest
    least_qty: int | None = None
    """The least quantity the customer would accept on the wanted day."""
    latest: date | None = None
    """The latest day the customer would accept."""


class ModalInputError(ValueError):
    """Fields of the promise modal that are wrong; `errors` maps block_id to a short message.

    Answer the submission with `ack(response_action="errors", errors=error.errors)`.
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def parse_promise_modal(values: Mapping[str, Any], *, today: date) -> ModalPromise:
    """Read the submitted `view["state"]["values"]` of `orders_views.promise_modal`."""
    errors: dict[str, str] = {}

    def state(block_id: str, action_id: str) -> Mapping[str, Any]:
        return (values.get(block_id) or {}).get(action_id) or {}

    option = state(SKU_BLOCK, SKU_ACTION).get("selected_option") or {}
    sku = str(option.get("value") or "").strip().upper()
    if not sku:
        errors[SKU_BLOCK] = "Pick an item."

    qty = _modal_int(state(QTY_BLOCK, QTY_ACTION).get("value"), QTY_BLOCK, errors)
    if qty is None and QTY_BLOCK not in errors:
        errors[QTY_BLOCK] = "Enter how many."

    customer = str(state(CUSTOMER_BLOCK, CUSTOMER_ACTION).get("value") or "").strip()
    if len(customer) > MAX_CUSTOMER_LENGTH:
        errors[CUSTOMER_BLOCK] = f"Keep it to {MAX_CUSTOMER_LENGTH} characters."

    wanted = _modal_day(state(WANTED_BLOCK, WANTED_ACTION), WANTED_BLOCK, today, errors)
    if wanted is None and WANTED_BLOCK not in errors:
        errors[WANTED_BLOCK] = "Pick the day the customer wants it."

    least = _modal_int(
        state(LEAST_QTY_BLOCK, LEAST_QTY_ACTION).get("value"), LEAST_QTY_BLOCK, errors
    )
    if least is not None and qty is not None and least > qty:
        errors[LEAST_QTY_BLOCK] = f"At most the quantity wanted ({qty})."

    latest = _modal_day(state(LATEST_BLOCK, LATEST_ACTION), LATEST_BLOCK, today, errors)
    if latest is not None and wanted is not None and latest < wanted:
        errors[LATEST_BLOCK] = f"On or after the wanted day ({format_day(wanted, today)})."

    if errors:
        raise ModalInputError(errors)
    assert qty is not None
    request = PromiseRequest(qty=qty, sku=sku, customer=customer or None, due=wanted)
    return ModalPromise(request=request, least_qty=least, latest=latest)


def _modal_int(raw: Any, block_id: str, errors: dict[str, str]) -> int | None:
    text = str(raw or "").strip().replace(",", "")
    if not text:
        return None
    if not re.fullmatch(r"[+-]?\d+", text):
        errors[block_id] = "Write a whole number."
        return None
    number = int(text)
    if number < 1:
        errors[block_id] = "At least 1."
        return None
    return number


def _modal_day(
    element: Mapping[str, Any], block_id: str, today: date, errors: dict[str, str]
) -> date | None:
    raw = element.get("selected_date")
    if not raw:
        return None
    try:
        day = date.fromisoformat(str(raw))
    except ValueError:
        errors[block_id] = "Pick a day from the calendar."
        return None
    if day < today:
        errors[block_id] = f"{format_day(day, today)} is in the past."
        return None
    return day
