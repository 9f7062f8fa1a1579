"""Feed queue (incremental and shared rebuilds), run cycles, per-feed build history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 16:05:04.902705
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_builds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_key", sa.String(length=500), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_builds")),
    )
    with op.batch_alter_table("feed_builds", schema=None) as batch_op:
        batch_op.create_index("ix_feed_builds_feed", ["feed_key", "started"], unique=False)
        batch_op.create_index("ix_feed_builds_started", ["started"], unique=False)

    op.create_table(
        "feed_queue",
        sa.Column("feed_key", sa.String(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("feed_key", name=op.f("pk_feed_queue")),
    )
    op.create_table(
        "group_cycles",
        sa.Column("feed_group", sa.String(length=20), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("feed_group", "cycle", name=op.f("pk_group_cycles")),
    )


def downgrade() -> None:
    op.drop_table("group_cycles")
    op.drop_table("feed_queue")
    with op.batch_alter_table("feed_builds", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_builds_started")
        batch_op.drop_index("ix_feed_builds_feed")

    op.drop_table("feed_builds")
