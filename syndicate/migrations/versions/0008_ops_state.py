"""ops_state: small named facts about the running system, one row each.

``run:<worker>`` heartbeats that `syndicate run` writes every tick (the status
page shows "next run" only while one is fresh), ``links-config`` (the ``[links]``
settings the cached link checks were made under) and ``build-failure`` (a build
whose recording failed, so `syndicate status` can say so).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ops_state",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("ops_state")
