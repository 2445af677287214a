"""The home page's SDG overview: which partners serve which goal and quadrangle dimension.

Computed once per release and language from the partners list, then drawn by the template as an
SVG matrix (rows: partners, columns: the 17 goals and the 4 dimensions) with its geometry decided
here. Large datasets show the first ``MAX_ROWS`` partners in the picture; the counts cover all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.core.listing import Listing
from publisher.core.namespaces import SDG_GOALS, goal_iri
from publisher.core.urls import Urls
from publisher.serve.render import colours

MAX_ROWS = 60
ROW_HEIGHT = 18
COLUMN_WIDTH = 22
LABEL_WIDTH = 300
HEADER_HEIGHT = 70
NAME_CHARS = 44


@dataclass
class Column:
    key: str  # goal number or dimension IRI
    label: str
    short: str
    href: str
    x: int
    fill: str
    text: str
    count: int = 0
    partners: list[tuple[str, str, str | None]] = field(default_factory=list)  # (href, name, lang)


@dataclass
class PartnerRow:
    name: str
    short: str
    lang: str | None
    href: str
    y: int
    cells: list[Column]


@dataclass
class Overview:
    goals: list[Column]
    dimensions: list[Column]
    rows: list[PartnerRow]
    total: int
    width: int
    height: int


def overview(listing: Listing, ib_namespace: str, linker: Urls, lang: str) -> Overview:
    dimension_iris = sorted({v.value for item in listing.items
                             for v in item.values.get(ib_namespace + "quadrangleDimension", [])
                             if isinstance(v, ox.NamedNode)}, key=lambda i: (listing.notation(i), i))
    goals = []
    for number in SDG_GOALS:
        badge = colours.badge(number)
        assert badge is not None
        iri = goal_iri(number)
        goals.append(Column(str(number), f"SDG {number}: {listing.label(iri, lang)}", str(number),
                            linker.href(iri), LABEL_WIDTH + (number - 1) * COLUMN_WIDTH,
                            badge.background, badge.text))
    dimensions = []
    for index, iri in enumerate(dimension_iris):
        label = listing.label(iri, lang)
        dimensions.append(Column(iri, label, label[:4], linker.href(iri),
                                 LABEL_WIDTH + (len(SDG_GOALS) + index) * COLUMN_WIDTH + 8, "#4a4a4a", "#FFFFFF"))
    by_key = {c.key: c for c in goals + dimensions}
    rows = []
    for index, item in enumerate(listing.items):
        keys = {listing.notation(v.value) or v.value.rsplit("/", 1)[-1]
                for v in item.values.get(ib_namespace + "sdg", []) if isinstance(v, ox.NamedNode)}
        keys |= {v.value for v in item.values.get(ib_namespace + "quadrangleDimension", [])
                 if isinstance(v, ox.NamedNode)}
        name, name_lang = _name(listing, item.iri, lang)
        cells = [by_key[k] for k in sorted(keys, key=lambda k: (k not in by_key or not k.isdigit(), k))
                 if k in by_key]
        for column in cells:
            column.count += 1
            column.partners.append((linker.href(item.iri), name, name_lang))
        if index < MAX_ROWS:
            short = name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"
            rows.append(PartnerRow(name, short, name_lang, linker.href(item.iri),
                                   HEADER_HEIGHT + index * ROW_HEIGHT, cells))
    width = LABEL_WIDTH + (len(SDG_GOALS) + len(dimensions)) * COLUMN_WIDTH + 16
    return Overview(goals, dimensions, rows, len(listing.items), width, HEADER_HEIGHT + len(rows) * ROW_HEIGHT + 8)


def _name(listing: Listing, iri: str, lang: str) -> tuple[str, str | None]:
    """The partner's name in the page language if it has one, and the language to mark it with."""
    literal = listing.label_literal(iri, lang)
    if literal is None:
        return iri, None
    return literal.value, literal.language if literal.language and literal.language != lang else None
