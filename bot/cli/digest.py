"""`promisebot digest [--week DATE] [--out DIR] [--post]`: the weekly digest from the terminal.

Without options it prints the digest of the last complete week as Markdown. `--out DIR` writes
`digest.md` and the PNG charts there; `--post` puts it in the outbox for
PROMISEBOT_DIGEST_CHANNEL (the running app's outbox worker delivers it). Exit codes as in
`bot.cli.planning`: 0 done, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bot.cli.common import EXIT_BAD_INPUT, EXIT_OK, iso_date
from bot.collaboration.digest import build_digest, enqueue_digest, last_complete_week, monday
from bot.platform import i18n, languages
from bot.platform.db.session import write_transaction
from bot.promising.orders import OrderService


def add_digest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--week",
        type=iso_date,
        default=None,
        help="any day of the week to report (default: the last complete week)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="write digest.md and the charts to this folder"
    )
    parser.add_argument(
        "--post",
        action="store_true",
        help="post it to PROMISEBOT_DIGEST_CHANNEL (through the outbox)",
    )


def run_digest(args: argparse.Namespace, service: OrderService) -> int:
    """Build the weekly digest: print it, write it (--out) or post it (--post)."""
    settings = service.settings
    if args.post and not settings.digest_channel:
        print(
            "promisebot digest: set PROMISEBOT_DIGEST_CHANNEL to post the digest", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    now = service.clock()
    week = monday(args.week) if args.week else last_complete_week(service.today())
    # In English, the command line's; with --post in the digest channel's language (--out too).
    language = "en"
    if args.post:
        with service.sessions() as session:
            language = languages.of_channel(session, settings, settings.digest_channel)
    with i18n.using(language):
        digest = build_digest(
            service.sessions, service, week, now, charts=bool(args.out or args.post)
        )
        if args.out:
            out: Path = args.out
            out.mkdir(parents=True, exist_ok=True)
            (out / "digest.md").write_text(digest.to_markdown(), encoding="utf-8")
            for name, data in digest.charts.items():
                (out / name).write_bytes(data)
            print(f"Wrote {out / 'digest.md'} and {len(digest.charts)} charts.")
        if args.post:
            assert settings.digest_channel is not None
            with write_transaction(service.sessions) as session:
                enqueue_digest(session, settings.digest_channel, digest)
            print(f"Queued the digest for {settings.digest_channel}.")
        if not args.out and not args.post:
            print(digest.to_markdown(), end="")
    return EXIT_OK


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {
    "digest": ("build the weekly digest for managers", add_digest, run_digest),
}
