"""Publish writes a window of feeds durably and atomically, and says what it did.

Real files in a temp directory: staged files are made durable together (one
``syncfs`` where that is safe, an fsync each otherwise), then renamed; whatever
fails keeps the last good version and leaves no temp file behind.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from syndicate import durable, publish, retire
from syndicate.build import run_build
from syndicate.config import parse_config
from syndicate.durable import DurableBatch
from syndicate.model import Outcome, RenderedFeed
from syndicate.publish import Staged, place_staged, publish_feed, stage_feed
from syndicate.store import Store


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
    retire.wait()  # the old versions' second names go in the background (``retire``)
    return [p for p in folder.rglob("*.tmp")]


@pytest.fixture(params=["syncfs", "fsync"])
def durability(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with syncfs where the temp folder allows it, and with an fsync per file."""
    if request.param == "syncfs":
        batch = DurableBatch(Path(request.getfixturevalue("tmp_path")))
        uses_syncfs = batch.uses_syncfs
        batch.close()
        if not uses_syncfs:
            pytest.skip("no syncfs(2) here that reports write-back errors (ext4/XFS/Btrfs, 5.8+)")
    if request.param == "fsync":
        monkeypatch.setattr(durable, "_SYNCFS", None)
    return str(request.param)


def test_a_window_is_staged_then_committed_together(tmp_path: Path, durability: str) -> None:
    (tmp_path / "tags").mkdir()
    (tmp_path / "tags" / "old.rss").write_bytes(b"old")
    feeds = [_feed(f"tags/t{i}.rss", f"<rss>{i}</rss>".encode()) for i in range(19)]
    feeds.append(_feed("tags/old.rss", b"new"))
    assert len(feeds) >= durable.BATCH_SYNC_MIN
    batch = DurableBatch(tmp_path)  # before the files are written
    assert batch.uses_syncfs == (durability == "syncfs")
    staged = [stage_feed(tmp_path, f, (), passed=True) for f in feeds]
    assert all(isinstance(s, Staged) for s in staged)
    assert not (tmp_path / "tags" / "t0.rss").exists()  # nothing in place before the commit
    assert (tmp_path / "tags" / "old.rss").read_bytes() == b"old"
    ready = [s for s in staged if isinstance(s, Staged)]
    outcomes = place_staged(ready, batch.make_durable([s.tmp for s in ready]))
    assert [o.outcome for o in outcomes] == [Outcome.WRITTEN] * 20
    assert not batch.uses_syncfs  # the batch is closed once used
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
    batch = DurableBatch(tmp_path)
    failed, written = place_staged([first, second], batch.make_durable([first.tmp, second.tmp]))
    assert failed.outcome is Outcome.FAILED
    assert failed.message is not None and "a.rss: cannot write" in failed.message
    assert (tmp_path / "a.rss").read_bytes() == b"last good"
    assert written.outcome is Outcome.WRITTEN
    assert (tmp_path / "b.rss").read_bytes() == b"fine"
    assert _temp_files(tmp_path) == []


def test_the_fsync_fallback_names_the_file_that_failed(tmp_path: Path) -> None:
    kept = tmp_path / "kept.tmp"
    kept.write_bytes(b"x")
    gone = tmp_path / "gone.tmp"
    assert durable.fsync_each([kept, gone]).keys() == {gone}


def test_a_failed_rename_whose_cleanup_fails_too_is_reported_not_raised(tmp_path: Path) -> None:
    # A folder that turned read-only (errors=remount-ro) refuses the rename and
    # the unlink alike: the feed is reported failed, the rest of the batch goes on.
    staged = stage_feed(tmp_path, _feed("dir.rss", b"x"), (), passed=True)
    other = stage_feed(tmp_path, _feed("ok.rss", b"y"), (), passed=True)
    assert isinstance(staged, Staged) and isinstance(other, Staged)
    (tmp_path / "dir.rss").mkdir()  # the rename over a folder fails
    (tmp_path / "dir.rss" / "keep").write_bytes(b"")  # ...and a non-empty one stays
    staged.tmp.unlink()
    staged.tmp.mkdir()  # so that removing the temp "file" fails as well
    (staged.tmp / "x").write_bytes(b"")
    failed, written = place_staged([staged, other], {})
    assert failed.outcome is Outcome.FAILED and written.outcome is Outcome.WRITTEN
    assert (tmp_path / "ok.rss").read_bytes() == b"y"


def test_kernel_versions_are_read_from_release_strings() -> None:
    assert durable._kernel_version("6.18.44-fc-v669") == (6, 18)
    assert durable._kernel_version("4.18.0-513.el8.x86_64") == (4, 18)
    assert durable._kernel_version("5") == (5, 0)
    assert durable._kernel_version("") == (0, 0)


def test_syncfs_is_only_trusted_on_known_local_filesystems(tmp_path: Path) -> None:
    device = tmp_path.stat().st_dev
    kind = durable.filesystem_type(device)
    batch = DurableBatch(tmp_path)
    try:
        expected = durable._SYNCFS is not None and kind in durable.SYNCFS_FILESYSTEMS
        assert batch.uses_syncfs == expected
    finally:
        batch.close()


def test_unchanged_and_rejected_feeds_are_decided_without_writing(tmp_path: Path) -> None:
    publish_feed(tmp_path, _feed("same.rss", b"same"), (), passed=True)
    unchanged = stage_feed(tmp_path, _feed("same.rss", b"same"), (), passed=True)
    rejected = stage_feed(tmp_path, _feed("bad.rss", b"bad"), (), passed=False)
    assert not isinstance(unchanged, Staged) and unchanged.outcome is Outcome.UNCHANGED
    assert not isinstance(rejected, Staged) and rejected.outcome is Outcome.REJECTED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.rss", "same.rss.br", "same.rss.gz"]


def test_publish_feed_writes_one_file_in_place(tmp_path: Path) -> None:
    outcome = publish_feed(tmp_path, _feed("sections/x.rss", b"<rss/>"), (), passed=True)
    assert outcome.outcome is Outcome.WRITTEN
    assert (tmp_path / "sections" / "x.rss").read_bytes() == b"<rss/>"
    assert _temp_files(tmp_path) == []


def test_temp_files_of_a_build_that_died_are_swept_under_the_lock(tmp_path: Path) -> None:
    staged = stage_feed(tmp_path, _feed("tags/t.rss", b"x"), (), passed=True)
    assert isinstance(staged, Staged)
    (tmp_path / "tags" / ".hidden.tmp").write_bytes(b"")  # not one of ours: kept
    (tmp_path / publish.LOCK_NAME).write_text("4242\n")  # the holder died holding it
    with publish.build_lock(tmp_path) as crashed:
        assert crashed
        assert publish.sweep_temp_files(tmp_path) == 3  # the feed and its .gz and .br
    assert not any(t.exists() for t in staged.temps)
    assert (tmp_path / "tags" / ".hidden.tmp").exists()
    with publish.build_lock(tmp_path) as crashed:
        assert not crashed  # released cleanly last time


def test_a_build_after_one_that_died_leaves_no_temp_file(tmp_path: Path, now: datetime) -> None:
    config = parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org"},
            "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
        },
        root=tmp_path,
        source="config.toml",
    )
    output = config.output_dir
    staged = stage_feed(output, _feed("index.rss", b"half a build"), (), passed=True)
    assert isinstance(staged, Staged)
    (output / publish.LOCK_NAME).write_text("4242\n")
    with Store.open(config.store_url) as store:
        run_build(config, store, now)
    assert not staged.tmp.exists()
    assert (output / "index.rss").read_bytes().startswith(b"<?xml")


def test_a_replaced_file_is_let_go_of_after_the_rename(tmp_path: Path) -> None:
    """The old version keeps a temp-named second name until the remover takes it."""
    (tmp_path / "tags").mkdir()
    target = tmp_path / "tags" / "old.rss"
    target.write_bytes(b"old")
    reader = target.open("rb")  # a reader holding the old version reads it whole
    staged = stage_feed(tmp_path, _feed("tags/old.rss", b"new"), (), passed=True)
    assert isinstance(staged, Staged)
    second = retire.retire(target)
    assert second is not None and second.read_bytes() == b"old"
    assert publish._TEMP_NAME.fullmatch(second.name)  # a dead build's is swept with temps
    retire.discard([second])
    (outcome,) = place_staged([staged], {})
    assert outcome.outcome == Outcome.WRITTEN and target.read_bytes() == b"new"
    assert _temp_files(tmp_path) == []  # removed once the remover is done
    assert reader.read() == b"old"
    reader.close()
    assert retire.retire(tmp_path / "tags" / "new.rss") is None  # nothing to keep yet
