"""The build step that writes the catalogue into a release, after validating it with the project's shapes.

It runs last among the artifact steps, because it describes the files the others wrote: the dumps of
the Linked Data routes (``dumps/``; byte size and sha256 come from ``dumps/index.json``, which the dumps
step writes from the files it has just written, so the catalogue cannot disagree with what is served).
A catalogue that violates ``shapes/catalog/`` stops
the build with ``BuildRefused``: nothing is published and the previous release stays in place.

Files written below ``catalog/`` in the release:
``catalog.nt`` (the whole catalogue graph, sorted), ``parts/<slug>.ttl`` (one file per part dataset),
``shapes.ttl`` (the data shapes the datasets conform to) and ``state.json`` (dates, see ``dates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph

from publisher.build.catalog import dates as dating
from publisher.build.catalog.datasets import FileFacts, load_specs, temporal_coverage, write_part
from publisher.build.catalog.graph import CatalogIris, DatasetEntry, Distribution, build_graph
from publisher.build.dumps import PARTNERS_CSV as PARTNERS_CSV_FILE
from publisher.build.sources import load_graph
from publisher.build.validation import BuildRefused, Report, shapes_graph, validate
from publisher.core import formats
from publisher.core.config import Config
from publisher.core.release import Layout, read_dumps_index
from publisher.core.urls import DUMPS as DUMPS_PATH
from publisher.core.urls import gzip_dump_name

if TYPE_CHECKING:  # build.py imports this module to register the step
    from publisher.build.pipeline import BuildContext

@dataclass(frozen=True)
class DumpFile:
    """A file of ``dumps/`` that the catalogue lists as a distribution, with its titles and EU file type."""

    file: str
    name: str  # last segment of the distribution IRI
    file_type: str  # key of vocab.FILE_TYPES
    title_de: str
    title_en: str
    description_de: str
    description_en: str


_WHOLE_DE = "Alle Daten des Netzwerks in einer Datei"
_WHOLE_EN = "All data of the network in one file"
# The release dumps (publisher/dumps.py writes them to dumps/; they are served at /dumps/<file>).
DUMPS = (
    DumpFile(gzip_dump_name(formats.TURTLE), "turtle", "RDF_TURTLE", "Gesamtabzug (Turtle, gzip)",
             "Full dump (Turtle, gzip)", f"{_WHOLE_DE}, als gzip-komprimiertes Turtle.",
             f"{_WHOLE_EN}, as gzip-compressed Turtle."),
    DumpFile(gzip_dump_name(formats.NTRIPLES), "ntriples", "RDF_N_TRIPLES",
             "Gesamtabzug (N-Triples, gzip)", "Full dump (N-Triples, gzip)",
             f"{_WHOLE_DE}, als gzip-komprimierte N-Triples (eine Aussage je Zeile).",
             f"{_WHOLE_EN}, as gzip-compressed N-Triples (one statement per line)."),
    DumpFile(gzip_dump_name(formats.JSONLD), "jsonld", "JSON_LD", "Gesamtabzug (JSON-LD, gzip)",
             "Full dump (JSON-LD, gzip)", f"{_WHOLE_DE}, als gzip-komprimiertes JSON-LD.",
             f"{_WHOLE_EN}, as gzip-compressed JSON-LD."),
)
PARTNERS_CSV = DumpFile(
    PARTNERS_CSV_FILE, "csv", "CSV", "Partnerorganisationen (CSV-Tabelle)",
    "Partner organisations (CSV table)",
    "Eine Zeile je Partnerorganisation: Kennung, Name, Art, Website, SDGs und Dimensionen des Nachhaltigkeitsvierecks.",
    "One row per partner organisation: identifier, name, kind, website, SDGs and sustainability quadrangle dimensions.",
)


def catalog_step(ctx: BuildContext) -> None:
    config = ctx.config
    iris = CatalogIris(config)
    layout = ctx.layout
    temporal = temporal_coverage(ctx.reading_store, config)
    network, *parts = load_specs(config)  # the texts come from data/katalog.toml

    distributions: dict[str, list[Distribution]] = {network.slug: _dumps(layout, config, DUMPS)}
    fingerprints = {network.slug: ctx.manifest["content_hash"]}
    for spec in parts:
        facts = write_part(ctx.reading_store, config, spec, layout.catalog_part(spec.slug))
        fingerprints[spec.slug] = "sha256:" + facts.sha256
        distributions[spec.slug] = [Distribution(
            "turtle", f"{spec.title_de} (Turtle)", f"{spec.title_en} (Turtle)",
            "Alle Aussagen über die Ressourcen dieses Teildatensatzes, als Turtle.",
            "All statements about the resources of this part, as Turtle.",
            iris.part_download(spec.slug), "RDF_TURTLE", formats.TURTLE.media_type, False, facts)]
    distributions["partners"] += _dumps(layout, config, (PARTNERS_CSV,))

    built_at = datetime.fromisoformat(ctx.manifest["built_at"].replace("Z", "+00:00"))  # no Release yet
    previous = dating.previous_state(ctx.previous.layout if ctx.previous else None)
    dates = dating.carry_over(fingerprints, previous, built_at)
    entries = [
        DatasetEntry(spec, tuple(distributions[spec.slug]), temporal if spec.temporal else None, dates[spec.slug])
        for spec in (network, *parts)
    ]
    graph = build_graph(config, entries)

    report = check(graph, config)
    if not report.conforms:
        raise BuildRefused(report)

    write_graph(graph, layout.catalog_graph)
    layout.catalog_shapes.write_bytes(shapes_graph(config).serialize(format="turtle", encoding="utf-8"))
    dating.write_state(layout, dates)
    ctx.manifest["catalog"] = {"datasets": len(entries), "triples": len(graph),
                               "modified": max(e.dates.modified for e in entries)}


def check(graph: Graph, config: Config) -> Report:
    """Validate a catalogue graph with the project's own shapes (``shapes/catalog/*.ttl`` and those of its
    profile, ``shapes/catalog/profiles/<catalog_profile>.ttl``)."""
    folder = config.shapes_dir / "catalog"
    shapes = load_graph([*sorted(folder.glob("*.ttl")), folder / "profiles" / f"{config.catalog_profile}.ttl"],
                        config)
    return validate(graph, shapes)


def write_graph(graph: Graph, path: Path) -> None:
    """Sorted N-Triples: the same catalogue always gives the same bytes."""
    lines = sorted({line for line in graph.serialize(format="nt").splitlines() if line.strip()})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _dumps(layout: Layout, config: Config, table: tuple[DumpFile, ...]) -> list[Distribution]:
    """Distributions for the dumps: media type, compression, byte size and sha256 as ``dumps/index.json``
    records them (the dumps step runs first and writes it from the files it wrote)."""
    index = {e["file"]: e for e in read_dumps_index(layout)["files"]}
    found = []
    for d in table:
        entry = index.get(d.file)
        if entry is None:
            raise RuntimeError(f"dumps/index.json lists no {d.file}: the dumps step must run before the catalogue")
        facts = FileFacts(layout.dumps / d.file, entry["byte_size"], entry["sha256"])
        found.append(Distribution(d.name, d.title_de, d.title_en, d.description_de, d.description_en,
                                  config.iri(f"{DUMPS_PATH}/{d.file}"), d.file_type, entry["media_type"],
                                  bool(entry.get("compress_format")), facts))
    return found
