"""`syndicate validate` end to end: files, folders, stdin and a real HTTP server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from validate_samples import atom_bytes, json_bytes, rss_bytes

from syndicate import __version__
from syndicate.commands.validate import validate_command
from syndicate.fetch import FetchError, fetch_feed

CORPUS = Path(__file__).parent.parent / "data" / "feeds"


def run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(validate_command, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_valid_file_exits_0(tmp_path: Path) -> None:
    feed = tmp_path / "world.xml"
    feed.write_bytes(rss_bytes(3))
    code, _, err = run(str(feed))
    assert code == 0
    assert "0 error(s)" in err


def test_invalid_file_compiler_style(tmp_path: Path) -> None:
    code, out, _ = run(str(CORPUS / "rss-ttl-text.xml"))
    assert code == 1
    line = next(ln for ln in out.splitlines() if "RSS-TTL" in ln)
    path, lineno, rest = line.split(":", 2)
    assert path.endswith("rss-ttl-text.xml") and int(lineno) > 1
    assert rest.startswith(" error RSS-TTL ")


def test_strict_fails_on_warnings() -> None:
    path = str(CORPUS / "rss-guid-missing.xml")
    assert run(path)[0] == 0
    assert run("--strict", path)[0] == 1


def test_folder_and_json_output(tmp_path: Path) -> None:
    (tmp_path / "a.rss").write_bytes(rss_bytes(1))
    (tmp_path / "b.atom").write_bytes(atom_bytes(1))
    (tmp_path / "c.json").write_bytes(json_bytes(1))
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / "tags").mkdir()
    (tmp_path / "tags" / "d.rss").write_bytes(rss_bytes(1))  # feeds/ nests: sections/, tags/
    (tmp_path / ".tmp").mkdir()
    (tmp_path / ".tmp" / "e.rss").write_bytes(b"half a file")  # hidden: a temp, skipped
    code, out, _ = run("--format", "json", str(tmp_path))
    docs = json.loads(out)
    assert code == 0
    assert [Path(d["path"]).name for d in docs] == ["a.rss", "b.atom", "c.json", "d.rss"]
    assert [d["format"] for d in docs] == ["rss", "atom", "json", "rss"]


def test_stdin() -> None:
    code, out, _ = run("-", input=b"<rss version='2.0'><channel/></rss>")
    assert code == 1
    assert out.startswith("<stdin>:1: error RSS-REQUIRED")


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, out, err = run(str(tmp_path / "nope.xml"))
    assert code == 2
    assert out == ""
    assert err.startswith("Error: ") and "nope.xml" in err
    assert "Traceback" not in err


def test_self_url_option() -> None:
    path = str(CORPUS / "rss-valid-minimal.xml")
    assert run("--self-url", "https://news.example.org/feed.xml", path)[0] == 0
    code, out, _ = run("--self-url", "https://elsewhere.example/feed.xml", path)
    assert code == 1 and "FEED-SELF-MISMATCH" in out


def test_max_bytes(tmp_path: Path) -> None:
    feed = tmp_path / "big.xml"
    feed.write_bytes(rss_bytes(20))
    code, out, _ = run("--max-bytes", "1000", str(feed))
    assert code == 1 and "INPUT-TOO-LARGE" in out


def test_usage_error_exits_2() -> None:
    assert run()[0] == 2
    assert run("--format", "yaml", "x")[0] == 2


def test_url_refused_without_allow_private(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(rss_bytes(1))
    code, _, err = run(httpserver.url_for("/feed.xml"))
    assert code == 2
    assert "non-public" in err
    assert len(httpserver.log) == 0  # refused before connecting


def test_url_fetched_with_allow_private(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/feed.xml", headers={"User-Agent": f"syndicate/{__version__}"}
    ).respond_with_data(atom_bytes(2), content_type="application/atom+xml")
    url = httpserver.url_for("/feed.xml")
    code, out, _ = run(
        "--allow-private", url, "--self-url", "https://news.example.org/feeds/world.xml"
    )
    assert code == 0, out


def test_fetch_follows_redirects_and_rechecks(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(b"<rss/>")
    got = fetch_feed(httpserver.url_for("/old"), allow_private=True)
    assert got.data == b"<rss/>" and got.final_url.endswith("/new")


def test_fetch_redirect_to_private_refused(httpserver: HTTPServer) -> None:
    # A public-looking hop cannot be faked on loopback; the loop itself is what is checked.
    httpserver.expect_request("/loop").respond_with_data(
        "", status=302, headers={"Location": "/loop"}
    )
    with pytest.raises(FetchError, match="redirects"):
        fetch_feed(httpserver.url_for("/loop"), allow_private=True, max_redirects=3)


def test_fetch_size_cap_while_streaming(httpserver: HTTPServer) -> None:
    def stream():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 10_000

    from werkzeug import Response

    httpserver.expect_request("/big").respond_with_handler(lambda r: Response(stream()))
    with pytest.raises(FetchError, match="cap"):
        fetch_feed(httpserver.url_for("/big"), allow_private=True, max_bytes=50_000)


def test_fetch_http_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=410)
    with pytest.raises(FetchError, match="HTTP 410") as info:
        fetch_feed(httpserver.url_for("/gone"), allow_private=True)
    assert str(info.value).startswith("http://")


def test_fetch_read_timeout(httpserver: HTTPServer) -> None:
    import time

    from werkzeug import Response

    def slow(_request):  # type: ignore[no-untyped-def]
        time.sleep(1.5)
        return Response(b"<rss/>")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(FetchError, match="timed out"):
        fetch_feed(httpserver.url_for("/slow"), allow_private=True, read_timeout=0.3)
