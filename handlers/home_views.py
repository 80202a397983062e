"""The App Home tab as drawn: a salesperson's quotes, holds and orders; operations' requests, the
orders to ship and the load. Pure functions; handlers.home reads the services and publishes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.platform import blockkit as kit
from bot.platform import i18n
from bot.platform.i18n import gettext as _
from bot.platform.i18n import ngettext
from handlers.language_views import language_select
from handlers.orders_views import (
    CANCEL,
    CONFIRM,
    SHIP,
    confirm_cancel,
    confirm_order,
    order_who,
)
from handlers.planner_views import load_buttons


@dataclass(frozen=True)
class HomeOrder:
    ref: str
    qty: int
    sku: str
    customer: str
    status: str
    on: date | None
    expires_at: datetime | None = None
    order_id: int | None = None
    version: int | None = None
    shipped: int = 0


@dataclass(frozen=True)
class HomeRequest:
    request_id: int
    question: str
    requested_by: str
    asked_at: datetime


@dataclass(frozen=True)
class HomeLoad:
    work_center: str
    reserved_hours: float
    capacity_hours: float


def home_view(
    *,
    role: str,
    as_of: date,
    quotes: Sequence[HomeOrder] = (),
    holds: Sequence[HomeOrder] = (),
    confirmed: Sequence[HomeOrder] = (),
    requests: Sequence[HomeRequest] = (),
    load: Sequence[HomeLoad] | None = None,
    to_ship: Sequence[HomeOrder] | None = None,
    chosen_language: str | None = None,
) -> dict[str, Any]:
    """The Home tab: a salesperson's quotes, holds (to confirm or cancel) and orders; operations'
    requests, the orders to ship (with Ship buttons) and the load."""
    blocks: list[dict[str, Any]] = [kit.header("promisebot")]
    # The reader's language, and the select to choose another, for every role.
    blocks += language_select(i18n.active(), chosen_language)
    blocks.append(kit.context(_who(role, kit.day(as_of))))
    sales_side = role in ("sales", "manager", "admin")
    ops_side = role in ("operations", "manager", "admin")
    if sales_side:
        blocks.append(kit.section(_("*Waiting for operations*")))
        blocks += _order_lines(
            quotes, as_of, _("No open questions to operations."), limit=8, more=_more_questions
        )
        blocks.append(kit.section(_("*Holds* (they expire; confirm to keep them)")))
        blocks += _hold_lines(holds, as_of, limit=10)
        blocks.append(kit.section(_("*Confirmed orders*")))
        blocks += _order_lines(
            confirmed, as_of, _("No confirmed orders."), limit=10, more=_more_confirmed
        )
    if ops_side:
        blocks.append(kit.divider())
        blocks.append(kit.section(_("*Open capacity requests*")))
        if requests:
            for request in requests[:10]:
                blocks.append(
                    kit.section(
                        f"#{request.request_id} {kit.escape(request.question)}\n"
                        + _(
                            "asked by {person} {when}",
                            person=kit.mention(request.requested_by),
                            when=kit.when(request.asked_at),
                        )
                    )
                )
            if len(requests) > 10:
                left_out = kit.and_more(len(requests) - 10, _more_requests)
                blocks.append(kit.context(left_out))
        else:
            blocks.append(kit.context(_("No open requests.")))
        if to_ship is not None:
            blocks.append(
                kit.section(_("*To ship* (confirmed orders due within 7 days, or overdue)"))
            )
            blocks += _ship_lines(to_ship, as_of, limit=15)
        if load is not None:
            blocks.append(kit.section(_("*This week's load by work center*")))
            lines = []
            for row in load:
                share = row.reserved_hours / row.capacity_hours if row.capacity_hours else 0.0
                bar = "█" * round(min(share, 1.0) * 10) + "░" * (10 - round(min(share, 1.0) * 10))
                lines.append(
                    # TRANSLATORS: code is a work center (padded), bar a row of blocks, share
                    # its load (85%), reserved and capacity hours with one decimal.
                    _(
                        "`{code}` {bar} {share} ({reserved} of {capacity} h)",
                        code=kit.escape(row.work_center).ljust(8),
                        bar=bar,
                        share=format(share, ".0%"),
                        reserved=format(row.reserved_hours, ".1f"),
                        capacity=format(row.capacity_hours, ".1f"),
                    )
                )
            shown = kit.lines_within(lines, kit.SECTION_TEXT, more=_more_work_centers)
            blocks.append(kit.section(shown or _("No work centers.")))
            blocks += load_buttons([row.work_center for row in load])
    return kit.home(blocks)


def _who(role: str, day: str) -> str:
    """Who the tab is drawn for, one whole sentence per role."""
    if role == "sales":
        return _("You are sales · planned as of {day}", day=day)
    if role == "operations":
        return _("You are operations · planned as of {day}", day=day)
    if role == "manager":
        return _("You are manager · planned as of {day}", day=day)
    if role == "admin":
        return _("You are admin · planned as of {day}", day=day)
    return _("You are {role} · planned as of {day}", role=role, day=day)


def _order_lines(
    orders: Sequence[HomeOrder],
    as_of: date,
    empty: str,
    *,
    limit: int,
    more: kit.More | None = None,
) -> list[dict[str, Any]]:
    if not orders:
        return [kit.context(empty)]
    lines = []
    for order in orders[:limit]:
        text = f"*{order.ref}* {order_who(order.qty, order.sku, order.customer)}"
        if order.on is not None:
            text += f" · {kit.day(order.on, as_of)}"
        if order.status == "held" and order.expires_at is not None:
            text += " · " + _("expires {when}", when=kit.when(order.expires_at))
        lines.append(text)
    blocks = [kit.section(kit.lines_within(lines, kit.SECTION_TEXT, more=more))]
    if len(orders) > limit:
        blocks.append(kit.context(kit.and_more(len(orders) - limit, more)))
    return blocks


def _hold_lines(holds: Sequence[HomeOrder], as_of: date, *, limit: int) -> list[dict[str, Any]]:
    """Each hold with Confirm and Cancel (the order's version in the value: a stale click is
    refused)."""
    if not holds:
        return [kit.context(_("No holds."))]
    blocks: list[dict[str, Any]] = []
    for order in holds[:limit]:
        blocks += _order_lines([order], as_of, "", limit=1)
        if order.order_id is None:
            continue
        value = kit.ButtonValue(order=order.order_id, ver=order.version)
        confirm = (
            confirm_order(order.qty, order.sku, order.customer, order.on, as_of)
            if order.on is not None
            else None
        )
        buttons = [
            kit.button(_("Confirm"), CONFIRM, value, "primary", confirm=confirm),
            kit.button(_("Cancel"), CANCEL, value, confirm=confirm_cancel()),
        ]
        blocks.append(kit.actions(buttons))
    if len(holds) > limit:
        left_out = kit.and_more(len(holds) - limit, _more_holds)
        blocks.append(kit.context(left_out))
    return blocks


def _ship_lines(orders: Sequence[HomeOrder], as_of: date, *, limit: int) -> list[dict[str, Any]]:
    """Orders to ship, earliest first, each with a Ship button (operations record shipments)."""
    if not orders:
        return [kit.context(_("Nothing due to ship in the next 7 days."))]
    blocks: list[dict[str, Any]] = []
    for order in orders[:limit]:
        text = f"*{kit.escape(order.ref)}* {order_who(order.qty, order.sku, order.customer)}"
        if order.on is not None:
            late = " · :warning: " + _("overdue") if order.on < as_of else ""
            text += f" · {kit.day(order.on, as_of)}{late}"
        if order.shipped:
            text += " · " + _("{shipped} of {qty} shipped", shipped=order.shipped, qty=order.qty)
        if order.status == "at_risk":
            text += " · " + _("at risk")
        accessory = None
        if order.order_id is not None:
            ship = kit.ButtonValue(order=order.order_id, ver=order.version)
            accessory = kit.button(_("Ship…"), SHIP, ship)
        blocks.append(kit.section(text, accessory=accessory))
    if len(orders) > limit:
        blocks.append(kit.context(kit.and_more(len(orders) - limit, _more_to_ship)))
    return blocks


def _more_requests(n: int) -> str:
    return ngettext("and {n} more request: the newest", "and {n} more requests: the newest", n, n=n)


def _more_work_centers(n: int) -> str:
    return ngettext("and {n} more work center", "and {n} more work centers", n, n=n)


def _more_holds(n: int) -> str:
    return ngettext(
        "and {n} more hold: those expiring last", "and {n} more holds: those expiring last", n, n=n
    )


def _more_to_ship(n: int) -> str:
    return ngettext("and {n} more to ship: due latest", "and {n} more to ship: due latest", n, n=n)


def _more_questions(n: int) -> str:
    return ngettext(
        "and {n} more question: the latest days", "and {n} more questions: the latest days", n, n=n
    )


def _more_confirmed(n: int) -> str:
    return ngettext(
        "and {n} more confirmed order: the latest days",
        "and {n} more confirmed orders: the latest days",
        n,
        n=n,
    )
