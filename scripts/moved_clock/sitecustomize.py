"""time.sleep for Python processes under libfaketime 0.9.10 with a real monotonic clock.

scripts/moved-clock puts this folder on PYTHONPATH, so every Python process of a moved-clock run
(pytest, the `promisebot` children it starts, their children) imports it at start-up.

CPython 3.11's time.sleep waits with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline).
libfaketime rewrites every absolute deadline as if it were on the faked clock, even with
FAKETIME_DONT_FAKE_MONOTONIC=1 (which scripts/moved-clock needs, see there), so the real
monotonic deadline turns into a negative time and the call fails with EINVAL. select() takes a
relative timeout, which libfaketime passes through untouched.
"""

from __future__ import annotations

import os
import select
import time
from typing import SupportsIndex


def _sleep(secs: float | SupportsIndex) -> None:
    """Like time.sleep; select() already resumes after a signal with the time that is left."""
    seconds = float(secs)
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


if (
    "faketime" in os.environ.get("LD_PRELOAD", "")
    and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1"
):
    time.sleep = _sleep
