"""Who may read a partner's feeds through ``syndicate serve``: tokens and signed URLs.

    request under the partner prefix (/partners/<name>/...)
      ─► Authorization: Bearer <token>: its SHA-256 among the tokens not
         revoked (else 401), of this partner (else 403)
      ─► else ?expires=<unix>&sig=<hex>: the HMAC of this path and time with
         the partner's secret, not yet expired (else 401)
      ─► else 401; every 401 says ``WWW-Authenticate: Bearer`` (RFC 6750 §3)
      ─► then the feed, as ``FeedServer`` answers a public one

Digests and signatures are compared with ``hmac.compare_digest``. A token is
found by its digest in a dictionary, which is not constant-time; what that can
leak is how much of a *digest* matched, and SHA-256 being one-way, that says
nothing about any token. The partner in the path is only trusted after that.

New and revoked tokens. The table of tokens not revoked is small (a few per
partner), so rather than a change counter, which would itself be a query per
check, it is read again whenever the copy held is older than ``ttl`` (2 s): one
indexed SELECT per 2 seconds whatever the request rate, a revocation effective
within 2 seconds, and no invalidation to get wrong across processes or
machines. The read runs on the event loop (a few milliseconds every 2 s; a
thread hop per request would cost more). While the store cannot be read,
partner requests get 503: a revoked token must never pass because the database
was down (public feeds go on).

Secrets are read once, when ``serve`` starts (``access.read_secret``): rotating
one means restarting serve, which also voids every URL signed with the old one.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import parse_qs

from ..access import signature_ok, token_digest
from ..errors import SyndicateError
from ..store.tokens import ActiveToken
from .app import FeedServer, Headers, Receive, Scope, Send

log = logging.getLogger("syndicate.serve")

Answer = tuple[int, Headers, bytes]
TOKEN_TTL = 2.0
_TEXT = b"text/plain; charset=utf-8"


def _answer(status: int, text: bytes, extra: Sequence[tuple[bytes, bytes]] = ()) -> Answer:
    headers = [
        *extra,
        (b"content-type", _TEXT),
        (b"content-length", b"%d" % len(text)),
        (b"cache-control", b"no-store"),
    ]
    return status, headers, text


def unauthorized(error: str | None = None) -> Answer:
    challenge = 'Bearer realm="partners"'
    if error:
        challenge += f', error="{error}"'
    return _answer(401, b"unauthorized\n", [(b"www-authenticate", challenge.encode())])


FORBIDDEN = _answer(403, b"forbidden: not this partner's feed\n")
UNAVAILABLE = _answer(503, b"the token store cannot be read; try again\n", [(b"retry-after", b"5")])


class Tokens:
    """The tokens not revoked, by digest, read again from ``load`` once ``ttl`` has passed."""

    def __init__(
        self,
        load: Callable[[], Sequence[ActiveToken]],
        *,
        ttl: float = TOKEN_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.load = load
        self.ttl = ttl
        self.clock = clock
        self._by_digest: dict[str, ActiveToken] | None = None
        self._loaded = float("-inf")
        self._failing = False

    def current(self) -> dict[str, ActiveToken] | None:
        """Digest -> token; None while the store cannot be read."""
        now = self.clock()
        if now - self._loaded >= self.ttl:
            self._loaded = now
            try:
                tokens = self.load()
            except SyndicateError as e:
                if not self._failing:
                    log.error("partner tokens cannot be read: %s", e)
                self._failing = True
                self._by_digest = None
            else:
                if self._failing:
                    log.info("partner tokens readable again")
                self._failing = False
                self._by_digest = {t.digest: t for t in tokens}
        return self._by_digest


class PartnerGuard:
    """The ``app.Guard`` of the partner server: token or signature, for the partner in the path.

    ``secrets`` holds every partner that may be served (enabled, profile good),
    with its signing secret or None (tokens only).
    """

    def __init__(self, prefix: str, secrets: Mapping[str, bytes | None], tokens: Tokens) -> None:
        self.prefix = prefix.rstrip("/")
        self.secrets = dict(secrets)
        self.tokens = tokens

    def check(self, scope: Scope, now: float) -> Answer | None:
        path: str = scope["path"]
        partner = path[len(self.prefix) + 1 :].split("/", 1)[0]
        bearer = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                bearer = value
                break
        if bearer is not None:
            return self._by_token(bearer, partner)
        query = scope.get("query_string") or b""
        if b"sig=" in query:
            return self._by_signature(path, query.decode("latin-1"), partner, now)
        return unauthorized()

    def _by_token(self, header: bytes, partner: str) -> Answer | None:
        scheme, _, token = header.decode("latin-1").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return unauthorized("invalid_request")
        tokens = self.tokens.current()
        if tokens is None:
            return UNAVAILABLE
        digest = token_digest(token.strip())
        found = tokens.get(digest)
        if (
            found is None
            or not hmac.compare_digest(found.digest, digest)
            or found.partner not in self.secrets
        ):
            return unauthorized("invalid_token")
        return None if found.partner == partner else FORBIDDEN

    def _by_signature(self, path: str, query: str, partner: str, now: float) -> Answer | None:
        values = parse_qs(query, keep_blank_values=True)
        expires, sig = values.get("expires", [""]), values.get("sig", [""])
        secret = self.secrets.get(partner)
        if secret is None or len(expires) != 1 or len(sig) != 1:
            return unauthorized("invalid_token")
        if not signature_ok(secret, path, expires[0], sig[0], now):
            return unauthorized("invalid_token")
        return None

    def loggable_query(self, query: bytes) -> bytes:
        """The query with the signature's value blanked: it opens the feed until it expires."""
        parts = [b"sig=-" if p.startswith(b"sig=") else p for p in query.split(b"&")]
        return b"&".join(parts)


class WithPartners:
    """The ASGI app of ``serve`` with partners: their prefix to ``partners``, the rest public."""

    def __init__(self, public: FeedServer, partners: FeedServer) -> None:
        self.public = public
        self.partners = partners
        self.prefix = partners.prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == self.prefix or path.startswith(self.prefix + "/"):
            await self.partners(scope, receive, send)
        else:
            await self.public(scope, receive, send)
