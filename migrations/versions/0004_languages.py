"""languages: each user's chosen language and Slack locale, each channel's language

Revision ID: 3b9d0e6c2a41
Revises: 7c1e4d2a9f30
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b9d0e6c2a41"
down_revision: str | Sequence[str] | None = "7c1e4d2a9f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(), nullable=True))
    op.add_column("users", sa.Column("slack_locale", sa.String(), nullable=True))
    op.create_table(
        "channel_languages",
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("set_by", sa.String(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_languages")),
    )


def downgrade() -> None:
    op.drop_table("channel_languages")
    # SQLite drops columns by copying the table: batch mode does that on both backends.
    with op.batch_alter_table("users") as batch:
        batch.drop_column("slack_locale")
        batch.drop_column("language")
