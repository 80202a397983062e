"""Domain values of the planning model: the factory, quotes and reservations.

Everything here is a frozen value. Nothing reads a clock, a database or the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal, NamedTuple

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TOLERANCE = 1e-9
"""Hours and quantities compare with this absolute tolerance (30 × 0.1 h fits in 3 free hours)."""

ItemKind = Literal["make", "buy"]


@lru_cache(maxsize=256)
def parse_workdays(text: str) -> frozenset[int]:
    """The weekdays (Mon = 0) named by `Mon-Fri`, `Mon,Wed,Fri` or `Mon-Wed,Sat`.

    Raises ValueError naming the part that is not a day or range of days.
    """
    days: set[int] = set()
    lookup = {name.lower(): index for index, name in enumerate(WEEKDAYS)}
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise ValueError(f"empty day in {text!r}; write days like Mon-Fri or Mon,Wed,Fri")
        ends = [end.strip().lower()[:3] for end in part.split("-")]
        if len(ends) > 2 or any(end not in lookup for end in ends):
            raise ValueError(f"{part!r} is not a day or range of days (use Mon, Tue, … Sun)")
        first, last = lookup[ends[0]], lookup[ends[-1]]
        index = first
        days.add(index)
        while index != last:
            index = (index + 1) % 7
            days.add(index)
    return frozenset(days)


@dataclass(frozen=True)
class WorkCenter:
    code: str
    name: str = ""
    machines: int = 1
    shifts_per_day: int = 1
    hours_per_shift: float = 8.0
    efficiency: float = 1.0
    workdays: str = "Mon-Fri"
    rush_reserve_pct: float = 0.0

    @property
    def weekdays(self) -> frozenset[int]:
        return parse_workdays(self.workdays)

    @property
    def standard_hours(self) -> float:
        """Capacity hours on an ordinary workday."""
        return self.machines * self.shifts_per_day * self.hours_per_shift * self.efficiency


@dataclass(frozen=True)
class CalendarException:
    """A day whose capacity is set by hand: a holiday (0 h), maintenance, overtime.

    `work_center` is a code or `*` for every work center; one for a single work center beats `*`.
    """

    work_center: str
    on: date
    hours: float
    reason: str = ""


@dataclass(frozen=True)
class Item:
    sku: str
    name: str = ""
    kind: ItemKind = "buy"
    uom: str = "ea"
    lead_time_days: int = 0
    safety_stock: float = 0.0


@dataclass(frozen=True)
class BomLine:
    parent_sku: str
    component_sku: str
    qty_per: float


@dataclass(frozen=True)
class Operation:
    """One step of a make item's routing, at one work center."""

    sku: str
    seq: int
    work_center: str
    run_hours_per_unit: float
    setup_hours: float = 0.0
    lag_days: int = 0


@dataclass(frozen=True)
class Receipt:
    """A scheduled receipt: stock that arrives on a known day (an open purchase order)."""

    sku: str
    on: date
    qty: float
    ref: str = ""


@dataclass(frozen=True)
class Factory:
    """The static model of a plant: what it has and how it makes things.

    `holidays` are public holidays (date → name) that close every work center unless a calendar
    exception for that date says otherwise.
    """

    work_centers: tuple[WorkCenter, ...] = ()
    calendar: tuple[CalendarException, ...] = ()
    items: tuple[Item, ...] = ()
    bom: tuple[BomLine, ...] = ()
    routings: tuple[Operation, ...] = ()
    on_hand: Mapping[str, float] = field(default_factory=dict)
    receipts: tuple[Receipt, ...] = ()
    holidays: Mapping[date, str] = field(default_factory=dict)


# --- what a reservation holds -------------------------------------------------------------


# A placement's parts are named tuples, not dataclasses: an import of the order book makes two
# million of them, and a named tuple is made in half the time of a frozen dataclass.


class HoursUse(NamedTuple):
    """Hours an order holds on a work center on a day."""

    work_center: str
    on: date
    hours: float


class StockUse(NamedTuple):
    """Stock allocated to an order on a day (taken out of PAB from that day on)."""

    sku: str
    on: date
    qty: float


class Purchase(NamedTuple):
    """A planned purchase the order relies on, arriving on `on`."""

    sku: str
    on: date
    qty: float


@dataclass(frozen=True)
class Placement:
    """The capacity and material one promise holds: `qty` of `sku` ready on `on`."""

    sku: str
    qty: int
    on: date
    rush: bool = False
    hours: tuple[HoursUse, ...] = ()
    stock: tuple[StockUse, ...] = ()
    purchases: tuple[Purchase, ...] = ()
    just_in_time: bool = True
    """False when the order could not be placed backwards and was placed as early as possible."""


# --- what a quote says --------------------------------------------------------------------


@dataclass(frozen=True)
class Lot:
    on: date
    qty: int


ConstraintKind = Literal["none", "stock", "capacity", "lead_time", "horizon"]


@dataclass(frozen=True)
class Constraint:
    """What set the earliest date, in words a salesperson understands.

    `text` is the English sentence (the CLI shows it, its JSON carries it); `reason` names which
    sentence it is and `facts` hold its parts (`code`, `until`, `hours`, `qty`, `item`…), so that a
    reader in another language gets the same sentence written in theirs (bot.promising.constraints).
    An empty `reason` (a constraint built by hand) has only its `text`.
    """

    kind: ConstraintKind
    code: str | None
    until: date | None
    text: str
    reason: str = ""
    """One of "horizon_cannot", "horizon_beyond", "none", "booked", "booked_reserve", "busy",
    "busy_reserve", "run_same", "run_other", "lead_time", "stock", "stock_arrives", "run_time"."""
    facts: tuple[tuple[str, object], ...] = ()
    """The sentence's parts by name: days as dates, hours and quantities as numbers."""

    def fact(self, name: str, default: object = None) -> object:
        return dict(self.facts).get(name, default)


@dataclass(frozen=True)
class Quote:
    sku: str
    qty: int
    requested: date
    as_of: date
    earliest: date | None
    """Earliest day all of `qty` can ship in one delivery; None beyond the horizon."""
    on_requested: int
    """The most that can ship on the requested day (or as_of, if that is later)."""
    split: tuple[Lot, ...] | None
    """`on_requested` on the requested day and the rest on its own earliest day, when that helps."""
    rush_earliest: date | None
    """The earliest day if operations release the rush reserve."""
    constraint: Constraint
    rush: bool = False

    @property
    def promisable(self) -> bool:
        return self.earliest is not None


# --- what can go wrong, in the planners' words ---------------------------------------------


class PlanningError(Exception):
    """Base of the engine's refusals; the message is fit to show a user."""


class UnknownSku(PlanningError):
    def __init__(self, sku: str, suggestions: tuple[str, ...] = ()) -> None:
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"There is no item {sku!r}.{hint}")
        self.sku = sku
        self.suggestions = suggestions


class BadQuantity(PlanningError):
    def __init__(self, qty: object) -> None:
        super().__init__(f"The quantity must be a whole number of at least 1, not {qty!r}.")
        self.qty = qty


class NotPromisable(PlanningError):
    """A hold or confirmation that the factory cannot keep; carries the current quote."""

    def __init__(self, quote: Quote, reason: str) -> None:
        super().__init__(reason)
        self.quote = quote
