"""Which release is being served, and the switch to a new one.

``build/current`` is a symlink that a build replaces in one step; the server checks it (one
``readlink``) at most once a second and opens the new release when it changes. A release that cannot
be opened is not switched to: the server keeps serving the one it has.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from publisher.core.config import Config
from publisher.core.release import Release, current_link
from publisher.serve.store.embedded import EmbeddedStore
from publisher.serve.store.external import ExternalStore, served_release_target

log = logging.getLogger(__name__)


class NoRelease(Exception):
    """There is no build to serve yet (run ``publisher build``)."""


@dataclass(frozen=True)
class Live:
    release: Release
    store: EmbeddedStore | ExternalStore


class LiveRelease:
    CHECK_INTERVAL = 1.0

    def __init__(self, config: Config) -> None:
        self.config = config
        self.link = current_link(config.builds)
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._target: str | None = None
        self._checked = 0.0

    def get(self) -> Live:
        now = time.monotonic()
        if self._live is None or now - self._checked >= self.CHECK_INTERVAL:
            with self._lock:
                self._checked = now
                self._refresh()
        if self._live is None:
            raise NoRelease(f"no release in {self.config.builds}; run 'publisher build' first")
        return self._live

    def _refresh(self) -> None:
        try:
            if self.config.store:  # serve --store: the store's pointer names the release (``store/external.py``)
                target = served_release_target(self.config)
            else:
                target = os.readlink(self.link) if self.link.is_symlink() else str(self.link.resolve())
        except OSError as exc:
            if self.config.store:
                log.error("cannot read which release the store serves: %s", exc)
            return
        if target == self._target and self._live is not None:
            return
        path = (self.link.parent / target) if not os.path.isabs(target) else Path(target)
        try:
            release = Release.open(path)
            store = (ExternalStore(self.config, release) if self.config.store
                     else EmbeddedStore(release.store_path, self.config.base_iri))
            live = Live(release, store)
        except Exception as exc:  # keep serving the release we have
            log.error("cannot open release %s: %s", path, exc)
            return
        self._live, self._target = live, target
        log.info("serving release %s", release.id)
