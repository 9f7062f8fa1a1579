"""partner_tokens: access tokens for partner feeds, kept as SHA-256 digests.

One row per token ``syndicate partner token NAME`` made: the partner, the
digest (hex) of the token shown once, when it was made and when revoked.
``syndicate serve`` lets a Bearer token through while its row is not revoked.

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-08 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=63), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )
    op.create_index("ix_partner_tokens_partner", "partner_tokens", ["partner"])


def downgrade() -> None:
    op.drop_index("ix_partner_tokens_partner", table_name="partner_tokens")
    op.drop_table("partner_tokens")
