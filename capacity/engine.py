"""The ATP/CTP engine: quotes, readiness and just-in-time placement on daily buckets.

(Skeleton: the interface is fixed, the implementation is being written.)
"""

from __future__ import annotations

from datetime import date

from capacity.model import Factory, Placement, Quote


class Engine:
    """The whole planning state in memory: capacity and stock by day, and what is reserved.

    `Engine(factory, as_of=date, horizon_days=365)`; book existing reservations with `apply`.
    """

    def __init__(self, factory: Factory, *, as_of: date, horizon_days: int = 365) -> None:
        raise NotImplementedError

    # state
    def apply(self, placement: Placement) -> None:
        """Book a reservation's hours, stock allocations and planned purchases."""
        raise NotImplementedError

    def release(self, placement: Placement) -> None:
        """Give back what `apply` booked."""
        raise NotImplementedError

    # questions
    def capacity(self, work_center: str, on: date) -> float: ...
    def reserved(self, work_center: str, on: date) -> float: ...
    def free_hours(self, work_center: str, on: date, *, rush: bool = False) -> float: ...
    def pab(self, sku: str, on: date) -> float: ...
    def atp(self, sku: str, on: date) -> float: ...
    def readiness(self, sku: str, qty: int, *, rush: bool = False) -> date | None:
        """R(sku, qty): earliest day qty can be ready, None beyond the horizon."""
        raise NotImplementedError

    def quote(self, sku: str, qty: int, requested: date, *, rush: bool = False) -> Quote:
        raise NotImplementedError

    def place(self, sku: str, qty: int, on: date, *, rush: bool = False) -> Placement:
        """Where a hold of qty on `on` would go (DESIGN item 6); raises NotPromisable. Does not apply."""
        raise NotImplementedError
