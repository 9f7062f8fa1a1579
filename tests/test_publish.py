"""Publish writes a window of feeds durably and atomically, and says what it did.

Real files in a temp directory: staged files are made durable together (one
``syncfs`` on Linux, an fsync each elsewhere), then renamed; whatever fails
keeps the last good version and leaves no temp file behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from syndicate import publish
from syndicate.model import Outcome, RenderedFeed
from syndicate.publish import Staged, commit_staged, publish_feed, stage_feed


def _feed(path: str, content: bytes) -> RenderedFeed:
    return RenderedFeed(
        key=path.rsplit(".", 1)[0],
        format="rss",
        path=path,
        document=content,
        media_type="application/rss+xml",
        item_count=1,
        url=f"https://example.org/{path}",
    )


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.tmp")]


@pytest.fixture(params=["syncfs", "fsync"])
def durability(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the platform's syncfs, and again with an fsync per file."""
    if request.param == "syncfs" and publish._SYNCFS is None:
        pytest.skip("this platform has no syncfs(2)")
    if request.param == "fsync":
        monkeypatch.setattr(publish, "_SYNCFS", None)
    return str(request.param)


def test_a_window_is_staged_then_committed_together(tmp_path: Path, durability: str) -> None:
    (tmp_path / "tags").mkdir()
    (tmp_path / "tags" / "old.rss").write_bytes(b"old")
    feeds = [_feed(f"tags/t{i}.rss", f"<rss>{i}</rss>".encode()) for i in range(5)]
    feeds.append(_feed("tags/old.rss", b"new"))
    staged = [stage_feed(tmp_path, f, (), passed=True) for f in feeds]
    assert all(isinstance(s, Staged) for s in staged)
    assert not (tmp_path / "tags" / "t0.rss").exists()  # nothing in place before the commit
    assert (tmp_path / "tags" / "old.rss").read_bytes() == b"old"
    outcomes = commit_staged([s for s in staged if isinstance(s, Staged)])
    assert [o.outcome for o in outcomes] == [Outcome.WRITTEN] * 6
    assert [(tmp_path / f.path).read_bytes() for f in feeds] == [f.content for f in feeds]
    assert _temp_files(tmp_path) == []
    assert oct((tmp_path / "tags" / "t0.rss").stat().st_mode & 0o777) == "0o644"


def test_a_file_that_cannot_be_renamed_keeps_its_last_good_version(
    tmp_path: Path, durability: str
) -> None:
    (tmp_path / "a.rss").write_bytes(b"last good")
    first = stage_feed(tmp_path, _feed("a.rss", b"next"), (), passed=True)
    second = stage_feed(tmp_path, _feed("b.rss", b"fine"), (), passed=True)
    assert isinstance(first, Staged) and isinstance(second, Staged)
    first.tmp.unlink()  # as if something removed it between staging and commit
    failed, written = commit_staged([first, second])
    assert failed.outcome is Outcome.FAILED
    assert failed.message is not None and "a.rss: cannot write" in failed.message
    assert (tmp_path / "a.rss").read_bytes() == b"last good"
    assert written.outcome is Outcome.WRITTEN
    assert (tmp_path / "b.rss").read_bytes() == b"fine"
    assert _temp_files(tmp_path) == []


def test_the_fsync_fallback_names_the_file_that_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish, "_SYNCFS", None)
    kept = tmp_path / "kept.tmp"
    kept.write_bytes(b"x")
    gone = tmp_path / "gone.tmp"
    assert publish.make_durable([kept, gone]).keys() == {gone}


def test_unchanged_and_rejected_feeds_are_decided_without_writing(tmp_path: Path) -> None:
    (tmp_path / "same.rss").write_bytes(b"same")
    unchanged = stage_feed(tmp_path, _feed("same.rss", b"same"), (), passed=True)
    rejected = stage_feed(tmp_path, _feed("bad.rss", b"bad"), (), passed=False)
    assert not isinstance(unchanged, Staged) and unchanged.outcome is Outcome.UNCHANGED
    assert not isinstance(rejected, Staged) and rejected.outcome is Outcome.REJECTED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.rss"]


def test_publish_feed_writes_one_file_in_place(tmp_path: Path) -> None:
    outcome = publish_feed(tmp_path, _feed("sections/x.rss", b"<rss/>"), (), passed=True)
    assert outcome.outcome is Outcome.WRITTEN
    assert (tmp_path / "sections" / "x.rss").read_bytes() == b"<rss/>"
    assert _temp_files(tmp_path) == []
