"""Keys to find the stories whose related coverage points at an article
(articles.related_slug, articles.related_title_key, and indexes on them and on
related_url), so changing or killing a story queues the feeds of the stories
that link to it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from syndicate.text import reference_slug, reference_title_key

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_articles_related_url": ["related_url"],
    "ix_articles_related_slug": ["related_slug"],
    "ix_articles_related_title_key": ["related_title_key"],
}


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("related_slug", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("related_title_key", sa.Text(), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, "articles", columns, unique=False)
    # Fill the keys of the references already stored, as import does from now on.
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("related_url", sa.Text),
        sa.column("related_title", sa.Text),
        sa.column("related_slug", sa.Text),
        sa.column("related_title_key", sa.Text),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(articles.c.id, articles.c.related_url, articles.c.related_title).where(
            sa.or_(articles.c.related_url.is_not(None), articles.c.related_title.is_not(None))
        )
    ).all()
    for row in rows:
        conn.execute(
            articles.update()
            .where(articles.c.id == row.id)
            .values(
                related_slug=reference_slug(row.related_url),
                related_title_key=reference_title_key(row.related_title),
            )
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "articles", if_exists=True)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("related_title_key")
        batch_op.drop_column("related_slug")
