"""A lexical look at a query before it reaches the engine: is it an update, and does it call out?

pyoxigraph evaluates ``SERVICE <http://…>`` by fetching the remote endpoint, and offers no hook to turn
that off. So a query that uses the ``SERVICE`` keyword is refused here, before it is sent to a worker
(the workers additionally run without network access where the kernel allows; see ``worker.py``).

The scanner tokenizes the way the SPARQL grammar does (comments, strings, IRIs, variables, prefixed
names, language tags), so that the word SERVICE inside a string, an IRI, a comment or a name never
counts, and a keyword is never hidden from it. It scans the text as written and, to be safe against
``\\u`` escapes, once more with escapes resolved; either sighting refuses the query.
"""

from __future__ import annotations

import re

from publisher.serve.store.base import QueryRefused

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


def keywords(text: str) -> list[str]:
    """The bare words of ``text`` (keywords and function names), upper-cased, in order."""
    return [m.group("word").upper() for m in _TOKEN.finditer(text) if m.lastgroup == "word"]


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


def check_query(text: str) -> None:
    """Raise ``QueryRefused`` for an update or a federated query; anything else goes to the parser."""
    variants = (text, _unescape(text)) if "\\" in text else (text,)
    for variant in variants:
        if query_form(variant) == "UPDATE":
            raise QueryRefused(READ_ONLY_MESSAGE)
        if "SERVICE" in keywords(variant):
            raise QueryRefused(SERVICE_MESSAGE)
