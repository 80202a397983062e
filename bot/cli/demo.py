"""`promisebot demo [--port 3000] [--as-of DATE]`: the whole bot in a browser, no Slack needed.

Starts the sandbox (`bot.sandbox.server.Sandbox`): the database prepared for the demo (migrated,
the demo factory booked, a week of history), a local stand-in for Slack, the real Bolt app over
HTTP, and the page at http://127.0.0.1:3000. No token, no network. Ctrl-C stops it all.

Unlike the planning commands, `run(args, settings)` gets the settings, not an OrderService: the
database may still be empty, and preparing it is part of the command.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable

from bot.cli.common import EXIT_BAD_INPUT, EXIT_OK, iso_date
from bot.platform.settings import Settings


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
        help="the planning date (default: $PROMISEBOT_AS_OF, else the demo factory's, 2026-11-23)",
    )


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Try promisebot in a browser: a local Slack, the real app and the demo factory."""
    from bot.sandbox.seed import NotTheDemoFactory
    from bot.sandbox.server import Sandbox

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # `kill PID` stops it as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    port = settings.port if args.port is None else args.port
    sandbox = Sandbox(settings, port=port, as_of=args.as_of or settings.as_of)
    print("Starting the promisebot sandbox (no Slack, no network)…", flush=True)
    try:
        sandbox.start()
    except NotTheDemoFactory as error:
        print(f"promisebot demo: {error}", file=sys.stderr)
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


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {
    "demo": (
        "try promisebot in a browser: a local Slack, the real app and the demo factory",
        add_demo,
        run_demo,
    ),
}
