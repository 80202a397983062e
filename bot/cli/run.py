"""`promisebot run`: serve the Slack app (HTTP on PORT under uvicorn, or Socket Mode), deliver
the outbox, and run the scheduled jobs while this process holds the scheduler lease.

Registered in the CLI like the planning commands: `COMMANDS = {"run": (help, add_arguments,
run)}`, where `run(args, service)` gets the OrderService built from the settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from bot.app import Services, build_app, web_client
from bot.app.background import Background
from bot.app.server import serve
from bot.cli.common import EXIT_BAD_INPUT, EXIT_OK
from bot.promising.orders import OrderService


def add_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (HTTP mode)")
    parser.add_argument("--port", type=int, default=None, help="port (default: $PORT or 3000)")


def run(args: argparse.Namespace, service: OrderService) -> int:
    """Serve the Slack app, deliver the outbox and run the scheduler, until interrupted."""
    settings = service.settings
    if args.port is not None:
        settings = dataclasses.replace(settings, port=args.port)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        services = Services.create(settings, service.sessions, orders=service)
        app = build_app(settings, services)
    except ValueError as error:
        print(f"promisebot run: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    # Build the engine (seconds on a large factory) while the server starts, not on the first
    # /promise, which Slack would otherwise see as slow.
    threading.Thread(target=services.orders.engine, name="engine-warm-up", daemon=True).start()
    background = Background.start_for(settings, services, web_client(settings))
    try:
        with _sigterm_as_interrupt():
            serve(app, settings, host=args.host, status=background.status)
    except KeyboardInterrupt:
        pass
    finally:
        background.stop()
    return EXIT_OK


class _sigterm_as_interrupt:
    """SIGTERM (a deploy, `docker stop`) ends the run like Ctrl-C, so the background work stops
    cleanly and the scheduler lease is given back. uvicorn handles both signals itself while it
    serves; Socket Mode does not."""

    def __enter__(self) -> None:
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, _interrupt)

    def __exit__(self, *exc_info: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {
    "run": (
        "serve the Slack app (HTTP on PORT, or Socket Mode with SLACK_APP_TOKEN), deliver the "
        "outbox and run the scheduled jobs",
        add_run,
        run,
    ),
}
