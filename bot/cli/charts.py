"""The planner's view from the terminal: `promisebot chart load|order` and `promisebot sequence`.

    promisebot chart load CNC [--weeks 4] --out cnc.png [--json]
    promisebot chart order PB-00012 --out order.png [--json]
    promisebot sequence LASER BEND [PAINT] [--week DATE] [--out FILE.png] [--json]

Each chart is a 1200×600 PNG; `--json` prints the numbers it draws, and without `--json` the
command prints them in words.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from bot.cli.common import EXIT_BAD_INPUT, EXIT_OK, iso_date
from bot.planner.gantt import order_plan, render_order_png
from bot.planner.load import load_chart, render_load_png
from bot.planner.sequence import render_sequence_png, sequence_week
from bot.promising.orders import OrderService


def add_chart(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kind", choices=["load", "order"], help="load: a work center's load; order: an order's plan"
    )
    parser.add_argument("target", metavar="WC|REF", help="a work center's code, or an order's ref")
    parser.add_argument(
        "--weeks", type=int, default=4, help="load: how many weeks (default 4, at most 26)"
    )
    parser.add_argument("--out", type=Path, help="write the chart here (a .png file)")
    parser.add_argument("--json", action="store_true", help="print the chart's numbers as JSON")


def run_chart(args: argparse.Namespace, service: OrderService) -> int:
    if args.out is None and not args.json:
        print(
            f"promisebot chart {args.kind}: give --out FILE.png, --json, or both", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    if args.kind == "load":
        chart = load_chart(service, args.target, weeks=args.weeks)
        data, text, draw = chart.to_json(), chart.summary(), lambda: render_load_png(chart)
    else:
        plan = order_plan(service, args.target)
        data, text, draw = plan.to_json(), "\n".join(plan.lines()), lambda: render_order_png(plan)
    return _emit(args, data, text, draw)


def add_sequence(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("line", nargs="+", metavar="WC", help="two (or three) work center codes")
    parser.add_argument("--week", type=iso_date, default=None, help="a day of the week to sequence")
    parser.add_argument("--out", type=Path, help="write both orders' Gantt charts here (.png)")
    parser.add_argument("--json", action="store_true", help="print the sequence as JSON")


def run_sequence(args: argparse.Namespace, service: OrderService) -> int:
    result = sequence_week(service, args.line, week=args.week)
    return _emit(
        args, result.to_json(), "\n".join(result.lines()), lambda: render_sequence_png(result)
    )


def _emit(
    args: argparse.Namespace, data: dict[str, object], text: str, draw: Callable[[], bytes]
) -> int:
    if args.out is not None:
        if args.out.suffix.lower() != ".png":
            print(f"promisebot: {args.out} should end in .png", file=sys.stderr)
            return EXIT_BAD_INPUT
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(draw())
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(text)
        if args.out is not None:
            print(f"Wrote {args.out}.")
    return EXIT_OK


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {
    "chart": (
        "Draw a work center's load or an order's plan (PNG, or its numbers)",
        add_chart,
        run_chart,
    ),
    "sequence": (
        "Johnson's order for a week's orders on a two-step line, against the promised order",
        add_sequence,
        run_sequence,
    ),
}
