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
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal

from publisher.core.config import Config
from publisher.core.namespaces import SCHEMA, ProjectNamespaces


@dataclass(frozen=True)
class DatasetSpec:
    slug: str
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    keywords: tuple[tuple[str, str], ...]  # (German, English)
    themes: tuple[str, ...]  # codes of the EU data-theme table (vocab.THEMES)
    prefixes: tuple[str, ...]  # paths below the base IRI whose resources make up the part; () = everything
    temporal: bool  # whether the events' dates are this dataset's temporal coverage

    @property
    def is_part(self) -> bool:
        return bool(self.prefixes)

    def keyword_literals(self) -> list[Literal]:
        return [Literal(text, lang=lang) for de, en in self.keywords for lang, text in (("de", de), ("en", en))]


_COMMON_KEYWORDS = (("Internationale Beziehungen", "international relations"), ("Dortmund", "Dortmund"),
                    ("Nachhaltigkeit", "sustainability"))

NETWORK = DatasetSpec(
    "network",
    "Netzwerk des Büros für Internationale Beziehungen der Stadt Dortmund",
    "Network of the Office for International Relations of the City of Dortmund",
    "Das Büro für Internationale Beziehungen der Stadt Dortmund, seine Partnerorganisationen, die gemeinsamen "
    "Veranstaltungen (DORTBUNT.city 2023 mit dem Zeltdorf der Nachhaltigkeit & Europa findet Stadt) und die "
    "Zuordnung jeder Partnerorganisation zu den 17 UN-Nachhaltigkeitszielen (SDGs) und zum Dortmunder "
    "Nachhaltigkeitsviereck, als Linked Open Data.",
    "The Office for International Relations of the City of Dortmund, its partner organisations, the events "
    "they share (DORTBUNT.city 2023 with the Sustainability Tent Village & Europe Comes to Town) and how each "
    "partner is aligned to the 17 UN Sustainable Development Goals (SDGs) and the Dortmund sustainability "
    "quadrangle, as Linked Open Data.",
    _COMMON_KEYWORDS + (("Nachhaltigkeitsziele", "Sustainable Development Goals"), ("SDG", "SDG"),
                        ("Europa", "Europe"), ("Linked Open Data", "Linked Open Data")),
    ("INTR", "GOVE", "SOCI"),
    (),
    True,
)

PARTS = (
    DatasetSpec(
        "partners",
        "Partnerorganisationen des Büros für Internationale Beziehungen Dortmund",
        "Partner organisations of the Office for International Relations Dortmund",
        "Die Organisationen, Initiativen und Projekte, mit denen das Büro für Internationale Beziehungen der "
        "Stadt Dortmund zusammenarbeitet, mit Art, übergeordneter Organisation und den abgeleiteten "
        "SDG- und Nachhaltigkeitsviereck-Bezügen.",
        "The organisations, initiatives and projects the Office for International Relations of the City of "
        "Dortmund works with, with their kind, parent organisation and the derived SDG and sustainability "
        "quadrangle links.",
        _COMMON_KEYWORDS + (("Partnerorganisationen", "partner organisations"),
                            ("Zivilgesellschaft", "civil society")),
        ("SOCI", "INTR"),
        ("id/organization/", "id/project/"),
        False,
    ),
    DatasetSpec(
        "events",
        "Veranstaltungen des Büros für Internationale Beziehungen Dortmund",
        "Events of the Office for International Relations Dortmund",
        "Veranstaltungen, an denen das Büro für Internationale Beziehungen der Stadt Dortmund mit seinen "
        "Partnerorganisationen beteiligt ist, mit Datum, Ort und Teilnehmenden.",
        "Events in which the Office for International Relations of the City of Dortmund takes part with its "
        "partner organisations, with date, place and participants.",
        _COMMON_KEYWORDS + (("Veranstaltungen", "events"), ("DORTBUNT.city", "DORTBUNT.city"),
                            ("Stadtfest", "city festival")),
        ("SOCI", "EDUC"),
        ("id/event/",),
        True,
    ),
    DatasetSpec(
        "sdg-alignments",
        "SDG-Zuordnungen der Partnerorganisationen des Büros für Internationale Beziehungen Dortmund",
        "SDG alignments of the partner organisations of the Office for International Relations Dortmund",
        "Redaktionelle Zuordnungen jeder Partnerorganisation und des Zeltdorfs zu UN-Nachhaltigkeitszielen "
        "(Ziele und Unterziele) und zu den Dimensionen des Dortmunder Nachhaltigkeitsvierecks, jede mit "
        "Herkunft, Datum, Begründung und Prüfstatus.",
        "Editorial alignments of each partner organisation and the tent village to UN Sustainable Development "
        "Goals (goals and targets) and to the dimensions of the Dortmund sustainability quadrangle, each with "
        "provenance, date, rationale and review status.",
        _COMMON_KEYWORDS + (("Nachhaltigkeitsziele", "Sustainable Development Goals"), ("SDG", "SDG"),
                            ("Agenda 2030", "2030 Agenda")),
        ("ENVI", "SOCI"),
        ("id/alignment/",),
        False,
    ),
)

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
