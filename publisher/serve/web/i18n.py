"""Languages of the pages: German by default, English on request, and the words the pages use.

The language comes from ``?lang=de|en`` first (links then keep it), else from ``Accept-Language``
(English only when the client prefers it to German), else German. The labels of properties and classes
are in ``publisher.serve.render.labels``.
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
