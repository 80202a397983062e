"""The `promisebot` command line: one module per command group, assembled here.

Exit codes: 0 done, 2 bad input (the message says what to fix, nothing was changed), 3 a hold or
confirmation the plan refused, 1 anything unexpected (with a traceback on stderr).

Adding a command: in its group's module write `add_arguments(parser)` and a run function, and list
it in that module's COMMANDS. Commands that plan get the `OrderService` built from the settings
(`run(args, service)`); the rest get the settings (`run(args, settings)`). The run function's
docstring's first line, or the help text given with it, is the command's help. Raise BadInput (or
FactoryFileError, PlanningError) for input the user can fix.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence

from bot.cli import changes, charts, db, demo, digest, factory, planning, run, simulate
from bot.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_UNEXPECTED,
    AddArguments,
    BadInput,
    Run,
)
from bot.factory.files import FactoryFileError
from bot.platform.db.session import (
    SchemaNotCurrent,
    make_engine,
    make_session_factory,
    require_current_schema,
)
from bot.platform.settings import Settings
from bot.promising.orders import OrderService
from capacity.model import PlanningError

__all__ = ["BadInput", "COMMANDS", "build_parser", "main"]


def _with_service(help_text: str, run: Callable[..., int]) -> Run:
    """Adapt a planning command `run(args, service)` to `run(args, settings)`."""

    def adapted(args: argparse.Namespace, settings: Settings) -> int:
        engine = make_engine(settings.database_url)
        try:
            require_current_schema(engine)
            return run(args, OrderService(settings, make_session_factory(engine)))
        finally:
            engine.dispose()

    adapted.__doc__ = help_text
    return adapted


def _with_help(help_text: str, run: Run) -> Run:
    run.__doc__ = help_text
    return run


COMMANDS: dict[str, tuple[AddArguments, Run]] = {
    **db.COMMANDS,
    **factory.COMMANDS,
    **{
        name: (add_arguments, _with_service(help_text, run_command))
        for group in (planning, changes, charts, run, digest)
        for name, (help_text, add_arguments, run_command) in group.COMMANDS.items()
    },
    # The demo prepares its database itself, and a simulation may need none (--factory DIR):
    # both get the settings, unchecked.
    **{
        name: (add_arguments, _with_help(help_text, run_command))
        for group in (demo, simulate)
        for name, (help_text, add_arguments, run_command) in group.COMMANDS.items()
    },
}


def build_parser() -> argparse.ArgumentParser:
    # --database-url is accepted before or after the command name.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="the database to use (default: $DATABASE_URL, else sqlite:///promisebot.db; "
        "the demo uses its own, sqlite:///promisebot-demo.db)",
    )
    parser = argparse.ArgumentParser(
        prog="promisebot",
        description="Quote delivery dates the factory can keep.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (add_arguments, command) in COMMANDS.items():
        doc = command.__doc__
        summary = doc.strip().splitlines()[0] if doc else None
        sub = commands.add_parser(name, help=summary, description=summary, parents=[common])
        add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run `promisebot ARGS`; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(os.environ if env is None else env)
    except ValueError as error:
        print(f"promisebot: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if getattr(args, "database_url", None):
        settings = dataclasses.replace(settings, database_url=args.database_url)
    _, command = COMMANDS[args.command]
    try:
        return command(args, settings)
    except FactoryFileError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = len(error.problems)
        print(
            f"promisebot {args.command}: {count} problem{'s' * (count != 1)}; nothing was changed",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except (BadInput, PlanningError, SchemaNotCurrent) as error:
        print(f"promisebot {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception:
        traceback.print_exc()
        print(f"promisebot {args.command}: unexpected error (details above)", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
