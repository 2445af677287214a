"""Languages of the pages: German by default, English on request, and the words the pages use.

The language comes from ``?lang=de|en`` first (links then keep it), else from ``Accept-Language``
(English only when the client prefers it to German), else German. Labels of properties and classes
are presentation, not data, so they live here and not in ``data/``.
"""

from __future__ import annotations

from flask import request

LANGUAGES = ("de", "en")
DEFAULT = "de"


def language() -> str:
    """The page language for the current request."""
    asked = request.args.get("lang", "").lower()
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(LANGUAGES, default=DEFAULT)
    return best if best in LANGUAGES else DEFAULT


def explicit() -> bool:
    """Whether the language was chosen in the URL (then links carry it on)."""
    return request.args.get("lang", "").lower() in LANGUAGES


def t(key: str, lang: str) -> str:
    """The UI text ``key`` in ``lang``."""
    de, en = TEXTS[key]
    return de if lang == "de" else en


TEXTS: dict[str, tuple[str, str]] = {
    "site_name": ("Büro für Internationale Beziehungen Dortmund – Offene Daten",
                  "Dortmund Office for International Relations – Open Data"),
    "home": ("Start", "Home"),
    "partners": ("Partner", "Partners"),
    "events": ("Veranstaltungen", "Events"),
    "alignments": ("Zuordnungen", "Alignments"),
    "sparql": ("SPARQL", "SPARQL"),
    "catalog": ("Datenkatalog", "Data catalogue"),
    "type": ("Art", "Type"),
    "properties": ("Eigenschaften", "Properties"),
    "property": ("Eigenschaft", "Property"),
    "value": ("Wert", "Value"),
    "incoming": ("Verweise auf diese Ressource", "Links to this resource"),
    "formats": ("Diese Ressource als Daten", "This resource as data"),
    "query_sparql": ("In SPARQL abfragen", "Query this in SPARQL"),
    "goals": ("Nachhaltigkeitsziele", "Sustainable Development Goals"),
    "dimensions": ("Dimensionen des Nachhaltigkeitsvierecks", "Dimensions of the sustainability quadrangle"),
    "search": ("Suche", "Search"),
    "search_label": ("Name suchen", "Search by name"),
    "search_button": ("Suchen", "Search"),
    "results_for": ("Ergebnisse für", "Results for"),
    "no_results": ("Keine Treffer.", "No matches."),
    "overview": ("Wer dient welchem Ziel?", "Who serves which goal?"),
    "overview_caption": (
        "Partner (Zeilen) und die Nachhaltigkeitsziele und Dimensionen des Nachhaltigkeitsvierecks (Spalten), "
        "denen sie laut den Zuordnungen dienen.",
        "Partners (rows) and the Sustainable Development Goals and quadrangle dimensions (columns) they serve, "
        "according to the alignments."),
    "by_goal": ("Partner nach Ziel", "Partners by goal"),
    "by_dimension": ("Partner nach Dimension", "Partners by dimension"),
    "partner_count": ("Partner", "partners"),
    "all_partners": ("Alle Partner", "All partners"),
    "shown_of": ("angezeigt von", "shown of"),
    "downloads": ("Downloads und Schnittstellen", "Downloads and interfaces"),
    "language_switch": ("Sprache", "Language"),
    "not_found": ("Nicht gefunden", "Not found"),
    "error": ("Fehler", "Error"),
    "goal": ("Ziel", "Goal"),
    "more_in_sparql": ("Weitere Verweise über SPARQL", "More links via SPARQL"),
    "list_as": ("Diese Liste als", "This list as"),
    "intro_fallback": ("Offene Daten zu Partnern, Veranstaltungen und Nachhaltigkeitszielen.",
                       "Open data on partners, events and sustainable development goals."),
}

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
