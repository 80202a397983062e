"""`promisebot run`: serve the Slack app (HTTP on PORT under uvicorn, or Socket Mode).

Registered in the CLI like the planning commands: `COMMANDS = {"run": (help, add_arguments,
run)}`, where `run(args, service)` gets the OrderService built from the settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable

from bot.app import Services, build_app
from bot.orders import OrderService
from bot.server import serve

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def add_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (HTTP mode)")
    parser.add_argument("--port", type=int, default=None, help="port (default: $PORT or 3000)")


def run(args: argparse.Namespace, service: OrderService) -> int:
    """Serve the Slack app until interrupted."""
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
    serve(app, settings, host=args.host)
    return EXIT_OK


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {
    "run": (
        "serve the Slack app (HTTP on PORT, or Socket Mode with SLACK_APP_TOKEN)",
        add_run,
        run,
    ),
}
