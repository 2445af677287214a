"""The VoID description of a release, made of its manifest and the dumps' index (no query at request time)."""

from __future__ import annotations

import pyoxigraph as ox

from publisher.core import formats, urls
from publisher.core.config import Config
from publisher.core.describe import Description, sort_key
from publisher.core.namespaces import DCTERMS, FOAF, PROV, RDF, RDFS, SCHEMA, SKOS, VOID, XSD
from publisher.core.release import Release
from publisher.serve.render.service_description import void_statistics

VOCABULARIES = (str(SCHEMA), str(SKOS), str(DCTERMS), str(PROV), str(RDFS))


def void_description(config: Config, release: Release) -> Description:
    """VoID for the release: size, classes, vocabularies, dumps, SPARQL endpoint, licence, catalogue."""
    manifest = release.manifest
    doc = ox.NamedNode(config.iri(urls.VOID))
    ds = ox.NamedNode(config.iri(urls.VOID) + "#dataset")
    triples = [
        (doc, RDF.type, ox.NamedNode(VOID + "DatasetDescription")), (doc, FOAF.primaryTopic, ds),
        (doc, DCTERMS.title, ox.Literal("VoID-Beschreibung des Datensatzes", language="de")),
        (doc, DCTERMS.title, ox.Literal("VoID description of the dataset", language="en")),
        (ds, RDF.type, ox.NamedNode(VOID + "Dataset")),
        (ds, DCTERMS.title, ox.Literal("Netzwerk des Büros für Internationale Beziehungen Dortmund", language="de")),
        (ds, DCTERMS.title, ox.Literal("Network of the Dortmund Office for International Relations", language="en")),
        (ds, DCTERMS.license, ox.NamedNode(config.catalog_license)),
        (ds, DCTERMS.modified, ox.Literal(manifest["built_at"], datatype=ox.NamedNode(XSD.dateTime))),
        (ds, VOID.sparqlEndpoint, ox.NamedNode(config.iri(urls.SPARQL))),
        (ds, VOID.uriSpace, ox.Literal(config.iri("id/"))),
        (ds, VOID.rootResource, ox.NamedNode(config.iri(""))),
        (ds, RDFS.seeAlso, ox.NamedNode(config.iri(urls.CATALOG))),
        # The change feed (LDES): every release's changes, for incremental harvesting.
        (ds, RDFS.seeAlso, ox.NamedNode(config.iri(urls.FEED))),
    ]
    triples += [(ds, VOID.feature, ox.NamedNode(f.w3c_iri)) for f in formats.RDF_FORMATS]
    totals, classes = void_statistics(manifest)
    triples += [(ds, ox.NamedNode(prop), _integer(count)) for prop, count in totals]
    triples += [(ds, VOID.vocabulary, ox.NamedNode(v)) for v in (*VOCABULARIES, config.iri("def/"))]
    for entry in release.dumps_index()["files"]:
        if entry.get("triples") is not None:
            triples.append((ds, VOID.dataDump, ox.NamedNode(config.iri(entry["path"].lstrip("/")))))
    for number, (cls, count) in enumerate(classes, 1):
        part = ox.NamedNode(f"{ds.value}-class-{number}")
        triples += [(ds, VOID.classPartition, part), (part, VOID["class"], ox.NamedNode(cls)),
                    (part, VOID.entities, _integer(count))]
    out = [ox.Triple(s, p if isinstance(p, ox.NamedNode) else ox.NamedNode(str(p)), o) for s, p, o in triples]
    return Description(doc.value, sorted(set(out), key=sort_key))


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(XSD.integer))
