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

from publisher.core import formats
from publisher.core.describe import sort_key
from publisher.core.jsonld import Context, flat_document, list_document
from publisher.core.listing import KINDS, read_listing, to_csv
from publisher.core.union import UnionView
from publisher.core.urls import DUMPS, gzip_dump_name

if TYPE_CHECKING:  # the pipeline imports this module to register the step
    from publisher.build.pipeline import BuildContext

ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
PARTNERS_CSV = "partners.csv"


def write_dumps(ctx: BuildContext) -> None:
    """Artifact step: dumps, their index and the pre-rendered lists (runs before the catalogue)."""
    store = UnionView(ctx.store)
    jsonld_ctx = Context(ctx.config.base_iri)
    ib = str(ctx.ns.ib)
    layout = ctx.layout
    layout.dumps.mkdir()
    layout.lists.mkdir()
    triples = sorted(store.query(ALL_TRIPLES), key=sort_key)
    prefixes = ctx.ns.prefixes()
    for fmt in formats.DUMP_FORMATS:
        if fmt is formats.JSONLD:  # the project's own writer, with the published context
            data = _json_bytes(flat_document(jsonld_ctx, triples))
        else:
            data = ox.serialize(triples, format=getattr(ox.RdfFormat, fmt.oxigraph),
                                prefixes=prefixes if fmt is formats.TURTLE else None)
        _gzip(layout.dumps / gzip_dump_name(fmt), data)
    del triples
    for kind in KINDS:
        listing = read_listing(store, kind, ib)
        csv_text = to_csv(listing, ib)
        layout.list_file(kind, formats.CSV.extension).write_text(csv_text, encoding="utf-8", newline="")
        layout.list_file(kind, formats.JSONLD.extension).write_bytes(
            _json_bytes(list_document(jsonld_ctx, listing.roots, listing.triples)))
        if kind == "partners":
            (layout.dumps / PARTNERS_CSV).write_text(csv_text, encoding="utf-8", newline="")
    entries = [_entry(layout.dumps / gzip_dump_name(fmt), fmt, ctx.manifest["triples"])
               for fmt in formats.DUMP_FORMATS]
    entries.append(_entry(layout.dumps / PARTNERS_CSV, formats.CSV, None))
    index = {"files": entries}
    layout.dumps_index.write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    ctx.manifest["dumps"] = [f["file"] for f in index["files"]]


def _entry(path: Path, fmt: formats.Format, triples: int | None) -> dict:
    data = path.read_bytes()
    gz = path.suffix == ".gz"
    entry = {
        "file": path.name,
        "path": f"/{DUMPS}/{path.name}",
        "media_type": fmt.media_type,
        "compress_format": formats.GZIP.media_type if gz else None,
        "content_type": formats.GZIP.content_type if gz else fmt.content_type,
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
    # Compact: with ``indent`` the json module falls back to its pure-Python encoder (11 s of 35 s of this
    # step at 100k triples); these are downloads, not pages to read.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
