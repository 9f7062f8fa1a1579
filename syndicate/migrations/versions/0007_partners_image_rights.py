"""What partner feeds say about a lead image (Media RSS): its size in pixels, the
photographer, the copyright line, a caption, and whether its rights allow
passing it on to partners (articles.image_width, image_height, image_credit,
image_copyright, image_caption, image_syndication). Stored images get none:
an image is not syndicated until someone says its rights allow it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (
    ("image_width", sa.Integer()),
    ("image_height", sa.Integer()),
    ("image_credit", sa.Text()),
    ("image_copyright", sa.Text()),
    ("image_caption", sa.Text()),
    ("image_syndication", sa.Boolean()),
)


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
