"""The outbox: Slack messages decided inside a transaction, delivered after it commits, once.

A service that decides to tell someone something (a capacity request, a reminder, a digest, an
at-risk notice) calls `enqueue(session, ...)` in the same transaction as the change that causes
it, so the message exists exactly when the change does. `OutboxWorker.deliver_due()` sends what is
due and retries failures with exponential back-off, honouring Slack's Retry-After;
`deliver_now(ids)` sends rows just committed at once, so a person sees the message without
waiting for the next round.

Exactly once, whichever process dies when:
- a worker claims a row for `claim_timeout` (10 s) and renews its claims every third of that while
  it works (`claimed_by`), so a dead worker's rows are due again within seconds;
- a claimed row is marked `in_doubt_since` before it goes to Slack, and every chat.postMessage
  carries the row's id in Slack message metadata (`promisebot_outbox`). A row claimed again while
  still in doubt (its worker died after the call, or the call timed out) is first looked up in
  its channel (conversations.history, or conversations.replies in a thread, with
  include_all_metadata; a DM through conversations.open): when Slack has it, it is marked
  delivered with what Slack shows, and not sent again;
- the worker's WebClient does not retry connection errors by itself (slack_sdk's default would
  post again blindly after a lost answer); rate limits it still retries, as Slack refused those.

Where Slack offers no such look-up the row is sent again: chat.update and views.publish set a
state, so a second call changes nothing; a file upload is matched by its comment and file names
in the channel; chat.postEphemeral cannot be found afterwards at all (the outbox sends none).
Duplicates from *deciding* twice (retries of a job, a second replica) are ruled out before the
outbox, with `send_once` or `enqueue(..., key=...)`.
"""

from __future__ import annotations

import base64
import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from sqlalchemy.orm import Session, sessionmaker

from bot.platform import metrics
from bot.platform.clock import Now, system_now
from bot.platform.db.session import write_transaction
from bot.platform.db.tables import OutboxRow, SentReminderRow

log = logging.getLogger(__name__)

OnDelivered = Callable[[Session, OutboxRow, dict[str, Any]], None]
"""Called in the transaction that marks a row delivered, with Slack's answer (e.g. to store the
posted message's ts on the capacity request it belongs to). When the message was found in the
channel instead of posted, the answer is `{"ok": True, "channel", "ts", "message",
"found": True}` with the message as Slack shows it."""

OUTBOX_EVENT = "promisebot_outbox"
"""The Slack metadata event type of every message the outbox posts; its payload is `{"id": N}`."""

CLAIM_TIMEOUT = timedelta(seconds=10)
LOOK_BACK_MARGIN = timedelta(minutes=2)
"""How much earlier than a row's first hand-over to Slack its look-up starts (clock skew)."""
LOOK_UP_PAGES = 10
LOOK_UP_PAGE_SIZE = 200

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "invalid_arguments",
        "invalid_metadata_format",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "user_not_found",
        "cannot_dm_bot",
        "method_deprecated",
        "unknown_method",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "not_allowed_token_type",
        "thread_not_found",
        "message_not_found",
        "cant_update_message",
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
    about: Mapping[str, Any] | None = None,
) -> OutboxRow | None:
    """Add a message to the outbox in the caller's transaction; it is sent after the commit.

    `payload` is `{"method": "chat_postMessage", "args": {...}}`: a `slack_sdk.WebClient` method
    and its keyword arguments, all JSON. For `files_upload_v2`, give each file's bytes as
    `content_b64` (base64) in `args["file_uploads"]`; see `file_upload`. `about` (JSON) is kept
    beside it for the `on_delivered` hook of its kind (e.g. `{"request": 12}`).

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
    if about:
        row.payload["about"] = dict(about)
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


def _claim_key(session: Session, key: str, outcome: str = "sent") -> bool:
    """Record `key` once; False when it was already recorded (by anyone, committed or not)."""
    try:
        with session.begin_nested():
            session.add(SentReminderRow(key=key, outcome=outcome))
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


@dataclass(frozen=True)
class Delivery:
    """What became of one row `deliver_now` took: delivered, or why not (Slack's error code)."""

    id: int
    delivered: bool
    error: str | None = None
    parked: bool = False
    """No retry will fix it (a permanent Slack error): the row waits for a person."""
    response: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class OutboxStats:
    """The undelivered rows: how many, how many are parked, and the oldest one's age."""

    undelivered: int
    parked: int
    oldest_age_seconds: float | None
    """Age of the oldest undelivered row that is not parked (None when there is none)."""


@dataclass(frozen=True)
class _Claimed:
    id: int
    attempts: int
    kind: str
    payload: dict[str, Any]
    in_doubt_since: datetime | None
    """When an earlier attempt handed it to Slack without learning the outcome (None: never)."""


def default_worker_name() -> str:
    """A name for this worker that differs between replicas and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def without_connection_retries(client: WebClient) -> WebClient:
    """`client` without slack_sdk's connection-error retries (which would post again blindly
    when Slack accepted a message and its answer was lost); rate-limit retries stay."""
    handlers = [h for h in client.retry_handlers if not isinstance(h, ConnectionErrorRetryHandler)]
    if len(handlers) == len(client.retry_handlers):
        return client
    return type(client)(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        retry_handlers=handlers,
        logger=client.logger,
    )


class OutboxWorker:
    """Delivers due outbox rows through a Slack `WebClient`; never raises out of `deliver_due`.

    Failures (Slack errors, rate limits, connection errors) are logged and retried with back-off
    (`Backoff`), waiting at least as long as Slack's Retry-After. Errors no retry can fix
    (`PERMANENT_ERRORS`), and any row that failed `max_attempts` times, are parked: left
    undelivered with `next_attempt_at` far in the future and the reason in `last_error`.
    Several workers may run at once (PostgreSQL: rows are claimed with FOR UPDATE SKIP LOCKED;
    SQLite: inside a write transaction); see the module docstring for how a row whose worker
    died is delivered once.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: WebClient,
        clock: Now | None = None,
        *,
        backoff: Backoff | None = None,
        claim_timeout: timedelta = CLAIM_TIMEOUT,
        max_attempts: int = 12,
        on_delivered: Mapping[str, OnDelivered] | None = None,
        name: str | None = None,
    ) -> None:
        self.sessions = session_factory
        self.client = without_connection_retries(client)
        self.clock: Now = clock or system_now
        self.backoff = backoff or Backoff()
        self.claim_timeout = claim_timeout
        self.max_attempts = max_attempts
        self.on_delivered = dict(on_delivered or {})
        self.name = name or default_worker_name()

    def deliver_due(self, limit: int = 50) -> int:
        """Send up to `limit` due messages, oldest first; returns how many were delivered."""
        try:
            claimed = self._claim(limit)
        except Exception:
            log.exception("outbox: could not claim due messages")
            return 0
        with self._keeping(claimed):
            return sum(self._deliver(row).delivered for row in claimed)

    def deliver_now(self, ids: Sequence[int]) -> list[Delivery]:
        """Send the rows `ids` at once if they are due and nobody holds them (e.g. right after
        the transaction that enqueued them committed). Rows another worker holds are left to it;
        a failed one is retried later like any other."""
        if not ids:
            return []
        try:
            claimed = self._claim(len(ids), ids=ids)
        except Exception:
            log.exception("outbox: could not claim messages %s", list(ids))
            return []
        with self._keeping(claimed):
            return [self._deliver(row) for row in claimed]

    def pending(self) -> int:
        """How many messages are not delivered yet (parked ones included)."""
        return self.stats().undelivered

    def stats(self) -> OutboxStats:
        """The backlog as /healthz and /metrics show it."""
        with self.sessions() as session:
            undelivered, parked, oldest = session.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.count().filter(OutboxRow.next_attempt_at >= PARKED_UNTIL),
                    sa.func.min(OutboxRow.created_at).filter(
                        OutboxRow.next_attempt_at < PARKED_UNTIL
                    ),
                ).where(OutboxRow.delivered_at.is_(None))
            ).one()
        age = None
        if oldest is not None:
            if oldest.tzinfo is None:  # SQLite returns aggregates without the column's type
                oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=UTC)
            age = max(0.0, (self.clock() - oldest).total_seconds())
        return OutboxStats(int(undelivered or 0), int(parked or 0), age)

    # ------------------------------------------------------------------ internals

    def _claim(self, limit: int, ids: Sequence[int] | None = None) -> list[_Claimed]:
        now = self.clock()
        with write_transaction(self.sessions) as session:
            query = (
                sa.select(OutboxRow)
                .where(OutboxRow.delivered_at.is_(None), OutboxRow.next_attempt_at <= now)
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                .limit(limit)
            )
            if ids is not None:
                query = query.where(OutboxRow.id.in_(list(ids)))
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.scalars(query).all()
            claimed = []
            for row in rows:
                # The claim: nobody else picks it up until it is delivered or the claim runs
                # out (renewed while this worker is alive; a crash loses nothing).
                row.attempts += 1
                row.next_attempt_at = now + self.claim_timeout
                row.claimed_by = self.name
                doubt = row.in_doubt_since
                if doubt is None:
                    # From here on Slack may get it: Slack's time, not the business clock.
                    row.in_doubt_since = system_now()
                claimed.append(_Claimed(row.id, row.attempts, row.kind, dict(row.payload), doubt))
        return claimed

    @contextmanager
    def _keeping(self, claimed: Sequence[_Claimed]) -> Iterator[None]:
        """Renew this worker's claims on `claimed` every third of the claim timeout meanwhile."""
        if not claimed:
            yield
            return
        ids = [row.id for row in claimed]
        done = threading.Event()

        def heartbeat() -> None:
            while not done.wait(self.claim_timeout.total_seconds() / 3):
                try:
                    self._renew(ids)
                except Exception:
                    log.warning("outbox: could not renew claims", exc_info=True)

        thread = threading.Thread(target=heartbeat, name="outbox-claims", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def _renew(self, ids: Sequence[int]) -> None:
        with write_transaction(self.sessions) as session:
            session.execute(
                sa.update(OutboxRow)
                .where(
                    OutboxRow.id.in_(list(ids)),
                    OutboxRow.claimed_by == self.name,
                    OutboxRow.delivered_at.is_(None),
                    OutboxRow.next_attempt_at < PARKED_UNTIL,
                )
                .values(next_attempt_at=self.clock() + self.claim_timeout)
                .execution_options(synchronize_session=False)
            )

    def _deliver(self, row: _Claimed) -> Delivery:
        if row.in_doubt_since is not None:
            try:
                found = self._look_up(row)
            except SlackApiError as error:
                code = _error_code(error)
                if code not in PERMANENT_ERRORS:
                    return self._failed(row, f"look-up failed: {code}", _retry_after(error))
                # Slack will never let this look-up work (a missing scope, a channel gone):
                # send again rather than never (at least once for this row).
                log.warning(
                    "outbox: message %s (%s) cannot be looked up (%s); sending it again",
                    row.id,
                    row.kind,
                    code,
                )
                found = None
            except Exception as error:
                return self._failed(row, f"look-up failed: {type(error).__name__}: {error}", None)
            if found is not None:
                log.info(
                    "outbox: message %s (%s) was already in Slack; not sending it again",
                    row.id,
                    row.kind,
                )
                return self._delivered(row, found)
        try:
            response = self._call(row)
        except SlackApiError as error:
            code = _error_code(error)
            status = error.response.status_code if error.response is not None else None
            retry_after = _retry_after(error)
            if status == 429 or code == "ratelimited":
                return self._failed(
                    row, f"ratelimited (HTTP {status})", retry_after, refused=True, code=code
                )
            if code in PERMANENT_ERRORS:
                return self._failed(
                    row, f"slack error {code}", None, permanent=True, refused=True, code=code
                )
            # Slack answered, so it did not take the message (ok: false).
            return self._failed(
                row, f"slack error {code or status}", retry_after, refused=True, code=code
            )
        except UnknownMethod as error:
            return self._failed(row, str(error), None, permanent=True, refused=True)
        except Exception as error:  # connection errors, timeouts: Slack may have it (in doubt)
            return self._failed(row, f"{type(error).__name__}: {error}", None)
        return self._delivered(row, response)

    def _delivered(self, row: _Claimed, response: dict[str, Any]) -> Delivery:
        try:
            with write_transaction(self.sessions) as session:
                stored = session.get(OutboxRow, row.id)
                if stored is None:
                    return Delivery(row.id, True, response=response)
                if stored.delivered_at is not None:
                    # Our claim ran out and another worker delivered it meanwhile: a duplicate
                    # (a worker stalled for longer than the claim while posting).
                    log.warning("outbox: message %s (%s) was delivered twice", row.id, row.kind)
                    return Delivery(row.id, True, response=response)
                stored.delivered_at = self.clock()
                stored.last_error = None
                stored.claimed_by = None
                hook = self.on_delivered.get(row.kind)
                if hook is not None:
                    hook(session, stored, response)
        except Exception:
            # Sent but not marked: the next claim finds it in Slack and marks it then.
            log.exception(
                "outbox: message %s (%s) was sent but not marked delivered", row.id, row.kind
            )
        metrics.OUTBOX_DELIVERED.labels(kind=row.kind).inc()
        return Delivery(row.id, True, response=response)

    def _call(self, row: _Claimed) -> dict[str, Any]:
        method = str(row.payload["method"])
        args = dict(row.payload.get("args") or {})
        if method == "files_upload_v2" and "file_uploads" in args:
            args["file_uploads"] = [_decoded(entry) for entry in args["file_uploads"]]
        if method == "chat_postMessage" and not args.get("metadata"):
            args["metadata"] = {"event_type": OUTBOX_EVENT, "event_payload": {"id": row.id}}
        call = getattr(self.client, method, None)
        if call is None or method.startswith("_") or not callable(call):
            raise UnknownMethod(f"WebClient has no method {method!r}")
        response = call(**args)
        return _data(response)

    def _look_up(self, row: _Claimed) -> dict[str, Any] | None:
        """The message `row` became, if Slack has it; None when it is not there (or when Slack
        gives no way to find it, for methods that are safe to repeat)."""
        method = str(row.payload.get("method"))
        args = dict(row.payload.get("args") or {})
        if method not in ("chat_postMessage", "files_upload_v2") or row.in_doubt_since is None:
            return None
        channel = str(args.get("channel") or args.get("channel_id") or "")
        if not channel:
            return None
        if channel[0] in "UW":  # a DM by user id: its conversation id first
            channel = str(_data(self.client.conversations_open(users=channel))["channel"]["id"])
        oldest = f"{(row.in_doubt_since - LOOK_BACK_MARGIN).timestamp():.6f}"
        thread_ts = args.get("thread_ts")
        if method == "chat_postMessage":

            def matches(message: Mapping[str, Any]) -> bool:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                return metadata.get("event_type") == OUTBOX_EVENT and payload.get("id") == row.id

        else:
            names = {str(entry.get("filename")) for entry in args.get("file_uploads") or []}
            comment = str(args.get("initial_comment") or "")

            def matches(message: Mapping[str, Any]) -> bool:
                files = {str(f.get("name")) for f in message.get("files") or []}
                return bool(files) and names <= files and message.get("text", "") == comment

        cursor = None
        for _ in range(LOOK_UP_PAGES):
            common: dict[str, Any] = {
                "channel": channel,
                "oldest": oldest,
                "limit": LOOK_UP_PAGE_SIZE,
                "include_all_metadata": True,
            }
            if cursor:
                common["cursor"] = cursor
            if thread_ts:
                page = _data(self.client.conversations_replies(ts=str(thread_ts), **common))
            else:
                page = _data(self.client.conversations_history(**common))
            for message in page.get("messages") or []:
                if matches(message) and message.get("ts") != thread_ts:
                    return {
                        "ok": True,
                        "channel": channel,
                        "ts": message.get("ts"),
                        "message": message,
                        "found": True,
                    }
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None
        log.warning(
            "outbox: message %s not found in %d pages of %s; sending it",
            row.id,
            LOOK_UP_PAGES,
            channel,
        )
        return None

    def _failed(
        self,
        row: _Claimed,
        reason: str,
        retry_after: float | None,
        *,
        permanent: bool = False,
        refused: bool = False,
        code: str | None = None,
    ) -> Delivery:
        """Record a failed attempt. `refused`: Slack answered no, so it has not got the message
        (no longer in doubt); otherwise it may have, and the next attempt looks it up first."""
        now = self.clock()
        parked = permanent or row.attempts >= self.max_attempts
        if parked:
            next_at = PARKED_UNTIL
            reason = f"gave up after {row.attempts} attempts: {reason}"
            log.error("outbox: message %s (%s) %s", row.id, row.kind, reason)
        else:
            next_at = now + timedelta(seconds=self.backoff.delay(row.attempts, retry_after))
            log.warning(
                "outbox: message %s (%s) failed (attempt %d): %s; retrying at %s",
                row.id,
                row.kind,
                row.attempts,
                reason,
                next_at.isoformat(timespec="seconds"),
            )
        values: dict[str, Any] = {
            "next_attempt_at": next_at,
            "last_error": reason[:2000],
            "claimed_by": None,
        }
        if refused:
            values["in_doubt_since"] = None
        try:
            with write_transaction(self.sessions) as session:
                session.execute(
                    sa.update(OutboxRow)
                    .where(
                        OutboxRow.id == row.id,
                        OutboxRow.delivered_at.is_(None),
                        OutboxRow.claimed_by == self.name,
                    )
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
        except Exception:
            # The claim still runs out, so the row is retried anyway.
            log.exception("outbox: could not record the failure of message %s", row.id)
        return Delivery(row.id, False, error=code or reason, parked=parked)


class UnknownMethod(Exception):
    """The payload names no WebClient method: no retry can fix it."""


def _data(response: Any) -> dict[str, Any]:
    data = getattr(response, "data", response)
    return dict(data) if isinstance(data, Mapping) else {}


def _error_code(error: SlackApiError) -> str:
    return str(error.response.get("error", "")) if error.response is not None else ""


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
    return _claim_key(session, key)


def already_decided(session: Session, key: str) -> bool:
    """Whether the reminder `key` was sent or recorded as missed already."""
    found = session.scalar(sa.select(SentReminderRow.id).where(SentReminderRow.key == key))
    return found is not None


def record_missed(session: Session, key: str, what: str) -> bool:
    """Record that the reminder `key` will not be sent: its window closed while no replica ran,
    and sending it late would be wrong. Logged, counted in the metrics and listed by /healthz;
    False when the key was decided already (sent, or recorded as missed before)."""
    if not _claim_key(session, key, outcome="missed"):
        return False
    log.warning("reminder missed: %s (%s); its window closed while no replica ran", what, key)
    metrics.REMINDERS_MISSED.labels(kind=key.split(":", 1)[0]).inc()
    return True


def missed_since(session: Session, since: datetime) -> list[tuple[str, datetime]]:
    """Reminders recorded as missed since `since`: (key, when recorded), newest first."""
    rows = session.execute(
        sa.select(SentReminderRow.key, SentReminderRow.sent_at)
        .where(SentReminderRow.outcome == "missed", SentReminderRow.sent_at >= since)
        .order_by(SentReminderRow.sent_at.desc())
        .limit(50)
    ).all()
    return [(str(key), at) for key, at in rows]
