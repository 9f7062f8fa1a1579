"""`syndicate partner`: access to partner feeds (tokens, signed URLs); registered lazily.

Tokens are shown once, on stdout, and only their SHA-256 is stored
(``syndicate.access``, ``store.tokens``); listings never show them. ``syndicate
serve`` picks up new and revoked tokens within seconds (``serve.auth``).
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote, urlsplit

import click

from ..cli import State, err, now_utc, pass_state
from ..config import Config, PartnerConfig
from ..errors import ConfigError, InputError

MAX_EXPIRES_IN = 366 * 24 * 3600


def _profile(config: Config, name: str) -> PartnerConfig:
    """The partner's good profile, or the one-line reason there is none."""
    problem = config.partner_problems.get(name)
    if problem is not None:
        raise ConfigError(config.source, problem)
    profile = config.partners.get(name)
    if profile is None:
        raise ConfigError(config.source, f"partners.{name}: no such partner profile")
    return profile


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


@click.group("partner")
def partner_group() -> None:
    """Give partners access to their private feeds: tokens and signed URLs.

    \b
    Example:
        syndicate partner token coastwire
        syndicate partner sign-url coastwire index.atom --expires-in 3600
    """


@partner_group.command("token")
@click.argument("name")
@click.option("--revoke", "revoke", type=int, metavar="ID", help="Revoke the token with this id.")
@pass_state
def token_command(state: State, name: str, revoke: int | None) -> None:
    """Create an access token for partner NAME (shown once), or revoke one with --revoke ID.

    The partner sends it as `Authorization: Bearer <token>` to `syndicate serve`.
    Only its SHA-256 is stored: a lost token cannot be shown again; make a new
    one and revoke the old. `syndicate serve` notices either within seconds.

    \b
    Example:
        syndicate partner token coastwire
        syndicate partner token coastwire --revoke 3
    """
    from ..access import new_token, token_digest
    from ..store.tokens import add_token, revoke_token

    config = state.config
    now = now_utc()
    if revoke is not None:
        with state.open_store() as store, store.begin("revoking a token") as conn:
            record = revoke_token(conn, name, revoke, now)
        if record is None:
            raise InputError(f"partner {name}", f"no token with id {revoke}")
        err.print(
            f"token {record.id} of {name} revoked at {_when(record.revoked_at)}", markup=False
        )
        return
    _profile(config, name)
    token = new_token()
    with state.open_store() as store, store.begin("storing a token") as conn:
        token_id = add_token(conn, name, token_digest(token), now)
    click.echo(token)
    err.print(
        f"token {token_id} for {name}: shown only now (the store keeps its hash); "
        "send it as 'Authorization: Bearer <token>'",
        markup=False,
    )


@partner_group.command("tokens")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_state
def tokens_command(state: State, name: str, as_json: bool) -> None:
    """List partner NAME's tokens: id, created, revoked (never the tokens themselves).

    \b
    Example:
        syndicate partner tokens coastwire
    """
    from ..store.tokens import list_tokens

    with state.open_store() as store, store.connect() as conn:
        records = list_tokens(conn, name)
    if as_json:
        rows = [
            {
                "id": r.id,
                "created": _when(r.created_at),
                "revoked": None if r.revoked_at is None else _when(r.revoked_at),
            }
            for r in records
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo("id\tcreated\trevoked")
    for r in records:
        click.echo(f"{r.id}\t{_when(r.created_at)}\t{_when(r.revoked_at)}")


@partner_group.command("sign-url")
@click.argument("name")
@click.argument("path")
@click.option(
    "--expires-in",
    default=3600,
    show_default=True,
    type=click.IntRange(1, MAX_EXPIRES_IN),
    help="Seconds the URL works for (at most 366 days).",
)
@pass_state
def sign_url_command(state: State, name: str, path: str, expires_in: int) -> None:
    """Print a URL of partner NAME's feed file PATH that works for --expires-in seconds.

    PATH is inside the partner's folder (index.rss, index.atom, index.json).
    The URL carries ?expires=<unix>&sig=<HMAC-SHA256> made with the profile's
    secret_file; `syndicate serve` answers it without a token until it expires.

    \b
    Example:
        syndicate partner sign-url coastwire index.atom --expires-in 3600
    """
    from ..access import read_secret, secret_key, signature

    config = state.config
    profile = _profile(config, name)
    if profile.secret_file is None:
        raise ConfigError(config.source, f"{secret_key(name)}: not set (signed URLs need it)")
    parts = path.strip("/").split("/")
    if any(p in ("", ".", "..") or "\\" in p for p in parts):
        raise click.BadParameter(f"expected a file inside the partner's folder, got {path!r}")
    secret = read_secret(name, profile.secret_file, config.root)
    base = config.partners_url.rstrip("/")
    url_path = f"{urlsplit(base).path}/{name}/{'/'.join(parts)}"
    expires = int(now_utc().timestamp()) + expires_in
    sig = signature(secret, url_path, expires)
    click.echo(f"{base}/{quote(name)}/{quote('/'.join(parts))}?expires={expires}&sig={sig}")
