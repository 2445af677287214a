"""The catalogue as one RDF graph: catalogue, datasets, distributions, the SPARQL service, and the codes.

Two profiles (``catalog_profile``): DCAT-AP.de 2.0 (on DCAT-AP 2.1, what GovData's harvester reads today)
and DCAT-AP.de 3.0 (on DCAT-AP 3.0). They differ where the specifications do: 2.0 writes ``dcat:byteSize``
as ``xsd:decimal`` and the municipality key as ``dcatde:politicalGeocodingURI`` (the only place
ckanext-dcatde reads it; deprecated in 3.0, so 3.0 leaves it out), and states no checksum, since 2.0
takes the algorithm only from its own hash list (``http://dcat-ap.de/def/hashAlgorithms``), which lists
no SHA-256 we could verify (the dumps' ``index.json`` keeps every sha256). 3.0 writes the SPDX SHA-256
checksum. Both have a ``dcat:CatalogRecord`` per dataset and a landing page per dataset.
Every node a harvester keeps has a stable IRI
below ``{base}catalog/`` so that it dereferences (see ``publisher.serve.web.catalog``) and so that a portal
can recognise a dataset or a distribution again on the next harvest; only checksums and time periods,
which are values rather than things, are blank nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from publisher.build.catalog import vocab
from publisher.build.catalog.datasets import DatasetSpec, FileFacts
from publisher.build.catalog.dates import Dates
from publisher.core import urls
from publisher.core.config import CONTRIBUTORS, Config
from publisher.core.namespaces import DCATAP, DCATDE, SPDX, VCARD, catalog_prefixes

OFFICE = "id/organization/buero-fuer-internationale-beziehungen"
OFFICE_NAME_DE = "Stadt Dortmund, Büro für Internationale Beziehungen"
OFFICE_NAME_EN = "City of Dortmund, Office for International Relations"
# W3C Recommendation "SPARQL 1.1 Protocol" (21 March 2013), the standard the endpoint implements.
SPARQL_PROTOCOL = URIRef("http://www.w3.org/TR/sparql11-protocol/")


@dataclass(frozen=True)
class Distribution:
    name: str  # the last path segment of its IRI
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    url: str
    file_type: str  # key of vocab.FILE_TYPES
    media_type: str  # IANA name, e.g. text/turtle
    compressed: bool  # gzip
    facts: FileFacts


@dataclass(frozen=True)
class DatasetEntry:
    spec: DatasetSpec
    distributions: tuple[Distribution, ...]
    temporal: tuple[str, str] | None
    dates: Dates


class CatalogIris:
    """The IRIs of the catalogue's own nodes, below the configured base."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.catalog = URIRef(config.iri(urls.CATALOG))
        self.service = URIRef(config.iri(urls.CATALOG_SERVICE))
        self.contact = URIRef(config.iri("catalog/contact-point"))
        self.rights = URIRef(config.iri("catalog/rights"))
        self.shapes = URIRef(config.iri(urls.CATALOG_SHAPES))
        self.publisher = URIRef(config.iri(OFFICE))

    def dataset(self, slug: str) -> URIRef:
        return URIRef(self.config.iri(f"catalog/dataset/{slug}"))

    def distribution(self, slug: str, name: str) -> URIRef:
        return URIRef(self.config.iri(f"catalog/distribution/{slug}-{name}"))

    def record(self, slug: str) -> URIRef:
        return URIRef(self.config.iri(f"catalog/record/{slug}"))

    def part_download(self, slug: str) -> str:
        return self.config.iri(f"{urls.CATALOG_DOWNLOAD}/{slug}.ttl")


PROFILE_2 = "dcat-ap.de-2.0"
CONTRIBUTOR_SCHEME = URIRef(CONTRIBUTORS.rstrip("/"))
# The page a person reads about each dataset (its list); others get the dataset's catalogue page.
# (The whole network's is the home page, which introduces it.)
LANDING_PAGES = {"network": "", "partners": "partners", "events": "events", "sdg-alignments": "alignments"}


def landing_page(config: Config, slug: str) -> URIRef:
    path = LANDING_PAGES.get(slug)
    return URIRef(config.iri(path) if path is not None else config.iri(f"catalog/dataset/{slug}.html"))


def build_graph(config: Config, entries: list[DatasetEntry]) -> Graph:
    iris = CatalogIris(config)
    g = Graph()
    for prefix, namespace in catalog_prefixes(config.base_iri).items():
        g.bind(prefix, namespace, override=True)
    licence = URIRef(config.catalog_license)
    _catalog(g, iris, entries, licence)
    _agents(g, iris, config)
    for entry in entries:
        _dataset(g, iris, entry, entries, licence, config)
    _service(g, iris, entries, licence)
    _codes(g, entries, config)
    return g


def _texts(g: Graph, node: URIRef, predicate: URIRef, de: str, en: str) -> None:
    g.add((node, predicate, Literal(de, lang="de")))
    g.add((node, predicate, Literal(en, lang="en")))


def _when(value: str) -> Literal:
    return Literal(value, datatype=XSD.dateTime)


def _catalog(g: Graph, iris: CatalogIris, entries: list[DatasetEntry], licence: URIRef) -> None:
    c = iris.catalog
    g.add((c, RDF.type, DCAT.Catalog))
    _texts(g, c, DCTERMS.title, "Offene Daten des Büros für Internationale Beziehungen der Stadt Dortmund",
           "Open data of the Office for International Relations of the City of Dortmund")
    _texts(g, c, DCTERMS.description,
           "Katalog der offenen Daten (Linked Open Data) des Büros für Internationale Beziehungen der Stadt "
           "Dortmund: Partnerorganisationen, Veranstaltungen und ihre Bezüge zu den UN-Nachhaltigkeitszielen.",
           "Catalogue of the open data (Linked Open Data) of the Office for International Relations of the City "
           "of Dortmund: partner organisations, events and their links to the UN Sustainable Development Goals.")
    g.add((c, DCTERMS.publisher, iris.publisher))
    g.add((c, FOAF.homepage, URIRef(iris.config.base_iri)))
    g.add((URIRef(iris.config.base_iri), RDF.type, FOAF.Document))
    g.add((c, DCTERMS.license, licence))
    g.add((c, DCAT.themeTaxonomy, vocab.THEME_SCHEME))
    g.add((c, DCTERMS.spatial, vocab.DORTMUND.iri))
    for lang in vocab.LANGUAGES.values():
        g.add((c, DCTERMS.language, lang.iri))
    g.add((c, DCTERMS.issued, _when(min(e.dates.issued for e in entries))))
    g.add((c, DCTERMS.modified, _when(max(e.dates.modified for e in entries))))
    for entry in entries:
        g.add((c, DCAT.dataset, iris.dataset(entry.spec.slug)))
        # The catalogue's own entry about the dataset: when it was listed and last changed here.
        record = iris.record(entry.spec.slug)
        g.add((c, DCAT.record, record))
        g.add((record, RDF.type, DCAT.CatalogRecord))
        g.add((record, FOAF.primaryTopic, iris.dataset(entry.spec.slug)))
        g.add((record, DCTERMS.issued, _when(entry.dates.issued)))
        g.add((record, DCTERMS.modified, _when(entry.dates.modified)))
    g.add((c, DCAT.service, iris.service))
    # The VoID description of the same data (served by the Linked Data routes).
    g.add((c, RDFS.seeAlso, URIRef(iris.config.iri(urls.VOID))))
    # The change feed (LDES, DCAT-AP Feeds): what each release added, changed or removed, for harvesters.
    g.add((c, RDFS.seeAlso, URIRef(iris.config.iri(urls.FEED))))


def _agents(g: Graph, iris: CatalogIris, config: Config) -> None:
    p = iris.publisher
    g.add((p, RDF.type, FOAF.Agent))
    g.add((p, FOAF.name, Literal(OFFICE_NAME_DE, lang="de")))
    g.add((p, FOAF.name, Literal(OFFICE_NAME_EN, lang="en")))
    g.add((p, DCTERMS.type, vocab.LOCAL_AUTHORITY.iri))

    k = iris.contact
    g.add((k, RDF.type, VCARD.Organization))
    g.add((k, RDF.type, VCARD.Kind))
    g.add((k, VCARD.fn, Literal(OFFICE_NAME_DE, lang="de")))
    g.add((k, VCARD.hasURL, URIRef(config.catalog_contact_url or config.base_iri)))
    if config.catalog_contact_email:
        g.add((k, VCARD.hasEmail, URIRef("mailto:" + config.catalog_contact_email)))

    lic = vocab.LICENCES.get(config.catalog_license)
    r = iris.rights
    g.add((r, RDF.type, DCTERMS.RightsStatement))
    label = lic.label_de if lic else config.catalog_license
    text_de = f"Nutzung nach {label}"
    text_en = f"Use under {label}"
    if lic and lic.attribution:
        text_de += f"; Namensnennung: {config.catalog_license_attribution}"
        text_en += f"; attribution: {config.catalog_license_attribution}"
    _texts(g, r, RDFS.label, text_de, text_en)

    s = iris.shapes
    g.add((s, RDF.type, DCTERMS.Standard))
    _texts(g, s, DCTERMS.title, "SHACL-Shapes des Datenmodells", "SHACL shapes of the data model")


def _dataset(g: Graph, iris: CatalogIris, entry: DatasetEntry, entries: list[DatasetEntry], licence: URIRef,
             config: Config) -> None:
    spec = entry.spec
    d = iris.dataset(spec.slug)
    g.add((d, RDF.type, DCAT.Dataset))
    # DCAT 3 makes every dataset a dcat:Resource; stated, since a record's foaf:primaryTopic must be one.
    g.add((d, RDF.type, DCAT.Resource))
    _texts(g, d, DCTERMS.title, spec.title_de, spec.title_en)
    _texts(g, d, DCTERMS.description, spec.description_de, spec.description_en)
    g.add((d, DCTERMS.identifier, Literal(str(d))))
    g.add((d, DCTERMS.publisher, iris.publisher))
    g.add((d, DCAT.contactPoint, iris.contact))
    for keyword in spec.keyword_literals():
        g.add((d, DCAT.keyword, keyword))
    for code in spec.themes:
        g.add((d, DCAT.theme, vocab.THEMES[code].iri))
    # One dcterms:spatial, the municipality: CKAN's DCAT mapping (ckanext-dcat) keeps a single
    # spatial_uri/spatial_text and takes whichever value it meets last, so a second one (Germany) made a
    # harvested dataset's place Germany or Dortmund at random.
    g.add((d, DCTERMS.spatial, vocab.DORTMUND.iri))
    g.add((d, DCATDE.politicalGeocodingLevelURI, vocab.MUNICIPALITY_LEVEL.iri))
    for lang in vocab.LANGUAGES.values():
        g.add((d, DCTERMS.language, lang.iri))
    g.add((d, DCTERMS.accessRights, vocab.PUBLIC.iri))
    g.add((d, DCTERMS.accrualPeriodicity, vocab.IRREGULAR.iri))
    g.add((d, DCTERMS.conformsTo, iris.shapes))
    g.add((d, DCTERMS.issued, _when(entry.dates.issued)))
    g.add((d, DCTERMS.modified, _when(entry.dates.modified)))
    g.add((d, DCAT.landingPage, landing_page(config, spec.slug)))
    g.add((landing_page(config, spec.slug), RDF.type, FOAF.Document))
    if config.catalog_profile == PROFILE_2:
        # ckanext-dcatde reads the municipality only from here (DCAT-AP.de 2.0; deprecated in 3.0).
        g.add((d, DCATDE.politicalGeocodingURI, vocab.DORTMUND.iri))
    if config.catalog_contributor_id:
        g.add((d, DCATDE.contributorID, URIRef(config.catalog_contributor_id)))
    if entry.temporal:
        period = BNode(f"period-{spec.slug}")  # fixed labels: the same catalogue gives the same bytes
        g.add((d, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(entry.temporal[0], datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(entry.temporal[1], datatype=XSD.date)))
    if spec.is_part:
        g.add((d, DCTERMS.isPartOf, iris.dataset(entries[0].spec.slug)))
    else:
        g.add((d, RDFS.seeAlso, URIRef(config.iri(urls.VOID))))
        for other in entries:
            if other.spec.is_part:
                g.add((d, DCTERMS.hasPart, iris.dataset(other.spec.slug)))
    for dist in entry.distributions:
        node = iris.distribution(spec.slug, dist.name)
        g.add((d, DCAT.distribution, node))
        _distribution(g, iris, node, dist, entry.dates, licence, config)


def _distribution(g: Graph, iris: CatalogIris, node: URIRef, dist: Distribution, dates: Dates, licence: URIRef,
                  config: Config) -> None:
    g.add((node, RDF.type, DCAT.Distribution))
    _texts(g, node, DCTERMS.title, dist.title_de, dist.title_en)
    _texts(g, node, DCTERMS.description, dist.description_de, dist.description_en)
    url = URIRef(dist.url)
    # DCAT-AP.de Konvention 39: a plain download gives its URL as both accessURL and downloadURL.
    g.add((node, DCAT.accessURL, url))
    g.add((node, DCAT.downloadURL, url))
    g.add((node, DCTERMS.format, vocab.FILE_TYPES[dist.file_type].iri))
    g.add((node, DCAT.mediaType, vocab.media_type(dist.media_type)))
    if dist.compressed:
        g.add((node, DCAT.compressFormat, vocab.media_type("application/gzip")))
    if config.catalog_profile == PROFILE_2:  # DCAT-AP 2.1: xsd:decimal; no checksum (module docstring)
        # Written "3646.0": the form rdflib's Turtle writer gives a decimal, so every format has the same literal.
        g.add((node, DCAT.byteSize, Literal(f"{dist.facts.byte_size}.0", datatype=XSD.decimal)))
    else:
        g.add((node, DCAT.byteSize, Literal(dist.facts.byte_size, datatype=XSD.nonNegativeInteger)))
        checksum = BNode(f"checksum-{node.rsplit('/', 1)[-1]}")
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, vocab.SHA256))
        g.add((checksum, SPDX.checksumValue, Literal(dist.facts.sha256, datatype=XSD.hexBinary)))
    g.add((node, DCTERMS.license, licence))
    lic = vocab.LICENCES.get(config.catalog_license)
    if lic is None or lic.attribution:
        g.add((node, DCATDE.licenseAttributionByText, Literal(config.catalog_license_attribution)))
    g.add((node, DCTERMS.rights, iris.rights))
    g.add((node, DCATAP.availability, vocab.AVAILABLE.iri))
    g.add((node, DCTERMS.issued, _when(dates.issued)))
    g.add((node, DCTERMS.modified, _when(dates.modified)))


def _service(g: Graph, iris: CatalogIris, entries: list[DatasetEntry], licence: URIRef) -> None:
    s = iris.service
    endpoint = URIRef(iris.config.iri(urls.SPARQL))
    g.add((s, RDF.type, DCAT.DataService))
    _texts(g, s, DCTERMS.title, "SPARQL-Endpunkt des Büros für Internationale Beziehungen Dortmund",
           "SPARQL endpoint of the Office for International Relations Dortmund")
    _texts(g, s, DCTERMS.description,
           "SPARQL-1.1-Abfragen über alle Daten des Katalogs; die Dienstbeschreibung liefert GET auf den "
           "Endpunkt mit Accept: text/turtle.",
           "SPARQL 1.1 queries over all data of the catalogue; GET on the endpoint with Accept: text/turtle "
           "returns the service description.")
    g.add((s, DCAT.endpointURL, endpoint))
    # The SPARQL 1.1 Service Description is what GET /sparql returns for Accept: text/turtle.
    g.add((s, DCAT.endpointDescription, endpoint))
    g.add((s, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    g.add((s, DCTERMS.publisher, iris.publisher))
    g.add((s, DCAT.contactPoint, iris.contact))
    g.add((s, DCTERMS.license, licence))
    g.add((s, DCTERMS.accessRights, vocab.PUBLIC.iri))
    g.add((s, DCAT.landingPage, URIRef(iris.config.base_iri)))
    network = entries[0].spec  # the whole graph comes first
    for keyword in network.keyword_literals():
        g.add((s, DCAT.keyword, keyword))
    for code in network.themes:
        g.add((s, DCAT.theme, vocab.THEMES[code].iri))
    for entry in entries:
        g.add((s, DCAT.servesDataset, iris.dataset(entry.spec.slug)))


def _codes(g: Graph, entries: list[DatasetEntry], config: Config) -> None:
    """The concept triples of every code used above (and only those)."""
    used = {vocab.DORTMUND, vocab.MUNICIPALITY_LEVEL, vocab.PUBLIC, vocab.IRREGULAR,
            vocab.LOCAL_AUTHORITY, vocab.AVAILABLE, *vocab.LANGUAGES.values(),
            *(vocab.THEMES[code] for code in entries[0].spec.themes)}
    for entry in entries:
        used.update(vocab.THEMES[code] for code in entry.spec.themes)
        used.update(vocab.FILE_TYPES[dist.file_type] for dist in entry.distributions)
    lic = vocab.LICENCES.get(config.catalog_license)
    if lic is not None:
        used.update((lic.code(), lic.licence_type()))
        g.add((lic.code().iri, DCTERMS.type, lic.licence_type().iri))
    for code in used:
        g += code.triples()
        g.add((code.scheme, RDF.type, SKOS.ConceptScheme))
        g.add((code.scheme, DCTERMS.title, Literal(vocab.SCHEME_TITLES[code.scheme])))
    if config.catalog_profile != PROFILE_2:
        g.add((vocab.SHA256, RDF.type, SPDX.ChecksumAlgorithm))
    if config.catalog_contributor_id:  # stated like every other code: the concept and its scheme
        contributor = URIRef(config.catalog_contributor_id)
        g.add((contributor, RDF.type, SKOS.Concept))
        g.add((contributor, SKOS.inScheme, CONTRIBUTOR_SCHEME))
        g.add((CONTRIBUTOR_SCHEME, RDF.type, SKOS.ConceptScheme))
    media = {dist.media_type for entry in entries for dist in entry.distributions}
    if any(dist.compressed for entry in entries for dist in entry.distributions):
        media.add("application/gzip")
    for name in media:
        g.add((vocab.media_type(name), RDF.type, DCTERMS.MediaType))
