"""`promisebot demo [--port 3000] [--as-of DATE]`: the whole bot in a browser, no Slack needed.

Starts the sandbox (`bot.sandbox.server.Sandbox`): the database prepared for the demo (migrated,
the demo factory booked, a week of history), a local stand-in for Slack, the real Bolt app over
HTTP, and the page at http://127.0.0.1:3000. No token, no network. Ctrl-C stops it all.

Unlike the planning commands, `run(args, settings)` gets the settings, not an OrderService: the
database may still be empty, and preparing it is part of the command.

The demo keeps to a database of its own, the SQLite file `promisebot-demo.db` in the current
folder, whatever DATABASE_URL says: it books a made-up factory and a made-up past, which must
never land in a real database. `--database-url` names another one, which must be empty or
already the demo's; anything else is refused with exit code 2 and left exactly as it was.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from bot.cli.common import EXIT_BAD_INPUT, EXIT_OK, iso_date, shown
from bot.platform.settings import Settings

DEMO_DATABASE_URL = "sqlite:///promisebot-demo.db"
"""The demo's own database, used unless --database-url names another."""


def add_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="the page's port on 127.0.0.1 (default: $PORT or 3000; 0 picks a free one)",
    )
    parser.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        help="the planning date (default: $PROMISEBOT_AS_OF, else today, or the next Monday on a "
        "weekend); the demo factory's dates move with it",
    )
    parser.add_argument(
        "--languages",
        type=cast_languages,
        default={},
        metavar="sam=vi,pat=zh_Hans",
        help="the Slack language of each of the cast (sam, pat, morgan): en, vi or zh_Hans "
        "(default: en for all); each can still switch on the page",
    )


def cast_languages(text: str) -> dict[str, str]:
    """`sam=vi,pat=zh_Hans` as {user id: language}; ArgumentTypeError naming what is wrong."""
    from bot.platform import i18n
    from bot.sandbox.seed import PEOPLE

    names = {p.name: p.user_id for p in PEOPLE}
    chosen: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, language = part.partition("=")
        if name.strip().lower() not in names:
            raise argparse.ArgumentTypeError(
                f"{name.strip()!r} is not one of the cast; use {', '.join(names)}"
            )
        try:
            chosen[names[name.strip().lower()]] = i18n.parse_language(language)
        except i18n.UnknownLanguage as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return chosen


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Try promisebot in a browser: a local Slack, the real app and the demo factory."""
    from bot.sandbox.seed import (
        DemoDatabase,
        ForeignDatabase,
        NotTheDemoFactory,
        demo_today,
        inspect_database,
    )
    from bot.sandbox.server import Sandbox

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # `kill PID` stops it as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    port = settings.port if args.port is None else args.port
    as_of = args.as_of or settings.as_of or demo_today(settings)
    explicit = getattr(args, "database_url", None)
    url = explicit or DEMO_DATABASE_URL
    print("Starting the promisebot sandbox (no Slack, no network)…", flush=True)
    try:
        if explicit is None:
            print(f"  Its own database: {shown(url)} (DATABASE_URL is not used).", flush=True)
            found = inspect_database(url, as_of)
            if found.state in (DemoDatabase.OTHER_DAY, DemoDatabase.UNFINISHED):
                _remove_sqlite_file(url)
                held = (
                    f"the demo as of {found.seeded_on}" if found.seeded_on else "a half-made demo"
                )
                print(f"  Started it afresh (it held {held}).", flush=True)
        sandbox = Sandbox(
            dataclasses.replace(settings, database_url=url),
            port=port,
            as_of=as_of,
            languages=args.languages,
        )
        sandbox.start()
    except NotTheDemoFactory as error:
        print(f"promisebot demo: {shown(url)}: {error}.", file=sys.stderr)
        if isinstance(error, ForeignDatabase):
            hint = (
                "Name an empty database, or leave out --database-url: the demo then keeps to its "
                f"own {DEMO_DATABASE_URL.removeprefix('sqlite:///')}."
                if explicit
                else "Move that file away (or delete it), and the demo makes a new one."
            )
            print(f"Nothing was changed. {hint}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except sa.exc.OperationalError as error:
        print(f"promisebot demo: cannot open {shown(url)}: {error.orig}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(
            f"promisebot demo: cannot listen on 127.0.0.1:{port} ({error.strerror or error}); "
            "pass another --port",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        for line in sandbox.prepared:
            print(f"  {line}")
        print(
            f"\nOpen {sandbox.url} in your browser.\n"
            "  Be Sam (sales), Pat (planner) or Morgan (plant manager); start with the three "
            "first steps at the top.\n  Ctrl-C stops the sandbox.",
            flush=True,
        )
        sandbox.wait()
    except KeyboardInterrupt:
        print("\nStopping the sandbox…", flush=True)
    finally:
        sandbox.close()
    print("Stopped.", flush=True)
    return EXIT_OK


def _remove_sqlite_file(url: str) -> None:
    """Delete the demo's own SQLite file and its WAL companions, to prepare it again."""
    database = sa.make_url(url).database
    assert database, url
    for suffix in ("", "-wal", "-shm"):
        Path(database + suffix).unlink(missing_ok=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {
    "demo": (
        "try promisebot in a browser: a local Slack, the real app and the demo factory",
        add_demo,
        run_demo,
    ),
}
