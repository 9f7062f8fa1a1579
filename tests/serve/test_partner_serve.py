"""Partner feeds over real HTTP: tokens and signed URLs in front of the usual feed answers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import CliRunner
from serve_support import Server, build, raw_get, some_articles

from syndicate.access import signature
from syndicate.cli import cli

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SECRET = b"an-hmac-key-of-well-over-32-bytes-for-acme"
ACME_RSS = "/partners/acme/index.rss"
ZENITH_JSON = "/partners/zenith/index.json"


def write_partner_project(root: Path) -> Path:
    (root / "acme.key").write_bytes(SECRET + b"\n")
    lines = [
        "[site]",
        'title = "Ledger"',
        'base_url = "https://news.example.org"',
        'hubs = ["https://hub.example.org/websub"]',
        "[store]",
        f'url = "sqlite:///{root / "store.db"}"',
        "[output]",
        'dir = "feeds"',
        'report = ""',
        "[partners.acme]",
        'formats = ["rss", "atom"]',
        'secret_file = "acme.key"',
        "[partners.zenith]",
        'formats = ["json"]',
    ]
    config = root / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def cli_run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["-c", str(config), *args], env={})
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = write_partner_project(tmp_path_factory.mktemp("partners"))
    build(config, NOW, some_articles(NOW))
    return config


@pytest.fixture(scope="module")
def acme_token(project: Path) -> str:
    return cli_run(project, "partner", "token", "acme")


@pytest.fixture(scope="module")
def server(project: Path, acme_token: str) -> Iterator[Server]:
    s = Server(project)
    yield s
    code, err = s.stop()
    assert code == 0, err


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get(server: Server, path: str, **headers: str) -> requests.Response:
    return requests.get(server.url(path), headers=headers, timeout=10)


def test_the_partner_folder_has_its_own_manifest_and_none_is_public(project: Path) -> None:
    assert (project.parent / "partners" / ".manifest.json").is_file()
    assert not (project.parent / "feeds" / "partners").exists()


@pytest.mark.parametrize("path", [ACME_RSS, ZENITH_JSON, "/partners/acme/missing.rss"])
def test_without_credentials_it_is_401_with_a_bearer_challenge(server: Server, path: str) -> None:
    r = get(server, path)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="partners"'
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "header", ["Bearer synd_not-a-token", "Bearer ", "Basic YWNtZTpzZWNyZXQ=", "synd_bare"]
)
def test_a_bad_token_is_401(server: Server, header: str) -> None:
    r = get(server, ACME_RSS, Authorization=header)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith('Bearer realm="partners", error="invalid_')


def test_the_partner_token_gets_its_feed_privately(server: Server, acme_token: str) -> None:
    r = get(server, ACME_RSS, **bearer(acme_token))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert r.headers["Cache-Control"].startswith("private, max-age=")
    assert r.headers["Link"] == '<https://news.example.org/partners/acme/index.rss>; rel="self"'
    assert b"<rss" in r.content and r.headers["ETag"]


def test_another_partners_feed_is_403(server: Server, acme_token: str) -> None:
    r = get(server, ZENITH_JSON, **bearer(acme_token))
    assert r.status_code == 403
    assert get(server, "/partners/nobody/index.rss", **bearer(acme_token)).status_code == 403


def test_an_authorized_request_is_conditional_and_negotiated(
    server: Server, acme_token: str
) -> None:
    first = raw_get(server.url(ACME_RSS), **bearer(acme_token), **{"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Vary"] == "accept-encoding"
    again = raw_get(
        server.url(ACME_RSS),
        **bearer(acme_token),
        **{"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["Cache-Control"].startswith("private")
    head = requests.head(server.url(ACME_RSS), headers=bearer(acme_token), timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) > 0
    assert requests.head(server.url(ACME_RSS), timeout=10).status_code == 401
    refused = get(server, ACME_RSS, **bearer(acme_token), **{"Accept-Encoding": "identity;q=0"})
    assert refused.status_code == 406


def test_a_signed_url_works_until_it_expires(project: Path, server: Server) -> None:
    url = urlsplit(cli_run(project, "partner", "sign-url", "acme", "index.atom"))
    assert url.path == "/partners/acme/index.atom"
    ok = get(server, f"{url.path}?{url.query}")
    assert ok.status_code == 200 and b"<feed" in ok.content
    expires = int(time.time()) + 600
    sig = signature(SECRET, url.path, expires)
    assert get(server, f"{url.path}?expires={expires}&sig={sig}").status_code == 200
    tampered = f"{url.path}?expires={expires + 1}&sig={sig}"
    assert get(server, tampered).status_code == 401
    other_file = f"/partners/acme/index.rss?expires={expires}&sig={sig}"
    assert get(server, other_file).status_code == 401
    zenith_sig = signature(SECRET, ZENITH_JSON, expires)
    other_partner = f"{ZENITH_JSON}?expires={expires}&sig={zenith_sig}"
    assert get(server, other_partner).status_code == 401  # zenith has no secret: tokens only
    past = int(time.time()) - 1
    expired = get(server, f"{url.path}?expires={past}&sig={signature(SECRET, url.path, past)}")
    assert expired.status_code == 401
    assert expired.headers["WWW-Authenticate"] == 'Bearer realm="partners", error="invalid_token"'


def test_new_and_revoked_tokens_are_seen_without_a_restart(project: Path, server: Server) -> None:
    token = cli_run(project, "partner", "token", "zenith")
    assert _eventually(lambda: get(server, ZENITH_JSON, **bearer(token)).status_code) == 200
    listed = cli_run(project, "partner", "tokens", "zenith").splitlines()
    token_id = listed[-1].split("\t")[0]
    assert token not in "\n".join(listed)
    cli_run(project, "partner", "token", "zenith", "--revoke", token_id)
    assert _eventually(lambda: get(server, ZENITH_JSON, **bearer(token)).status_code) == 401


def _eventually(status: object, wanted: tuple[int, ...] = (200, 401), within: float = 6) -> int:
    """The status once it stops being the old one (serve re-reads tokens every 2 s)."""
    assert callable(status)
    deadline = time.monotonic() + within
    first = status()
    while time.monotonic() < deadline:
        now = status()
        if now != first:
            return int(now)
        time.sleep(0.2)
    return int(first)


def test_public_feeds_stay_public_and_partners_are_not_under_them(server: Server) -> None:
    r = get(server, "/feeds/index.rss")
    assert r.status_code == 200 and r.headers["Cache-Control"].startswith("public, max-age=")
    assert get(server, "/feeds/partners/acme/index.rss").status_code == 404


def test_the_access_log_hides_signatures(project: Path, server: Server) -> None:
    expires = int(time.time()) + 600
    sig = signature(SECRET, "/partners/acme/index.atom", expires)
    assert get(server, f"/partners/acme/index.atom?expires={expires}&sig={sig}").ok
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and f"expires={expires}" not in server.log.read_text():
        time.sleep(0.1)
    log = server.log.read_text()
    assert f"/partners/acme/index.atom?expires={expires}&sig=- HTTP/1.1" in log
    assert sig not in log


def test_serve_refuses_a_partner_url_without_a_path_of_its_own(tmp_path: Path) -> None:
    config = write_partner_project(tmp_path)
    (tmp_path / "feeds").mkdir()
    text = config.read_text().replace(
        'report = ""', 'report = ""\npartners_url = "https://p.example.org"'
    )
    config.write_text(text)
    result = CliRunner().invoke(cli, ["-c", str(config), "serve", "--port", "0"], env={})
    assert result.exit_code == 4
    assert "output.partners_url: needs a path of its own" in result.stderr


@pytest.mark.postgres
def test_tokens_in_postgresql_are_seen_by_a_running_serve(
    tmp_path: Path, postgres_url: str
) -> None:
    config = write_partner_project(tmp_path)
    text = config.read_text()
    start = text.index('url = "sqlite:')
    end = text.index("\n", start)
    config.write_text(text[:start] + f'url = "{postgres_url}"' + text[end:])
    build(config, NOW, some_articles(NOW, 2))
    server = Server(config)
    try:
        assert get(server, ACME_RSS).status_code == 401
        token = cli_run(config, "partner", "token", "acme")
        assert _eventually(lambda: get(server, ACME_RSS, **bearer(token)).status_code) == 200
        assert get(server, ZENITH_JSON, **bearer(token)).status_code == 403
        cli_run(config, "partner", "token", "acme", "--revoke", "1")
        assert _eventually(lambda: get(server, ACME_RSS, **bearer(token)).status_code) == 401
    finally:
        code, err = server.stop()
    assert code == 0, err


def test_a_partner_whose_secret_cannot_be_read_is_not_served(tmp_path: Path) -> None:
    config = write_partner_project(tmp_path)
    build(config, NOW, some_articles(NOW, 2))
    acme = cli_run(config, "partner", "token", "acme")
    zenith = cli_run(config, "partner", "token", "zenith")
    (tmp_path / "acme.key").unlink()
    server = Server(config)
    try:
        assert get(server, ACME_RSS, **bearer(acme)).status_code == 401
        assert get(server, ZENITH_JSON, **bearer(zenith)).status_code == 200
        assert get(server, "/feeds/index.rss").status_code == 200
    finally:
        code, err = server.stop()
    assert code == 0
    assert (
        f"warning: {config}: partners.acme.secret_file: cannot read the secret "
        '(No such file or directory), got "acme.key"; not served'
    ) in err
