"""reasons as facts: why an order is at risk and what a capacity request asks, for each language

Revision ID: 5e2a7c9d1b60
Revises: 3b9d0e6c2a41
Create Date: 2026-12-02 21:00:00

Both were kept only as sentences in one language. Rows from before keep their sentence and are
shown as it is; new ones carry the facts the sentence is written from.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e2a7c9d1b60"
down_revision: str | Sequence[str] | None = "3b9d0e6c2a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("at_risk_facts", sa.JSON(), nullable=True))
    op.add_column("capacity_requests", sa.Column("question_facts", sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite drops columns by copying the table: batch mode does that on both backends.
    with op.batch_alter_table("capacity_requests") as batch:
        batch.drop_column("question_facts")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("at_risk_facts")
