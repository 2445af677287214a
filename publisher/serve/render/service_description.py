"""The SPARQL 1.1 Service Description of ``/sparql``, with VoID statistics of the default dataset.

Built from the release's manifest (no query at request time), so it always describes exactly the data
being served. The DCAT catalogue points at it as the endpoint description of its ``dcat:DataService``.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from publisher.core import formats, urls
from publisher.core.config import Config
from publisher.core.release import Release

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace(formats.W3C_FORMATS)

def void_statistics(manifest: dict) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The VoID statistics of a release from its manifest, for the VoID document and the service description:
    ``[(property, count)]`` of the whole dataset and ``[(class, entities)]`` sorted by class."""
    classes = manifest["classes"]
    return [(str(VOID.triples), manifest["triples"]), (str(VOID.classes), len(classes))], sorted(classes.items())


def service_description(config: Config, release: Release) -> Graph:
    endpoint = URIRef(config.iri(urls.SPARQL))
    service = URIRef(config.iri(urls.SPARQL) + "#service")
    dataset = URIRef(config.iri(urls.SPARQL) + "#dataset")
    default_graph = URIRef(config.iri(urls.SPARQL) + "#default-graph")
    manifest = release.manifest
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    g.bind("formats", FORMATS)

    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, endpoint))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    g.add((service, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    for fmt in formats.RESULT_FORMATS:
        g.add((service, SD.resultFormat, URIRef(fmt.w3c_iri)))
    g.add((service, RDFS.label, Literal("SPARQL-Endpunkt des Büros für Internationale Beziehungen", lang="de")))
    g.add((service, RDFS.label, Literal("SPARQL endpoint of the Office for International Relations", lang="en")))
    g.add((service, RDFS.comment, Literal(
        f"Read-only SPARQL 1.1 Query. Each query may run for {config.query_timeout:g} seconds; results are cut "
        f"after {config.query_max_rows} rows (header X-Result-Truncated: true); request bodies up to "
        f"{config.query_max_body} bytes. SERVICE (federation) and SPARQL Update are refused.", lang="en")))

    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, DCTERMS.identifier, Literal(release.id)))
    g.add((dataset, DCTERMS.modified, Literal(manifest["built_at"], datatype=XSD.dateTime)))
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, RDF.type, VOID.Dataset))
    g.add((default_graph, RDFS.comment, Literal("The union of all named graphs of the release.", lang="en")))
    totals, classes = void_statistics(manifest)
    for prop, count in totals:
        g.add((default_graph, URIRef(prop), Literal(count, datatype=XSD.integer)))
    g.add((default_graph, VOID.sparqlEndpoint, endpoint))
    for cls, count in classes:
        partition = BNode()
        g.add((default_graph, VOID.classPartition, partition))
        g.add((partition, VOID["class"], URIRef(cls)))
        g.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
    for name, count in sorted(manifest["graphs"].items()):
        named, graph = BNode(), BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, RDF.type, VOID.Dataset))
        g.add((graph, VOID.triples, Literal(count, datatype=XSD.integer)))
    return g
