"""One release: the folder a build writes and the server reads, with its whole layout named here.

A release is immutable once written. This module is the one place that knows its layout (which file
holds what) and how the release being served is found, so that the build writes and the server reads
the same names, and the server never imports the build to learn them.

The builds folder::

    builds/
      releases/<release id>/     one complete release each (see ``Layout``)
      current -> releases/<id>   the release being served; swapped in one ``rename``
      build.lock                 held (``fcntl.flock``) by the one build or rollback running
      .tmp-*, .current-*         work in progress; debris of a killed build, removed by the next one

A release is complete only when its manifest (written last) verifies: the manifest names every file
of the release with its size and sha256 (``files``), and ``verify`` checks them. A half-written,
half-deleted or damaged release therefore never passes for a complete one.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RELEASES = "releases"
CURRENT = "current"
MANIFEST = "manifest.json"
LOCK = "build.lock"
TMP_PREFIX = ".tmp-"
CURRENT_TMP_PREFIX = ".current-"
# ``20261201T094512Z-ab12cd``: the build time (UTC, to the second), then a random suffix.
ID_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
ID_PATTERN = re.compile(r"^(\d{8}T\d{6}Z)-[0-9a-f]{6}$")
# Files of the store that RocksDB itself may write while a release is only read (its diagnostic log and
# lock file); they hold no data, so the manifest leaves them out.
UNHASHED_STORE_FILES = re.compile(r"^(LOG(\.old\..*)?|LOCK)$")


@dataclass(frozen=True)
class Layout:
    """The files of one release folder (also of a release still being written, before it has a manifest)."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def dataset(self) -> Path:
        """Every quad of the release, sorted N-Quads, one named graph per source file."""
        return self.root / "dataset.nq"

    @property
    def store(self) -> Path:
        """The embedded query store (pyoxigraph), opened read-only by the server."""
        return self.root / "store"

    @property
    def dumps(self) -> Path:
        """Whole-dataset downloads, served at ``/dumps/<file>``."""
        return self.root / "dumps"

    @property
    def dumps_index(self) -> Path:
        return self.dumps / "index.json"

    @property
    def lists(self) -> Path:
        return self.root / "lists"

    def list_file(self, kind: str, extension: str) -> Path:
        """A pre-rendered list (``partners.csv`` …)."""
        return self.lists / f"{kind}.{extension}"

    @property
    def catalog(self) -> Path:
        return self.root / "catalog"

    @property
    def catalog_graph(self) -> Path:
        """The whole DCAT-AP.de catalogue, sorted N-Triples."""
        return self.catalog / "catalog.nt"

    def catalog_part(self, slug: str) -> Path:
        return self.catalog / "parts" / f"{slug}.ttl"

    @property
    def catalog_shapes(self) -> Path:
        return self.catalog / "shapes.ttl"

    @property
    def catalog_state(self) -> Path:
        """Issued/modified dates per dataset, carried from release to release."""
        return self.catalog / "state.json"

    @property
    def changes(self) -> Path:
        """What changed against the previous release (``publisher.build.changes``), read by ``/changes``."""
        return self.root / "changes.json"

    def hashed_files(self) -> list[str]:
        """The files the manifest vouches for, relative to the root: all but the manifest itself and
        RocksDB's diagnostic files (``UNHASHED_STORE_FILES``)."""
        names = []
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root).as_posix()
            if not path.is_file() or rel == MANIFEST:
                continue
            if path.parent == self.store and UNHASHED_STORE_FILES.match(path.name):
                continue
            names.append(rel)
        return names


def file_digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def file_entries(layout: Layout) -> dict[str, dict]:
    """``files`` of the manifest: size and sha256 of every file of the release being written."""
    return {rel: {"size": (layout.root / rel).stat().st_size, "sha256": file_digest(layout.root / rel)}
            for rel in layout.hashed_files()}


class IncompleteRelease(Exception):
    """A release folder whose manifest is missing, unreadable or does not match its files."""


def verify(path: Path) -> list[str]:
    """What is wrong with the release at ``path`` (empty: it is complete and intact).

    Every file the manifest names must exist with its size and sha256, and no data file may be there
    that the manifest does not name (a release is never changed after its manifest was written).
    """
    layout = Layout(path)
    try:
        manifest = json.loads(layout.manifest.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{MANIFEST}: {exc.__class__.__name__}: {exc}"]
    problems = []
    for rel, entry in sorted(files.items()):
        problem = check_file(path / rel, entry)
        if problem:
            problems.append(f"{rel}: {problem}")
    try:
        extra = sorted(set(layout.hashed_files()) - set(files))
    except OSError as exc:
        return [*problems, str(exc)]
    problems += [f"{rel}: not in the manifest" for rel in extra]
    return problems


def check_file(path: Path, entry: dict) -> str | None:
    """Why the file does not match its manifest entry, or None."""
    try:
        size = path.stat().st_size
        if size != entry["size"]:
            return f"size {size}, manifest says {entry['size']}"
        if file_digest(path) != entry["sha256"]:
            return "sha256 differs from the manifest"
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def id_time(release_id: str) -> datetime | None:
    """The build time a release id starts with, or None for a name that is not a release id."""
    match = ID_PATTERN.match(release_id)
    if not match:
        return None
    return datetime.strptime(match.group(1), ID_TIME_FORMAT).replace(tzinfo=UTC)


def release_ids(builds: Path) -> list[str]:
    """The release folders' ids, oldest first by the time in the id (never by the files' mtime)."""
    try:
        names = [p.name for p in releases_dir(builds).iterdir() if p.is_dir()]
    except OSError:
        return []
    dated = [(id_time(name), name) for name in names]
    return [name for when, name in sorted((w, n) for w, n in dated if w is not None)]


def complete_releases(builds: Path) -> list[str]:
    """The ids of the releases that verify, oldest first."""
    return [rid for rid in release_ids(builds) if not verify(releases_dir(builds) / rid)]


@dataclass
class Release:
    """One immutable build, as the server and the tools read it."""

    path: Path
    manifest: dict
    # Files already checked against the manifest: relative path -> (size, mtime_ns) when they matched.
    _checked: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False, compare=False)
    _check_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def layout(self) -> Layout:
        return Layout(self.path)

    @property
    def id(self) -> str:
        return self.manifest["build_id"]

    @property
    def content_hash(self) -> str:
        return self.manifest["content_hash"]

    @property
    def built_at(self) -> datetime:
        return datetime.fromisoformat(self.manifest["built_at"].replace("Z", "+00:00"))

    @property
    def store_path(self) -> Path:
        return self.layout.store

    @property
    def dataset_path(self) -> Path:
        return self.layout.dataset

    def dumps_index(self) -> dict:
        """The dumps' index (file, path, media type, size, sha256 of each dump)."""
        return read_dumps_index(self.layout)

    def verify(self) -> list[str]:
        """What is wrong with this release's files (empty: intact); see ``verify``."""
        return verify(self.path)

    def file_problem(self, rel: str) -> str | None:
        """Whether one file (``dumps/dataset.ttl.gz``) still matches the manifest, before it is served.

        The sha256 is computed once per file and remembered with its size and mtime; after that, each
        call costs one ``stat``, so a file truncated or rewritten later is noticed on the next request.
        """
        entry = self.manifest.get("files", {}).get(rel)
        if entry is None:
            return "not in the manifest"
        path = self.path / rel
        try:
            st = path.stat()
        except OSError as exc:
            return exc.strerror or str(exc)
        if self._checked.get(rel) == (st.st_size, st.st_mtime_ns):
            return None
        problem = check_file(path, entry)
        if problem is None:
            with self._check_lock:
                self._checked[rel] = (st.st_size, st.st_mtime_ns)
        return problem

    @classmethod
    def open(cls, path: Path) -> Release:
        return cls(path.resolve(), json.loads(Layout(path).manifest.read_text(encoding="utf-8")))

    @classmethod
    def open_verified(cls, path: Path) -> Release:
        """Open a release only if it is complete and intact; raises IncompleteRelease saying why."""
        problems = verify(path)
        if problems:
            shown = "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)" if len(problems) > 3 else "")
            raise IncompleteRelease(f"{path.name}: {shown}")
        return cls.open(path)


def read_dumps_index(layout: Layout) -> dict:
    return json.loads(layout.dumps_index.read_text(encoding="utf-8"))


def current_link(builds: Path) -> Path:
    return builds / CURRENT


def releases_dir(builds: Path) -> Path:
    return builds / RELEASES


def read_changes(release: Release) -> dict | None:
    """The release's change list (``changes.json``), or None for a release built without one."""
    try:
        return json.loads(release.layout.changes.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def history(builds: Path, served: Release) -> list[tuple[Release, dict | None]]:
    """The kept releases up to the one served (by id), newest first, each with its change list.

    What the change-log page shows: after a rollback, releases newer than the one served are left out.
    """
    ids = release_ids(builds)
    if served.id in ids:
        ids = ids[: ids.index(served.id) + 1]
    out = []
    for rid in reversed(ids):
        try:
            release = served if rid == served.id else Release.open(releases_dir(builds) / rid)
            out.append((release, read_changes(release)))
        except (OSError, ValueError, KeyError):
            continue  # a release being pruned, or one without a readable manifest
    return out or [(served, read_changes(served))]


def current_release(builds: Path) -> Release | None:
    """The release ``builds/current`` points at, or None before the first build."""
    link = current_link(builds)
    if not Layout(link).manifest.is_file():
        return None
    return Release.open(link)
