"""Read config.toml into typed, validated objects.

Every problem becomes one ``ConfigError`` line that names the file, the key and
what was expected: ``config.toml: feeds.max_items: expected a positive integer,
got "ten"``. Unknown keys are errors too: a misspelt key that is silently
ignored is a feed that silently has the wrong shape.

Relative paths (the SQLite file, the output directory) are resolved against the
folder holding config.toml, so ``syndicate -c /srv/news/config.toml build``
works from any working directory (cron's is ``/``).

This module reads one file and returns data; it never opens the store or writes.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    PlainValidator,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from .archives import ArchivesConfig
from .config_values import (
    LICENCE_MAX,
    Formats,
    HttpUrl,
    MaxItems,
    StrictModel,
    cidr,
    describe_error,
    host_name,
    iso_date,
    language_tag,
    time_zone_name,
)
from .errors import ConfigError
from .kinds import kind_of_group, kinds
from .model import FeedFormat

DEFAULT_STORE_URL = "sqlite:///data/syndicate.db"


class SiteConfig(StrictModel):
    title: Annotated[str, Field(min_length=1)]
    base_url: HttpUrl
    feeds_url: HttpUrl | None = None
    description: str = ""
    language: Annotated[str, AfterValidator(language_tag)] = "en"
    time_zone: Annotated[str, AfterValidator(time_zone_name)] = "UTC"
    licence: str | None = None
    attribution: str | None = None
    default_section: Annotated[str, Field(min_length=1)] = "news"
    article_url: str = "{base_url}/{section}/{slug}"
    # the pages tag and author feeds point at (their <link>, home_page_url)
    tag_url: str = "{base_url}/tags/{slug}"
    author_url: str = "{base_url}/authors/{slug}"
    hubs: list[HttpUrl] = []
    # The date in the tag: URIs that identify our feeds (RFC 4151 §2.1: a day the
    # site owned its domain). Feed readers key subscriptions by it: never change it.
    id_date: Annotated[str, AfterValidator(iso_date)] = "2026-01-01"

    @field_validator("article_url")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            value.format(base_url="", section="", slug="", year="", month="")
        except (KeyError, IndexError, ValueError, AttributeError, TypeError):
            raise ValueError(
                "expected a pattern using only {base_url}, {section}, {slug}, {year}, {month}"
            ) from None
        return value

    @field_validator("tag_url", "author_url")
    @classmethod
    def _page_pattern(cls, value: str) -> str:
        try:
            value.format(base_url="", slug="")
        except (KeyError, IndexError, ValueError, AttributeError, TypeError):
            raise ValueError("expected a pattern using only {base_url}, {slug}") from None
        return value

    @property
    def published_feeds_url(self) -> str:
        """The absolute URL that serves the output directory."""
        return self.feeds_url or f"{self.base_url}/feeds"


class StoreConfig(StrictModel):
    url: Annotated[str, Field(min_length=1)] = DEFAULT_STORE_URL


class OutputConfig(StrictModel):
    dir: Annotated[str, Field(min_length=1)] = "feeds"
    report: str = "build-report.json"
    # Partner feeds: a private folder beside ``dir``, never inside it (a static
    # server pointed at the public folder must not be able to serve them).
    partners_dir: Annotated[str, Field(min_length=1)] = "partners"
    # Where ``syndicate serve`` answers for that folder (the feeds' self links).
    partners_url: HttpUrl | None = None
    # Build history is operational detail: by default the page sits beside the
    # output folder (relative to config.toml's folder), not among the public feeds.
    status_page: str = "status.html"
    # The status page and the discovery page list every feed (at 2,000 feeds each
    # costs more than a cron build of one story): a quiet build (nothing failed, no
    # finding, no link problem) leaves a status page showing no problem, and the
    # discovery page's counts and times, until the page is this many seconds old.
    # Problems, their end and feeds appearing or going show at once. 0: always.
    pages_every: Annotated[int, Field(ge=0)] = 300
    # An <?xml-stylesheet?> in every public RSS and Atom feed, and the XSLT files
    # it names in <dir>/_style/: a feed opened in a browser reads as a page.
    stylesheets: bool = True


LinkPolicy = Literal["drop", "keep", "hold", "fail"]


class GroupConfig(StrictModel):
    """One feed group (site, sections, tags, authors); unset keys inherit ``[feeds]``."""

    enabled: bool = True
    formats: Formats | None = None
    max_items: MaxItems | None = None
    related_policy: LinkPolicy | None = None
    every: PositiveInt | None = None  # seconds between `syndicate run` rebuilds of the group


class FeedsConfig(StrictModel):
    """``[feeds]``: defaults for every feed, and one table per feed kind's group.

    The groups are the registered kinds' (``syndicate.kinds``): ``[feeds.site]``,
    ``[feeds.sections]``, ... A table for a group no kind has is an unknown key.
    """

    formats: Formats = ["rss", "atom", "json"]
    max_items: MaxItems = 50
    # What a feed does with an item whose related-coverage link is broken:
    # drop the link, keep it (flagged in the report), hold the item back until
    # the link passes, or fail the feed (the last good one stays).
    related_policy: LinkPolicy = "drop"
    # Filled from the group tables by ``_gather_groups``, never written by hand.
    kind_groups: dict[str, GroupConfig] = {}

    @model_validator(mode="before")
    @classmethod
    def _gather_groups(cls, data: Any) -> Any:
        """Move each registered group's table into ``groups`` (unknown keys stay, and fail)."""
        if not isinstance(data, dict):
            return data
        names = {k.group for k in kinds()}
        given = {k: v for k, v in data.items() if k in names}
        rest = {k: v for k, v in data.items() if k not in names}
        return {**rest, "kind_groups": given}

    def group(self, name: str) -> ResolvedGroup:
        kind = kind_of_group(name)
        if kind is None:
            raise KeyError(f"no feed kind has the group {name!r}")
        g = self.kind_groups.get(name) or GroupConfig()
        return ResolvedGroup(
            enabled=g.enabled,
            formats=tuple(dict.fromkeys(g.formats or kind.formats or self.formats)),
            max_items=g.max_items or kind.max_items or self.max_items,
            related_policy=g.related_policy or self.related_policy,
            every=g.every or kind.every,
        )


class ResolvedGroup(StrictModel):
    enabled: bool
    formats: tuple[FeedFormat, ...]
    max_items: int
    related_policy: LinkPolicy
    every: int


PositiveFloat = Annotated[float, Field(gt=0)]


class LinksConfig(StrictModel):
    """How related-coverage links are checked (the links stage)."""

    enabled: bool = True
    # Loopback, private, link-local, multicast, reserved and unspecified
    # addresses are refused unless this is true. Dangerous outside tests: it
    # opens every such address at once, the cloud metadata service
    # (169.254.169.254) and the machine's own admin ports included. An intranet
    # newsroom names its hosts or networks below instead.
    allow_private: bool = False
    # Host names (exact, case-insensitive) and CIDR blocks whose addresses are
    # accepted even when private: ["cms.internal"], ["10.20.0.0/16"].
    allow_hosts: list[Annotated[str, AfterValidator(host_name)]] = []
    allow_networks: list[Annotated[str, AfterValidator(cidr)]] = []
    connect_timeout: PositiveFloat = 5.0
    read_timeout: PositiveFloat = 10.0
    deadline: PositiveFloat = 20.0  # seconds per link, retries and redirects included
    max_redirects: Annotated[int, Field(ge=0, le=20)] = 5
    max_bytes: PositiveInt = 1_048_576  # bytes read from a body before giving up on it
    retries: Annotated[int, Field(ge=0, le=10)] = 2
    backoff: Annotated[float, Field(ge=0)] = 0.5  # seconds, doubled per retry
    max_retry_after: Annotated[float, Field(ge=0)] = 30.0  # longest Retry-After honoured
    ok_ttl: PositiveInt = 86_400  # seconds a passing result is trusted
    failed_ttl: PositiveInt = 3_600  # seconds a failing result is trusted
    concurrency: PositiveInt = 32  # links checked at once, overall
    per_host: PositiveInt = 4  # links checked at once on one host


class WebSubConfig(StrictModel):
    """How ``site.hubs`` are pinged after a publish (``syndicate.websub``)."""

    timeout: PositiveFloat = 5.0  # seconds one request may take, start to end
    retries: Annotated[int, Field(ge=0, le=10)] = 2  # in the same build, on 5xx and resets
    backoff: Annotated[float, Field(ge=0)] = 0.5  # seconds, doubled per retry
    concurrency: Annotated[int, Field(gt=0, le=64)] = 8  # pings in flight at once
    deadline: PositiveFloat = 30.0  # seconds one round may take; the rest wait for the next
    keep: PositiveInt = 86_400  # seconds an undelivered ping is kept and retried


class ImportConfig(StrictModel):
    """Defaults for importing plain-text exports that carry no metadata."""

    max_file_bytes: PositiveInt = 20 * 1024 * 1024
    # Processes parsing a long JSON Lines file beside the one storing it; 0 = one per CPU.
    workers: Annotated[int, Field(ge=0, le=64)] = 0

    def parse_workers(self) -> int:
        return self.workers or len(os.sched_getaffinity(0))


class RunConfig(StrictModel):
    """`syndicate run`: the long-running service."""

    inbox: str = "inbox"  # files dropped here are imported, then moved to done/ or failed/
    inbox_every: PositiveInt = 30  # seconds between inbox scans
    queue_every: PositiveInt = 10  # seconds between checks of the feed queue (new imports)
    links_every: PositiveInt = 3600  # seconds between re-checks of stale related links
    max_backoff: PositiveInt = 600  # longest wait, in seconds, after repeated failures


# ---------------------------------------------------------------- partners

# Never in a partner's HTML, whatever its allow-list says: they run code or pull
# in other documents.
NEVER_ALLOWED_TAGS = frozenset(
    {"script", "style", "iframe", "object", "embed", "frame", "frameset", "link", "meta", "base"}
    | {"form", "input", "button", "textarea", "select", "svg", "math", "template"}
)
Statement = Annotated[str, Field(min_length=1, max_length=LICENCE_MAX)]


def _safe_tags(value: list[str]) -> list[str]:
    bad = sorted({t.lower() for t in value} & NEVER_ALLOWED_TAGS)
    if bad:
        raise ValueError(f"{bad[0]!r} may never be sent to a partner")
    return [t.lower() for t in value]


TOMBSTONE_DAYS = 30  # `tombstones = true`: long enough for a weekly poller to see a kill


def _tombstone_days(value: object) -> bool | int:
    if isinstance(value, bool) or (isinstance(value, int) and 1 <= value <= 3650):
        return value
    raise ValueError("expected true, false or a number of days from 1 to 3650")


class PartnerConfig(StrictModel):
    """``[partners.<name>]``: what one partner may receive, and in what shape.

    Allow lists (``sections``, ``tags``, ``licences``) are "any" when unset; a
    deny list always wins. Sections must be in ``[sections]`` (or the default
    section), licences in ``[licences]``: a typo would otherwise be a partner
    that silently gets nothing, or everything.
    """

    enabled: bool = True
    sections: list[str] | None = None
    deny_sections: list[str] = []
    tags: list[str] | None = None
    deny_tags: list[str] = []
    licences: list[str] | None = None
    deny_licences: list[str] = []
    formats: Formats = ["rss", "atom", "json"]
    full_text: bool = False  # else a summary of at most summary_chars characters
    summary_chars: Annotated[int, Field(gt=0, le=10_000)] = 300
    # The HTML elements a full-text partner may get (None: the strict default).
    allowed_tags: Annotated[list[str], AfterValidator(_safe_tags)] | None = None
    images: bool = False  # lead images whose rights allow syndication
    attribution: Statement | None = None  # None: site.attribution
    licence_statement: Statement | None = None  # None: site.licence
    licence_url: HttpUrl | None = None  # Atom rel="license", RSS/JSON beside the statement
    max_items: MaxItems = 50
    max_feed_bytes: Annotated[int, Field(ge=1024)] | None = None
    max_item_bytes: Annotated[int, Field(ge=256)] | None = None
    # Kills announced for this many days (true: TOMBSTONE_DAYS): RFC 6721 deleted
    # entries in Atom and RSS, a "_syndicate_kills" list in JSON Feed.
    tombstones: Annotated[bool | int, PlainValidator(_tombstone_days)] = False
    embargoed: Literal["hold", "advance"] = "hold"
    # The HMAC key of its signed URLs (syndicate.access), relative to config.toml's folder.
    secret_file: Annotated[str, Field(min_length=1)] | None = None


def _gather_partners(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate each ``[partners.<name>]`` table on its own: (good ones, name -> error line)."""
    tables = data.get("partners")
    if not isinstance(tables, dict):
        return tables, {}  # type: ignore[return-value]  # pydantic says "expected a table"
    site = data.get("site")
    default = site.get("default_section", "news") if isinstance(site, dict) else "news"
    sections = set(data.get("sections") or {}) | {default}
    licences = set(data.get("licences") or {})
    good: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, table in tables.items():
        where = f"partners.{name}"
        if not _SLUG.fullmatch(str(name)):
            problems[str(name)] = f"{where}: expected a name of lower-case letters, digits, -"
            continue
        try:
            partner = PartnerConfig.model_validate(table)
        except ValidationError as e:
            error = e.errors(include_url=False)[0]
            problems[name] = describe_error({**error, "loc": ("partners", name, *error["loc"])})
            continue
        problem = _unknown_names(where, partner, sections, licences)
        if problem:
            problems[name] = problem
        else:
            good[name] = partner
    return good, problems


def _unknown_names(
    where: str, partner: PartnerConfig, sections: set[str], licences: set[str]
) -> str | None:
    for key, known, what in (
        ("sections", sections, "[sections]"),
        ("deny_sections", sections, "[sections]"),
        ("licences", licences, "[licences]"),
        ("deny_licences", licences, "[licences]"),
    ):
        for value in getattr(partner, key) or ():
            if value not in known:
                noun = key.removeprefix("deny_")[:-1]
                return f"{where}.{key}: unknown {noun} (not in {what}), got {json.dumps(value)}"
    return None


_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


class Config(StrictModel):
    """The whole file. ``[partners.<name>]`` tables are checked one by one
    (``syndicate.partners.gather_partners``): a bad profile is left out and its
    one-line error kept in ``partner_problems``, so the build publishes nothing
    for that partner, exits non-zero, and every other feed is built as usual.
    """

    site: SiteConfig
    store: StoreConfig = StoreConfig()
    output: OutputConfig = OutputConfig()
    feeds: FeedsConfig = FeedsConfig()
    sections: dict[str, str] = {}  # slug -> display name
    links: LinksConfig = LinksConfig()
    websub: WebSubConfig = WebSubConfig()
    run: RunConfig = RunConfig()
    imports: ImportConfig = Field(default=ImportConfig(), alias="import")
    licences: dict[str, Annotated[str, Field(min_length=1, max_length=LICENCE_MAX)]] = {}
    partners: dict[str, PartnerConfig] = {}
    archives: ArchivesConfig = ArchivesConfig()
    # Filled by ``_gather_partners`` (never written by hand): partner -> its error line.
    partner_problems: dict[str, str] = {}

    @model_validator(mode="before")
    @classmethod
    def _gather_partners(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "partners" not in data:
            return data
        good, problems = _gather_partners(data)
        return {**data, "partners": good, "partner_problems": problems}

    # Set by load_config: where the file was, to resolve relative paths.
    root: Path = Path(".")
    source: str = "config.toml"
    # Set by load_config: what gave store.url (an error about the store names it).
    store_origin: str = "store.url"

    @property
    def output_dir(self) -> Path:
        return (self.root / self.output.dir).resolve()

    @property
    def partners_dir(self) -> Path:
        """The private folder partner feeds go to (``partners/<name>/``)."""
        return (self.root / self.output.partners_dir).resolve()

    @property
    def partners_url(self) -> str:
        return self.output.partners_url or f"{self.site.base_url}/partners"

    @property
    def report_path(self) -> Path:
        return (self.root / self.output.report).resolve() if self.output.report else Path()

    @property
    def status_page_path(self) -> Path | None:
        """Where the status page goes; None when ``output.status_page`` is ``""``."""
        return (self.root / self.output.status_page).resolve() if self.output.status_page else None

    @property
    def inbox_dir(self) -> Path:
        return (self.root / self.run.inbox).resolve()

    @property
    def store_url(self) -> str:
        """The store URL, with a relative SQLite path resolved against ``root``."""
        url = self.store.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith("sqlite:////"):
            rest = url[len(prefix) :]
            if rest and rest != ":memory:" and not rest.startswith(":"):
                return prefix + str((self.root / rest).resolve())
        return url

    def section_name(self, slug: str) -> str | None:
        return self.sections.get(slug)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def parse_config(data: dict[str, Any], *, root: Path, source: str) -> Config:
    """Validate an already-parsed TOML table (used by tests and ``load_config``)."""
    if "partner_problems" in data:
        raise ConfigError(source, "partner_problems: unknown key")
    try:
        config = Config.model_validate(data)
    except ValidationError as e:
        first = e.errors(include_url=False)[0]
        raise ConfigError(source, describe_error(first)) from e
    config = config.model_copy(update={"root": root, "source": source})
    # Checked again with the real root: relative folders are read from config.toml's.
    if config.partners and _inside(config.partners_dir, config.output_dir):
        raise ConfigError(
            source,
            f"output.partners_dir: must not be inside output.dir (it would be public), "
            f"got {json.dumps(config.output.partners_dir)}",
        )
    from .access import without_unreadable_secrets  # reads each profile's secret_file

    return without_unreadable_secrets(config)


STORE_URL_VARIABLE = "SYNDICATE_STORE_URL"


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate ``path``; every failure is a one-line ``ConfigError``.

    ``env`` (the process environment, passed in by the CLI) may hold
    ``SYNDICATE_STORE_URL``, which replaces ``store.url``: a PostgreSQL password then
    lives in the service's environment, not in a config file people copy around.
    """
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(name, "no such file (create one, or pass --config PATH)") from None
    except OSError as e:
        raise ConfigError(name, f"cannot read: {e.strerror}") from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(name, f"not UTF-8 (byte {e.start})") from e
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(name, f"not valid TOML: {e}") from e
    for key in ("root", "source", "store_origin"):
        if key in data:
            raise ConfigError(name, f"{key}: unknown key")
    config = parse_config(data, root=path.resolve().parent, source=name)
    override = (env or {}).get(STORE_URL_VARIABLE, "")
    if override:
        store = StoreConfig(url=override)
        config = config.model_copy(update={"store": store, "store_origin": STORE_URL_VARIABLE})
    return config
