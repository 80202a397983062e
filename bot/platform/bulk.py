"""Work on millions of objects at once: an import of the whole order book."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside the block, then as it was before.

    An import of 20,000 orders makes tens of millions of short-lived tuples and keeps millions
    of objects alive (the engine's journal, placements, ORM rows). Each allocation burst starts
    a collection, and each full one walks every live object again: 6 of the 31 seconds that
    `promisebot import` of the benchmark factory took in one process went to collections that
    found next to nothing. Reference counting still frees every object that is not
    in a cycle; what is in one waits for the first collection after the block.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
