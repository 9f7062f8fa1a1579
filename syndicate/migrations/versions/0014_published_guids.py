"""published_guids and guid_reassignments: the GUID guard (issue 16).

``published_guids`` holds each published article's key, GUID and URL; a build
refuses to publish an article under another GUID. Stores that already built
are backfilled with the articles their last build could have shown (published
status, published and out of embargo by then), dated at that build: the guard
then protects what readers already have from the first build after the upgrade.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_guids",
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("guid", sa.String(length=700), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("published", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_published", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_published_guids")),
        sa.UniqueConstraint("guid", name=op.f("uq_published_guids_guid")),
    )
    op.create_index("ix_published_guids_url", "published_guids", ["url", "published"], unique=False)
    op.create_table(
        "guid_reassignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("old_guid", sa.String(length=700), nullable=True),
        sa.Column("new_guid", sa.String(length=700), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guid_reassignments")),
    )
    op.create_index("ix_guid_reassignments_key", "guid_reassignments", ["key", "at"], unique=False)
    # What the last build could have published (both engines store the times in
    # comparable form: SQLite as UTC text, PostgreSQL as timestamptz).
    op.execute(
        "INSERT INTO published_guids (key, guid, url, published, first_published, via) "
        "SELECT a.key, a.guid, a.url, a.published, s.last_build_now, 'upgrade' "
        "FROM articles a JOIN store_state s ON s.id = 1 "
        "WHERE s.last_build_now IS NOT NULL AND a.status = 'published' "
        "AND a.published <= s.last_build_now "
        "AND (a.embargo_until IS NULL OR a.embargo_until <= s.last_build_now)"
    )


def downgrade() -> None:
    op.drop_index("ix_guid_reassignments_key", "guid_reassignments", if_exists=True)
    op.drop_table("guid_reassignments")
    op.drop_index("ix_published_guids_url", "published_guids", if_exists=True)
    op.drop_table("published_guids")
