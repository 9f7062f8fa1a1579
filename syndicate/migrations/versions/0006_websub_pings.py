"""WebSub: pings not yet delivered (websub_pings) and each hub's last round (websub_hubs).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "websub_pings",
        sa.Column("hub", sa.String(length=500), nullable=False),
        sa.Column("topic", sa.String(length=1000), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("hub", "topic", name=op.f("pk_websub_pings")),
    )
    op.create_index("ix_websub_pings_next_try_at", "websub_pings", ["next_try_at"], unique=False)
    op.create_table(
        "websub_hubs",
        sa.Column("hub", sa.String(length=500), nullable=False),
        sa.Column("last_round_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("hub", name=op.f("pk_websub_hubs")),
    )


def downgrade() -> None:
    op.drop_table("websub_hubs")
    op.drop_index("ix_websub_pings_next_try_at", "websub_pings", if_exists=True)
    op.drop_table("websub_pings")
