"""Sections, tags and authors: get-or-create ids, many at a time, cached per store.

A term's display values (name; an author's email and URL) follow the latest
import that gives them. They are shown in every item that carries the term,
so a change bumps those articles' revisions (their items render again) and
asks for a full build next (``store_state.last_build_config`` is cleared):
fingerprints then pick out exactly the feeds that changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .schema import article_authors, article_tags, articles, sections, store_state, tags

_CHUNK = 500  # slugs per IN list, far below every driver's bound-parameter limit


class TermIds:
    """Get-or-create ids for sections, tags and authors, cached per store instance."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}

    def get(self, conn: Connection, table: Any, slug: str, values: dict[str, Any]) -> int:
        return self.get_many(conn, table, {slug: values})[slug]

    def get_many(
        self, conn: Connection, table: Any, wanted: Mapping[str, dict[str, Any]]
    ) -> dict[str, int]:
        """The id of every slug in ``wanted``, creating missing terms, updating changed values.

        ``wanted`` maps each slug to the display values an import gives (None
        means "not given": the stored value stays). One SELECT per chunk of
        slugs not cached with those values, one multi-row INSERT for the new ones.
        """
        ids: dict[str, int] = {}
        todo: dict[str, dict[str, Any]] = {}
        for slug, values in wanted.items():
            given = {k: v for k, v in values.items() if v is not None}
            cached = self._cache.get((table.name, slug))
            if cached is not None and all(cached[1].get(k) == v for k, v in given.items()):
                ids[slug] = cached[0]
            else:
                todo[slug] = values
        if not todo:
            return ids
        rows = self._rows(conn, table, todo)
        missing = [s for s in todo if s not in rows]
        if missing:
            insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            conn.execute(
                insert(table).on_conflict_do_nothing(),
                [{"slug": s, **todo[s]} for s in sorted(missing)],
            )
            rows.update(self._rows(conn, table, {s: todo[s] for s in missing}))
        for slug, values in todo.items():
            row = rows[slug]
            stored = {k: getattr(row, k) for k in values}
            changed = {k: v for k, v in values.items() if v is not None and stored.get(k) != v}
            if changed:
                conn.execute(update(table).where(table.c.id == row.id).values(**changed))
                _articles_show_new_term(conn, table, row.id)
                stored.update(changed)
            self._cache[(table.name, slug)] = (int(row.id), stored)
            ids[slug] = int(row.id)
        return ids

    @staticmethod
    def _rows(conn: Connection, table: Any, slugs: Mapping[str, Any]) -> dict[str, Any]:
        ordered = sorted(slugs)
        found: dict[str, Any] = {}
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            found.update(
                (r.slug, r) for r in conn.execute(select(table).where(table.c.slug.in_(chunk)))
            )
        return found

    def forget(self) -> None:
        """Drop the cache (after a rollback the ids it holds may not exist)."""
        self._cache.clear()


def _articles_show_new_term(conn: Connection, table: Any, term_id: int) -> None:
    """Re-render every article that shows a renamed term; make the next build full."""
    if table is sections:
        which: Any = articles.c.section_id == term_id
    else:
        join, fk = (article_tags, "tag_id") if table is tags else (article_authors, "author_id")
        which = articles.c.id.in_(select(join.c.article_id).where(join.c[fk] == term_id))
    conn.execute(update(articles).where(which).values(revision=articles.c.revision + 1))
    conn.execute(update(store_state).where(store_state.c.id == 1).values(last_build_config=None))
