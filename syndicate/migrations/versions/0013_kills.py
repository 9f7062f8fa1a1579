"""kills: when a story was killed and why, for partners' tombstones.

``killed_at`` is set when a story's status becomes "killed" (an import that
says so, or `syndicate kill`), ``kill_reason`` is the editor's reason; partner
feeds that opt in carry an RFC 6721 deleted entry for a number of days after
``killed_at`` (``ix_articles_killed`` finds them without a scan). A revived
story loses both.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("killed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("kill_reason", sa.Text(), nullable=True))
        batch.create_index("ix_articles_killed", ["status", "killed_at"])


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_killed")
        batch.drop_column("kill_reason")
        batch.drop_column("killed_at")
