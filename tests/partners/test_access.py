"""Partner access: tokens in the store (SQLite and PostgreSQL), signatures, the CLI."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from access_support import SECRET, run, write_project, write_story

from syndicate.access import (
    new_token,
    read_secret,
    signature,
    signature_ok,
    token_digest,
)
from syndicate.errors import ConfigError
from syndicate.store import Store
from syndicate.store.tokens import active_tokens, add_token, list_tokens, revoke_token

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_tokens_are_stored_as_digests_listed_and_revoked(store_url: str) -> None:
    with Store.open(store_url) as store:
        with store.begin() as conn:
            first = add_token(conn, "acme", token_digest("t-one"), NOW)
            second = add_token(conn, "acme", token_digest("t-two"), NOW + timedelta(seconds=1))
            other = add_token(conn, "zenith", token_digest("t-three"), NOW)
        with store.begin() as conn:
            assert revoke_token(conn, "zenith", first, NOW) is None  # not zenith's token
            revoked = revoke_token(conn, "acme", first, NOW + timedelta(hours=1))
            again = revoke_token(conn, "acme", first, NOW + timedelta(hours=2))
        assert revoked is not None and revoked.revoked_at == NOW + timedelta(hours=1)
        assert again is not None and again.revoked_at == revoked.revoked_at  # kept as it was
        with store.connect() as conn:
            listed = list_tokens(conn, "acme")
            active = {t.digest: (t.partner, t.id) for t in active_tokens(conn)}
    assert [(t.id, t.revoked_at is None) for t in listed] == [(first, False), (second, True)]
    assert listed[1].created_at == NOW + timedelta(seconds=1)
    assert active == {
        token_digest("t-two"): ("acme", second),
        token_digest("t-three"): ("zenith", other),
    }


def test_a_token_is_256_random_bits_and_its_digest_is_sha256() -> None:
    a, b = new_token(), new_token()
    assert a != b and a.startswith("synd_") and len(a) >= 5 + 43
    assert len(token_digest(a)) == 64 and token_digest(a) != token_digest(b)


def test_a_signature_is_bound_to_path_and_time() -> None:
    sig = signature(SECRET, "/partners/acme/index.rss", 2000)
    assert signature_ok(SECRET, "/partners/acme/index.rss", "2000", sig, now=1999)
    assert signature_ok(SECRET, "/partners/acme/index.rss", "2000", sig.upper(), now=1999)
    assert not signature_ok(SECRET, "/partners/acme/index.rss", "2000", sig, now=2000)  # expired
    assert not signature_ok(SECRET, "/partners/acme/index.atom", "2000", sig, now=1)  # other file
    assert not signature_ok(SECRET, "/partners/acme/index.rss", "2001", sig, now=1)  # moved time
    assert not signature_ok(SECRET + b"x", "/partners/acme/index.rss", "2000", sig, now=1)
    assert not signature_ok(SECRET, "/partners/acme/index.rss", "-2000", sig, now=1)
    assert not signature_ok(SECRET, "/partners/acme/index.rss", "2000", "zz" * 32, now=1)


def test_a_short_or_missing_secret_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "short").write_bytes(b"tiny\n")
    must = r'partners\.acme\.secret_file: the secret must be 32 to 4096 bytes, got 4 in "short"'
    with pytest.raises(ConfigError, match=must):
        read_secret("acme", "short", tmp_path)
    with pytest.raises(ConfigError, match=r'partners\.acme\.secret_file: cannot read .*"gone"'):
        read_secret("acme", "gone", tmp_path)
    (tmp_path / "good").write_bytes(b"  " + SECRET + b"\n")
    assert read_secret("acme", "good", tmp_path) == SECRET


# ---------------------------------------------------------------- the CLI


def test_token_is_shown_once_and_only_its_hash_is_stored(tmp_path: Path, store_url: str) -> None:
    config = write_project(tmp_path, store_url, secret=None)
    made = run(config, "partner", "token", "acme")
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert token.startswith("synd_") and "token 1 for acme" in made.stderr
    listed = run(config, "partner", "tokens", "acme")
    assert listed.exit_code == 0 and token not in listed.output
    assert listed.stdout.splitlines()[1].split("\t")[::2] == ["1", "-"]
    with Store.open(store_url) as store, store.connect() as conn:
        assert [t.digest for t in active_tokens(conn)] == [token_digest(token)]
    revoked = run(config, "partner", "token", "acme", "--revoke", "1")
    assert revoked.exit_code == 0 and "token 1 of acme revoked" in revoked.stderr
    rows = json.loads(run(config, "partner", "tokens", "acme", "--json").stdout)
    assert rows[0]["id"] == 1 and rows[0]["revoked"] is not None
    wrong = run(config, "partner", "token", "zenith", "--revoke", "1")
    assert wrong.exit_code == 6
    assert wrong.stderr.strip() == "Error: partner zenith: no token with id 1"
    unknown = run(config, "partner", "token", "nobody")
    assert unknown.exit_code == 4
    assert unknown.stderr.strip().endswith("partners.nobody: no such partner profile")


def test_sign_url_makes_a_url_for_the_partner_path(tmp_path: Path, store_url: str) -> None:
    config = write_project(tmp_path, store_url)
    (tmp_path / "acme.key").write_bytes(SECRET + b"\n")
    result = run(config, "partner", "sign-url", "acme", "index.rss", "--expires-in", "600")
    assert result.exit_code == 0, result.output
    url = urlsplit(result.stdout.strip())
    assert url.netloc == "news.example.org" and url.path == "/partners/acme/index.rss"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    expires = int(query["expires"])
    assert 590 <= expires - time.time() <= 610
    assert signature_ok(SECRET, url.path, query["expires"], query["sig"], now=expires - 1)
    unsigned = run(config, "partner", "sign-url", "zenith", "index.json")
    assert unsigned.exit_code == 4 and "partners.zenith.secret_file: not set" in unsigned.stderr
    escape = run(config, "partner", "sign-url", "acme", "../zenith/index.json")
    assert escape.exit_code == 2


def test_an_unreadable_secret_stops_only_that_partner(tmp_path: Path, store_url: str) -> None:
    config = write_project(tmp_path, store_url, secret="missing.key")
    write_story(tmp_path / "a.jsonl")
    assert run(config, "import", str(tmp_path / "a.jsonl")).exit_code == 0
    built = run(config, "build")
    line = f"{config}: partners.acme.secret_file: cannot read the secret (No such file or"
    assert built.exit_code == 4
    assert [x for x in built.stderr.splitlines() if "secret_file" in x] == [
        line + ' directory), got "missing.key"'
    ]
    assert not (tmp_path / "partners" / "acme").exists()  # nothing for acme
    assert (tmp_path / "partners" / "zenith" / "index.json").is_file()  # zenith as usual
    assert (tmp_path / "feeds" / "index.json").is_file()  # the public feeds as usual
    signed = run(config, "partner", "sign-url", "acme", "index.rss")
    assert signed.exit_code == 4 and '"missing.key"' in signed.stderr


def test_built_partner_feeds_pass_their_own_profile_and_not_anothers(
    tmp_path: Path, store_url: str
) -> None:
    config = write_project(
        tmp_path, store_url, secret=None, licence="© The Ledger", attribution="The Ledger"
    )
    text = config.read_text().replace(
        '[partners.zenith]\nformats = ["json"]',
        '[partners.zenith]\nformats = ["json"]\ntags = ["climate"]\nmax_item_bytes = 256',
    )
    config.write_text(text)
    write_story(tmp_path / "a.jsonl")
    assert run(config, "import", str(tmp_path / "a.jsonl")).exit_code == 0
    assert run(config, "build").exit_code == 0
    acme = tmp_path / "partners" / "acme"
    own = run(config, "validate", "--profile", "acme", str(acme))
    assert own.exit_code == 0, own.output
    assert own.stdout == "" and "2 feed(s): 0 error(s)" in own.stderr
    other = run(config, "validate", "--profile", "zenith", str(acme / "index.rss"))
    assert other.exit_code == 1
    assert "PARTNER-TAG-OUTSIDE item 1 has none of the allowed tags" in other.stdout
    assert "PARTNER-ITEM-SIZE item 1 is" in other.stdout
