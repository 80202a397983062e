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

from bot.platform import i18n
from bot.platform.blockkit import (
    CONTEXT_TEXT,
    MESSAGE_TEXT,
    SECTION_TEXT,
    button,
    clip,
    day,
    escape,
)
from bot.platform.db.tables import (
    OrderRow,
    ReservationRow,
    ReservedHoursRow,
    StockAllocationRow,
)
from bot.platform.i18n import gettext as _
from bot.promising.constraints import at_risk_text, constraint_text
from capacity.changes import Described
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
    facts: dict[str, Any] | None = None
    """`reason` as facts (bot.promising.constraints.refusal_text), for the reader's language."""


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


def _span(first: date, last: date, as_of: date) -> str:
    if first == last:
        return day(first, as_of)
    if i18n.active() == "en" and (first.year, first.month) == (last.year, last.month):
        return f"{first:%a} {first.day} – {day(last, as_of)}"
    # TRANSLATORS: a span of days, both written as days (Thu 3 Dec).
    return _("{first} – {last}", first=day(first, as_of), last=day(last, as_of))


def change_words(change: str | None) -> str | None:
    """A change's plain words in the active language: a `capacity.changes.Described` worded
    again from its facts (the English is the same text), any other text as it is."""
    if not isinstance(change, Described):
        return change
    f = change.facts
    kind = change.kind
    if kind == "imported":
        return _("The factory data was imported again (promisebot import)")
    if kind in ("overtime", "back", "down", "more_hours", "hours"):
        code = f["code"]
        span = _span(f["first"], f["last"], f["as_of"])
        if kind == "overtime":
            text = _(
                "{code} works {hours} h overtime {span}",
                code=code,
                hours=i18n.quantity(f["hours"]),
                span=span,
            )
        elif kind == "back":
            text = _("{code} is back to its usual hours {span}", code=code, span=span)
        elif kind == "down":
            text = _("{code} is down {span}", code=code, span=span)
        elif kind == "more_hours":
            text = _(
                "{code} works {extra} h overtime {span} ({hours} h a day)",
                code=code,
                extra=i18n.quantity(f["extra"]),
                span=span,
                hours=i18n.quantity(f["hours"]),
            )
        else:
            each = f["first"] != f["last"]
            hours = i18n.quantity(f["hours"])
            if f["was"] is None and each:
                text = _("{code} has {hours} h a day {span}", code=code, hours=hours, span=span)
            elif f["was"] is None:
                text = _("{code} has {hours} h {span}", code=code, hours=hours, span=span)
            elif each:
                text = _(
                    "{code} has {hours} h a day {span} (was {was} h)",
                    code=code,
                    hours=hours,
                    span=span,
                    was=i18n.quantity(f["was"]),
                )
            else:
                text = _(
                    "{code} has {hours} h {span} (was {was} h)",
                    code=code,
                    hours=hours,
                    span=span,
                    was=i18n.quantity(f["was"]),
                )
        if f.get("lifted") and f["reason"]:
            # TRANSLATORS: {change} is a work center back to its hours, {reason} what the reporter
            # of its downtime typed ("spindle repair").
            text = _("{change}: {reason} is over", change=text, reason=f["reason"])
        elif f.get("lifted"):
            text = _("{change}: downtime is over", change=text)
        elif f["reason"]:
            # TRANSLATORS: {change} is a change to the factory, {reason} what its reporter typed.
            text = _("{change}: {reason}", change=text, reason=f["reason"])
        return text
    if kind == "count":
        return _(
            "{sku} was counted: {on_hand} on hand, not {counted}",
            sku=f["sku"],
            on_hand=i18n.quantity(f["on_hand"]),
            counted=i18n.quantity(f["counted"]),
        )
    if kind in ("receipt_late", "receipt_early", "receipt_cancelled", "receipt_qty"):
        sku, ref, as_of = f["sku"], f["ref"], f["as_of"]
        if kind == "receipt_late":
            return _(
                "{sku} receipt {ref} is late: it arrives {on} instead of {was}",
                sku=sku,
                ref=ref,
                on=day(f["on"], as_of),
                was=day(f["was"], as_of),
            )
        if kind == "receipt_early":
            return _(
                "{sku} receipt {ref} comes early: it arrives {on} instead of {was}",
                sku=sku,
                ref=ref,
                on=day(f["on"], as_of),
                was=day(f["was"], as_of),
            )
        if kind == "receipt_cancelled":
            return _(
                "{sku} receipt {ref} ({qty} due {on}) is cancelled",
                sku=sku,
                ref=ref,
                qty=i18n.quantity(f["qty"]),
                on=day(f["on"], as_of),
            )
        return _(
            "{sku} receipt {ref} brings {qty} instead of {was}",
            sku=sku,
            ref=ref,
            qty=i18n.quantity(f["qty"]),
            was=i18n.quantity(f["was"]),
        )
    return str(change)


def move_text(
    moved: Moved, change: str | None, options: MoveOptions, as_of: date
) -> tuple[str, list[str]]:
    """The owner's news of a move in words: (the message, the lines of options)."""
    fields = {
        "qty": moved.qty,
        "sku": moved.sku,
        "customer": moved.customer,
        "ref": moved.ref,
        "old": day(moved.from_on, as_of),
        "new": day(moved.to_on, as_of),
    }
    if change:
        # TRANSLATORS: {change} is a whole sentence saying what changed in the factory.
        head = _(
            "{change}. Your order {qty} {sku} for {customer} ({ref}) cannot ship {old} any "
            "more: it is now booked for {new}, and that place is kept for it until you answer.",
            change=change_words(change),
            **fields,
        )
    else:
        head = _(
            "The factory changed. Your order {qty} {sku} for {customer} ({ref}) cannot ship "
            "{old} any more: it is now booked for {new}, and that place is kept for it until "
            "you answer.",
            **fields,
        )
    lines: list[str] = []
    if options.split:
        (first_on, first_qty), (rest_on, rest_qty) = options.split
        lines.append(
            _(
                "Split: {first_qty} on {first_on} and the other {rest_qty} on {rest_on}.",
                first_qty=first_qty,
                first_on=day(first_on, as_of),
                rest_qty=rest_qty,
                rest_on=day(rest_on, as_of),
            )
        )
    if options.rush_on:
        lines.append(
            _(
                "With the rush reserve (through operations) all {qty} could ship {on}.",
                qty=moved.qty,
                on=day(options.rush_on, as_of),
            )
        )
    if options.latest_on:
        latest = day(options.latest_on, as_of)
        if moved.to_on <= options.latest_on:
            lines.append(
                _("The new date is within the customer's latest acceptable date, {on}.", on=latest)
            )
        else:
            lines.append(
                _("The new date is after the customer's latest acceptable date, {on}.", on=latest)
            )
    return head, lines


def customer_text(moved: Moved, options: MoveOptions, as_of: date) -> str:
    """A ready-to-send note for the customer, in the salesperson's voice."""
    fields = {
        "customer": moved.customer,
        "qty": moved.qty,
        "sku": moved.sku,
        "ref": moved.ref,
        "old": day(moved.from_on, as_of),
        "new": day(moved.to_on, as_of),
    }
    if options.split:
        (first_on, first_qty), (rest_on, rest_qty) = options.split
        return _(
            "Hello {customer}, an update on your order of {qty} {sku} ({ref}): a change at our "
            "plant means we can no longer ship it on {old}. We can ship all {qty} on {new}, or "
            "{first_qty} on {first_on} and the other {rest_qty} on {rest_on} if a split delivery "
            "helps you. We are sorry for the change and are telling you as early as we can.",
            first_qty=first_qty,
            first_on=day(first_on, as_of),
            rest_qty=rest_qty,
            rest_on=day(rest_on, as_of),
            **fields,
        )
    return _(
        "Hello {customer}, an update on your order of {qty} {sku} ({ref}): a change at our "
        "plant means we can no longer ship it on {old}. We can ship all {qty} on {new}. We are "
        "sorry for the change and are telling you as early as we can.",
        **fields,
    )


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
        button(_("Accept new date"), "move_accept", value, "primary"),
        button(_("Ask operations"), "move_ask_ops", value),
    ]
    if options.split:
        buttons.append(button(_("Split"), "move_split", value))
    buttons.append(button(_("Cancel"), "move_cancel", value, "danger"))
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
    copy = clip(_("For the customer (copy and send):\n>{note}", note=escape(note)), CONTEXT_TEXT)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": copy}]})
    return {"text": clip(escape(head), MESSAGE_TEXT), "blocks": blocks}


def back_text(ref: str, what: tuple[int, str, str], on: date, as_of: date) -> str:
    """The owner's news when a moved order could come back to its promised date (mrkdwn: the
    order's words escaped); `what` is its quantity, item and customer."""
    qty, sku, customer = what
    return ":white_check_mark: " + _(
        "Good news: capacity came back and order {ref} ({qty} {sku} for {customer}) is booked "
        "for its promised date {on} again. Nothing to tell the customer.",
        ref=escape(ref),
        qty=qty,
        sku=escape(sku),
        customer=escape(customer),
        on=day(on, as_of),
    )


def at_risk_message(row: OrderRow, quote: Quote) -> str:
    """What the owner of an order the factory can no longer keep is told, with the current quote
    (a message's mrkdwn text: the customer's name and the plan's words escaped)."""
    # TRANSLATORS: a stand-in for an order's promised date when it has none.
    when = day(row.promised_on) if row.promised_on else _("its date")
    why = escape(constraint_text(quote.constraint, quote.as_of))
    part = 0 < quote.on_requested < quote.qty
    if quote.earliest:
        earliest = day(quote.earliest, quote.as_of)
        if part:
            now = _(
                "The plan now says: all {qty} by {day}; {part} on {when}",
                qty=quote.qty,
                day=earliest,
                part=quote.on_requested,
                when=when,
            )
        else:
            now = _("The plan now says: all {qty} by {day}", qty=quote.qty, day=earliest)
    elif part:
        now = _(
            "The plan now says: {why}; {part} on {when}",
            why=why,
            part=quote.on_requested,
            when=when,
        )
    else:
        now = _("The plan now says: {why}", why=why)
    # TRANSLATORS: {now} is the sentence "The plan now says: …"; {why} what holds the order back.
    text = _(
        "Order {ref} ({qty} {sku} for {customer} on {when}) is at risk: the factory's capacity "
        "or material changed and it cannot be promised within the planning horizon. {now} "
        "({why}). It holds nothing now: talk to the customer early, and quote it again.",
        ref=escape(row.ref),
        qty=row.qty,
        sku=escape(row.sku),
        customer=escape(row.customer.name),
        when=when,
        now=now,
        why=why,
    )
    return clip(":warning: " + text, MESSAGE_TEXT)


def summary_text(result: Replan, as_of: date, *, who: str | None = None) -> str:
    """Operations' summary of one change: what moved, from and to, and what is now at risk.
    Orders that nobody in Slack owns are marked, since nobody else is told."""
    change = change_words(result.change)
    if change and who:
        head = _("*{change}* (reported by <@{who}>)", change=escape(change), who=who)
    elif change:
        head = f"*{escape(change)}*"
    elif who:
        head = _("*Re-plan* (reported by <@{who}>)", who=who)
    else:
        head = _("*Re-plan*")
    lines = [head]
    if not result.released:
        lines.append(_("No promise had to move."))
    if result.kept:
        lines.append(
            _("Kept their date with a new reservation: {refs}", refs=", ".join(result.kept))
        )
    if result.moved:
        lines.append(_("Moved ({n}):", n=len(result.moved)))
        for m in result.moved:
            fields = {
                "ref": m.ref,
                "qty": m.qty,
                "sku": escape(m.sku),
                "customer": escape(m.customer),
                "old": day(m.from_on, as_of),
                "new": day(m.to_on, as_of),
            }
            if m.owner:
                line = _("{ref} {qty} {sku} for {customer}: {old} → {new}", **fields)
            else:
                line = _(
                    "{ref} {qty} {sku} for {customer}: {old} → {new} — _nobody in Slack owns "
                    "it: tell the customer_",
                    **fields,
                )
            lines.append(f"• {line}")
    if result.at_risk:
        lines.append(_("Now at risk ({n}):", n=len(result.at_risk)))
        for r in result.at_risk:
            fields = {
                "ref": r.ref,
                "qty": r.qty,
                "sku": escape(r.sku),
                "customer": escape(r.customer),
                "reason": escape(at_risk_text(r.reason, r.facts, as_of) or r.reason),
            }
            if r.owner:
                line = _("{ref} {qty} {sku} for {customer}: {reason}", **fields)
            else:
                line = _(
                    "{ref} {qty} {sku} for {customer}: {reason} — _nobody in Slack owns it_",
                    **fields,
                )
            lines.append(f"• {line}")
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
