"""The controlled-vocabulary codes the catalogue uses, as the small set of concept triples it needs.

DCAT-AP and DCAT-AP.de check a code offline only by what the data says about it (``skos:inScheme``,
``rdf:type``): a validator does not fetch the EU authority tables. So every code the catalogue uses is
written here once, with its scheme, its type and its label, each with a citation. Nothing here is read
from ``../shared`` at run time; the facts were copied by hand from the sources cited.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from publisher.core.namespaces import SPDX

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"

# EU Vocabularies authority tables (Publications Office of the EU); scheme IRIs as DCAT-AP.de 3.0
# checks them in dcat-ap-de-controlledvocabularies.ttl (GovDataOfficial/DCAT-AP.de, branch 3.0).
THEME_SCHEME = URIRef(EU + "data-theme")
FILE_TYPE_SCHEME = URIRef(EU + "file-type")
LANGUAGE_SCHEME = URIRef(EU + "language")
ACCESS_RIGHT_SCHEME = URIRef(EU + "access-right")
FREQUENCY_SCHEME = URIRef(EU + "frequency")
# ADMS publisher types: http://purl.org/adms/publishertype/1.0 (SEMIC ADMS-AP, ADMS_SKOS_v1.00.rdf).
PUBLISHER_TYPE_SCHEME = URIRef("http://purl.org/adms/publishertype/1.0")
# DCAT-AP.de licences: http://dcat-ap.de/def/licenses (dcat-ap-de-licenses-open.rdf, version 20200715).
LICENSE_SCHEME = URIRef("http://dcat-ap.de/def/licenses")
# DCAT-AP.de political geocoding (spec 3.0, section "kv-political-geocoding-level"; the example
# Dataset-und-Distribution.ttl of DCAT-AP.de 3.0 uses …/politicalGeocoding/Level/state).
GEOCODING_LEVEL_SCHEME = URIRef("http://dcat-ap.de/def/politicalGeocoding/Level")
MUNICIPALITY_KEY_SCHEME = URIRef("http://dcat-ap.de/def/politicalGeocoding/municipalityKey")
AVAILABILITY_SCHEME = URIRef(EU + "planned-availability")
# ADMS licence types (SEMIC ADMS-AP, ADMS_SKOS_v1.00.rdf, scheme http://purl.org/adms/licencetype/1.0).
LICENCE_TYPE_SCHEME = URIRef("http://purl.org/adms/licencetype/1.0")

# Titles of the schemes, as their publishers name them (DCAT-AP 3.0.1 asks a scheme for a dcterms:title).
SCHEME_TITLES = {
    THEME_SCHEME: "Data theme",
    FILE_TYPE_SCHEME: "File type",
    LANGUAGE_SCHEME: "Language",
    ACCESS_RIGHT_SCHEME: "Access right",
    FREQUENCY_SCHEME: "Frequency",
    AVAILABILITY_SCHEME: "Planned availability",
    PUBLISHER_TYPE_SCHEME: "Publisher type",
    LICENCE_TYPE_SCHEME: "Licence type",
    LICENSE_SCHEME: "Lizenzen",
    GEOCODING_LEVEL_SCHEME: "Ebene der geopolitischen Abdeckung",
    MUNICIPALITY_KEY_SCHEME: "Amtlicher Gemeindeschlüssel",
}


@dataclass(frozen=True)
class Code:
    """One code: its IRI, its scheme, the classes DCAT-AP's range shapes expect, and its labels."""

    iri: URIRef
    scheme: URIRef
    classes: tuple[URIRef, ...]
    labels: tuple[Literal, ...]

    def triples(self) -> Graph:
        g = Graph()
        g.add((self.iri, RDF.type, SKOS.Concept))
        g.add((self.iri, SKOS.inScheme, self.scheme))
        for cls in self.classes:
            g.add((self.iri, RDF.type, cls))
        for label in self.labels:
            g.add((self.iri, SKOS.prefLabel, label))
        return g


def _code(iri: str, scheme: URIRef, classes: tuple[URIRef, ...], de: str | None, en: str | None) -> Code:
    labels = tuple(Literal(text, lang=lang) for lang, text in (("de", de), ("en", en)) if text)
    return Code(URIRef(iri), scheme, classes, labels)


def _theme(code: str, de: str, en: str) -> Code:
    return _code(EU + "data-theme/" + code, THEME_SCHEME, (), de, en)


# Data themes: EU Vocabularies "Data theme" authority table; labels as published there (de, en).
THEMES = {
    "SOCI": _theme("SOCI", "Bevölkerung und Gesellschaft", "Population and society"),
    "GOVE": _theme("GOVE", "Regierung und öffentlicher Sektor", "Government and public sector"),
    "INTR": _theme("INTR", "Internationale Themen", "International issues"),
    "ENVI": _theme("ENVI", "Umwelt", "Environment"),
    "EDUC": _theme("EDUC", "Bildung, Kultur und Sport", "Education, culture and sport"),
    "REGI": _theme("REGI", "Regionen und Städte", "Regions and cities"),
}


def _file_type(code: str, en: str) -> Code:
    return _code(EU + "file-type/" + code, FILE_TYPE_SCHEME, (DCTERMS.MediaTypeOrExtent,), None, en)


# File types: EU Vocabularies "File type" authority table (codes and English labels).
FILE_TYPES = {
    "RDF_TURTLE": _file_type("RDF_TURTLE", "RDF Turtle"),
    "RDF_N_TRIPLES": _file_type("RDF_N_TRIPLES", "RDF N-Triples"),
    "JSON_LD": _file_type("JSON_LD", "JSON-LD"),
    "CSV": _file_type("CSV", "CSV"),
}


def media_type(name: str) -> URIRef:
    """The IANA media-type IRI (DCAT-AP.de 3.0 checks the prefix https://www.iana.org/assignments/media-types/)."""
    return URIRef(IANA + name)


# Languages: EU Vocabularies "Language" authority table (ISO 639-2/B based codes).
LANGUAGES = {
    "de": _code(EU + "language/DEU", LANGUAGE_SCHEME, (DCTERMS.LinguisticSystem,), "Deutsch", "German"),
    "en": _code(EU + "language/ENG", LANGUAGE_SCHEME, (DCTERMS.LinguisticSystem,), "Englisch", "English"),
}

# Access right: EU Vocabularies "Access right" authority table, code PUBLIC.
PUBLIC = _code(EU + "access-right/PUBLIC", ACCESS_RIGHT_SCHEME, (DCTERMS.RightsStatement,), "öffentlich", "public")

# Frequency: EU Vocabularies "Frequency" authority table, code IRREG ("irregular"): the data changes
# when the office edits it, on no schedule.
IRREGULAR = _code(EU + "frequency/IRREG", FREQUENCY_SCHEME, (DCTERMS.Frequency,), "unregelmäßig", "irregular")

# Planned availability: EU Vocabularies "Planned availability" table, code AVAILABLE (as in DCAT-AP.de
# 3.0's example Dataset-und-Distribution.ttl): the files stay at their URLs for as long as the release.
AVAILABLE = _code(EU + "planned-availability/AVAILABLE", AVAILABILITY_SCHEME, (), "verfügbar", "available")

# ADMS publisher type "LocalAuthority" (ADMS_SKOS_v1.00.rdf, scheme http://purl.org/adms/publishertype/1.0).
LOCAL_AUTHORITY = _code("http://purl.org/adms/publishertype/LocalAuthority", PUBLISHER_TYPE_SCHEME, (),
                        None, "Local Authority")

# DCAT-AP.de political geocoding level "municipality" (Gemeinde), and the municipality key of
# Dortmund: Amtlicher Gemeindeschlüssel 05913000, as DCAT-AP.de's municipalityKey code list writes it.
MUNICIPALITY_LEVEL = _code("http://dcat-ap.de/def/politicalGeocoding/Level/municipality", GEOCODING_LEVEL_SCHEME,
                           (), "Gemeinde", "municipality")
DORTMUND = _code("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05913000", MUNICIPALITY_KEY_SCHEME,
                 (DCTERMS.Location,), "Dortmund", "Dortmund")

# SPDX checksum algorithm (SPDX 2.x RDF terms; DCAT-AP.de 3.0 expects class spdx:ChecksumAlgorithm).
SHA256 = SPDX.checksumAlgorithm_sha256


@dataclass(frozen=True)
class Licence:
    iri: str
    label_de: str
    attribution: bool  # whether the licence asks for the name of the source (dcatde:licenseAttributionByText)

    def code(self) -> Code:
        return _code(self.iri, LICENSE_SCHEME, (DCTERMS.LicenseDocument,), self.label_de, None)

    def licence_type(self) -> Code:
        """ADMS licence type: Attribution, or PublicDomain for the zero licences."""
        name, label = ("Attribution", "Attribution") if self.attribution else ("PublicDomain", "Public domain")
        return _code("http://purl.org/adms/licencetype/" + name, LICENCE_TYPE_SCHEME, (), None, label)


# A few open licences of the DCAT-AP.de licence list (dcat-ap-de-licenses-open.rdf, scheme
# http://dcat-ap.de/def/licenses, owl:versionInfo 20200715; labels are its skos:prefLabel@de). The
# office may configure any of them; anything else is refused by the build (shapes/catalog/).
LICENCES = {
    lic.iri: lic
    for lic in (
        Licence("http://dcat-ap.de/def/licenses/dl-by-de/2.0", "Datenlizenz Deutschland Namensnennung 2.0", True),
        Licence("http://dcat-ap.de/def/licenses/dl-zero-de/2.0", "Datenlizenz Deutschland – Zero – Version 2.0",
                False),
        Licence("http://dcat-ap.de/def/licenses/cc-by/4.0", "Creative Commons Namensnennung – 4.0 International "
                "(CC BY 4.0)", True),
        Licence("http://dcat-ap.de/def/licenses/cc-zero", "Creative Commons CC Zero License (cc-zero)", False),
    )
}

