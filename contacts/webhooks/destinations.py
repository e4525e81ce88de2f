"""Where a webhook may go: an http(s) URL whose host resolves only to public addresses (the SSRF guard).

Checked when an endpoint is saved and again before every request (DNS can change in between); the request then
connects to the very address that was checked, so a second lookup cannot point it elsewhere.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_URL_LENGTH = 2000


class UnsafeDestination(ValueError):
    """The URL is malformed, not http(s), or reaches a private, loopback or link-local network."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    address: str  # the checked IP to connect to
    username: str | None = None
    password: str | None = None


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def _parts(url: str):
    url = (url or "").strip()
    if not url:
        raise UnsafeDestination("Enter the URL to send webhooks to.")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeDestination(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeDestination(f"That is not a valid URL ({exc}).") from exc
    if parts.scheme not in ("https", "http"):
        raise UnsafeDestination("Use an https:// (or http://) URL.")
    if not parts.hostname:
        raise UnsafeDestination("The URL has no host name.")
    if any(c.isspace() for c in url):
        raise UnsafeDestination("The URL contains spaces.")
    return parts, port or (443 if parts.scheme == "https" else 80)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeDestination(f"{host} does not resolve ({exc}).") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str) -> str:
    """The URL as it will be stored, or UnsafeDestination. Private networks only with WEBHOOKS_ALLOW_PRIVATE."""
    parts, port = _parts(url)
    if not allow_private():
        for address in _addresses(parts.hostname, port):
            if not is_public(address):
                raise UnsafeDestination(
                    f"{parts.hostname} resolves to {address}, a private, loopback or link-local address; "
                    "webhooks only go to public addresses.")
    return url.strip()


def resolve(url: str) -> Destination:
    """Resolve and check the URL right before a request; every address must be public (unless allowed)."""
    parts, port = _parts(url)
    addresses = _addresses(parts.hostname, port)
    if not addresses:
        raise UnsafeDestination(f"{parts.hostname} does not resolve.")
    if not allow_private():
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise UnsafeDestination(f"{parts.hostname} now resolves to {refused[0]}, a private address; not sent.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Destination(scheme=parts.scheme, host=parts.hostname, port=port, path=path, address=addresses[0],
                       username=parts.username, password=parts.password)
