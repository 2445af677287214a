"""The atomic build: load → derive → validate → write a release → switch ``current`` in one step.

A release is a folder under ``build/releases/`` that is never changed once written. It holds the
merged dataset (N-Quads, one named graph per source file), the embedded query store, whatever the
artifact steps add (dumps, catalogue, pre-rendered pages) and ``manifest.json``. Everything is
written to a temporary folder first; only a complete, valid release is renamed into place, and
``build/current`` (a symlink) is swapped with one ``rename``. A build that fails at any point
leaves the previous release, and what is being served, untouched.

The manifest is written last and names every file with its size and sha256; a release that does not
verify is never switched to and never kept. One build (or rollback) runs at a time, under an
``fcntl.flock`` on ``build/build.lock``; it starts by removing what killed builds left behind. Old
releases are pruned by the time in their id, keeping ``Config.keep_releases`` and always the current one.
A build whose content and settings equal the current release's publishes nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import json
import logging
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from publisher import __version__
from publisher.build.catalog.step import catalog_step
from publisher.build.changes import write_changes
from publisher.build.derive import derive_store
from publisher.build.dumps import line_blocks, write_dumps
from publisher.build.feed import feed_step
from publisher.build.legal_texts import check_legal_texts
from publisher.build.sources import Sources, load_sources
from publisher.build.validation import BuildRefused, Report, save_cache, shapes_graph, validate_store
from publisher.core.config import Config
from publisher.core.namespaces import ProjectNamespaces
from publisher.core.release import (
    CURRENT_TMP_PREFIX,
    ID_TIME_FORMAT,
    LOCK,
    TMP_PREFIX,
    IncompleteRelease,
    Layout,
    Release,
    complete_releases,
    current_link,
    current_release,
    file_entries,
    id_time,
    release_ids,
    releases_dir,
    verify,
)

log = logging.getLogger(__name__)


class BuildBusy(Exception):
    """Another build or rollback holds the lock of this builds folder."""


class RollbackError(Exception):
    """There is no release to roll back to (or the one named is unknown or incomplete)."""


@dataclass
class BuildContext:
    """What an artifact step gets: the validated data, the open store and the folder to write to."""

    config: Config
    ns: ProjectNamespaces
    dataset: Dataset | None  # None when built from the store (every step reads ``store``)
    graph: Graph | None
    store: ox.Store
    layout: Layout
    manifest: dict
    previous: Release | None
    sources: Sources | None = None
    extra: dict = field(default_factory=dict)

    @property
    def out(self) -> Path:
        """The release folder being written (its files are named by ``layout``)."""
        return self.layout.root

    @property
    def reading_store(self) -> ox.Store:
        """The store to read the release's data from: the loaded sources' in-memory store when the build
        has it (the same quads as ``store``, and ``dataset.nq`` was written from it; Oxigraph answers the
        list and catalogue queries about twice as fast from memory as from the on-disk store), else ``store``."""
        return self.sources.store if self.sources is not None else self.store


ArtifactStep = Callable[[BuildContext], None]

# Each module that adds files to a release registers its step here, in the order they run. Every release
# has its dataset, store and changes.json before the first step; the feed reads the catalogue's state.
ARTIFACT_STEPS: list[ArtifactStep] = [write_dumps, catalog_step, feed_step, check_legal_texts]


VALIDATION_CACHE = "validation-cache"  # under the builds folder: results of unchanged parts (incremental)


class Progress:
    """One line per step on stderr with its elapsed time, for steps that take a second or more (and always
    the validation's scope: all, or which parts an edit affected). On a terminal, or with ``Config.progress``
    (PUBLISHER_PROGRESS=1); scripts that read the build's output line by line see only what they saw before."""

    def __init__(self, enabled: bool | None = None, *, forced: bool = False) -> None:
        if enabled is None:
            enabled = sys.stderr.isatty() or forced
        self.enabled, self.started = enabled, time.perf_counter()
        self.last = self.started

    def step(self, name: str, detail: str = "", always: bool = False) -> None:
        now = time.perf_counter()
        if self.enabled and (always or now - self.last >= 1.0):
            text = f"[{now - self.started:6.1f}s] {name} ({now - self.last:.1f}s)" + (f": {detail}" if detail else "")
            print(text, file=sys.stderr, flush=True)
        self.last = now


def load_store(config: Config, progress: Progress | None = None) -> Sources:
    """Load every source (Oxigraph parses) and add the derived triples as their own graph of
    ``sources.store``; raises SourceError."""
    progress = progress or Progress(False)
    sources = load_sources(config)
    progress.step("load", f"{len(sources.store)} quads from {len(sources.files)} files")
    ns = ProjectNamespaces(config.base_iri)
    derived = ox.NamedNode(str(ns.graph["derived"]))
    sources.store.extend(ox.Quad(t.subject, t.predicate, t.object, derived)
                         for t in derive_store(sources.store, ns))
    progress.step("derive")
    return sources


def names_graph(config: Config, sources: Sources) -> Graph:
    """An empty graph with the prefixes findings are written with (the files' own, then the project's)."""
    g = Graph()
    for prefix, iri in sources.prefixes().items():
        g.bind(prefix, iri, override=False)
    for prefix, iri in ProjectNamespaces(config.base_iri).prefixes().items():
        g.bind(prefix, iri, override=True, replace=True)
    return g


def load_and_derive(config: Config) -> tuple[Sources, Dataset, Graph]:
    """Load and derive, as rdflib objects (for small callers such as the table import); raises SourceError."""
    sources = load_store(config)
    dataset = Dataset()
    union = Graph()
    for prefix, iri in names_graph(config, sources).namespaces():
        union.bind(prefix, iri, override=True, replace=True)
    from publisher.build.sources import TermConverter

    convert = TermConverter()
    for q in sources.store:
        triple = (convert(q.subject), convert(q.predicate), convert(q.object))
        dataset.graph(URIRef(q.graph_name.value)).add(triple)
        union.add(triple)
    return sources, dataset, union


def load_and_validate(config: Config, progress: Progress | None = None) -> tuple[Sources, ox.Store, Graph, Report]:
    """Load, derive and validate the whole (in parts, incrementally when a build folder holds the
    results of the last build); returns the sources, their store, the prefixes and the report."""
    progress = progress or Progress(False)
    sources = load_store(config, progress)
    shapes_digest = hashlib.sha256()
    for path in sorted(Path(config.shapes_dir).glob("*.ttl")):
        shapes_digest.update(path.name.encode() + b"\0" + path.read_bytes())
    names = names_graph(config, sources)
    cache = config.builds / VALIDATION_CACHE
    report, summary = validate_store(sources.store, shapes_graph(config), sources, names,
                                     shapes_digest=shapes_digest.hexdigest() + config.base_iri, cache_dir=cache)
    progress.step("validate", summary.to_text(), always=True)
    return sources, sources.store, names, report


@contextlib.contextmanager
def build_lock(builds: Path) -> Iterator[None]:
    """Hold the builds folder's lock for a whole build or rollback, then clear killed builds' debris.

    The lock is an ``fcntl.flock`` on ``build.lock``: the kernel releases it when its holder dies, so a
    killed build never leaves it taken, and debris is only removed while no other build can be writing it.
    """
    builds.mkdir(parents=True, exist_ok=True)
    fd = os.open(builds / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildBusy(f"Ein anderer Build läuft gerade in {builds}; bitte später erneut versuchen. / "
                            f"Another build is running in {builds}; try again later.") from None
        remove_debris(builds)
        yield
    finally:
        os.close(fd)


def remove_debris(builds: Path) -> list[str]:
    """Remove ``.tmp-*`` folders and ``.current-*`` links of builds that were killed (call under the lock)."""
    removed = []
    for path in sorted(builds.iterdir()):
        if not path.name.startswith((TMP_PREFIX, CURRENT_TMP_PREFIX)):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed.append(path.name)
    if removed:
        log.info("removed debris of killed builds: %s", ", ".join(removed))
    return removed


def build(config: Config, steps: list[ArtifactStep] | None = None, now: datetime | None = None) -> Release:
    """Build and publish a new release; raises SourceError or BuildRefused and then publishes nothing.

    When the content equals the current release's, nothing is published and the current release is
    returned (its id is then the one that was served before).
    """
    with build_lock(config.builds):
        progress = Progress(forced=config.progress)
        sources, store, _, report = load_and_validate(config, progress)
        if not report.conforms:
            raise BuildRefused(report)
        release = _publish(config, store, sources=sources, steps=steps, now=now, progress=progress)
        if report.parts is not None:
            save_cache(config.builds / VALIDATION_CACHE, report.parts)
        return release


def publish(
    config: Config,
    dataset: Dataset | None = None,
    graph: Graph | None = None,
    *,
    sources: Sources | None = None,
    steps: list[ArtifactStep] | None = None,
    now: datetime | None = None,
) -> Release:
    """Write a release from already validated data and switch ``current`` to it: ``sources`` (whose
    store holds the derived graph too, as ``load_and_derive`` leaves it) or else an rdflib ``dataset``."""
    if sources is not None:
        store = sources.store
    else:
        store = ox.Store()
        store.load(dataset.serialize(format="nquads").encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    with build_lock(config.builds):
        return _publish(config, store, sources=sources, steps=steps, now=now, progress=Progress(False))


def _publish(config: Config, data: ox.Store, *, sources: Sources | None,
             steps: list[ArtifactStep] | None, now: datetime | None, progress: Progress) -> Release:
    now = now or datetime.now(UTC)
    builds = config.builds
    steps = ARTIFACT_STEPS if steps is None else steps
    releases_dir(builds).mkdir(parents=True, exist_ok=True)
    nquads = _nquads(data)
    content_hash = _content_hash(nquads)
    fingerprint = _fingerprint(config, content_hash, steps)
    progress.step("hash", f"{len(nquads)} quads")
    previous = current_release(builds)
    if previous is not None and previous.manifest.get("fingerprint") == fingerprint and not previous.verify():
        log.info("content equals release %s; nothing published", previous.id)
        return previous
    build_id = _new_id(builds, now)
    tmp = builds / f"{TMP_PREFIX}{build_id}"
    tmp.mkdir()
    try:
        layout = Layout(tmp)
        with open(layout.dataset, "wb") as f:
            for block in line_blocks(nquads):
                f.write(block)
        quads = len(nquads)
        del nquads
        store = ox.Store(str(layout.store))
        store.bulk_load(path=str(layout.dataset), format=ox.RdfFormat.N_QUADS)
        progress.step("store")
        manifest = _manifest(config, build_id, now, quads, store, sources)
        manifest["content_hash"], manifest["fingerprint"] = content_hash, fingerprint
        manifest["previous"] = previous.id if previous is not None else None
        ctx = BuildContext(config, ProjectNamespaces(config.base_iri), None, None, store,
                           layout, manifest, previous, sources)
        with _without_cycle_collector():
            # Every release's change list comes before the artifact steps, so that they may read it (the feed).
            manifest["changes"] = write_changes(layout, build_id, previous, config.base_iri)["summary"]
            progress.step("changes")
            for step in steps:
                step(ctx)
                progress.step(getattr(step, "__name__", "step"))
        store.flush()
        del store, ctx
        gc.collect()  # close the store before its files are hashed
        # Last: the manifest vouches for every file written above.
        manifest["files"] = file_entries(layout)
        progress.step("manifest")
        with open(layout.manifest, "w", encoding="utf-8") as f:
            f.write(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        final = releases_dir(builds) / build_id
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    switch_current(builds, final)
    prune(builds, config.keep_releases)
    return Release.open(final)


@contextlib.contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """Run the artifact steps without Python's cycle collector: they make millions of small acyclic objects
    (node dicts, lists, tuples), and the collector's passes over everything alive were half the time of
    the list documents at 100k triples (issue 14). Reference counting still frees them; one collection
    follows."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


def rollback(config: Config, release_id: str | None = None) -> tuple[Release, str | None]:
    """Serve an earlier kept release again: the one before the current (by id), or ``release_id``.

    The same one-``rename`` switch as a build; returns the release now served and the id served before.
    """
    builds = config.builds
    with build_lock(builds):
        link = current_link(builds)
        served = link.resolve().name if link.exists() else None
        complete = complete_releases(builds)
        if release_id is None:
            older = complete[:complete.index(served)] if served in complete else complete
            if not older:
                raise RollbackError("Es gibt keine frühere vollständige Veröffentlichung. / "
                                    "There is no earlier complete release.")
            release_id = older[-1]
        elif release_id not in release_ids(builds):
            known = ", ".join(complete) or "-"
            raise RollbackError(f"Unbekannte Veröffentlichung {release_id}; vorhanden: {known}. / "
                                f"Unknown release {release_id}; kept: {known}.")
        target = releases_dir(builds) / release_id
        try:
            release = Release.open_verified(target)
        except IncompleteRelease as exc:
            raise RollbackError(f"Veröffentlichung unvollständig oder beschädigt: {exc} / "
                                f"Release incomplete or damaged: {exc}") from None
        switch_current(builds, target)
    return release, served


def _new_id(builds: Path, now: datetime) -> str:
    """A release id whose time is after every kept release's, so that ids order releases totally."""
    stamp = now.astimezone(UTC).replace(microsecond=0)
    ids = release_ids(builds)
    latest = id_time(ids[-1]) if ids else None
    if latest is not None and stamp <= latest:
        stamp = latest + timedelta(seconds=1)
    return stamp.strftime(ID_TIME_FORMAT) + "-" + uuid.uuid4().hex[:6]


def _nquads(store: ox.Store) -> list[bytes]:
    """Sorted N-Quads lines (written by Oxigraph), so that the same data always gives the same bytes and hash.

    Bytes, not text: a million lines as ``str`` cost more (and a decoded dump with one non-ASCII character
    is two or four bytes a character) and sort in the same order (UTF-8 keeps code point order).
    """
    data = store.dump(format=ox.RdfFormat.N_QUADS)
    lines = set(data.splitlines())
    del data
    return sorted(line for line in lines if line.strip())


def _content_hash(nquads: list[bytes]) -> str:
    # Blank-node labels differ between parses; masking them keeps the hash a function of content. Masking
    # changes a line's sort position, so with any blank node every line is sorted again.
    digest = hashlib.sha256()
    if any(b"_:" in line for line in nquads):
        lines = sorted(_mask_blank_nodes(line) if b"_:" in line else line for line in nquads)
    else:
        lines = nquads
    for block in line_blocks(lines):
        digest.update(block)
    return "sha256:" + digest.hexdigest()


def _fingerprint(config: Config, content_hash: str, steps: list[ArtifactStep]) -> str:
    """What a release is made of: the content, the tool, the artifact steps and the settings they read.

    Server-only settings (host, port, processes, query limits) do not change a release's files.
    """
    settings = {k: v for k, v in sorted(config.to_environment().items())
                if k in ("PUBLISHER_BASE_IRI",) or k.startswith("PUBLISHER_CATALOG_")}
    parts = {"content": content_hash, "tool": __version__, "settings": settings,
             "steps": [f"{s.__module__}.{s.__qualname__}" for s in steps]}
    return "sha256:" + hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _manifest(config: Config, build_id: str, now: datetime, quads: int, store: ox.Store,
              sources: Sources | None) -> dict:
    classes = {
        str(row["c"].value): int(row["n"].value)
        for row in store.query(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c",
            use_default_graph_as_union=True,
        )
    }
    graphs = {}
    for row in store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"):
        graphs[str(row["g"].value)] = int(row["n"].value)
    triples = int(next(iter(store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
        use_default_graph_as_union=True)))["n"].value)
    return {
        "build_id": build_id,
        "built_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "base_iri": config.base_iri,
        "tool": {"name": "dortmund-ib-publisher", "version": __version__},
        "triples": triples,
        "quads": quads,
        "graphs": graphs,
        "classes": classes,
        "sources": [s.relpath for s in sources] if sources else [],
    }


def _mask_blank_nodes(line: bytes) -> bytes:
    return b" ".join(b"_:b" if token.startswith(b"_:") else token for token in line.split(b" "))


def switch_current(builds: Path, release: Path) -> None:
    """Point ``build/current`` at ``release`` in one ``rename``, after checking the release is complete."""
    problems = verify(release)
    if problems:
        raise IncompleteRelease(f"{release.name}: {'; '.join(problems[:3])}")
    link_tmp = builds / f"{CURRENT_TMP_PREFIX}{release.name}"
    with contextlib.suppress(FileNotFoundError):
        link_tmp.unlink()
    os.symlink(release.relative_to(builds), link_tmp)
    os.replace(link_tmp, current_link(builds))


def prune(builds: Path, keep: int) -> list[str]:
    """Keep the newest ``keep`` complete releases (by the time in their id) and the current one.

    Incomplete releases (a missing or mismatched file, no manifest) are never kept. A release is first
    renamed out of ``releases/`` (one step) and only then deleted, so that a kill half way leaves debris
    for the next build to remove, never a half-deleted folder that looks like a release.
    """
    link = current_link(builds)
    served = link.resolve().name if link.exists() else None
    kept = set(complete_releases(builds)[-max(keep, 1):]) | ({served} if served else set())
    removed = []
    for path in sorted(releases_dir(builds).iterdir()):
        if path.name in kept:
            continue
        doomed = builds / f"{TMP_PREFIX}pruned-{path.name}-{uuid.uuid4().hex[:6]}"
        os.rename(path, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        removed.append(path.name)
    return removed
