"""The store's tables, as SQLAlchemy Core metadata.

The same tables serve SQLite and PostgreSQL. Feed queries are "the newest N
visible articles of X", so every group has an index that walks in that order:

- site:     ``articles (status, published, id)``
- section:  ``articles (section_id, status, published, id)``
- tag:      ``article_tags (tag_id, listed, published, article_id)``
- author:   ``article_authors (author_id, listed, published, article_id)``

(Both SQLite and PostgreSQL walk a B-tree backwards for ``ORDER BY published
DESC, id DESC``, so the indexes need no DESC; plain columns also let Alembic
compare them.)

``published`` and ``listed`` (status is "published") are copied into the join
tables so a tag feed is one index range scan that stops after N rows, instead
of sorting every article ever tagged "politics". The embargo is checked per row
while walking (it depends on ``now``), which is cheap because embargoed stories
are few.

The Alembic migrations under ``syndicate/migrations`` create these tables; a test
checks the two never drift apart. Nothing here opens a connection.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC; hand back aware UTC datetimes on both engines.

    SQLite has no time zone type, so without this an aware value goes in and a
    naive one comes out; feedgen then raises on it (naive datetimes).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the store")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

sections = Table(
    "sections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("name", Text, nullable=False),
)

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("name", Text, nullable=False),
)

authors = Table(
    "authors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("url", Text),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(500), nullable=False, unique=True),
    Column("guid", String(700), nullable=False, unique=True),
    Column("slug", String(300), nullable=False),
    Column("title", Text, nullable=False),
    # The title folded by text.normalise_title: related coverage named by title
    # is found with one index lookup.
    Column("title_key", Text, nullable=False, server_default=""),
    Column("url", Text, nullable=False),
    Column("published", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("section_id", Integer, ForeignKey("sections.id"), nullable=False),
    Column("content_html", Text, nullable=False),
    Column("summary", Text),
    Column("status", String(20), nullable=False),
    Column("embargo_until", UTCDateTime),
    Column("attribution", Text),
    Column("licence", Text),
    Column("image_url", Text),
    Column("image_type", String(100)),
    Column("image_length", Integer),
    Column("image_alt", Text),
    Column("image_width", Integer),
    Column("image_height", Integer),
    Column("image_credit", Text),
    Column("image_copyright", Text),
    Column("image_caption", Text),
    Column("image_syndication", Boolean),
    Column("related_url", Text),
    Column("related_title", Text),
    # What the reference can resolve by besides its URL (text.reference_slug,
    # text.reference_title_key): the stories pointing at a changed article are
    # found with index lookups, and their feeds queued.
    Column("related_slug", Text),
    Column("related_title_key", Text),
    Column("correction", Text),
    Column("language", String(35)),
    # When the story was killed and why: partner tombstones (RFC 6721) for a few
    # days after; cleared by a revival (`syndicate import --revive`).
    Column("killed_at", UTCDateTime),
    Column("kill_reason", Text),
    Column("revision", Integer, nullable=False, server_default=text("1")),
    Column("content_hash", String(64), nullable=False),
    Column("first_imported", UTCDateTime, nullable=False),
    Column("last_changed", UTCDateTime, nullable=False),
    Index("ix_articles_site", "status", "published", "id"),
    Index("ix_articles_section", "section_id", "status", "published", "id"),
    Index("ix_articles_embargo", "embargo_until"),
    # The newest update (the date an empty feed shows) without a scan.
    Index("ix_articles_updated", "status", "updated"),
    # The stories killed in a tombstone window, newest kill first.
    Index("ix_articles_killed", "status", "killed_at"),
    # Resolving related coverage: by URL, slug or folded title.
    Index("ix_articles_url", "url"),
    Index("ix_articles_slug", "slug"),
    Index("ix_articles_title_key", "title_key"),
    # Finding the stories whose related coverage points at an article.
    Index("ix_articles_related_url", "related_url"),
    Index("ix_articles_related_slug", "related_slug"),
    Index("ix_articles_related_title_key", "related_title_key"),
)

article_tags = Table(
    "article_tags",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id"), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("listed", Boolean, nullable=False),
    Column("published", UTCDateTime, nullable=False),
    Index("ix_article_tags_feed", "tag_id", "listed", "published", "article_id"),
)

article_authors = Table(
    "article_authors",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("author_id", Integer, ForeignKey("authors.id"), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("listed", Boolean, nullable=False),
    Column("published", UTCDateTime, nullable=False),
    Index("ix_article_authors_feed", "author_id", "listed", "published", "article_id"),
)

link_checks = Table(
    "link_checks",
    metadata,
    Column("url", Text, primary_key=True),
    Column("ok", Boolean, nullable=False),
    Column("status", Integer),
    Column("reason", Text, nullable=False),
    Column("final_url", Text),
    Column("checked_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

# One row per published file: what is on disk and which items made it.
feed_state = Table(
    "feed_state",
    metadata,
    Column("path", String(500), primary_key=True),
    Column("feed_key", String(500), nullable=False),
    Column("format", String(10), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("content_hash", String(64)),
    Column("item_count", Integer, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("built_at", UTCDateTime, nullable=False),
    Column("last_good_at", UTCDateTime),
)

# Single-row table: the ``now`` and config of the last build, which decide whether
# the next one can be incremental and which embargo lifts it still has to queue.
store_state = Table(
    "store_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_build_now", UTCDateTime),
    Column("last_build_config", String(64)),
)

# Named facts about the running system, one row each, the value JSON:
# ``run:<worker>`` heartbeats (`syndicate run`, every tick), ``links-config``
# (the [links] settings cached link checks were made under), ``build-failure``
# (the last build whose recording failed). ``store.ops`` reads and writes them.
ops_state = Table(
    "ops_state",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

builds = Table(
    "builds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started", UTCDateTime, nullable=False),
    Column("finished", UTCDateTime, nullable=False),
    Column("written", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("exit_code", Integer, nullable=False),
    Index("ix_builds_started", "started"),
)

# Feeds that must be rebuilt: an article joined or left them, an embargo lifted,
# or their group's cadence came round. Workers drain it (on PostgreSQL with
# FOR UPDATE SKIP LOCKED, so several share it); a row is deleted only if its
# ``version`` is still the one the worker saw, so a change that arrives while
# the feed is being built is never lost.
feed_queue = Table(
    "feed_queue",
    metadata,
    Column("feed_key", String(500), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("enqueued_at", UTCDateTime, nullable=False),
    Column("reason", String(40), nullable=False),
)

# One row per (group, cycle) of `syndicate run`'s cadences: the worker that
# inserts it enqueues the group's feeds for that cycle; the others skip.
group_cycles = Table(
    "group_cycles",
    metadata,
    Column("feed_group", String(20), primary_key=True),
    Column("cycle", Integer, primary_key=True),
    Column("worker", String(200), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
)

# Build history, one row per feed per build: the status page and `status` read it.
feed_builds = Table(
    "feed_builds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_key", String(500), nullable=False),
    Column("started", UTCDateTime, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("items", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("worker", String(200), nullable=False),
    Column("reason", String(40), nullable=False),
    Index("ix_feed_builds_feed", "feed_key", "started"),
    Index("ix_feed_builds_started", "started"),
)

# WebSub pings not yet delivered (``syndicate.websub``): a hub that was down,
# slow or answering 5xx when a feed changed is asked again by a later build or
# `syndicate run` tick, at ``next_try_at``, until it accepts or ``keep`` runs out.
websub_pings = Table(
    "websub_pings",
    metadata,
    Column("hub", String(500), primary_key=True),
    Column("topic", String(1000), primary_key=True),
    Column("queued_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_try_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Index("ix_websub_pings_next_try_at", "next_try_at"),
)

# One row per hub: how its last round went, for `syndicate status` and the page.
websub_hubs = Table(
    "websub_hubs",
    metadata,
    Column("hub", String(500), primary_key=True),
    Column("last_round_at", UTCDateTime, nullable=False),
    Column("last_ok_at", UTCDateTime),
    Column("sent", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("last_error", Text),
)

# Access tokens for partner feeds (``syndicate partner token``): only the
# SHA-256 digest of each token is kept, never the token. ``store.tokens`` reads
# and writes them; ``syndicate serve`` matches a Bearer token by its digest.
partner_tokens = Table(
    "partner_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner", String(63), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("ix_partner_tokens_partner", "partner"),
)


# Every article a build has published, with the GUID it went out under: readers
# de-duplicate by GUID, so ``store.guids`` refuses to publish an article under
# another one, or a GUID for another article, or (by ``url`` and ``published``, the
# article's own time) a published story re-imported under a new key. Written before
# the files are placed; changed only by `syndicate guid reassign` (``via``: build,
# upgrade, reassign).
published_guids = Table(
    "published_guids",
    metadata,
    Column("key", String(500), primary_key=True),
    Column("guid", String(700), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("published", UTCDateTime, nullable=False),
    Column("first_published", UTCDateTime, nullable=False),
    Column("via", String(20), nullable=False),
    Index("ix_published_guids_url", "url", "published"),
)

# The log of `syndicate guid reassign`: who was given which GUID, when and why.
guid_reassignments = Table(
    "guid_reassignments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(500), nullable=False),
    Column("old_guid", String(700)),
    Column("new_guid", String(700), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_guid_reassignments_key", "key", "at"),
)
