"""Which network addresses syndicate may contact: public ones, unless the operator allows more.

Pure functions, shared by the validator's fetcher and the links checker. A URL
is refused when its host is, or resolves to, a loopback, private, link-local,
multicast, reserved or unspecified address — including IPv4-mapped IPv6
(``::ffff:127.0.0.1``), NAT64 and 6to4 wrappers of such addresses, and the odd
IPv4 spellings that ``inet_aton`` accepts (``127.1``, ``2130706433``,
``0x7f.0.0.1``, ``0177.0.0.1``). Resolution happens here, before any
connection; this module never connects.

Special-purpose address blocks are those of the IANA registry (RFC 6890 and
its updates), as Python's ``ipaddress`` knows them, plus RFC 6598 shared space.

It does not defend against a resolver that answers differently on the second
lookup (DNS rebinding) by itself: ``resolve_url`` returns the checked addresses,
and ``syndicate.http`` connects to one of them, never to a name.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 carrier-grade NAT


RefusalKind = Literal["invalid", "unresolvable", "refused"]


class AddressNotAllowedError(ValueError):
    """A URL names or resolves to an address the policy refuses; ``str()`` says which.

    ``kind`` tells a malformed URL or unsupported scheme ("invalid") and a host
    that does not resolve ("unresolvable") from a non-public address ("refused").
    """

    def __init__(self, url: str, reason: str, kind: RefusalKind = "refused") -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason
        self.kind: RefusalKind = kind


@dataclass(frozen=True, slots=True)
class ResolvedURL:
    """A URL's host and port, and every address it resolved to (all of them checked)."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 address wraps (mapped, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


def is_public_address(ip: IPAddress | str) -> bool:
    """Tell whether ``ip`` is a globally routable unicast address."""
    try:
        addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address):
        inner = _embedded_v4(addr)
        if inner is not None and not is_public_address(inner):
            return False
        if addr.scope_id:
            return False
    if (
        addr.is_loopback
        or addr.is_private
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or addr in _SHARED
    ):
        return False
    return addr.is_global


def parse_ip_host(host: str) -> IPAddress | None:
    """Read ``host`` as an IP address in any notation a C resolver accepts, or return None."""
    h = host.strip("[]")
    try:
        return ipaddress.ip_address(h.split("%", 1)[0])
    except ValueError:
        pass
    if h and all(c in "0123456789abcdefxABCDEFX." for c in h) and any(c.isdigit() for c in h):
        try:  # inet_aton accepts 127.1, 2130706433, 0x7f.1 and octal parts
            return ipaddress.IPv4Address(socket.inet_aton(h))
        except OSError:
            return None
    return None


def _system_resolver(host: str, port: int) -> list[str]:
    infos: list[tuple[Any, ...]] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def resolve_url(
    url: str,
    allow_private: bool = False,
    *,
    resolver: Resolver | None = None,
    allowed: Collection[str] = (),
    allowed_hosts: Collection[str] = (),
    allowed_networks: Collection[IPNetwork] = (),
) -> ResolvedURL:
    """Resolve the host of ``url`` once and check every address; raise AddressNotAllowedError.

    Every resolved address must be public unless ``allow_private``; one private
    answer among public ones refuses the URL (the connection could use it).
    ``allowed`` lists addresses accepted anyway (an intranet host, a test server);
    ``allowed_hosts`` names hosts (exact, case-insensitive) whose addresses are
    accepted whatever they are; ``allowed_networks`` accepts addresses inside
    those networks. Each opens only what it names: the rest of the private space,
    the cloud metadata address 169.254.169.254 included, stays refused.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise AddressNotAllowedError(url, f"invalid URL: {e}", "invalid") from e
    if parts.scheme not in ("http", "https"):
        raise AddressNotAllowedError(
            url, f"scheme {parts.scheme!r} is not http or https", "invalid"
        )
    host = parts.hostname
    if not host:
        raise AddressNotAllowedError(url, "the URL has no host", "invalid")
    port = port or (443 if parts.scheme == "https" else 80)
    literal = parse_ip_host(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = list((resolver or _system_resolver)(host, port))
        except (OSError, UnicodeError) as e:
            raise AddressNotAllowedError(
                url, f"cannot resolve {host!r}: {e}", "unresolvable"
            ) from e
        if not addresses:
            raise AddressNotAllowedError(url, f"{host!r} resolves to no address", "unresolvable")
    if not allow_private and normal_host(host) not in allowed_hosts:
        exceptions = {_canonical(a) for a in allowed}
        for address in addresses:
            bare = address.split("%", 1)[0]
            if (
                _canonical(bare) not in exceptions
                and not _in_networks(bare, allowed_networks)
                and not is_public_address(bare)
            ):
                what = address if literal is not None else f"{host} is {address}, which"
                raise AddressNotAllowedError(url, f"{what} is a non-public address")
    return ResolvedURL(parts.scheme, host, port, tuple(dict.fromkeys(addresses)))


def normal_host(host: str) -> str:
    """Spell a host name the way ``allowed_hosts`` compares it: lower case, no final dot."""
    return host.strip("[]").rstrip(".").lower()


def _in_networks(address: str, networks: Collection[IPNetwork]) -> bool:
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses a component may connect to: ``resolve_url`` with settings bound.

    ``allowed`` names single addresses accepted even when private (a test
    server), ``allowed_hosts`` host names (one intranet CMS) and
    ``allowed_networks`` CIDR blocks, each without opening the whole private
    space as ``allow_private`` does.
    """

    allow_private: bool = False
    allowed: frozenset[str] = frozenset()
    resolver: Resolver | None = None
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()

    def resolve(self, url: str) -> ResolvedURL:
        """Resolve and check ``url``; raise AddressNotAllowedError (see ``resolve_url``)."""
        return resolve_url(
            url,
            self.allow_private,
            resolver=self.resolver,
            allowed=self.allowed,
            allowed_hosts=self.allowed_hosts,
            allowed_networks=self.allowed_networks,
        )


def _canonical(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip("[]")))
    except ValueError:
        return address


def check_url_allowed(
    url: str,
    allow_private: bool = False,
    *,
    resolver: Resolver | None = None,
    allowed: Collection[str] = (),
) -> list[str]:
    """Resolve the host of ``url`` and return its addresses, or raise AddressNotAllowedError.

    Every resolved address must be public unless ``allow_private``; one private
    answer among public ones refuses the URL (the connection could use it).
    """
    return list(resolve_url(url, allow_private, resolver=resolver, allowed=allowed).addresses)
