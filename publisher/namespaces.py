"""Namespaces used across the project; the project's own ones depend on the configured base IRI."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

SCHEMA = Namespace("http://schema.org/")
SDG = Namespace("http://metadata.un.org/sdg/")
SDG_SCHEME = "http://metadata.un.org/sdg"
SH = Namespace("http://www.w3.org/ns/shacl#")

__all__ = [
    "DCAT", "DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SCHEMA", "SDG", "SDG_SCHEME", "SH", "SKOS",
    "VOID", "XSD", "ProjectNamespaces",
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
