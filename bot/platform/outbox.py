"""The outbox: Slack messages decided inside a transaction, delivered after it commits.

A service that decides to tell someone something (a capacity request, a reminder, a digest, an
at-risk notice) calls `enqueue(session, ...)` in the same transaction as the change that causes
it, so the message exists exactly when the change does. `OutboxWorker.deliver_due()` sends what is
due and retries failures with exponential back-off, honouring Slack's Retry-After.

Delivery is at least once. A row is claimed by pushing its `next_attempt_at` past a claim timeout
and committing, then sent, then marked delivered. A process that dies after claiming loses nothing
(the row is due again when the claim times out); one that dies after Slack accepted the call but
before the delivered mark committed sends it again when the claim times out. Slack's
chat.postMessage has no idempotency key, so that window (one HTTP round trip plus one commit) is
where a duplicate can happen. Duplicates from *deciding* twice (retries of a job, a second replica)
are ruled out before the outbox, with `send_once` or `enqueue(..., key=...)`.
"""

from __future__ import annotations

import base64
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.platform.clock import Now, system_now
from bot.platform.db.session import write_transaction
from bot.platform.db.tables import OutboxRow, SentReminderRow

log = logging.getLogger(__name__)

OnDelivered = Callable[[Session, OutboxRow, dict[str, Any]], None]
"""Called in the transaction that marks a row delivered, with Slack's answer (e.g. to store the
posted message's ts on the capacity request it belongs to)."""

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "user_not_found",
        "cannot_dm_bot",
        "method_deprecated",
        "unknown_method",
        "account_inactive",
        "token_revoked",
    }
)
"""Slack errors that no retry will fix: the row is parked (see `OutboxWorker`) and logged."""

PARKED_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


def enqueue(
    session: Session,
    kind: str,
    payload: Mapping[str, Any],
    key: str | None = None,
    *,
    not_before: datetime | None = None,
) -> OutboxRow | None:
    """Add a message to the outbox in the caller's transaction; it is sent after the commit.

    `payload` is `{"method": "chat_postMessage", "args": {...}}`: a `slack_sdk.WebClient` method
    and its keyword arguments, all JSON. For `files_upload_v2`, give each file's bytes as
    `content_b64` (base64) in `args["file_uploads"]`; see `file_upload`.

    With a `key`, a second enqueue of the same key (a retried job, another replica) does nothing
    and returns None: the key is recorded in `sent_reminders` under `outbox:<key>`.
    """
    method = payload.get("method")
    if not isinstance(method, str) or not method or method.startswith("_"):
        raise ValueError(f"outbox payload needs a Web API method name, not {method!r}")
    if not isinstance(payload.get("args", {}), Mapping):
        raise ValueError("outbox payload 'args' must be a mapping of keyword arguments")
    if key is not None and not _claim_key(session, f"outbox:{key}"):
        return None
    row = OutboxRow(kind=kind, payload={"method": method, "args": dict(payload.get("args", {}))})
    if key is not None:
        row.payload["key"] = key
    if not_before is not None:
        row.next_attempt_at = not_before
    session.add(row)
    session.flush()
    return row


def file_upload(filename: str, content: bytes, *, title: str | None = None) -> dict[str, Any]:
    """One entry of `files_upload_v2`'s `file_uploads`, JSON-safe for the outbox."""
    entry: dict[str, Any] = {
        "filename": filename,
        "content_b64": base64.b64encode(content).decode("ascii"),
    }
    if title:
        entry["title"] = title
    return entry


def _claim_key(session: Session, key: str) -> bool:
    """Record `key` once; False when it was already recorded (by anyone, committed or not)."""
    try:
        with session.begin_nested():
            session.add(SentReminderRow(key=key))
    except sa.exc.IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait before attempt n + 1 after n failed attempts: base × 2^(n−1), capped,
    with up to `jitter` of it added so that many rows failing together do not retry together."""

    base_seconds: float = 5.0
    cap_seconds: float = 3600.0
    jitter: float = 0.1

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        seconds = min(self.cap_seconds, self.base_seconds * 2.0 ** max(0, attempts - 1))
        seconds += seconds * self.jitter * random.random()
        if retry_after is not None:
            seconds = max(seconds, retry_after)
        return seconds


class OutboxWorker:
    """Delivers due outbox rows through a Slack `WebClient`; never raises out of `deliver_due`.

    Failures (Slack errors, rate limits, connection errors) are logged and retried with back-off
    (`Backoff`), waiting at least as long as Slack's Retry-After. Errors no retry can fix
    (`PERMANENT_ERRORS`), and any row that failed `max_attempts` times, are parked: left
    undelivered with `next_attempt_at` far in the future and the reason in `last_error`.
    Several workers may run at once (PostgreSQL: rows are claimed with FOR UPDATE SKIP LOCKED;
    SQLite: inside a write transaction).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: WebClient,
        clock: Now | None = None,
        *,
        backoff: Backoff | None = None,
        claim_timeout: timedelta = timedelta(minutes=5),
        max_attempts: int = 12,
        on_delivered: Mapping[str, OnDelivered] | None = None,
    ) -> None:
        self.sessions = session_factory
        self.client = client
        self.clock: Now = clock or system_now
        self.backoff = backoff or Backoff()
        self.claim_timeout = claim_timeout
        self.max_attempts = max_attempts
        self.on_delivered = dict(on_delivered or {})

    def deliver_due(self, limit: int = 50) -> int:
        """Send up to `limit` due messages, oldest first; returns how many were delivered."""
        try:
            claimed = self._claim(limit)
        except Exception:
            log.exception("outbox: could not claim due messages")
            return 0
        delivered = 0
        for row_id, attempts, kind, payload in claimed:
            delivered += self._deliver(row_id, attempts, kind, payload)
        return delivered

    def pending(self) -> int:
        """How many messages are not delivered yet (parked ones included)."""
        with self.sessions() as session:
            return int(
                session.scalar(
                    sa.select(sa.func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.delivered_at.is_(None))
                )
                or 0
            )

    # ------------------------------------------------------------------ internals

    def _claim(self, limit: int) -> list[tuple[int, int, str, dict[str, Any]]]:
        now = self.clock()
        with write_transaction(self.sessions) as session:
            query = (
                sa.select(OutboxRow)
                .where(OutboxRow.delivered_at.is_(None), OutboxRow.next_attempt_at <= now)
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.scalars(query).all()
            claimed = []
            for row in rows:
                # The claim: nobody else picks it up until it is delivered or the claim times
                # out (a crash between here and the send loses nothing).
                row.attempts += 1
                row.next_attempt_at = now + self.claim_timeout
                claimed.append((row.id, row.attempts, row.kind, dict(row.payload)))
        return claimed

    def _deliver(self, row_id: int, attempts: int, kind: str, payload: dict[str, Any]) -> int:
        try:
            response = self._call(payload)
        except SlackApiError as error:
            code = str(error.response.get("error", "")) if error.response is not None else ""
            status = error.response.status_code if error.response is not None else None
            retry_after = _retry_after(error)
            if status == 429 or code == "ratelimited":
                self._failed(row_id, attempts, kind, f"ratelimited (HTTP {status})", retry_after)
            elif code in PERMANENT_ERRORS:
                self._failed(row_id, attempts, kind, f"slack error {code}", None, permanent=True)
            else:
                self._failed(row_id, attempts, kind, f"slack error {code or status}", retry_after)
            return 0
        except UnknownMethod as error:
            self._failed(row_id, attempts, kind, str(error), None, permanent=True)
            return 0
        except Exception as error:  # connection errors, timeouts, a bad payload: never raise
            self._failed(row_id, attempts, kind, f"{type(error).__name__}: {error}", None)
            return 0
        try:
            with write_transaction(self.sessions) as session:
                row = session.get(OutboxRow, row_id)
                if row is None:
                    return 1
                row.delivered_at = self.clock()
                row.last_error = None
                hook = self.on_delivered.get(kind)
                if hook is not None:
                    hook(session, row, response)
        except Exception:
            # Sent but not marked: it is sent again when the claim times out (at least once).
            log.exception("outbox: message %s (%s) was sent but not marked delivered", row_id, kind)
        return 1

    def _call(self, payload: dict[str, Any]) -> dict[str, Any]:
        method = str(payload["method"])
        args = dict(payload.get("args") or {})
        if method == "files_upload_v2" and "file_uploads" in args:
            args["file_uploads"] = [_decoded(entry) for entry in args["file_uploads"]]
        call = getattr(self.client, method, None)
        if call is None or method.startswith("_") or not callable(call):
            raise UnknownMethod(f"WebClient has no method {method!r}")
        response = call(**args)
        data = getattr(response, "data", response)
        return dict(data) if isinstance(data, Mapping) else {}

    def _failed(
        self,
        row_id: int,
        attempts: int,
        kind: str,
        reason: str,
        retry_after: float | None,
        *,
        permanent: bool = False,
    ) -> None:
        now = self.clock()
        parked = permanent or attempts >= self.max_attempts
        if parked:
            next_at = PARKED_UNTIL
            reason = f"gave up after {attempts} attempts: {reason}"
            log.error("outbox: message %s (%s) %s", row_id, kind, reason)
        else:
            next_at = now + timedelta(seconds=self.backoff.delay(attempts, retry_after))
            log.warning(
                "outbox: message %s (%s) failed (attempt %d): %s; retrying at %s",
                row_id,
                kind,
                attempts,
                reason,
                next_at.isoformat(timespec="seconds"),
            )
        try:
            with write_transaction(self.sessions) as session:
                session.execute(
                    sa.update(OutboxRow)
                    .where(OutboxRow.id == row_id, OutboxRow.delivered_at.is_(None))
                    .values(next_attempt_at=next_at, last_error=reason[:2000])
                )
        except Exception:
            # The claim still times out, so the row is retried anyway.
            log.exception("outbox: could not record the failure of message %s", row_id)


class UnknownMethod(Exception):
    """The payload names no WebClient method: no retry can fix it."""


def _decoded(entry: Mapping[str, Any]) -> dict[str, Any]:
    entry = dict(entry)
    if "content_b64" in entry:
        entry["content"] = base64.b64decode(entry.pop("content_b64"))
    return entry


def _retry_after(error: SlackApiError) -> float | None:
    response = error.response
    headers = getattr(response, "headers", None) or {}
    for name, value in dict(headers).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


# --- reminders, once per key ----------------------------------------------------------------------


def send_once(session: Session, key: str) -> bool:
    """Record that the reminder `key` ("what:when") is being sent; False if it already was.

    Call it in the transaction that enqueues the reminder's outbox message and enqueue only on
    True: the unique key makes a restart, a second replica or a retried job skip it. On
    PostgreSQL a concurrent transaction recording the same key waits for this one and then
    gets False.
    """
    try:
        with session.begin_nested():
            session.add(SentReminderRow(key=key))
    except sa.exc.IntegrityError:
        return False
    return True
