"""The server threads a slow client can hold, counted: in all and per client address.

Two things keep a granian thread for as long as the client likes, and nothing can interrupt either: a
request body's ``read`` waiting for bytes that do not come (``bodies.py``), and a streamed response (a dump,
a file) whose client does not read (``streams.py``: the thread waits in granian's write). Both take a slot
here first; past ``total`` (a share of the threads) or past ``per_client`` for one address, the request gets
503 at once and the other threads keep answering everyone else.
"""

from __future__ import annotations

import threading

from publisher.serve.web.errors import refusal

SLOW_SHARE = 0.5  # of the server threads, at most this share may wait on slow clients
PER_CLIENT = 8  # slots one client address may hold (a busy office behind one NAT address, a parallel script)
BUSY_MESSAGE = "Zu viele langsame Anfragen; bitte später erneut. / Too many slow requests; retry later."


class Slots:
    def __init__(self, total: int, per_client: int = PER_CLIENT) -> None:
        self.total, self.per_client = total, per_client
        self._lock = threading.Lock()
        self._busy = 0
        self._by_client: dict[str, int] = {}

    @classmethod
    def for_threads(cls, threads: int) -> Slots:
        return cls(max(1, int(threads * SLOW_SHARE)))

    def take(self, client: str) -> bool:
        with self._lock:
            held = self._by_client.get(client, 0)
            if self._busy >= self.total or held >= self.per_client:
                return False
            self._busy += 1
            self._by_client[client] = held + 1
            return True

    def give_back(self, client: str) -> None:
        with self._lock:
            self._busy -= 1
            held = self._by_client.pop(client) - 1
            if held:
                self._by_client[client] = held


def busy(start_response) -> list[bytes]:
    """503 with ``Retry-After``: the slots a slow client can hold are taken."""
    return refusal(start_response, "503 Service Unavailable", BUSY_MESSAGE, ("Retry-After", "5"))
