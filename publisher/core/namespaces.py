"""Namespaces used across the project; the project's own ones depend on the configured base IRI."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

SCHEMA = Namespace("http://schema.org/")
SDG = Namespace("http://metadata.un.org/sdg/")
SDG_SCHEME = "http://metadata.un.org/sdg"
SH = Namespace("http://www.w3.org/ns/shacl#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
# The change feed (publisher.build.feed): Linked Data Event Streams, TREE paging, Activity Streams 2.0.
LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")
#: The 17 Sustainable Development Goals, by number; ``goal_iri`` gives the UN's IRI of one.
SDG_GOALS: tuple[int, ...] = tuple(range(1, 18))


def goal_iri(number: int) -> str:
    return f"{SDG}{number}"


def goal_number(text: str) -> int | None:
    """The goal number at the start of a notation or IRI tail (``13`` and ``13.1`` → 13), or None."""
    head = text.split(".", 1)[0]
    return int(head) if head.isascii() and head.isdigit() and int(head) in SDG_GOALS else None

__all__ = [
    "ADMS", "AS", "DCATAP", "LDES", "TREE", "DCATDE", "HYDRA", "SPDX", "VCARD",
    "DCAT", "DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SCHEMA", "SDG", "SDG_SCHEME", "SH", "SKOS",
    "VOID", "XSD", "ProjectNamespaces", "SDG_GOALS", "goal_iri", "goal_number",
]


class ProjectNamespaces:
    """The project's own namespaces below one base IRI."""

    def __init__(self, base_iri: str) -> None:
        self.base = base_iri
        self.ib = Namespace(base_iri + "def/")
        self.review = Namespace(base_iri + "def/review-status/")
        self.quadrangle = Namespace(base_iri + "def/quadrangle/")
        self.org = Namespace(base_iri + "id/organization/")
        self.event = Namespace(base_iri + "id/event/")
        self.alignment = Namespace(base_iri + "id/alignment/")
        self.graph = Namespace(base_iri + "graph/")

    def prefixes(self) -> dict[str, str]:
        """Prefixes offered to people: in Turtle output, the SPARQL editor and the JSON-LD context."""
        return {
            "ib": str(self.ib),
            "org": str(self.org),
            "event": str(self.event),
            "al": str(self.alignment),
            "quad": str(self.quadrangle),
            "review": str(self.review),
            "sdg": str(SDG),
            "schema": str(SCHEMA),
            "skos": str(SKOS),
            "dcterms": str(DCTERMS),
            "prov": str(PROV),
            "dcat": str(DCAT),
            "foaf": str(FOAF),
            "rdfs": str(RDFS),
            "rdf": str(RDF),
            "owl": str(OWL),
            "xsd": str(XSD),
            "void": str(VOID),
        }


def catalog_prefixes(base_iri: str) -> dict[str, str]:
    """The prefixes of the catalogue's Turtle (the build's and every served page's)."""
    return {"dcat": str(DCAT), "dcterms": str(DCTERMS), "foaf": str(FOAF), "dcatde": str(DCATDE),
            "dcatap": str(DCATAP), "spdx": str(SPDX), "vcard": str(VCARD), "hydra": str(HYDRA), "xsd": str(XSD),
            "cat": base_iri + "catalog/"}
