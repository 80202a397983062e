"""A synthetic factory at benchmark size, its order book booked with the real engine, and a
fresh database holding both.

Reusable by every benchmark (bench/quote.py, bench/slack.py):

    spec = FULL                                   # or SMALL
    data = generate(spec, seed=1)                 # factory + 20,000 booked reservations
    url = fresh_database("sqlite", workdir)       # or "postgres"
    write_database(url, data)                     # the tables OrderService reads

The shape (DESIGN.md's model, issue 3's benchmark size):
- work centers with 1–3 machines, 1–3 shifts of 8 h, efficiency 0.80–0.95, Mon-Fri or Mon-Sat,
  some with a rush reserve;
- items in four levels: sold finished goods (FG-) → subassemblies (SA-) → parts (PT-) → purchased
  materials (RM-), so the bill of materials is 3 levels deep; each make item has 4–8 components
  (about 6) drawn from the levels below it with a skewed popularity, so common parts are shared
  by many parents; each make item has 2–4 routing operations over the work centers;
- an order book of sold items (skewed popularity, 1–60 units, due dates uniform over the year);
  the hours per unit are calibrated per work center so that the order book loads each work
  center 40–80 % of its normal capacity over the year; stock, scheduled receipts and safety stock
  are sized from the order book's gross demand, so that some demand is met from stock and the
  rest is made or bought;
- each order is booked exactly as a confirmation would be (Engine.place, then Engine.apply); an
  order that cannot be ready on its date is booked on its earliest date instead (R(sku, qty)),
  and one that cannot be promised within the horizon is left out.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from capacity.engine import Engine
from capacity.model import (
    BomLine,
    Factory,
    Item,
    NotPromisable,
    Operation,
    Placement,
    Receipt,
    WorkCenter,
)

AS_OF = date(2026, 1, 5)
"""The planning date of every benchmark (a Monday), so that runs are comparable."""

HORIZON = 365


@dataclass(frozen=True)
class Size:
    work_centers: int
    sold: int
    subassemblies: int
    parts: int
    materials: int
    reservations: int
    customers: int = 200
    components: tuple[int, int] = (4, 8)
    """Components per make item, inclusive range (about 6)."""
    operations: tuple[int, int] = (2, 4)
    load: tuple[float, float] = (0.40, 0.80)
    """The target load of each work center (order book hours / normal capacity over the year)."""

    @property
    def items(self) -> int:
        return self.sold + self.subassemblies + self.parts + self.materials


FULL = Size(
    work_centers=100, sold=1000, subassemblies=1000, parts=1500, materials=1500, reservations=20_000
)
SMALL = Size(
    work_centers=10,
    sold=100,
    subassemblies=100,
    parts=150,
    materials=150,
    reservations=2_000,
    customers=50,
)


@dataclass(frozen=True)
class BookedOrder:
    ref: str
    customer: str
    sku: str
    qty: int
    requested_on: date
    placement: Placement


@dataclass
class BenchData:
    size: Size
    seed: int
    as_of: date
    factory: Factory
    orders: list[BookedOrder]
    sold: list[str]
    stats: dict[str, float] = field(default_factory=dict)
    """Figures about the generated data: booking time, load, rows per table, refusals."""


# --- the factory -------------------------------------------------------------------------------


def _skewed(rng: random.Random, n: int, exponent: float = 0.8) -> Callable[[], int]:
    """A sampler of 0 … n−1 where low indexes are more popular (Zipf-like, rank^−exponent)."""
    weights = [1.0 / (rank + 1) ** exponent for rank in range(n)]
    order = list(range(n))
    rng.shuffle(order)  # popularity is not tied to the sku number
    cumulative: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    import bisect

    def draw() -> int:
        return order[min(bisect.bisect_left(cumulative, rng.random() * total), n - 1)]

    return draw


def _structure(
    size: Size, rng: random.Random
) -> tuple[
    list[WorkCenter],
    dict[str, list[str]],
    list[BomLine],
    dict[str, list[tuple[str, float]]],
    dict[str, list[tuple[int, float, float, int]]],
]:
    """Work centers, items per level, BOM lines and routings with unscaled hours."""
    centers = []
    for n in range(size.work_centers):
        centers.append(
            WorkCenter(
                code=f"WC-{n + 1:03d}",
                name=f"Work center {n + 1}",
                machines=rng.choice((1, 1, 2, 2, 3)),
                shifts_per_day=rng.choice((1, 2, 2, 3)),
                hours_per_shift=8.0,
                efficiency=round(rng.uniform(0.80, 0.95), 2),
                workdays=rng.choice(("Mon-Fri",) * 4 + ("Mon-Sat",)),
                rush_reserve_pct=rng.choice((0.0, 0.0, 10.0, 15.0)),
            )
        )
    levels = {
        "FG": [f"FG-{n + 1:05d}" for n in range(size.sold)],
        "SA": [f"SA-{n + 1:05d}" for n in range(size.subassemblies)],
        "PT": [f"PT-{n + 1:05d}" for n in range(size.parts)],
        "RM": [f"RM-{n + 1:05d}" for n in range(size.materials)],
    }
    pick = {level: _skewed(rng, len(skus)) for level, skus in levels.items()}
    # Which levels a make item's components come from (the BOM is at most 3 levels deep).
    mix = {
        "FG": (("SA", 0.5), ("PT", 0.3), ("RM", 0.2)),
        "SA": (("PT", 0.65), ("RM", 0.35)),
        "PT": (("RM", 1.0),),
    }
    bom: list[BomLine] = []
    components: dict[str, list[tuple[str, float]]] = {}
    for level in ("FG", "SA", "PT"):
        for sku in levels[level]:
            chosen: dict[str, float] = {}
            wanted = rng.randint(*size.components)
            while len(chosen) < wanted:
                r, below = rng.random(), mix[level][-1][0]
                for name, share in mix[level]:
                    if r < share:
                        below = name
                        break
                    r -= share
                component = levels[below][pick[below]()]
                if below == "RM" and rng.random() < 0.4:
                    qty_per = rng.choice((0.25, 0.5, 1.5, 2.5, 0.75))  # kg, m, l
                else:
                    qty_per = float(rng.choice((1, 1, 1, 2, 2, 4)))
                chosen[component] = qty_per
            components[sku] = sorted(chosen.items())
            bom.extend(BomLine(sku, c, q) for c, q in components[sku])
    routings: dict[str, list[tuple[int, float, float, int]]] = {}
    draw_center = _skewed(rng, size.work_centers, 0.3)
    for level in ("FG", "SA", "PT"):
        for sku in levels[level]:
            ops = []
            for _ in range(rng.randint(*size.operations)):
                w = draw_center()
                setup = rng.choice((0.0, 0.25, 0.5, 0.5, 1.0, 1.0, 2.0))
                run = rng.lognormvariate(0.0, 0.6)  # relative; scaled per work center below
                lag = rng.choice((0,) * 9 + (1, 2))
                ops.append((w, setup, run, lag))
            routings[sku] = ops
    return centers, levels, bom, components, routings


def _order_book(size: Size, rng: random.Random, sold: list[str]) -> list[tuple[str, str, int, int]]:
    """(customer, sku, qty, day index) of the orders to book, in booking order."""
    pick = _skewed(rng, len(sold), 0.7)
    book = []
    for _ in range(size.reservations):
        qty = max(1, min(60, int(round(math.exp(rng.uniform(0.0, math.log(60)))))))
        customer = f"Customer {rng.randint(1, size.customers):03d}"
        book.append((customer, sold[pick()], qty, rng.randrange(HORIZON)))
    return book


def _gross_demand(
    book: list[tuple[str, str, int, int]], components: dict[str, list[tuple[str, float]]]
) -> dict[str, float]:
    """Every item's demand over the year if nothing came from stock (the full explosion)."""
    top: dict[str, float] = defaultdict(float)
    for _, sku, ordered, _ in book:
        top[sku] += ordered
    demand: dict[str, float] = defaultdict(float)
    # Levels in order FG → SA → PT → RM; a component is always on a lower level.
    pending: dict[str, float] = dict(top)
    for level in ("FG", "SA", "PT", "RM"):
        for sku in sorted(s for s in pending if s.startswith(level)):
            qty = pending.pop(sku)
            demand[sku] += qty
            for component, qty_per in components.get(sku, ()):
                pending[component] = pending.get(component, 0.0) + qty * qty_per
    return demand


def generate_factory(
    size: Size, seed: int, as_of: date = AS_OF
) -> tuple[Factory, list[str], list[tuple[str, str, int, int]]]:
    """The factory, its sold skus and the order book to book on it."""
    rng = random.Random(seed)
    centers, levels, bom, components, raw_routings = _structure(size, rng)
    book = _order_book(size, rng, levels["FG"])
    demand = _gross_demand(book, components)

    # Stock: what the plant has and has on order, sized from the gross demand. Materials are
    # mostly bought (some stock, monthly receipts for about half the need); made items have a
    # little stock and a few open production orders, so most of their demand is made.
    on_hand: dict[str, float] = {}
    receipts: list[Receipt] = []
    items: list[Item] = []
    for level, skus in levels.items():
        for sku in skus:
            need = demand.get(sku, 0.0)
            weekly = need / 52.0
            if level == "RM":
                lead = rng.choice((3, 5, 7, 10, 14, 21, 30))
                safety = round(weekly * rng.choice((0, 0, 0.5, 1.0)))
                on_hand[sku] = round(weekly * rng.uniform(2, 6) + safety)
                share = rng.uniform(0.3, 0.6)
                for month in range(12):
                    on = as_of + timedelta(days=15 + 30 * month + rng.randint(-5, 5))
                    qty = round(need * share / 12)
                    if qty > 0:
                        receipts.append(Receipt(sku, on, float(qty), f"PO-{sku}-{month + 1:02d}"))
                items.append(
                    Item(
                        sku,
                        f"Material {sku[3:]}",
                        "buy",
                        "kg" if rng.random() < 0.3 else "ea",
                        lead,
                        float(safety),
                    )
                )
            else:
                kind = (
                    "Finished good"
                    if level == "FG"
                    else ("Subassembly" if level == "SA" else "Part")
                )
                on_hand[sku] = round(weekly * rng.uniform(0, 3 if level == "FG" else 4))
                if level != "FG":
                    for n in range(rng.randint(0, 3)):
                        on = as_of + timedelta(days=rng.randint(3, 60))
                        qty = round(weekly * rng.uniform(1, 3))
                        if qty > 0:
                            receipts.append(Receipt(sku, on, float(qty), f"MO-{sku}-{n + 1}"))
                safety = round(weekly * 0.5) if rng.random() < 0.2 else 0
                items.append(Item(sku, f"{kind} {sku[3:]}", "make", "ea", 0, float(safety)))

    # Calibrate the hours per unit, per work center, so that the gross demand (made with no
    # stock) loads each work center a random 40–80 % of its normal capacity over the year.
    # Stock covers part of the gross demand, so aim a little higher than the target.
    probe = Engine(Factory(work_centers=tuple(centers)), as_of=as_of, horizon_days=HORIZON)
    normal = [sum(probe._cap_normal[w]) for w in range(len(centers))]
    gross_setup = [0.0] * len(centers)
    gross_run = [0.0] * len(centers)
    lots: dict[str, int] = defaultdict(int)  # production orders per item ~ orders that reach it
    for _, sku, _, _ in book:
        lots[sku] += 1
    for level in ("FG", "SA", "PT"):
        for sku in levels[level]:
            for component, _ in components.get(sku, ()):
                lots[component] += lots[sku]
    for sku, ops in raw_routings.items():
        for w, setup, run, _ in ops:
            gross_setup[w] += setup * lots[sku]
            gross_run[w] += run * demand.get(sku, 0.0)
    factor = []
    for w in range(len(centers)):
        target = rng.uniform(*size.load) * normal[w] * 1.2
        setups = min(gross_setup[w], 0.3 * target)  # setups at most ~30 % of the hours
        setup_scale = setups / gross_setup[w] if gross_setup[w] else 0.0
        run_scale = (target - setups) / gross_run[w] if gross_run[w] else 0.0
        factor.append((setup_scale, run_scale))
    routings = []
    for sku, ops in sorted(raw_routings.items()):
        for seq, (w, setup, run, lag) in enumerate(ops, start=1):
            setup_scale, run_scale = factor[w]
            routings.append(
                Operation(
                    sku=sku,
                    seq=seq * 10,
                    work_center=centers[w].code,
                    setup_hours=round(setup * setup_scale, 2),
                    run_hours_per_unit=max(0.001, round(run * run_scale, 4)),
                    lag_days=lag,
                )
            )
    factory = Factory(
        work_centers=tuple(centers),
        items=tuple(sorted(items, key=lambda i: i.sku)),
        bom=tuple(bom),
        routings=tuple(routings),
        on_hand={sku: qty for sku, qty in sorted(on_hand.items()) if qty > 0},
        receipts=tuple(sorted(receipts, key=lambda r: (r.sku, r.on, r.ref))),
    )
    return factory, levels["FG"], book


# --- booking the order book ----------------------------------------------------------------


def book_orders(
    factory: Factory,
    book: list[tuple[str, str, int, int]],
    as_of: date = AS_OF,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Engine, list[BookedOrder], dict[str, float]]:
    """Book every order with the real engine (place, then apply); returns the engine as booked."""
    engine = Engine(factory, as_of=as_of, horizon_days=HORIZON)
    booked: list[BookedOrder] = []
    moved = dropped = 0
    started = time.perf_counter()
    for n, (customer, sku, qty, day) in enumerate(book):
        on = as_of + timedelta(day)
        try:
            placement = engine.place(sku, qty, on)
        except NotPromisable as refused:
            earliest = refused.quote.earliest
            if earliest is None:
                dropped += 1
                continue
            placement = engine.place(sku, qty, earliest)
            on = earliest
            moved += 1
        engine.apply(placement)
        booked.append(BookedOrder(f"BENCH-{n + 1:06d}", customer, sku, qty, on, placement))
        if progress is not None and (n + 1) % 1000 == 0:
            progress(n + 1, len(book))
    seconds = time.perf_counter() - started
    stats = {
        "book_seconds": seconds,
        "booked": len(booked),
        "moved_later": moved,
        "dropped": dropped,
        "jit_share": sum(o.placement.just_in_time for o in booked) / max(1, len(booked)),
        "hours_rows": sum(len(o.placement.hours) for o in booked),
        "stock_rows": sum(len(o.placement.stock) for o in booked),
        "purchase_rows": sum(len(o.placement.purchases) for o in booked),
    }
    capacity = sum(sum(row) for row in engine._cap_normal)
    reserved = sum(sum(row) for row in engine._reserved)
    stats["load"] = reserved / capacity if capacity else 0.0
    loads = sorted(
        sum(engine._reserved[w]) / total
        for w, total in enumerate(sum(row) for row in engine._cap_normal)
        if total
    )
    stats["load_min"], stats["load_max"] = loads[0], loads[-1]
    stats["load_p10"], stats["load_p90"] = loads[len(loads) // 10], loads[len(loads) * 9 // 10]
    return engine, booked, stats


def generate(
    size: Size,
    seed: int = 1,
    as_of: date = AS_OF,
    progress: Callable[[int, int], None] | None = None,
) -> BenchData:
    """A factory of `size` with its order book booked by the engine."""
    started = time.perf_counter()
    factory, sold, book = generate_factory(size, seed, as_of)
    generated = time.perf_counter() - started
    _, booked, stats = book_orders(factory, book, as_of, progress)
    stats["generate_seconds"] = generated
    return BenchData(size, seed, as_of, factory, booked, sold, stats)


# --- the database --------------------------------------------------------------------------


def fresh_database(
    kind: str, workdir: Path, postgres_url: str | None = None, name: str = "promisebot_bench"
) -> str:
    """The URL of an empty database at Alembic head: a SQLite file in `workdir`, or the
    PostgreSQL database `name` on `postgres_url`'s server, dropped and created anew."""
    import sqlalchemy as sa

    from bot.platform.db.session import upgrade

    if kind == "sqlite":
        path = workdir / f"{name}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        assert postgres_url is not None
        server = sa.make_url(postgres_url)
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        url = server.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url


def drop_database(postgres_url: str, name: str = "promisebot_bench") -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(sa.make_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def postgres_reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return str(error).splitlines()[0]
    return None


def write_database(url: str, data: BenchData) -> dict[str, float]:
    """Save the factory (save_factory) and the booked orders with their reservations.

    The orders go in with bulk inserts of the same rows OrderService._reserve writes (orders,
    reservations, reserved_hours, stock_allocations, planned_purchases), all confirmed and
    active; on PostgreSQL the bulk rows go through COPY. Returns seconds per step.
    """

    from bot.factory.files import FactoryFiles
    from bot.factory.store import save_factory
    from bot.platform.db.session import make_engine, make_session_factory, write_transaction
    from bot.platform.db.tables import (
        Base,
        CustomerRow,
        OrderRow,
        PlannedPurchaseRow,
        ReservationRow,
        ReservedHoursRow,
        StockAllocationRow,
    )

    timings: dict[str, float] = {}
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    started = time.perf_counter()
    with write_transaction(sessions) as session:
        save_factory(session, FactoryFiles(data.factory))
    timings["save_factory"] = time.perf_counter() - started

    started = time.perf_counter()
    now = datetime.now(UTC)
    customers = sorted({o.customer for o in data.orders})
    customer_id = {name: n + 1 for n, name in enumerate(customers)}
    tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {
        CustomerRow.__tablename__: (["id", "name"], [(i, n) for n, i in customer_id.items()]),
    }
    orders: list[tuple[Any, ...]] = []
    reservations: list[tuple[Any, ...]] = []
    hours: list[tuple[Any, ...]] = []
    stock: list[tuple[Any, ...]] = []
    purchases: list[tuple[Any, ...]] = []
    for n, o in enumerate(data.orders, start=1):
        p = o.placement
        orders.append(
            (
                n,
                o.ref,
                customer_id[o.customer],
                o.sku,
                o.qty,
                o.requested_on,
                p.on,
                False,
                "confirmed",
                now,
                now,
                1,
            )
        )
        reservations.append((n, n, p.sku, p.qty, p.on, p.rush, p.just_in_time, True, now, 0))
        hours.extend((n, u.work_center, u.on, u.hours) for u in p.hours)
        stock.extend((n, u.sku, u.on, u.qty) for u in p.stock)
        purchases.extend((n, u.sku, u.on, u.qty) for u in p.purchases)
    tables[OrderRow.__tablename__] = (
        [
            "id",
            "ref",
            "customer_id",
            "sku",
            "qty",
            "requested_on",
            "promised_on",
            "rush",
            "status",
            "created_at",
            "updated_at",
            "version",
        ],
        orders,
    )
    tables[ReservationRow.__tablename__] = (
        [
            "id",
            "order_id",
            "sku",
            "qty",
            "on",
            "rush",
            "just_in_time",
            "active",
            "created_at",
            "changed_seq",
        ],
        reservations,
    )
    for table, rows in (
        (ReservedHoursRow, hours),
        (StockAllocationRow, stock),
        (PlannedPurchaseRow, purchases),
    ):
        what = ("work_center", "hours") if table is ReservedHoursRow else ("sku", "qty")
        tables[table.__tablename__] = (["reservation_id", what[0], "on", what[1]], rows)

    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            driver: Any = connection.connection.driver_connection
            cursor = driver.cursor()
            for name, (columns, rows) in tables.items():
                quoted = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            for name in ("customers", "orders", "reservations"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                )
            connection.exec_driver_sql("ANALYZE")
    else:
        bulk = {
            ReservedHoursRow.__tablename__,
            StockAllocationRow.__tablename__,
            PlannedPurchaseRow.__tablename__,
        }
        with write_transaction(sessions) as session:
            for name, (columns, rows) in tables.items():
                if name in bulk:
                    # (reservation_id, text, date, float): the driver's executemany, with the
                    # date as the ISO text SQLAlchemy's SQLite Date type stores.
                    quoted = ", ".join(f'"{c}"' for c in columns)
                    driver = session.connection().connection.driver_connection
                    driver.cursor().executemany(
                        f'INSERT INTO "{name}" ({quoted}) VALUES (?, ?, ?, ?)',
                        ((r, t, d.isoformat(), q) for r, t, d, q in rows),
                    )
                    continue
                insert = Base.metadata.tables[name].insert()
                session.execute(insert, [dict(zip(columns, row, strict=True)) for row in rows])
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    timings["write_orders"] = time.perf_counter() - started
    engine.dispose()
    return timings
