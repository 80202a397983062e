"""Keeping promises when the factory changes: what a re-plan did, finding the broken orders among
the stored reservations, and the news for owners and operations.

The rules live in `capacity.replan` (values in, values out); `OrderService.apply_change` and
`OrderService.replan` (bot.promising.orders) run them under the plan lock and store the outcome.
This module holds what they share that is not the order service's own: the result and its JSON,
the SQL that finds which stored reservations a breakage hits, and the words and buttons of the
messages (queued in the same transaction, sent after it commits).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.platform.blockkit import CONTEXT_TEXT, MESSAGE_TEXT, SECTION_TEXT, button, clip, escape
from bot.platform.db.tables import (
    OrderRow,
    ReservationRow,
    ReservedHoursRow,
    StockAllocationRow,
)
from capacity.engine import format_day
from capacity.model import Quote
from capacity.replan import Breakage

MOVE_ACTIONS = ("move_accept", "move_ask_ops", "move_split", "move_cancel")
"""The buttons of a moved-order message (handlers/changes.py answers them)."""


@dataclass(frozen=True)
class Moved:
    """An order booked on another day than the one promised."""

    ref: str
    from_on: date
    to_on: date
    customer: str = ""
    sku: str = ""
    qty: int = 0
    owner: str | None = None

    def to_json(self) -> dict[str, str]:
        return {"ref": self.ref, "from": self.from_on.isoformat(), "to": self.to_on.isoformat()}


@dataclass(frozen=True)
class AtRisk:
    """An order left without a place in the horizon."""

    ref: str
    reason: str
    customer: str = ""
    sku: str = ""
    qty: int = 0
    owner: str | None = None


@dataclass(frozen=True)
class Replan:
    """Every order a change or a re-plan released, and where each went (README, `replan`)."""

    kept: tuple[str, ...] = ()
    """Released and placed again on the date promised."""
    moved: tuple[Moved, ...] = ()
    """Booked on another day, from the promised date to the day booked."""
    at_risk: tuple[AtRisk, ...] = ()
    """Left with no date in the horizon; they hold nothing."""
    change: str | None = None
    """The change in plain words, when there was one."""
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kept": list(self.kept),
            "moved": [m.to_json() for m in self.moved],
            "at_risk": [r.ref for r in self.at_risk],
        }

    @property
    def released(self) -> int:
        return len(self.kept) + len(self.moved) + len(self.at_risk)


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


def orders_holding(session: Session, found: Breakage) -> dict[int, Broken]:
    """The orders whose active reservation `found` breaks, each with what broke: hours on an
    over-booked work-center day, or stock of a short item on or before its last short day."""
    lost: dict[int, set[tuple[str, date]]] = {}
    short: dict[int, set[str]] = {}
    active = ReservationRow.active.is_(True)
    by_code: dict[str, set[date]] = {}
    for code, on in found.hours:
        by_code.setdefault(code, set()).add(on)
    for code, days in by_code.items():
        for order, on in session.execute(
            sa.select(ReservationRow.order_id, ReservedHoursRow.on)
            .select_from(ReservedHoursRow)
            .join(ReservationRow, ReservationRow.id == ReservedHoursRow.reservation_id)
            .where(
                active,
                ReservedHoursRow.work_center == code,
                ReservedHoursRow.on.in_(sorted(days)),
            )
            .distinct()
        ):
            lost.setdefault(order, set()).add((code, on))
    for sku, last in found.stock.items():
        for order in session.scalars(
            sa.select(ReservationRow.order_id)
            .join(StockAllocationRow, ReservationRow.id == StockAllocationRow.reservation_id)
            .where(active, StockAllocationRow.sku == sku, StockAllocationRow.on <= last)
            .distinct()
        ):
            short.setdefault(order, set()).add(sku)
    return {
        order: Broken(tuple(sorted(lost.get(order, ()))), tuple(sorted(short.get(order, ()))))
        for order in lost.keys() | short.keys()
    }


# ---------------------------------------------------------------------- the news


@dataclass(frozen=True)
class MoveOptions:
    """What the plan allows a moved order besides its new date (for its owner's message)."""

    split: tuple[tuple[date, int], ...] | None = None
    """Part on the promised date and the rest later, as a quote's split offers it."""
    rush_on: date | None = None
    """The earliest day with the rush reserve, when it beats the new date."""
    latest_on: date | None = None
    """The customer's latest acceptable date, when it was recorded."""


def options_from(quote: Quote, latest_on: date | None) -> MoveOptions:
    """The options of a quote for the promised date, made with the order's own hold released."""
    split = tuple((lot.on, lot.qty) for lot in quote.split) if quote.split else None
    rush = quote.rush_earliest
    better = rush if rush is not None and quote.earliest and rush < quote.earliest else None
    return MoveOptions(split, better, latest_on)


def move_text(
    moved: Moved, change: str | None, options: MoveOptions, as_of: date
) -> tuple[str, list[str]]:
    """The owner's news of a move in words: (the message, the lines of options)."""
    what = f"{moved.qty} {moved.sku} for {moved.customer} ({moved.ref})"
    why = f"{change}. " if change else "The factory changed. "
    head = (
        f"{why}Your order {what} cannot ship {format_day(moved.from_on, as_of)} any more: it is "
        f"now booked for {format_day(moved.to_on, as_of)}, and that place is kept for it "
        "until you answer."
    )
    lines: list[str] = []
    if options.split:
        (first_on, first_qty), (rest_on, rest_qty) = options.split
        lines.append(
            f"Split: {first_qty} on {format_day(first_on, as_of)} and the other {rest_qty} on "
            f"{format_day(rest_on, as_of)}."
        )
    if options.rush_on:
        lines.append(
            f"With the rush reserve (through operations) all {moved.qty} could ship "
            f"{format_day(options.rush_on, as_of)}."
        )
    if options.latest_on:
        fits = "within" if moved.to_on <= options.latest_on else "after"
        lines.append(
            f"The new date is {fits} the customer's latest acceptable date, "
            f"{format_day(options.latest_on, as_of)}."
        )
    return head, lines


def customer_text(moved: Moved, options: MoveOptions, as_of: date) -> str:
    """A ready-to-send note for the customer, in the salesperson's voice."""
    text = (
        f"Hello {moved.customer}, an update on your order of {moved.qty} {moved.sku} "
        f"({moved.ref}): a change at our plant means we can no longer ship it on "
        f"{format_day(moved.from_on, as_of)}. We can ship all {moved.qty} on "
        f"{format_day(moved.to_on, as_of)}"
    )
    if options.split:
        (first_on, first_qty), (rest_on, rest_qty) = options.split
        text += (
            f", or {first_qty} on {format_day(first_on, as_of)} and the other {rest_qty} on "
            f"{format_day(rest_on, as_of)} if a split delivery helps you"
        )
    return text + ". We are sorry for the change and are telling you as early as we can."


def move_message(
    moved: Moved,
    *,
    order_id: int,
    version: int,
    change: str | None,
    options: MoveOptions,
    as_of: date,
) -> dict[str, Any]:
    """The owner's DM about a moved order: what changed, old and new date, the options, the
    buttons to answer and a text for the customer (chat.postMessage arguments, no channel)."""
    head, lines = move_text(moved, change, options, as_of)
    value = f"{order_id}:{version}"
    buttons = [
        button("Accept new date", "move_accept", value, "primary"),
        button("Ask operations", "move_ask_ops", value),
    ]
    if options.split:
        buttons.append(button("Split", "move_split", value))
    buttons.append(button("Cancel", "move_cancel", value, "danger"))
    # What people typed (the customer's name, a reason) is escaped, each text clipped to
    # Slack's limits: an imported name may be longer than one typed in Slack.
    warning = clip(f":warning: {escape(head)}", SECTION_TEXT)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": warning}},
    ]
    if lines:
        text = clip("\n".join(f"• {escape(line)}" for line in lines), SECTION_TEXT)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    blocks.append({"type": "actions", "block_id": f"move:{moved.ref}", "elements": buttons})
    note = customer_text(moved, options, as_of)
    copy = clip(f"For the customer (copy and send):\n>{escape(note)}", CONTEXT_TEXT)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": copy}]})
    return {"text": clip(escape(head), MESSAGE_TEXT), "blocks": blocks}


def back_text(ref: str, what: str, on: date, as_of: date) -> str:
    """The owner's news when a moved order could come back to its promised date (mrkdwn: the
    order's words escaped)."""
    return (
        f":white_check_mark: Good news: capacity came back and order {escape(ref)} "
        f"({escape(what)}) is booked "
        f"for its promised date {format_day(on, as_of)} again. Nothing to tell the customer."
    )


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
    return clip(
        f":warning: Order {escape(row.ref)} ({row.qty} {escape(row.sku)} for "
        f"{escape(row.customer.name)} on {when}) is at risk: the factory's "
        f"capacity or material changed and it cannot be promised within the planning horizon. "
        f"{now} ({why}). It holds nothing now: talk to the customer early, and quote it again.",
        MESSAGE_TEXT,
    )


def summary_text(result: Replan, as_of: date, *, who: str | None = None) -> str:
    """Operations' summary of one change: what moved, from and to, and what is now at risk.
    Orders that nobody in Slack owns are marked, since nobody else is told."""
    head = f"*{escape(result.change)}*" if result.change else "*Re-plan*"
    if who:
        head += f" (reported by <@{who}>)"
    lines = [head]
    if not result.released:
        lines.append("No promise had to move.")
    if result.kept:
        lines.append(f"Kept their date with a new reservation: {', '.join(result.kept)}")
    if result.moved:
        lines.append(f"Moved ({len(result.moved)}):")
        for m in result.moved:
            nobody = "" if m.owner else " — _nobody in Slack owns it: tell the customer_"
            lines.append(
                f"• {m.ref} {m.qty} {escape(m.sku)} for {escape(m.customer)}: "
                f"{format_day(m.from_on, as_of)} → {format_day(m.to_on, as_of)}{nobody}"
            )
    if result.at_risk:
        lines.append(f"Now at risk ({len(result.at_risk)}):")
        for r in result.at_risk:
            nobody = "" if r.owner else " — _nobody in Slack owns it_"
            lines.append(
                f"• {r.ref} {r.qty} {escape(r.sku)} for {escape(r.customer)}: "
                f"{escape(r.reason)}{nobody}"
            )
    return clip("\n".join(lines), MESSAGE_TEXT)


def summary_lines(result: Replan, as_of: date) -> Iterable[str]:
    """The lines `promisebot import` prints about the re-check after it."""
    if result.kept:
        yield f"promises re-planned to keep their date: {', '.join(result.kept)}"
    for m in result.moved:
        yield (
            f"  moved: {m.ref} from {format_day(m.from_on, as_of)} to "
            f"{format_day(m.to_on, as_of)} (until its owner answers)"
        )
    for risk in result.at_risk:
        yield f"  at risk now: {risk.ref}: {risk.reason}"


def result_lines(result: Replan, as_of: date) -> Sequence[str]:
    """The terminal's account of a change or a re-plan (the JSON says the same)."""
    out = []
    if result.change:
        out.append(("Would apply: " if result.dry_run else "Applied: ") + result.change)
    if not result.released:
        out.append("No promise had to move.")
    verb = "would " if result.dry_run else ""
    if result.kept:
        out.append(f"{verb}keep their date: {', '.join(result.kept)}")
    for m in result.moved:
        out.append(
            f"{verb}move: {m.ref} ({m.qty} {m.sku} for {m.customer}) from "
            f"{format_day(m.from_on, as_of)} to {format_day(m.to_on, as_of)}"
        )
    for risk in result.at_risk:
        out.append(f"{verb}be at risk: {risk.ref} ({risk.qty} {risk.sku}): {risk.reason}")
    if result.dry_run:
        out.append("Nothing was changed (--dry-run).")
    return out
