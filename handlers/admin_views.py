"""What `/promisebot` answers with: who has which role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.platform.blockkit import mention, message, plain, section


def roles_message(roles: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Who has which role (everyone else is sales)."""
    lines = [f"{mention(user)}: {role}" for user, role in roles] or ["Nobody has a role yet."]
    text = "Roles (everyone else is sales):\n" + "\n".join(lines)
    return message(plain(text), [section(text)])
