"""Benchmark: two ``syndicate run`` workers on one PostgreSQL store against one.

On the 10k corpus (``--articles``), imported once by ``syndicate import`` into a
seed database and copied for each scenario (``CREATE DATABASE ... TEMPLATE``;
the bench database is dropped and recreated each time), so every scenario
starts with every feed queued by the import and nothing built. Each scenario
starts its ``syndicate run`` workers as processes (their own
``application_name``, the same output folder), and while they run this
process stores a stream of new articles (``--stream`` every second, shaped like
the corpus, through ``Store.upsert_iter``: what an import transaction does).

Scenarios:

- ``one`` and ``two`` workers: feeds per second over the backlog (every
  planned feed built at least once, timed from the workers' start, process
  start-up included), then one cadence cycle of every group (``every`` =
  ``--cycle`` seconds) drained; then the stream stops, the queue empties and
  the workers get SIGTERM.
- ``kill``: two workers; mid-backlog, worker A is stopped (SIGSTOP) and looked
  at: if its one open transaction is a drain batch (idle in transaction, an
  xid, its last statement not a cycle's, an embargo check's or a heartbeat's)
  the queue rows it holds (locked FOR UPDATE: their ``xmax`` is that xid, from
  ``pg_stat_activity.backend_xid``) are exactly what its death rolls back, and
  A gets SIGKILL; otherwise it is let go and looked at again. The bench then
  times until A's backends are gone (its rows released) and until B has built
  and committed every one of them; meanwhile it reads and parses those feeds'
  files over and over. Then, like the others, one cadence cycle of every group
  (opened and drained by B alone). After the run: each held feed built once
  for its queue entry after the kill, none by A; every published file parsed,
  its .gz/.br copies the same bytes. ``--scenarios`` may name ``kill`` more
  than once for more samples.

  There is no lease: a claim is a row lock of the worker's open transaction,
  held for a whole batch (``drain_queue``: claim, build, record, commit). A
  killed process's socket is closed by its kernel, so PostgreSQL ends the
  session at once; pick-up then waits for B to finish the batch in hand
  (A's rows, the oldest, come first in B's next claim). A machine that
  vanishes without closing its sockets holds its rows until the server's TCP
  keepalive gives up (``tcp_keepalives_idle``/``_interval``/``_count``, by
  default the kernel's 7200 s + 9 x 75 s) or ``idle_in_transaction_session_timeout``
  (off by default) ends the session; a worker that hangs holds them for ever
  unless that timeout is set.

Checks, from the store's tables (read-only queries; the bench is not part of
the package): a feed the stream never touched is built once per queue entry,
so each (feed, reason) pair must appear at most once in ``feed_builds`` ("built
twice") and each planned feed must have its backlog build and one build per
cadence cycle of its group ("lost"); the stream's feeds are rebuilt for every
import that touches them and are left out of those two counts. The queue must
be empty at the end.

Example::

    .venv/bin/python bench/workers.py --articles 10000

Prints one table and the checks; progress on stderr. Not a test: it asserts
nothing, and contacts no host but loopback PostgreSQL.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import brotli
from corpus import AUTHORITY, corpus_jsonl, make_corpus
from importing import write_import_config
from lxml import etree
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from syndicate.config import Config, load_config
from syndicate.kinds import kinds
from syndicate.model import ParsedArticle
from syndicate.planning import PlannedFeed, plan_feeds
from syndicate.store import Store
from syndicate.store.queue import memberships_of
from syndicate.store.schema import feed_builds, feed_queue, group_cycles
from syndicate.store.upsert import referring_articles
from syndicate.text import normalise_title

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PG = "postgresql+psycopg://syndicate:syndicate@127.0.0.1:5432"
PGENV = {"PGPASSWORD": "syndicate"}
PGARGS = ["-h", "127.0.0.1", "-U", "syndicate"]
DB = "syndicate_bench_workers"
SEED_DB = "syndicate_bench_workers_seed"
POLL = 0.2  # seconds between looks at the store


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pg(tool: str, *args: str) -> None:
    done = subprocess.run(
        [tool, *PGARGS, *args], env={**os.environ, **PGENV}, capture_output=True, text=True
    )
    if done.returncode and "does not exist" not in done.stderr:
        raise SystemExit(f"{tool} {' '.join(args)}: {done.stderr.strip()}")


def recreate(db: str, template: str | None = None) -> None:
    pg("dropdb", "--if-exists", db)
    pg("createdb", *(["-T", template] if template else []), db)


def env_for_code() -> dict[str, str]:
    root = str(HERE.parent)
    extra = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, extra]))}


def write_config(folder: Path, url: str, *, cycle: int, max_bytes: int, seed: int) -> Path:
    """The import config plus the service's: every group each ``cycle`` s, queue each 1 s."""
    path = write_import_config(folder, url, max_file_bytes=max_bytes, seed=seed)
    groups = sorted({k.group for k in kinds()})
    extra = "".join(f"\n[feeds.{g}]\nevery = {cycle}\n" for g in groups)
    extra += "\n[run]\nqueue_every = 1\ninbox_every = 3600\n\n[links]\nenabled = false\n"
    path.write_text(path.read_text() + extra)
    return path


# --- the store, read-only ------------------------------------------------------------------


def built_keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(feed_builds.c.feed_key).distinct()).scalars())


def max_build_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(feed_builds.c.id), 0))).scalar_one())


def queued(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {r.feed_key: r.version for r in conn.execute(select(feed_queue))}


def queued_reasons(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r.feed_key: r.reason for r in conn.execute(select(feed_queue))}


def cycles(engine: Engine) -> list[tuple[str, int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(group_cycles.c.feed_group, group_cycles.c.cycle, group_cycles.c.worker)
        )
        return [(r.feed_group, r.cycle, r.worker) for r in rows]


def history(engine: Engine, after_id: int = 0) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(feed_builds.c.id, feed_builds.c.feed_key, feed_builds.c.reason,
                       feed_builds.c.worker, feed_builds.c.outcome)
                .where(feed_builds.c.id > after_id)
                .order_by(feed_builds.c.id)
            )
        )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Frozen:
    """Worker A stopped inside a drain batch: its backends and the queue rows it holds."""

    pids: tuple[int, ...]
    xid: str
    query: str
    held: dict[str, tuple[int, str]]  # feed key -> (version, reason) as A claimed it
    before_id: int  # every build committed before A stopped has an id <= this


# A transaction of the worker that writes queue rows without claiming them for a
# build (a cycle, an embargo check, the heartbeat): its locked rows are not claims.
NOT_A_DRAIN = ("insert into feed_queue", "group_cycles", "store_state", "ops_state")


def look_at_stopped(engine: Engine, application: str) -> Frozen | None:
    """A's open drain transaction and the rows it locked, or None if it holds none now.

    Called with A stopped (SIGSTOP): it sends nothing more, so what is read here
    is exactly what its death will roll back. Rows locked ``FOR UPDATE`` carry
    the locker's transaction id in ``xmax``; a backend idle in transaction with
    an xid whose last statement belongs to ``drain_queue`` (claim, plan, select,
    record, done) holds only its batch's claims.
    """
    with engine.connect() as conn:
        backends = list(
            conn.execute(
                text(
                    "SELECT pid, backend_xid::text AS xid, state, query FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": application},
            )
        )
        busy = [b for b in backends if b.xid is not None]
        if len(busy) != 1 or busy[0].state != "idle in transaction":
            return None
        (b,) = busy
        if any(word in b.query.lower() for word in NOT_A_DRAIN):
            return None
        before_id = int(
            conn.execute(select(func.coalesce(func.max(feed_builds.c.id), 0))).scalar_one()
        )
        rows = conn.execute(
            text("SELECT feed_key, version, reason FROM feed_queue WHERE xmax::text = :xid"),
            {"xid": b.xid},
        )
        held = {r.feed_key: (r.version, r.reason) for r in rows}
    if not held:
        return None
    return Frozen(tuple(x.pid for x in backends), b.xid, b.query, held, before_id)


def alive(engine: Engine, pids: Sequence[int]) -> bool:
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
            {"pids": list(pids)},
        ).scalar_one()
        return bool(n)


def first_builds(engine: Engine, keys: set[str], worker: str, after_id: int) -> set[str]:
    """Which of ``keys`` ``worker`` has built and committed since build ``after_id``."""
    with engine.connect() as conn:
        return set(
            conn.execute(
                select(feed_builds.c.feed_key)
                .where(
                    feed_builds.c.id > after_id,
                    feed_builds.c.worker == worker,
                    feed_builds.c.feed_key.in_(sorted(keys)),
                )
                .distinct()
            ).scalars()
        )


# --- the import stream --------------------------------------------------------------------


def feed_keys_of(article: ParsedArticle) -> set[str]:
    """The feeds an article joins (``store.queue.memberships``' keys, from the record)."""
    keys = {"site", f"section/{article.section.slug}"}
    keys |= {f"tag/{t.slug}" for t in article.tags} | {f"author/{a.slug}" for a in article.authors}
    return keys


class Stream(threading.Thread):
    """Store ``per_second`` new corpus-shaped articles every second until stopped."""

    def __init__(self, url: str, per_second: int, seed: int, name: str) -> None:
        super().__init__(daemon=True)
        pool = [a for a in make_corpus(400, seed=seed) if a.status == "published"]
        self.pool, self.url, self.per_second, self.name_ = pool, url, per_second, name
        self.stop_event = threading.Event()
        self.touched: set[str] = set()
        self.stored = 0
        self.error: str | None = None

    def run(self) -> None:
        try:
            with Store.open(self.url) as store:
                i = 0
                while not self.stop_event.wait(1.0):
                    now = datetime.now(UTC)
                    batch = []
                    for _ in range(self.per_second):
                        a = self.pool[i % len(self.pool)]
                        key = f"stream-{self.name_}-{i}"
                        batch.append(
                            dataclasses.replace(
                                a, key=key, slug=key, url=f"{a.url}-{key}",
                                published=now, updated=now, embargo_until=None,
                            )
                        )  # fmt: skip
                        i += 1
                    # Touched before stored: a check never counts a rebuild it caused.
                    # The import also queues the feeds of stories whose related
                    # reference resolves to a new one ("related"): those too.
                    for a in batch:
                        self.touched |= feed_keys_of(a)
                    identities = [(a.url, a.slug, normalise_title(a.title)) for a in batch]
                    with store.connect() as conn:
                        self.touched |= memberships_of(conn, referring_articles(conn, identities))
                    list(store.upsert_iter(batch, authority=AUTHORITY, now=now))
                    self.stored += len(batch)
        except Exception as e:
            self.error = f"{type(e).__name__}: {e}"


# --- one scenario ------------------------------------------------------------------------------


class Workers:
    def __init__(self, config_path: Path, names: Sequence[str], folder: Path) -> None:
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        env = env_for_code()
        for name in names:
            cfg = folder / f"config-{name}.toml"
            original = config_path.read_text()
            cfg.write_text(original.replace(f'/{DB}"', f'/{DB}?application_name={name}"'))
            cmd = [sys.executable, "-m", "syndicate", "-c", str(cfg), "run", "--worker", name]
            with open(folder / f"{name}.log", "wb") as out:
                self.procs[name] = subprocess.Popen(
                    cmd, cwd=config_path.parent, env=env, stdout=out, stderr=subprocess.STDOUT
                )

    def stop(self) -> dict[str, int | None]:
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, p in self.procs.items():
            try:
                codes[name] = p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                codes[name] = None
        return codes


FEED_SUFFIXES = (".rss", ".atom", ".json")


def parses(path: Path) -> bool:
    data = path.read_bytes()
    try:
        if path.suffix == ".json":
            json.loads(data)
        else:
            etree.fromstring(data)
    except (ValueError, etree.XMLSyntaxError):
        return False
    return True


def feed_files(config: Config, planned: Sequence[PlannedFeed], keys: set[str]) -> list[Path]:
    formats = config.feeds.formats
    return [
        config.output_dir / f"{p.spec.path}.{fmt}"
        for p in planned
        if p.spec.key in keys
        for fmt in formats
    ]


def scenario(
    name: str, workers: int, args: argparse.Namespace, base: Path, max_bytes: int
) -> dict[str, Any]:
    recreate(DB, SEED_DB)
    url = f"{PG}/{DB}"
    folder = base / name
    shutil.rmtree(folder, ignore_errors=True)
    cfg_path = write_config(folder, url, cycle=args.cycle, max_bytes=max_bytes, seed=args.seed)
    config = load_config(cfg_path)
    engine = create_engine(url)
    result: dict[str, Any] = {"scenario": name, "workers": workers}
    result["load_before"] = os.getloadavg()
    try:
        with Store.open(url) as store, store.connect() as conn:
            planned = plan_feeds(conn, config, datetime.now(UTC))
        plan = {p.spec.key: p.spec.kind for p in planned}
        group_of = {k.name: k.group for k in kinds()}
        result["planned"] = len(plan)
        result["queued_at_start"] = len(queued(engine))
        names = [f"bench-w{chr(ord('a') + i)}" for i in range(workers)]
        stream = Stream(url, args.stream, args.seed, name)
        started = time.perf_counter()
        pool = Workers(cfg_path, names, folder)
        stream.start()
        kill: dict[str, Any] = {}
        covered_at = None
        while covered_at is None:
            time.sleep(POLL)
            done = built_keys(engine)
            if name == "kill" and not kill and len(done) >= args.kill_after:
                kill = kill_one(engine, pool, names, config, planned)
            if done >= plan.keys():
                covered_at = time.perf_counter() - started
            if time.perf_counter() - started > args.timeout:
                raise SystemExit(f"{name}: backlog not built in {args.timeout} s")
        result["backlog_s"] = covered_at
        result["feeds_per_s"] = len(plan) / covered_at
        log(f"  {name}: backlog of {len(plan):,} feeds in {covered_at:.1f} s")
        opened: list[tuple[str, int, str]] = []
        # One cadence cycle of every group, drained (after a kill, by the survivor alone).
        groups = {group_of[k] for k in plan.values()}
        while {g for g, _, _ in opened} < groups:
            time.sleep(POLL)
            opened = cycles(engine)
            if time.perf_counter() - started > args.timeout + args.cycle:
                raise SystemExit(f"{name}: no cadence cycle opened")
        log(f"  {name}: cycles opened {sorted({(g, c) for g, c, _ in opened})}")
        stream.stop_event.set()
        stream.join()
        empty_since = None
        while True:  # the queue stays empty for 3 s: nothing left, the workers idle
            time.sleep(POLL)
            now_s = time.perf_counter()
            if queued(engine):
                empty_since = None
            elif empty_since is None:
                empty_since = now_s
            elif now_s - empty_since > 3:
                break
            if now_s - started > args.timeout + 2 * args.cycle:
                raise SystemExit(f"{name}: the queue did not empty")
        result["total_s"] = time.perf_counter() - started
        result["load_after"] = os.getloadavg()
        result["exit_codes"] = pool.stop()
        result["stream_stored"] = stream.stored
        result["stream_error"] = stream.error
        left = queued_reasons(engine)
        result["queue_left"] = len(left)
        result.update(check_history(engine, plan, group_of, cycles(engine), stream.touched, left))
        if kill:
            kill.update(check_kill(engine, kill, stream.touched))
        result["kill"] = kill
        if name == "kill":
            result.update(check_files(config))
        log(f"  {name}: {json.dumps({k: v for k, v in result.items() if k != 'kill'})}")
    finally:
        engine.dispose()
    return result


def check_history(
    engine: Engine,
    plan: dict[str, str],
    group_of: dict[str, str],
    opened: list[tuple[str, int, str]],
    touched: set[str],
    left: dict[str, str],
) -> dict[str, Any]:
    """Built twice and lost, for the feeds the stream never touched; work per worker.

    An untouched feed is queued by the import (reason created/updated/related)
    and once per cadence cycle of its group (reason "cadence N"); a cycle that
    opens while the import's row waits takes the row over, so the backlog build
    may carry the first cycle's reason instead. An entry still queued at the
    end (a cycle opened as the workers stopped) is not lost: it is in
    ``queue_left``.
    """
    rows = history(engine)
    per_reason = Counter((r.feed_key, r.reason) for r in rows)
    reasons: dict[str, set[str]] = {}
    for key, reason in per_reason:
        reasons.setdefault(key, set()).add(reason)
    untouched = plan.keys() - touched
    twice = sorted({k for (k, _), n in per_reason.items() if n > 1 and k in untouched})
    cycle_reasons: dict[str, list[str]] = {}
    for group, cycle, _ in sorted(opened, key=lambda o: o[1]):
        cycle_reasons.setdefault(group, []).append(f"cadence {cycle}")
    lost_backlog: list[str] = []
    lost_cycle: list[str] = []
    coalesced: list[str] = []
    for key in sorted(untouched):
        got = reasons.get(key, set()) | ({left[key]} if key in left else set())
        due = cycle_reasons.get(group_of[plan[key]], [])
        if not got & {"created", "updated", "related"} and not (due and due[0] in got):
            lost_backlog.append(key)
        for i, r in enumerate(due):
            if r in got:
                continue
            # A later cycle that opened while this one's row still waited took it over.
            if any(later in got for later in due[i + 1 :]):
                coalesced.append(f"{key} ({r})")
            else:
                lost_cycle.append(f"{key} ({r})")
    return {
        "builds": len(rows),
        "builds_by_worker": dict(Counter(r.worker for r in rows)),
        "builds_by_reason": dict(
            Counter(
                f"{'cadence' if r.reason.startswith('cadence ') else r.reason}: {r.outcome}"
                for r in rows
            )
        ),
        "cycles": sorted({(g, c, w) for g, c, w in opened}),
        "untouched": len(untouched),
        "touched_by_stream": len(plan.keys() & touched),
        "built_twice": twice[:10],
        "built_twice_count": len(twice),
        "lost_backlog": lost_backlog[:10],
        "lost_cycle": lost_cycle[:10],
        "lost_count": len(lost_backlog) + len(lost_cycle),
        "coalesced": coalesced[:10],
        "coalesced_count": len(coalesced),
        "not_ok": dict(
            Counter(r.outcome for r in rows if r.outcome not in ("written", "unchanged", "skipped"))
        ),
    }


def kill_one(
    engine: Engine,
    pool: Workers,
    names: list[str],
    config: Config,
    planned: Sequence[PlannedFeed],
) -> dict[str, Any]:
    """SIGKILL worker A inside a drain batch; time its rows' release and B's builds of them.

    A is stopped (SIGSTOP) before it is looked at, so the rows read are exactly
    the claims its death rolls back (not a batch it commits in between); if it
    is not inside a batch holding rows at that moment it is let go and looked at
    again a moment later.
    """
    victim, survivor = names[0], names[1]
    proc = pool.procs[victim]
    deadline = time.perf_counter() + 120
    tries = 0
    while True:
        tries += 1
        proc.send_signal(signal.SIGSTOP)
        time.sleep(0.05)  # a statement A had sent runs to its end; A can send no more
        frozen = look_at_stopped(engine, victim)
        if frozen is not None:
            proc.send_signal(signal.SIGKILL)
            killed = time.perf_counter()
            break
        proc.send_signal(signal.SIGCONT)
        if time.perf_counter() > deadline:
            raise SystemExit(f"worker A never seen inside a batch holding rows ({tries} looks)")
        time.sleep(0.02 + 0.05 * (tries % 7) / 7)  # not in step with A's batches
    proc.wait()
    held = frozen.held
    log(
        f"  kill: SIGKILL {victim} (look {tries}) in a batch holding {len(held)} feeds: "
        f"{sorted(held)[:5]} ...; its last statement: {frozen.query[:80]!r}"
    )
    files = feed_files(config, planned, set(held))
    # A queued key the plan does not have (a tag whose stories are all still
    # embargoed) is taken and dropped unbuilt by whichever worker claims it.
    unplanned = set(held) - {p.spec.key for p in planned}
    reads = bad = 0
    released = picked = None
    picked_at: dict[str, float] = {}
    while picked is None:
        now_s = time.perf_counter() - killed
        if released is None and not alive(engine, frozen.pids):
            released = now_s
        waiting = set(held) - picked_at.keys()
        for key in first_builds(engine, waiting - unplanned, survivor, frozen.before_id):
            picked_at[key] = now_s
        if waiting & unplanned:
            left = queued(engine)
            for key in waiting & unplanned:
                if left.get(key) != held[key][0]:
                    picked_at[key] = now_s
        if len(picked_at) == len(held):
            picked = now_s
        elif now_s > 300:
            break
        for path in files:  # readers see old or new bytes, never a partial file
            if path.exists():
                reads += 1
                bad += not parses(path)
        time.sleep(0.01)
    return {
        "victim": victim,
        "survivor": survivor,
        "looks": tries,
        "xid": frozen.xid,
        "last_statement": frozen.query[:200],
        "before_id": frozen.before_id,
        "held": {k: list(v) for k, v in sorted(held.items())},
        "released_s": released,
        "picked_s": picked,
        "picked_first_s": min(
            (t for k, t in picked_at.items() if k not in unplanned), default=None
        ),
        "picked_by_survivor": len(picked_at),
        "picked_at": picked_at,
        "unplanned": sorted(unplanned),
        "reads": reads,
        "partial_reads": bad,
        "victim_exit": proc.returncode,
    }


def check_kill(engine: Engine, kill: dict[str, Any], touched: set[str]) -> dict[str, Any]:
    """After the run: how often each feed A held was built after it died, and by whom.

    A's claim rolled back, so the same queue entry (same reason) must be built
    exactly once after the kill, by B; a cadence cycle that opened meanwhile may
    take the waiting row over (then its reason is the cycle's). Feeds the
    stream touched may be re-queued under the same reason and are shown apart.
    """
    rows = history(engine, kill["before_id"])
    entries = {(k, reason) for k, (_, reason) in kill["held"].items()}

    def entry_of(r: Any) -> tuple[str, str]:
        return (r.feed_key, r.reason)

    victim_after = [r for r in rows if r.worker == kill["victim"]]
    detail: dict[str, list[str]] = {}
    not_once: list[str] = []
    for key, (_, reason) in kill["held"].items():
        builds = [r for r in rows if r.feed_key == key]
        detail[key] = [f"{r.worker}:{r.reason}:{r.outcome}" for r in builds]
        same = sum(1 for r in builds if r.reason == reason)
        taken_over = same == 0 and any(r.reason.startswith("cadence ") for r in builds)
        if key in kill["unplanned"]:
            if builds:
                not_once.append(f"{key} (not planned) x{len(builds)}")
        elif key not in touched and not (same == 1 or taken_over):
            not_once.append(f"{key} x{same}")
    # A feed the stream touched may have been re-queued when A's lock went (the
    # import waiting on the row bumps it, stamped now): it goes to the back of
    # the queue, so it times the queue, not the pick-up of A's claim.
    kept = [t for k, t in kill["picked_at"].items() if k not in touched | set(kill["unplanned"])]
    return {
        "picked_untouched_s": max(kept, default=None),
        "held_outcomes": dict(Counter(r.outcome for r in rows if entry_of(r) in entries)),
        "untouched_held": sum(
            1 for k in kill["held"] if k not in touched and k not in kill["unplanned"]
        ),
        "built_not_once": not_once,
        "by_victim_after_kill": len(victim_after),
        "held_builds": detail,
    }


def check_files(config: Config) -> dict[str, Any]:
    """Every published feed file parses and its .gz/.br copies hold the same bytes.

    Hidden ``.tmp`` files are what a killed worker had staged and not renamed
    into place (nothing serves them; ``syndicate run`` on PostgreSQL does not
    sweep them, since the folder is shared with live workers).
    """
    published = bad = copies = mismatched = 0
    temps: list[str] = []
    other: list[str] = []
    for path in sorted(config.output_dir.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(config.output_dir))
        if path.name.startswith(".") and path.suffix == ".tmp":
            temps.append(name)
        elif path.suffix in (".gz", ".br") and Path(path.stem).suffix in FEED_SUFFIXES:
            copies += 1
            plain = path.with_suffix("")
            packed = path.read_bytes()
            data = gzip.decompress(packed) if path.suffix == ".gz" else brotli.decompress(packed)
            mismatched += not plain.is_file() or data != plain.read_bytes()
        elif path.suffix in FEED_SUFFIXES and not path.name.startswith("."):
            published += 1
            bad += not parses(path)
        else:
            other.append(name)
    return {
        "published_files": published,
        "unparsable_files": bad,
        "compressed_copies": copies,
        "copies_not_matching": mismatched,
        "temp_files": len(temps),
        "temp_examples": temps[:5],
        "other_files": other[:20],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=10_000, help="default: 10000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stream", type=int, default=2, help="new articles a second (default 2)")
    parser.add_argument("--cycle", type=int, default=60, help="groups' every, seconds (default 60)")
    parser.add_argument("--kill-after", type=int, default=300, help="feeds built before the kill")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument(
        "--scenarios", nargs="+", choices=("one", "two", "kill"), default=["one", "two", "kill"]
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder and databases")
    args = parser.parse_args(argv)

    base = OUT / "work" / f"workers-{os.getpid()}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    results = []
    try:
        log(f"importing {args.articles:,} articles into {SEED_DB} ...")
        (jsonl,) = corpus_jsonl(args.articles, args.seed, base / "corpus.jsonl")
        max_bytes = jsonl.stat().st_size + 1
        recreate(SEED_DB)
        seed_cfg = write_import_config(
            base / "seed", f"{PG}/{SEED_DB}", max_file_bytes=max_bytes, seed=args.seed
        )
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "syndicate", "-c", str(seed_cfg), "import", str(jsonl)],
            env=env_for_code(), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise SystemExit(f"import failed: {done.stderr[-2000:]}")
        log(f"  imported in {time.perf_counter() - started:.1f} s")
        for name in args.scenarios:
            n = 1 if name == "one" else 2
            log(f"scenario {name} ({n} worker{'s' if n > 1 else ''}) ...")
            results.append(scenario(name, n, args, base, max_bytes))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
            pg("dropdb", "--if-exists", DB)
            pg("dropdb", "--if-exists", SEED_DB)
    report(results, args)
    (OUT / f"workers-n{args.articles}-s{args.seed}.json").write_text(
        json.dumps(results, indent=2, default=str) + "\n"
    )
    return 0


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    print(
        f"== syndicate run workers on one PostgreSQL store: {args.articles:,} articles, "
        f"a stream of {args.stream} new articles/s, groups every {args.cycle} s =="
    )
    print("| scenario | workers | feeds | backlog built | feeds/s | builds (by worker) | "
          "built twice | lost | queue left | exit codes |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |")
    for r in results:
        print(
            f"| {r['scenario']} | {r['workers']} | {r['planned']:,} | {r['backlog_s']:.1f} s | "
            f"{r['feeds_per_s']:.0f} | {r['builds']:,} {r['builds_by_worker']} | "
            f"{r['built_twice_count']} | {r['lost_count']} | {r['queue_left']} | "
            f"{r['exit_codes']} |"
        )
    by = {r["scenario"]: r for r in results}
    if "one" in by and "two" in by:
        print(f"two workers / one: {by['two']['feeds_per_s'] / by['one']['feeds_per_s']:.2f}×")
    for r in results:
        load = "/".join(f"{x:.1f}" for x in r["load_before"])
        load_after = "/".join(f"{x:.1f}" for x in r["load_after"])
        print(
            f"- {r['scenario']}: load {load} before, {load_after} after (1/5/15 min, "
            f"{os.cpu_count()} cores); cycles {r['cycles']}; {r['untouched']:,} feeds checked, "
            f"{r['touched_by_stream']} touched by the stream ({r['stream_stored']} articles) "
            f"left out; builds by reason {r['builds_by_reason']}; "
            f"cycle entries taken over by the next cycle: {r['coalesced_count']}; "
            f"outcomes not ok: {r['not_ok'] or 'none'}"
            + (f"; stream error {r['stream_error']}" if r["stream_error"] else "")
            + (f"; built twice {r['built_twice']}" if r["built_twice"] else "")
            + (f"; lost {r['lost_backlog'] + r['lost_cycle']}" if r["lost_count"] else "")
        )
        k = r.get("kill")
        if k:
            held = k["held"]
            picked = "never" if k["picked_s"] is None else f"{k['picked_s']:.2f} s"
            kept = k["picked_untouched_s"]
            kept_s = "-" if kept is None else f"{kept:.2f} s"
            first = "-" if k["picked_first_s"] is None else f"{k['picked_first_s']:.2f} s"
            released = "never" if k["released_s"] is None else f"{k['released_s']:.2f} s"
            print(
                f"- kill -9 of {k['victim']} stopped inside a drain batch (look {k['looks']}) "
                f"holding {len(held)} queue rows locked by its open transaction: its "
                f"connections gone after {released}; {k['survivor']} built and committed "
                f"{k['picked_by_survivor'] - len(k['unplanned'])}/{len(held)} of them "
                f"(and dropped {len(k['unplanned'])} the plan does not have, unbuilt, as any "
                f"worker does), the first after {first}, "
                f"the {k['untouched_held']} the stream never touched after {kept_s}, all "
                f"after {picked} (outcomes {k['held_outcomes']}); builds by the victim "
                "after the kill: "
                f"{k['by_victim_after_kill']}; of {k['untouched_held']} not touched by the "
                f"stream, built other than once for their queue entry: "
                f"{k['built_not_once'] or 'none'}; {k['reads']:,} reads of their files "
                f"meanwhile, {k['partial_reads']} unparsable; victim exit {k['victim_exit']}"
            )
            print(
                f"- after: {r['published_files']:,} published files, {r['unparsable_files']} "
                f"unparsable; {r['compressed_copies']:,} .gz/.br copies, "
                f"{r['copies_not_matching']} not matching their file; {r['temp_files']} staged "
                f"temp files left by the killed worker {r['temp_examples'][:2] or ''}; "
                f"other files: {r['other_files'] or 'none'}"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
