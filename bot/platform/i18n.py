"""Each reader's language: gettext catalogs, and dates and numbers written the CLDR's way.

promisebot speaks English (`en`, the source language of every message), Vietnamese (`vi`) and
Simplified Chinese (`zh_Hans`). The messages live in gettext catalogs, `bot/locale/<language>/
LC_MESSAGES/promisebot.po`, extracted from the code with Babel (`make messages`) and compiled by
Babel into gettext's binary form when first needed, so a catalog edited in place is read as it is.

Which language is spoken is set per piece of work, never passed down through every function: a
listener runs `with using(language):` (the app's middleware does it for the person acting), and
whatever it draws inside (a quote, a refusal, a button) is in that language. A message drawn for
someone else (a DM to an order's owner, a post in a shared channel) is drawn inside
`using(their language)` (bot.platform.users.UserService.language_of and channel_language say
which, the workspace's PROMISEBOT_LANGUAGE when nobody chose). Outside any `using` it is English:
the CLI, the logs.

Writing messages (`from bot.platform.i18n import gettext as _, ngettext, N_`: `_` is what
Babel's extractor and every translator look for):

- `_("Can ship all {qty} on {day}", qty=..., day=...)`: the whole sentence is one message, its
  parts are named fields (translators may move them), and the fields are filled after
  translation. Never build a sentence from translated pieces.
- `ngettext("{n} order", "{n} orders", n, n=n)` for what depends on a count (Vietnamese and
  Chinese have one form, English two).
- `N_("...")` marks a message kept in a constant; translate it where it is used, with `_(CONST)`.
- `day(d)`, `number(x)` write a date or a number for the active language: `Thu 3 Dec`,
  `Thứ Năm, 3 thg 12`, `12月3日 周四`; `fixed`, `percent`, `quantity` and `hours` write
  decimals, shares, quantities and working hours the same way (`4,5 h`, `85%`).
"""

from __future__ import annotations

import contextvars
import functools
import io
import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

log = logging.getLogger(__name__)

LANGUAGES = ("en", "vi", "zh_Hans")
"""The languages promisebot speaks; `en` is the source language of every message."""

NAMES = {"en": "English", "vi": "Tiếng Việt", "zh_Hans": "简体中文"}
"""Each language's name in itself, as a language picker shows it."""

DOMAIN = "promisebot"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_DEFAULT = "en"
_active: contextvars.ContextVar[str | None] = contextvars.ContextVar("language", default=None)

# Dates as a planner writes them in each language: the weekday, the day and the month, and the
# year only when it is not the planning year. English keeps the form promisebot always used.
_DAY = {
    "en": ("EEE d MMM", "EEE d MMM y"),
    "vi": ("EEEE, d MMM", "EEEE, d MMM, y"),
    "zh_Hans": ("M月d日 EEE", "y年M月d日 EEE"),
}
_TIME = {"en": "HH:mm", "vi": "HH:mm", "zh_Hans": "HH:mm"}


class UnknownLanguage(ValueError):
    """A language promisebot does not speak; the message names those it does."""

    def __init__(self, given: str) -> None:
        super().__init__(
            f"{given!r} is not a language promisebot speaks; use one of {', '.join(LANGUAGES)}."
        )
        self.given = given


def parse_language(text: str) -> str:
    """The language `text` names: a code (`vi`, `zh_Hans`, `zh-CN`, `en-US`) or its own name."""
    found = from_locale(text)
    if found is None:
        by_name = {name.casefold(): code for code, name in NAMES.items()}
        found = by_name.get(text.strip().casefold())
    if found is None:
        raise UnknownLanguage(text)
    return found


def from_locale(locale: str | None) -> str | None:
    """The language for a Slack locale (`vi-VN`, `zh-CN`, `en-GB`), or None when we have none.

    Traditional Chinese (`zh-TW`, `zh-HK`, `zh_Hant`) is not Simplified Chinese: None, so the
    workspace default applies rather than a script the reader may not want.
    """
    if not locale:
        return None
    text = locale.strip().replace("-", "_")
    parts = [p for p in text.split("_") if p]
    if not parts:
        return None
    lang = parts[0].lower()
    rest = [p.lower() for p in parts[1:]]
    if lang == "zh":
        if "hant" in rest or any(r in ("tw", "hk", "mo") for r in rest):
            return None
        return "zh_Hans"
    if lang in ("en", "vi"):
        return lang
    return None


def active() -> str:
    """The language being spoken now."""
    return _active.get() or _DEFAULT


def activate(language: str | None) -> str:
    """Speak `language` from here on in this context (None or one we do not speak: English).

    For a Slack request, whose middleware cannot wrap its listener in `using` (Bolt's `next()`
    returns before the listener runs): the app activates the language at the start of every
    request, and the listener runs in a copy of the request's context.
    """
    chosen = language if language in LANGUAGES else _DEFAULT
    _active.set(chosen)
    return chosen


@contextmanager
def using(language: str | None) -> Iterator[str]:
    """Speak `language` inside the block (None or one we do not speak: English)."""
    chosen = language if language in LANGUAGES else _DEFAULT
    token = _active.set(chosen)
    try:
        yield chosen
    finally:
        _active.reset(token)


# --- catalogs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    translations: NullTranslations
    messages: int
    """How many messages the catalog holds (its header excluded)."""
    translated: int
    """How many of them are translated, and not marked fuzzy."""

    @property
    def complete(self) -> bool:
        return self.translated >= self.messages


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalog(language: str) -> Catalog:
    """The compiled catalog of `language` (English: none, every message is its own text)."""
    if language == "en":
        return Catalog(NullTranslations(), 0, 0)
    path = po_path(language)
    with path.open("rb") as source:
        po = read_po(source, locale=language, domain=DOMAIN)
    entries = [m for m in po if m.id]
    translated = sum(
        1
        for m in entries
        if not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else bool(m.string))
    )
    # Fuzzy entries are guesses of `pybabel update`: never shown (write_mo leaves them out).
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    return Catalog(GNUTranslations(buffer), len(entries), translated)


def incomplete(language: str | None = None) -> bool:
    """True when some of the active (or `language`'s) messages would show in English."""
    lang = language or active()
    return lang != "en" and not catalog(lang).complete


# --- messages -----------------------------------------------------------------------------------


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "translate later"
    """Mark `message` for the catalogs without translating it now (constants)."""
    return message


def gettext(message: str, /, **fields: Any) -> str:
    """`message` in the active language, with `fields` filled in ({name} in the text)."""
    text = catalog(active()).translations.gettext(message)
    return text.format(**fields) if fields else text


_ = gettext
"""The same, under gettext's short name (import it as `gettext as _`: ruff keeps modules from
importing each other's underscored names)."""


def ngettext(singular: str, plural: str, n: int, /, **fields: Any) -> str:
    """The form of the message that fits `n`, in the active language, with `fields` filled in."""
    text = catalog(active()).translations.ngettext(singular, plural, n)
    return text.format(**fields) if fields else text


def pgettext(context: str, message: str, /, **fields: Any) -> str:
    """`message` as meant in `context` (the same English word may need two translations)."""
    text = catalog(active()).translations.pgettext(context, message)
    return text.format(**fields) if fields else text


# --- dates and numbers --------------------------------------------------------------------------


@functools.cache
def locale(language: str | None = None) -> Locale:
    return Locale.parse(language or "en")


def day(on: date, as_of: date | None = None) -> str:
    """`on` as the active language writes a day: `Thu 3 Dec`, `Thứ Năm, 3 thg 12`,
    `12月3日 周四`; with the year when it is not as_of's year."""
    lang = active()
    short, with_year = _DAY[lang]
    pattern = with_year if as_of is not None and on.year != as_of.year else short
    return format_date(on, pattern, locale=locale(lang))


def day_and_time(moment: datetime) -> str:
    """A moment in its own time zone: `Tue 24 Nov 14:30`, `Thứ Ba, 24 thg 11 14:30`."""
    lang = active()
    time = format_datetime(moment, _TIME[lang], locale=locale(lang))
    return f"{day(moment.date())} {time}"


def weekday(on: date) -> str:
    """The weekday's name in full: `Thursday`, `Thứ Năm`, `星期四`."""
    lang = active()
    return format_date(on, "EEEE", locale=locale(lang))


def number(value: float, digits: int = 1) -> str:
    """A number as the active language writes it, with at most `digits` decimals: `1,234.5`,
    `1.234,5`, `1,234.5`; a whole number has none (`40`)."""
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=locale(active()))


def fixed(value: float, digits: int = 1, *, grouped: bool = True) -> str:
    """A number with exactly `digits` decimals, as the active language writes it: `3.0`,
    `3,0`, `1,234.5`; rounded as `f"{value:,.1f}"` rounds, so that English is what it wrote.
    `grouped=False` leaves out the thousands separator."""
    pattern = ("#,##0" if grouped else "0") + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(_rounded(value, digits), format=pattern, locale=locale(active()))


def percent(share: float) -> str:
    """A share (0.85) as a whole percentage in the active language: `85%`, `85%`, `85%`
    (rounded as `f"{share:.0%}"` rounds)."""
    whole = _rounded(share * 100, 0) / 100
    return format_percent(whole, format="#,##0%", locale=locale(active()))


def quantity(qty: float) -> str:
    """A quantity as the engine's texts write it (`40`, `2.5`: six significant digits at most,
    never grouped, so that a Vietnamese `1.200` is not read as 1.2), with the active language's
    decimal sign. In English exactly the engine's `format_qty`."""
    if abs(qty - round(qty)) < 1e-6:
        return str(int(round(qty)))
    return format_decimal(Decimal(f"{qty:g}"), format="@#####", locale=locale(active()))


def hours(value: float) -> str:
    """Hours as precise as a planner says them, in the active language: `19.5 h`, `19,5 h`;
    a whole number from 100 on (`550 h`). In English exactly the engine's `format_hours`, which
    the CLI shows."""
    digits = 0 if value >= 100 else 1
    n = format_decimal(_rounded(value, digits), format="0.#", locale=locale(active()))
    # TRANSLATORS: a number of working hours ("19.5 h"): the unit after the number.
    return pgettext("hours", "{n} h", n=n)


def _rounded(value: float, digits: int) -> Decimal:
    """`value` rounded as Python's format rounds it (the binary value, half to even), so that
    Babel, which would round the decimal text again, has nothing left to round."""
    return Decimal(f"{value:.{digits}f}")


# --- reading what people type ----------------------------------------------------------------


def unaccented(text: str) -> str:
    """Vietnamese without its diacritics (`thứ Sáu` → `thu Sau`), as many type it; one letter
    for each letter, so a position in the result is one in `text`."""
    return "".join(_base_letter(c) for c in text)


@functools.lru_cache(maxsize=4096)
def _base_letter(letter: str) -> str:
    if letter in "đĐ":
        return "d" if letter == "đ" else "D"
    bare = unicodedata.normalize("NFD", letter)
    return next((c for c in bare if not unicodedata.combining(c)), letter)


_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def chinese_number(text: str) -> int | None:
    """A count written in digits or in Chinese numerals up to 99 (`3`, `三`, `两`, `十二`, `二十`);
    None when it is neither."""
    if text.isdigit():
        return int(text)
    tens, ten, ones = text.partition("十")
    if not ten:
        return _CHINESE_DIGITS.get(text)
    high = _CHINESE_DIGITS.get(tens, 0 if not tens else -1)
    low = _CHINESE_DIGITS.get(ones, 0 if not ones else -1)
    if high < 0 or low < 0:
        return None
    return (high or 1) * 10 + low
