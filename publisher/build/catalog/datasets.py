"""Which datasets the catalogue lists, and the per-part Turtle files the build writes for them.

The data is one tightly linked graph: alignments point at partners, partners attend events. Portals,
however, list and search datasets, and a person looking for "the partners of Dortmund's international
office" should find that, not only "a graph". So the catalogue has one dataset for the whole graph
(``network``, distributed as the release dumps and served by the SPARQL endpoint) and three datasets
for its parts (``partners``, ``events``, ``sdg-alignments``), each ``dcterms:isPartOf`` the whole and
each with a Turtle file of its own resources, so every dataset a portal shows has something real to
download. Each part file is cut from the release's store by IRI prefix (every resource of one kind
lives below one path, see the README's URI scheme) and serialised sorted, so that the same data
always gives the same bytes and the same checksum.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal

from publisher.build.sources import SourceError
from publisher.core.config import Config
from publisher.core.namespaces import SCHEMA, ProjectNamespaces

#: The file (below the data folder) with the catalogue's texts, which the office edits itself.
CATALOG_TEXTS_FILE = "katalog.toml"
_TEXT_KEYS = ("title_de", "title_en", "description_de", "description_en")


@dataclass(frozen=True)
class Structure:
    """What code decides about a dataset (its slug, EU themes, which resources it holds)."""

    slug: str
    themes: tuple[str, ...]  # codes of the EU data-theme table (vocab.THEMES)
    prefixes: tuple[str, ...]  # paths below the base IRI whose resources make up the part; () = everything
    temporal: bool  # whether the events' dates are this dataset's temporal coverage


@dataclass(frozen=True)
class DatasetSpec:
    """One catalogue dataset: its structure from code, its texts from ``data/katalog.toml``."""

    slug: str
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    keywords: tuple[tuple[str, str], ...]  # (German, English)
    themes: tuple[str, ...]
    prefixes: tuple[str, ...]
    temporal: bool

    @property
    def is_part(self) -> bool:
        return bool(self.prefixes)

    def keyword_literals(self) -> list[Literal]:
        return [Literal(text, lang=lang) for de, en in self.keywords for lang, text in (("de", de), ("en", en))]


#: The whole graph first, then its parts; the texts of each live in data/katalog.toml under its slug.
STRUCTURE = (
    Structure("network", ("INTR", "GOVE", "SOCI"), (), True),
    Structure("partners", ("SOCI", "INTR"), ("id/organization/", "id/project/"), False),
    Structure("events", ("SOCI", "EDUC"), ("id/event/",), True),
    Structure("sdg-alignments", ("ENVI", "SOCI"), ("id/alignment/",), False),
)


def load_specs(config: Config) -> tuple[DatasetSpec, ...]:
    """The datasets (the whole graph first) with their texts from ``data/katalog.toml``.

    The texts are the office's to change, so they live in data/, not in code; any mistake in the file
    raises a ``SourceError`` naming the file, the section and the key (German, then English).
    """
    path = config.data_dir / CATALOG_TEXTS_FILE
    rel = f"{config.data_dir.name}/{CATALOG_TEXTS_FILE}"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(rel, "Datei fehlt / file missing (the catalogue's titles and descriptions)") from None
    except UnicodeDecodeError:
        raise SourceError(rel, "bitte als UTF-8 speichern / please save as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_of_toml_error(str(exc))
        raise SourceError(rel, f"Schreibfehler / syntax error: {exc}", line) from None
    specs = []
    for s in STRUCTURE:
        section = raw.get(s.slug)
        if not isinstance(section, dict):
            raise SourceError(rel, f"Abschnitt [{s.slug}] fehlt / section [{s.slug}] missing")
        texts = {}
        for key in _TEXT_KEYS:
            value = section.get(key)
            if not isinstance(value, str) or not value.strip():
                raise SourceError(rel, f"Abschnitt [{s.slug}]: „{key}“ fehlt oder ist leer / "
                                       f"section [{s.slug}]: “{key}” is missing or empty")
            texts[key] = " ".join(value.split())
        keywords = section.get("keywords")
        if (not isinstance(keywords, list) or not keywords
                or not all(isinstance(k, list) and len(k) == 2 and all(isinstance(t, str) and t.strip() for t in k)
                           for k in keywords)):
            raise SourceError(rel, f"Abschnitt [{s.slug}]: „keywords“ muss eine Liste von Paaren "
                                   f"[\"deutsch\", \"english\"] sein / section [{s.slug}]: “keywords” must be a "
                                   f"list of [\"German\", \"English\"] pairs")
        specs.append(DatasetSpec(s.slug, **texts, keywords=tuple((de.strip(), en.strip()) for de, en in keywords),
                                 themes=s.themes, prefixes=s.prefixes, temporal=s.temporal))
    return tuple(specs)


def _line_of_toml_error(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class FileFacts:
    """What a distribution says about a file: where it is, how big, its checksum."""

    path: Path
    byte_size: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileFacts:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return cls(path, path.stat().st_size, digest.hexdigest())


def write_part(store: ox.Store, config: Config, spec: DatasetSpec, path: Path) -> FileFacts:
    """Write the Turtle file of one part: every triple whose subject lives below one of its prefixes."""
    filters = " || ".join(f"STRSTARTS(STR(?s), {ox.Literal(config.iri(p))})" for p in spec.prefixes)
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER ({filters}) }}"
    triples = sorted(set(store.query(query, use_default_graph_as_union=True)), key=str)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefixes = ProjectNamespaces(config.base_iri).prefixes()
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
    return FileFacts.of(path)


def temporal_coverage(store: ox.Store, config: Config) -> tuple[str, str] | None:
    """First and last date of the events (schema:startDate / schema:endDate), or None without events."""
    query = f"""
        PREFIX schema: <{SCHEMA}>
        SELECT (MIN(?start) AS ?first) (MAX(?end) AS ?last) WHERE {{
          ?e schema:startDate ?start .
          OPTIONAL {{ ?e schema:endDate ?endDate }}
          BIND(COALESCE(?endDate, ?start) AS ?end)
          FILTER STRSTARTS(STR(?e), {ox.Literal(config.iri("id/event/"))})
        }}"""
    row = next(iter(store.query(query, use_default_graph_as_union=True)), None)
    if row is None or row["first"] is None:
        return None
    return row["first"].value, row["last"].value
