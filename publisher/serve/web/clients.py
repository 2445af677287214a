"""Who a request comes from: the one answer that the query budget, the body readers' cap and the logs share.

The peer address; with ``trust_forwarded_headers`` (behind our own proxy) the last ``X-Forwarded-For``
entry, the one our proxy added — earlier entries are the client's to write and name no one reliably.
"""

from __future__ import annotations


def client_of(environ: dict, trust_forwarded: bool) -> str:
    """The client's address as this server can know it; ``-`` when the server gives none."""
    if trust_forwarded:
        last = environ.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return environ.get("REMOTE_ADDR") or "-"
