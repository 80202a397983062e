"""Three replicas, repeated `kill -9`s: is every message delivered exactly once? (issue 12)

    .venv/bin/python -m bench.replicas [--minutes 4] [--replicas 3] [--seed 1] [--no-kills]

1. A fresh PostgreSQL database (`promisebot_bench_replicas` on the server of
   PROMISEBOT_BENCH_POSTGRES_URL, else PROMISEBOT_TEST_POSTGRES_URL, else the local one), at
   Alembic head, with the demo factory imported; a FakeSlack (bot/sandbox/fake_slack.py) served
   on 127.0.0.1 by this process, each replica with a token of its own so the fake knows who
   calls.
2. The product clock pinned with PROMISEBOT_AS_OF (Monday 23 Nov 2026, factory time UTC) and
   PROMISEBOT_AS_OF_STARTED (this run's start), so every replica and every restart share it:
   09:00 on that Monday when the replicas start. Seeded, due during the run: nine lead owners in
   nine time zones (UTC to UTC+8, all at work) each with an overdue follow-up (a morning list
   each) and two follow-ups falling due (a DM each), two weekly summits at 09:02 and 09:03
   (today's day reminder, then next week's week reminder, each in its own channel), last week's
   digest and its charts (due since 08:00), six holds whose two-hour warnings open during the
   run, four capacity requests whose questions are to be posted and whose 4-working-hour nudges
   fall due during the run; and, all along, salespeople's `/promise` + **Ask operations** clicks
   sent to a live replica (each committed request is one question expected in #operations).
3. `promisebot run` × 3 (`--replicas`), restarted one second after each kill as a supervisor
   would. For `--minutes`: every 5–10 s a `kill -9` of the lease holder (one time in six, of
   every replica), some right after a click reached a replica, and some of the replica whose
   chat.postMessage Slack has just accepted (it dies before it hears the answer). Each time the
   holder dies, the time until another replica holds the lease is measured (from the database,
   every 20 ms).
4. Then no more kills; the replicas run on until the outbox is empty (at most 90 s) and stop.
   Every message Slack shows is matched against what was expected: prints, per kind and in all,
   expected, delivered, lost and duplicated, and the worst takeover. With `--no-kills` the same
   run without kills (what `expected` should be on a quiet day).

Bounded: kills only during `--minutes` (at most 30), then at most 90 s of settling; every child
is killed on the way out. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import log, postgres_url
from bench.factory_gen import fresh_database, postgres_reachable
from bot.sandbox import FakeSlack, SlackRequester

ROOT = Path(__file__).resolve().parents[1]
DATABASE_NAME = "promisebot_bench_replicas"
SECRET = "promisebot-bench-signing-secret"
AS_OF = date(2026, 11, 23)  # a Monday
OPS, DIGEST = "C0OPS", "C0MGMT"
CLICKER = "U0CLICKER"
ZONES = (
    "Europe/London",
    "Africa/Lagos",
    "Africa/Cairo",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Singapore",
)
SUMMIT_MINUTES = (2, 3)
HOLDS, REQUESTS = 6, 4
SETTLE_SECONDS = 90.0


# --- what is expected ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """One message that must arrive exactly once: its kind, and how to know it in Slack."""

    kind: str
    label: str
    matches: Callable[[str, str, bool], bool]
    """(conversation, first line of its text, whether it is a thread reply) -> is it this one."""


def seen_in_slack(slack: FakeSlack) -> list[tuple[str, str, bool]]:
    found = []
    for message in slack.messages():
        found.append((message.channel, _first_line(message), False))
        found += [(message.channel, _first_line(reply), True) for reply in message.replies]
    return found


def _first_line(message: Any) -> str:
    if message.files and not message.text:
        return "(files)"
    return str(message.text.splitlines()[0] if message.text else "")


# --- the replicas --------------------------------------------------------------------------------


@dataclass
class Replica:
    slot: int
    port: int
    env: dict[str, str]
    logdir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def token(self) -> str:
        return f"xoxb-replica-{self.slot}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        out = open(self.logdir / f"replica{self.slot}.log", "ab")  # noqa: SIM115 - the child's
        out.write(f"\n--- start {self.starts} ---\n".encode())
        out.flush()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env={**self.env, "SLACK_BOT_TOKEN": self.token},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.process is not None
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class KillingSlack(FakeSlack):
    """The stand-in Slack that, when armed, kills the replica whose chat.postMessage it has just
    accepted, before the replica hears the answer (it dies between Slack's acceptance and the
    delivered mark)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.armed = 0
        self.by_token: dict[str, Replica] = {}
        self.killed_after_accept: list[tuple[float, Replica]] = []

    def _api(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        answer = super()._api(method, params, token)
        if method == "chat.postMessage" and answer[0] == 200 and self.armed > 0:
            replica = self.by_token.get(token or "")
            if replica is not None and replica.alive():
                self.armed -= 1
                replica.kill()
                self.killed_after_accept.append((time.monotonic(), replica))
        return answer


# --- the run -------------------------------------------------------------------------------------


@dataclass
class Run:
    url: str
    slack: KillingSlack
    replicas: list[Replica]
    rng: random.Random
    started_real: datetime
    expected: list[Expected] = field(default_factory=list)
    kills: Counter[str] = field(default_factory=Counter)
    takeovers: list[float] = field(default_factory=list)
    takeovers_all_down: list[float] = field(default_factory=list)
    clicks: int = 0
    killing: bool = True
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.url)

    def holder_pid(self, engine: sa.Engine) -> tuple[str | None, int | None]:
        with engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT holder, expires_at FROM scheduler_lease WHERE name = 'scheduler'")
            ).first()
        if row is None or row.expires_at <= datetime.now(UTC):
            return None, None
        holder = str(row.holder)
        try:
            return holder, int(holder.split(":")[1])
        except (IndexError, ValueError):
            return holder, None

    def replica_of(self, pid: int | None) -> Replica | None:
        return next((r for r in self.replicas if r.alive() and r.pid == pid), None)

    def restart_later(self, replicas: list[Replica], delay: float = 1.0) -> None:
        def restart() -> None:
            time.sleep(delay)
            with self.lock:
                for replica in replicas:
                    if not replica.alive():
                        replica.start()

        threading.Thread(target=restart, daemon=True).start()

    def measure_takeover(self, engine: sa.Engine, dead: str, killed_at: float) -> float | None:
        deadline = killed_at + 60
        while time.monotonic() < deadline:
            holder, _ = self.holder_pid(engine)
            if holder is not None and holder != dead:
                return time.monotonic() - killed_at
            time.sleep(0.02)
        return None


def seed(url: str, env: dict[str, str], clock_now: Callable[[], datetime]) -> list[Expected]:
    """The data described in the module docstring, and the messages it must give."""
    from bot.collaboration.leads import LeadService
    from bot.collaboration.summits import SummitService
    from bot.platform.clock import Clock
    from bot.platform.db.session import make_engine, make_session_factory, write_transaction
    from bot.platform.db.tables import (
        CapacityRequestRow,
        LeadFollowupRow,
        OrderRow,
        UserRow,
    )
    from bot.platform.settings import Settings
    from bot.platform.users import UserService
    from bot.promising.capacity_requests import CapacityRequestService
    from bot.promising.orders import OrderService
    from bot.sandbox.signing import dm_channel_id

    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "import", str(ROOT / "bot" / "demo")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"import failed: {done.stdout}{done.stderr}")
    settings = Settings.from_env(env)
    clock = Clock.from_settings(settings)
    engine = make_engine(url)
    sessions = make_session_factory(engine, clock)
    start = clock()
    expected: list[Expected] = []
    leads = LeadService(settings, sessions, clock=clock)
    owners = [f"U0OWNER{n}" for n in range(1, len(ZONES) + 1)]
    with write_transaction(sessions) as session:
        for owner, zone in zip(owners, ZONES, strict=True):
            session.add(UserRow(slack_user_id=owner, name=owner.lower(), tz=zone))
    span = float(env["BENCH_KILL_SECONDS"]) - 30
    for n, owner in enumerate(owners):
        dm = dm_channel_id(owner)
        overdue = leads.create(f"Overdue-{n}", owner, follow_up_on=AS_OF)
        expected.append(
            Expected(
                "overdue list",
                owner,
                lambda c, t, r, dm=dm: c == dm and t == "1 overdue lead follow-up",
            )
        )
        for j in range(2):
            customer = f"Due-{n}-{j}"
            lead = leads.create(customer, owner, follow_up_on=date(2026, 11, 30))
            due = start + timedelta(seconds=10 + span * (2 * n + j) / (2 * len(owners)))
            with write_transaction(sessions) as session:
                followup = session.scalar(
                    sa.select(LeadFollowupRow).where(LeadFollowupRow.lead_id == lead.id)
                )
                assert followup is not None
                followup.due_at = due
            expected.append(
                Expected(
                    "lead reminder",
                    customer,
                    lambda c, t, r, dm=dm, customer=customer: (
                        c == dm and t == f"Follow up with {customer}"
                    ),
                )
            )
        with write_transaction(sessions) as session:
            followup = session.scalar(
                sa.select(LeadFollowupRow).where(LeadFollowupRow.lead_id == overdue.id)
            )
            assert followup is not None
            followup.due_at -= timedelta(days=3)  # due last Friday, and reminded then
            followup.reminded_at = followup.due_at
    summits = SummitService(settings, sessions, clock=clock)
    for minute in SUMMIT_MINUTES:
        channel = f"C0SUMMIT{minute}"
        summits.schedule(
            f"Summit {minute}", f"every Monday 09:{minute:02d}", channel=channel, organiser=CLICKER
        )
        for when in ("today", "week"):
            expected.append(
                Expected(
                    "summit reminder",
                    f"{channel} {when}",
                    lambda c, t, r, channel=channel, when=when: (
                        c == channel
                        and not r
                        and (" tomorrow: " in t if when == "today" else " in a week: " in t)
                    ),
                )
            )
    expected.append(
        Expected("digest", "post", lambda c, t, r: c == DIGEST and t.startswith("Weekly digest"))
    )
    expected.append(
        Expected("digest", "charts", lambda c, t, r: c == DIGEST and t.startswith("Charts for"))
    )
    orders = OrderService(settings, sessions, clock=clock)
    for n in range(HOLDS):
        owner = owners[n % len(owners)]
        held = orders.hold("BRKT", 1, date(2026, 12, 18), customer=f"Hold-{n}", owner=owner)
        with write_transaction(sessions) as session:
            row = session.get(OrderRow, held.id)
            assert row is not None
            row.expires_at = start + timedelta(hours=2, seconds=15 + span * n / HOLDS)
        dm = dm_channel_id(owner)
        expected.append(
            Expected(
                "hold warning",
                held.ref,
                lambda c, t, r, dm=dm, ref=held.ref: (
                    c == dm and t.startswith(":hourglass") and f"({ref})" in t
                ),
            )
        )
    users = UserService(settings, sessions, clock=clock)
    requests = CapacityRequestService(settings, sessions, orders, users, clock=clock)
    friday = datetime(2026, 11, 20, 13, tzinfo=UTC)
    for n in range(REQUESTS):
        request, _ = requests.ask(
            "BRKT", 400 + n, date(2026, 11, 25), customer=f"Seeded-{n}", requester=CLICKER
        )
        with write_transaction(sessions) as session:
            row = session.get(CapacityRequestRow, request.id)
            assert row is not None
            row.created_at = friday + timedelta(seconds=20 + span * n / REQUESTS)
        expected.append(
            Expected(
                "nudge",
                f"#{request.id}",
                lambda c, t, r, rid=request.id: (
                    c == OPS and r and t.startswith(f":alarm_clock: Request #{rid} ")
                ),
            )
        )
    engine.dispose()
    return expected


def question(customer: str) -> Expected:
    return Expected(
        "question",
        customer,
        lambda c, t, r: c == OPS and not r and f" for {customer} by " in t,
    )


def click_loop(run: Run, requester_for: Callable[[Replica], SlackRequester]) -> None:
    """Salespeople: `/promise` then Ask operations, to a live replica, every 6–14 s; now and then
    the replica that got the click is killed a few milliseconds later."""
    while not run.stop.wait(run.rng.uniform(6, 14)):
        alive = [r for r in run.replicas if r.alive()]
        if not alive:
            continue
        replica = run.rng.choice(alive)
        run.clicks += 1
        customer = f"Click-{run.clicks}"
        name = f"cmd-{run.clicks}"
        response = run.slack.response_url(name, channel="C0SALES", user=CLICKER)
        try:
            requester = requester_for(replica)
            requester.command(
                "/promise",
                f"600 BRKT for {customer} by Wed 25 Nov",
                CLICKER,
                "C0SALES",
                response_url=response,
            )
            quote = wait_for_response(run.slack, name, 15)
            if quote is None:
                continue
            button = next(
                (
                    e
                    for b in quote.blocks
                    for e in [*(b.get("elements") or []), b.get("accessory") or {}]
                    if e.get("action_id") == "order_ask_ops"
                ),
                None,
            )
            if button is None:
                log(f"bench: no Ask operations button for {customer}: {quote.text[:80]}")
                continue
            alive = [r for r in run.replicas if r.alive()]
            if not alive:
                continue
            replica = run.rng.choice(alive)
            click_name = f"click-{run.clicks}"
            click_url = run.slack.response_url(
                click_name, channel="C0SALES", user=CLICKER, message_ts=quote.ts
            )
            kill_after = run.killing and run.rng.random() < 0.3
            timer = None
            if kill_after:
                delay = run.rng.uniform(0.002, 0.05)
                timer = threading.Timer(delay, lambda r=replica: _kill_for_click(run, r))
                timer.start()
            requester_for(replica).block_action(
                "order_ask_ops",
                button["value"],
                CLICKER,
                "C0SALES",
                quote.as_slack(run.slack.workspace),
                click_url,
                ephemeral=True,
            )
        except Exception as error:  # a replica killed mid-request: Slack would retry
            log(f"bench: click {run.clicks} to replica {replica.slot} failed: {error}")


def _kill_for_click(run: Run, replica: Replica) -> None:
    with run.lock:
        if replica.alive():
            replica.kill()
            run.kills["right after a click"] += 1
    run.restart_later([replica])


def wait_for_response(slack: FakeSlack, name: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [
            m for m in slack.ephemerals() + slack.messages() if m.via == f"response_url:{name}"
        ]
        if found:
            return found[0]
        time.sleep(0.05)
    return None


def kill_loop(run: Run, seconds: float) -> None:
    engine = run.engine()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and not run.stop.is_set():
            time.sleep(run.rng.uniform(5, 10))
            roll = run.rng.random()
            if roll < 0.2:
                run.slack.armed += 1  # the next replica whose post Slack accepts dies
                continue
            holder, pid = run.holder_pid(engine)
            victim = run.replica_of(pid)
            if victim is None or holder is None:
                continue
            everyone = roll > 1 - 1 / 6
            with run.lock:
                killed_at = time.monotonic()
                victims = [r for r in run.replicas if r.alive()] if everyone else [victim]
                for replica in victims:
                    replica.kill()
            run.kills["every replica" if everyone else "the lease holder"] += 1
            run.restart_later(victims)
            took = run.measure_takeover(engine, holder, killed_at)
            if took is not None:
                (run.takeovers_all_down if everyone else run.takeovers).append(took)
                log(
                    f"bench: {'all killed' if everyone else 'holder killed'}; takeover {took:.1f} s"
                )
    finally:
        engine.dispose()


def outbox_left(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sa.text(
                        "SELECT count(*) FROM outbox WHERE delivered_at IS NULL "
                        "AND next_attempt_at < '9999-01-01'"
                    )
                ).scalar()
                or 0
            )
    finally:
        engine.dispose()


def committed_questions(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT c.name FROM capacity_requests r JOIN orders o ON o.id = r.order_id "
                    "JOIN customers c ON c.id = o.customer_id ORDER BY r.id"
                )
            ).all()
        return [str(row[0]) for row in rows]
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=4.0, help="how long to kill (≤ 30)")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-kills", action="store_true", help="the same run without kills")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the database")
    args = parser.parse_args(argv)
    minutes = min(30.0, max(args.minutes, 3.6))  # the summits are at 09:02 and 09:03
    pg = postgres_url()
    why = postgres_reachable(pg)
    if why is not None:
        print(f"PostgreSQL is not reachable ({why}); this benchmark needs it", file=sys.stderr)
        return 2
    logdir = Path(tempfile.mkdtemp(prefix="promisebot-replicas-"))
    url = fresh_database("postgres", logdir, pg, DATABASE_NAME)
    rng = random.Random(args.seed)
    started_real = datetime.now(UTC) + timedelta(seconds=8)  # 09:00 once seeding is done
    with KillingSlack(retry_after=1, validate_blocks=False) as slack:
        for n, zone in enumerate(ZONES, start=1):
            slack.add_user(f"U0OWNER{n}", tz=zone)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PROMISEBOT_"))},
            "DATABASE_URL": url,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url,
            "SLACK_BOT_TOKEN": "xoxb-bench-seed",
            "PROMISEBOT_TIMEZONE": "UTC",
            "PROMISEBOT_AS_OF": AS_OF.isoformat(),
            "PROMISEBOT_AS_OF_STARTED": started_real.isoformat(),
            "PROMISEBOT_OPS_CHANNEL": OPS,
            "PROMISEBOT_DIGEST_CHANNEL": DIGEST,
            "BENCH_KILL_SECONDS": str(minutes * 60),
            "PYTHONUNBUFFERED": "1",
        }
        from bot.platform.clock import Clock
        from bot.platform.settings import Settings

        clock = Clock.from_settings(Settings.from_env(env))
        log(f"bench: seeding {url} (logs in {logdir})…")
        expected = seed(url, env, clock)
        wait = (started_real - datetime.now(UTC)).total_seconds()
        if wait > 0:
            time.sleep(wait)
        replicas = [Replica(n, free_port(), env, logdir) for n in range(1, args.replicas + 1)]
        run = Run(url, slack, replicas, rng, started_real, expected, killing=not args.no_kills)
        slack.by_token = {r.token: r for r in replicas}
        requesters: dict[int, SlackRequester] = {}

        def requester_for(replica: Replica) -> SlackRequester:
            if replica.slot not in requesters:
                requesters[replica.slot] = SlackRequester(
                    replica.url, SECRET, trigger_ids=slack.trigger_id, timeout=5
                )
            return requesters[replica.slot]

        try:
            for replica in replicas:
                replica.start()
            log(f"bench: {len(replicas)} replicas started; product time {clock():%H:%M:%S}")
            clicking = threading.Thread(target=click_loop, args=(run, requester_for), daemon=True)
            clicking.start()
            if args.no_kills:
                time.sleep(minutes * 60)
            else:
                kill_loop(run, minutes * 60)
            run.stop.set()
            slack.armed = 0
            clicking.join(timeout=30)
            time.sleep(2)
            with run.lock:
                for replica in replicas:
                    if not replica.alive():
                        replica.start()
            log("bench: no more kills; letting the outbox drain…")
            deadline = time.monotonic() + SETTLE_SECONDS
            while time.monotonic() < deadline and outbox_left(url):
                time.sleep(1)
            time.sleep(3)
        finally:
            run.stop.set()
            for replica in replicas:
                replica.stop()
        run.kills["right after Slack accepted a post"] = len(slack.killed_after_accept)
        expected = run.expected + [question(c) for c in committed_questions(url)]
        seen = seen_in_slack(slack)
        report(run, expected, seen, minutes, left=outbox_left(url), kills=not args.no_kills)
    if not args.keep:
        from bench.factory_gen import drop_database

        drop_database(pg, DATABASE_NAME)
    log(f"bench: replica logs in {logdir}")
    return 0


def report(
    run: Run,
    expected: list[Expected],
    seen: list[tuple[str, str, bool]],
    minutes: float,
    *,
    left: int,
    kills: bool,
) -> None:
    rows: dict[str, Counter[str]] = {}
    claimed: set[int] = set()
    for item in expected:
        copies = [i for i, (c, t, r) in enumerate(seen) if item.matches(c, t, r)]
        claimed.update(copies)
        row = rows.setdefault(item.kind, Counter())
        row["expected"] += 1
        row["delivered"] += 1 if copies else 0
        row["lost"] += 0 if copies else 1
        row["duplicated"] += max(0, len(copies) - 1)
        if not copies:
            log(f"bench: LOST {item.kind} {item.label}")
        elif len(copies) > 1:
            log(f"bench: DUPLICATED {item.kind} {item.label} ×{len(copies)}")
    others = [s for i, s in enumerate(seen) if i not in claimed]
    total: Counter[str] = Counter()
    for row in rows.values():
        total.update(row)
    print(
        f"replicas: {len(run.replicas)} × promisebot run on PostgreSQL, one stand-in Slack; "
        f"{minutes:g} min of {'kills' if kills else 'no kills'}"
    )
    kinds = ", ".join(f"{n} {what}" for what, n in sorted(run.kills.items()) if n)
    print(f"kills: {sum(run.kills.values())}" + (f" ({kinds})" if kinds else ""))
    print(f"clicks: {run.clicks}; undelivered at the end: {left}; other messages: {len(others)}")
    print()
    print(f"{'kind':<16} {'expected':>8} {'delivered':>9} {'lost':>5} {'duplicated':>10}")
    for kind, row in sorted(rows.items()):
        print(
            f"{kind:<16} {row['expected']:>8} {row['delivered']:>9} {row['lost']:>5} "
            f"{row['duplicated']:>10}"
        )
    print(
        f"{'all':<16} {total['expected']:>8} {total['delivered']:>9} {total['lost']:>5} "
        f"{total['duplicated']:>10}"
    )
    print()
    if run.takeovers:
        print(
            f"worst takeover after the holder's kill -9: {max(run.takeovers):.1f} s "
            f"(median {sorted(run.takeovers)[len(run.takeovers) // 2]:.1f} s, "
            f"n={len(run.takeovers)})"
        )
    if run.takeovers_all_down:
        print(
            f"worst takeover after every replica was killed (restart after 1 s included): "
            f"{max(run.takeovers_all_down):.1f} s (n={len(run.takeovers_all_down)})"
        )
    for other in others[:10]:
        log(f"bench: other message {other}")


if __name__ == "__main__":
    sys.exit(main())
