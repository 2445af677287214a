"""Who a request comes from: the one answer that the query budget, the slots for slow clients and the logs share.

The peer address; with ``trust_forwarded_headers`` (behind our own proxy) the last ``X-Forwarded-For``
entry, the one our proxy added — earlier entries are the client's to write and name no one reliably.
An IPv6 client is its /64 network: one subscriber's line or host gets a whole /64 (RFC 6177), so counting
single addresses would give one client 2^64 budgets.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache


def client_of(environ: dict, trust_forwarded: bool) -> str:
    """The client as this server can know it; ``-`` when the server gives no address."""
    if trust_forwarded:
        last = environ.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if last:
            return _client(last[:64])
    return _client(environ.get("REMOTE_ADDR") or "-")


@lru_cache(maxsize=4096)  # a server sees the same few addresses again and again
def _client(address: str) -> str:
    if ":" not in address:
        return address
    try:
        ip = ipaddress.IPv6Address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return address  # not an address (a proxy's own word): as it is
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((ip, 64), strict=False))
