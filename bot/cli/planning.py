"""The planning commands of `promisebot`: quote, hold, confirm, cancel, ship and plan.

Each command is `(add_arguments, run)`; `run(args, service)` prints its answer and returns the
exit code: 0 done, 2 bad input (unknown sku, bad quantity, unknown order), 3 refused because the
factory cannot keep it (the current quote is printed with the refusal).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from bot.cli.common import EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED, iso_date
from bot.promising.orders import (
    InvalidTransition,
    OrderNotFound,
    OrderService,
    OrderView,
    StaleOrder,
    quote_json,
)
from capacity.engine import format_day
from capacity.model import NotPromisable, PlanningError, Quote


def whole_qty(text: str) -> int:
    try:
        qty = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of units") from None
    if qty < 1:
        raise argparse.ArgumentTypeError(f"the quantity must be at least 1, not {qty}")
    return qty


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data, indent=2) if args.json else text)


def _fail(args: argparse.Namespace, error: Exception, code: int) -> int:
    data: dict[str, Any] = {"error": str(error)}
    if isinstance(error, NotPromisable):
        data["quote"] = quote_json(error.quote)
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2))
    else:
        print(f"promisebot: {error}", file=sys.stderr)
        if isinstance(error, NotPromisable):
            print(describe_quote(error.quote), file=sys.stderr)
    return code


def guarded(run: Callable[[argparse.Namespace, OrderService], int]) -> Callable[..., int]:
    """Turn the planners' refusals into exit codes and clear messages."""

    def wrapper(args: argparse.Namespace, service: OrderService) -> int:
        try:
            return run(args, service)
        except NotPromisable as error:
            return _fail(args, error, EXIT_REFUSED)
        except (OrderNotFound, InvalidTransition, StaleOrder, PlanningError) as error:
            return _fail(args, error, EXIT_BAD_INPUT)

    return wrapper


def describe_quote(quote: Quote) -> str:
    """The quote in a planner's words, for the terminal."""
    as_of = quote.as_of
    lines = [f"{quote.qty} {quote.sku} wanted {format_day(quote.requested, as_of)}:"]
    if quote.earliest is None:
        lines.append(f"  cannot be promised within the planning horizon ({quote.constraint.text})")
    elif quote.on_requested == quote.qty:
        lines.append(f"  all {quote.qty} can ship {format_day(quote.earliest, as_of)}")
    else:
        lines.append(f"  earliest for all {quote.qty}: {format_day(quote.earliest, as_of)}")
        lines.append(f"  on the wanted day: {quote.on_requested}")
    if quote.split:
        parts = ", then ".join(f"{lot.qty} on {format_day(lot.on, as_of)}" for lot in quote.split)
        lines.append(f"  split: {parts}")
    if quote.rush_earliest and quote.earliest and quote.rush_earliest < quote.earliest:
        lines.append(f"  with the rush reserve: {format_day(quote.rush_earliest, as_of)}")
    if quote.constraint.kind != "none":
        lines.append(f"  why: {quote.constraint.text}")
    return "\n".join(lines)


def describe_order(order: OrderView) -> str:
    when = format_day(order.promised_on) if order.promised_on else "no date"
    text = (
        f"{order.ref} (id {order.id}): {order.qty} {order.sku} for {order.customer} "
        f"on {when}, {order.status}"
    )
    if order.status == "held" and order.expires_at:
        text += f" until {order.expires_at:%Y-%m-%d %H:%M} UTC"
    if order.at_risk_reason:
        text += f"\n  at risk: {order.at_risk_reason}"
    return text


# ---------------------------------------------------------------------- quote


def add_quote(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sku")
    parser.add_argument("qty", type=whole_qty)
    parser.add_argument("--due", type=iso_date, required=True, help="the wanted date, YYYY-MM-DD")
    parser.add_argument("--customer", default=None)
    parser.add_argument("--rush", action="store_true", help="quote with the rush reserve released")
    parser.add_argument("--as-of", type=iso_date, default=None, help="the planning date")
    parser.add_argument("--json", action="store_true")


@guarded
def run_quote(args: argparse.Namespace, service: OrderService) -> int:
    quote = service.quote(args.sku, args.qty, args.due, rush=args.rush, as_of=args.as_of)
    _emit(args, quote_json(quote), describe_quote(quote))
    return EXIT_OK


# ---------------------------------------------------------------------- hold / confirm / cancel


def add_hold(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sku")
    parser.add_argument("qty", type=whole_qty)
    parser.add_argument("--date", type=iso_date, required=True, help="the promised date")
    parser.add_argument("--customer", required=True)
    parser.add_argument("--rush", action="store_true")
    parser.add_argument("--confirm", action="store_true", help="confirm at once instead of holding")
    parser.add_argument("--as-of", type=iso_date, default=None)
    parser.add_argument("--json", action="store_true")


@guarded
def run_hold(args: argparse.Namespace, service: OrderService) -> int:
    order = service.hold(
        args.sku,
        args.qty,
        args.date,
        customer=args.customer,
        rush=args.rush,
        as_of=args.as_of,
        confirm=args.confirm,
    )
    _emit(args, order.to_json(), describe_order(order))
    return EXIT_OK


def add_order_ref(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", help="the order's id or ref")
    parser.add_argument("--json", action="store_true")


@guarded
def run_confirm(args: argparse.Namespace, service: OrderService) -> int:
    order = service.confirm(args.id)
    _emit(args, order.to_json(), describe_order(order))
    return EXIT_OK


@guarded
def run_cancel(args: argparse.Namespace, service: OrderService) -> int:
    order = service.cancel(args.id)
    _emit(args, order.to_json(), describe_order(order))
    return EXIT_OK


def add_ship(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", help="the order's id or ref")
    parser.add_argument("--date", type=iso_date, default=None, help="shipped on (default today)")
    parser.add_argument("--qty", type=whole_qty, default=None, help="default: all that is left")
    parser.add_argument("--json", action="store_true")


@guarded
def run_ship(args: argparse.Namespace, service: OrderService) -> int:
    order = service.ship(args.id, on=args.date, qty=args.qty)
    _emit(args, order.to_json(), describe_order(order))
    return EXIT_OK


# ---------------------------------------------------------------------- plan


def add_plan(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", type=iso_date, default=None)
    parser.add_argument("--json", action="store_true")


@guarded
def run_plan(args: argparse.Namespace, service: OrderService) -> int:
    plan = service.plan(args.as_of)
    if args.json:
        orders = service.orders(statuses=["held", "confirmed", "at_risk"])
        data = {**plan, "orders": [_plan_order(order) for order in orders]}
        print(json.dumps(data))
        return EXIT_OK
    by_wc: dict[str, list[tuple[float, float]]] = {}
    for row in plan["load"]:
        by_wc.setdefault(row["work_center"], []).append((row["capacity"], row["reserved"]))
    print("work center   capacity h   reserved h   load")
    for code, days in by_wc.items():
        capacity = sum(c for c, _ in days)
        reserved = sum(r for _, r in days)
        load = reserved / capacity if capacity else 0.0
        print(f"{code:<12} {capacity:>11.1f} {reserved:>12.1f} {load:>6.0%}")
    return EXIT_OK


def _plan_order(order: OrderView) -> dict[str, Any]:
    full = order.to_json()
    keys = ("ref", "customer", "sku", "qty", "date", "status", "moved_from", "moved_to")
    return {key: full[key] for key in keys}


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {
    "quote": ("Quote a date for QTY of SKU wanted on --due", add_quote, run_quote),
    "hold": ("Hold capacity and material for an order", add_hold, run_hold),
    "confirm": ("Confirm a held order", add_order_ref, run_confirm),
    "cancel": ("Cancel an order and release what it held", add_order_ref, run_cancel),
    "ship": ("Record a shipment of an order", add_ship, run_ship),
    "plan": ("Load by work center and day, and stock by item", add_plan, run_plan),
}
