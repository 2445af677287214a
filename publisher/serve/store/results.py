"""Running one query on an open store and writing its result, with the row cap applied while reading.

This is what a worker process does for each request. The row cap has to be applied to the solution
stream itself (the query's own LIMIT is the user's business), so solutions are read here one by one
and written by the small writers below; graphs are cut the same way and written by pyoxigraph's own
serializers. Every format states the cut where it has room: a ``link`` in the SPARQL JSON/XML head,
a comment in Turtle and N-Triples; the web layer adds a header for every format.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from publisher.core import formats
from publisher.core.terms import term
from publisher.serve.store.base import (
    QueryRefused,
    QueryRequest,
    QueryResult,
    ResultNotAcceptable,
    engine_error,
)
from publisher.serve.store.guard import check_lexical, has_dataset_clause

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

SOLUTION_FORMATS = {f.name for f in formats.SOLUTION_FORMATS}
GRAPH_FORMATS = {f.name for f in formats.GRAPH_FORMATS}
#: A graph result may also be asked for as a SPARQL JSON table (subject, predicate, object), for the HTML view.
GRAPH_AS_TABLE = formats.SPARQL_JSON.name
TRIPLE_VARIABLES = ("subject", "predicate", "object")
ASK_VARIABLE = "_askResult"  # the column name other stores use for ASK as CSV/TSV


def execute(store: ox.Store, request: QueryRequest) -> QueryResult:
    """Evaluate ``request`` on ``store`` and serialize the result; raises ``QueryError`` subclasses.

    The full guard (``guard.check_query``: depth and a parse) runs in the web process before a worker is
    used; here only the cheap lexical sighting runs once more.
    """
    refusal, own_dataset = _lexical(request.query)
    if refusal is not None:
        raise QueryRefused(refusal)
    options: dict = {}
    if request.default_graphs is None and request.named_graphs is None:
        # The endpoint's default graph is the union of the release's graphs, unless the query names its own.
        options["use_default_graph_as_union"] = not own_dataset
    else:  # the protocol's default-graph-uri / named-graph-uri override the query's FROM clauses

        options["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs or ()]
        options["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs or ()]
    if request.substitutions:
        options["substitutions"] = {ox.Variable(name): term(spec) for name, spec in request.substitutions}
    try:
        result = store.query(request.query, **options)
        if isinstance(result, ox.QueryBoolean):
            return _boolean(bool(result), request)
        if isinstance(result, ox.QuerySolutions):
            return _solutions(result, request)
        return _graph(result, request)
    except (SyntaxError, ValueError, OSError, RuntimeError) as exc:
        # Syntax and evaluation errors of the engine (an OSError is not a file's: the store is open already).
        raise engine_error(exc) from None


@lru_cache(maxsize=256)
def _lexical(text: str) -> tuple[str | None, bool]:
    """The lexical sighting and whether the query names its own dataset, remembered per text: both are
    functions of the text alone, and tokenizing it twice cost 35–80 µs of a 150 µs DESCRIBE."""
    try:
        check_lexical(text)
    except QueryRefused as exc:  # its message, not the exception: a raised instance keeps its traceback
        return exc.message, has_dataset_clause(text)
    return None, has_dataset_clause(text)


def _cut(items: Iterable, max_rows: int) -> tuple[list, bool]:
    rows = list(itertools.islice(items, max_rows + 1))
    return (rows[:max_rows], True) if len(rows) > max_rows else (rows, False)


# What one term costs in a written result beyond its own text (JSON keys, XML tags), a generous estimate.
_TERM_OVERHEAD = 96


def _term_size(t: object) -> int:
    if t is None:
        return 0
    if isinstance(t, ox.Literal):
        return len(t.value.encode()) + len(t.datatype.value) + len(t.language or "") + _TERM_OVERHEAD
    if isinstance(t, ox.NamedNode | ox.BlankNode):
        return len(t.value.encode()) + _TERM_OVERHEAD
    return len(str(t).encode()) + _TERM_OVERHEAD


def _read(items: Iterable, request: QueryRequest, width: int) -> tuple[list, bool, bool]:
    """At most ``max_rows`` rows, and no more than about ``max_bytes`` of them, read one by one so that a
    huge result is never held: (rows, truncated, cut by the byte cap)."""
    if not request.max_bytes:
        rows, truncated = _cut(items, request.max_rows)
        return rows, truncated, False
    rows, size = [], 0
    for row in items:
        if len(rows) == request.max_rows:
            return rows, True, False
        size += sum(_term_size(row[i]) for i in range(width)) + 16
        if size > request.max_bytes:
            return rows, True, True
        rows.append(row)
    return rows, False, False


def _fit(rows: list, write: Callable[[list, bool], bytes], max_bytes: int, byte_limited: bool
         ) -> tuple[bytes, list, bool]:
    """Write ``rows``; while the body is over ``max_bytes`` (escaping can outgrow the estimate), drop rows."""
    body = write(rows, byte_limited)
    while max_bytes and len(body) > max_bytes and rows:
        rows = rows[:max(0, min(len(rows) - 1, int(len(rows) * max_bytes / len(body) * 0.9)))]
        byte_limited = True
        body = write(rows, True)
    return body, rows, byte_limited


def _solutions(result: ox.QuerySolutions, request: QueryRequest) -> QueryResult:
    fmt = request.solutions_format
    if fmt not in SOLUTION_FORMATS:
        raise ResultNotAcceptable("This SELECT query gives a table of solutions; ask for SPARQL JSON, SPARQL XML, "
                                  "CSV or TSV.")
    variables = tuple(v.value for v in result.variables)
    rows, truncated, by_bytes = _read(result, request, len(variables))
    table = [tuple(row[i] for i in range(len(variables))) for row in rows]
    body, table, by_bytes = _fit(
        table, lambda part, cut: WRITERS[fmt](variables, part, request.truncation_link if truncated or cut else ""),
        request.max_bytes, by_bytes)
    return QueryResult("solutions", fmt, body, len(table), truncated or by_bytes, variables, by_bytes)


def _boolean(value: bool, request: QueryRequest) -> QueryResult:
    fmt = request.solutions_format
    if fmt not in SOLUTION_FORMATS:
        raise ResultNotAcceptable("This ASK query gives a boolean; ask for SPARQL JSON, SPARQL XML, CSV or TSV.")
    if fmt == formats.SPARQL_JSON.name:
        body = json.dumps({"head": {}, "boolean": value}).encode()
    elif fmt == formats.SPARQL_XML.name:
        body = (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    else:
        body = f"{ASK_VARIABLE}\r\n{'true' if value else 'false'}\r\n".encode() if fmt == formats.CSV.name else \
            f"?{ASK_VARIABLE}\n{'true' if value else 'false'}\n".encode()
    return QueryResult("boolean", fmt, body, 1, False, ())


def _graph(result: ox.QueryTriples, request: QueryRequest) -> QueryResult:
    fmt = request.graph_format
    if fmt != GRAPH_AS_TABLE and fmt not in GRAPH_FORMATS:
        raise ResultNotAcceptable("This query gives an RDF graph; ask for Turtle, N-Triples, JSON-LD or RDF/XML.")
    triples, truncated, by_bytes = _read((_Spo(t) for t in result), request, 3)
    if fmt == GRAPH_AS_TABLE:
        table = [tuple(t) for t in triples]
        body, table, by_bytes = _fit(
            table, lambda part, cut: write_json(TRIPLE_VARIABLES, part,
                                                request.truncation_link if truncated or cut else ""),
            request.max_bytes, by_bytes)
        return QueryResult("graph", fmt, body, len(table), truncated or by_bytes, TRIPLE_VARIABLES, by_bytes)
    rdf_format = getattr(ox.RdfFormat, formats.get(fmt).oxigraph)
    prefixes = dict(request.prefixes) if fmt in (formats.TURTLE.name, formats.RDFXML.name) else None

    def write(part: list, cut: bool) -> bytes:
        body = ox.serialize([t.triple for t in part], format=rdf_format, prefixes=prefixes)
        if (truncated or cut) and fmt in (formats.TURTLE.name, formats.NTRIPLES.name):
            limit = "byte limit" if cut else "row limit"
            note = (f"# Truncated: only the first {len(part)} triples (the endpoint's {limit}). "
                    f"{request.truncation_link}")
            body = note.rstrip().encode() + b"\n" + body
        return body

    body, triples, by_bytes = _fit(triples, write, request.max_bytes, by_bytes)
    return QueryResult("graph", fmt, body, len(triples), truncated or by_bytes, (), by_bytes)


class _Spo(tuple):
    """A triple as (subject, predicate, object), indexable like a solution, keeping the pyoxigraph triple."""

    triple: ox.Triple

    def __new__(cls, triple: ox.Triple) -> _Spo:
        spo = super().__new__(cls, (triple.subject, triple.predicate, triple.object))
        spo.triple = triple
        return spo


# --- SPARQL 1.1 Query Results writers (JSON, XML, CSV, TSV) -------------------------------------------------

Row = Sequence[object]


def _json_term(t: object) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            out["datatype"] = t.datatype.value
        return out
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(t.subject), "predicate": _json_term(t.predicate),
                                            "object": _json_term(t.object)}}
    raise TypeError(f"unexpected term {t!r}")


def write_json(variables: Sequence[str], rows: Sequence[Row], link: str) -> bytes:
    cache: dict = {}
    bindings = []
    for row in rows:
        binding = {}
        for name, t in zip(variables, row, strict=True):
            if t is not None:
                encoded = cache.get(t)
                if encoded is None:
                    encoded = cache[t] = _json_term(t)
                binding[name] = encoded
        bindings.append(binding)
    head: dict = {"vars": list(variables)}
    if link:
        head["link"] = [link]
    return json.dumps({"head": head, "results": {"bindings": bindings}}, ensure_ascii=False,
                      separators=(",", ":")).encode()


def _xml_term(t: object) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    if isinstance(t, ox.Triple):
        return (f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}</predicate>"
                f"<object>{_xml_term(t.object)}</object></triple>")
    raise TypeError(f"unexpected term {t!r}")


def write_xml(variables: Sequence[str], rows: Sequence[Row], link: str) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    if link:
        out.append(f"<link href={quoteattr(link)}/>")
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(name)}>{_xml_term(t)}</binding>"
                for name, t in zip(variables, row, strict=True) if t is not None]
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode()


def _csv_value(t: object) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.NamedNode | ox.Literal):
        return t.value
    return str(t)


def write_csv(variables: Sequence[str], rows: Sequence[Row], link: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_value(t) for t in row] for row in rows)
    return buffer.getvalue().encode()


def write_tsv(variables: Sequence[str], rows: Sequence[Row], link: str) -> bytes:
    # TSV writes terms in their SPARQL/Turtle syntax, which is what pyoxigraph's str() gives (N-Triples).
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


WRITERS = {formats.SPARQL_JSON.name: write_json, formats.SPARQL_XML.name: write_xml, formats.CSV.name: write_csv,
           formats.TSV.name: write_tsv}
