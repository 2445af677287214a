"""Representations rendered once per release and kept in memory (a bounded LRU by bytes).

A release never changes, so a representation rendered for it is valid for as long as it is served;
keys start with the release id, so a new build never sees an old entry, and old entries age out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class RenderCache:
    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T], size: Callable[[T], int] = lambda v: 256) -> T:
        hit = self.peek(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        value = compute()  # outside the lock: two threads may render the same thing once each, never wrongly
        self.put(key, value, size(value))
        return value

    def peek(self, key: Hashable) -> object | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def put(self, key: Hashable, value: object, size: int) -> None:
        cost = size + 256
        with self._lock:
            if key not in self._entries and cost <= self.max_bytes:
                self._entries[key] = (value, cost)
                self._bytes += cost
                while self._bytes > self.max_bytes:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self._bytes -= dropped
