"""Named queries: the example queries of the query page, each also at a stable URL ``/queries/<name>``.

Each is a file ``publisher/queries/<name>.rq``: a header of ``# key: value`` lines (``title``,
``description``, with ``@de`` variants, and ``param: <name> <kind> <default>``), then the query, whose
relative IRIs resolve against the configured base IRI. Parameters are never pasted into the text: a
value is checked against its kind and bound to the query's variable of the same name through the
engine's substitution (SEP-0007), so no value can change the query's structure. (pyoxigraph binds only
variables the query projects, so each parameter is also a column of the result.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from publisher.core.namespaces import SDG_GOALS, goal_iri
from publisher.core.terms import TermSpec, term
from publisher.core.text import positive_int

QUERY_DIR = Path(__file__).resolve().parent / "queries"
_HEADER = re.compile(r"#\s*([a-z]+(?:@[a-z]{2})?)\s*:\s*(.*)")
MAX_TEXT = 200


class ParameterError(ValueError):
    """A parameter value that is not of its kind; the message tells the client what is allowed."""


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # "sdg-goal", "quadrangle-dimension", "review-status" or "text"
    default: str


# The concept schemes (below the base IRI) whose concepts' last path segment is a valid value of a kind.
CONCEPT_KINDS = {"quadrangle-dimension": "def/quadrangle", "review-status": "def/review-status"}
KINDS = ("sdg-goal", "text", *CONCEPT_KINDS)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    titles: Mapping[str, str] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()

    def title(self, lang: str = "en") -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.name

    def description(self, lang: str = "en") -> str:
        return self.descriptions.get(lang) or self.descriptions.get("en") or ""

    def sparql(self, base_iri: str) -> str:
        """The runnable query: the file's text with the base IRI its relative IRIs resolve against."""
        return f"BASE <{base_iri}>\n{self.text}"

    def bind(self, values: Mapping[str, str], base_iri: str,
             choices: Callable[[str], list[str]]) -> tuple[tuple[str, TermSpec], ...]:
        """Checked substitutions for the parameters (defaults for missing ones); raises ParameterError.

        ``choices(kind)`` lists the allowed values of a concept kind (read from the release).
        """
        out = []
        for p in self.parameters:
            raw = (values.get(p.name) or p.default).strip()
            out.append((p.name, _term(p, raw, base_iri, choices)))
        return tuple(out)


def editor_text(query: NamedQuery, base_iri: str, bindings: tuple[tuple[str, TermSpec], ...]) -> str:
    """The query for the editor, with its parameter values as a VALUES clause a person can change."""
    text = query.sparql(base_iri)
    if not bindings:
        return text
    names = " ".join(f"?{name}" for name, _ in bindings)
    values = " ".join(str(term(spec)) for _, spec in bindings)
    return f"{text}VALUES ({names}) {{ ({values}) }}\n"


def _term(p: Parameter, raw: str, base_iri: str, choices: Callable[[str], list[str]]) -> TermSpec:
    if p.kind == "sdg-goal":
        goal = positive_int(raw)
        if goal not in SDG_GOALS:
            raise ParameterError(f"Parameter '{p.name}' must be an SDG goal number from 1 to {len(SDG_GOALS)}.")
        return ("iri", goal_iri(goal))
    if p.kind == "text":
        if not raw or len(raw) > MAX_TEXT:
            raise ParameterError(f"Parameter '{p.name}' must be a text of 1 to {MAX_TEXT} characters.")
        return ("literal", raw)
    allowed = choices(p.kind)
    if raw not in allowed:
        raise ParameterError(f"Parameter '{p.name}' must be one of: {', '.join(allowed)}.")
    return ("iri", f"{base_iri}{CONCEPT_KINDS[p.kind]}/{raw}")


def parse(name: str, source: str) -> NamedQuery:
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    parameters = []
    body = []
    for line in source.splitlines():
        match = _HEADER.fullmatch(line.strip()) if not body else None
        if match:
            key, value = match.groups()
            field_name, _, lang = key.partition("@")
            if field_name == "title":
                titles[lang or "en"] = value
            elif field_name == "description":
                descriptions[lang or "en"] = value
            elif field_name == "param":
                pname, kind, default = (value.split(None, 2) + [""])[:3]
                if kind not in KINDS:
                    raise ValueError(f"{name}.rq: unknown parameter kind {kind!r}; known: {', '.join(KINDS)}")
                parameters.append(Parameter(pname, kind, default))
        elif line.strip() or body:
            body.append(line)
    return NamedQuery(name, "\n".join(body).strip() + "\n", titles, descriptions, tuple(parameters))


@cache
def named_queries() -> dict[str, NamedQuery]:
    """All named queries, by name, in file-name order (they ship with the code and never change at run time)."""
    return {path.stem: parse(path.stem, path.read_text(encoding="utf-8"))
            for path in sorted(QUERY_DIR.glob("*.rq"))}
