"""The one in-memory cache of a server process: whole responses and rendered representations, in one
least-recently-used store with one budget in bytes (``cache_max_bytes``) that counts keys as well as values.

A release never changes, so whatever is rendered for it stays valid for as long as it is served; every
key starts with the release id, so a new build never sees an old entry, and old entries age out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")

ENTRY_OVERHEAD = 256  # bookkeeping per entry (dict slot, tuple, list node), counted against the budget
EXTENSION = "publisher_cache"


def size_of(value: object) -> int:
    """A cheap, generous estimate of the bytes a key or value holds."""
    if isinstance(value, bytes | bytearray | str):
        return len(value) + 48
    if isinstance(value, tuple | list | frozenset | set):
        # Strings and bytes counted here, not by a call each: a cached response is some 70 of them.
        return 56 + sum(len(v) + 48 if isinstance(v, str | bytes) else size_of(v) for v in value)
    if isinstance(value, dict):
        return 64 + sum(size_of(k) + size_of(v) for k, v in value.items())
    return 64


def size_of_response(status: str, headers: list[tuple[str, str]], body: bytes) -> int:
    """``size_of((status, tuple(headers), body))``, give or take, without a call per header: every cached
    response is one of these, and the walk cost more than the rest of putting it."""
    return 256 + len(status) + len(body) + sum(len(k) + len(v) + 152 for k, v in headers)


class Cache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self.bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, key: Hashable) -> object | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def put(self, key: Hashable, value: object, size: int | None = None) -> bool:
        """Keep ``value``; False if it alone would exceed the budget (then nothing is kept)."""
        cost = (size_of(value) if size is None else size) + size_of(key) + ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (value, cost)
            self.bytes += cost
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped
        return True

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value, or ``compute()`` kept for next time (None is never kept)."""
        hit = self.peek(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        value = compute()  # outside the lock: two threads may render the same thing once each, never wrongly
        if value is not None:
            self.put(key, value)
        return value


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per key in the app's cache (keys start with the release id)."""
    return current_app.extensions[EXTENSION].get(key, compute)
