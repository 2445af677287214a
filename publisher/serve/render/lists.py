"""The lists people use (/partners, /events, /alignments): human columns, facets, sorting, and exports.

One view model per request, built from the store's ``Listing`` in the page language: the columns have
names, types are words, goals are badges. Filters (``?goal=13&dimension=oekologie&type=NGO&status=…``)
and the order (``?sort=name&order=desc``) live in the URL, so that a view can be shared and works
without JavaScript; the view's CSV and JSON twins (``/partners/view.csv?…``) hold exactly the rows shown.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox

from publisher.core.listing import Listing, neutralise_cell
from publisher.core.namespaces import DCTERMS, RDF, SCHEMA, SDG, goal_number
from publisher.core.urls import Urls
from publisher.serve.render import colours, locale
from publisher.serve.render.labels import CLASS_LABELS, is_placeholder

# Per list: (column key, German name, English name). The first column is the resource's name, linked.
COLUMNS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "partners": (("name", "Name", "Name"), ("type", "Art", "Type"), ("goals", "Nachhaltigkeitsziele", "Goals"),
                 ("dimensions", "Dimensionen", "Dimensions"), ("url", "Webseite", "Web site")),
    "events": (("name", "Name", "Name"), ("type", "Art", "Type"), ("startDate", "Beginn", "Start"),
               ("endDate", "Ende", "End"), ("location", "Ort", "Location"), ("organizer", "Veranstaltet von",
                                                                               "Organised by"),
               ("participants", "Teilnehmende", "Participants")),
    "alignments": (("resource", "Partner", "Partner"), ("target", "Ziel oder Dimension", "Goal or dimension"),
                   ("status", "Prüfstatus", "Review status"), ("created", "Erstellt", "Created")),
}
# Per list: the facets offered (goal, dimension, type, review status).
FACETS: dict[str, tuple[str, ...]] = {"partners": ("goal", "dimension", "type"), "events": ("type",),
                                      "alignments": ("goal", "dimension", "status")}
FACET_NAMES = {"goal": ("Ziel", "Goal"), "dimension": ("Dimension", "Dimension"), "type": ("Art", "Type"),
               "status": ("Prüfstatus", "Review status")}
# Filters without a facet of their own: the alignments of one partner (linked from the partner's page).
FILTERS: dict[str, tuple[str, ...]] = {kind: (*facets, *(("partner",) if kind == "alignments" else ()))
                                       for kind, facets in FACETS.items()}
PARAMETERS = ("goal", "dimension", "type", "status", "partner", "sort", "order")


@dataclass
class Cell:
    text: str = ""
    href: str | None = None
    lang: str | None = None
    sort: str = ""
    datetime: str | None = None
    badges: list[dict] = field(default_factory=list)  # goal badges: number, title, href, colours
    items: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (text, href, lang)

    def plain(self) -> str:
        """What the CSV and JSON twins carry: the text as shown."""
        if self.badges:
            return "; ".join(f"{b['number']} {b['title']}" for b in self.badges)
        if self.items:
            return "; ".join(t for t, _, _ in self.items)
        return self.text


@dataclass
class Row:
    iri: str
    cells: dict[str, Cell]
    facets: dict[str, set[str]]


@dataclass
class Option:
    value: str
    label: str
    count: int
    href: str
    selected: bool
    lang: str | None = None


@dataclass
class View:
    kind: str
    columns: list[tuple[str, str, str, str | None]]  # key, name, sort link, aria-sort
    rows: list[Row]
    total: int
    facets: list[tuple[str, str, list[Option]]]
    chosen: dict[str, str]
    query: str  # the filters and order as a query string (for the twins)


class ListBuilder:
    """A list in one language, filtered and sorted by the request's parameters."""

    def __init__(self, listing: Listing, ib: str, links: Urls, lang: str, path: str) -> None:
        self.listing, self.ib, self.links, self.lang, self.path = listing, ib, links, lang, path

    # -- labels ---------------------------------------------------------------------------------------
    def _name(self, iri: str) -> tuple[str, str | None]:
        literal = self.listing.label_literal(iri, self.lang)
        if literal is not None and literal.language == "de" and is_placeholder(literal.value):
            literal = self.listing.label_literal(iri, "en")
        if literal is None:
            return iri.rsplit("/", 1)[-1], None
        return literal.value, literal.language if literal.language and literal.language != self.lang else None

    def _type(self, node) -> str:
        local = node.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        de, en = CLASS_LABELS.get(local, (local, local))
        return de if self.lang == "de" else en

    def _badge(self, iri: str) -> dict | None:
        number = goal_number(iri[len(str(SDG)):]) if iri.startswith(str(SDG)) else None
        if number is None:
            return None
        badge = colours.badge(number)
        title, title_lang = self._name(str(SDG) + str(number))
        return {"number": number, "title": title, "lang": title_lang, "href": self.links.href(str(SDG) + str(number)),
                "background": badge.background, "text": badge.text}

    def _links(self, nodes) -> list[tuple[str, str | None, str | None]]:
        out = []
        for node in nodes:
            if isinstance(node, ox.NamedNode):
                text, lang = self._name(node.value)
                out.append((text, self.links.href(node.value) or None, lang))
            elif isinstance(node, ox.Literal):
                out.append((node.value, None, None))
        return sorted(out, key=lambda x: x[0].casefold())

    # -- rows -----------------------------------------------------------------------------------------
    def rows(self) -> list[Row]:
        schema, ib = str(SCHEMA), self.ib
        out = []
        for item in self.listing.items:
            values = item.values
            name, name_lang = self._name(item.iri)
            name_cell = Cell(name, self.links.href(item.iri) or None, name_lang, name.casefold())
            types = [v for v in values.get(str(RDF.type), []) if isinstance(v, ox.NamedNode)]
            type_words = sorted({self._type(v) for v in types})
            facets: dict[str, set[str]] = {"type": {v.value.rsplit("/", 1)[-1] for v in types}}
            if self.listing.kind == "partners":
                goals = sorted({v.value for v in values.get(ib + "sdg", []) if isinstance(v, ox.NamedNode)},
                               key=lambda i: goal_number(i[len(str(SDG)):]) or 0)
                badges = [b for b in (self._badge(g) for g in goals) if b]
                dims = values.get(ib + "quadrangleDimension", [])
                facets["goal"] = {str(b["number"]) for b in badges}
                facets["dimension"] = {v.value.rsplit("/", 1)[-1] for v in dims if isinstance(v, ox.NamedNode)}
                urls_ = [(v.value, v.value if v.value.startswith(("http://", "https://")) else None, None)
                         for v in values.get(schema + "url", [])]
                cells = {"name": name_cell, "type": Cell("; ".join(type_words), sort="; ".join(type_words)),
                         "goals": Cell(badges=badges, sort=f"{len(badges):03d}"),
                         "dimensions": Cell(items=self._links(dims), sort=str(len(dims))),
                         "url": Cell(items=urls_, sort=urls_[0][0] if urls_ else "")}
            elif self.listing.kind == "events":
                cells = {"name": name_cell, "type": Cell("; ".join(type_words), sort="; ".join(type_words))}
                for key in ("startDate", "endDate"):
                    v = item.first(schema + key)
                    cells[key] = Cell(locale.when(v.value, self.lang), sort=v.value, datetime=v.value) if v \
                        else Cell()
                cells["location"] = Cell(items=self._links(values.get(schema + "location", [])))
                cells["organizer"] = Cell(items=self._links(values.get(schema + "organizer", [])))
                count = len(values.get(schema + "attendee", []))
                cells["participants"] = Cell(locale.number(count, self.lang), sort=f"{count:06d}")
            else:
                resource, target = item.first(ib + "alignedResource"), item.first(ib + "alignedTo")
                res_cell = Cell()
                if isinstance(resource, ox.NamedNode):
                    facets["partner"] = {resource.value.rsplit("/", 1)[-1]}
                    text, lang = self._name(resource.value)
                    res_cell = Cell(text, self.links.href(item.iri) or None, lang, text.casefold())
                target_cell = Cell()
                if isinstance(target, ox.NamedNode):
                    badge = self._badge(target.value)
                    text, lang = self._name(target.value)
                    notation = self.listing.notation(target.value)
                    if badge and "." in notation:  # a target: its number and the UN's text
                        text = f"{notation} {text}"
                    target_cell = Cell(text, self.links.href(target.value) or None, lang,
                                       notation.zfill(8) if notation else text, badges=[badge] if badge and
                                       "." not in notation else [])
                    if badge:
                        facets["goal"] = {str(badge["number"])}
                    elif "/quadrangle/" in target.value:
                        facets["dimension"] = {target.value.rsplit("/", 1)[-1]}
                status = item.first(ib + "reviewStatus")
                status_text, status_lang = self._name(status.value) if isinstance(status, ox.NamedNode) else ("", None)
                if isinstance(status, ox.NamedNode):
                    facets["status"] = {status.value.rsplit("/", 1)[-1]}
                created = item.first(str(DCTERMS.created))
                cells = {"resource": res_cell, "target": target_cell,
                         "status": Cell(status_text, lang=status_lang, sort=status_text),
                         "created": Cell(locale.when(created.value, self.lang), sort=created.value,
                                         datetime=created.value) if created else Cell()}
            out.append(Row(item.iri, cells, facets))
        return out

    # -- the view -------------------------------------------------------------------------------------
    def view(self, args: dict[str, str]) -> View:
        kind = self.listing.kind
        all_rows = self.rows()
        keys = [c[0] for c in COLUMNS[kind]]
        chosen = {k: args[k] for k in FILTERS[kind] if args.get(k)}
        sort = args.get("sort") if args.get("sort") in keys else keys[0]
        order = "desc" if args.get("order") == "desc" else "asc"
        chosen_order = {"sort": sort, "order": order} if sort != keys[0] or order != "asc" else {}
        shown = [r for r in all_rows if all(v in r.facets.get(k, set()) for k, v in chosen.items())]
        shown.sort(key=lambda r: (r.cells[sort].sort or r.cells[sort].plain().casefold(),
                                  r.cells[keys[0]].sort), reverse=order == "desc")
        facets = []
        for facet in FACETS[kind]:
            # Counts within the other filters, so that each option says how many rows it would show.
            others = {k: v for k, v in chosen.items() if k != facet}
            pool = [r for r in all_rows if all(v in r.facets.get(k, set()) for k, v in others.items())]
            counts = Counter(v for r in pool for v in r.facets.get(facet, set()))
            options = []
            for value, count in counts.items():
                label, lang = self._facet_label(facet, value)
                selected = chosen.get(facet) == value
                params = {**others, **chosen_order, **({} if selected else {facet: value})}
                options.append(Option(value, label, count, self._href(params), selected, lang))
            options.sort(key=lambda o: (int(o.value) if o.value.isdigit() else 0, o.label.casefold()))
            de, en = FACET_NAMES[facet]
            facets.append((facet, de if self.lang == "de" else en, options))
        columns = []
        for key, de, en in COLUMNS[kind]:
            next_order = "desc" if key == sort and order == "asc" else "asc"
            aria = ("ascending" if order == "asc" else "descending") if key == sort else None
            columns.append((key, de if self.lang == "de" else en,
                            self._href({**chosen, "sort": key, "order": next_order}), aria))
        return View(kind, columns, shown, len(all_rows), facets, chosen,
                    urlencode({**chosen, **chosen_order, **({"lang": self.lang} if self.lang != "de" else {})}))

    def _facet_label(self, facet: str, value: str) -> tuple[str, str | None]:
        if facet == "goal":
            title, lang = self._name(str(SDG) + value)
            return f"{value} {title}", lang
        if facet == "type":
            de, en = CLASS_LABELS.get(value, (value, value))
            return (de if self.lang == "de" else en), None
        if facet == "dimension":
            return self._name(self.ib + "quadrangle/" + value)
        return self._name(self.ib + "review-status/" + value)

    def _href(self, params: dict[str, str]) -> str:
        if self.links.lang_query:
            params = {**params, "lang": self.lang}
        return self.path + ("?" + urlencode(params) if params else "")


def view_csv(view: View) -> str:
    """The rows shown, as CSV: the columns' names in the page language and an IRI column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for _, name, _, _ in view.columns] + ["IRI"])
    for row in view.rows:
        writer.writerow([neutralise_cell(row.cells[key].plain()) for key, *_ in view.columns] + [row.iri])
    return buffer.getvalue()


def view_json(view: View) -> dict:
    """The rows shown, as JSON: what the page's table says, with each row's IRI."""
    return {"list": view.kind, "total": view.total, "shown": len(view.rows), "filters": view.chosen,
            "columns": [{"key": key, "name": name} for key, name, _, _ in view.columns],
            "rows": [{"iri": row.iri, **{key: row.cells[key].plain() for key, *_ in view.columns}}
                     for row in view.rows]}
