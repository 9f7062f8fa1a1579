"""Drop store_state.generation and last_build_generation: the feed queue replaced them.

Every import batch bumped the single generation row (a lock shared by all
concurrent imports) for a counter nothing read any more.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("store_state", schema=None) as batch_op:
        batch_op.drop_column("last_build_generation")
        batch_op.drop_column("generation")


def downgrade() -> None:
    with op.batch_alter_table("store_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("generation", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("last_build_generation", sa.Integer(), nullable=True))
