"""The change commands of `promisebot`: capacity, receipt and count, and replan.

Each change is checked, applied and re-planned in one transaction (OrderService.apply_change):
orders it breaks keep their date, move to their new earliest date, or are at risk; `--dry-run`
prints the same answer and changes nothing. `replan` re-checks every promise after data changed
outside the bot and brings moved orders back where the plan now allows. With `--json` all four
print `{"kept": [REF…], "moved": [{"ref", "from", "to"}…], "at_risk": [REF…]}`. Bad input (an
unknown work center, item or receipt, a day outside the horizon, a negative amount) exits 2 with
what to fix, and nothing is changed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from bot.cli.common import EXIT_BAD_INPUT, EXIT_OK, iso_date
from bot.promising.orders import OrderService
from bot.promising.replan import Replan, result_lines
from capacity.changes import CapacityChange, Change, CountChange, ReceiptChange
from capacity.model import PlanningError


def _amount(text: str) -> float:
    """A number (checked for sign by the change itself, so the message names what it is)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would move; change nothing"
    )
    parser.add_argument("--json", action="store_true")


def _print(args: argparse.Namespace, result: Replan, service: OrderService) -> int:
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print("\n".join(result_lines(result, service.today())))
    return EXIT_OK


def _apply(args: argparse.Namespace, service: OrderService, change: Change) -> int:
    try:
        result = service.apply_change(change, dry_run=args.dry_run, actor="cli")
    except PlanningError as error:
        if args.json:
            print(json.dumps({"error": str(error)}))
        else:
            print(f"promisebot {args.command}: {error}; nothing was changed", file=sys.stderr)
        return EXIT_BAD_INPUT
    return _print(args, result, service)


# ---------------------------------------------------------------------- capacity


def add_capacity(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("work_center", metavar="WC", help="the work center's code")
    parser.add_argument("--from", dest="first", type=iso_date, required=True, help="first day")
    parser.add_argument(
        "--to", dest="last", type=iso_date, default=None, help="last day (default: --from)"
    )
    hours = parser.add_mutually_exclusive_group(required=True)
    hours.add_argument("--hours", type=_amount, help="the whole capacity of each day, in hours")
    hours.add_argument("--closed", action="store_true", help="no capacity on those days")
    parser.add_argument("--reason", default="", help="said to the owners of the orders it moves")
    _common(parser)


def run_capacity(args: argparse.Namespace, service: OrderService) -> int:
    hours = 0.0 if args.closed else args.hours
    change = CapacityChange(
        args.work_center, args.first, args.last or args.first, hours, args.reason
    )
    return _apply(args, service, change)


# ---------------------------------------------------------------------- receipt and count


def add_receipt(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sku", metavar="SKU")
    parser.add_argument("ref", metavar="REF", help="the receipt's ref in receipts.csv")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--date", type=iso_date, help="the day it now arrives")
    what.add_argument("--qty", type=_amount, help="what it now brings (0 cancels it)")
    _common(parser)


def run_receipt(args: argparse.Namespace, service: OrderService) -> int:
    return _apply(args, service, ReceiptChange(args.sku, args.ref, on=args.date, qty=args.qty))


def add_count(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sku", metavar="SKU")
    parser.add_argument("qty", metavar="QTY", type=_amount, help="what is on hand now")
    _common(parser)


def run_count(args: argparse.Namespace, service: OrderService) -> int:
    return _apply(args, service, CountChange(args.sku, args.qty))


# ---------------------------------------------------------------------- replan


def add_replan(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", type=iso_date, default=None, help="the planning date")
    _common(parser)


def run_replan(args: argparse.Namespace, service: OrderService) -> int:
    result = service.replan(as_of=args.as_of, dry_run=args.dry_run, actor="cli")
    return _print(args, result, service)


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {
    "capacity": (
        "Set a work center's hours (or close it) from --from to --to and re-plan",
        add_capacity,
        run_capacity,
    ),
    "receipt": (
        "A receipt arrives on another day or brings another quantity",
        add_receipt,
        run_receipt,
    ),
    "count": ("Set an item's on-hand quantity after a stock count", add_count, run_count),
    "replan": (
        "Re-check every promise and bring moved orders back where the plan allows",
        add_replan,
        run_replan,
    ),
}
