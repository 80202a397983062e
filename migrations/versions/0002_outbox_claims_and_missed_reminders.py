"""outbox claims and doubts, and reminders recorded as missed

Each outbox row says which worker claims it (`claimed_by`, renewed while it works) and, from the
moment a worker hands it to Slack until Slack refuses it, that Slack may have it
(`in_doubt_since`): such a row is looked up in the channel before it is sent again. A reminder
key can now be recorded as `missed` (its window closed while no replica ran) as well as `sent`.

Revision ID: 7c1e4a9d2f30
Revises: 2b6f2b9b356f
Create Date: 2026-12-02 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1e4a9d2f30"
down_revision: str | Sequence[str] | None = "2b6f2b9b356f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("in_doubt_since", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("sent_reminders") as batch:
        batch.add_column(
            sa.Column("outcome", sa.String(), server_default="sent", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_sent_reminders_outcome"), "outcome IN ('sent', 'missed')"
        )


def downgrade() -> None:
    with op.batch_alter_table("sent_reminders") as batch:
        batch.drop_constraint(op.f("ck_sent_reminders_outcome"), type_="check")
        batch.drop_column("outcome")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("in_doubt_since")
        batch.drop_column("claimed_by")
