"""Charts as PNG bytes of one size, drawn with matplotlib's Agg canvas (no display, no pyplot)."""

from __future__ import annotations

import io
from typing import Any

CHART_SIZE_PX = (1200, 600)
"""Every chart's size: legible in Slack on a phone and on a wall."""
CHART_DPI = 100


def figure() -> Any:
    """A blank figure of CHART_SIZE_PX with a constrained layout."""
    from matplotlib.figure import Figure

    width, height = CHART_SIZE_PX
    return Figure(
        figsize=(width / CHART_DPI, height / CHART_DPI), dpi=CHART_DPI, layout="constrained"
    )


def png(drawn: Any) -> bytes:
    """The PNG bytes of a figure made by `figure()`, at exactly CHART_SIZE_PX."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(drawn)
    buffer = io.BytesIO()
    # No bbox_inches="tight": it would change the size.
    drawn.savefig(buffer, format="png", dpi=CHART_DPI)
    return buffer.getvalue()
