"""Where a simulation's factory comes from: a factory folder, or the database (read only).

Either way it comes with each item's order quantities from its own history (orders.csv, or
every order in the database), which the generated orders draw their quantities from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.factory.files import read_factory_dir
from bot.factory.store import load_factory
from bot.platform.db.session import make_engine, make_session_factory, require_current_schema
from bot.platform.db.tables import OrderRow
from bot.platform.settings import Settings
from capacity.calendar import public_holidays
from capacity.model import Factory


@dataclass(frozen=True)
class Source:
    factory: Factory
    quantities: dict[str, list[int]]
    """Each sku's order quantities in the factory's history, in booking order."""
    name: str
    """How to name it to the user: the folder, or the database."""


def _holidays(settings: Settings, start: date, days: int) -> dict[date, str]:
    if not settings.holidays_country:
        return {}
    end = start + timedelta(days + 2 * settings.horizon_days)
    return public_holidays(settings.holidays_country, range(start.year, end.year + 1))


def from_folder(path: Path, settings: Settings, *, start: date, days: int) -> Source:
    """A factory folder, checked as `promisebot import` checks it (FactoryFileError)."""
    files = read_factory_dir(path)
    quantities: dict[str, list[int]] = defaultdict(list)
    for order in files.orders:
        quantities[order.sku].append(order.qty)
    factory = replace(files.factory, holidays=_holidays(settings, start, days))
    return Source(factory, dict(quantities), str(path))


def from_database(settings: Settings, *, start: date, days: int) -> Source:
    """The database's factory and order history. Only reads: nothing is written."""
    engine = make_engine(settings.database_url)
    try:
        require_current_schema(engine)
        with make_session_factory(engine)() as session:
            factory = load_factory(session, holidays=_holidays(settings, start, days))
            quantities: dict[str, list[int]] = defaultdict(list)
            rows = session.execute(sa.select(OrderRow.sku, OrderRow.qty).order_by(OrderRow.id))
            for sku, qty in rows:
                quantities[sku].append(int(qty))
            session.rollback()
    finally:
        engine.dispose()
    return Source(factory, dict(quantities), "the database's factory")
