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
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from publisher.core import formats
from publisher.core.terms import term
from publisher.serve.store.base import (
    QueryFailed,
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    ResultNotAcceptable,
)
from publisher.serve.store.guard import check_query, has_dataset_clause

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

SOLUTION_FORMATS = {f.name for f in formats.SOLUTION_FORMATS}
GRAPH_FORMATS = {f.name for f in formats.GRAPH_FORMATS}
#: A graph result may also be asked for as a SPARQL JSON table (subject, predicate, object), for the HTML view.
GRAPH_AS_TABLE = formats.SPARQL_JSON.name
TRIPLE_VARIABLES = ("subject", "predicate", "object")
ASK_VARIABLE = "_askResult"  # the column name other stores use for ASK as CSV/TSV


def execute(store: ox.Store, request: QueryRequest) -> QueryResult:
    """Evaluate ``request`` on ``store`` and serialize the result; raises ``QueryError`` subclasses."""
    check_query(request.query)
    options: dict = {}
    if request.default_graphs is None and request.named_graphs is None:
        # The endpoint's default graph is the union of the release's graphs, unless the query names its own.
        options["use_default_graph_as_union"] = not has_dataset_clause(request.query)
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
    except SyntaxError as exc:
        raise QuerySyntaxError(f"Syntax error in the query: {exc}") from None
    except ValueError as exc:  # e.g. an IRI in the dataset that is not an IRI
        raise QuerySyntaxError(str(exc)) from None
    except (OSError, RuntimeError) as exc:
        # Evaluation errors from the engine (not file errors: the store is open already).
        raise QueryFailed(f"The query could not be evaluated: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or ["unknown error"])[0][:300]


def _cut(items: Iterable, max_rows: int) -> tuple[list, bool]:
    rows = list(itertools.islice(items, max_rows + 1))
    return (rows[:max_rows], True) if len(rows) > max_rows else (rows, False)


def _solutions(result: ox.QuerySolutions, request: QueryRequest) -> QueryResult:
    fmt = request.solutions_format
    if fmt not in SOLUTION_FORMATS:
        raise ResultNotAcceptable("This SELECT query gives a table of solutions; ask for SPARQL JSON, SPARQL XML, "
                                  "CSV or TSV.")
    variables = tuple(v.value for v in result.variables)
    rows, truncated = _cut(result, request.max_rows)
    table = [tuple(row[i] for i in range(len(variables))) for row in rows]
    body = WRITERS[fmt](variables, table, request.truncation_link if truncated else "")
    return QueryResult("solutions", fmt, body, len(table), truncated, variables)


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
    if fmt == GRAPH_AS_TABLE:
        triples, truncated = _cut(result, request.max_rows)
        table = [(t.subject, t.predicate, t.object) for t in triples]
        body = write_json(TRIPLE_VARIABLES, table, request.truncation_link if truncated else "")
        return QueryResult("graph", fmt, body, len(table), truncated, TRIPLE_VARIABLES)
    if fmt not in GRAPH_FORMATS:
        raise ResultNotAcceptable("This query gives an RDF graph; ask for Turtle, N-Triples, JSON-LD or RDF/XML.")
    triples, truncated = _cut(result, request.max_rows)
    rdf_format = getattr(ox.RdfFormat, formats.get(fmt).oxigraph)
    prefixes = dict(request.prefixes) if fmt in (formats.TURTLE.name, formats.RDFXML.name) else None
    body = ox.serialize(triples, format=rdf_format, prefixes=prefixes)
    if truncated and fmt in (formats.TURTLE.name, formats.NTRIPLES.name):
        note = (f"# Truncated: only the first {len(triples)} triples (the endpoint's row limit). "
                f"{request.truncation_link}")
        body = note.rstrip().encode() + b"\n" + body
    return QueryResult("graph", fmt, body, len(triples), truncated, ())


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
