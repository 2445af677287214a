"""SPARQL syntax errors in plain German and English, with line and column.

The store seam reports a syntax error as the parser's English text: rdflib's (the guard, ``at line 3,
column 14: Expected SelectQuery``) or Oxigraph's (``error at 3:14: expected one of "(", OPTIONAL, […]``).
People read neither well, so this module reads the position and the expected tokens out of that text and
says them again in words, through the UI message catalogues (the caller passes ``t``, the catalogue
lookup, so this module needs no Flask). The raw text is kept for the page's ``<details>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from babel.lists import format_list

from publisher.serve.render import locale

#: ``t(key, lang)``: a UI text from the message catalogues (``publisher.serve.web.i18n.t``).
Translate = Callable[[str, str], str]

#: At most this many expected tokens are named; the rest is "…".
MAX_EXPECTED = 8
_RDFLIB = re.compile(r"at line (?P<line>\d+), column (?P<col>\d+): Expected (?P<expected>.+?)\.?\s*$", re.S)
_OXIGRAPH = re.compile(r"error at (?P<line>\d+):(?P<col>\d+): expected (?:one of )?(?P<expected>.+)$", re.S)
#: rdflib's grammar rules that people know by their keyword.
_RULES = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE",
          "AskQuery": "ASK", "WhereClause": "WHERE", "GroupGraphPattern": "{ … }", "Var": "?variable"}
_QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
_PROLOGUE = re.compile(r"#[^\n]*|\bPREFIX\s+[^:\s]*:\s*<[^>]*>|\bBASE\s*<[^>]*>", re.I)
_PREFIXED_NAME = re.compile(r"([A-Za-z][\w.-]*)?:[\w.%-]*$")


@dataclass(frozen=True)
class SyntaxProblem:
    """Where the parser stopped and what it expected there (tokens as written in a query)."""

    line: int
    column: int
    expected: tuple[str, ...]
    #: The name of an undeclared prefix (Oxigraph's "Prefix not found"), else ``None``.
    missing_prefix: str | None = None
    #: How many expected tokens were left out (beyond ``MAX_EXPECTED``).
    more: int = 0


@dataclass(frozen=True)
class ErrorText:
    """A query error for people: the message in the page language and the engine's own text."""

    message: str
    raw: str


def read_problem(raw: str, query: str) -> SyntaxProblem | None:
    """The position and expectations in a parser message, or ``None`` when it names no position."""
    for pattern, tokens in ((_RDFLIB, _rdflib_tokens), (_OXIGRAPH, _oxigraph_tokens)):
        match = pattern.search(raw)
        if match:
            line, column = int(match["line"]), int(match["col"])
            expected = tokens(match["expected"])
            missing = None
            if "Prefix not found" in expected:
                expected = [e for e in expected if e != "Prefix not found"]
                missing = _prefix_before(query, line, column)
            if expected and all(e in _QUERY_FORMS for e in expected) and _prologue_only(query, line, column):
                pass  # at the start of the query: the keyword of a query form is what is missing
            elif any(e in _QUERY_FORMS for e in expected):
                expected = []  # rdflib names the whole query form that failed somewhere after its start
            kept = tuple(dict.fromkeys("end" if e == "end of text" else e for e in expected))
            return SyntaxProblem(line, column, kept[:MAX_EXPECTED], missing, max(0, len(kept) - MAX_EXPECTED))
    return None


def _rdflib_tokens(text: str) -> list[str]:
    names = [n.strip() for n in text.strip("{} ").split("|")]
    return [_RULES.get(n, n) for n in names if n]


def _oxigraph_tokens(text: str) -> list[str]:
    """Oxigraph's list: quoted tokens, keywords, character classes (``['a' ..= 'z' | …]``, ``[_]`` = any)."""
    out: list[str] = []
    for item in _split_top(" ".join(text.split())):
        if item.startswith('"') and item.endswith('"') and len(item) >= 2:
            out.append(item[1:-1])
        elif item.startswith("[") and item.endswith("]"):
            inner = item[1:-1].strip()
            single = re.fullmatch(r"'(.|\\\\)'", inner)
            if single:
                out.append(single[1].replace("\\\\", "\\"))
            elif ".." in inner:
                out.append("name")  # a letter range: the start of a name (a local name, a prefix, a variable)
            # "[_]" matches any character: it says nothing to a reader
        elif item:
            out.append(item)
    return out


def _split_top(text: str) -> list[str]:
    """``a, "b", [x, y]`` split at the commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def _prefix_before(query: str, line: int, column: int) -> str | None:
    """The prefix of the prefixed name that ends just before (or at) ``line``:``column``."""
    lines = query.splitlines()
    if not 0 < line <= len(lines):
        return None
    head = lines[line - 1][:column].rstrip()
    head = re.split(r"[\s;,.(){}]", head)[-1] if head else ""
    match = _PREFIXED_NAME.search(head)
    return (match[1] or "") if match else None


def _prologue_only(query: str, line: int, column: int) -> bool:
    """Whether only PREFIX/BASE declarations and comments come before ``line``:``column``."""
    lines = query.splitlines()
    before = "\n".join([*lines[:line - 1], lines[line - 1][:column - 1] if line <= len(lines) else ""])
    return not _PROLOGUE.sub(" ", before).strip()


def _near(query: str, line: int, column: int) -> str:
    """The word of the query at the position (what the parser stopped at), or ``""`` at the end."""
    lines = query.splitlines()
    if not 0 < line <= len(lines):
        return ""
    rest = lines[line - 1][max(0, column - 1):].strip()
    return rest.split()[0][:30] if rest else ""


def explain(raw: str, query: str, lang: str, t: Translate) -> ErrorText | None:
    """The syntax error ``raw`` for ``query`` in ``lang``, or ``None`` when ``raw`` names no position."""
    problem = read_problem(raw, query)
    if problem is None:
        return None
    where = t("sparql_syntax_at", lang) % {"line": locale.number(problem.line, lang),
                                            "column": locale.number(problem.column, lang)}
    near = _near(query, problem.line, problem.column) if problem.missing_prefix is None else ""
    if near:
        where += " " + t("sparql_syntax_near", lang) % {"text": near}
    if problem.missing_prefix is not None:
        what = t("sparql_syntax_prefix", lang) % {"prefix": problem.missing_prefix + ":"}
    elif problem.expected:
        words = [t("sparql_token_" + e, lang) if e in ("name", "end") else f"„{e}“" if lang == "de" else f"“{e}”"
                 for e in problem.expected]
        if problem.more:
            words.append("…")
        what = t("sparql_syntax_expected", lang) % {"tokens": format_list(words, style="or",
                                                                          locale=locale.locale(lang))}
    else:
        what = t("sparql_syntax_unexpected", lang)
    return ErrorText(f"{where}: {what}", " ".join(raw.split()))


def bilingual(raw: str, query: str, t: Translate) -> str | None:
    """The syntax error as ``German / English (parser: raw)`` for the protocol's plain error bodies."""
    de, en = explain(raw, query, "de", t), explain(raw, query, "en", t)
    if de is None or en is None:
        return None
    return f"{de.message} / {en.message} (parser: {en.raw})"
