"""The import's pause of Python's cyclic garbage collector leaves it as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.platform.bulk import cyclic_gc_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after_even_when_the_block_fails() -> None:
    gc.enable()
    with pytest.raises(ValueError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise ValueError("a bad row")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
