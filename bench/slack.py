"""Benchmark of `/promise` over Slack's wire: time to the ack and to the posted quote (issue 4, 8).

    .venv/bin/python -m bench.slack [--database sqlite|postgres|both] [--requests 300]
                                    [--concurrency 4] [--seed 1] [--small] [--profile DIR]

1. Generates the engine benchmark's factory (bench/factory_gen.py: 100 work centers, 5,000
   items of which 1,000 sold, 20,000 reservations booked with the real engine) and writes it
   to a fresh database, exactly as bench/quote.py does (database `promisebot_bench_slack` on
   the PostgreSQL server, or a SQLite file in a temporary folder).
2. For each database, serves the real app in a child process, as `promisebot run` does:
   `build_app(settings, Services.create(...))` behind bot.app.server's Starlette adapter under
   uvicorn, on a free port of 127.0.0.1, its Web API pointed at a FakeSlack that runs in this
   (the benchmark's) process. The app has its process to itself, as in production; Slack's
   side (signing, sending, receiving the response_url posts) runs here.
3. Sends signed `/promise QTY SKU for CUSTOMER by DATE` commands (SlackRequester.command: a random
   sold sku, 1–60 units, due 0–119 days out, each with its own response_url and trigger_id), one
   at a time: each waits for its quote before the next is sent, like a salesperson. With
   `--concurrency K` the same number of requests is sent again by K clients at once.
   20 untimed requests warm it up first (the first loads the engine from the database; its
   time is shown as "cold").
4. Measures for each request, on this process's monotonic clock:
   - ack: from just before the signed request is sent to the app's HTTP answer (Slack's 3-second
     deadline is on this one);
   - quote: from the same start until the fake receives the quote's POST at the response_url
     (the moment Slack would show it).
   Prints p50/p99/max of both beside the targets of issue 4 (ack ≤ 100 ms p99, quote posted
   ≤ 300 ms p99), per database; an answer that is not a quote (an error message) is counted.

`--small` runs bench/factory_gen.py's small factory (10 work centers, 500 items, 2,000
reservations) with 50 requests (a few seconds; what the smoke test runs). `--profile DIR` makes
the app process write cProfile files of the ack path (Bolt's dispatch: verification, parsing,
middleware, until ack) and of the listeners (the quote and respond()), after the warm-up,
DIR/<db>/{ack,listener}.prof, and prints their hottest functions.

PostgreSQL comes from PROMISEBOT_BENCH_POSTGRES_URL, else PROMISEBOT_TEST_POSTGRES_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test (only its server is used); when it cannot be
reached the PostgreSQL column says why.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    figures_table,
    log,
    measure_each_database,
    percentile,
    print_profiles,
    random_qty,
)
from bench.factory_gen import AS_OF, FULL, SMALL, Size

ROOT = Path(__file__).resolve().parents[1]
DATABASE_NAME = "promisebot_bench_slack"
TOKEN = "xoxb-promisebot-bench"
SECRET = "promisebot-bench-signing-secret"
SALES = "U0BENCHSALES"
SALES_CHANNEL = "C0BENCHSALES"
OPS_CHANNEL = "C0BENCHOPS"
WARMUP = 20
QUOTE_TIMEOUT_S = 120.0  # the first quote loads the engine (seconds at full size)

TARGETS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "ack_p99_ms": ("≤ 100 ms", lambda v: v <= 100.0),
    "quote_p99_ms": ("≤ 300 ms", lambda v: v <= 300.0),
}


# --- the app's process ------------------------------------------------------------------------


def serve(url: str, api_url: str, profile: str | None) -> None:
    """Serve the app on a free port of 127.0.0.1 until SIGTERM; print the port first (JSON)."""
    import socket

    import uvicorn

    from bot.app import Services, build_app
    from bot.app.server import uvicorn_config
    from bot.platform.db.session import make_engine, make_session_factory
    from bot.platform.settings import Settings

    settings = Settings(
        database_url=url,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        as_of=AS_OF,
        ops_channel=OPS_CHANNEL,
    )
    # As `promisebot run`: one OrderService (the engine cache) shared by every listener.
    services = Services.create(settings, make_session_factory(make_engine(url)))
    app = build_app(settings, services)
    profiles = _install_profiling(app) if profile is not None else None

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn_config(
        app, host="127.0.0.1", port=sock.getsockname()[1], signing_secret=SECRET
    )
    config.log_level = "warning"
    server = uvicorn.Server(config)

    def stop_when_stdin_closes() -> None:
        # The parent closes our stdin to stop us: a signal would be re-raised by uvicorn after
        # its shutdown and end the process before the profiles are written.
        sys.stdin.read()
        server.should_exit = True

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
    server.run(sockets=[sock])
    if profiles is not None and profile is not None:
        import pstats

        for name, collected in profiles.items():
            if collected:
                stats = pstats.Stats(collected[0])
                for more in collected[1:]:
                    stats.add(more)
                stats.dump_stats(str(Path(profile) / f"{name}.prof"))


def _install_profiling(app: Any) -> dict[str, list[Any]]:
    """Profile each dispatch (the ack path) and each listener run, one cProfile per call.

    cProfile sees only the thread it is enabled in, and Bolt acks from one thread (the server's
    worker) and runs the listener in another (its listener executor), so both are wrapped.
    """
    import cProfile
    from concurrent.futures import Future

    profiles: dict[str, list[Any]] = {"ack": [], "listener": []}
    seen = {"ack": 0, "listener": 0}  # the first WARMUP of each (the warm-up) are not profiled
    dispatch = app.dispatch

    def warming(name: str) -> bool:
        seen[name] += 1
        return seen[name] <= WARMUP

    def profiled_dispatch(request: Any) -> Any:
        if warming("ack"):
            return dispatch(request)
        prof = cProfile.Profile()
        try:
            return prof.runcall(dispatch, request)
        finally:
            profiles["ack"].append(prof)

    app.dispatch = profiled_dispatch
    executor = app.listener_runner.listener_executor
    submit: Callable[..., Future[Any]] = executor.submit

    def profiled_submit(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        def run() -> Any:
            if warming("listener"):
                return fn(*args, **kwargs)
            prof = cProfile.Profile()
            try:
                return prof.runcall(fn, *args, **kwargs)
            finally:
                profiles["listener"].append(prof)

        return submit(run)

    executor.submit = profiled_submit
    return profiles


class AppProcess:
    """The app served by `python -m bench.slack --serve` in a child process."""

    def __init__(self, url: str, api_url: str, log_path: Path, profile: str | None) -> None:
        args = [sys.executable, "-m", "bench.slack", "--serve", url, "--slack-api-url", api_url]
        if profile is not None:
            args += ["--profile", profile]
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=10)
            raise RuntimeError(f"the app did not start:\n{self.log_tail()}")
        self.url = f"http://127.0.0.1:{json.loads(line)['port']}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"the app did not answer:\n{self.log_tail()}") from None
                time.sleep(0.05)

    def log_tail(self, chars: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()  # the app shuts down (and writes its profiles)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


# --- Slack's side -----------------------------------------------------------------------------


def _timed_fake_slack() -> Any:
    """A FakeSlack that notes, on this process's clock, when each response_url post arrives.

    FakeSlack keeps no timestamps, so its `_respond` (what its HTTP handler calls for a POST to
    a response_url) is wrapped; `arrived[name]` is set as the post is received, before the fake
    applies it, and `done[name]` once the fake has answered it.
    """
    from bot.sandbox import FakeSlack

    class TimedFakeSlack(FakeSlack):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.arrived: dict[str, float] = {}
            self.bodies: dict[str, dict[str, Any]] = {}
            self.done: dict[str, threading.Event] = {}
            self._events_lock = threading.Lock()

        def event(self, name: str) -> threading.Event:
            with self._events_lock:
                return self.done.setdefault(name, threading.Event())

        def _respond(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            arrived = time.perf_counter()
            if name not in self.arrived:  # the first post is the answer; later ones are edits
                self.arrived[name] = arrived
                self.bodies[name] = body
            try:
                return super()._respond(name, body)
            finally:
                self.event(name).set()

    return TimedFakeSlack(
        token=TOKEN,
        users={SALES: {"name": "bench"}},
        channels={SALES_CHANNEL: "sales", OPS_CHANNEL: "operations"},
        validate_blocks=False,  # Block Kit is checked by the tests; keep the fake cheap here
        retry_after=0,
    )


def _request(rng: random.Random, sold: list[str], n: int) -> str:
    qty = random_qty(rng)
    due = AS_OF + timedelta(rng.randrange(120))
    return f"{qty} {rng.choice(sold)} for Bench {n % 50:02d} by {due.isoformat()}"


def _is_quote(body: dict[str, Any]) -> bool:
    """A quote carries buttons; error and usage messages do not."""
    for block in body.get("blocks") or []:
        if block.get("type") == "actions":
            return True
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "button":
            return True
    return False


@dataclass
class Sample:
    text: str
    ack_ms: float = math.nan
    quote_ms: float = math.nan
    status: int = 0
    answer: str = ""
    """Empty for a quote; else the first line of what came instead ("(none)" if nothing)."""


@dataclass
class Client:
    fake: Any
    app_url: str
    _names: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**9)))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        from bot.sandbox import SlackRequester

        self.requester = SlackRequester(
            self.app_url, SECRET, trigger_ids=self.fake.trigger_id, timeout=30
        )

    def promise(self, text: str, timeout: float = 30.0) -> Sample:
        """Send `/promise TEXT` signed, time the ack and the quote's arrival at the response_url."""
        with self._lock:
            name = f"bench-{next(self._names)}"
        url = self.fake.response_url(name, channel=SALES_CHANNEL, user=SALES)
        done = self.fake.event(name)
        sample = Sample(text)
        started = time.perf_counter()
        reply = self.requester.command("/promise", text, SALES, SALES_CHANNEL, response_url=url)
        sample.ack_ms = (time.perf_counter() - started) * 1000
        sample.status = reply.status
        if reply.status != 200:
            sample.answer = f"HTTP {reply.status}: {str(reply.body)[:80]}"
            return sample
        if not done.wait(timeout):
            sample.answer = "(none)"
            return sample
        sample.quote_ms = (self.fake.arrived[name] - started) * 1000
        body = self.fake.bodies[name]
        if not _is_quote(body):
            sample.answer = str(body.get("text") or "").splitlines()[0][:100] or "(no text)"
        return sample


def _sold(url: str) -> list[str]:
    import sqlalchemy as sa

    from bot.platform.db.session import make_engine
    from bot.platform.db.tables import ItemRow

    engine = make_engine(url)
    with engine.connect() as connection:
        sold = list(
            connection.scalars(
                sa.select(ItemRow.sku).where(ItemRow.sku.like("FG-%")).order_by(ItemRow.sku)
            )
        )
    engine.dispose()
    return sold


def _figures(samples: list[Sample], prefix: str) -> dict[str, Any]:
    acks = [s.ack_ms for s in samples if s.status == 200]
    quotes = [s.quote_ms for s in samples if not math.isnan(s.quote_ms)]
    others: dict[str, int] = {}
    for s in samples:
        if s.answer:
            others[s.answer] = others.get(s.answer, 0) + 1
    return {
        f"{prefix}ack_p50_ms": percentile(acks, 50),
        f"{prefix}ack_p99_ms": percentile(acks, 99),
        f"{prefix}ack_max_ms": max(acks, default=math.nan),
        f"{prefix}quote_p50_ms": percentile(quotes, 50),
        f"{prefix}quote_p99_ms": percentile(quotes, 99),
        f"{prefix}quote_max_ms": max(quotes, default=math.nan),
        f"{prefix}requests": len(samples),
        f"{prefix}not_quotes": sum(others.values()),
        f"{prefix}not_quote_answers": others,
    }


def measure(
    url: str, requests: int, concurrency: int, seed: int, workdir: Path, profile: str | None
) -> dict[str, Any]:
    """Serve the app on the database at `url` and time `requests` signed /promise commands."""
    sold = _sold(url)
    rng = random.Random(seed * 7919 + 2)
    fake = _timed_fake_slack()
    with fake:
        app = AppProcess(url, fake.url, workdir / "app.log", profile)
        try:
            client = Client(fake, app.url)
            cold = client.promise(_request(rng, sold, 0), timeout=QUOTE_TIMEOUT_S)
            for n in range(1, WARMUP):
                client.promise(_request(rng, sold, n), timeout=QUOTE_TIMEOUT_S)
            result: dict[str, Any] = {
                "cold_ack_ms": cold.ack_ms,
                "cold_quote_ms": cold.quote_ms,
            }
            texts = [_request(rng, sold, n) for n in range(requests)]
            sequential = [client.promise(text) for text in texts]
            result.update(_figures(sequential, ""))
            if concurrency > 1:
                result.update(_figures(_concurrently(client, texts, concurrency), "c_"))
                result["concurrency"] = concurrency
            if any(s.answer for s in sequential):
                result["app_log_tail"] = app.log_tail(2000)
        finally:
            app.close()
    return result


def _concurrently(client: Client, texts: list[str], clients: int) -> list[Sample]:
    """`clients` threads, each sending its next request as soon as its last quote arrived."""
    pending = iter(list(enumerate(texts)))
    lock = threading.Lock()
    samples: list[Sample | None] = [None] * len(texts)

    def work() -> None:
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                return
            n, text = item
            samples[n] = client.promise(text)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [s for s in samples if s is not None]


# --- the parent -------------------------------------------------------------------------------


def run(
    size: Size,
    databases: list[str],
    requests: int,
    concurrency: int,
    seed: int,
    profile: str | None = None,
    keep: bool = False,
) -> dict[str, Any]:
    """Generate, write, serve and measure; returns every figure (also what the table prints)."""

    def serve_and_measure(kind: str, url: str, workdir: Path) -> dict[str, Any]:
        folder = None
        if profile is not None:
            folder = Path(profile) / kind
            folder.mkdir(parents=True, exist_ok=True)
            folder = folder.resolve()
        log(
            f"{kind}: serving the app; {WARMUP} warm-up requests, {requests} one at a time"
            + (f", {requests} by {concurrency} clients at once" if concurrency > 1 else "")
            + "…"
        )
        kind_dir = workdir / kind
        kind_dir.mkdir()
        return measure(url, requests, concurrency, seed, kind_dir, str(folder) if folder else None)

    return measure_each_database(
        size,
        databases,
        seed,
        database_name=DATABASE_NAME,
        workdir_prefix="promisebot-bench-slack-",
        keep=keep,
        measure=serve_and_measure,
    )


def table(report: dict[str, Any]) -> str:
    s, size = report["stats"], report["size"]
    items = size["sold"] + size["subassemblies"] + size["parts"] + size["materials"]
    lines = [
        f"factory: {size['work_centers']} work centers, {items:,} items ({size['sold']:,} sold), "
        f"{int(s['booked']):,} reservations, seed {report['seed']}; as of {AS_OF}",
        "",
    ]
    names = list(report["databases"])
    rows: list[tuple[str, str | None, str]] = [
        ("cold: first ack", "cold_ack_ms", "{:.1f} ms"),
        ("cold: first quote (engine load)", "cold_quote_ms", "{:.0f} ms"),
        ("ack p50", "ack_p50_ms", "{:.1f} ms"),
        ("ack p99", "ack_p99_ms", "{:.1f} ms"),
        ("ack max", "ack_max_ms", "{:.1f} ms"),
        ("quote posted p50", "quote_p50_ms", "{:.1f} ms"),
        ("quote posted p99", "quote_p99_ms", "{:.1f} ms"),
        ("quote posted max", "quote_max_ms", "{:.1f} ms"),
        ("requests (one at a time)", "requests", "{:d}"),
        ("answers that were not quotes", "not_quotes", "{:d}"),
    ]
    if any("c_requests" in report["databases"][n] for n in names):
        k = next(
            report["databases"][n]["concurrency"]
            for n in names
            if "concurrency" in report["databases"][n]
        )
        rows += [
            (f"ack p50, {k} at once", "c_ack_p50_ms", "{:.1f} ms"),
            (f"ack p99, {k} at once", "c_ack_p99_ms", "{:.1f} ms"),
            (f"ack max, {k} at once", "c_ack_max_ms", "{:.1f} ms"),
            (f"quote posted p50, {k} at once", "c_quote_p50_ms", "{:.1f} ms"),
            (f"quote posted p99, {k} at once", "c_quote_p99_ms", "{:.1f} ms"),
            (f"quote posted max, {k} at once", "c_quote_max_ms", "{:.1f} ms"),
            (f"requests ({k} at once)", "c_requests", "{:d}"),
            (f"not quotes ({k} at once)", "c_not_quotes", "{:d}"),
        ]
    rows.append(("database write (setup)", None, ""))
    lines += figures_table(report, rows, TARGETS, nan_is_missing=True)
    for name in names:
        figures = report["databases"][name]
        if "unreachable" in figures:
            lines.append(f"{name}: {figures['unreachable']}")
            continue
        answers: dict[str, int] = {}
        for key in ("not_quote_answers", "c_not_quote_answers"):
            for text, count in (figures.get(key) or {}).items():
                answers[text] = answers.get(text, 0) + count
        for text, count in sorted(answers.items(), key=lambda kv: -kv[1])[:5]:
            lines.append(f"{name}: {count} × not a quote: {text}")
        if figures.get("app_log_tail"):
            lines.append(f"{name}: the app's log ends with:\n{figures['app_log_tail']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.slack", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--requests", type=int, default=None, help="default 300 (50 with --small)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=0,
        metavar="K",
        help="also send the requests from K clients at once (e.g. 4)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="a quick run on a small factory")
    parser.add_argument("--profile", metavar="DIR", help="write and summarise cProfile files")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--slack-api-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        serve(args.serve, args.slack_api_url, args.profile)
        return 0

    requests = args.requests if args.requests is not None else (50 if args.small else 300)
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    started = time.perf_counter()
    report = run(
        SMALL if args.small else FULL,
        databases,
        requests,
        args.concurrency,
        args.seed,
        args.profile,
        args.keep,
    )
    print(table(report))
    print(
        f"\n(total {time.perf_counter() - started:.0f} s; /promise of 1–60 units of a random sold "
        f"sku due 0–119 days out, signed, over HTTP; targets from issue 4; {os.cpu_count()} CPUs)"
    )
    if args.json:
        print(json.dumps(report, default=str))
    if args.profile:
        print_profiles(args.profile, [("tottime", "tottime"), ("cumulative", "cumulative")], 20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
