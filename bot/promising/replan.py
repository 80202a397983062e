"""Promises at risk: after the factory model changes, find the orders it can no longer keep.

This module finds them and words the news; the order service
(`OrderService.recheck_promises`) releases and re-places them, since only it changes reservations.

An import can take capacity or material away (a machine sold, a shift dropped, a receipt cancelled,
stock counted lower). Reservations made before then may now count on hours or parts that are gone.
`OrderService.recheck_promises` finds every over-booked work-center day and every item whose
projected balance went negative, takes the orders that hold them off the plan, and places them
again in order of commitment (confirmed before held, older first). Those that still fit keep their
date with a new reservation; those that do not are marked at risk, keep no reservation, and their
owner (or operations) is told at once with the current quote."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.platform.blockkit import MESSAGE_TEXT, clip, escape
from bot.platform.db.tables import (
    OrderRow,
    ReservationRow,
    ReservedHoursRow,
    StockAllocationRow,
)
from capacity.engine import Engine, format_day
from capacity.model import Quote

OVER = 1e-6
"""How far over capacity (hours) or below zero (stock) counts as broken, beyond rounding."""


@dataclass(frozen=True)
class AtRisk:
    ref: str
    reason: str


@dataclass(frozen=True)
class Broken:
    """Why an order's reservation no longer holds: what the plan learned it lost."""

    hours: tuple[tuple[str, date], ...] = ()
    """Work-center days it held hours on that are now over-booked (a breakdown, a shift cut)."""
    stock: tuple[str, ...] = ()
    """Items it held stock of that went short (a receipt late or cut, stock counted lower)."""

    def detail(self) -> dict[str, list[Any]]:
        """For the audit log (JSON): what the digest later names as a missed promise's cause."""
        return {
            "lost_hours": [[code, on.isoformat()] for code, on in self.hours],
            "short_stock": list(self.stock),
        }


@dataclass(frozen=True)
class Recheck:
    replanned: tuple[str, ...]
    """Orders that had to move their reservation but still keep their date."""
    at_risk: tuple[AtRisk, ...]


def _overbooked(engine: Engine) -> set[tuple[str, date]]:
    """Work-center days whose reserved hours exceed the day's whole capacity."""
    broken: set[tuple[str, date]] = set()
    for wc in engine.factory.work_centers:
        for i in range(engine.horizon_days):
            day = engine.day(i)
            if engine.reserved(wc.code, day) > engine.capacity(wc.code, day) + OVER:
                broken.add((wc.code, day))
    return broken


def _short(engine: Engine) -> dict[str, date]:
    """Items whose projected balance the allocations push below zero (or below where it stood
    without them: safety stock above what is on hand is nobody's promise), each with the last
    such day; allocations up to then are to blame."""
    short: dict[str, date] = {}
    supply: dict[str, list[float]] = {}
    for receipt in engine.factory.receipts:
        supply.setdefault(receipt.sku, [0.0] * engine.horizon_days)
        index = min(max(engine.index(receipt.on), 0), engine.horizon_days)
        if index < engine.horizon_days:
            supply[receipt.sku][index] += receipt.qty
    for item in engine.factory.items:
        series = engine.pab_series(item.sku)
        moves = supply.get(item.sku, [0.0] * engine.horizon_days)
        level = float(engine.factory.on_hand.get(item.sku, 0.0)) - item.safety_stock
        below: list[int] = []
        for i, value in enumerate(series):
            level += moves[i]
            if value < min(0.0, level) - OVER:
                below.append(i)
        if below:
            short[item.sku] = engine.day(below[-1])
    return short


def broken_orders(session: Session, engine: Engine, as_of: date) -> dict[int, Broken]:
    """The orders whose reservation counts on hours or stock the factory no longer has, each
    with what broke: hours on an over-booked work-center day, or stock of an item that went
    short on or before its last short day. `engine` holds every active reservation."""
    return _orders_on(session, _overbooked(engine), _short(engine), as_of)


def _orders_on(
    session: Session, hours: set[tuple[str, date]], stock: dict[str, date], as_of: date
) -> dict[int, Broken]:
    lost: dict[int, set[tuple[str, date]]] = {}
    short: dict[int, set[str]] = {}
    active = ReservationRow.active.is_(True)
    if hours:
        codes = {code for code, _ in hours}
        candidates = session.execute(
            sa.select(ReservationRow.order_id, ReservedHoursRow.work_center, ReservedHoursRow.on)
            .join(ReservationRow, ReservationRow.id == ReservedHoursRow.reservation_id)
            .where(active, ReservedHoursRow.work_center.in_(codes))
        )
        for order, code, on in candidates:
            if (code, on) in hours:
                lost.setdefault(order, set()).add((code, on))
    for sku, last in stock.items():
        for order in session.scalars(
            sa.select(ReservationRow.order_id)
            .join(StockAllocationRow, ReservationRow.id == StockAllocationRow.reservation_id)
            .where(active, StockAllocationRow.sku == sku, StockAllocationRow.on <= last)
        ):
            short.setdefault(order, set()).add(sku)
    return {
        order: Broken(tuple(sorted(lost.get(order, ()))), tuple(sorted(short.get(order, ()))))
        for order in lost.keys() | short.keys()
    }


def at_risk_message(row: OrderRow, quote: Quote) -> str:
    """What the owner of an order the factory can no longer keep is told, with the current quote
    (a message's mrkdwn text: the customer's name and the plan's words escaped)."""
    when = format_day(row.promised_on) if row.promised_on else "its date"
    why = escape(quote.constraint.text)
    now = (
        f"The plan now says: all {quote.qty} by {format_day(quote.earliest, quote.as_of)}"
        if quote.earliest
        else f"The plan now says: {why}"
    )
    if 0 < quote.on_requested < quote.qty:
        now += f"; {quote.on_requested} on {when}"
    who = f"{row.qty} {escape(row.sku)} for {escape(row.customer.name)}"
    return clip(
        f":warning: Order {escape(row.ref)} ({who} on {when}) "
        f"is at risk: the factory's capacity or material changed and it no longer fits. "
        f"{now} ({why}). Talk to the customer early, or ask operations.",
        MESSAGE_TEXT,
    )


def summary_lines(result: Recheck) -> Iterable[str]:
    """The lines `promisebot import` prints about a re-check."""
    if result.replanned:
        yield f"promises re-planned to keep their date: {', '.join(result.replanned)}"
    for risk in result.at_risk:
        yield f"  at risk now: {risk.ref}: {risk.reason}"
