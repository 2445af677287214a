"""One release: the folder a build writes and the server reads, with its whole layout named here.

A release is immutable once written. This module is the one place that knows its layout (which file
holds what) and how the release being served is found, so that the build writes and the server reads
the same names, and the server never imports the build to learn them.

The builds folder::

    builds/
      releases/<release id>/     one complete release each (see ``Layout``)
      current -> releases/<id>   the release being served; swapped in one ``rename``
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

RELEASES = "releases"
CURRENT = "current"
MANIFEST = "manifest.json"


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


@dataclass
class Release:
    """One immutable build, as the server and the tools read it."""

    path: Path
    manifest: dict

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

    @classmethod
    def open(cls, path: Path) -> Release:
        return cls(path.resolve(), json.loads(Layout(path).manifest.read_text(encoding="utf-8")))


def read_dumps_index(layout: Layout) -> dict:
    return json.loads(layout.dumps_index.read_text(encoding="utf-8"))


def current_link(builds: Path) -> Path:
    return builds / CURRENT


def releases_dir(builds: Path) -> Path:
    return builds / RELEASES


def current_release(builds: Path) -> Release | None:
    """The release ``builds/current`` points at, or None before the first build."""
    link = current_link(builds)
    if not Layout(link).manifest.is_file():
        return None
    return Release.open(link)
