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

import bisect
import contextlib
import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from publisher.core import formats
from publisher.core.jsonld import Context, flat_nodes, list_document
from publisher.core.listing import KINDS, read_listing, to_csv
from publisher.core.union import UnionView
from publisher.core.urls import DUMPS, gzip_dump_name

if TYPE_CHECKING:  # the pipeline imports this module to register the step
    from publisher.build.pipeline import BuildContext

ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
PARTNERS_CSV = "partners.csv"
PARSE_BLOCK = 50_000  # N-Triples lines handed to the parser at once (bounded memory, few calls)


def write_dumps(ctx: BuildContext) -> None:
    """Artifact step: dumps, their index and the pre-rendered lists (runs before the catalogue)."""
    store = UnionView(ctx.reading_store)
    jsonld_ctx = Context(ctx.config.base_iri)
    ib = str(ctx.ns.ib)
    layout = ctx.layout
    layout.dumps.mkdir()
    layout.lists.mkdir()
    write_dataset_dumps(store, layout.dumps, jsonld_ctx, ctx.ns.prefixes())
    for kind in KINDS:
        listing = read_listing(store, kind, ib)
        csv_text = to_csv(listing, ib)
        layout.list_file(kind, formats.CSV.extension).write_text(csv_text, encoding="utf-8", newline="")
        layout.list_file(kind, formats.JSONLD.extension).write_bytes(
            _json_bytes(list_document(jsonld_ctx, listing.roots, listing.triples)))
        if kind == "partners":
            (layout.dumps / PARTNERS_CSV).write_text(csv_text, encoding="utf-8", newline="")
        del listing
    entries = [_entry(layout.dumps / gzip_dump_name(fmt), fmt, ctx.manifest["triples"])
               for fmt in formats.DUMP_FORMATS]
    entries.append(_entry(layout.dumps / PARTNERS_CSV, formats.CSV, None))
    index = {"files": entries}
    layout.dumps_index.write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    ctx.manifest["dumps"] = [f["file"] for f in index["files"]]


def write_dataset_dumps(store: UnionView, folder: Path, jsonld_ctx: Context, prefixes: dict[str, str]) -> None:
    """The whole-dataset dumps, streamed: Oxigraph writes the distinct triples as N-Triples (in Rust), the
    lines are sorted as bytes (the dumps' stable order), and each format is written from those lines
    one triple at a time, so no list of every triple as Python objects is ever held (issue 14: that
    and ``sort_key`` over every triple were most of this step)."""
    lines = sorted(line for line in store.query(ALL_TRIPLES).serialize(format=ox.RdfFormat.N_TRIPLES)
                   .splitlines() if line)
    # Blank-node subjects ("_:") sort after IRIs ("<"): the JSON-LD writer needs them before the nodes
    # that embed them.
    first_blank = bisect.bisect_left(lines, b"_:")
    for fmt in formats.DUMP_FORMATS:
        with _gzip_writer(folder / gzip_dump_name(fmt)) as out:
            if fmt is formats.NTRIPLES:
                for block in line_blocks(lines):
                    out.write(block)
            elif fmt is formats.JSONLD:  # the project's own writer, with the published context
                blank = _parse(lines[first_blank:])
                # The bytes of json.dumps of the whole document, written a node at a time.
                out.write(b'{"@context":' + _json_bytes(jsonld_ctx.url) + b',"@graph":[')
                chunk: list[bytes] = []
                for node in flat_nodes(jsonld_ctx, _parse(lines[:first_blank]), blank):
                    chunk.append(_json_bytes(node))
                    if len(chunk) >= PARSE_BLOCK // 10:
                        out.write(b",".join(chunk) + b",")
                        chunk = []
                if chunk:
                    out.write(b",".join(chunk))
                out.write(b"]}")
            else:
                ox.serialize(_parse(lines), out, format=getattr(ox.RdfFormat, fmt.oxigraph),
                             prefixes=prefixes if fmt is formats.TURTLE else None)


def _parse(lines: list[bytes]) -> Iterator[ox.Triple]:
    """The triples of sorted N-Triples lines, in their order, parsed by Oxigraph a block at a time."""
    for block in line_blocks(lines):
        for quad in ox.parse(block, format=ox.RdfFormat.N_TRIPLES):
            yield quad.triple


def line_blocks(lines: list[bytes], size: int = PARSE_BLOCK) -> Iterator[bytes]:
    """``lines`` as newline-terminated text, ``size`` lines at a time: few writes, bounded memory."""
    for start in range(0, len(lines), size):
        yield b"\n".join(lines[start:start + size]) + b"\n"


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


@contextlib.contextmanager
def _gzip_writer(path: Path) -> Iterator[gzip.GzipFile]:
    """A gzip stream without a time stamp in its header (the same data gives the same bytes)."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        yield out


def _json_bytes(document: object) -> bytes:
    # Compact: with ``indent`` the json module falls back to its pure-Python encoder (11 s of 35 s of this
    # step at 100k triples); these are downloads, not pages to read.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
