"""Load the ontology, vocabularies and data files, remembering which file every triple came from.

Each file becomes one named graph (``{base}graph/data/organizations`` for ``data/organizations.ttl``),
so that a validation message can name the file and line, and so that SPARQL users can ask where a
statement comes from. Relative IRIs in the files resolve against the configured base IRI.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph as ox
import rfc3987
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.core.config import Config

# Turtle and N-Triples only: they never make the parser fetch anything (JSON-LD contexts and RDF/XML
# entities could), and they give line numbers for errors.
RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt"}
OX_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}


# rdflib logs a traceback for every ill-typed literal ("27.11.2026"^^xsd:date) and a warning for every
# malformed IRI. The shapes report such values as wrong dates with the expected form, and _check_iris
# names the bad IRI with its line, so these log lines are only noise (and a traceback) for the staff.
class _ReportedElsewhereFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not (text.startswith("Failed to convert Literal lexical form")
                    or "does not look like a valid URI" in text)


logging.getLogger("rdflib.term").addFilter(_ReportedElsewhereFilter())

BOM = "\ufeff"
# Bidirectional embedding, override and isolate controls: they reorder the text a reader sees.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class SourceError(Exception):
    """A source file cannot be read; carries the file, the line if known, and a German and English text."""

    def __init__(self, path: str, message: str, line: int | None = None, message_de: str | None = None) -> None:
        self.path, self.line = path, line
        self.message_en = message
        self.message_de = message_de or message
        self.message = (self.message_de if self.message_de == message
                        else f"{self.message_de}\n{self.message_en}")
        where = f"{path}:{line}" if line else path
        body = self.message_de if self.message_de == message else f"{self.message_de}\n    {message}"
        super().__init__(f"{where}: {body}")


class SourceFile:
    """One loaded file: its triples live in the named graph ``graph_iri`` of ``store`` (parsed by Oxigraph);
    ``lines`` are kept to name the line of a finding, looked up only when there is something to report."""

    def __init__(self, path: Path, relpath: str, graph_iri: URIRef, store: ox.Store, lines: list[str],
                 base_iri: str = "") -> None:
        self.path, self.relpath, self.graph_iri, self.store = path, relpath, graph_iri, store
        self.lines, self.base_iri = lines, base_iri
        self.ox_graph = ox.NamedNode(str(graph_iri))

    def __repr__(self) -> str:
        return f"SourceFile({self.relpath!r})"

    def triples(self) -> Iterator[ox.Triple]:
        """The file's triples as Oxigraph terms."""
        for q in self.store.quads_for_pattern(None, None, None, self.ox_graph):
            yield ox.Triple(q.subject, q.predicate, q.object)

    def has(self, subject: Node, predicate: Node | None = None) -> bool:
        """Whether the file states anything about ``subject`` (with ``predicate``, if given)."""
        s, p = to_ox(subject), to_ox(predicate) if predicate is not None else None
        if s is None or (predicate is not None and p is None):
            return False
        return next(iter(self.store.quads_for_pattern(s, p, None, self.ox_graph)), None) is not None

    @cached_property
    def graph(self) -> Graph:
        """The file as an rdflib graph (for small callers such as the table import), made on demand."""
        g = Graph()
        for prefix, ns in self.prefixes.items():
            g.bind(prefix, ns, override=False)
        convert = TermConverter()
        for t in self.triples():
            g.add((convert(t.subject), convert(t.predicate), convert(t.object)))
        return g

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

    def line_of_text(self, needle: str) -> int | None:
        """The first line that contains ``needle`` literally."""
        return next((n for n, text in enumerate(self.lines, 1) if needle in text), None)

    def subject_blocks(self) -> list[tuple[URIRef, int, str]]:
        """Each statement that starts at the beginning of a line: (subject, line, subject as written).

        Data files describe one thing per block (``org:adfc a schema:NGO ; … .``); a second block with
        the same subject is almost always a slug used twice, which rdflib would silently merge.
        """
        blocks = []
        statement_open = False
        for number, text in enumerate(self.lines, 1):
            stripped = _strip_comment(text).rstrip()
            if not stripped:
                continue
            if not statement_open and text[:1] not in (" ", "\t") and not _DIRECTIVE_RE.match(text):
                m = _SUBJECT_RE.match(text)
                iri = self._resolve(m.group(1)) if m else None
                if iri is not None and self.has(iri):
                    blocks.append((iri, number, m.group(1)))
            statement_open = not stripped.endswith(".")
        return blocks

    def _resolve(self, token: str) -> URIRef | None:
        if token.startswith("<"):
            return URIRef(urljoin(self.base_iri, token[1:-1]))
        prefix, _, local = token.partition(":")
        ns = self.prefixes.get(prefix)
        return URIRef(ns + local) if ns is not None else None


@dataclass
class Sources:
    """Every loaded file, in a stable order, and the dataset they make together (one Oxigraph store)."""

    config: Config
    files: list[SourceFile]
    store: ox.Store = field(default_factory=ox.Store)

    def dataset(self) -> Dataset:
        """The files as an rdflib dataset (for small callers; the build reads ``store``)."""
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

    def prefixes(self) -> dict[str, str]:
        """Every prefix the files declare (the first file's wins), as rdflib's union would bind them."""
        found: dict[str, str] = {}
        for source in self.files:
            for prefix, ns in source.prefixes.items():
                found.setdefault(prefix, ns)
        return found

    def locate(self, subject: Node, predicate: Node | None = None) -> tuple[str, int | None] | None:
        """The file (and line) that describes ``subject``; the one stating ``predicate`` if any does."""
        fallback = None
        for source in self.files:
            if not source.has(subject):
                continue
            if predicate is not None and source.has(subject, predicate):
                return source.relpath, source.line_of(subject, predicate)
            fallback = fallback or (source.relpath, source.line_of(subject))
        return fallback

    def __iter__(self) -> Iterator[SourceFile]:
        return iter(self.files)

    def check_duplicate_blocks(self, folder: Path) -> None:
        """Refuse a subject described in two blocks of the files under ``folder`` (a slug used twice)."""
        seen: dict[URIRef, tuple[SourceFile, int]] = {}
        for source in self.files:
            if not _is_under(source.path, folder):
                continue
            for iri, line, written in source.subject_blocks():
                if iri not in seen:
                    seen[iri] = (source, line)
                    continue
                first, first_line = seen[iri]
                where_de = f"Zeile {first_line}" if first is source else f"{first.relpath}, Zeile {first_line}"
                where_en = f"line {first_line}" if first is source else f"{first.relpath}, line {first_line}"
                raise SourceError(
                    source.relpath,
                    f"{written} is described a second time (first in {where_en}, again in line {line}). Each "
                    "partner or event has one block: add the statements to the first block, or give the new "
                    "entry a slug of its own.",
                    line,
                    f"{written} wird ein zweites Mal beschrieben (zuerst {where_de}, erneut Zeile {line}). "
                    "Jede Partnerorganisation und jede Veranstaltung hat einen Block: ergänzen Sie den ersten "
                    "Block oder geben Sie dem neuen Eintrag einen eigenen Slug.",
                )


def source_paths(config: Config) -> list[Path]:
    """The RDF files that make up the dataset: ontology first, then data, each sorted by name."""
    paths: list[Path] = []
    for folder in (config.ontology_dir, config.data_dir):
        if folder.is_dir():
            paths += sorted(p for p in folder.rglob("*") if p.suffix in RDF_SUFFIXES and p.is_file())
    return paths


def load_file(path: Path, config: Config, relpath: str | None = None, store: ox.Store | None = None) -> SourceFile:
    """Parse one file with Oxigraph into its named graph of ``store``; a file Oxigraph refuses (or one with
    an IRI RFC 3987 forbids) is read again with rdflib, whose errors name what to fix and where."""
    relpath = relpath or _relative(path, config.root)
    store = store if store is not None else ox.Store()
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            relpath,
            f"The file is not UTF-8 (byte {exc.start} in line {line}; probably saved as Latin-1 or Windows-1252): "
            "please save it as UTF-8.",
            line,
            f"Die Datei ist nicht UTF-8 (Byte {exc.start} in Zeile {line}; vermutlich als Latin-1 oder "
            "Windows-1252 gespeichert): bitte als UTF-8 speichern.",
        ) from None
    text = text.removeprefix(BOM)  # editors on Windows write one; it is not part of the Turtle
    graph_iri = URIRef(config.iri("graph/" + relpath.rsplit(".", 1)[0]))
    source = SourceFile(path, relpath, graph_iri, store, text.splitlines(), config.base_iri)
    try:
        store.bulk_load(text.encode("utf-8"), format=OX_FORMATS[path.suffix], base_iri=config.base_iri,
                        to_graph=source.ox_graph)
        clean = _iris_clean(source)
    except (SyntaxError, ValueError):
        clean = False
    if not clean:
        if store.contains_named_graph(source.ox_graph):
            store.remove_graph(source.ox_graph)
        graph = _parse_with_rdflib(text, path, relpath, config)
        _check_iris(graph, source)
        store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), source.ox_graph) for s, p, o in graph)
    return source


def _parse_with_rdflib(text: str, path: Path, relpath: str, config: Config) -> Graph:
    graph = Graph()
    try:
        graph.parse(data=text, format=RDF_SUFFIXES[path.suffix], publicID=config.base_iri)
    except Exception as exc:  # rdflib raises many types; each becomes one clear message
        line, message_de, message_en = _syntax_error_location(exc)
        raise SourceError(relpath, message_en, line, message_de) from None
    return graph


def load_sources(config: Config) -> Sources:
    """Load every source file; the first unreadable one stops the load with its file and line."""
    store = ox.Store()
    sources = Sources(config, [load_file(p, config, store=store) for p in source_paths(config)], store)
    sources.check_duplicate_blocks(config.data_dir)
    return sources


def _iris_clean(source: SourceFile) -> bool:
    """Whether every IRI of the file (each distinct one checked once) is one RFC 3987 allows."""
    iris: set[str] = set()
    for t in source.triples():
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return all(not BIDI_CONTROLS.search(iri) and rfc3987.match(iri, rule="IRI") for iri in iris)


def _check_iris(graph: Graph, source: SourceFile) -> None:
    """Refuse IRIs that RFC 3987 forbids (rdflib accepts ``<https://x/"y>`` and then cannot write it)."""
    for triple in graph:
        for term in triple:
            iri = term.datatype if isinstance(term, Literal) else term
            if not isinstance(iri, URIRef):
                continue
            if rfc3987.match(str(iri), rule="IRI") and not BIDI_CONTROLS.search(iri):
                continue
            written = str(iri).removeprefix(source.base_iri)
            line = source.line_of_text(written) or source.line_of(triple[0])
            raise SourceError(
                source.relpath,
                f"Invalid IRI <{written}>: spaces, quotation marks, < > {{ }} | \\ ^ ` and direction control "
                "characters are not allowed in an IRI (RFC 3987). Write a web address as <https://…> and "
                "encode such characters (a space as %20, \" as %22).",
                line,
                f"Ungültige IRI <{written}>: Leerzeichen, Anführungszeichen, < > {{ }} | \\ ^ ` und "
                "Steuerzeichen für die Schreibrichtung sind in einer IRI nicht erlaubt (RFC 3987). Schreiben Sie "
                "eine Webadresse als <https://…> und kodieren Sie solche Zeichen (Leerzeichen als %20, \" als %22).",
            )


class TermConverter:
    """Oxigraph terms to rdflib terms, each distinct term converted once (predicates and types repeat)."""

    def __init__(self) -> None:
        self.cache: dict[object, Node] = {}

    def __call__(self, term: object) -> Node:
        hit = self.cache.get(term)
        if hit is None:
            hit = self.cache[term] = to_rdflib(term)
        return hit


def to_rdflib(term: object) -> Node:
    """One Oxigraph term as rdflib's (blank nodes keep their label, so that findings name the same node)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unexpected term {term!r}")


def to_ox(node: Node | None) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    """One rdflib term as Oxigraph's (None for what Oxigraph cannot hold)."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    return None


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


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
TYPOGRAPHIC_QUOTES = "„“”‚‘’«»"


def _syntax_error_location(exc: Exception) -> tuple[int | None, str, str]:
    """The line to fix and a German and English text for a parser error, in words staff can act on."""
    if hasattr(exc, "_why"):  # rdflib.plugins.parsers.notation3.BadSyntax
        return _turtle_error(exc)
    line = getattr(exc, "lines", None)
    text = str(exc).strip()
    if not isinstance(line, int):
        line = None
        for pattern in _LINE_PATTERNS:
            m = pattern.search(text)
            if m:
                line = int(m.group(1))
                break
    first = text.splitlines()[0] if text else type(exc).__name__
    return line, f"Syntaxfehler: {first}", f"Syntax error: {first}"


def _turtle_error(exc: Exception) -> tuple[int, str, str]:
    why: str = exc._why  # type: ignore[attr-defined]
    pos: int = exc._i  # type: ignore[attr-defined]
    raw = exc._str  # type: ignore[attr-defined]
    doc = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    line = doc.count("\n", 0, pos) + 1
    line_text = doc.splitlines()[line - 1] if line <= len(doc.splitlines()) else ""
    near = line_text.strip()[:80]
    if why.startswith("expected '.'"):
        # The parser stops at the token after the missing dot; the statement really ends before it.
        end = _previous_token_end(doc, pos)
        end_line = doc.count("\n", 0, end) + 1
        new_statement = pos == 0 or doc[pos - 1] == "\n"
        if new_statement:
            return (end_line, f"Zeile {end_line}: Punkt am Ende fehlt? Jeder Eintrag endet mit „ .“, bevor in "
                    f"Zeile {line} der nächste beginnt.",
                    f"Line {end_line}: missing dot at the end? Every entry ends with \" .\" before the next one "
                    f"begins in line {line}.")
        return (end_line, f"Zeile {end_line}: Semikolon am Ende fehlt? Zwischen zwei Angaben zu einem Eintrag "
                f"steht „ ;“ (vor: {near}).",
                f"Line {end_line}: missing semicolon at the end? Two statements about one entry are separated by "
                f"\" ;\" (before: {near}).")
    if any(q in line_text for q in TYPOGRAPHIC_QUOTES):
        return (line, f"Zeile {line}: typografische Anführungszeichen („…“ oder “…”) sind in Turtle nicht "
                f"erlaubt; schreiben Sie gerade Anführungszeichen \"…\" ({near}).",
                f"Line {line}: typographic quotation marks („…“ or “…”) are not allowed in Turtle; write straight "
                f"quotation marks \"…\" ({near}).")
    m = re.match(r'Prefix "([^"]*):" not bound', why)
    if m:
        prefix = m.group(1)
        return (line, f"Zeile {line}: das Präfix „{prefix}:“ ist nicht deklariert. Übernehmen Sie die "
                f"@prefix-Zeilen vom Anfang einer anderen Datei in data/ (dort steht z. B. "
                f"@prefix org: <id/organization/> .), oder prüfen Sie die Schreibweise ({near}).",
                f"Line {line}: the prefix \"{prefix}:\" is not declared. Copy the @prefix lines from the top of "
                f"another file in data/ (e.g. @prefix org: <id/organization/> .), or check the spelling ({near}).")
    if why == "objectList expected":
        return (line, f"Zeile {line}: nach der Eigenschaft fehlt ein gültiger Wert (Text in \"…\", <Adresse> "
                f"oder präfix:name) ({near}).",
                f"Line {line}: a valid value is missing after the property (text in \"…\", an <address> or "
                f"prefix:name) ({near}).")
    return (line, f"Zeile {line}: Turtle-Syntaxfehler ({why}) bei: {near}",
            f"Line {line}: Turtle syntax error ({why}) near: {near}")


def _previous_token_end(doc: str, pos: int) -> int:
    """The position of the last character before ``pos`` that is not white space or a comment."""
    i = pos
    while i > 0:
        line_start = doc.rfind("\n", 0, i) + 1
        segment = _strip_comment(doc[line_start:i]).rstrip()
        if segment:
            return line_start + len(segment) - 1
        i = line_start - 1
    return 0


def _strip_comment(text: str) -> str:
    """``text`` without a trailing ``# comment`` (a ``#`` inside "…" or <…> is kept)."""
    if "#" not in text:
        return text
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "<":
            quote = ">"
        elif ch == "#":
            return text[:i]
    return text


_DIRECTIVE_RE = re.compile(r"^\s*(?:@prefix|@base|PREFIX|BASE)\b", re.IGNORECASE)
_SUBJECT_RE = re.compile(r"^(<[^>\s]*>|[A-Za-z][\w\-.]*:[\w\-.]*[\w\-]|[A-Za-z][\w\-]*:|:[\w\-.]*[\w\-])")
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
