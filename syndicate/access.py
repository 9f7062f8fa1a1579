"""Who may read a partner's feeds: bearer tokens and expiring signed URLs.

Tokens. ``new_token`` is 32 random bytes (``secrets``), URL-safe base64 with a
``synd_`` prefix (so a leaked one is recognisable in logs and secret scanners).
The store keeps only ``token_digest``, its SHA-256 in hex. A fast hash is the
right one here: slow, salted hashes (bcrypt, argon2) exist because passwords
are guessable; a 256-bit random token is not, so its SHA-256 cannot be
inverted or brute-forced, and an unsalted digest can be looked up by index
(one dictionary lookup per request) instead of trying every stored hash.

Signed URLs. ``?expires=<unix>&sig=<hex>`` where ``sig`` is
HMAC-SHA256(secret, "<path>\\n<expires>"), ``path`` the URL path as requested
(``/partners/acme/index.rss``): the newline keeps a path ending in digits from
being read as part of the time. The secret is the partner's ``secret_file``
(``read_secret``): a file, not the store, so that it can be given to the
service the way other credentials are (a 0600 file, systemd credentials, a
mounted secret), rotated by replacing it, and is not copied by `syndicate db
backup` to wherever backups go. Comparisons use ``hmac.compare_digest``.

Data in, data out, apart from ``read_secret``; the time is passed in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    from .config import Config

TOKEN_PREFIX = "synd_"
TOKEN_BYTES = 32
MIN_SECRET_BYTES = 32
MAX_SECRET_BYTES = 4096


def new_token() -> str:
    """A fresh token: 256 random bits, printable, shown once."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What the store keeps of a token: SHA-256, hex (64 characters)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def signature(secret: bytes, path: str, expires: int) -> str:
    """The ``sig`` of a signed URL for ``path`` valid until ``expires`` (Unix seconds)."""
    message = f"{path}\n{expires}".encode("utf-8", "surrogateescape")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signature_ok(secret: bytes, path: str, expires: str, sig: str, now: float) -> bool:
    """Whether ``sig`` signs ``path`` until ``expires`` and that moment is still ahead."""
    if not expires.isascii() or not expires.isdigit() or len(expires) > 12:
        return False
    if int(expires) <= now:
        return False
    expected = signature(secret, path, int(expires))
    return hmac.compare_digest(expected.encode(), sig.lower().encode("ascii", "replace"))


def secret_key(partner: str) -> str:
    return f"partners.{partner}.secret_file"


def read_secret(partner: str, value: str, root: Path) -> bytes:
    """The signing secret in ``value`` (relative to ``root``), stripped of surrounding space.

    Raises ``ConfigError`` (one line naming the partner, the key and the value)
    when the file cannot be read or holds fewer than 32 bytes.
    """
    where = secret_key(partner)
    path = root / value
    try:
        with path.open("rb") as f:
            data = f.read(MAX_SECRET_BYTES + 1).strip()
    except OSError as e:
        raise ConfigError(
            "", f"{where}: cannot read the secret ({e.strerror or e}), got {json.dumps(value)}"
        ) from e
    if len(data) < MIN_SECRET_BYTES or len(data) > MAX_SECRET_BYTES:
        raise ConfigError(
            "",
            f"{where}: the secret must be {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, "
            f"got {len(data)} in {json.dumps(value)}",
        )
    return data


def without_unreadable_secrets(config: Config) -> Config:
    """``config`` with each profile whose secret cannot be read moved to its problems.

    Like a bad key in the profile: nothing is built or served for that partner,
    the build exits non-zero, and every other feed goes on as usual.
    """
    problems = dict(config.partner_problems)
    for name, profile in config.partners.items():
        if profile.secret_file is not None:
            try:
                read_secret(name, profile.secret_file, config.root)
            except ConfigError as e:
                problems[name] = str(e)
    if len(problems) == len(config.partner_problems):
        return config
    partners = {n: p for n, p in config.partners.items() if n not in problems}
    return config.model_copy(update={"partners": partners, "partner_problems": problems})
