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

`12/15` and `15.12` are refused as ambiguous in English. The command follows the salesperson's
language (`i18n.active()`, set by the app's middleware); the English words always work too:

- Vietnamese: `/promise 40 BRKT cho Acme trước thứ Sáu` (`cho` = for, `trước` = by); weekdays
  `thứ Hai` … `thứ Bảy`, `Chủ nhật`, `thứ 2` … `thứ 7`, `T2` … `T7`, `CN` (with or without
  diacritics), `thứ Sáu tuần sau` (next Friday), `tuần sau`, `hôm nay`, `ngày mai`,
  `3 ngày nữa`, `ngày 3 tháng 12`; `3/12` is day first: 3 December.
- Chinese: `/promise 40 BRKT 给 Acme 周五前` (`给` = for; `前`/`之前` after the date, or `截止`/`到`
  before it = by); weekdays `周一` … `周日`, `星期一` … `星期日`/`星期天`, `礼拜一` …,
  `下周五` (next Friday), `下周`, `今天`, `明天`, `后天`, `3天后`, `12月3日`; `12/3` is month
  first: 3 December.

Every refusal is a `PromiseSyntaxError` whose message says what is wrong and how to write it, in
the salesperson's language, fit to show them as is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date

from bot.platform import i18n
from bot.platform.i18n import N_
from bot.platform.i18n import gettext as _
from bot.promising.orders import MAX_CUSTOMER_LENGTH

__all__ = [
    "EXAMPLE",
    "MAX_CUSTOMER_LENGTH",
    "MAX_DAYS_AHEAD",
    "MAX_QTY",
    "USAGE",
    "ModalInputError",
    "ModalPromise",
    "PromiseRequest",
    "PromiseSyntaxError",
    "fits_qty",
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
# TRANSLATORS: a whole /promise command in your language's words (handlers.parsing reads it):
# vi `/promise 40 BRKT cho Acme trước thứ Sáu`, zh `/promise 40 BRKT 给 Acme 周五前`.
EXAMPLE = N_("/promise 40 BRKT for Acme by Friday")
MAX_QTY = 1_000_000_000
"""The most units one order may ask for: more is a slip of the keyboard (and 5,000 digits would
not even make a number Python reads)."""
MAX_DAYS_AHEAD = 3653
"""How far ahead a date may be written relatively (`in N days`): ten years."""

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
_DATE_HINT = N_("write a day such as Friday, Dec 15 or 2026-12-15")
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
        # problem and hint come translated; the example is the command in the reader's words.
        self.problem = problem
        self.hint = hint
        if example:
            # TRANSLATORS: {problem} says what is wrong, {hint} how to write it instead (each a
            # whole clause), {example} a /promise command.
            message = _(
                "{problem}: {hint}, like `{example}`",
                problem=problem,
                hint=hint,
                example=i18n.gettext(example),
            )
        else:
            # TRANSLATORS: {problem} says what is wrong, {hint} how to write it instead.
            message = _("{problem}: {hint}", problem=problem, hint=hint)
        super().__init__(message)


def format_day(day: date, as_of: date | None = None) -> str:
    """`Wed 25 Nov`; with the year (`Tue 5 Jan 2027`) when it is not the year of `as_of`."""
    text = f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"
    if as_of is not None and day.year != as_of.year:
        text += f" {day.year}"
    return text


def parse_promise(text: str, *, today: date, language: str | None = None) -> PromiseRequest:
    """Read `QTY SKU [for CUSTOMER] [by DATE]` (the text after `/promise`).

    The SKU comes back in upper case; whether it exists is for the caller to check. `for` and
    `by` may come in either order. A customer whose name holds the word "by" can be quoted:
    `for "Stand By Me Ltd" by Friday`. `language` (default: the active one) adds its words to
    the English ones (module docstring).
    """
    lang = language or i18n.active()
    tokens = _tokens(text, lang)
    if not tokens:
        raise PromiseSyntaxError(_("Nothing to promise"), _("write the quantity and the SKU"))
    qty = _quantity(tokens[0], tokens[1:2])
    if len(tokens) < 2 or _keyword(tokens[1], lang):
        raise PromiseSyntaxError(
            _("Missing the SKU after {qty}", qty=tokens[0]), _("write what to make")
        )
    sku = _sku(tokens[1])
    customer, due = _options(tokens[2:], sku, today, lang)
    return PromiseRequest(qty=qty, sku=sku, customer=customer, due=due)


def parse_day(text: str, *, today: date, language: str | None = None) -> date:
    """A day written as in the module docstring; PromiseSyntaxError if unreadable or past."""
    day = _day(text, today, language or i18n.active())
    if day < today:
        raise PromiseSyntaxError(
            _("{day} is in the past", day=i18n.day(day, today)),
            _("pick today ({today}) or a later day", today=i18n.day(today)),
        )
    return day


# --- the command's parts ------------------------------------------------------------------------

_FOR_WORDS = {"en": ("for",), "vi": ("cho",), "zh_Hans": ("给", "为")}
_BY_WORDS = {"en": ("by",), "vi": ("trước", "truoc"), "zh_Hans": ("截止", "截至", "到")}
_ZH_BEFORE = ("之前", "以前", "前")
"""Chinese writes "by Friday" after the day: `周五前`."""


def _tokens(text: str, language: str = "en") -> list[str]:
    found = re.findall(r'"[^"]*"|“[^”]*”|\S+', text.strip())
    if language != "zh_Hans":
        return found
    # `周五前` is `by 周五`, `给Acme` is `给 Acme`, `截止周五` is `截止 周五`.
    tokens: list[str] = []
    for token in found:
        if token[:1] in '"“':
            tokens.append(token)
            continue
        if token in _ZH_BEFORE:
            last = tokens.pop() if tokens else ""
            tokens += ["by", last] if last else ["by"]
            continue
        before = next((s for s in _ZH_BEFORE if token.endswith(s) and len(token) > len(s)), None)
        if before:
            tokens += ["by", token[: -len(before)]]
            continue
        lead = next(
            (w for w in ("给", "截止", "截至") if token.startswith(w) and len(token) > len(w)), None
        )
        if lead:
            tokens += [lead, token[len(lead) :]]
            continue
        tokens.append(token)
    return tokens


def _keyword(token: str, language: str = "en") -> str | None:
    lowered = token.lower()
    if lowered in ("for", *_FOR_WORDS.get(language, ())):
        return "for"
    if lowered in ("by", *_BY_WORDS.get(language, ())):
        return "by"
    return None


def _quantity(token: str, following: list[str]) -> int:
    cleaned = token.replace(",", "").replace("_", "")
    if re.fullmatch(r"[+-]?\d+", cleaned, re.ASCII):
        if cleaned.startswith("-") or not cleaned.lstrip("+").strip("0"):
            raise PromiseSyntaxError(
                _("{qty} is not a quantity you can promise", qty=_shown(token)),
                _("write 1 or more"),
            )
        if not fits_qty(cleaned):
            raise PromiseSyntaxError(
                _("{qty} is too large a quantity", qty=_shown(token)),
                _("write at most {most}", most=i18n.number(MAX_QTY)),
            )
        return int(cleaned)
    if re.fullmatch(r"[+-]?\d*\.\d+", cleaned, re.ASCII):
        raise PromiseSyntaxError(
            _("{qty} is not a whole number", qty=repr(token)), _("quantities are whole units")
        )
    if following and re.fullmatch(r"\d+", following[0].replace(",", ""), re.ASCII):
        raise PromiseSyntaxError(
            _("{qty} is not a quantity", qty=repr(token)),
            _("write the quantity first, then the SKU"),
        )
    raise PromiseSyntaxError(
        _("{qty} is not a quantity", qty=repr(token)), _("write a whole number")
    )


def _sku(token: str) -> str:
    if not _SKU.match(token):
        raise PromiseSyntaxError(
            _("{sku} is not a SKU", sku=repr(token)),
            _("use letters, digits and - _ . / only"),
        )
    return token.upper()


def _options(
    rest: list[str], sku: str, today: date, language: str = "en"
) -> tuple[str | None, date | None]:
    if not rest:
        return None, None
    first = _keyword(rest[0], language)
    if first is None:
        raise PromiseSyntaxError(
            _("{word} is unexpected after {sku}", word=repr(rest[0]), sku=sku),
            _("write `for` before the customer and `by` before the date"),
        )
    customer_tokens: list[str] | None = None
    date_tokens: list[str] | None = None
    if first == "for":
        # The customer runs up to the last `by`, so "for Made by Hand by Friday" works.
        last_by = max(
            (i for i, t in enumerate(rest) if i > 0 and _keyword(t, language) == "by"),
            default=None,
        )
        customer_tokens = rest[1:last_by] if last_by is not None else rest[1:]
        date_tokens = rest[last_by + 1 :] if last_by is not None else None
    else:
        first_for = next((i for i, t in enumerate(rest) if _keyword(t, language) == "for"), None)
        date_tokens = rest[1:first_for] if first_for is not None else rest[1:]
        customer_tokens = rest[first_for + 1 :] if first_for is not None else None

    customer = None
    if customer_tokens is not None:
        customer = " ".join(t.strip('"“”') for t in customer_tokens).strip()
        if not customer:
            raise PromiseSyntaxError(
                _("Missing the customer after `for`"), _("write who it is for")
            )
        if len(customer) > MAX_CUSTOMER_LENGTH:
            raise PromiseSyntaxError(
                _("The customer name is {n} characters long", n=len(customer)),
                _("keep it to {most}", most=MAX_CUSTOMER_LENGTH),
            )
    due = None
    if date_tokens is not None:
        if not date_tokens:
            raise PromiseSyntaxError(_("Missing the date after `by`"), i18n.gettext(_DATE_HINT))
        due = parse_day(" ".join(date_tokens), today=today, language=language)
    return customer, due


# --- days ------------------------------------------------------------------------------------


def _day(text: str, today: date, language: str = "en") -> date:
    original = text.strip()
    words = re.sub(r"[,，]", " ", original.lower()).split()
    phrase = " ".join(words)
    if not phrase:
        raise PromiseSyntaxError(_("Missing the date"), i18n.gettext(_DATE_HINT))

    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", phrase, re.ASCII):
        year, month, day = (int(part) for part in phrase.split("-"))
        return _calendar_day(original, year, month, day)
    numeric = _numeric_day(original, phrase, today, language)
    if numeric is not None:
        return numeric
    if language == "vi":
        found = _vi_day(original, phrase, today)
        if found is not None:
            return found
    if language == "zh_Hans":
        found = _zh_day(original, phrase, today)
        if found is not None:
            return found
    if phrase == "today":
        return today
    if phrase == "tomorrow":
        return today + timedelta(days=1)
    if phrase == "next week":
        return _monday(today) + timedelta(days=7)

    relative = re.fullmatch(r"in (\d+|a|an|one) (day|days|week|weeks)", phrase, re.ASCII)
    if relative:
        count = 1 if relative[1] in ("a", "an", "one") else _count(relative[1])
        return _days_ahead(original, today, count * (7 if relative[2].startswith("week") else 1))

    named = re.fullmatch(r"(this |next )?([a-z]+)\.?", phrase)
    if named and _weekday(named[2]) is not None:
        weekday = _weekday(named[2])
        assert weekday is not None
        return _on_weekday(today, weekday, next_week=named[1] == "next ")

    return _month_day(original, words, today)


def _count(digits: str) -> int:
    """A count of days or weeks as written (-1 when too many digits to mean anything)."""
    bare = digits.lstrip("0") or "0"
    return int(bare) if len(bare) < 6 else -1


def _days_ahead(original: str, today: date, days: int) -> date:
    if not 0 <= days <= MAX_DAYS_AHEAD:
        raise PromiseSyntaxError(
            _("{text} is too far ahead", text=repr(_shown(original))),
            _("write a day within {years} years", years=MAX_DAYS_AHEAD // 365),
            example=None,
        )
    return today + timedelta(days=days)


def _on_weekday(today: date, weekday: int, *, next_week: bool = False) -> date:
    """`Friday`: the first after today; `next Friday`: the one in next week."""
    if next_week:
        return _monday(today) + timedelta(days=7 + weekday)
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _numeric_day(original: str, phrase: str, today: date, language: str) -> date | None:
    """`3/12`, `3.12.2026`: day first in Vietnamese, month first in Chinese (also `2026/12/3`),
    refused as ambiguous in English."""
    if language == "zh_Hans":
        ymd = re.fullmatch(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", phrase, re.ASCII)
        if ymd:
            return _calendar_day(original, int(ymd[1]), int(ymd[2]), int(ymd[3]))
    if language == "vi":
        phrase = re.sub(r"^(?:ngày|ngay) ", "", phrase)
    short = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?", phrase, re.ASCII)
    if short is None:
        return None
    if language not in ("vi", "zh_Hans"):
        raise PromiseSyntaxError(
            _("{text} is ambiguous", text=repr(original)),
            _("write the month as a word or the whole date, such as Dec 15 or 2026-12-15"),
            example=None,
        )
    first, second = int(short[1]), int(short[2])
    day, month = (first, second) if language == "vi" else (second, first)
    if short[3]:
        year = int(short[3]) + (2000 if len(short[3]) == 2 else 0)
        return _calendar_day(original, year, month, day)
    return _next_occurrence(original, month, day, today)


_VI_WEEKDAYS = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5}
_VI_WEEKDAY = (
    r"(?:thu ?(?P<name>hai|ba|tu|nam|sau|bay|[2-7])|t(?P<digit>[2-7])|(?P<sunday>cn|chu nhat))"
)
_VI_WHICH = r"(?: (?P<which>nay|tuan nay|tuan sau|tuan toi|toi))?"


def _vi_weekday(match: re.Match[str]) -> int:
    if match["sunday"]:
        return 6
    name = match["name"] or match["digit"]
    return int(name) - 2 if name.isdigit() else _VI_WEEKDAYS[name]


def _vi_day(original: str, phrase: str, today: date) -> date | None:
    """A day in Vietnamese words (module docstring), or None when it is none of them."""
    plain = " ".join(i18n.unaccented(phrase).split())
    if plain == "hom nay":
        return today
    if plain in ("ngay mai", "mai"):
        return today + timedelta(days=1)
    if plain in ("ngay kia", "ngay mot", "mot"):
        return today + timedelta(days=2)
    if plain in ("tuan sau", "tuan toi"):
        return _monday(today) + timedelta(days=7)
    relative = re.fullmatch(
        r"(?:(?P<n1>\d+) (?P<u1>ngay|tuan) (?:nua|toi)|sau (?P<n2>\d+) (?P<u2>ngay|tuan))",
        plain,
        re.ASCII,
    )
    if relative:
        count = _count(relative["n1"] or relative["n2"])
        unit = 7 if (relative["u1"] or relative["u2"]) == "tuan" else 1
        return _days_ahead(original, today, count * unit)
    named = re.fullmatch(_VI_WEEKDAY + _VI_WHICH, plain)
    if named:
        which = named["which"] or ""
        return _on_weekday(today, _vi_weekday(named), next_week=which in ("tuan sau", "tuan toi"))
    # `thứ Năm 3/12`, `ngày 3 tháng 12 năm 2026`: a weekday may come first, and must match.
    dated = re.fullmatch(r"(?:" + _VI_WEEKDAY + r" )?(?P<rest>.+)", plain)
    if dated is None:
        return None
    rest = dated["rest"]
    month_words = re.fullmatch(
        r"(?:ngay )?(\d{1,2}) (?:thang|thg) (\d{1,2})(?:(?: nam)? (\d{4}))?", rest, re.ASCII
    )
    if month_words:
        day_of_month, month = int(month_words[1]), int(month_words[2])
        if month_words[3]:
            day = _calendar_day(original, int(month_words[3]), month, day_of_month)
        else:
            day = _next_occurrence(original, month, day_of_month, today)
    elif dated["name"] or dated["digit"] or dated["sunday"]:
        day_or_none = _numeric_day(original, rest, today, "vi")
        if day_or_none is None:
            return None
        day = day_or_none
    else:
        return None
    if (dated["name"] or dated["digit"] or dated["sunday"]) and day.weekday() != _vi_weekday(dated):
        raise _does_not_add_up(original, day)
    return day


_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}


def _zh_day(original: str, phrase: str, today: date) -> date | None:
    """A day in Chinese words (module docstring), or None when it is none of them."""
    text = "".join(phrase.split())
    if text in ("今天", "今日"):
        return today
    if text in ("明天", "明日"):
        return today + timedelta(days=1)
    if text == "后天":
        return today + timedelta(days=2)
    if text in ("下周", "下星期", "下礼拜", "下个星期", "下个礼拜"):
        return _monday(today) + timedelta(days=7)
    relative = re.fullmatch(
        r"(\d+)(天|日|周|星期|个星期|礼拜|个礼拜)(?:后|以后|之后|内|以内|之内)", text
    )
    if relative and relative[1].isascii():
        unit = 1 if relative[2] in ("天", "日") else 7
        return _days_ahead(original, today, _count(relative[1]) * unit)
    named = re.fullmatch(r"(下个?|本|这个?)?(?:周|星期|礼拜)([一二三四五六七日天1-7])", text)
    if named:
        mark = named[2]
        weekday = int(mark) - 1 if mark.isdigit() else _ZH_WEEKDAYS[mark]
        return _on_weekday(today, weekday, next_week=(named[1] or "").startswith("下"))
    dated = re.fullmatch(
        r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?"
        r"(?:[(（]?(?:周|星期|礼拜)([一二三四五六七日天])[)）]?)?",
        text,
    )
    if dated is None or not all(part.isascii() for part in dated.groups()[:3] if part):
        return None
    month, day_of_month = int(dated[2]), int(dated[3])
    if dated[1]:
        day = _calendar_day(original, int(dated[1]), month, day_of_month)
    else:
        day = _next_occurrence(original, month, day_of_month, today)
    if dated[4] and day.weekday() != _ZH_WEEKDAYS[dated[4]]:
        raise _does_not_add_up(original, day)
    return day


def _does_not_add_up(original: str, day: date) -> PromiseSyntaxError:
    written = format_date(day, "d MMM y", locale=i18n.locale(i18n.active()))
    return PromiseSyntaxError(
        _("{text} does not add up", text=repr(original)),
        # TRANSLATORS: {day} is a date with its year, {weekday} a weekday's full name.
        _("{day} is a {weekday}", day=written, weekday=i18n.weekday(day)),
        example=None,
    )


def _month_day(original: str, words: list[str], today: date) -> date:
    weekday = _weekday(words[0].rstrip(".")) if words else None
    if weekday is not None and len(words) > 1:
        words = words[1:]
    match = re.fullmatch(
        r"(?:(?P<m1>[a-z]+)\.? (?P<d1>\d{1,2})(?:st|nd|rd|th)?"
        r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)? (?P<m2>[a-z]+)\.?)"
        r"(?: (?P<year>\d{4}))?",
        " ".join(words),
        re.ASCII,
    )
    month = _month(match["m1"] or match["m2"]) if match else None
    if match is None or month is None:
        raise PromiseSyntaxError(
            _("{text} is not a date", text=repr(original)), i18n.gettext(_DATE_HINT), example=None
        )
    day_of_month = int(match["d1"] or match["d2"])
    if match["year"]:
        day = _calendar_day(original, int(match["year"]), month, day_of_month)
    else:
        day = _next_occurrence(original, month, day_of_month, today)
    if weekday is not None and day.weekday() != weekday:
        raise _does_not_add_up(original, day)
    return day


def _calendar_day(original: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise PromiseSyntaxError(
            _("{text} is not a day of the calendar", text=repr(original)),
            _("check the month and the day"),
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
        _("{text} is not a day of the calendar in the coming year", text=repr(original)),
        _("check the month and the day"),
        example=None,
    )


def fits_qty(digits: str) -> bool:
    """Whether whole-number text (digits, maybe signed) is at most MAX_QTY, read without
    turning thousands of digits into a number."""
    bare = digits.lstrip("+-").lstrip("0")
    return len(bare) <= len(str(MAX_QTY)) and int(bare or "0") <= MAX_QTY


def _shown(text: str, limit: int = 24) -> str:
    """`text` cut to fit a sentence (a 5,000-digit quantity is not repeated whole)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        errors[SKU_BLOCK] = _("Pick an item.")

    qty = _modal_int(state(QTY_BLOCK, QTY_ACTION).get("value"), QTY_BLOCK, errors)
    if qty is None and QTY_BLOCK not in errors:
        errors[QTY_BLOCK] = _("Enter how many.")

    customer = str(state(CUSTOMER_BLOCK, CUSTOMER_ACTION).get("value") or "").strip()
    if len(customer) > MAX_CUSTOMER_LENGTH:
        errors[CUSTOMER_BLOCK] = _("Keep it to {most} characters.", most=MAX_CUSTOMER_LENGTH)

    wanted = _modal_day(state(WANTED_BLOCK, WANTED_ACTION), WANTED_BLOCK, today, errors)
    if wanted is None and WANTED_BLOCK not in errors:
        errors[WANTED_BLOCK] = _("Pick the day the customer wants it.")

    least = _modal_int(
        state(LEAST_QTY_BLOCK, LEAST_QTY_ACTION).get("value"), LEAST_QTY_BLOCK, errors
    )
    if least is not None and qty is not None and least > qty:
        errors[LEAST_QTY_BLOCK] = _("At most the quantity wanted ({qty}).", qty=qty)

    latest = _modal_day(state(LATEST_BLOCK, LATEST_ACTION), LATEST_BLOCK, today, errors)
    if latest is not None and wanted is not None and latest < wanted:
        errors[LATEST_BLOCK] = _("On or after the wanted day ({day}).", day=i18n.day(wanted, today))

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
        errors[block_id] = _("Write a whole number.")
        return None
    if not text.startswith("-") and not fits_qty(text):
        errors[block_id] = _("Write a whole number, at most {most}.", most=i18n.number(MAX_QTY))
        return None
    number = int(text) if fits_qty(text) else -1
    if number < 1:
        errors[block_id] = _("At least 1.")
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
        errors[block_id] = _("Pick a day from the calendar.")
        return None
    if day < today:
        errors[block_id] = _("{day} is in the past.", day=i18n.day(day, today))
        return None
    return day
