"""The figures of a simulation, per policy and setting, over all its seeds (DESIGN.md,
"Simulating promise reliability", Figures).

Counts are summed over the seeds; lead times, lateness and notice are over the pooled orders;
utilisation is the bottleneck's worked hours over its normal hours, pooled over the seeds.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from capacity.simulation.run import RunResult, Setting

WARNED_DAYS = 2
"""A customer counts as warned when told at least this many days before the first date."""


@dataclass(frozen=True)
class Week:
    """The orders whose first promised date falls in the week starting `monday`."""

    monday: date
    due: int
    kept: int


@dataclass(frozen=True)
class Figures:
    setting: Setting
    seeds: tuple[int, ...]
    arrived: int
    accepted: int
    lost: int
    shipped: int
    still_open: int
    """Accepted and not shipped when the run ended: orders that found no place within the
    horizon's length after the last day of orders (normally none)."""
    kept: int
    kept_as_last_told: int
    warned: int
    """Of the promises not kept, those whose customer was told at least WARNED_DAYS days before
    the first date."""
    notice_days_mean: float | None
    """How many days before the first date the warned customers were told, on average."""
    lead_time_mean: float | None
    lead_time_p50: int | None
    lead_time_p90: int | None
    days_late_mean: float | None
    """Of the promises not kept: days from the first date to shipping (to the end of the run for
    orders still open, so a lower bound for them)."""
    utilisation: float
    bottleneck: str | None
    weeks: tuple[Week, ...]

    @property
    def on_time(self) -> float | None:
        """Promises kept ÷ orders accepted."""
        return self.kept / self.accepted if self.accepted else None

    def to_json(self) -> dict[str, Any]:
        """The issue's stable JSON of one policy and setting."""
        return {
            "policy": self.setting.policy,
            "setting": self.setting.value,
            "arrived": self.arrived,
            "accepted": self.accepted,
            "lost": self.lost,
            "kept": self.kept,
            "kept_as_last_told": self.kept_as_last_told,
            "warned": self.warned,
            "lead_time": {
                "mean": _round(self.lead_time_mean, 2),
                "p50": self.lead_time_p50,
                "p90": self.lead_time_p90,
            },
            "days_late_mean": _round(self.days_late_mean, 2),
            "utilisation": round(self.utilisation, 4),
        }


def summarize(results: Sequence[RunResult]) -> list[Figures]:
    """One Figures per setting, in the order the settings first appear in `results`."""
    by_setting: dict[Setting, list[RunResult]] = defaultdict(list)
    for result in results:
        by_setting[result.setting].append(result)
    return [_figures(setting, runs) for setting, runs in by_setting.items()]


def _figures(setting: Setting, runs: list[RunResult]) -> Figures:
    runs = sorted(runs, key=lambda r: r.seed)
    outcomes = [(o, run.end) for run in runs for o in run.outcomes]
    accepted = [(o, end) for o, end in outcomes if o.accepted]
    missed = [(o, end) for o, end in accepted if not o.kept]
    warned = [
        o
        for o, _ in missed
        if o.warned_on is not None
        and o.promised_on is not None
        and (o.promised_on - o.warned_on).days >= WARNED_DAYS
    ]
    leads = sorted(o.lead_time_days for o, _ in accepted if o.lead_time_days is not None)
    late = [o.days_late(end) for o, end in missed]
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for o, _ in accepted:
        assert o.promised_on is not None
        monday = o.promised_on - timedelta(o.promised_on.weekday())
        weeks[monday][0] += 1
        weeks[monday][1] += o.kept
    worked = sum(r.worked_hours for r in runs)
    normal = sum(r.normal_hours for r in runs)
    bottlenecks = Counter(r.bottleneck for r in runs if r.bottleneck is not None)
    return Figures(
        setting=setting,
        seeds=tuple(r.seed for r in runs),
        arrived=len(outcomes),
        accepted=len(accepted),
        lost=len(outcomes) - len(accepted),
        shipped=sum(o.shipped_on is not None for o, _ in accepted),
        still_open=sum(o.shipped_on is None for o, _ in accepted),
        kept=sum(o.kept for o, _ in accepted),
        kept_as_last_told=sum(o.kept_as_last_told for o, _ in accepted),
        warned=len(warned),
        notice_days_mean=_mean(
            [(o.promised_on - o.warned_on).days for o in warned if o.promised_on and o.warned_on]
        ),
        lead_time_mean=_mean(leads),
        lead_time_p50=percentile(leads, 50),
        lead_time_p90=percentile(leads, 90),
        days_late_mean=_mean(late),
        utilisation=worked / normal if normal else 0.0,
        bottleneck=bottlenecks.most_common(1)[0][0] if bottlenecks else None,
        weeks=tuple(Week(m, due, kept) for m, (due, kept) in sorted(weeks.items())),
    )


def percentile(values: Sequence[int], p: float) -> int | None:
    """The p-th percentile of sorted `values` by nearest rank; None when there are none."""
    if not values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(values)))
    return values[rank - 1]


def _mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
