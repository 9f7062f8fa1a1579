"""The frozen records passed between stages.

Each stage takes some of these and returns others; none of them knows where it
came from (a file, the store) or where it goes (a feed, a report). The flow::

    ingest ──► ParsedArticle ──► store ──► Article ──► selection ──► FeedSpec + [Article]
        ──► render ──► RenderedFeed ──► validate ──► [Finding] ──► publish ──► PublishOutcome
        ──► build ──► BuildReport

All datetimes are timezone-aware UTC (see ``syndicate.dates``); text is already
cleaned of characters XML cannot carry (see ``syndicate.text``); HTML is already
sanitized. Render trusts these records and does not re-check them.

This module holds data only: no I/O, no clock, no third-party imports.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .guids import GuidConflict

from .history import FeedHistory
from .pings import HubOutcome

Status = Literal["published", "draft", "killed"]
FeedFormat = Literal["rss", "atom", "json"]

FEED_FORMATS: tuple[FeedFormat, ...] = ("rss", "atom", "json")
FILE_EXTENSIONS: dict[FeedFormat, str] = {"rss": "rss", "atom": "atom", "json": "json"}
MEDIA_TYPES: dict[FeedFormat, str] = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}


@dataclass(frozen=True, slots=True)
class Term:
    """A section or tag: a URL-safe ``slug`` and the ``name`` people read."""

    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Author:
    """A byline. Only ``name`` is required: most newsroom bylines have no email."""

    name: str
    slug: str
    email: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    """A lead image; ``length`` (bytes) is often unknown and then stays None.

    The rest is what partner feeds carry (Media RSS): its size in pixels, the
    photographer (``credit``), the rights holder's line (``copyright``), a
    caption, and whether its rights allow passing it on to partners
    (``syndication``: a wire photo bought for our own pages usually does not).
    """

    url: str
    type: str = "image/jpeg"
    length: int | None = None
    alt: str | None = None
    width: int | None = None
    height: int | None = None
    credit: str | None = None
    copyright: str | None = None
    caption: str | None = None
    syndication: bool = False


@dataclass(frozen=True, slots=True)
class Related:
    """An article's "related coverage" reference: a URL, or only a title.

    Newsroom plain-text exports name the related story by title ("For more on
    ..., see <title>"); resolving that title to a URL is the links stage's job.
    """

    url: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record came from, for messages: ``path:line``."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedArticle:
    """An article as ingest hands it to the store: clean, but without a GUID yet.

    ``key`` is the article's first identity in the newsroom's system (its id,
    or the file it came from). The store matches re-imports by ``key`` and
    assigns the GUID once, at first import.
    """

    key: str
    slug: str
    title: str
    url: str
    published: datetime
    updated: datetime
    section: Term
    content_html: str
    summary: str | None = None
    tags: tuple[Term, ...] = ()
    authors: tuple[Author, ...] = ()
    status: Status = "published"
    embargo_until: datetime | None = None
    attribution: str | None = None
    licence: str | None = None
    image: Image | None = None
    related: Related | None = None
    correction: str | None = None
    language: str | None = None
    kill_reason: str | None = None  # why a killed story was killed (partner tombstones)
    origin: Origin | None = None
    # The fields ingest derived because the record did not give them ("slug",
    # "url", "updated"): for an article already stored, the store keeps its slug
    # and URL (fixed at first import, like the GUID) and dates an edit's
    # ``updated`` at its import.
    derived: frozenset[str] = frozenset()
    # ``digest.content_hash`` of this very record, when ingest worked it out
    # (a parse worker, beside the parsing), so the process storing it need not.
    # Not an init field: ``dataclasses.replace`` leaves it None, so a copy with
    # other values never carries the digest of the original.
    content_digest: str | None = field(default=None, init=False, compare=False, repr=False)

    def content_fields(self) -> tuple[object, ...]:
        """Everything a feed can show, for "did this article change?" checks.

        Derived from the fields so a new field can never be forgotten here.
        """
        return tuple(getattr(self, f.name) for f in fields(self) if f.name not in _NOT_CONTENT)


_NOT_CONTENT = frozenset({"key", "origin", "derived", "content_digest"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """A stored article, as selection hands it to render.

    ``guid`` was assigned at first import and never changes (feed readers
    de-duplicate by it). ``revision`` grows by one on every stored change.
    """

    guid: str
    key: str
    slug: str
    title: str
    url: str
    published: datetime
    updated: datetime
    section: Term
    content_html: str
    summary: str | None = None
    tags: tuple[Term, ...] = ()
    authors: tuple[Author, ...] = ()
    status: Status = "published"
    embargo_until: datetime | None = None
    attribution: str | None = None
    licence: str | None = None
    image: Image | None = None
    related: Related | None = None
    correction: str | None = None
    language: str | None = None
    revision: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerTerms:
    """What a partner's contract lets its feeds carry, and in what shape (its profile).

    The lists are sorted tuples, not sets, so ``repr`` (the feed fingerprint) is
    the same in every process. ``None`` for an allow list means "any".
    """

    name: str
    sections: tuple[str, ...] | None = None
    deny_sections: tuple[str, ...] = ()
    tags: tuple[str, ...] | None = None
    deny_tags: tuple[str, ...] = ()
    licences: tuple[str, ...] | None = None
    deny_licences: tuple[str, ...] = ()
    full_text: bool = False  # else a summary of at most ``summary_chars``
    summary_chars: int = 300
    allowed_tags: tuple[str, ...] | None = None  # None: render's strict default
    images: bool = False  # lead images whose rights allow syndication
    attribution: str | None = None
    licence_statement: str | None = None
    licence_url: str | None = None
    max_feed_bytes: int | None = None
    max_item_bytes: int | None = None
    tombstones: int = 0  # days a kill is announced (RFC 6721 deleted entries); 0: never
    embargo_advance: bool = False  # embargoed stories early, marked with the lift time
    # [licences]: an article's licence id and the statement its items carry
    licence_names: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Tombstone:
    """A killed story a partner's feed says is gone (RFC 6721 ``at:deleted-entry``)."""

    guid: str
    killed_at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedSpec:
    """One feed to build, in one or more formats.

    ``key`` is stable and unique ("site", "section/world", "tag/climate",
    "author/ana-ruiz"); ``path`` is the output path without extension,
    relative to the output directory ("index", "sections/world").
    ``self_urls`` maps each format to the absolute URL it is published at.
    """

    key: str
    kind: str  # a registered kind's name (``syndicate.kinds``)
    slug: str
    title: str
    description: str
    path: str
    link: str
    self_urls: dict[FeedFormat, str]
    formats: tuple[FeedFormat, ...] = FEED_FORMATS
    max_items: int = 50
    language: str = "en"
    hubs: tuple[str, ...] = ()
    generator: str = "syndicate"
    rights: str | None = None
    icon: str | None = None
    feed_id: str = ""  # Atom feed id (a tag: URI); stable per key, never the URL
    # A feed with no items still needs an <updated>; never the clock (that would
    # change the bytes on every rebuild): build passes the store's newest date.
    updated_fallback: datetime | None = None
    # A partner's feed: its contract shapes every item (render reads it).
    partner: PartnerTerms | None = None
    # The XSLT stylesheet a browser shows the feed with, per format (rss, atom),
    # relative to the feed's own URL ("../_style/rss.xsl"); empty for none.
    stylesheets: dict[FeedFormat, str] = field(default_factory=dict)
    # Its stories killed within the contract's tombstone days, newest first (build fills it).
    tombstones: tuple[Tombstone, ...] = ()
    # RFC 5005 archive links: a subscription feed's or an archive page's (``archives``).
    history: FeedHistory | None = None


@dataclass(frozen=True, slots=True)
class ItemRef:
    """One selected article: enough to fingerprint a feed without loading its body."""

    id: int
    guid: str
    revision: int
    has_related: bool = False  # a related-coverage reference the links stage must check


@dataclass(frozen=True, slots=True)
class Target:
    """A stored article a related-coverage reference may point at: what resolving needs."""

    id: int
    key: str
    slug: str
    title: str
    url: str
    status: str
    published: datetime
    embargo_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedParts:
    """A feed document as ``head + separator.join(items) + tail``: render's output.

    For RSS the items are ``<item>`` elements and the tail is
    ``</channel></rss>``; for Atom, ``<entry>`` elements before ``</feed>``;
    for JSON Feed, item objects joined by ``,`` inside a last ``"items":[ ]``.
    Render splices cached items into every feed that shows them; the gate
    (``validate.validate_parts``, which takes any object of this shape) checks
    each distinct item once.
    """

    head: bytes
    items: Sequence[bytes]
    tail: bytes
    separator: bytes = b""

    def join(self) -> bytes:
        return b"".join((self.head, self.separator.join(self.items), self.tail))

    @property
    def size(self) -> int:
        gaps = len(self.separator) * max(0, len(self.items) - 1)
        return len(self.head) + sum(len(i) for i in self.items) + gaps + len(self.tail)


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedFeed:
    """A feed document in one format, ready for the gate and for publish."""

    key: str
    format: FeedFormat
    path: str  # relative to the output directory, with extension
    document: bytes | FeedParts  # the bytes, or the parts they are spliced from
    media_type: str
    item_count: int
    url: str
    # What render decided that the build report must say (a partner's size budget).
    notes: tuple[FindingRecord, ...] = ()

    @property
    def content(self) -> bytes:
        """The document's bytes: what the gate validated is what is published.

        A spliced feed keeps only its parts, so the gate (``validate_parts``,
        each distinct item checked once) and publish cannot see two versions.
        """
        doc = self.document
        return doc if isinstance(doc, bytes) else doc.join()


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Outcome(enum.StrEnum):
    """What publish did with one rendered feed file."""

    WRITTEN = "written"  # new or changed, validated, replaced atomically
    UNCHANGED = "unchanged"  # same bytes as on disk; file not touched
    REJECTED = "rejected"  # failed validation; the last good file stays
    FAILED = "failed"  # could not be written (disk, permissions); the last good file stays


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishOutcome:
    key: str
    format: FeedFormat
    path: str
    outcome: Outcome
    item_count: int = 0
    findings: tuple[FindingRecord, ...] = ()
    message: str | None = None
    # The file's bytes in each content coding published beside it, when publish
    # had them in hand (written, or rewritten with its siblings): the manifest's ETags.
    codings: tuple[CodedFile, ...] = ()


@dataclass(frozen=True, slots=True)
class CodedFile:
    """One content coding of a published feed file: its file and ETag (``precompress``)."""

    coding: str  # "identity", "gzip" or "br" (RFC 9110 §8.4.1 names)
    path: str  # relative to the output directory
    etag: str  # strong, quoted: a digest of exactly these bytes
    length: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingRecord:
    """A validator finding as the build report keeps it (validate has its own type)."""

    rule: str
    severity: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkProblem:
    """A related link that did not pass, and what the feed's policy did about it."""

    feed: str
    article: str
    url: str | None
    state: str
    reason: str
    action: str  # the policy applied: drop, keep, hold or fail


@dataclass(frozen=True, slots=True)
class FeedResult:
    """What a build did with one feed (all its formats): what ``record`` keeps."""

    key: str
    fingerprint: str
    seconds: float
    outcomes: tuple[PublishOutcome, ...] = ()
    skipped: bool = False  # its fingerprint had not moved: nothing rendered
    links: tuple[LinkProblem, ...] = ()
    # The newest item's update (the feed's own <updated>), when it was rendered:
    # the manifest's Last-Modified.
    updated: datetime | None = None
    # Items that would break a published GUID: the feed was not published.
    guid_conflicts: tuple[GuidConflict, ...] = ()

    @property
    def outcome(self) -> str:
        """The feed's worst file outcome, or "skipped" when nothing was rendered."""
        if self.skipped:
            return "skipped"
        order = [Outcome.FAILED, Outcome.REJECTED, Outcome.WRITTEN, Outcome.UNCHANGED]
        found = {o.outcome for o in self.outcomes}
        return next((o.value for o in order if o in found), "unchanged")


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildReport:
    """What one build did, feed by feed; ``exit_code`` is the CLI's answer."""

    started: datetime
    finished: datetime
    outcomes: tuple[PublishOutcome, ...] = ()
    skipped_feeds: int = 0  # feeds whose items had not changed: nothing rendered
    warnings: tuple[str, ...] = field(default_factory=tuple)
    links: tuple[LinkProblem, ...] = ()
    hubs: tuple[HubOutcome, ...] = ()  # WebSub pings, once the files are durable
    # Partner profiles refused by config.toml's checks: nothing was built for them.
    errors: tuple[str, ...] = ()
    skipped_keys: tuple[str, ...] = ()  # the keys of those skipped feeds
    guid_conflicts: tuple[GuidConflict, ...] = ()  # one per article; its feeds not published

    @property
    def failed(self) -> tuple[PublishOutcome, ...]:
        bad = (Outcome.REJECTED, Outcome.FAILED)
        return tuple(o for o in self.outcomes if o.outcome in bad)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome is outcome)

    @property
    def exit_code(self) -> int:
        """0 when every feed is published or unchanged; see ``ExitCode``."""
        if self.guid_conflicts:
            return int(ExitCode.GUID_CHANGED)
        if self.errors:
            return int(ExitCode.CONFIG)
        return int(ExitCode.FEEDS_FAILED) if self.failed else int(ExitCode.OK)


class ExitCode(enum.IntEnum):
    """Every exit code the CLI uses, in one place (the README has the table)."""

    OK = 0
    FEEDS_FAILED = 1  # some feed failed validation or writing; its last good version stays
    USAGE = 2  # click's own code for a bad command line
    RECORDS_SKIPPED = 3  # import: some records were bad and skipped; the good ones are stored
    CONFIG = 4  # config.toml is missing or invalid
    STORE = 5  # the database cannot be reached, or its schema is not ours
    INPUT = 6  # an input file or folder cannot be read at all
    OUTPUT = 7  # the output directory cannot be written
    NOT_RECORDED = 8  # build: feeds published, but the store refused the build's record
    GUID_CHANGED = 9  # build: an article would break its published GUID; its feeds held back
    BUSY = 75  # another build holds the lock (EX_TEMPFAIL: try again later)
