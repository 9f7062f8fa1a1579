"""`syndicate serve` against a folder that changes under it: symlinks out, rebuilds mid-poll."""

from __future__ import annotations

import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from serve_support import Server, article, build, raw_get, some_articles, write_project

from syndicate.config import load_config
from syndicate.manifest_file import MANIFEST_NAME, read_manifest
from syndicate.precompress import make_etag

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_symlink_pointing_out_of_the_folder_is_not_served(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    build(config, NOW, some_articles(NOW))
    output = load_config(config).output_dir
    # a listed feed's files replaced by links to copies outside (same bytes: same ETags)
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in ("index.rss", "index.rss.gz", "index.rss.br"):
        shutil.copy(output / name, outside / name)
        (output / name).unlink()
        (output / name).symlink_to(outside / name)
    # a listed folder replaced by a link to a copy of it outside
    shutil.copytree(output / "authors", outside / "authors")
    shutil.rmtree(output / "authors")
    (output / "authors").symlink_to(outside / "authors")
    server = Server(config)
    try:
        for path in ("/feeds/index.rss", "/feeds/authors/ana-ruiz.atom"):
            for accept in ("identity", "gzip"):
                r = raw_get(server.url(path), **{"Accept-Encoding": accept})
                assert r.status_code == 404, (path, accept)
        assert raw_get(server.url("/feeds/index.atom")).status_code == 200
    finally:
        code, err = server.stop()
    assert code == 0, err


def test_polling_during_rebuilds_never_pairs_an_etag_with_other_bytes(tmp_path: Path) -> None:
    """Every 200's ETag is the digest of its body (precompress.make_etag), every 304 echoes one.

    A thread polls the site feed in each coding, conditionally and not, while
    the test publishes it again and again through ``run_build``.
    """
    config = write_project(tmp_path)
    build(config, NOW, some_articles(NOW))
    server = Server(config)
    stop = threading.Event()
    problems: list[str] = []
    seen: dict[str, set[str]] = {"identity": set(), "gzip": set(), "br": set()}
    counts = {"200": 0, "304": 0}

    def poll() -> None:
        session = requests.Session()
        last: dict[str, str] = {}
        turn = 0
        while not stop.is_set():
            coding = ("identity", "gzip", "br")[turn % 3]
            conditional = turn % 2 == 1 and coding in last
            turn += 1
            headers = {"Accept-Encoding": coding}
            if conditional:
                headers["If-None-Match"] = last[coding]
            r = session.get(
                server.url("/feeds/index.rss"), headers=headers, stream=True, timeout=10
            )
            body = r.raw.read(decode_content=False)
            etag = r.headers.get("ETag", "")
            sent = r.headers.get("Content-Encoding", "identity")
            if r.status_code == 200:
                counts["200"] += 1
                if sent != coding or etag != make_etag(body, coding):
                    problems.append(f"200 {coding}: ETag {etag} for bytes {make_etag(body, sent)}")
                last[coding] = etag
                seen[coding].add(etag)
            elif r.status_code == 304:
                counts["304"] += 1
                if body or etag != headers.get("If-None-Match"):
                    problems.append(f"304 {coding}: {etag} for {headers.get('If-None-Match')}")
            else:
                problems.append(f"{r.status_code} {coding}")

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        for i in range(12):
            when = NOW + timedelta(minutes=10 * (i + 1))
            build(config, when, [article(f"new{i}", when - timedelta(minutes=1))])
            time.sleep(0.35 * (i % 4))  # land before, across and after manifest reloads
        stop.set()
        poller.join(timeout=30)
        time.sleep(1.2)  # the manifest is looked at once a second
        final = raw_get(server.url("/feeds/index.rss"), **{"Accept-Encoding": "gzip"})
    finally:
        stop.set()
        code, err = server.stop()
    assert code == 0, err
    assert problems == []
    assert counts["200"] > 30 and counts["304"] > 10, counts
    assert all(len(tags) >= 3 for tags in seen.values()), {c: len(t) for c, t in seen.items()}
    entry = read_manifest(load_config(config).output_dir / MANIFEST_NAME)["index.rss"]
    gz = entry.coding("gzip")
    assert gz is not None and final.headers["ETag"] == gz.etag
    assert final.headers["Cache-Control"] == "public, max-age=120"  # listed, not in between
