"""serve.auth.Tokens over a real store: re-read after the TTL, None while unreadable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from syndicate.serve.auth import Tokens
from syndicate.store import Store
from syndicate.store.tokens import ActiveToken, active_tokens, add_token, revoke_token

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_tokens_are_read_again_after_the_ttl_and_none_while_unreadable(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        with store.begin() as conn:
            first = add_token(conn, "acme", "a" * 64, NOW)

        def load() -> list[ActiveToken]:
            with store.connect() as conn:
                return active_tokens(conn)

        clock = [100.0]
        tokens = Tokens(load, ttl=2.0, clock=lambda: clock[0])
        assert set(tokens.current() or {}) == {"a" * 64}
        with store.begin() as conn:
            add_token(conn, "acme", "b" * 64, NOW)
            revoke_token(conn, "acme", first, NOW)
        clock[0] = 101.9
        assert set(tokens.current() or {}) == {"a" * 64}  # within the TTL: the copy held
        clock[0] = 102.0
        assert set(tokens.current() or {}) == {"b" * 64}  # new one in, revoked one out
        with store.begin() as conn:
            conn.execute(text("DROP TABLE partner_tokens"))
        clock[0] = 104.0
        assert tokens.current() is None  # fail closed: no stale tokens
