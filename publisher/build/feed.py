"""The change feed: every release's changes as a Linked Data Event Stream (SEMIC's DCAT-AP Feeds).

Harvesters that keep a copy of the data read the feed from where they stopped instead of re-reading
everything. Each release adds one activity per resource or catalogue dataset that it added
(``as:Create``), changed (``as:Update``) or removed (``as:Delete``), with ``as:object`` the resource's
IRI and ``as:published`` the release's build time; the stream declares ``ldes:timestampPath
as:published`` and ``ldes:versionOfPath as:object``, as DCAT-AP Feeds requires. (DCAT-AP Feeds and its
shape name the removal ``as:Delete``; Activity Streams' ``as:Remove`` means "taken out of a collection".)

Paging (TREE): the root node ``/feed`` has a ``tree:GreaterThanOrEqualToRelation`` on ``as:published``
to every page, so a harvester can jump to the newest; each page links to the next one the same way.
A page closes when it holds ``Config.feed_page_size`` members: its successor is opened (empty) at that
moment, so a closed page never changes again. Closed pages are copied byte for byte from the previous
release; only the open page and the root are written anew. ``feed/state.json`` carries the pages and
the open page's members from release to release (like the catalogue's dates, ``catalog/dates.py``).

A release without a previous feed (the first build, or the first with this step) starts the stream with
an ``as:Create`` for everything it holds. After a rollback, the next build continues the feed of the
release served, so pages the abandoned release had opened after it are written again.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from publisher.build.catalog.dates import previous_state
from publisher.build.catalog.graph import CatalogIris
from publisher.build.changes import compare
from publisher.core import urls
from publisher.core.namespaces import AS, DCTERMS, LDES, RDF, TREE, XSD
from publisher.core.release import Layout

if TYPE_CHECKING:  # the pipeline imports this module to register the step
    from publisher.build.pipeline import BuildContext

RDF_TYPE = str(RDF.type)
DCT_TITLE = str(DCTERMS.title)
XSD_DATETIME = str(XSD.dateTime)
# changes.json's words -> the Activity Streams type of the activity
ACTIVITY = {"added": "Create", "changed": "Update", "removed": "Delete"}
STATE_VERSION = 1


@dataclass(frozen=True)
class Member:
    type: str  # Create, Update or Delete
    object: str  # the IRI of the resource or dataset
    published: str  # the release's build time, ISO 8601 UTC


@dataclass(frozen=True)
class Page:
    number: int
    lower: str | None  # the GreaterThanOrEqualTo bound of its members (None: an empty stream so far)
    count: int


@dataclass
class State:
    closed: list[Page]
    open_number: int
    open_lower: str | None
    open_members: list[Member]

    @classmethod
    def empty(cls) -> State:
        return cls([], 1, None, [])


def read_state(layout: Layout | None) -> State | None:
    """The feed a release recorded, or None if it has none (or one this code cannot read)."""
    if layout is None:
        return None
    try:
        raw = json.loads(layout.feed_state.read_text(encoding="utf-8"))
        if raw.get("version") != STATE_VERSION:
            return None
        return State([Page(**p) for p in raw["closed"]], raw["open"]["number"], raw["open"]["lower"],
                     [Member(**m) for m in raw["open"]["members"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(layout: Layout, state: State) -> None:
    body = {"version": STATE_VERSION, "closed": [asdict(p) for p in state.closed],
            "open": {"number": state.open_number, "lower": state.open_lower,
                     "members": [asdict(m) for m in state.open_members]}}
    layout.feed_state.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def activities(ctx: BuildContext, published: str, snapshot: bool) -> list[Member]:
    """This release's activities: one per changed resource (in changes.json's order), then per dataset.

    ``snapshot``: no earlier feed to continue, so everything the release holds is announced as created.
    """
    base = ctx.config.base_iri
    if snapshot:
        changes = compare(None, ctx.layout.dataset, base)
    else:
        # changes.json of the release being written: the pipeline writes it before the artifact steps.
        changes = json.loads(ctx.layout.changes.read_text(encoding="utf-8")).get("changes", [])
    out: list[Member] = []
    seen: set[str] = set()
    for change in changes:  # several changed properties of one resource are one Update
        if change["iri"] in seen:
            continue
        seen.add(change["iri"])
        out.append(Member(ACTIVITY[change["change"]], change["iri"], published))
    iris = CatalogIris(ctx.config)
    before = {} if snapshot else previous_state(ctx.previous.layout if ctx.previous else None)
    after = previous_state(ctx.layout)  # what the catalogue step has just written
    for slug in sorted(set(before) | set(after)):
        if slug not in before:
            kind = "Create"
        elif slug not in after:
            kind = "Delete"
        elif before[slug].fingerprint != after[slug].fingerprint:
            kind = "Update"
        else:
            continue
        out.append(Member(kind, str(iris.dataset(slug)), published))
    return out


def feed_step(ctx: BuildContext) -> None:
    """Build step: carry the previous feed over and add this release's activities."""
    layout, config = ctx.layout, ctx.config
    published = ctx.manifest["built_at"]
    old = read_state(ctx.previous.layout) if ctx.previous else None
    state = old or State.empty()
    (layout.feed / "pages").mkdir(parents=True, exist_ok=True)
    for page in state.closed:  # closed pages never change: the same bytes as before
        shutil.copyfile(ctx.previous.layout.feed_page(page.number), layout.feed_page(page.number))
    new = activities(ctx, published, snapshot=old is None)
    members, number, lower = list(state.open_members), state.open_number, state.open_lower
    pending = list(new)
    size = config.feed_page_size
    while True:
        # Members already on the open page stay there (their IRIs name the page); new ones fill it up.
        room = max(size - len(members), 0)
        members, pending = members + pending[:room], pending[room:]
        lower = lower or (members[0].published if members else None)
        if len(members) < size:
            break
        upper = members[-1].published  # every later member is published at or after it
        _write_page(layout, config.base_iri, number, members, (number + 1, upper))
        state.closed.append(Page(number, lower, len(members)))
        members, number, lower = [], number + 1, upper
    _write_page(layout, config.base_iri, number, members, None)
    state.open_number, state.open_lower, state.open_members = number, lower, members
    pages = [*state.closed, Page(number, lower, len(members))]
    _write_nt(layout.feed_root, _root_triples(config.base_iri, pages))
    write_state(layout, state)
    ctx.manifest["feed"] = {"pages": len(pages), "members": sum(p.count for p in pages), "new": len(new)}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _when(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=_n(XSD_DATETIME))


def _stream(base: str) -> list[ox.Triple]:
    stream = _n(base + urls.FEED_STREAM)
    return [
        ox.Triple(stream, _n(RDF_TYPE), _n(LDES + "EventStream")),
        ox.Triple(stream, _n(LDES + "timestampPath"), _n(AS + "published")),
        ox.Triple(stream, _n(LDES + "versionOfPath"), _n(AS + "object")),
        ox.Triple(stream, _n(DCT_TITLE), ox.Literal("Änderungen: Büro für Internationale Beziehungen Dortmund",
                                                    language="de")),
        ox.Triple(stream, _n(DCT_TITLE), ox.Literal("Changes: Office for International Relations Dortmund",
                                                    language="en")),
    ]


def _relation(node: ox.NamedNode, relation: ox.NamedNode, target: str, lower: str | None) -> list[ox.Triple]:
    kind = "GreaterThanOrEqualToRelation" if lower else "Relation"
    out = [ox.Triple(node, _n(TREE + "relation"), relation),
           ox.Triple(relation, _n(RDF_TYPE), _n(TREE + kind)),
           ox.Triple(relation, _n(TREE + "node"), _n(target))]
    if lower:
        out += [ox.Triple(relation, _n(TREE + "path"), _n(AS + "published")),
                ox.Triple(relation, _n(TREE + "value"), _when(lower))]
    return out


def _root_triples(base: str, pages: list[Page]) -> list[ox.Triple]:
    root = _n(base + urls.FEED)
    out = [*_stream(base), ox.Triple(_n(base + urls.FEED_STREAM), _n(TREE + "view"), root),
           ox.Triple(root, _n(RDF_TYPE), _n(TREE + "Node"))]
    for page in pages:
        out += _relation(root, _n(f"{base}{urls.FEED}#page-{page.number}"), base + urls.feed_page(page.number),
                         page.lower)
    return out


def _write_page(layout: Layout, base: str, number: int, members: list[Member],
                successor: tuple[int, str] | None) -> None:
    page_iri = base + urls.feed_page(number)
    page = _n(page_iri)
    stream = _n(base + urls.FEED_STREAM)
    out = [*_stream(base), ox.Triple(page, _n(RDF_TYPE), _n(TREE + "Node"))]
    for index, member in enumerate(members, 1):
        activity = _n(f"{page_iri}#{index}")
        out += [ox.Triple(stream, _n(TREE + "member"), activity),
                ox.Triple(activity, _n(RDF_TYPE), _n(AS + member.type)),
                ox.Triple(activity, _n(AS + "object"), _n(member.object)),
                ox.Triple(activity, _n(AS + "published"), _when(member.published))]
    if successor is not None:
        out += _relation(page, _n(page_iri + "#next"), base + urls.feed_page(successor[0]), successor[1])
    _write_nt(layout.feed_page(number), out)


def _write_nt(path: Path, triples: list[ox.Triple]) -> None:
    """Sorted N-Triples: the same triples always give the same bytes."""
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
