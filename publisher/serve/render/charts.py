"""Pictures of the network, drawn on the server as SVG with a table that says the same.

From the alignments list: for each goal and each quadrangle dimension, which partners serve it and
whether the office confirmed that or it is only proposed. The template draws one horizontal bar per
goal (one row each, so a phone shows every goal without scrolling sideways): the confirmed part solid,
the proposed part hatched (shape and pattern, not colour alone, with a legend), each bar a link to the
filtered partner list. The same numbers, with every partner named, are in the table below the picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox

from publisher.core.listing import Listing
from publisher.core.namespaces import SDG, SDG_GOALS, goal_iri, goal_number
from publisher.core.urls import Urls
from publisher.serve.render import colours
from publisher.serve.render.labels import is_placeholder

BAR_HEIGHT = 22
ROW_GAP = 30  # label line above each bar
WIDTH = 360
LABEL_X = 4
BAR_X = 40
DIMENSION_FILL = "#4a4a4a"  # as in the overview: the dimensions have no colours of their own


@dataclass
class Bar:
    key: str
    label: str
    lang: str | None
    href: str
    list_href: str
    fill: str
    text: str
    y: int
    confirmed: list[tuple[str, str, str | None]] = field(default_factory=list)  # (href, name, lang)
    proposed: list[tuple[str, str, str | None]] = field(default_factory=list)
    number: int | None = None
    confirmed_width: float = 0
    proposed_width: float = 0

    @property
    def count(self) -> int:
        return len(self.confirmed) + len(self.proposed)


@dataclass
class Chart:
    goals: list[Bar]
    dimensions: list[Bar]
    width: int
    goals_height: int
    dimensions_height: int
    scale_max: int


def chart(alignments: Listing, ib: str, dimensions: list[str], links: Urls, lang: str) -> Chart:
    """Partners per goal and per dimension, split by review status."""
    def name(iri: str) -> tuple[str, str | None]:
        literal = alignments.label_literal(iri, lang)
        if literal is not None and literal.language == "de" and is_placeholder(literal.value):
            literal = alignments.label_literal(iri, "en")
        if literal is None:
            return iri.rsplit("/", 1)[-1], None
        return literal.value, literal.language if literal.language and literal.language != lang else None

    suffix = {"lang": lang} if links.lang_query else {}
    goals: dict[int, Bar] = {}
    for i, n in enumerate(SDG_GOALS):
        badge = colours.badge(n)
        label, label_lang = name(goal_iri(n))
        goals[n] = Bar(str(n), label, label_lang, links.href(goal_iri(n)),
                       links.local("partners") + "?" + urlencode({"goal": n, **suffix}),
                       badge.background, badge.text, i * (BAR_HEIGHT + ROW_GAP), number=n)
    dims: dict[str, Bar] = {}
    for i, iri in enumerate(dimensions):
        label, label_lang = name(iri)
        local = iri.rsplit("/", 1)[-1]
        fill, text = DIMENSION_FILL, "#ffffff"
        dims[iri] = Bar(local, label, label_lang, links.href(iri),
                        links.local("partners") + "?" + urlencode({"dimension": local, **suffix}),
                        fill, text, i * (BAR_HEIGHT + ROW_GAP))
    seen: set[tuple[str, str]] = set()
    for item in alignments.items:
        resource, target = item.first(ib + "alignedResource"), item.first(ib + "alignedTo")
        status = item.first(ib + "reviewStatus")
        if not isinstance(resource, ox.NamedNode) or not isinstance(target, ox.NamedNode):
            continue
        if isinstance(status, ox.NamedNode) and status.value.endswith("/rejected"):
            continue
        number = goal_number(target.value[len(str(SDG)):]) if target.value.startswith(str(SDG)) else None
        bar = goals.get(number) if number else dims.get(target.value)
        if bar is None or (bar.key, resource.value) in seen:
            continue
        seen.add((bar.key, resource.value))
        partner_name, partner_lang = name(resource.value)
        entry = (links.href(resource.value), partner_name, partner_lang)
        confirmed = isinstance(status, ox.NamedNode) and status.value.endswith("/confirmed")
        (bar.confirmed if confirmed else bar.proposed).append(entry)
    bars = list(goals.values()) + list(dims.values())
    scale_max = max([b.count for b in bars] + [1])
    span = WIDTH - BAR_X - 40
    for bar in bars:
        bar.confirmed.sort(key=lambda e: e[1].casefold())
        bar.proposed.sort(key=lambda e: e[1].casefold())
        bar.confirmed_width = round(span * len(bar.confirmed) / scale_max, 1)
        bar.proposed_width = round(span * len(bar.proposed) / scale_max, 1)
    height = lambda n: n * (BAR_HEIGHT + ROW_GAP) + 4  # noqa: E731
    return Chart(list(goals.values()), list(dims.values()), WIDTH, height(len(goals)), height(len(dims)), scale_max)
