"""The guard in front of the engine: nesting depth, then a real parse that decides update/SERVICE refusal.

pyoxigraph evaluates ``SERVICE <http://…>`` by fetching the remote endpoint and offers no hook to turn
that off, and it accepts some texts the SPARQL 1.1 grammar does not (``FILTER(!!…)``), recursing once per
level. So before a query reaches a worker:

1. ``check_depth`` measures the nesting (brackets, braces, parentheses, ``!`` chains) on the tokens, so
   brackets in strings, IRIs and comments never count; deeper than ``query_max_depth`` is 400. This is
   cheap and runs first, so that no parser recursion is spent on a hostile text.
2. ``check_query`` parses the text with rdflib's complete SPARQL 1.1 parser (pyparsing). A query is
   refused (403) when its parse tree holds a ``ServiceGraphPattern``; a text that parses as an update
   is refused as read-only; a text that parses as neither is a ``QuerySyntaxError`` (400, line and column).

A lexer heuristic decided this before and was bypassed by ``FILTER(?o<?p)SERVICE#>``, which it read as one
IRI. The lexer below is kept for cheap questions (the query form, keywords for the response cache, the
depth count) and as an extra sighting: if it sees the keyword SERVICE the query is refused as well.
The workers' empty network namespace (``worker.py``) stays the second wall.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from publisher.serve.store.base import QueryRefused, QuerySyntaxError, engine_error

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)
               |\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|$)
               |'(?:[^'\\\n\r]|\\.)*'?
               |"(?:[^"\\\n\r]|\\.)*"?)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][^\s(){}\[\],;.<>=!&|+*/^"'\#]*)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[^\W\d][\w.\-\u00B7]*)?:(?:[\w.\-:%\u00B7]|\\.)*)
    | (?P<word>[^\W\d]\w*)
    | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})
_PROLOGUE = frozenset({"BASE", "PREFIX"})

READ_ONLY_MESSAGE = ("This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, …) is not "
                     "accepted, and the data was not changed.")
SERVICE_MESSAGE = ("Federated queries (SERVICE) are not supported: this endpoint never sends requests to other "
                   "servers on behalf of a query.")
#: Texts up to this length have their verdict remembered (by hash), so a repeated query is parsed once.
_MEMO_MAX_TEXT = 8192
_OPENERS = frozenset("({[")
# rdflib's pyparsing grammar is not thread-safe (concurrent parses fail at random): one parse at a time.
_PARSE_LOCK = threading.Lock()
_CLOSERS = frozenset(")}]")


def keywords(text: str) -> tuple[str, ...]:
    """The bare words of ``text`` (keywords and function names), upper-cased, in order. Remembered for the
    last few short texts: one request asks for the words of its query up to seven times (cache, guard, seam)."""
    return _lex(text)[0]


def _scan(text: str) -> tuple[tuple[str, ...], int]:
    """One pass of the lexer over ``text``: its bare words (upper-cased) and its nesting depth (see
    ``nesting_depth``) — the guard needs both for every query, and each pass costs 20–30 µs."""
    words: list[str] = []
    depth = deepest = bangs = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind != "other":
            bangs = 0
            if kind == "word":
                words.append(match.group().upper())
            continue
        char = match.group()
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth = max(0, depth - 1)
        if char == "!" and text[match.end():match.end() + 1] != "=":
            bangs += 1
        elif char not in _OPENERS:
            bangs = 0
        deepest = max(deepest, depth + bangs)
    return tuple(words), deepest


_remembered_scan = lru_cache(maxsize=64)(_scan)  # at most 64 texts of ≤ 8 KB


def _lex(text: str) -> tuple[tuple[str, ...], int]:
    return _remembered_scan(text) if len(text) <= _MEMO_MAX_TEXT else _scan(text)


def _unescape(text: str) -> str:
    def char(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code < 0x110000 else match.group(0)

    return _ESCAPE.sub(char, text)


def query_form(text: str) -> str | None:
    """SELECT, CONSTRUCT, ASK, DESCRIBE, UPDATE (for an update request) or ``None`` if unrecognisable."""
    for word in keywords(text):
        if word in _PROLOGUE:
            continue
        if word in QUERY_FORMS:
            return word
        if word in UPDATE_KEYWORDS:
            return "UPDATE"
        return None
    return None


def has_dataset_clause(text: str) -> bool:
    """Whether the query chooses its own dataset (``FROM``/``FROM NAMED``)."""
    return "FROM" in keywords(text)


def query_hash(text: str) -> str:
    """A short sha256 of the query text, for logs that must not carry the text itself."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``( { [`` plus a run of unary ``!`` in ``text``, outside strings, IRIs, comments."""
    return _lex(text)[1]


def check_depth(text: str, max_depth: int) -> None:
    """Raise ``QuerySyntaxError`` (400) for a query nested deeper than ``max_depth``."""
    variants = (text, _unescape(text)) if "\\" in text else (text,)
    depth = max(nesting_depth(v) for v in variants)
    if depth > max_depth:
        raise QuerySyntaxError(f"The query is nested too deeply ({depth} levels of brackets or '!'; this endpoint "
                               f"accepts at most {max_depth}). Simplify it.")


def _names(node: object, out: set[str]) -> set[str]:
    """The names of every grammar rule (``CompValue``) in an rdflib parse tree."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            out.add(item.name)
            stack.extend(item.values())
        elif isinstance(item, ParseResults | list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return out


def _syntax_error(exc: Any) -> QuerySyntaxError:
    return QuerySyntaxError(f"Syntax error in the query at line {exc.lineno}, column {exc.col}: {exc.msg}.")


@lru_cache(maxsize=512)
def _verdict(digest: str, text: str) -> str:
    """``ok``, ``service``, ``update``, ``deep`` or ``syntax:`` and the parser's message (remembered)."""
    # Imported here: the workers import this module too, for the lexical check, and need no parser.
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    with _PARSE_LOCK:
        try:
            tree = parseQuery(text)
        except RecursionError:
            return "deep"
        except ParseBaseException as exc:
            try:
                parseUpdate(text)
            except (ParseBaseException, RecursionError):
                return "syntax:" + _syntax_error(exc).message
            return "update"
    return "service" if "ServiceGraphPattern" in _names(tree, set()) else "ok"


def check_lexical(text: str) -> None:
    """The cheap sighting only (no parse): refuse a text whose first keyword is an update or that has the
    keyword SERVICE. Workers run it on every request as one more wall behind ``check_query``."""
    variants = (text, _unescape(text)) if "\\" in text else (text,)
    for variant in variants:
        if query_form(variant) == "UPDATE":
            raise QueryRefused(READ_ONLY_MESSAGE)
        if "SERVICE" in keywords(variant):
            raise QueryRefused(SERVICE_MESSAGE)


def check_query(text: str, max_depth: int | None = None) -> None:
    """Raise ``QueryRefused`` (403) for an update or a federated query, ``QuerySyntaxError`` (400) for a text
    that is not a SPARQL 1.1 query or is nested deeper than ``max_depth`` (checked first, before any parse).

    The decision is a function of the text and ``max_depth`` alone, so for texts up to ``_MEMO_MAX_TEXT`` it
    is remembered whole: the lexical passes cost 0.3 ms per request even when the parse was remembered."""
    if len(text) > _MEMO_MAX_TEXT:
        _check_query(text, max_depth)
        return
    refusal = _remembered_refusal(text, max_depth)
    if refusal is not None:
        kind, args = refusal
        raise kind(*args)


@lru_cache(maxsize=512)
def _remembered_refusal(text: str, max_depth: int | None) -> tuple[type, tuple] | None:
    try:
        _check_query(text, max_depth)
    except (QueryRefused, QuerySyntaxError) as exc:
        return type(exc), exc.args
    return None


def _check_query(text: str, max_depth: int | None) -> None:
    if max_depth is not None:
        check_depth(text, max_depth)
    check_lexical(text)
    digest = query_hash(text)
    verdict = _verdict(digest, text) if len(text) <= _MEMO_MAX_TEXT else _verdict.__wrapped__(digest, text)
    if verdict == "service":
        raise QueryRefused(SERVICE_MESSAGE)
    if verdict == "update":
        raise QueryRefused(READ_ONLY_MESSAGE)
    if verdict == "deep":
        raise QuerySyntaxError("The query is nested too deeply for this endpoint's parser. Simplify it.")
    if verdict.startswith("syntax:"):
        raise QuerySyntaxError(verdict.removeprefix("syntax:"))


_EMPTY = ox.Store()  # parses user queries (nothing to evaluate: the results are never read)
#: Every keyword a check or the seam looks for among a query's words.
WATCHED_WORDS = UPDATE_KEYWORDS | {"SERVICE", "GRAPH", "FROM"}


@dataclass(frozen=True)
class Checked:
    """What ``check_query_fast`` learnt of an accepted query: its kind (``solutions``, ``boolean`` or
    ``graph``, from pyoxigraph's parse) and which of ``WATCHED_WORDS`` are among its words."""

    kind: str
    words: frozenset[str]


def lexer_needed(text: str, max_depth: int) -> bool:
    """Whether the lexer can find anything in ``text`` for the guard: an escape (``\\u``…), more brackets
    and ``!`` than ``max_depth`` allows, or a watched word as a substring (in any case). When not, the
    text can be neither too deep nor an update nor federated, and has no ``GRAPH`` or ``FROM``: the common
    case is decided in C, not by a Python pass over its tokens."""
    if "\\" in text or sum(map(text.count, "({[!")) > max_depth:
        return True
    upper = text.upper()
    return any(word in upper for word in WATCHED_WORDS)


def check_query_fast(text: str, max_depth: int) -> Checked:
    """``check_query``'s refusals without its rdflib parse, which cost 25–70 ms for every new text and was the
    external store's largest cost (1.2–4× Virtuoso direct on aggregates at 1M triples): the nesting limit first
    (pyoxigraph's parser recurses), the lexical update/SERVICE refusal (any SERVICE keyword, so stricter
    than the parse), both only when ``lexer_needed``; then pyoxigraph's parser on an empty store, for the
    embedded store's syntax errors and the query's kind. Used in front of an external store; the embedded
    store keeps ``check_query``."""
    lexed = lexer_needed(text, max_depth)
    if lexed:
        check_depth(text, max_depth)
        check_lexical(text)
    try:
        parsed = _EMPTY.query(text)
    except (SyntaxError, ValueError, OSError, RuntimeError) as exc:
        # Worded as the embedded store words it. A function pyoxigraph does not have (RuntimeError when the
        # plan is made) is refused here too: Virtuoso would run its own — bif:http_get fetches any URL.
        raise engine_error(exc) from None
    kind = "boolean" if isinstance(parsed, ox.QueryBoolean) else \
        "graph" if isinstance(parsed, ox.QueryTriples) else "solutions"
    return Checked(kind, WATCHED_WORDS.intersection(keywords(text)) if lexed else frozenset())
