"""moved orders: the date a re-plan moved an order from and to, and when

A re-plan that cannot keep an order's date books it on its new earliest date and marks it moved
until its owner answers (DESIGN.md, "Keeping promises when the factory changes").

Revision ID: 7c1e4d2a9f30
Revises: 7c1e4a9d2f30
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1e4d2a9f30"
down_revision: str | Sequence[str] | None = "7c1e4a9d2f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("moved_from", sa.Date(), nullable=True))
    op.add_column("orders", sa.Column("moved_to", sa.Date(), nullable=True))
    op.add_column("orders", sa.Column("moved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # SQLite drops columns by copying the table: batch mode does that on both backends.
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("moved_at")
        batch.drop_column("moved_to")
        batch.drop_column("moved_from")
