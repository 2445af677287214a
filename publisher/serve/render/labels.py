"""German and English labels of the properties and classes a page shows.

Labels of properties and classes are presentation, not data, so they live here and not in ``data/``.
"""

from __future__ import annotations

import re

# Keys of the JSON-LD context (publisher.core.jsonld) → (German, English) labels for the property tables.
PROPERTY_LABELS: dict[str, tuple[str, str]] = {
    "name": ("Name", "Name"), "alternateName": ("Andere Namen", "Other names"),
    "description": ("Beschreibung", "Description"), "url": ("Webseite", "Web site"),
    "sameAs": ("Dieselbe Ressource", "Same as"), "identifier": ("Kennung", "Identifier"),
    "parentOrganization": ("Übergeordnete Organisation", "Parent organisation"),
    "participants": ("Teilnehmende", "Participants"), "organizer": ("Veranstaltet von", "Organised by"),
    "subEvent": ("Teilveranstaltung", "Sub-event"), "superEvent": ("Teil von", "Part of"),
    "startDate": ("Beginn", "Start date"), "endDate": ("Ende", "End date"), "location": ("Ort", "Location"),
    "areaServed": ("Zuständig für", "Area served"), "slogan": ("Leitsatz", "Slogan"),
    "subjectOf": ("Thema von", "Subject of"), "about": ("Über", "About"), "creator": ("Urheber", "Creator"),
    "text": ("Text", "Text"), "jobTitle": ("Funktion", "Job title"),
    "additionalProperty": ("Weitere Angabe", "Additional property"), "value": ("Wert", "Value"),
    "valueReference": ("Bezug des Werts", "Value reference"),
    "sdg": ("Dient dem Nachhaltigkeitsziel", "Serves goal"),
    "quadrangleDimension": ("Dimension des Nachhaltigkeitsvierecks", "Quadrangle dimension"),
    "alignedResource": ("Zugeordnete Ressource", "Aligned resource"), "alignedTo": ("Zugeordnet zu", "Aligned to"),
    "rationale": ("Begründung", "Rationale"), "reviewStatus": ("Prüfstatus", "Review status"),
    "fieldOfWork": ("Arbeitsbereich", "Field of work"), "task": ("Aufgabe", "Task"),
    "guidingFramework": ("Leitlinie", "Guiding framework"), "attributedTo": ("Zugeschrieben", "Attributed to"),
    "created": ("Erstellt", "Created"), "source": ("Quelle", "Source"), "title": ("Titel", "Title"),
    "prefLabel": ("Bezeichnung", "Label"), "altLabel": ("Andere Bezeichnung", "Alternative label"),
    "definition": ("Definition", "Definition"), "notation": ("Notation", "Notation"),
    "inScheme": ("Im Begriffsschema", "In scheme"), "topConceptOf": ("Oberbegriff in", "Top concept of"),
    "hasTopConcept": ("Oberbegriffe", "Top concepts"), "broader": ("Oberbegriff", "Broader"),
    "label": ("Bezeichnung", "Label"), "comment": ("Erläuterung", "Comment"),
    "isDefinedBy": ("Definiert in", "Defined by"),
    # incoming links (reverse keys)
    "participatedIn": ("Teilgenommen an", "Took part in"), "alignments": ("Zuordnungen", "Alignments"),
    "alignedBy": ("Zuordnungen zu diesem Begriff", "Alignments to this concept"),
    "partners": ("Partner, die diesem Ziel dienen", "Partners serving this goal"),
    "partnersInDimension": ("Partner in dieser Dimension", "Partners in this dimension"),
    "subOrganizations": ("Untergeordnete Organisationen", "Sub-organisations"),
    "narrower": ("Unterbegriffe", "Narrower concepts"),
}

CLASS_LABELS: dict[str, tuple[str, str]] = {
    "Organization": ("Organisation", "Organisation"), "NGO": ("Nichtregierungsorganisation", "NGO"),
    "GovernmentOrganization": ("Behörde", "Government organisation"),
    "CollegeOrUniversity": ("Hochschule", "College or university"), "Library": ("Bibliothek", "Library"),
    "Store": ("Geschäft", "Store"), "Project": ("Projekt", "Project"), "Event": ("Veranstaltung", "Event"),
    "Festival": ("Festival", "Festival"), "City": ("Stadt", "City"), "Place": ("Ort", "Place"),
    "Person": ("Person", "Person"), "Quotation": ("Zitat", "Quotation"),
    "PropertyValue": ("Angabe", "Property value"), "Concept": ("Begriff", "Concept"),
    "ConceptScheme": ("Begriffsschema", "Concept scheme"), "Alignment": ("Zuordnung", "Alignment"),
}

# The order of the rows of a resource page: name, type, description, dates in order, places and people,
# links, the goals; provenance last. Keys not named here come between the links and the provenance.
PROPERTY_ORDER: tuple[str, ...] = (
    "name", "alternateName", "prefLabel", "altLabel", "title", "label", "notation", "jobTitle", "slogan",
    "description", "definition", "comment", "text",
    "startDate", "endDate", "location", "areaServed", "organizer", "participants", "superEvent", "subEvent",
    "parentOrganization", "fieldOfWork", "task", "guidingFramework",
    "alignedResource", "alignedTo", "sdg", "quadrangleDimension", "reviewStatus", "rationale",
    "broader", "inScheme", "topConceptOf", "hasTopConcept",
    "url", "sameAs", "identifier", "subjectOf", "about", "additionalProperty", "value", "valueReference",
)
PROVENANCE_ORDER: tuple[str, ...] = ("creator", "attributedTo", "created", "source", "isDefinedBy")

# Links into a resource whose property has no reverse name in the JSON-LD context, by compact IRI.
REVERSE_LABELS: dict[str, tuple[str, str]] = {
    "foaf:primaryTopic": ("Katalogeintrag dazu", "Catalogue record about it"),
    "ib:guidingFramework": ("Leitlinie von", "Guiding framework of"),
    "skos:inScheme": ("Begriffe in diesem Schema", "Concepts in this scheme"),
    "skos:topConceptOf": ("Oberbegriffe dieses Schemas", "Top concepts of this scheme"),
    "schema:subEvent": ("Teil der Veranstaltung", "Part of the event"),
    "schema:superEvent": ("Teilveranstaltungen", "Sub-events"),
    "schema:organizer": ("Veranstalter von", "Organiser of"),
    "schema:location": ("Ort von", "Location of"),
    "schema:areaServed": ("Zuständig hierfür", "Serving this area"),
    "schema:about": ("Beschrieben in", "Described in"),
    "schema:creator": ("Urheber von", "Creator of"),
    "dcterms:source": ("Quelle von", "Source of"),
    "prov:wasAttributedTo": ("Zugeschrieben", "Attributed"),
}


def reverse_label(compact: str, forward: str, lang: str) -> str:
    """An incoming link in words: its own name, else "links here as <forward label>"."""
    if compact in REVERSE_LABELS:
        de, en = REVERSE_LABELS[compact]
        return de if lang == "de" else en
    return f"Verweist hierher als „{forward}“" if lang == "de" else f"Links here as “{forward}”"


# The project's German designation of an SDG target ("Unterziel 13.1") is no translation of the UN's text:
# where it is all there is in German, the pages show the UN's English text (marked lang="en") instead.
PLACEHOLDER_LABEL = re.compile(r"^Unterziel \d+\.[0-9a-z]+$")


def is_placeholder(text: str) -> bool:
    return bool(PLACEHOLDER_LABEL.match(text))
