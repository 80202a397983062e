"""What every `promisebot` command shares: exit codes, the error users can fix, argument types."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from bot.platform.settings import Settings

AddArguments = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace, Settings], int]

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
"""A hold or confirmation the plan refused; the quote is printed instead."""


class BadInput(Exception):
    """Input the user can fix: printed as `promisebot COMMAND: <message>`, exit code 2."""


def iso_date(text: str) -> date:
    """An argparse type: a YYYY-MM-DD date, or a message saying how to write one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD"
        ) from None


def shown(url: str) -> str:
    """A database URL fit to print: the password hidden."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)
