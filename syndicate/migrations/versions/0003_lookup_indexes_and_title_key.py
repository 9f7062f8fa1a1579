"""Titles folded for lookup (articles.title_key) and indexes for resolving links
and for the newest update.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from syndicate.text import normalise_title

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_articles_updated": ["status", "updated"],
    "ix_articles_url": ["url"],
    "ix_articles_slug": ["slug"],
    "ix_articles_title_key": ["title_key"],
}


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_key", sa.Text(), server_default="", nullable=False))
    for name, columns in INDEXES.items():
        # if_not_exists: development stores may have had the first one already.
        op.create_index(name, "articles", columns, unique=False, if_not_exists=True)
    # Fold the titles already stored, with the function import uses from now on.
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("title_key", sa.Text),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(articles.c.id, articles.c.title)).all():
        conn.execute(
            articles.update()
            .where(articles.c.id == row.id)
            .values(title_key=normalise_title(row.title))
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "articles", if_exists=True)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("title_key")
