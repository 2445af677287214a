"""Load the ontology, vocabularies and data files, remembering which file every triple came from.

Each file becomes one named graph (``{base}graph/data/organizations`` for ``data/organizations.ttl``),
so that a validation message can name the file and line, and so that SPARQL users can ask where a
statement comes from. Relative IRIs in the files resolve against the configured base IRI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from publisher.core.config import Config

# Turtle and N-Triples only: they never make the parser fetch anything (JSON-LD contexts and RDF/XML
# entities could), and they give line numbers for errors.
RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt"}


class SourceError(Exception):
    """A source file cannot be read; carries the file and, for syntax errors, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path, self.message, self.line = path, message, line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass
class SourceFile:
    path: Path
    relpath: str
    graph_iri: URIRef
    graph: Graph
    lines: list[str] = field(repr=False)
    base_iri: str = ""

    @cached_property
    def prefixes(self) -> dict[str, str]:
        """The prefixes the file itself declares (rdflib's graph also binds its own defaults)."""
        found = {}
        for text in self.lines:
            m = _PREFIX_RE.match(text)
            if m:
                ns = m.group(2)
                found[m.group(1)] = ns if ":" in ns.split("/", 1)[0] else self.base_iri + ns
        return found

    def line_of(self, subject: Node, predicate: Node | None = None) -> int | None:
        """The line where ``subject`` is described (and, if given, where it states ``predicate``)."""
        subject_re = _term_pattern(subject, self.prefixes, self.base_iri)
        if subject_re is None:
            return None
        start = None
        for number, text in enumerate(self.lines, 1):
            if subject_re.match(text):
                start = number
                break
        if start is None or predicate is None:
            return start
        predicate_re = _term_pattern(predicate, self.prefixes, self.base_iri, anchored=False)
        for number in range(start, len(self.lines) + 1):
            text = self.lines[number - 1]
            if number > start and text[:1] not in ("", " ", "\t"):
                break  # the next subject begins
            if predicate_re is not None and predicate_re.search(text):
                return number
        return start


@dataclass
class Sources:
    """Every loaded file, in a stable order, and the dataset they make together."""

    config: Config
    files: list[SourceFile]

    def dataset(self) -> Dataset:
        ds = Dataset()
        for source in self.files:
            target = ds.graph(source.graph_iri)
            for triple in source.graph:
                target.add(triple)
        return ds

    def union(self) -> Graph:
        g = Graph()
        for source in self.files:
            for prefix, ns in source.graph.namespaces():
                g.bind(prefix, ns, override=False)
            g += source.graph
        return g

    def locate(self, subject: Node, predicate: Node | None = None) -> tuple[str, int | None] | None:
        """The file (and line) that describes ``subject``; the one stating ``predicate`` if any does."""
        fallback = None
        for source in self.files:
            if (subject, None, None) not in source.graph:
                continue
            if predicate is not None and (subject, predicate, None) in source.graph:
                return source.relpath, source.line_of(subject, predicate)
            fallback = fallback or (source.relpath, source.line_of(subject))
        return fallback

    def __iter__(self) -> Iterator[SourceFile]:
        return iter(self.files)


def source_paths(config: Config) -> list[Path]:
    """The RDF files that make up the dataset: ontology first, then data, each sorted by name."""
    paths: list[Path] = []
    for folder in (config.ontology_dir, config.data_dir):
        if folder.is_dir():
            paths += sorted(p for p in folder.rglob("*") if p.suffix in RDF_SUFFIXES and p.is_file())
    return paths


def load_file(path: Path, config: Config, relpath: str | None = None) -> SourceFile:
    relpath = relpath or _relative(path, config.root)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(relpath, f"not UTF-8 text (byte {exc.start})") from None
    graph_iri = URIRef(config.iri("graph/" + relpath.rsplit(".", 1)[0]))
    graph = Graph()
    try:
        graph.parse(data=text, format=RDF_SUFFIXES[path.suffix], publicID=config.base_iri)
    except Exception as exc:  # rdflib raises many types; each becomes one clear message
        line, message = _syntax_error_location(exc)
        raise SourceError(relpath, message, line) from None
    return SourceFile(path, relpath, graph_iri, graph, text.splitlines(), config.base_iri)


def load_sources(config: Config) -> Sources:
    """Load every source file; the first unreadable one stops the load with its file and line."""
    return Sources(config, [load_file(p, config) for p in source_paths(config)])


def load_graph(paths: list[Path], config: Config) -> Graph:
    """Parse plain files (the shapes) into one graph, with the same errors as the data."""
    g = Graph()
    for path in paths:
        g += load_file(path, config).graph
    return g


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


_LINE_PATTERNS = [
    re.compile(r"at line (\d+)"),
    re.compile(r"line (\d+)"),
    re.compile(r":(\d+):\d+"),
]


def _syntax_error_location(exc: Exception) -> tuple[int | None, str]:
    line = getattr(exc, "lines", None)
    text = str(exc).strip()
    if hasattr(exc, "_why"):  # rdflib.plugins.parsers.notation3.BadSyntax
        line = exc.lines + 1  # type: ignore[attr-defined]
        text = f"Turtle syntax error: {exc._why}"  # type: ignore[attr-defined]
        snippet = getattr(exc, "_str", b"")
        pos = getattr(exc, "_i", None)
        if isinstance(snippet, bytes | str) and isinstance(pos, int):
            snippet = snippet.decode("utf-8", "replace") if isinstance(snippet, bytes) else snippet
            start = snippet.rfind("\n", 0, pos) + 1
            end = snippet.find("\n", pos)
            near = snippet[start : end if end != -1 else None].strip()
            if near:
                text += f" (near: {near[:80]})"
        return line, text
    if not isinstance(line, int):
        line = None
        for pattern in _LINE_PATTERNS:
            m = pattern.search(text)
            if m:
                line = int(m.group(1))
                break
    return line, text.splitlines()[0] if text else type(exc).__name__


_PREFIX_RE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w\-]*):\s*<([^>]*)>", re.IGNORECASE)


def _term_pattern(
    term: Node, prefixes: dict[str, str], base_iri: str, anchored: bool = True
) -> re.Pattern[str] | None:
    """A regex for the ways a file may spell ``term``: ``<full>``, ``<relative>`` or ``prefix:local``."""
    if not isinstance(term, URIRef):
        return None
    iri = str(term)
    spellings = [re.escape(f"<{iri}>")]
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            spellings.append(re.escape(f"{prefix}:{iri[len(ns):]}") + r"(?![\w\-.:/])")
    if iri.startswith(base_iri):
        spellings.append(re.escape(f"<{iri[len(base_iri):]}>"))
    if str(term) == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
        spellings.append(r"\ba\b")
    body = "|".join(spellings)
    return re.compile(rf"^\s*(?:{body})" if anchored else rf"(?:{body})")
