"""Where a webhook may go: a partner's URL must not reach our own network (SSRF).

A URL's host is resolved and every address it resolves to must be public: loopback,
private, link-local (with the cloud metadata address 169.254.169.254), multicast,
reserved, unspecified and the like are refused, and so is a name with any such address.
The check runs when the URL is saved and again on every attempt, and the attempt connects
to the very address that passed (`transport.py`), so a name that resolves differently a
moment later (DNS rebinding) changes nothing. `WEBHOOKS_ALLOW_PRIVATE_NETWORKS` lifts the
address rule for tests with a loopback receiver; it is never on in production."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# Named even though the general rules catch them: the addresses an attacker aims for.
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
DEFAULT_PORTS = {"https": 443, "http": 80}


class UrlRefused(Exception):
    """The URL may not receive webhooks; the message says why, for the partner."""


@dataclass(frozen=True)
class Target:
    """Where to connect: the validated address, and the name for the Host header and TLS."""

    scheme: str
    host: str
    port: int
    address: str
    path: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def address_refusal(address: str) -> str | None:
    """Why this IP address may not receive webhooks, or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            refusal = address_refusal(str(embedded))
            return refusal if refusal is None else f"{refusal} (inside an IPv6 address)"
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for flag, label in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "an unspecified address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    ):
        if getattr(ip, flag):
            return label
    if not ip.is_global:
        return "not a public address"
    return None


NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to reach (mapped, 6to4, Teredo, NAT64), if
    any: `64:ff9b::10.0.0.1` reaches 10.0.0.1 through a NAT64 gateway."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in prefix for prefix in NAT64_PREFIXES):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def url_parts(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an acceptable URL, else UrlRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UrlRefused(f"The URL is not valid ({error}).") from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if settings.WEBHOOKS_ALLOW_HTTP else ("https",)
    if scheme not in allowed:
        raise UrlRefused("Use an https:// URL.")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("Put no credentials in the URL; verify our signature instead.")
    if not parts.hostname:
        raise UrlRefused("The URL has no host.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port or DEFAULT_PORTS[scheme], path


def url_resolve(url: str) -> Target:
    """Where `url` leads, checked: every address its host resolves to must be public
    (unless WEBHOOKS_ALLOW_PRIVATE_NETWORKS). Raises UrlRefused with the reason."""
    scheme, host, port, path = url_parts(url)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UrlRefused(f"The host {host} does not resolve.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise UrlRefused(f"The host {host} does not resolve.")
    if not settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        for address in addresses:
            refusal = address_refusal(address)
            if refusal is not None:
                raise UrlRefused(f"The host {host} resolves to {address}, {refusal}: webhooks go to the internet only.")
    return Target(scheme=scheme, host=host, port=port, address=addresses[0], path=path)
