"""Which release is being served, and the switch to a new one.

``build/current`` is a symlink that a build replaces in one step; the server checks it (one
``readlink``) at most once a second and opens the new release when it changes. Only a complete release
is switched to: its manifest must verify (every file's size and sha256), otherwise the server keeps the
release it has and logs why. When ``build/current`` disappears, every process keeps the release it
serves (one that has none takes the newest complete release), so that the processes keep agreeing.
An error of the store that comes with files no longer matching the manifest is answered 503 with a
message saying so, never a bare 500.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.exceptions import ServiceUnavailable

from publisher.core.config import Config
from publisher.core.release import IncompleteRelease, Release, complete_releases, current_link, releases_dir
from publisher.serve.store.base import STORE_DOWN_MESSAGE, StoreUnavailable
from publisher.serve.store.embedded import EmbeddedStore
from publisher.serve.store.external import ExternalStore, served_release_target
from publisher.serve.store.http import StoreUnreachable

log = logging.getLogger(__name__)


class NoRelease(Exception):
    """There is no build to serve yet (run ``publisher build``)."""


class ReleaseDamaged(ServiceUnavailable, NoRelease):
    """The release's files do not match its manifest: 503 with the reason (an HTTP error the app renders)."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "Die veröffentlichten Daten sind beschädigt oder unvollständig; bitte 'publisher build' oder "
            "'publisher rollback' ausführen. / The published data is damaged or incomplete; run "
            f"'publisher build' or 'publisher rollback'. ({detail})")


class StoreNotAnswering(ServiceUnavailable, NoRelease):
    """``serve --store``: the store has not yet said which release it serves, because it cannot be reached
    (503 with ``Retry-After``; not "run 'publisher build'", which would send the reader the wrong way)."""

    def __init__(self) -> None:
        super().__init__(STORE_DOWN_MESSAGE, retry_after=StoreUnavailable.retry_after)


class CheckedStore:
    """The release's store, as is; an error from it while the store's files no longer verify is a 503."""

    def __init__(self, store: EmbeddedStore, release: Release) -> None:
        self._store, self._release = store, release

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except (RuntimeError, OSError) as exc:
                problems = [p for p in self._release.verify() if p.startswith("store/")]
                if not problems:
                    raise
                log.error("release %s: store damaged: %s", self._release.id, "; ".join(problems[:3]))
                raise ReleaseDamaged(f"{self._release.id}: {problems[0]}") from exc

        return call


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
        self._refused: str | None = None  # the last target refused, logged once
        self._damaged: str | None = None
        self._unanswered = False  # serve --store: the last pointer query found no store to answer it
        self._checked = 0.0

    def get(self) -> Live:
        now = time.monotonic()
        if self._live is None or now - self._checked >= self.CHECK_INTERVAL:
            with self._lock:
                self._checked = now
                self._refresh()
        if self._live is None:
            if self._damaged:
                raise ReleaseDamaged(self._damaged)
            if self._unanswered:
                raise StoreNotAnswering
            raise NoRelease(f"no release in {self.config.builds}; run 'publisher build' first")
        return self._live

    def _refresh(self) -> None:
        if not self.config.store and not self.link.is_symlink() and not self.link.exists():
            self._current_missing()
            return
        try:
            if self.config.store:  # serve --store: the store's pointer names the release (``store/external.py``)
                target = served_release_target(
                    self.config, self._live.store.client if self._live is not None else None)  # type: ignore[union-attr]
            else:
                target = os.readlink(self.link) if self.link.is_symlink() else str(self.link.resolve())
        except OSError as exc:
            if self.config.store:
                self._unanswered = isinstance(exc, StoreUnreachable)  # StoreTimeout is one
                log.error("cannot read which release the store serves: %s", exc)
            return
        self._unanswered = False
        if target == self._target and self._live is not None:
            return
        path = (self.link.parent / target) if not os.path.isabs(target) else Path(target)
        self._open(path, target)

    def _open(self, path: Path, target: str) -> None:
        if target == self._refused:
            return
        try:
            release = Release.open_verified(path)
            store = (ExternalStore(self.config, release) if self.config.store  # serve --store
                     else CheckedStore(EmbeddedStore(release.store_path, self.config.base_iri), release))
            live = Live(release, store)  # type: ignore[arg-type]
        except IncompleteRelease as exc:
            self._refuse(target, f"incomplete or damaged release {exc}")
            return
        except Exception as exc:  # keep serving the release we have
            self._refuse(target, f"cannot open release {path}: {exc}")
            return
        self._live, self._target, self._refused, self._damaged = live, target, None, None
        log.info("serving release %s", release.id)

    def _refuse(self, target: str, why: str) -> None:
        self._refused = target
        if self._live is None:
            self._damaged = why
        kept = f"; keeping release {self._live.release.id}" if self._live else "; nothing to serve"
        log.error("%s%s", why, kept)

    def _current_missing(self) -> None:
        if self._live is not None:
            if self._target is not None:
                log.warning("%s is missing; keeping release %s", self.link, self._live.release.id)
                self._target = None  # logged once; a new link is opened when it appears
            return
        complete = complete_releases(self.config.builds)
        if complete:
            log.warning("%s is missing; serving the newest complete release %s", self.link, complete[-1])
            path = releases_dir(self.config.builds) / complete[-1]
            self._open(path, str(path))
