"""`promisebot simulate`: how many promises each way of quoting keeps, and at what lead time.

    promisebot simulate [--factory DIR] [--demand FILE.csv | --orders-per-day X] [--days 180]
        [--seeds 1,2,3] [--policies fixed,backlog,ctp,ctp-repromise] [--fixed-days 0,5,10,20]
        [--slack-days 0,2] [--disruptions default|none|FILE] [--workers N] [--as-of DATE]
        [--json] [--out DIR]

Without --factory it simulates the database's factory and only reads the database. It prints
the table (or the JSON with --json); --out DIR writes report.md and the PNG charts there.
Exit codes: 0 done, 2 bad input (a flag, or a demand or disruptions file, with every problem
as `file:row: column: what is wrong; expected …`).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.cli.common import EXIT_OK, BadInput, iso_date
from bot.platform.clock import Clock
from bot.platform.settings import Settings
from bot.simulation import report
from bot.simulation.files import read_demand, read_disruptions
from bot.simulation.runner import DisruptionMode, Study, run_study
from bot.simulation.sources import Source, from_database, from_folder
from capacity.simulation import POLICIES, Disruptions, Policy, Setting, summarize


def _whole_list(text: str) -> tuple[int, ...]:
    """An argparse type: `0,5,10` as whole numbers ≥ 0, each once."""
    values: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise argparse.ArgumentTypeError(
                f"{part!r} is not a whole number ≥ 0; write a list like 0,5,10"
            )
        if int(part) not in values:
            values.append(int(part))
    return tuple(values)


def _policies(text: str) -> tuple[Policy, ...]:
    chosen: list[Policy] = []
    for part in text.split(","):
        name = part.strip().lower()
        match = next((p for p in POLICIES if p == name), None)
        if match is None:
            close = difflib.get_close_matches(name, POLICIES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} is not a policy{hint}; choose from {', '.join(POLICIES)}"
            )
        if match not in chosen:
            chosen.append(match)
    return tuple(chosen)


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} should be more than 0")
        return value

    return parse


def add_simulate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--factory", type=Path, help="a factory folder (default: the database's factory)"
    )
    demand = parser.add_mutually_exclusive_group()
    demand.add_argument(
        "--demand",
        type=Path,
        metavar="FILE.csv",
        help="replay these orders (date,customer,sku,qty,requested[,latest]) instead of "
        "generating them",
    )
    demand.add_argument(
        "--orders-per-day",
        type=_positive(float),
        metavar="X",
        help="mean orders a workday (default: the rate that loads the most loaded work center "
        "to 85 %% of its normal capacity)",
    )
    parser.add_argument(
        "--days", type=_positive(int), default=180, help="days of orders (default 180)"
    )
    parser.add_argument(
        "--seeds", type=_whole_list, default=(1, 2, 3), help="seeds, e.g. 1,2,3 (the default)"
    )
    parser.add_argument(
        "--policies",
        type=_policies,
        default=POLICIES,
        help=f"which ways of promising (default {','.join(POLICIES)})",
    )
    parser.add_argument(
        "--fixed-days",
        type=_whole_list,
        default=(0, 5, 10, 20),
        metavar="K,…",
        help="fixed and backlog: extra calendar days on the catalog lead time (default 0,5,10,20)",
    )
    parser.add_argument(
        "--slack-days",
        type=_whole_list,
        default=(0, 2),
        metavar="S,…",
        help="ctp and ctp-repromise: workdays of slack on the quote (default 0,2)",
    )
    parser.add_argument(
        "--disruptions",
        default="default",
        metavar="default|none|FILE",
        help="breakdowns and late deliveries: drawn from the seed (default), none, or a file "
        "(kind,code,date,days)",
    )
    parser.add_argument(
        "--workers", type=_positive(int), default=1, help="processes to run in (default 1)"
    )
    parser.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        help="the first simulated day (default: the planning date)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--out", type=Path, help="write report.md and the charts to this folder")


def run_simulate(args: argparse.Namespace, settings: Settings) -> int:
    """Compare ways of promising on months of simulated orders, breakdowns and late deliveries"""
    start = args.as_of or Clock.from_settings(settings).today()
    days = int(args.days)
    source: Source
    if args.factory is not None:
        source = from_folder(args.factory, settings, start=start, days=days)
    else:
        source = from_database(settings, start=start, days=days)
    factory = source.factory
    if not factory.work_centers or not factory.items:
        raise BadInput(
            f"{source.name} has no work centers or items; import one with `promisebot import "
            f"DIR` or give --factory DIR"
        )
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise BadInput(f"--out {args.out} is a file; expected a folder")
    demand = None
    if args.demand is not None:
        demand = read_demand(args.demand, factory, start=start, days=days)
    disruptions: DisruptionMode | Disruptions
    if args.disruptions == "default":
        disruptions = "default"
    elif args.disruptions == "none":
        disruptions = "none"
    else:
        disruptions = read_disruptions(Path(args.disruptions), factory, start=start)
    settings_run = [
        Setting(policy, value)
        for policy in args.policies
        for value in (args.fixed_days if policy in ("fixed", "backlog") else args.slack_days)
    ]
    study = Study(
        factory=factory,
        start=start,
        days=days,
        seeds=tuple(args.seeds),
        settings=tuple(settings_run),
        quantities=source.quantities,
        orders_per_day=args.orders_per_day,
        demand=demand,
        disruptions=disruptions,
        horizon_days=settings.horizon_days,
    )
    about = _about(args, source, study)
    figures = summarize(run_study(study, workers=int(args.workers)))
    if args.json:
        print(json.dumps(report.to_json(figures, days, study.seeds), indent=2))
    else:
        print("\n".join(about))
        print()
        print("\n".join(report.table_lines(figures)))
        sentence = report.headline(figures)
        if sentence:
            print()
            print(sentence)
    if args.out is not None:
        out: Path = args.out
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.md").write_text(report.to_markdown(figures, about), encoding="utf-8")
        for name, data in report.charts(figures).items():
            (out / name).write_bytes(data)
        note = f"Wrote {out / 'report.md'} and {len(report.CHART_FILES)} charts."
        print(note, file=sys.stderr if args.json else sys.stdout)
    return EXIT_OK


def _about(args: argparse.Namespace, source: Source, study: Study) -> list[str]:
    last = study.start + timedelta(study.days - 1)
    lines = [
        f"factory: {source.name}",
        f"days of orders: {study.days}, {study.start.isoformat()} to {last.isoformat()}, "
        f"then on until every accepted order has shipped",
    ]
    if study.demand is not None:
        lines.append(f"orders: the {len(study.demand)} orders of {args.demand}")
    else:
        lines.append(f"orders: generated, {study.rate:.2f} a workday on average")
    lines.append(f"seeds: {', '.join(str(s) for s in study.seeds)}")
    where = {
        "default": "breakdowns and late deliveries drawn from each seed",
        "none": "none",
    }.get(str(args.disruptions), f"from {args.disruptions}")
    lines.append(f"disruptions: {where}")
    return lines


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {
    "simulate": (
        "Compare ways of promising on months of simulated orders, breakdowns and late deliveries",
        add_simulate,
        run_simulate,
    ),
}
