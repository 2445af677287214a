"""The network as a picture: partners ↔ events ↔ goals, drawn on the server as SVG, with tables that say
the same.

Three columns: the partners on the left, the events in the middle, the SDG goals on the right. A line joins
a partner to each event it took part in or organised (``schema:attendee``, ``schema:organizer``; dashed),
a partner or an event to each goal it serves (``ib:sdg``, derived from the alignments that are not
rejected; solid, in the goal's colour), so the line style tells the two kinds apart, not colour alone.
Every name is a link to its page. Only facts of the release: nothing is laid out that the data lacks.
The geometry is decided here; ``templates/network.html`` only draws it. The picture has a fixed size
(text at ``FONT_SIZE``) and scrolls sideways on a phone; the tables below it are the text equivalent.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.core.listing import Listing
from publisher.core.namespaces import SCHEMA, SDG, SDG_GOALS, goal_iri, goal_number
from publisher.core.urls import Urls
from publisher.serve.render import colours

FONT_SIZE = 12
LINE_HEIGHT = 14
ROW_HEIGHT = 22
TOP = 40  # room for the column heads
PARTNER_X = 300  # the partners' dots; their names end just left of them
EVENT_X = 470
GOAL_X = 640  # the goals' dots; their titles start just right of them
WIDTH = 960
NAME_CHARS = 44  # characters per line of a name at FONT_SIZE in the columns' room
EVENT_CHARS = 26
EVENT_COLOUR = "#4a4a4a"
PARTNER_COLOUR = "#0b4f8a"
#: What makes an event's link to a partner.
EVENT_LINKS = (str(SCHEMA) + "attendee", str(SCHEMA) + "organizer")


@dataclass
class Node:
    iri: str
    href: str
    name: str
    lang: str | None  # set where the name is in another language than the page
    lines: list[str]
    x: float = 0
    y: float = 0
    colour: str = PARTNER_COLOUR
    number: int | None = None  # goals only
    events: list[Node] = field(default_factory=list)
    goals: list[Node] = field(default_factory=list)
    partners: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    kind: str  # "event" (partner–event) or "goal" (partner or event – goal)
    title: str


@dataclass
class Network:
    partners: list[Node]
    events: list[Node]
    goals: list[Node]
    edges: list[Edge]
    width: int
    height: int

    @property
    def event_edges(self) -> int:
        return sum(1 for e in self.edges if e.kind == "event")

    @property
    def goal_edges(self) -> int:
        return sum(1 for e in self.edges if e.kind == "goal")


def network(partners: Listing, events: Listing, ib: str, links: Urls, lang: str) -> Network:
    """The picture's nodes, lines and geometry from the partners and events lists of one release."""
    def node(listing: Listing, iri: str, chars: int = NAME_CHARS) -> Node:
        literal = listing.label_literal(iri, lang)
        name = literal.value if literal is not None else iri.rsplit("/", 1)[-1]
        other = literal.language if literal is not None and literal.language and literal.language != lang else None
        return Node(iri, links.href(iri), name, other, textwrap.wrap(name, chars, break_on_hyphens=False) or [name])

    goal_nodes: dict[int, Node] = {}

    def goal(iri: str) -> Node | None:
        number = goal_number(iri[len(str(SDG)):]) if iri.startswith(str(SDG)) else None
        if number not in SDG_GOALS:
            return None
        if number not in goal_nodes:
            found = node(partners, goal_iri(number))
            title = f"{number} {found.name}"
            badge = colours.badge(number)
            goal_nodes[number] = Node(found.iri, found.href, title, found.lang,
                                      textwrap.wrap(title, NAME_CHARS, break_on_hyphens=False) or [title],
                                      colour=badge.background if badge else EVENT_COLOUR, number=number)
        return goal_nodes[number]

    partner_nodes = {item.iri: node(partners, item.iri) for item in partners.items}
    event_nodes = {item.iri: node(events, item.iri, EVENT_CHARS) for item in events.items}
    for item in partners.items:
        for value in item.values.get(ib + "sdg", []):
            target = goal(value.value) if isinstance(value, ox.NamedNode) else None
            if target is not None and target not in partner_nodes[item.iri].goals:
                partner_nodes[item.iri].goals.append(target)
                target.partners.append(partner_nodes[item.iri])
    for item in events.items:
        event = event_nodes[item.iri]
        for predicate in EVENT_LINKS:
            for value in item.values.get(predicate, []):
                partner = partner_nodes.get(value.value) if isinstance(value, ox.NamedNode) else None
                if partner is not None and event not in partner.events:
                    partner.events.append(event)
                    event.partners.append(partner)
        for value in item.values.get(ib + "sdg", []):
            target = goal(value.value) if isinstance(value, ox.NamedNode) else None
            if target is not None and target not in event.goals:
                event.goals.append(target)
    return _layout(list(partner_nodes.values()), list(event_nodes.values()),
                   [goal_nodes[n] for n in sorted(goal_nodes)])


def _layout(partners: list[Node], events: list[Node], goals: list[Node]) -> Network:
    """Partners one under the other (wrapped names make a row taller); events and goals spread evenly."""
    y = TOP
    for p in partners:
        p.x, p.y = PARTNER_X, y + 8
        y += ROW_HEIGHT + (len(p.lines) - 1) * LINE_HEIGHT
    height = max(y, TOP + ROW_HEIGHT * max(len(goals), 3 * len(events), 1)) + 10
    for column, x in ((events, EVENT_X), (goals, GOAL_X)):
        step = (height - TOP - 10) / max(len(column), 1)
        for i, n in enumerate(column):
            n.x, n.y = x, round(TOP + 8 + step * i + (step - ROW_HEIGHT) / 2, 1)
    edges = [Edge(p.x, p.y, e.x, e.y, EVENT_COLOUR, "event", f"{p.name} – {e.name}")
             for p in partners for e in p.events]
    edges += [Edge(p.x, p.y, g.x, g.y, g.colour, "goal", f"{p.name} – {g.name}") for p in partners for g in p.goals]
    edges += [Edge(e.x, e.y, g.x, g.y, g.colour, "goal", f"{e.name} – {g.name}") for e in events for g in e.goals]
    for n in partners + events + goals:
        n.events.sort(key=lambda o: o.name.casefold())
        n.goals.sort(key=lambda o: o.number or 0)
        n.partners.sort(key=lambda o: o.name.casefold())
    return Network(partners, events, goals, edges, WIDTH, int(height))
