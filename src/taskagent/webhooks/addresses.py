"""Where a webhook may point (SSRF): only http(s), and only hosts on the public internet.

A host that is, or resolves to, a loopback, private, shared (CGNAT), link-local (cloud metadata at
169.254.169.254), multicast, reserved or unspecified address is refused, in IPv4 and IPv6, looking through
IPv4-mapped (`::ffff:127.0.0.1`), 6to4 and NAT64 forms to the IPv4 address inside. It is checked when the
webhook is registered and again before every delivery (DNS may have changed), and a delivery connects to
the very address checked (the hostname stays in the Host header and TLS's SNI), so DNS cannot be made to
answer differently between the check and the connection. `WEBHOOK_ALLOW_PRIVATE=true` turns this off (a
receiver on the same machine or network).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2000
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# How long a delivery waits for DNS before giving up on this attempt.
RESOLVE_SECONDS = 5.0


class RefusedAddressError(ValueError):
    """The URL points somewhere webhooks may not go; the message says why (for a 422 or the log)."""


class ResolveError(OSError):
    """The host name did not resolve (now): a delivery tries again later."""


def check_url_form(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL, or a RefusedAddressError."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedAddressError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedAddressError("the URL cannot be read") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise RefusedAddressError("only http:// and https:// URLs are allowed")
    host = parts.hostname
    if not host:
        raise RefusedAddressError("the URL has no host")
    if any(ch.isspace() for ch in url):
        raise RefusedAddressError("the URL contains whitespace")
    return host, port or (443 if parts.scheme.lower() == "https" else 80)


def _inner(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), or the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_public(address: IPAddress) -> bool:
    for each in {address, _inner(address)}:
        if (
            not each.is_global
            or each.is_private
            or each.is_loopback
            or each.is_link_local
            or each.is_multicast
            or each.is_reserved
            or each.is_unspecified
        ):
            return False
    # A Teredo address is a tunnel to an IPv4 address we cannot see.
    return not (isinstance(address, ipaddress.IPv6Address) and address.teredo is not None)


def literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


@dataclass(frozen=True)
class Destination:
    host: str
    port: int
    address: IPAddress | None  # the checked address to connect to; None: not checked (private allowed)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The host's addresses, resolved without blocking the event loop."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError) as error:
        raise ResolveError(f"{host} does not resolve: {error}") from None
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = literal(str(sockaddr[0]))
        if address is not None and address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ResolveError(f"{host} does not resolve")
    return addresses


async def check_destination(url: str, *, allow_private: bool, must_resolve: bool) -> Destination:
    """Where `url` may be sent: RefusedAddressError if it points at a refused address. A name that does not
    resolve raises ResolveError when `must_resolve`, else passes (it will be checked at delivery)."""
    host, port = check_url_form(url)
    if allow_private:
        return Destination(host, port, None)
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):  # loopback by definition (RFC 6761)
        raise RefusedAddressError(f"{host} is not a public address")
    address = literal(host)
    if address is not None:
        if not is_public(address):
            raise RefusedAddressError(f"{host} is not a public address")
        return Destination(host, port, address)
    try:
        addresses = await resolve(host, port)
    except ResolveError:
        if must_resolve:
            raise
        return Destination(host, port, None)
    refused = [each for each in addresses if not is_public(each)]
    if refused:
        raise RefusedAddressError(f"{host} resolves to {refused[0]}, which is not a public address")
    return Destination(host, port, addresses[0])
