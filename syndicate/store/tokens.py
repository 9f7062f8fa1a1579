"""Partner access tokens in ``partner_tokens``: made, listed, revoked, looked up.

Only digests come in (``syndicate.access.token_digest``); a token itself never
reaches the store. Functions of a Connection, so the caller picks the
transaction; times come from ``now``. What a token allows is decided by
``syndicate.serve.auth``, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from .schema import partner_tokens


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """One token as `syndicate partner tokens` lists it (never the token or its digest)."""

    id: int
    partner: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ActiveToken:
    """A token not revoked: what ``serve`` needs to let a request through."""

    id: int
    partner: str
    digest: str


def add_token(conn: Connection, partner: str, digest: str, now: datetime) -> int:
    """Store a new token's digest for ``partner``; its id."""
    result = conn.execute(
        insert(partner_tokens)
        .values(partner=partner, digest=digest, created_at=now, revoked_at=None)
        .returning(partner_tokens.c.id)
    )
    return int(result.scalar_one())


def revoke_token(
    conn: Connection, partner: str, token_id: int, now: datetime
) -> TokenRecord | None:
    """Mark ``partner``'s token ``token_id`` revoked (kept as it was if it already is).

    None when the partner has no token with that id: another partner's id is not
    this partner's to revoke.
    """
    conn.execute(
        update(partner_tokens)
        .where(
            partner_tokens.c.id == token_id,
            partner_tokens.c.partner == partner,
            partner_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return next((t for t in list_tokens(conn, partner) if t.id == token_id), None)


def list_tokens(conn: Connection, partner: str) -> list[TokenRecord]:
    """Every token of ``partner``, revoked ones too, oldest first."""
    rows = conn.execute(
        select(
            partner_tokens.c.id,
            partner_tokens.c.partner,
            partner_tokens.c.created_at,
            partner_tokens.c.revoked_at,
        )
        .where(partner_tokens.c.partner == partner)
        .order_by(partner_tokens.c.id)
    )
    return [TokenRecord(r.id, r.partner, r.created_at, r.revoked_at) for r in rows]


def active_tokens(conn: Connection) -> list[ActiveToken]:
    """Every token not revoked, of every partner (a few rows: serve holds them all)."""
    rows = conn.execute(
        select(partner_tokens.c.id, partner_tokens.c.partner, partner_tokens.c.digest).where(
            partner_tokens.c.revoked_at.is_(None)
        )
    )
    return [ActiveToken(r.id, r.partner, r.digest) for r in rows]
