"""The lists developers and spreadsheet users expect: all partners, all events, all alignments.

Each list exists as rows (for CSV, the home page and the HTML tables) and as a set of triples with
its roots (for framed JSON-LD: every partner with its alignments embedded). A partner is whatever
took part in an event or is the subject of an alignment and is not itself an event. All queries go
through a store's ``query`` with the union of the named graphs as default graph.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.core.describe import LINK_LABEL_PROPERTIES, NOTATION, Labels, label_of, labels_of
from publisher.core.namespaces import DCTERMS, PROV, RDF, SCHEMA, SDG, SKOS

PREFIXES = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in (
    ("schema", SCHEMA), ("skos", SKOS), ("rdf", RDF), ("prov", PROV), ("dcterms", DCTERMS), ("ib", "IB")))

EVENT_TYPES = "schema:Event schema:Festival schema:SocialEvent schema:BusinessEvent schema:EducationEvent"

PATTERNS = {
    "partners": f"""{{ {{ ?e schema:attendee ?s }} UNION {{ ?a ib:alignedResource ?s }}
        FILTER NOT EXISTS {{ VALUES ?et {{ {EVENT_TYPES} }} ?s a ?et }} }}""",
    "events": f"{{ VALUES ?et {{ {EVENT_TYPES} }} ?s a ?et }}",
    "alignments": "{ ?s a ib:Alignment }",
}

# The columns of each CSV: (column, property the value comes from, how to write it).
COLUMNS: dict[str, tuple[str, ...]] = {
    "partners": ("id", "name", "type", "url", "goals", "dimensions"),
    "events": ("id", "name", "type", "startDate", "endDate", "location", "superEvent", "organizer", "participants"),
    "alignments": ("id", "alignedResource", "alignedResourceName", "alignedTo", "alignedToLabel", "reviewStatus",
                   "attributedTo", "created", "rationale"),
}

KINDS = tuple(PATTERNS)
_LABELS = " ".join(f"<{p}>" for p in LINK_LABEL_PROPERTIES)
_LABEL_QUERY = f"CONSTRUCT {{ ?l ?p ?o }} WHERE {{ VALUES ?p {{ {_LABELS} }} ?l ?p ?o }}"


@dataclass
class Item:
    """One row of a list: the resource and its values by property IRI."""

    iri: str
    values: dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]] = field(default_factory=dict)

    def first(self, predicate: str) -> ox.NamedNode | ox.Literal | ox.BlankNode | None:
        found = self.values.get(predicate)
        return found[0] if found else None


@dataclass
class Listing:
    """One list, read once from the store: its items and the labels of everything they link to."""

    kind: str
    items: list[Item]
    labels: Labels
    triples: list[ox.Triple]

    @property
    def roots(self) -> list[str]:
        return [item.iri for item in self.items]

    def add_labels(self, triples: set[ox.Triple]) -> None:
        """Know the names of more resources (say, goals no partner serves) for labels, not for the list."""
        labels_of(triples, into=self.labels)

    def label_literal(self, iri: str, lang: str = "de") -> ox.Literal | None:
        """The resource's name in ``lang`` (else German, else English, else any)."""
        return label_of(self.labels, iri, lang)

    def label(self, iri: str, lang: str = "de") -> str:
        """The name as text; the IRI when the resource has none."""
        literal = self.label_literal(iri, lang)
        return literal.value if literal is not None else iri

    def notation(self, iri: str) -> str:
        literal = label_of(self.labels, iri, "de", (NOTATION,))
        return literal.value if literal is not None else ""


def read_listing(store, kind: str, ib_namespace: str) -> Listing:
    """Everything one list needs, from a few queries; ``store.query`` must use the union graph.

    The triples travel as Oxigraph's N-Triples lines (bytes), which are deduplicated, filtered and
    sorted as bytes and parsed once: a set and a sort of triple objects by ``sort_key`` were most of
    the time of the build's list step (issue 14). Lines sort as ``sort_key`` does except where one IRI
    is a prefix of another followed by a character before ``>``; the order only has to be stable.
    """
    prefixes = PREFIXES.replace("IB", ib_namespace)
    pattern = PATTERNS[kind]
    roots = f"{{ SELECT DISTINCT ?s WHERE {pattern} }}"
    lines = _lines(store, f"{prefixes} CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {roots} ?s ?p ?o }}")
    if kind == "partners":  # the frame embeds each partner's alignments (of a partner: of no event)
        lines |= _lines(store, f"""{prefixes} CONSTRUCT {{ ?a ?p ?o }} WHERE {{ ?a ib:alignedResource ?s
            FILTER NOT EXISTS {{ VALUES ?et {{ {EVENT_TYPES} }} ?s a ?et }} ?a ?p ?o }}""")
    linked = {obj[:-2] for obj in (line.split(b" ", 2)[2] for line in lines)
              if obj.startswith(b"<") and not obj.startswith(b"<<")}
    if linked:
        lines |= {line for line in _lines(store, _LABEL_QUERY) if line.split(b" ", 1)[0] in linked}
    triples = [q.triple for q in ox.parse(b"\n".join(sorted(lines)) + b"\n", format=ox.RdfFormat.N_TRIPLES)]
    items: dict[str, Item] = {}
    member = {row["s"].value for row in store.query(f"{prefixes} SELECT DISTINCT ?s WHERE {pattern}")}
    for t in triples:
        if isinstance(t.subject, ox.NamedNode) and t.subject.value in member:
            items.setdefault(t.subject.value, Item(t.subject.value)).values.setdefault(
                t.predicate.value, []).append(t.object)
    labels = labels_of(triples)
    ordered = sorted(items.values(), key=lambda i: (_sort_name(i, labels), i.iri))
    return Listing(kind, ordered, labels, triples)


def _lines(store, construct: str) -> set[bytes]:
    """The N-Triples lines of a CONSTRUCT query's result, written by Oxigraph."""
    result = store.query(construct)
    if hasattr(result, "serialize"):  # pyoxigraph's own result; an external store gives triples
        data = result.serialize(format=ox.RdfFormat.N_TRIPLES)
    else:
        data = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES)
    return set(data.splitlines()) - {b""}


def label_triples(store, nodes: set[ox.NamedNode]) -> set[ox.Triple]:
    """The names, labels and notations of ``nodes`` (one query over all labels, filtered here)."""
    if not nodes:
        return set()
    return {t for t in store.query(_LABEL_QUERY) if t.subject in nodes}


def _sort_name(item: Item, labels: dict) -> str:
    names = labels.get(item.iri, {})
    for predicate in LINK_LABEL_PROPERTIES:
        if predicate in names:
            return names[predicate][0].value.casefold()
    return item.iri


def rows(listing: Listing, ib_namespace: str) -> list[dict[str, str]]:
    """The CSV rows of a list: German names, goals as numbers, several values joined by ``; ``."""
    schema = str(SCHEMA)
    rdf_type = str(RDF.type)
    out = []
    for item in listing.items:
        def joined(predicate: str, how=lambda v: v.value, item=item) -> str:
            return "; ".join(sorted({how(v) for v in item.values.get(predicate, [])}, key=_natural))

        def label_of(node) -> str:
            return listing.label(node.value) if isinstance(node, ox.NamedNode) else node.value

        name = listing.label(item.iri)
        if listing.kind == "partners":
            row = {"id": item.iri, "name": name,
                   "type": joined(rdf_type, lambda v: _local(v.value)), "url": joined(schema + "url"),
                   "goals": joined(ib_namespace + "sdg", lambda v: listing.notation(v.value) or v.value),
                   "dimensions": joined(ib_namespace + "quadrangleDimension", label_of)}
        elif listing.kind == "events":
            row = {"id": item.iri, "name": name, "type": joined(rdf_type, lambda v: _local(v.value)),
                   "startDate": joined(schema + "startDate"), "endDate": joined(schema + "endDate"),
                   "location": joined(schema + "location", label_of),
                   "superEvent": joined(schema + "superEvent", label_of),
                   "organizer": joined(schema + "organizer", label_of),
                   "participants": str(len(item.values.get(schema + "attendee", [])))}
        else:
            resource, target = item.first(ib_namespace + "alignedResource"), item.first(ib_namespace + "alignedTo")
            rationale = [v for v in item.values.get(ib_namespace + "rationale", []) if v.language in ("de", "")]
            row = {"id": item.iri, "alignedResource": resource.value if resource else "",
                   "alignedResourceName": label_of(resource) if resource else "",
                   "alignedTo": target.value if target else "",
                   "alignedToLabel": _target_label(listing, target),
                   "reviewStatus": joined(ib_namespace + "reviewStatus", label_of),
                   "attributedTo": joined(str(PROV.wasAttributedTo), label_of),
                   "created": joined(str(DCTERMS.created)),
                   "rationale": rationale[0].value if rationale else ""}
        out.append(row)
    return out


def _target_label(listing: Listing, target) -> str:
    """``SDG 13: Maßnahmen zum Klimaschutz`` for a goal, ``SDG 11.2`` for a target, else the label."""
    if not isinstance(target, ox.NamedNode):
        return ""
    notation, label = listing.notation(target.value), listing.label(target.value)
    if not target.value.startswith(str(SDG)) or not notation:
        return label
    return f"SDG {notation}" if "." in notation else f"SDG {notation}: {label}"


# OWASP "CSV injection": a cell starting with one of these is a formula to a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """The cell as a spreadsheet shows it as text: a leading ``'`` before ``= + - @``, tab or CR.

    A value that itself starts with ``'`` gets one more, so ``restore_cell`` gives back every value exactly.
    """
    return "'" + value if value.startswith((*FORMULA_START, "'")) else value


def restore_cell(value: str) -> str:
    """The value ``neutralise_cell`` was given (for pages made from the CSV files)."""
    return value[1:] if value.startswith("'") else value


def to_csv(listing: Listing, ib_namespace: str) -> str:
    """RFC 4180 CSV with a header row (CRLF line ends, as spreadsheets expect), formula cells neutralised."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS[listing.kind], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: neutralise_cell(v) for k, v in row.items()} for row in rows(listing, ib_namespace))
    return buffer.getvalue()


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _natural(text: str) -> list[tuple[int, int, str]]:
    """Sort key that puts goal 2 before goal 11."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in text.replace(".", " . ").split()]


def search(store, text: str, ib_namespace: str, limit: int = 50) -> list[tuple[str, ox.Literal]]:
    """Resources whose name or label contains ``text`` (case-insensitive), best (shortest) names first.

    Alignments are left out: their names repeat the partner's, and the partner's page lists them.
    ``text`` enters the query as a literal written by pyoxigraph, which escapes quotes and backslashes.
    """
    needle = str(ox.Literal(text.casefold()))
    alignment = ox.NamedNode(ib_namespace + "Alignment")
    found: dict[str, ox.Literal] = {}
    for row in store.query(f"""SELECT ?s ?label WHERE {{ VALUES ?p {{ {_LABELS} }} ?s ?p ?label
            FILTER(isIRI(?s) && isLiteral(?label) && CONTAINS(LCASE(STR(?label)), {needle}))
            FILTER NOT EXISTS {{ ?s a {alignment} }} }}"""):
        iri = row["s"].value
        # The shortest name; among equally short ones German first, so every store (whatever order it
        # answers in) gives the same page.
        if iri not in found or _name_rank(row["label"]) < _name_rank(found[iri]):
            found[iri] = row["label"]
    return sorted(found.items(), key=lambda kv: (len(kv[1].value), kv[1].value.casefold()))[:limit]


def _name_rank(label: ox.Literal) -> tuple[int, bool, str, str]:
    return (len(label.value), label.language != "de", label.language or "", label.value)


def office_iri(store, ib_namespace: str) -> str | None:
    """The organisation whose tasks the data lists: the office the home page introduces."""
    for row in store.query(f"SELECT ?o WHERE {{ ?o <{ib_namespace}task> ?t }} ORDER BY ?o LIMIT 1"):
        return row["o"].value
    return None


def described_iris(store, base_iri: str, limit: int) -> list[str]:
    """The IRIs below ``base_iri`` that the release describes (what the sitemap lists)."""
    return [row["s"].value for row in store.query(
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), {ox.Literal(base_iri)})) }} "
        f"ORDER BY ?s LIMIT {int(limit)}")]
