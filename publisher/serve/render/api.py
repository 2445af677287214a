"""The representations of the plain JSON API and of the paged JSON-LD lists: RDF terms to plain JSON.

The web layer (``publisher.serve.web.api``) imports neither pyoxigraph nor rdflib; what turns the
store's terms into JSON values lives here. The API's objects are made once per release from the three
lists of ``publisher.core.listing`` (the same data as /partners, /events, /alignments and the home
page), so the API and the pages can never disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

from publisher.core.jsonld import Context, list_document
from publisher.core.listing import Listing
from publisher.core.namespaces import RDF, SCHEMA, SDG_GOALS, goal_iri, goal_number
from publisher.core.urls import Urls

_TYPE = str(RDF.type)
_S = str(SCHEMA)


def page_slice(total: int, page: int, size: int) -> tuple[int, int, int]:
    """(start, end, last page) of page ``page`` (from 1) of ``total`` items; ``last`` is at least 1."""
    last = max(1, -(-total // size))
    start = (page - 1) * size
    return start, min(total, start + size), last


def list_page(ctx: Context, listing: Listing, page: int, size: int, embed: bool) -> bytes:
    """One page of a JSON-LD list; ``embed`` nests incoming nodes (a partner's alignments) whole."""
    start, end, _ = page_slice(len(listing.items), page, size)
    roots = listing.roots[start:end]
    document = list_document(ctx, roots, listing.triples, embed_reverse=embed)
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _names(listing: Listing, iri: str) -> dict[str, str]:
    out = {}
    for lang in ("de", "en"):
        literal = listing.label_literal(iri, lang)
        if literal is not None and (literal.language or lang) not in out:
            out[literal.language or lang] = literal.value
    return out


def _values(item, predicate: str) -> list[str]:
    return sorted({v.value for v in item.values.get(predicate, [])})


def _text_map(values: list) -> dict[str, str]:
    return {v.language or "und": v.value for v in sorted(values, key=lambda v: v.language or "")
            if isinstance(v, ox.Literal)}


@dataclass
class ApiData:
    """Everything the API answers from, for one release: plain JSON-ready dicts, in list order."""

    partners: list[dict]
    events: list[dict]
    alignments: list[dict]
    goals: list[dict]

    def partner(self, key: str) -> dict | None:
        return next((p for p in self.partners if p["key"] == key), None)


def api_data(partners: Listing, events: Listing, alignments: Listing, base_iri: str, links: Urls) -> ApiData:
    """The API's objects, from the three lists (``partners`` must know the goals' labels)."""
    ib = base_iri + "def/"
    id_root = base_iri + "id/"

    def key(iri: str) -> str:
        return iri[len(id_root):] if iri.startswith(id_root) else iri

    def ref(listing: Listing, iri: str) -> dict:
        return {"id": iri, "name": listing.label(iri), "page": links.href(iri)}

    aligned: dict[str, list[dict]] = {}
    alignment_objects = []
    for item in alignments.items:
        resource, target = item.first(ib + "alignedResource"), item.first(ib + "alignedTo")
        if resource is None or target is None:
            continue
        status = item.first(ib + "reviewStatus")
        notation = alignments.notation(target.value)
        goal = goal_number(notation) if target.value.startswith(goal_iri(1)[:-1]) and notation else None
        obj = {
            "id": item.iri, "key": key(item.iri),
            "partner": resource.value, "partnerName": alignments.label(resource.value),
            "alignedTo": target.value, "alignedToLabel": _names(alignments, target.value),
            "notation": notation or None, "goal": goal,
            "dimension": _local(target.value) if target.value.startswith(ib + "quadrangle/") else None,
            "reviewStatus": _local(status.value) if status is not None else None,
            "attributedTo": [alignments.label(v) for v in _values(item, "http://www.w3.org/ns/prov#wasAttributedTo")],
            "created": (item.first("http://purl.org/dc/terms/created") or ox.Literal("")).value or None,
            "rationale": _text_map(item.values.get(ib + "rationale", [])),
        }
        alignment_objects.append(obj)
        aligned.setdefault(resource.value, []).append(obj)

    attended: dict[str, list[str]] = {}
    event_objects = []
    for item in events.items:
        start = (item.first(_S + "startDate") or ox.Literal("")).value or None
        end = (item.first(_S + "endDate") or ox.Literal("")).value or None
        participants = _values(item, _S + "attendee")
        for p in participants:
            attended.setdefault(p, []).append(item.iri)
        event_objects.append({
            "id": item.iri, "key": key(item.iri), "name": events.label(item.iri), "names": _names(events, item.iri),
            "types": sorted({_local(t) for t in _values(item, _TYPE)}),
            "startDate": start, "endDate": end, "year": int(start[:4]) if start and start[:4].isdigit() else None,
            "location": [events.label(v) for v in _values(item, _S + "location")],
            "superEvent": _values(item, _S + "superEvent"),
            "participants": participants, "participantCount": len(participants),
            "page": links.href(item.iri),
        })
    event_by_iri = {e["id"]: e for e in event_objects}

    partner_objects = []
    for item in partners.items:
        goals = sorted({n for v in _values(item, ib + "sdg") if (n := goal_number(v.rsplit("/", 1)[-1]))})
        own = aligned.get(item.iri, [])
        partner_objects.append({
            "id": item.iri, "key": key(item.iri), "name": partners.label(item.iri), "names": _names(partners, item.iri),
            "types": sorted({_local(t) for t in _values(item, _TYPE)}),
            "url": _values(item, _S + "url"),
            "goals": goals,
            "dimensions": sorted({_local(v) for v in _values(item, ib + "quadrangleDimension")}),
            "reviewStatus": sorted({a["reviewStatus"] for a in own if a["reviewStatus"]}),
            "events": [{"id": e, "name": event_by_iri[e]["name"]} if e in event_by_iri else {"id": e}
                       for e in sorted(attended.get(item.iri, []))],
            "page": links.href(item.iri),
        })

    goal_objects = []
    for number in SDG_GOALS:
        iri = goal_iri(number)
        members = [p for p in partner_objects if number in p["goals"]]
        goal_objects.append({
            "number": number, "id": iri, "title": _names(partners, iri),
            "partnerCount": len(members),
            "partners": [{"id": p["id"], "key": p["key"], "name": p["name"]} for p in members],
            "page": links.href(iri),
        })
    return ApiData(partner_objects, event_objects, alignment_objects, goal_objects)


def partner_detail(data: ApiData, partner: dict) -> dict:
    """One partner with its goals (number and title), its events and its alignments."""
    goals = {g["number"]: g for g in data.goals}
    events = {e["id"]: e for e in data.events}
    return {
        **partner,
        "goals": [{"number": n, "id": goals[n]["id"], "title": goals[n]["title"]} for n in partner["goals"]],
        "events": [{k: events[e["id"]][k] for k in ("id", "key", "name", "startDate", "endDate", "types")}
                   if e["id"] in events else e for e in partner["events"]],
        "alignments": [a for a in data.alignments if a["partner"] == partner["id"]],
    }


def solution_rows(sparql_json: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """SPARQL JSON results as plain rows (``[{"partner": "…", "name": "…"}]``, Datasette's objects shape):
    each bound variable's value, unbound ones left out."""
    data = json.loads(sparql_json)
    variables = data.get("head", {}).get("vars", [])
    rows = [{k: b[k]["value"] for k in variables if k in b} for b in data.get("results", {}).get("bindings", [])]
    return variables, rows


def search_document(ctx: Context, iris: list[str], label_triples: set) -> bytes:
    """The search results as JSON-LD: each found resource (best first) with its names and labels."""
    document = list_document(ctx, iris, sorted(label_triples, key=str), embed_reverse=False)
    return json.dumps(document, ensure_ascii=False, indent=1).encode()
