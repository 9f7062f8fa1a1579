"""RSS 2.0 values a schema cannot say: dates, URLs, contacts, guids, enclosures, cloud.

The checks ``rss`` asks of single elements, and RSS 0.91's length limits.
Nothing here walks a channel.
"""

from __future__ import annotations

from lxml import etree

from .common import Context, has_base, text_of
from .dates import check_rfc822
from .findings import Report
from .values import (
    check_absolute_uri,
    check_iri_reference,
    check_mime,
    check_nonneg_int,
    check_rss_contact,
    check_url,
    url_scheme,
)


def check_date(el: etree._Element, ctx: Context) -> None:
    """RSS 2.0: "All date-times in RSS conform to the Date and Time Specification of RFC 822".

    RFC 822 §5 with a four-digit year (as the spec's examples); the obsolete forms
    RFC 2822 §4.3 names (two-digit years, military zones) are warnings.
    """
    res = check_rfc822(text_of(el))  # cached and shared: read it, never change it
    if res.error is not None:
        ctx.add("RSS-DATE-RFC822", f"<{el.tag}> {res.error}", el)
    for suffix, detail in res.warnings:
        ctx.add(f"RSS-DATE-{suffix}", detail, el)


def check_url_text(
    el: etree._Element, ctx: Context, what: str, *, any_scheme: bool = False
) -> None:
    """An RSS element whose text is a URL (<link>, <docs>, <comments>, image/link ...)."""
    report_url(text_of(el), el, ctx, what, any_scheme=any_scheme)


def report_url(
    value: str, el: etree._Element, ctx: Context, what: str, *, any_scheme: bool
) -> None:
    """A full URL (RSS 2.0: "the URL of ..."); with ``any_scheme`` (link, comments,
    docs) an absolute URI of another scheme than http(s) or ftp is only a warning:
    mailto: and javascript: are URIs, but a reader cannot open them as a page."""
    reason = check_url(value) if value.strip() else f"{what} is empty"
    if reason is None:
        return
    if ctx.any_base and value.strip() and check_iri_reference(value) is None and has_base(el):
        return  # a relative reference resolved against xml:base (XML Base §4.2, RFC 3986 §5.1.1)
    if any_scheme and check_absolute_uri(value) is None:
        scheme = url_scheme(value)
        note = "; readers block it" if scheme == "javascript" else ""
        ctx.add("RSS-URL-SCHEME", f"<{what}> is a {scheme}: URI, not a web page{note}", el)
        return
    ctx.add("RSS-URL", f"<{what}>: {reason}", el)


def check_contact(el: etree._Element, ctx: Context, name: str) -> None:
    """managingEditor, webMaster, author: 'email' or 'email (Name)' (RSS 2.0 examples)."""
    value = text_of(el)
    reason, form_only = check_rss_contact(value)
    if reason is not None:
        ctx.add("RSS-EMAIL-FORM" if form_only else "RSS-EMAIL", f"<{name}> {reason}", el)


def check_cloud(el: etree._Element, ctx: Context) -> None:
    """RSS 2.0, <cloud>: domain, port, path, registerProcedure and protocol; a TCP port."""
    for attr in ("domain", "port", "path", "registerProcedure", "protocol"):
        if el.get(attr) is None:
            ctx.add("RSS-CLOUD", f"<cloud> has no {attr} attribute", el)
    port = el.get("port")
    if port is not None and (check_nonneg_int(port) or not 0 < int(port) < 65536):
        ctx.add("RSS-CLOUD", f"port {port!r} is not a TCP port", el)
    protocol = el.get("protocol")
    if protocol is not None and protocol not in ("xml-rpc", "soap", "http-post"):
        ctx.add("RSS-CLOUD", f"protocol {protocol!r} is not xml-rpc, soap or http-post", el)


def check_enclosure(el: etree._Element, ctx: Context) -> None:
    """RSS 2.0, <enclosure>: url (an http URL), length in bytes and a MIME type, all required."""
    for attr in ("url", "length", "type"):
        if el.get(attr) is None:
            ctx.add("RSS-ENCLOSURE-ATTRIBUTE", f"<enclosure> has no {attr} attribute", el)
    url = el.get("url")
    if url is not None:
        reason = check_url(url)
        if reason:
            ctx.add("RSS-ENCLOSURE-URL", reason, el)
    length = el.get("length")
    if length is not None and check_nonneg_int(length):
        ctx.add("RSS-ENCLOSURE-LENGTH", f"length {length!r} is not a number of bytes", el)
    mime = el.get("type")
    if mime is not None:
        reason = check_mime(mime)
        if reason:
            ctx.add("RSS-ENCLOSURE-TYPE", reason, el)


def check_guid(el: etree._Element, ctx: Context, guids: dict[str, int | None]) -> None:
    """RSS 2.0, <guid>: isPermaLink is true (the default) or false; when true, a URL.

    An empty guid is a warning; a guid twice in the feed an error (it "uniquely
    identifies the item").
    """
    value = text_of(el).strip()
    if not value:
        ctx.add("RSS-GUID-EMPTY", "<guid> is empty", el)
        return
    perma = el.get("isPermaLink")
    if perma is not None and perma not in ("true", "false"):
        ctx.add("RSS-GUID-ISPERMALINK-VALUE", f"isPermaLink={perma!r} is not true or false", el)
    elif perma != "false" and check_url(value):
        ctx.add(
            "RSS-GUID-PERMALINK",
            f'guid {value!r} is not a URL; add isPermaLink="false"',
            el,
        )
    note_guid(guids, value, el.sourceline, ctx.report)


def note_guid(guids: dict[str, int | None], value: str, line: int | None, report: Report) -> None:
    """Remember a guid, or report it as a repeat of the first one (RSS 2.0 <guid>)."""
    if value in guids:
        report.add("RSS-GUID-DUPLICATE", f"guid {value!r} is also on line {guids[value]}", line)
    else:
        guids[value] = line


# RSS 0.91 (UserLand, 2000) maximum lengths by container and element; RSS 0.92 dropped them.
_LENGTHS_091 = {
    "channel": {
        "title": 100,
        "link": 500,
        "description": 500,
        "copyright": 100,
        "managingEditor": 100,
        "webMaster": 100,
        "rating": 500,
    },
    "item": {"title": 100, "link": 500, "description": 500},
    "image": {"url": 500, "title": 100, "link": 500, "description": 100},
    "textInput": {"title": 100, "description": 500, "name": 20, "link": 500},
}


def check_lengths_091(channel: etree._Element, ctx: Context) -> None:
    """RSS 0.91: "Maximum length is 100" and the like, for the elements it names."""
    containers = [channel, *channel.iterchildren("item", "image", "textInput", "textinput")]
    for container in containers:
        name = "textInput" if container.tag == "textinput" else container.tag
        limits = _LENGTHS_091[str(name)]
        for el in container:
            limit = limits.get(el.tag) if isinstance(el.tag, str) else None
            if limit is not None and len(text_of(el).strip()) > limit:
                ctx.add(
                    "RSS-LENGTH",
                    f"<{name}>/<{el.tag}> is {len(text_of(el).strip())} characters; "
                    f"RSS 0.91 allows {limit}",
                    el,
                )
