"""`syndicate serve`: the output folder over HTTP, from its manifest (uvicorn, ASGI).

``cli`` registers this command lazily; the ``State`` object arrives through ``click.pass_obj``.
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import click

from ..errors import ConfigError, OutputError


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--prefix",
    default=None,
    help="URL path the folder is served under. [default: the path of site.feeds_url]",
)
@click.option(
    "--access-log",
    "access_log",
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    default="-",
    show_default=True,
    help="Where the access log goes, in the common log format ('-' for stderr).",
)
@click.option("--no-access-log", is_flag=True, help="Write no access log.")
@click.option(
    "--cache-mb",
    default=256,
    show_default=True,
    type=click.IntRange(0),
    help="Memory for feed bodies; past it the least recently sent are read again.",
)
@click.option(
    "--nginx-config",
    "nginx_config",
    is_flag=False,
    flag_value="-",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    help="Print ('-' or no value) or write an nginx server block for the folder, and exit.",
)
@click.option(
    "--nginx-listen",
    default="80",
    show_default=True,
    help="nginx's listen argument in the generated block ('443 ssl', '127.0.0.1:8081').",
)
@click.option(
    "--nginx-server-name",
    default=None,
    help="server_name in the generated block. [default: the host of site.feeds_url]",
)
@click.option(
    "--nginx-brotli",
    is_flag=True,
    help="Add brotli_static on (needs an nginx brotli static module loaded; see the README).",
)
@click.pass_obj
def serve_command(
    obj: Any,
    host: str,
    port: int,
    prefix: str | None,
    access_log: Path,
    no_access_log: bool,
    cache_mb: int,
    nginx_config: Path | None,
    nginx_listen: str,
    nginx_server_name: str | None,
    nginx_brotli: bool,
) -> None:
    """Serve the published feeds over HTTP with conditional GET and precompressed bodies.

    Answers from the manifest a build writes beside the feeds (ETags,
    Last-Modified, max-age, content types): 304 for If-None-Match or
    If-Modified-Since, br or gzip by Accept-Encoding, Link headers for the
    WebSub hubs and self URL. A new build is picked up within a second.
    SIGTERM or Ctrl-C stops it.

    \b
    Example:
        syndicate serve --port 8080
        syndicate serve --host 0.0.0.0 --access-log /var/log/syndicate-access.log
        syndicate serve --port 8080 --nginx-config /etc/nginx/conf.d/syndicate.conf

    With --nginx-config it prints or writes an nginx configuration serving the
    same folder with the same headers (partner paths proxied to this command at
    --host/--port) and exits; it needs no reload after a build.
    """
    config = obj.config
    output = config.output_dir
    feeds_url = str(config.site.published_feeds_url).rstrip("/")
    if prefix is None:
        prefix = urlsplit(feeds_url).path
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    if not output.is_dir():
        raise OutputError(str(output), "no such folder: run `syndicate build` first")
    hubs = tuple(str(h) for h in config.site.hubs)
    if nginx_config is not None:
        _write_nginx_config(
            config,
            nginx_config,
            prefix=prefix,
            upstream=_upstream(host, port),
            listen=nginx_listen,
            server_name=nginx_server_name,
            brotli=nginx_brotli,
        )
        return
    import uvicorn

    from ..serve.app import FeedServer
    from ..serve.folder import Folder
    from ..serve.views import Views

    log_stream: TextIO | None = None
    if not no_access_log:
        if str(access_log) == "-":
            log_stream = sys.stderr
        else:
            try:
                log_stream = open(access_log, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
            except OSError as e:
                raise OutputError(
                    str(access_log), f"cannot open the access log: {e.strerror}"
                ) from e
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    folder = Folder(output, cache_bytes=cache_mb * 1024 * 1024)
    folder.refresh()
    if not folder.entries:
        click.echo(f"{output}: no manifest yet; serving 404s until a build writes one", err=True)
    views = Views(folder, feeds=config.output.stylesheets)  # README "Feeds in a browser"
    app: Any = FeedServer(
        folder, prefix=prefix, feeds_url=feeds_url, hubs=hubs, access_log=log_stream, views=views
    )
    for line in config.partner_problems.values():  # such a partner's feeds are not served
        click.echo(f"warning: {config.source}: {line}; not served", err=True)
    if config.partners:
        app = _with_partners(obj, app, cache_mb * 1024 * 1024)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            access_log=False,  # ours, in the common log format
            log_level="warning",
            lifespan="off",
            server_header=False,
            timeout_graceful_shutdown=5,
        )
    )
    click.echo(f"serving {output} at http://{host}:{port}{prefix}/", err=True)
    if config.partners:
        where = f"http://{host}:{port}{app.prefix}/"
        click.echo(f"serving {config.partners_dir} at {where} (token or signed URL)", err=True)
    # uvicorn stops gracefully on SIGTERM/SIGINT, then raises the signal again
    # under the handlers it found: these make that a clean exit (code 0).
    stopped: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, _frame: stopped.append(number))
    server.run()
    if stopped:
        click.echo("stopped", err=True)
    if log_stream is not None and log_stream is not sys.stderr:
        log_stream.close()


def _upstream(host: str, port: int) -> str:
    """Where nginx reaches this command: a wildcard address means this machine."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _write_nginx_config(
    config: Any,
    target: Path,
    *,
    prefix: str,
    upstream: str,
    listen: str,
    server_name: str | None,
    brotli: bool,
) -> None:
    """Print or write the nginx block for this config and the folder's manifest."""
    from ..kinds import kinds
    from ..manifest_file import MANIFEST_NAME, read_manifest
    from ..publish import write_atomic
    from ..serve import nginx

    output = config.output_dir
    entries = list(read_manifest(output / MANIFEST_NAME).values())
    cadences = {k.folder: config.feeds.group(k.group).every for k in kinds() if not k.private}
    feeds_url = str(config.site.published_feeds_url).rstrip("/")
    partners_prefix = "/" + urlsplit(str(config.partners_url)).path.strip("/")
    if partners_prefix == "/" or partners_prefix == prefix:
        raise ConfigError(
            config.source,
            f"output.partners_url: its path must differ from the feeds' ({prefix or '/'}) "
            f"for nginx to proxy it, got {str(config.partners_url)!r}",
        )
    site = nginx.Site(
        root=output,
        prefix=prefix,
        feeds_url=feeds_url,
        hubs=tuple(str(h) for h in config.site.hubs),
        listen=listen,
        server_name=server_name or urlsplit(feeds_url).hostname or "_",
        partners_prefix=partners_prefix,
        upstream=upstream,
        brotli=brotli,
    )
    try:
        text = nginx.server_config(
            site, nginx.content_types(entries), nginx.folder_max_ages(entries, cadences)
        )
    except ValueError as e:
        raise ConfigError(config.source, f"cannot write an nginx configuration: {e}") from None
    if str(target) == "-":
        click.echo(text, nl=False)
        return
    try:
        write_atomic(target, text.encode("utf-8"))
    except OSError as e:
        raise OutputError(str(target), f"cannot write the nginx configuration: {e.strerror}") from e
    click.echo(f"wrote {target}: `nginx -t` then `nginx -s reload` to apply", err=True)


def _with_partners(obj: Any, public: Any, cache_bytes: int) -> Any:
    """``public`` with the partner folder behind ``serve.auth`` under partners_url's path."""
    from ..access import read_secret
    from ..serve.app import FeedServer
    from ..serve.auth import PartnerGuard, Tokens, WithPartners
    from ..serve.folder import Folder
    from ..store.tokens import active_tokens

    config = obj.config
    partners_url = config.partners_url.rstrip("/")
    prefix = "/" + urlsplit(partners_url).path.strip("/")
    if prefix == "/" or (public.prefix + "/").startswith(prefix + "/"):
        raise ConfigError(
            config.source,
            f"output.partners_url: needs a path of its own beside the public feeds' "
            f"({public.prefix or '/'}), got {partners_url!r}",
        )
    secrets = {
        name: None if p.secret_file is None else read_secret(name, p.secret_file, config.root)
        for name, p in config.partners.items()
        if p.enabled
    }
    store = obj.open_store()  # open while serve runs; its engine reconnects as needed

    def load() -> list[Any]:
        with store.connect() as conn:
            return active_tokens(conn)

    folder = Folder(config.partners_dir, cache_bytes=cache_bytes)
    folder.refresh()
    guard = PartnerGuard(prefix, secrets, Tokens(load))
    partners = FeedServer(
        folder,
        prefix=prefix,
        feeds_url=partners_url,
        access_log=public.access_log,
        guard=guard,
    )
    return WithPartners(public, partners)
