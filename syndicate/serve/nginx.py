"""The output folder as an nginx configuration: the headers `syndicate serve` sends, static.

``server_config`` turns a ``Site`` (from config.toml), the manifest's content
types and each folder's max-age into one ``server { }`` block with its ``map``,
for nginx's ``http`` context (``/etc/nginx/conf.d/syndicate.conf``);
``standalone_config`` wraps it into a whole ``nginx.conf`` that runs without
root from a scratch folder (the tests and ``bench/serve.py``).

What it serves, and why each choice:

- Only feed files (``.rss``, ``.atom``, ``.json``, no segment starting with a
  dot) under the prefix, from disk, with ``disable_symlinks`` from the folder
  down; everything else is 404, ``.manifest.json`` and the ``.gz``/``.br``
  copies included (they are reached through ``Accept-Encoding``).
- ``gzip_static on``; no dynamic compression. ``gzip_proxied any``: a CDN's
  ``Via`` must not turn it off. ``brotli_static on`` only when asked
  (``Site.brotli``): Debian 12 ships the module (libnginx-mod-http-brotli-static
  1.0.0~rc-3), but with its nginx 1.22.1 it opened the ``.br`` copy and then
  declined for ``br``, ``br, gzip`` and ``gzip, br`` alike, so by default the
  ``.br`` copies are sent by `syndicate serve` only.
- Validators are nginx's own, not the manifest's. nginx's ETag is
  ``"<mtime>-<size>"`` and its Last-Modified the mtime, both from the ``fstat``
  of the very file it opened (the ``.gz`` when it sends gzip), and publish
  replaces a file by renaming a new one over it: so they always describe the
  bytes sent, and the configuration never changes with a rebuild (no reload).
  Writing the manifest's ETags into the configuration instead would need a
  reload per rebuild, and between a file's rename and that reload nginx would
  send new bytes under the old ETag, which a reader then keeps: a missed story.
  The price: the ETags differ from `syndicate serve`'s (a reader moving from
  one to the other downloads once), and two publishes of one path within the
  same second at the same size would share an ETag.
- ``if_modified_since before``: RFC 9110 §13.1.3 (not modified *since*), not
  nginx's default exact match. nginx requires If-None-Match *and*
  If-Modified-Since to pass when both are sent, where RFC 9110 §13.2.2 ignores
  the date; that costs a 200 where a 304 was allowed, never a wrong 304.
- ``Cache-Control: public, max-age=N`` per folder from the manifest's entries
  (the group's cadence); nginx cannot count down to an embargo lift the way
  `syndicate serve` does, so behind nginx a lifted story can wait up to one
  cadence in readers' caches.
- ``Vary: Accept-Encoding`` and ``Link`` (each WebSub hub, the feed's self URL).
- The partners prefix is never read from disk (the private folder is not under
  the root anyway): it is proxied to `syndicate serve`, which checks tokens.

Nothing here reads files, the clock or the network: data in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..discovery import INDEX_NAME
from ..manifest_file import CONTENT_TYPES, ManifestEntry
from ..stylesheets import STYLE_FOLDER

# Debian's path for the module of libnginx-mod-http-brotli-static (bookworm main)
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
_UNSAFE = re.compile(r'[\x00-\x20"\\$;{}\x7f]')


@dataclass(frozen=True, slots=True)
class Site:
    """What the generated server needs from config.toml and the command line."""

    root: Path  # the output folder, absolute
    prefix: str  # URL path the folder is served under ("/feeds"; "" for the root)
    feeds_url: str  # the absolute URL of the folder (self links)
    hubs: tuple[str, ...]
    listen: str  # nginx's listen argument: "80", "127.0.0.1:8081"
    server_name: str  # "_" for any
    partners_prefix: str | None  # "/partners", proxied; None: not served at all
    upstream: str  # host:port of `syndicate serve`, for the partners prefix
    brotli: bool = False


def check_value(what: str, value: str) -> str:
    """``value`` if it can go into nginx's configuration as it is, else ``ValueError``.

    A quote, backslash, ``$`` (a variable to nginx), ``;``, a brace or
    whitespace would change what the directive says.
    """
    bad = _UNSAFE.search(value)
    if bad is not None or not value:
        shown = repr(bad.group()) if bad is not None else "nothing"
        raise ValueError(f"{what}: {value!r} holds {shown}, which nginx would misread")
    return value


def content_types(entries: Iterable[ManifestEntry]) -> dict[str, str]:
    """The Content-Type per file extension: the manifest's, else the one publish writes."""
    types = dict(CONTENT_TYPES)
    for e in entries:
        types[PurePosixPath(e.path).suffix.lstrip(".")] = e.content_type
    return types


def folder_max_ages(
    entries: Iterable[ManifestEntry], cadences: Mapping[str, int]
) -> dict[str, int]:
    """The max-age per top folder ("" for files at the top): the manifest's, else ``cadences``.

    A folder's feeds all belong to one group, so they share one cadence; if
    entries disagree (a config edited since the build) the shortest wins.
    """
    ages: dict[str, int] = {}
    for e in entries:
        folder = e.path.split("/", 1)[0] if "/" in e.path else ""
        ages[folder] = min(e.max_age, ages.get(folder, e.max_age))
    for folder, every in cadences.items():
        ages.setdefault(folder, every)
    return ages


def _check_type(value: str) -> str:
    """A media type with parameters ("application/rss+xml; charset=utf-8"), quoted whole."""
    if not re.fullmatch(r"[\w.+-]+/[\w.+-]+(?:; ?[\w.+-]+=[\w.+-]+)*", value):
        raise ValueError(f"content type: {value!r} is not a media type nginx can send as is")
    return value


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def server_config(site: Site, types: Mapping[str, str], max_ages: Mapping[str, int]) -> str:
    """The ``map`` and ``server { }`` block for nginx's ``http`` context."""
    root = check_value("output folder", str(site.root))
    prefix = site.prefix.rstrip("/")
    if prefix:
        check_value("prefix", prefix)
    feeds_url = check_value("site.feeds_url", site.feeds_url.rstrip("/"))
    hubs = [check_value("site.hubs", h) for h in site.hubs]
    links = "".join(f'<{h}>; rel="hub", ' for h in hubs)
    shortest = min(max_ages.values(), default=0)
    lines = [
        "# Generated by `syndicate serve --nginx-config`: regenerate when config.toml",
        "# changes (hubs, URLs, cadences), not after a build: nginx reads each feed",
        "# file when asked and derives ETag and Last-Modified from the file it sends.",
        "",
        "map $syndicate_feed $syndicate_cache_control {",
        f'    default "public, max-age={shortest}";',
    ]
    for folder in sorted(max_ages):
        pattern = f"^{re.escape(folder)}/" if folder else r"^[^/]+$"
        lines.append(f'    "~{pattern}" "public, max-age={max_ages[folder]}";')
    lines += ["}", ""]
    if site.partners_prefix is not None:
        # kept-alive connections to `syndicate serve`: without them nginx opens one
        # per partner request (a third of serve's own rate in bench/serve.py)
        lines += [
            "upstream syndicate_serve {",
            f"    server {check_value('upstream', site.upstream)};",
            "    keepalive 32;",
            "}",
            "",
        ]
    lines += [
        "server {",
        f"    listen {check_value('listen', site.listen)};",
        f"    server_name {check_value('server name', site.server_name)};",
        f"    root {_quote(root)};",
        "    server_tokens off;",
        "    charset off;",
        "    disable_symlinks on from=$document_root;",
        "    gzip off;",
        "    gzip_static on;",
        "    gzip_proxied any;",
    ]
    if site.brotli:
        lines.append("    brotli_static on;  # libnginx-mod-http-brotli-static")
    lines += ["    etag on;", "    if_modified_since before;", ""]
    if site.partners_prefix is not None:
        partners = check_value("output.partners_url", site.partners_prefix.rstrip("/"))
        lines += [
            "    # partner feeds: `syndicate serve` checks the token; never from disk",
            f"    location ^~ {partners}/ {{",
            "        gzip_static off;",
            *(["        brotli_static off;"] if site.brotli else []),
            "        proxy_pass http://syndicate_serve;",
            "        proxy_set_header Host $host;",
            "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "        proxy_set_header X-Forwarded-Proto $scheme;",
            "        proxy_http_version 1.1;",
            '        proxy_set_header Connection "";',
            "    }",
            "",
        ]
    for ext in sorted(types):
        check_value("feed extension", ext)
        name = r"(?:[^/.][^/]*/)*[^/.][^/]*\." + re.escape(ext)
        lines += [
            f'    location ~ "^{prefix}/(?<syndicate_feed>{name})$" {{',
            "        types { }",
            f"        default_type {_quote(_check_type(types[ext]))};",
            "        add_header Cache-Control $syndicate_cache_control;",
            "        add_header Vary Accept-Encoding;",
            f"        add_header Link '{links}<{feeds_url}/$syndicate_feed>; rel=\"self\"';",
            "        try_files /$syndicate_feed =404;",
            "    }",
            "",
        ]
    # the discovery page and the feeds' stylesheets (``discovery``, ``stylesheets``);
    # the HTML view of a feed for a browser is ``syndicate serve``'s alone
    shortest_cc = f"public, max-age={shortest}"
    style = re.escape(STYLE_FOLDER)
    lines += [
        f"    location = {prefix}/ {{",
        "        types { }",
        '        default_type "text/html; charset=utf-8";',
        f'        add_header Cache-Control "{shortest_cc}";',
        f"        try_files /{INDEX_NAME} =404;",
        "    }",
        f"    location = {prefix}/{INDEX_NAME} {{",
        "        types { }",
        '        default_type "text/html; charset=utf-8";',
        f'        add_header Cache-Control "{shortest_cc}";',
        f"        try_files /{INDEX_NAME} =404;",
        "    }",
        f'    location ~ "^{prefix}/(?<syndicate_style>{style}/[a-z]+\\.xsl)$" {{',
        "        types { }",
        '        default_type "text/xsl; charset=utf-8";',
        f'        add_header Cache-Control "{shortest_cc}";',
        "        try_files /$syndicate_style =404;",
        "    }",
        "",
    ]
    lines += ["    location / {", "        return 404;", "    }", "}", ""]
    return "\n".join(lines)


def standalone_config(
    server: str, scratch: Path, *, brotli_module: Path | None = None, user: str | None = None
) -> str:
    """A whole ``nginx.conf`` around ``server``, with pid, logs and temp files in ``scratch``.

    For ``nginx -p SCRATCH -c nginx.conf -g 'daemon off;'`` as any user. Started
    as root, nginx's workers drop to ``nobody`` unless ``user`` says otherwise
    (a scratch folder under a private /tmp is not theirs to read).
    """
    where = check_value("scratch folder", str(scratch))
    head = [f"load_module {brotli_module};"] if brotli_module is not None else []
    if user is not None:
        head.append(f"user {check_value('user', user)};")
    return "\n".join(
        [
            *head,
            "worker_processes 1;",
            f"pid {where}/nginx.pid;",
            f"error_log {where}/error.log warn;",
            "events { worker_connections 1024; }",
            "http {",
            f"    access_log {where}/access.log;",
            f"    client_body_temp_path {where}/body;",
            f"    proxy_temp_path {where}/proxy;",
            f"    fastcgi_temp_path {where}/fastcgi;",
            f"    uwsgi_temp_path {where}/uwsgi;",
            f"    scgi_temp_path {where}/scgi;",
            "    sendfile on;",
            "    tcp_nopush on;",
            "    keepalive_requests 100000;",
            "",
            *("    " + line if line else "" for line in server.splitlines()),
            "}",
            "",
        ]
    )
