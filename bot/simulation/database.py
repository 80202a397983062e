"""The simulation `/promisebot simulate` runs in Slack: the database's factory (read only), its
generated orders and default disruptions, every policy at its default settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.platform.i18n import gettext as _
from bot.platform.settings import Settings
from bot.simulation.runner import Study, run_study
from bot.simulation.sources import from_database
from capacity.model import PlanningError
from capacity.simulation import POLICIES, Figures, Setting, summarize

FIXED_DAYS = (0, 5, 10, 20)
SLACK_DAYS = (0, 2)


@dataclass(frozen=True)
class Simulated:
    figures: list[Figures]
    about: list[str]
    """What was simulated, one line each."""


def default_settings() -> tuple[Setting, ...]:
    return tuple(
        Setting(policy, value)
        for policy in POLICIES
        for value in (FIXED_DAYS if policy in ("fixed", "backlog") else SLACK_DAYS)
    )


def simulate_database(
    settings: Settings, *, start: date, days: int, seeds: Sequence[int]
) -> Simulated:
    """Every policy on `days` days of generated orders from `start` for each seed, on the
    database's factory. Only reads the database; PlanningError when it has no factory."""
    source = from_database(settings, start=start, days=days)
    if not source.factory.work_centers or not source.factory.items:
        raise PlanningError(
            "The database has no factory to simulate yet; import one first with "
            "`promisebot import DIR`."
        )
    study = Study(
        factory=source.factory,
        start=start,
        days=days,
        seeds=tuple(seeds),
        settings=default_settings(),
        quantities=source.quantities,
        horizon_days=settings.horizon_days,
    )
    last = start + timedelta(days - 1)
    about = [
        _("Factory: {name}.", name=source.name),
        _(
            "Orders: generated for {days} days, from {start} to {last}, {rate} a workday on "
            "average.",
            days=days,
            start=start.isoformat(),
            last=last.isoformat(),
            rate=f"{study.rate:.2f}",
        ),
        _(
            "Seeds: {seeds}; disruptions drawn from each seed.",
            seeds=", ".join(str(s) for s in study.seeds),
        ),
    ]
    return Simulated(summarize(run_study(study)), about)
