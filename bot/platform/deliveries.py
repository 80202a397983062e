"""Each Slack request acted on once: retries and double clicks stop at a unique key.

Slack redelivers an event or a command it thinks failed (`X-Slack-Retry-Num`), and an impatient
user clicks a button twice; both must not hold capacity twice. Before a listener acts, the app
records a key naming the request in `slack_deliveries` (its primary key is the key): the second
delivery finds it there. A listener that refuses releases the key, so that a refusal leaves the
database exactly as it was and the user can try again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.platform.clock import Now, system_now
from bot.platform.db.session import write_transaction
from bot.platform.db.tables import SlackDeliveryRow


def claim(session: Session, key: str, *, now: datetime | None = None) -> bool:
    """Record `key` in the caller's transaction; False if it was recorded before."""
    try:
        with session.begin_nested():
            session.add(SlackDeliveryRow(key=key, received_at=now or system_now()))
    except sa.exc.IntegrityError:
        return False
    return True


class Deliveries:
    """Claim and release keys, each in a transaction of its own."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        clock: Now | None = None,
    ) -> None:
        self.sessions = session_factory
        self.clock = clock or system_now

    def claim(self, key: str) -> bool:
        """True the first time `key` is claimed (committed at once), False ever after."""
        with write_transaction(self.sessions) as session:
            return claim(session, key, now=self.clock())

    def release(self, key: str) -> None:
        """Forget `key`: the request was refused and changed nothing."""
        with write_transaction(self.sessions) as session:
            session.execute(sa.delete(SlackDeliveryRow).where(SlackDeliveryRow.key == key))

    def seen(self, key: str) -> bool:
        with self.sessions() as session:
            found = session.scalar(
                sa.select(SlackDeliveryRow.key).where(SlackDeliveryRow.key == key)
            )
        return found is not None


def delivery_key(body: Mapping[str, Any], once_actions: Collection[str]) -> str | None:
    """The key that names this request, or None when acting twice is harmless.

    - events: their `event_id` (a retry carries the same one);
    - slash commands: their `trigger_id` (unique per invocation, repeated by a retry);
    - clicks on buttons in `once_actions`: the user, the action_id, the message (or view) and
      the button's value. Not the `action_ts`: a real double click sends two payloads with two
      different action_ts, and both must count as one. A message's buttons are replaced once
      they are used, so a key never blocks a click the user could still mean;
    - modal submissions: the view id and what was entered.
    """
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    if kind == "block_actions":
        actions = body.get("actions") or []
        if len(actions) != 1 or actions[0].get("action_id") not in once_actions:
            return None
        action = actions[0]
        container = body.get("container") or {}
        where = container.get("message_ts") or container.get("view_id") or ""
        value = action.get("value") or json.dumps(action.get("selected_option"), sort_keys=True)
        user = (body.get("user") or {}).get("id", "")
        return f"click:{user}:{action['action_id']}:{where}:{_digest(str(value))}"
    if kind == "view_submission":
        view = body.get("view") or {}
        values = json.dumps((view.get("state") or {}).get("values") or {}, sort_keys=True)
        return f"view:{view.get('id')}:{_digest(values)}"
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]
