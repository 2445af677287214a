"""The build step that writes everything downloadable: whole-dataset dumps and the lists.

A release never changes, so these files are written once, here, and served as they are:

- ``dumps/dataset.ttl.gz``, ``dumps/dataset.nt.gz``, ``dumps/dataset.jsonld.gz``: every triple of the
  release (the union of its named graphs), gzip-compressed. They are served as ``application/gzip``
  downloads (what data portals and browsers expect of a ``.gz`` link); ``index.json`` names the RDF
  format inside.
- ``dumps/partners.csv``: one row per partner (id, name, type, url, goals, dimensions).
- ``dumps/index.json``: file name, URL path, media type, compression, byte size and SHA-256 of each
  dump, so that the catalogue step describes them without reading them again.
- ``lists/{partners,events,alignments}.{jsonld,csv}``: the list endpoints, pre-rendered.

Outputs are sorted and gzip headers carry no time stamp, so the same data gives the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from publisher.describe import sort_key
from publisher.jsonld import Context, flat_document, list_document
from publisher.listing import KINDS, read_listing, to_csv
from publisher.store.embedded import UnionView

if TYPE_CHECKING:  # build.py imports this module to register the step
    from publisher.build import BuildContext

DUMPS = "dumps"
LISTS = "lists"
ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"

# file name → (media type of the content, RDF format to write or None)
DUMP_FILES: dict[str, tuple[str, ox.RdfFormat | None]] = {
    "dataset.ttl.gz": ("text/turtle", ox.RdfFormat.TURTLE),
    "dataset.nt.gz": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "dataset.jsonld.gz": ("application/ld+json", None),
    "partners.csv": ("text/csv", None),
}


def write_dumps(ctx: BuildContext) -> None:
    """Artifact step: dumps, their index and the pre-rendered lists (runs before the catalogue)."""
    store = UnionView(ctx.store)
    jsonld_ctx = Context(ctx.config.base_iri)
    ib = str(ctx.ns.ib)
    dumps, lists = ctx.out / DUMPS, ctx.out / LISTS
    dumps.mkdir()
    lists.mkdir()
    triples = sorted(store.query(ALL_TRIPLES), key=sort_key)
    prefixes = ctx.ns.prefixes()
    _gzip(dumps / "dataset.ttl.gz", ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
    _gzip(dumps / "dataset.nt.gz", ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    _gzip(dumps / "dataset.jsonld.gz", _json_bytes(flat_document(jsonld_ctx, triples)))
    del triples
    for kind in KINDS:
        listing = read_listing(store, kind, ib)
        csv_text = to_csv(listing, ib)
        (lists / f"{kind}.csv").write_text(csv_text, encoding="utf-8", newline="")
        (lists / f"{kind}.jsonld").write_bytes(_json_bytes(list_document(jsonld_ctx, listing.roots, listing.triples)))
        if kind == "partners":
            (dumps / "partners.csv").write_text(csv_text, encoding="utf-8", newline="")
    index = {"files": [_entry(dumps / name, media, ctx.manifest["triples"] if rdf or name.endswith("jsonld.gz")
                              else None) for name, (media, rdf) in DUMP_FILES.items()]}
    (dumps / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    ctx.manifest["dumps"] = [f["file"] for f in index["files"]]


def _entry(path: Path, media_type: str, triples: int | None) -> dict:
    data = path.read_bytes()
    gz = path.suffix == ".gz"
    entry = {
        "file": path.name,
        "path": f"/{DUMPS}/{path.name}",
        "media_type": media_type,
        "compress_format": "application/gzip" if gz else None,
        "content_type": "application/gzip" if gz else f"{media_type}; charset=utf-8",
        "byte_size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if triples is not None:
        entry["triples"] = triples
    return entry


def _gzip(path: Path, data: bytes) -> None:
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        out.write(data)


def _json_bytes(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def read_index(release_path: Path) -> dict:
    """The dumps' index of a release (what ``write_dumps`` wrote)."""
    return json.loads((release_path / DUMPS / "index.json").read_text(encoding="utf-8"))
