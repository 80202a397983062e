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
`tomorrow` …), plus `12-10` (month-day, the next such day; day-month in Vietnamese, as `10/12`
is). A span is `DAY..DAY`, `DAY to DAY` or `DAY-DAY`; its last day is read from today as its first
is, and a weekday before the first day is the next one after it (`Fri..Thu`). A reason is quoted
(`"spindle repair"`), or whatever follows the days. Every refusal is a `ChangeSyntaxError` whose
message says what is wrong and how to write it.

The commands follow the writer's language (`i18n.active()`) as `/promise` does; the English words
always work too (Vietnamese with or without diacritics):

- Vietnamese: `/capacity CNC dừng thứ Năm đến thứ Sáu "sửa trục chính"` (`dừng`, `ngừng`,
  `nghỉ`, `hỏng` = down; `tăng ca`, `làm thêm` = overtime; `chạy lại`, `hoạt động lại` = back;
  `4 giờ`, `4 tiếng` = 4h; `đến` between two days; `8 tuần` = 8w; `trình tự` = sequence);
  `/supply SHEET PO-778 dời sang 10/12` (`dời`, `hoãn`, `chuyển`, `về`, `vào`, `sang`, `đến`),
  `/supply SHEET PO-778 số lượng 40` (`còn 40`; `hủy` for 0), `/supply SHEET kiểm kê 12`.
- Chinese: `/capacity CNC 停机 周四到周五 "主轴维修"` (`停机`, `停工`, `停产`, `关闭` = down;
  `加班` = overtime; `恢复`, `复工` = back; `4小时` = 4h; `到`/`至` between two days; `8周` = 8w;
  `排序` = sequence); `/supply SHEET PO-778 改到 12月10日` (`推迟到`, `延期到`, `到货` …),
  `/supply SHEET PO-778 数量 40` (`取消` for 0), `/supply SHEET 盘点 12`. A keyword may be
  written against the code or the day after it (`CNC停机`, `改到12月10日`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal

from bot.platform import i18n
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

# TRANSLATORS: examples of the command in your language's words, which handlers.changes_parsing
# reads (its docstring lists them; a test parses every `/capacity …` span of your translation):
# vi `/capacity CNC dừng thứ Năm đến thứ Sáu "sửa trục chính"`, zh `/capacity CNC 停机 周四到周五`.
CAPACITY_USAGE = N_(
    '`/capacity CNC down Thu..Fri "spindle repair"`, `/capacity CNC 4h 2026-12-09`, '
    "`/capacity PAINT overtime Sat 8h` or `/capacity CNC back`"
)
# TRANSLATORS: as above, for /supply: vi `/supply SHEET PO-778 dời sang 10/12`,
# `/supply SHEET kiểm kê 12`; zh `/supply SHEET PO-778 改到 12月10日`, `/supply SHEET 盘点 12`.
SUPPLY_USAGE = N_(
    "`/supply SHEET PO-778 moves to 12-10`, `/supply SHEET PO-778 qty 40` or "
    "`/supply SHEET count 12`"
)

_QUOTED = re.compile(r"[\"“”'「」『』]([^\"“”'「」『』]*)[\"“”'「」『』]")
_HOUR_UNITS = r"(?:h(?:ours?|rs?)?|giờ|gio|tiếng|tieng|(?:个)?(?:小时|钟头|钟))"
_HOURS = re.compile(r"^(\d+(?:[.,]\d+)?)\s*" + _HOUR_UNITS + "$", re.IGNORECASE)
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)*$")
# What may follow a count or a quantity: units of whole pieces (no weights: the item's own unit
# is not known here, and 40 kg of a part counted in pieces would be a wrong count).
_PIECES = (
    "pcs",
    "pc",
    "pieces",
    "units",
    "unit",
    "ea",
    "cái",
    "chiếc",
    "tấm",
    "bộ",
    "件",
    "个",
    "张",
    "套",
    "只",
    "块",
)


class ChangeSyntaxError(ValueError):
    """The text cannot be read as a change; `str(error)` says why and how to write it."""


# TRANSLATORS: as above: vi `/capacity CNC 8 tuần`, zh `/capacity CNC 8周`.
LOAD_USAGE = N_("`/capacity CNC` or `/capacity CNC 8w` (1 to 26 weeks)")
# TRANSLATORS: as above: vi `/capacity trình tự LASER BEND`, zh `/capacity 排序 LASER BEND`.
SEQUENCE_USAGE = N_(
    "`/capacity sequence LASER BEND` or `/capacity sequence LASER BEND PAINT Dec 7`"
)
MAX_WEEKS = 26
_WEEK_UNITS = r"(?:w|wk|wks|weeks?|tuần|tuan|周|个?星期)"
_WEEKS = re.compile(r"^(\d+)\s*" + _WEEK_UNITS + "$", re.IGNORECASE)

# The words of each language for the commands' keywords, by the English word they stand for. The
# English ones always work; a language's own are read when it is the writer's (as /promise does).
_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "sequence": {
        "en": ("sequence",),
        "vi": ("trình tự", "thứ tự", "sắp xếp"),
        "zh_Hans": ("排序", "排产", "顺序"),
    },
    "down": {
        "en": ("down", "closed", "off"),
        "vi": ("dừng máy", "ngừng máy", "bảo trì", "dừng", "ngừng", "nghỉ", "hỏng", "hư"),
        "zh_Hans": ("停机", "停线", "停工", "停产", "故障", "检修", "放假", "关闭"),
    },
    "overtime": {
        "en": ("overtime", "ot"),
        "vi": ("tăng ca", "làm thêm giờ", "làm thêm"),
        "zh_Hans": ("加班",),
    },
    "back": {
        "en": ("back",),
        "vi": ("chạy lại", "hoạt động lại", "trở lại"),
        "zh_Hans": ("恢复生产", "恢复正常", "恢复", "复工", "修好"),
    },
    "count": {
        "en": ("count",),
        "vi": ("kiểm kê", "tồn kho", "tồn", "đếm"),
        "zh_Hans": ("盘点", "库存"),
    },
    "qty": {
        "en": ("qty", "quantity", "brings"),
        "vi": ("số lượng", "sl", "chỉ còn", "còn"),
        "zh_Hans": ("数量", "只到货", "只到"),
    },
    "cancelled": {
        "en": ("cancelled", "canceled", "cancel"),
        "vi": ("đã hủy", "đã huỷ", "hủy", "huỷ"),
        "zh_Hans": ("已取消", "取消", "作废"),
    },
    # Words before (in Chinese also after) the day a receipt now arrives, dropped one after
    # another (`dời lại sang`, `12月10日到货`).
    "moves": {
        "en": ("moves", "moved", "arrives", "delayed", "late", "to", "on", "now", "until"),
        "vi": (
            "dời",
            "hoãn",
            "lùi",
            "chuyển",
            "trễ",
            "delay",
            "lại",
            "về",
            "vào",
            "sang",
            "đến",
            "tới",
        ),
        "zh_Hans": (
            "推迟到",
            "推迟至",
            "延期到",
            "延期至",
            "延迟到",
            "延到",
            "改期到",
            "改到",
            "改为",
            "改成",
            "提前到",
            "到货",
            "到",
            "至",
            "于",
            "在",
        ),
    },
}
# Words that say part of a day (a shift, a morning): a downtime closes whole days, so these ask
# for the hours instead of being kept as the reason.
_PART_OF_DAY = {
    "en": ("morning", "afternoon", "evening", "night", "shift", "half"),
    "vi": ("sáng", "chiều", "tối", "đêm", "ca", "nửa", "buổi"),
    "zh_Hans": ("上午", "下午", "晚上", "夜里", "半天", "夜班", "白班", "早班", "中班", "晚班"),
}
_MOST_DAY_WORDS = 16
_SPAN_WORDS = {
    "en": r"\bto\b|\buntil\b",
    "vi": r"\bđến\b|\bden\b|(?<!tuần )(?<!tuan )(?<=\s)(?:tới|toi)\b",
    "zh_Hans": r"到|至|~|～",
}
_SPAN_START = {"vi": r"^(?:từ|tu)\s+", "zh_Hans": r"^从\s*"}
"""A span may begin with its own word: `từ thứ Năm đến thứ Sáu`, `从周四到周五`."""
_CAPACITY_KEYS = ("sequence", "down", "overtime", "back")
_SUPPLY_KEYS = ("count", "qty", "cancelled", "moves")


def _between(language: str) -> str:
    """The words between a span's two days, in English and in `language`."""
    return _SPAN_WORDS["en"] + "|" + _SPAN_WORDS.get(language, _SPAN_WORDS["en"])


def _normal(word: str, language: str) -> str:
    lowered = word.lower()
    return i18n.unaccented(lowered) if language == "vi" else lowered


def _said(words: list[str], start: int, key: str, language: str) -> int:
    """How many words from `start` say the keyword `key` (0: they do not)."""
    phrases = _WORDS[key]["en"] + (_WORDS[key].get(language, ()) if language != "en" else ())
    for phrase in sorted(phrases, key=lambda p: -len(p.split())):
        wanted = [_normal(w, language) for w in phrase.split()]
        if [_normal(w, language) for w in words[start : start + len(wanted)]] == wanted:
            return len(wanted)
    return 0


def _in_english(words: list[str], start: int, keys: tuple[str, ...], language: str) -> list[str]:
    """`words` with the keyword at `start`, if one of `keys`, as its English word."""
    for key in keys:
        size = _said(words, start, key, language)
        if size:
            return [*words[:start], key, *words[start + size :]]
    return words


def _unglued(words: list[str], keys: tuple[str, ...], language: str) -> list[str]:
    """Chinese written without spaces, spaced where the keywords are: `CNC停机周四` is
    `CNC 停机 周四`, `周四到周五停机` is `周四到周五 停机`, `改到12月10日` is `改到 12月10日`,
    `周六8小时` is `周六 8小时`; hours before their unit (`8 giờ`, `4 hours`) are one word."""
    out: list[str] = []
    keywords = sorted((p for k in keys for p in _WORDS[k]["zh_Hans"]), key=len, reverse=True)
    seen = False  # a keyword of two characters or more was already split off
    for word in words:
        rest = word
        if language == "zh_Hans":
            lead = next((k for k in keywords if not out and rest.startswith(k) and rest != k), "")
            if lead:  # `排序LASER`
                out.append(lead)
                rest = rest[len(lead) :]
            glued = re.fullmatch(r"([!-~]*[A-Za-z][!-~]*?)([\u3000-\u9fff\uff00-\uffef].*)", rest)
            if glued and len(out) < 2:  # the code, SKU or receipt against the next word
                out.append(glued[1])
                rest = glued[2]
            while out and rest not in keywords:
                inside = None
                if not seen:  # `周四到周五停机`, `周六加班8小时`, `12月10日到货`
                    inside = next((k for k in keywords if len(k) > 1 and k in rest), None)
                if inside is None and len(out) <= 2:  # `改到12月10日`, `数量40`, `至周五`
                    inside = next((k for k in keywords if rest.startswith(k)), None)
                if inside is None:
                    break
                seen = seen or len(inside) > 1
                before, _kw, after = rest.partition(inside)
                out += [part for part in (before, inside) if part]
                rest = after
                if not rest:
                    break
            if not rest:
                continue
            seen = seen or (len(rest) > 1 and rest in keywords)
            hours = re.fullmatch(r"(.*[^\d.,\s])(\d+(?:[.,]\d+)?" + _HOUR_UNITS + ")", rest)
            if hours:
                out.append(hours[1])
                rest = hours[2]
        unit = re.fullmatch(_HOUR_UNITS, rest, re.IGNORECASE)
        if unit and out and _NUMBER.match(out[-1]):
            out[-1] += rest
            continue
        out.append(rest)
    return out


def _kind_first(words: list[str], language: str) -> list[str]:
    """Chinese says the days first (`CNC 周四到周五 停机`, `PAINT 周六 加班 8小时`): the kind of
    change is put after the code, where English has it."""
    if language != "zh_Hans" or len(words) < 3:
        return words
    if any(_said(words, 1, key, language) for key in ("down", "overtime", "back")):
        return words
    for index in range(2, len(words)):
        if any(_said(words, index, key, language) == 1 for key in ("down", "overtime", "back")):
            return [words[0], words[index], *words[1:index], *words[index + 1 :]]
    return words


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
    text: str, *, today: date, language: str | None = None
) -> CapacityChange | LiftDowntime | ShowLoad | ShowSequence:
    """Read the text after `/capacity` (see the module docstring); `language` (default: the
    active one) adds its words to the English ones."""
    lang = language or i18n.active()
    reason, rest = _reason(text)
    words = _unglued(rest.split(), _CAPACITY_KEYS, lang)
    words = _in_english(_kind_first(words, lang), 0, ("sequence",), lang)
    if words and words[0] == "sequence" and not reason:
        return _sequence(words[1:], today, lang)
    if len(words) == 1 and not reason:
        return ShowLoad(words[0])
    if len(words) in (2, 3) and not reason and _WEEKS.match(" ".join(words[1:])):
        return ShowLoad(words[0], _weeks(" ".join(words[1:])))
    if len(words) < 2:
        raise ChangeSyntaxError(
            _("Say which work center and what changes: {usage}.", usage=_(CAPACITY_USAGE))
        )
    size = max([_said(words, 1, key, lang) for key in ("down", "overtime", "back")] + [1])
    typed = " ".join(words[1 : 1 + size]).lower()
    code, kind, *more = _in_english(words, 1, ("down", "overtime", "back"), lang)
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
                kind=repr(typed),
                usage=_(CAPACITY_USAGE),
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
        raise ChangeSyntaxError(_("Give the hours once: {usage}.", usage=_(CAPACITY_USAGE)))
    for before, word in zip(more, more[1:], strict=False):
        if _HOURS.match(word) and re.fullmatch(_between(lang), before.lower()):
            raise ChangeSyntaxError(
                _(
                    "{text} reads as a time of day; give the hours themselves, like "
                    "`/capacity {code} overtime Sat 4h`.",
                    text=repr(f"{before} {word}"),
                    code=code,
                )
            )
    days = [w for w in more if not _HOURS.match(w)]
    if not days:
        raise ChangeSyntaxError(
            _(
                "Say which days, like `{kind} Thu..Fri`: {usage}.",
                kind=typed,
                usage=_(CAPACITY_USAGE),
            )
        )
    (first, last), leftover = _days(days, today, lang)
    _not_more_days(leftover, today, lang)
    if hours == 0 and not extra and _part_of_day(leftover, lang):
        raise ChangeSyntaxError(
            _(
                "A downtime closes whole days; for part of a day ({text}) give the hours the day "
                "still has, like `/capacity {code} 4h Thu`.",
                text=repr(leftover),
                code=code,
            )
        )
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
                usage=_(LOAD_USAGE),
            )
        )
    return weeks


def _sequence(words: list[str], today: date, language: str) -> ShowSequence:
    """Two or three work center codes, then maybe a day of the week to sequence."""
    if len(words) < 2:
        raise ChangeSyntaxError(
            _("Name the two work centers of the line (or three): {usage}.", usage=_(SEQUENCE_USAGE))
        )
    problem = ""
    for count in (2, 3):
        line, rest = words[:count], words[count:]
        if len(line) < count:
            break
        if not rest:
            return ShowSequence(tuple(line))
        try:
            return ShowSequence(tuple(line), _day(" ".join(rest), today, language))
        except ChangeSyntaxError as error:
            problem = str(error)
    raise ChangeSyntaxError(
        # TRANSLATORS: {problem} is a whole sentence saying what was wrong with the day.
        _(
            "I could not read the week to sequence ({problem}); give a day of that week: {usage}.",
            problem=problem,
            usage=_(SEQUENCE_USAGE),
        )
    )


def parse_supply(text: str, *, today: date, language: str | None = None) -> Change:
    """Read the text after `/supply` (see the module docstring); `language` (default: the active
    one) adds its words to the English ones."""
    lang = language or i18n.active()
    words = _in_english(_unglued(text.split(), _SUPPLY_KEYS, lang), 1, ("count",), lang)
    if len(words) < 3:
        raise ChangeSyntaxError(_("Say the item and what changed: {usage}.", usage=_(SUPPLY_USAGE)))
    sku = words[0]
    if words[1] == "count":
        return CountChange(sku, _quantity(words[2:], count=True, language=lang))
    ref, what = words[1], _in_english(words[2:], 0, ("qty", "cancelled"), lang)
    if what[0] in ("改为", "改成") and len(what) > 1 and _NUMBER.match(what[1]):
        what = ["qty", *what[1:]]  # `改为 40` is the quantity, `改为 12月10日` the day
    if what[0] == "qty":
        return ReceiptChange(sku, ref, qty=_quantity(what[1:], count=False, language=lang))
    if what[0] == "cancelled":
        if len(what) > 1:
            raise ChangeSyntaxError(
                _(
                    "{word} cancels the whole receipt and takes nothing after it; if it brings "
                    "fewer, give the quantity it still brings: {usage}.",
                    word=repr(words[2]),
                    usage=_(SUPPLY_USAGE),
                )
            )
        return ReceiptChange(sku, ref, qty=0.0)
    while what and (size := _said(what, 0, "moves", lang)):
        what = what[size:]
    while lang == "zh_Hans" and len(what) > 1 and _said(what, len(what) - 1, "moves", lang):
        what = what[:-1]  # `12月10日 到货`
    if not what:
        raise ChangeSyntaxError(_("Say the day it now arrives: {usage}.", usage=_(SUPPLY_USAGE)))
    (first, last), leftover = _days(what, today, lang)
    if first != last or leftover:
        raise ChangeSyntaxError(_("A receipt arrives on one day: {usage}.", usage=_(SUPPLY_USAGE)))
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


def _quantity(words: list[str], *, count: bool, language: str) -> float:
    """One number, written the writer's way (`1.200` is twelve hundred in Vietnamese, `1,200` in
    English and Chinese; `12,5` or `12.5` a decimal in any), maybe with a unit of pieces."""
    if len(words) == 1 and language == "zh_Hans":
        glued = re.fullmatch(
            r"(.*?\d)(" + "|".join(p for p in _PIECES if not p.isascii()) + ")", words[0]
        )
        if glued:
            words = [glued[1]]
    if len(words) == 2 and words[1].lower() in _PIECES:
        words = words[:1]
    value = _number(words[0], language) if len(words) == 1 else None
    if value is None:
        if count:
            raise ChangeSyntaxError(
                _("Give a count as one number: {usage}.", usage=_(SUPPLY_USAGE))
            )
        raise ChangeSyntaxError(_("Give a quantity as one number: {usage}.", usage=_(SUPPLY_USAGE)))
    return value


def _number(text: str, language: str) -> float | None:
    if not _NUMBER.match(text):
        return None
    try:  # the CLDR's way for the language, strictly: `1.200` vi, `1,200` en
        return float(parse_decimal(text, locale=i18n.locale(language), strict=True))
    except NumberFormatError:
        pass
    if text.count(",") + text.count(".") == 1:  # the other decimal mark: `12,5` en, `12.5` vi
        return float(text.replace(",", "."))
    return None


def _days(words: list[str], today: date, language: str) -> tuple[tuple[date, date], str]:
    """The longest run of leading words that reads as a day or a span; the rest is a reason."""
    problem: str | None = None
    # The longest day or span has 15 words (`ngày 10 tháng 12 năm 2026 đến ngày 12 …`).
    for n in range(min(len(words), _MOST_DAY_WORDS), 0, -1):
        try:
            return _span(" ".join(words[:n]), today, language), " ".join(words[n:])
        except ChangeSyntaxError as error:
            problem = problem or str(error)
    if language == "zh_Hans" and words:  # `周四到周五主轴维修`: the reason against the days
        for end in range(min(len(words[0]), 24) - 1, 0, -1):
            try:
                span = _span(words[0][:end], today, language)
            except ChangeSyntaxError:
                continue
            return span, " ".join([words[0][end:], *words[1:]])
    raise ChangeSyntaxError(problem or _("Say which days"))


def _not_more_days(leftover: str, today: date, language: str) -> None:
    """What follows the days is the reason, unless it is more days (`Thu, Fri`, `周四 周五`) or
    starts as a span does (`đến 20 giờ`): those were meant as days, and refused as such."""
    words = leftover.lstrip(",，、;； ").split()
    starts_a_span = bool(words) and re.fullmatch(_between(language), words[0].lower())
    if starts_a_span or any(
        _is_span(words[:n], today, language) for n in range(1, min(len(words), 4) + 1)
    ):
        raise ChangeSyntaxError(
            _("Write the days as one span, like Thu..Fri: {usage}.", usage=_(CAPACITY_USAGE))
        )


def _is_span(words: list[str], today: date, language: str) -> bool:
    try:
        _span(" ".join(words), today, language)
    except ChangeSyntaxError:
        return False
    return True


def _part_of_day(text: str, language: str) -> bool:
    """Whether `text` names part of a day (`buổi sáng`, `ca dem`, `上午`, `night shift`); a word
    typed without diacritics is matched without them (`toi` is `tối`), one with them as written
    (`tới` is not `tối`)."""
    lowered = text.lower()
    parts = _PART_OF_DAY["en"] + _PART_OF_DAY.get(language, ())
    if language == "zh_Hans" and any(part in lowered for part in _PART_OF_DAY["zh_Hans"]):
        return True
    bare = {i18n.unaccented(part) for part in parts}
    return any(
        word in parts or (word.isascii() and word in bare) for word in re.findall(r"\w+", lowered)
    )


def _span(text: str, today: date, language: str) -> tuple[date, date]:
    between = _between(language)
    text = re.sub(_SPAN_START.get(language, "^$"), "", text.strip(), flags=re.IGNORECASE)
    # `-` between days too (`T5-T6`, `Thu - Fri`), but not inside one (`2026-12-09`, `12-10`).
    between += r"|\s+-\s+|(?<!\d)-|-(?!\d)"
    parts = re.split(r"\s*(?:\.\.|–|—|" + between + r")\s*", text, flags=re.IGNORECASE)
    if len(parts) > 2 or not all(parts):
        raise ChangeSyntaxError(
            _("{text} is not a day or a span of days like Thu..Fri", text=repr(text))
        )
    first = _day(parts[0], today, language)
    if len(parts) == 1:
        return first, first
    last = _day(_same_month(parts[-1], first, language), today, language)
    if last < first:  # a weekday before the first day's means the next one after it (Fri..Thu)
        try:
            after = _day(parts[-1], first, language)
        except ChangeSyntaxError:
            after = last
        if not first < after <= first + timedelta(days=7):
            raise ChangeSyntaxError(_("{text} ends before it starts", text=repr(text)))
        last = after
    return first, last


def _same_month(text: str, first: date, language: str) -> str:
    """`12月10日到12日`: a span's last day written as a day of the first's month."""
    alone = re.fullmatch(r"(\d{1,2})\s*[日号]", text.strip()) if language == "zh_Hans" else None
    if alone is None:
        return text
    day = int(alone[1])
    month, year = (
        (first.month, first.year)
        if day >= first.day
        else ((first.month % 12 + 1, first.year + (first.month == 12)))
    )
    return f"{year}-{month:02d}-{day:02d}"


def _day(text: str, today: date, language: str) -> date:
    match = _MONTH_DAY.match(text.strip())
    if match and language == "vi":  # day first, as Vietnamese writes 10/12
        text = f"{match.group(1)}/{match.group(2)}"
    elif match:
        month, day = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ChangeSyntaxError(
                _("{text}: write the month first, like 12-10 for Dec 10", text=repr(text))
            )
        text = f"{MONTH_NAMES[month - 1]} {day}"
    try:
        return parse_day(text, today=today, language=language)
    except PromiseSyntaxError as error:
        raise ChangeSyntaxError(f"{error.problem}: {error.hint}") from None
