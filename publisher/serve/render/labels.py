"""German and English labels of the properties and classes a page shows.

Labels of properties and classes are presentation, not data, so they live here and not in ``data/``.
"""

from __future__ import annotations

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
    "inScheme": ("Im Begriffsschema", "In scheme"), "topConceptOf": ("Oberbegriff von", "Top concept of"),
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
