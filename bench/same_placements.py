"""Whether another engine books the benchmark's order book exactly as this one does.

    git worktree add /tmp/promisebot-main main     # the engine to compare with
    .venv/bin/python -m bench.same_placements /tmp/promisebot-main [--small]

For work that must not change a single result (a faster engine): each side, in its own process,
generates issue 3's factory (bench/factory_gen.py, seed 1) and books its order book in file order
as `promisebot import` does (`place` on the order's day, else on the quote's earliest, then
`apply`), one side with the `capacity` package of the checkout given, the other with this one.
Every placement (its day, the hours per work center and day, the stock uses and purchases, to the
last bit of every float) and the engine's final reserved hours and stock are compared; it prints
how many orders differ and the CPU seconds each side took to book them, and exits 1 when
anything differs.
"""

from __future__ import annotations

import argparse
import importlib.util
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def book(checkout: str | None, small: bool, out: Path) -> None:
    """Book the order book with `checkout`'s capacity package (None: this one) into `out`."""
    if checkout is not None:
        # Loaded by path before anything imports it: an editable install's finder would
        # otherwise hand over this checkout's package whatever sys.path says.
        folder = Path(checkout) / "capacity"
        spec = importlib.util.spec_from_file_location(
            "capacity", folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["capacity"] = module
        spec.loader.exec_module(module)
    import capacity.engine
    from bench.factory_gen import AS_OF, FULL, SMALL, book_orders, generate_factory

    factory, _, order_book = generate_factory(SMALL if small else FULL, 1, AS_OF)
    started = time.process_time()
    engine, booked, _ = book_orders(factory, order_book, AS_OF)
    cpu = time.process_time() - started
    state = ([list(row) for row in engine._reserved], engine._base.copy())
    # Plain values, not the engine's classes: the other side's may be of another kind (a
    # dataclass then, a named tuple now) and would not unpickle here.
    orders = [(o.ref, o.requested_on, _plain(o.placement)) for o in booked]
    with out.open("wb") as f:
        pickle.dump((capacity.engine.__file__, cpu, orders, state), f)


def _plain(placement: Any) -> tuple[Any, ...]:
    """A placement as tuples of its values, field by field."""

    def uses(many: Any, *names: str) -> list[tuple[Any, ...]]:
        return [tuple(getattr(use, name) for name in names) for use in many]

    return (
        placement.sku,
        placement.qty,
        placement.on,
        placement.rush,
        placement.just_in_time,
        uses(placement.hours, "work_center", "on", "hours"),
        uses(placement.stock, "sku", "on", "qty"),
        uses(placement.purchases, "sku", "on", "qty"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", help="a checkout whose capacity/ is the engine to compare")
    parser.add_argument("--small", action="store_true", help="the small factory (2,000 orders)")
    parser.add_argument("--book", nargs=2, metavar=("CHECKOUT_OR_-", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.book:
        checkout, out = args.book
        book(None if checkout == "-" else checkout, args.small, Path(out))
        return 0

    with tempfile.TemporaryDirectory(prefix="promisebot-same-placements-") as work:
        results: list[Any] = []
        for side in (args.reference, "-"):
            out = Path(work) / f"{len(results)}.pickle"
            flags = ["--small"] if args.small else []
            command = [sys.executable, "-m", "bench.same_placements", "-", *flags]
            subprocess.run([*command, "--book", side, str(out)], check=True)
            with out.open("rb") as f:
                results.append(pickle.load(f))
    (ref_file, ref_cpu, ref_orders, ref_state), (file, cpu, orders, state) = results
    differ = [a[0] for a, b in zip(ref_orders, orders, strict=False) if a != b]
    if len(ref_orders) != len(orders):
        differ.append(f"{len(ref_orders)} orders booked against {len(orders)}")
    same_state = ref_state[0] == state[0] and ref_state[1].tobytes() == state[1].tobytes()
    print(f"reference {ref_file}: {len(ref_orders):,} orders booked in {ref_cpu:.1f} s CPU")
    print(f"this      {file}: {len(orders):,} orders booked in {cpu:.1f} s CPU")
    print(f"{len(ref_orders):,} orders compared: {len(differ)} differ {differ[:5]}")
    print(f"reserved hours and stock after the book: {'identical' if same_state else 'DIFFER'}")
    return 0 if not differ and same_state else 1


if __name__ == "__main__":
    raise SystemExit(main())
