"""The demo factory: a small metal-fabrication plant, as CSV files for `promisebot import`.

Eight work centers (laser, press brake, CNC mill and lathe, welding, powder coating, assembly,
QC/packing), 41 items in a three-level BOM, stock, open purchase orders, Christmas and New Year
closures, a laser maintenance day and a Saturday of welding overtime, and about a month of
existing orders (2026-11-24 … 2026-12-23) from seven customers that all fit when booked in file
order with as_of 2026-11-23, leaving the plant 30–66 % loaded. Acme Corp buys BRKT brackets, so
"/promise 40 BRKT for Acme by Friday" makes sense on the planning date.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR: Path = Path(__file__).resolve().parent
"""The folder holding the demo factory's nine CSV files."""
