"""What a person sees of a resource: the description turned into a view model for the templates.

Nothing here formats HTML: templates do, with Jinja's autoescaping, so every value from the data is
escaped. This module picks labels in the page language, marks values in another language (for the
``lang`` attribute), maps IRIs to links that work on the host being served, and finds SDG badges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.core.describe import NOTATION, Description, label_of, pick
from publisher.core.jsonld import Context
from publisher.core.namespaces import DCTERMS, RDF, RDFS, SCHEMA, SDG, SKOS, goal_iri, goal_number
from publisher.core.urls import Urls
from publisher.serve.render import colours, locale
from publisher.serve.render.labels import (
    CLASS_LABELS,
    PROPERTY_LABELS,
    PROPERTY_ORDER,
    PROVENANCE_ORDER,
    is_placeholder,
    reverse_label,
)
from publisher.serve.render.schema_org import resource_document

DESCRIPTION_PROPERTIES = (str(SCHEMA.description), str(SKOS.definition), str(RDFS.comment),
                          str(DCTERMS.description))
_TYPE = str(RDF.type)
_XSD = "http://www.w3.org/2001/XMLSchema#"
DATE_TYPES = (_XSD + "date", _XSD + "dateTime", _XSD + "dateTimeStamp")
_RANK = {key: i for i, key in enumerate(PROPERTY_ORDER)}
_LAST = {key: i for i, key in enumerate(PROVENANCE_ORDER)}


def row_rank(row: Row) -> tuple:
    """Where a row goes: the named order, then unnamed keys, then provenance; ties by label."""
    if row.key in _LAST:
        return (2, _LAST[row.key], "")
    if row.key in _RANK:
        return (0, _RANK[row.key], "")
    return (1, 0, row.label.casefold())


@dataclass
class Value:
    text: str
    href: str | None = None
    lang: str | None = None  # set when the value's language differs from the page's
    badge: colours.Badge | None = None
    notation: str = ""
    language: str | None = None  # the literal's own language tag
    datetime: str | None = None  # an xsd:date/dateTime in ISO form (for <time datetime>); text is for people


@dataclass
class Row:
    key: str
    label: str
    iri: str
    values: list[Value] = field(default_factory=list)


@dataclass
class Page:
    iri: str
    title: str
    title_lang: str | None
    types: list[Value]
    description: Value | None
    properties: list[Row]
    incoming: list[Row]
    badges: list[Value]
    schema_org: dict | None
    sparql_query: str


class PageBuilder:
    """Builds the view model of one description for one language."""

    def __init__(self, ctx: Context, linker: Urls, lang: str) -> None:
        self.ctx, self.linker, self.lang = ctx, linker, lang

    def page(self, d: Description) -> Page:
        labels = d.labels
        outgoing = d.outgoing()
        title_literal = self._label(labels, d.iri)
        title = title_literal.value if title_literal else self._short(d.iri)
        description, shown = None, None
        for predicate in DESCRIPTION_PROPERTIES:
            texts = [o for o in d.values(predicate) if isinstance(o, ox.Literal)]
            if texts:
                description, shown = self._literal(pick(texts, self.lang)[0]), predicate
                break
        # The description is shown once, under the title: not again in the table.
        properties = self._rows(((t.predicate.value, t.object) for t in outgoing
                                 if t.predicate.value not in (_TYPE, shown)), labels, reverse=False)
        incoming = self._rows(((t.predicate.value, t.subject) for t in d.incoming()), labels, reverse=True)
        return Page(
            iri=d.iri, title=title, title_lang=self._foreign(title_literal),
            types=[self._class(o) for o in d.values(_TYPE) if isinstance(o, ox.NamedNode)],
            description=description, properties=properties, incoming=incoming,
            badges=self._badges(d), schema_org=schema_org(d, self.ctx, self.lang), sparql_query=f"DESCRIBE <{d.iri}>",
        )

    def _rows(self, pairs, labels, reverse: bool) -> list[Row]:
        rows: dict[str, Row] = {}
        for predicate, value in pairs:
            row = rows.get(predicate)
            if row is None:
                key = self.ctx.reverse.get(predicate) if reverse else self.ctx.properties.get(predicate, ("",))[0]
                label = self._property_label(key, predicate, reverse)
                row = rows[predicate] = Row(key or "", label, predicate)
            row.values.append(self._value(value, labels))
        for row in rows.values():
            # A German placeholder designation ("Unterziel 13.2") is no text: the UN's English one stands.
            if len(row.values) > 1:
                row.values = [v for v in row.values if not (v.language == "de" and is_placeholder(v.text))]
            # One text in several languages: show the page's language only, when it is there.
            if any(v.language == self.lang for v in row.values):
                row.values = [v for v in row.values if v.language in (None, self.lang)]
            row.values.sort(key=lambda v: (v.notation.zfill(8) if v.notation else "", v.text.casefold()))
        return sorted(rows.values(), key=row_rank)

    def _property_label(self, key: str | None, predicate: str, reverse: bool) -> str:
        if key and key in PROPERTY_LABELS:
            de, en = PROPERTY_LABELS[key]
            return de if self.lang == "de" else en
        short = self.ctx.compact_iri(predicate)
        if not reverse:
            return short
        forward = self.ctx.properties.get(predicate, ("",))[0]
        de, en = PROPERTY_LABELS.get(forward, (short, short))
        return reverse_label(short, de if self.lang == "de" else en, self.lang)

    def _value(self, node, labels) -> Value:
        if isinstance(node, ox.Literal):
            return self._literal(node)
        if isinstance(node, ox.BlankNode):
            return Value(text=f"_:{node.value}")
        literal = self._label(labels, node.value)
        notation = label_of(labels, node.value, self.lang, (NOTATION,))
        text = literal.value if literal else self._short(node.value)
        badge = self._badge_for(node.value, notation.value if notation else "")
        return Value(text=text, href=self.linker.href(node.value) or None, lang=self._foreign(literal), badge=badge,
                     notation=notation.value if notation else "")

    def _literal(self, literal: ox.Literal) -> Value:
        if literal.datatype.value in DATE_TYPES:
            return Value(text=locale.when(literal.value, self.lang), datetime=literal.value)
        return Value(text=literal.value, lang=self._foreign(literal), language=literal.language or None)

    def _label(self, labels, iri: str) -> ox.Literal | None:
        """The name in the page language; a German placeholder designation gives way to the English text."""
        literal = label_of(labels, iri, self.lang)
        if literal is not None and literal.language == "de" and is_placeholder(literal.value):
            english = label_of(labels, iri, "en")
            if english is not None and english.language == "en":
                return english
        return literal

    def _foreign(self, literal: ox.Literal | None) -> str | None:
        return literal.language if literal is not None and literal.language and literal.language != self.lang \
            else None

    def _class(self, node: ox.NamedNode) -> Value:
        key = self.ctx.classes.get(node.value)
        if key in CLASS_LABELS:
            de, en = CLASS_LABELS[key]
            return Value(text=de if self.lang == "de" else en, href=self.linker.href(node.value) or None)
        return Value(text=self._short(node.value), href=self.linker.href(node.value) or None)

    def _badge_for(self, iri: str, notation: str) -> colours.Badge | None:
        if not iri.startswith(str(SDG)):
            return None
        number = goal_number(notation or iri[len(str(SDG)):])
        return colours.badge(number) if number else None

    def _badges(self, d: Description) -> list[Value]:
        """The goals this resource serves (or is): what the coloured badges at the top show."""
        candidates = [d.iri] + [o.value for o in d.values(self.ctx.expand("ib:sdg")) if isinstance(o, ox.NamedNode)]
        candidates += [o.value for o in d.values(self.ctx.expand("ib:alignedTo")) if isinstance(o, ox.NamedNode)]
        seen, out = set(), []
        for iri in candidates:
            number = goal_number(iri[len(str(SDG)):]) if iri.startswith(str(SDG)) else None
            if number is None or number in seen:
                continue
            seen.add(number)
            goal = goal_iri(number)
            literal = self._label(d.labels, goal)
            out.append(Value(text=literal.value if literal else f"SDG {number}", href=self.linker.href(goal) or None,
                             badge=colours.badge(number), notation=str(number), lang=self._foreign(literal)))
        return sorted(out, key=lambda v: int(v.notation))

    def _short(self, iri: str) -> str:
        return self.ctx.compact_iri(iri)


def schema_org(d: Description, ctx: Context, lang: str = "de") -> dict | None:
    """The resource's schema.org statements as JSON-LD for search engines (``render.schema_org``)."""
    return resource_document(d, ctx.base_iri + "def/", lang)
