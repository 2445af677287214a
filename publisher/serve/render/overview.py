"""The home page's SDG overview: which partners serve which goal and quadrangle dimension.

Computed once per release and language from the partners list, then drawn by the template as an
SVG matrix (rows: partners, columns: the 17 goals and the 4 dimensions) with its geometry decided
here. Large datasets show the first ``MAX_ROWS`` partners in the picture; the counts cover all.
Everything is readable at the size drawn: column heads in ``FONT_SIZE`` (goal numbers in their badge,
dimension names written out upright), partner names whole, wrapped onto a second line where long.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.core.listing import Listing
from publisher.core.namespaces import SDG_GOALS, goal_iri
from publisher.core.urls import Urls
from publisher.serve.render import colours

MAX_ROWS = 60
ROW_HEIGHT = 18
LINE_HEIGHT = 14  # each further line of a wrapped name
COLUMN_WIDTH = 22
LABEL_WIDTH = 300
FONT_SIZE = 12  # the smallest text in the picture (WCAG 1.4.4 at its drawn size)
#: Room above the columns for the dimension names, written bottom-to-top at ``FONT_SIZE``.
HEADER_HEIGHT = 180
NAME_CHARS = 42  # characters per line of a partner name at ``FONT_SIZE`` in ``LABEL_WIDTH``


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
    lines: list[str]  # the whole name, wrapped at word boundaries (never cut)
    lang: str | None
    href: str
    y: int
    cells: list[Column]

    @property
    def height(self) -> int:
        return ROW_HEIGHT + (len(self.lines) - 1) * LINE_HEIGHT


@dataclass
class Overview:
    goals: list[Column]
    dimensions: list[Column]
    rows: list[PartnerRow]
    total: int
    width: int
    height: int
    header_height: int = HEADER_HEIGHT


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
    y = HEADER_HEIGHT
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
            lines = textwrap.wrap(name, NAME_CHARS, break_on_hyphens=False) or [name]
            rows.append(PartnerRow(name, lines, name_lang, linker.href(item.iri), y, cells))
            y += rows[-1].height
    width = LABEL_WIDTH + (len(SDG_GOALS) + len(dimensions)) * COLUMN_WIDTH + 16
    return Overview(goals, dimensions, rows, len(listing.items), width, y + 8)


def _name(listing: Listing, iri: str, lang: str) -> tuple[str, str | None]:
    """The partner's name in the page language if it has one, and the language to mark it with."""
    literal = listing.label_literal(iri, lang)
    if literal is None:
        return iri, None
    return literal.value, literal.language if literal.language and literal.language != lang else None
