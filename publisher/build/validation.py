"""Validate the dataset with SHACL and turn pyshacl's report into messages people can act on.

A message names the file and line, the resource, the property and what to do, in German and
English. ``Report.to_json()`` is the same for machines.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pyshacl_turbo
from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.build.sources import Sources, TermConverter, load_graph
from publisher.core.config import Config
from publisher.core.namespaces import SH

XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
SEVERITY_NAMES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}

# German and English texts for results of a shape that has no sh:message of its own (every shape in
# shapes/*.ttl has one; this keeps a new shape's mistakes readable until it gets its own).
GENERIC_MESSAGES: dict[Node | None, tuple[str, str]] = {
    SH.MinCountConstraintComponent: ("Angabe fehlt: diese Eigenschaft ist vorgeschrieben.",
                                     "Value missing: this property is required."),
    SH.MaxCountConstraintComponent: ("Zu viele Angaben: diese Eigenschaft ist hier nur einmal erlaubt.",
                                     "Too many values: this property is allowed only once here."),
    SH.DatatypeConstraintComponent: ("Falscher Datentyp oder ungültiger Wert (ein Datum z. B. als "
                                     "\"2026-11-27\"^^xsd:date, Form JJJJ-MM-TT).",
                                     "Wrong datatype or invalid value (a date e.g. as \"2026-11-27\"^^xsd:date, "
                                     "form YYYY-MM-DD)."),
    SH.NodeKindConstraintComponent: ("Falsche Art von Wert: hier wird eine URI (<…> oder präfix:name) bzw. ein "
                                     "Text erwartet.",
                                     "Wrong kind of value: a URI (<…> or prefix:name) or a text is expected here."),
    SH.PatternConstraintComponent: ("Der Wert hat nicht die erwartete Form.",
                                    "The value does not have the expected form."),
    SH.InConstraintComponent: ("Unbekannter Wert: er gehört nicht zu den erlaubten Werten.",
                               "Unknown value: it is not one of the allowed values."),
    SH.NodeConstraintComponent: ("Das Verweisziel ist im Datensatz nicht (vollständig) beschrieben.",
                                 "The link target is not (fully) described in the dataset."),
    SH.ClassConstraintComponent: ("Das Verweisziel hat nicht den erwarteten Typ.",
                                  "The link target does not have the expected type."),
    SH.UniqueLangConstraintComponent: ("Mehr als ein Wert in derselben Sprache.",
                                       "More than one value in the same language."),
    SH.LanguageInConstraintComponent: ("Sprachangabe fehlt oder ist nicht erlaubt (@de oder @en).",
                                       "Language tag missing or not allowed (@de or @en)."),
    None: ("Der Eintrag verletzt eine Regel der Shapes (shapes/*.ttl).",
           "The entry breaks a rule of the shapes (shapes/*.ttl)."),
}


@dataclass(frozen=True)
class Finding:
    severity: str
    file: str | None
    line: int | None
    resource: str
    property: str | None
    value: str | None
    message_de: str
    message_en: str
    shape: str | None

    def to_text(self) -> str:
        where = self.file or "(no file)"
        if self.line:
            where += f":{self.line}"
        head = f"{where}: {self.severity}: {self.resource}"
        if self.property:
            head += f" {self.property}"
        if self.value:
            head += f" = {self.value}"
        lines = [head, f"    {self.message_de}"]
        if self.message_en != self.message_de:
            lines.append(f"    {self.message_en}")
        return "\n".join(lines)


@dataclass
class Report:
    findings: list[Finding]
    parts: PartsSummary | None = None  # how a validation in parts went (for the build's output and cache)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def to_text(self) -> str:
        if not self.findings:
            return "OK: the data conforms to the shapes (0 violations)."
        body = "\n\n".join(f.to_text() for f in self.findings)
        others = len(self.findings) - len(self.violations)
        return f"{body}\n\n{len(self.violations)} violation(s), {others} other finding(s)."

    def to_json(self) -> dict:
        return {"conforms": self.conforms, "violations": len(self.violations),
                "findings": [asdict(f) for f in self.findings]}


def shapes_graph(config: Config) -> Graph:
    return load_graph(sorted(Path(config.shapes_dir).glob("*.ttl")), config)


def validate(data: Graph, shapes: Graph, sources: Sources | None = None) -> Report:
    """Run pyshacl over ``data``; ``sources`` lets each finding name its file and line."""
    raws = _run_pyshacl(data, shapes, None)
    return _report(raws, data, sources)


@dataclass(frozen=True)
class RawResult:
    """One pyshacl result with the messages already chosen (picklable, so parts can be validated apart)."""

    severity: Node | None
    focus: Node | None
    path: Node | None
    value: Node | None
    message_de: str
    message_en: str
    shape: Node | None


def _run_pyshacl(data: Graph, shapes: Graph, keep: Iterable[Node] | None) -> list[RawResult]:
    """pyshacl over ``data``; only results whose focus node is in ``keep`` (all if None)."""
    _speed_up_pyshacl()
    keep = set(keep) if keep is not None else None
    _KEEP[0] = keep
    try:
        _, results, _ = shacl_validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
        )
    finally:
        _KEEP[0] = None
    return _results(results, shapes, keep)


def _run_turbo(data: ox.Store, shapes: Graph, keep: set[Node]) -> list[RawResult]:
    """pyshacl-turbo (the same SHACL in Rust, pySHACL's report) over one part; only results about ``keep``."""
    compiled = _COMPILED.get(id(shapes))
    if compiled is None or compiled[0] is not shapes:
        compiled = _COMPILED[id(shapes)] = (shapes, pyshacl_turbo.compile_shapes(shapes, advanced=True))
    _, results, _ = compiled[1].validate(data, inference="none", allow_warnings=True)
    return _results(results, shapes, keep, plain_strings=True)


# Shapes compiled by pyshacl-turbo, per process (compiled in each worker, after the fork).
_COMPILED: dict[int, tuple[Graph, object]] = {}


def _results(results: Graph, shapes: Graph, keep: set[Node] | None, plain_strings: bool = False) -> list[RawResult]:
    """The results of a SHACL report graph, as picklable records with the project's messages."""
    # Results nested under sh:detail (from sh:node) explain their parent result, which carries the
    # project's message; listed on their own they would repeat it with pyshacl's English defaults.
    nested = set(results.objects(None, SH.detail))
    out = []
    for r in results.subjects(SH.resultSeverity, None):
        if r in nested:
            continue
        focus = results.value(r, SH.focusNode)
        if keep is not None and focus not in keep:
            continue
        raw = _raw(results, r, focus, shapes)
        if plain_strings and isinstance(raw.value, Literal) and raw.value.datatype == XSD_STRING:
            # pyshacl-turbo reads a store's "x" as "x"^^xsd:string; the rdflib graph pyshacl reads has "x".
            raw = replace(raw, value=Literal(str(raw.value)))
        out.append(raw)
    return out


def _raw(results: Graph, result: Node, focus: Node | None, shapes: Graph) -> RawResult:
    messages = {m.language or "": str(m) for m in results.objects(result, SH.resultMessage)}
    if "de" not in messages or "en" not in messages:
        # pyshacl drops the language tags of a SPARQL constraint's messages: read them from the shapes.
        constraint = results.value(result, SH.sourceConstraint)
        messages = {m.language or "": str(m) for m in shapes.objects(constraint, SH.message)} if constraint else {}
    if "de" not in messages or "en" not in messages:
        # A shape without sh:message @de/@en: pyshacl's generic English text ("Less than 1 values on …")
        # is not for people, so say what the constraint component means instead.
        component = results.value(result, SH.sourceConstraintComponent)
        de, en = GENERIC_MESSAGES.get(component, GENERIC_MESSAGES[None])
        messages = {"de": de, "en": en}
    return RawResult(results.value(result, SH.resultSeverity), focus, results.value(result, SH.resultPath),
                     results.value(result, SH.value), messages["de"], messages["en"],
                     results.value(result, SH.sourceShape))


def _report(raws: Iterable[RawResult], names: Graph, sources: Sources | None) -> Report:
    findings = [_finding(r, names, sources) for r in raws]
    # A total order (not the engine's order of results): the same findings give the same report.
    findings.sort(key=lambda f: (f.severity != "violation", f.file or "", f.line or 0, f.resource, f.property or "",
                                 f.value or "", f.message_en, f.message_de, f.shape or ""))
    return Report(_dedupe(findings))


def _finding(raw: RawResult, data: Graph, sources: Sources | None) -> Finding:
    """Name the file and line (looked up only now, for what is reported) and shorten the terms."""
    focus, path, value = raw.focus, raw.path, raw.value
    location = sources.locate(focus, path if isinstance(path, URIRef) else None) if sources else None
    if location is None and sources is not None and isinstance(value, URIRef):
        location = sources.locate(value)
    return Finding(
        severity=SEVERITY_NAMES.get(raw.severity, "violation"),
        file=location[0] if location else None,
        line=location[1] if location else None,
        resource=_short(focus, data),
        property=_short(path, data) if isinstance(path, URIRef) else None,
        value=_short(value, data) if value is not None else None,
        message_de=raw.message_de,
        message_en=raw.message_en,
        shape=str(raw.shape) if isinstance(raw.shape, URIRef) else None,
    )


class _SetList(list):
    """pyshacl's list of constraint parameters, with a set for ``in`` (it asks once per shape and focus
    node; comparing rdflib terms one by one was a quarter of the validation time at 100k triples)."""

    def __init__(self, items: Iterable = ()) -> None:
        super().__init__(items)
        self._set = set(self)

    def __contains__(self, item: object) -> bool:
        return item in self._set

    def copy(self) -> _SetList:
        return _SetList(self)

    def append(self, item: object) -> None:
        super().append(item)
        self._set.add(item)


_MEMO_ATTR = "_publisher_memo"
# The focus nodes of the part being validated (None: all); pyshacl's targets are cut to them, so that the
# nodes a part holds only as link targets are not validated there (their own part does that).
_KEEP: list[set | None] = [None]


def _speed_up_pyshacl() -> None:
    """Two changes to how pyshacl works, none to what it decides (profile at 100k triples: 414,737 calls
    of ``Shape.validate``, 50 million rdflib term comparisons):

    - the constraint parameters are looked up in a set instead of a list;
    - the targets of a shape are cut to the focus nodes of the part being validated;
    - a shape validated against one single node (what sh:node, sh:qualifiedValueShape and sh:or do for
      each value: the same SDG target or partner for thousands of alignments) is evaluated once per run
      and node; the result depends only on the data graph, the shape and the node.
    """
    from pyshacl import shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    if not isinstance(getattr(shape, "CONSTRAINT_PARAMS", (None,))[0], _SetList):
        shape.CONSTRAINT_PARAMS = (_SetList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)
    if getattr(shape.Shape.validate, "_publisher_memo", False):
        return
    original = shape.Shape.validate

    def validate(self, executor, target_graph, focus=None, _evaluation_path=None):  # noqa: ANN001, ANN202
        if not isinstance(focus, Node):
            return original(self, executor, target_graph, focus=focus, _evaluation_path=_evaluation_path)
        memo = executor.__dict__.setdefault(_MEMO_ATTR, {})
        key = (self.node, focus, id(target_graph))
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = original(self, executor, target_graph, focus=focus, _evaluation_path=_evaluation_path)
        return hit

    validate._publisher_memo = True  # type: ignore[attr-defined]
    shape.Shape.validate = validate
    targets = shape.Shape.focus_nodes

    def focus_nodes(self, data_graph, debug=False):  # noqa: ANN001, ANN202
        found = targets(self, data_graph, debug=debug)
        keep = _KEEP[0]
        return found if keep is None else {n for n in found if n in keep}

    shape.Shape.focus_nodes = focus_nodes


# --- Validation in parts --------------------------------------------------------------------------
#
# Every shape of shapes/*.ttl is local to its focus node: it reads the node's own statements (and those
# of its blank nodes), the statements of the nodes it links to (sh:node, sh:class: their type, name,
# title) and the class hierarchy. So the focus nodes are split into parts by a hash of their IRI; a
# part's graph holds its focus nodes' statements, those of every node they link to (one step) and every
# rdfs:subClassOf statement, and only results about the part's own focus nodes are kept. The parts are
# validated by the engine (pyshacl-turbo) in parallel processes, and a part whose statements, shapes and
# engine are unchanged since the last build takes its results from the cache (a part with blank nodes is
# always validated: their labels change with every parse). A shape that needs more than one step would
# need a larger neighbourhood here; tests/test_validation_parts.py checks parts and whole graph agree.

PART_SIZE = 5000  # focus nodes per part: big enough for the engine's fixed cost, small enough to spread
# The engine of the parts: pyshacl-turbo (Rust; at 100k triples 2.9 s against pyshacl's 81 s for the whole
# graph, with the same results: tests/test_validation_parts.py compares it with pyshacl), or "pyshacl".
ENGINES = {"pyshacl-turbo": pyshacl_turbo.__version__, "pyshacl": pyshacl.__version__}
ENGINE = "pyshacl-turbo"
SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")


@dataclass
class PartsSummary:
    """What a validation in parts did, for the build's output."""

    parts: int = 0
    validated: int = 0
    cached: int = 0
    triples: int = 0
    focus_nodes: int = 0
    validated_focus_nodes: int = 0
    extra: dict = field(default_factory=dict)

    def to_text(self) -> str:
        if self.cached == 0:
            return (f"Validierung: alle {self.focus_nodes} Ressourcen in {self.parts} Teil(en) geprüft / "
                    f"validation: all {self.focus_nodes} resources checked in {self.parts} part(s)")
        return (f"Validierung inkrementell: {self.validated} von {self.parts} Teilen geprüft "
                f"({self.validated_focus_nodes} von {self.focus_nodes} Ressourcen), die übrigen unverändert seit "
                f"dem letzten Build / incremental validation: {self.validated} of {self.parts} parts checked "
                f"({self.validated_focus_nodes} of {self.focus_nodes} resources); the others are unchanged "
                "since the last build")


# Set before the worker processes fork, read by them (the store is shared copy-on-write, not pickled).
_STATE: dict = {}


def validate_store(store: ox.Store, shapes: Graph, sources: Sources | None, names: Graph, *,
                   shapes_digest: str = "", cache_dir: Path | None = None, workers: int | None = None,
                   part_size: int | None = None, engine: str | None = None) -> tuple[Report, PartsSummary]:
    """Validate the union of ``store``'s graphs in parts (see above) with ``engine`` (one of ``ENGINES``);
    ``names`` carries the prefixes findings are written with. ``cache_dir`` enables the incremental path."""
    part_size = part_size or PART_SIZE
    engine = engine or ENGINE
    subjects = [row["s"] for row in store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }",
                                                use_default_graph_as_union=True)]
    iris = sorted((s for s in subjects if isinstance(s, ox.NamedNode)), key=lambda n: n.value)
    blanks = {s for s in subjects if isinstance(s, ox.BlankNode)}
    linked = {row["o"] for row in store.query("SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isBlank(?o)) }",
                                              use_default_graph_as_union=True)}
    orphans = sorted(blanks - linked, key=lambda n: n.value)
    count = 1
    while count * part_size < len(iris):
        count *= 2
    parts: list[list] = [[] for _ in range(count)]
    for iri in iris:
        parts[zlib.crc32(iri.value.encode()) % count if count > 1 else 0].append(iri)
    if orphans:
        parts[0].extend(orphans)
    parts = [p for p in parts if p]
    summary = PartsSummary(parts=len(parts), focus_nodes=len(iris) + len(orphans))
    subclass = list(store.quads_for_pattern(None, SUBCLASS, None))
    version = f"{engine} {ENGINES[engine]}|{part_size}|{shapes_digest}"
    _STATE.update(engine=engine, store=store, shapes=shapes, parts=parts, subclass=subclass, cache=cache_dir,
                  version=version, far=far_paths(shapes))
    try:
        if len(parts) == 1 or (workers or os.cpu_count() or 1) == 1:
            outcomes = [_validate_part(i) for i in range(len(parts))]
        else:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(min(workers or os.cpu_count() or 1, len(parts))) as pool:
                outcomes = pool.map(_validate_part, range(len(parts)), chunksize=1)
    finally:
        _STATE.clear()
    raws: list[RawResult] = []
    used: set[str] = set()
    for i, (key, was_cached, triples, part_raws) in enumerate(outcomes):
        raws += part_raws
        summary.triples += triples
        if key:
            used.add(key)
            if not was_cached:
                summary.extra.setdefault("new", {})[key] = part_raws
        if was_cached:
            summary.cached += 1
        else:
            summary.validated += 1
            summary.validated_focus_nodes += len(parts[i])
    summary.extra["used"] = used
    report = _report(raws, names, sources)
    report.parts = summary
    return report, summary


def save_cache(cache_dir: Path, summary: PartsSummary) -> None:
    """Keep the results of this validation's parts for the next build (called once a release is
    published, so that a refused build changes nothing in the builds folder); drop what it did not use."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    for key, raws in summary.extra.get("new", {}).items():
        tmp = cache_dir / f".{key}.{os.getpid()}"
        tmp.write_bytes(pickle.dumps(raws))
        os.replace(tmp, cache_dir / key)
    used = summary.extra.get("used", set())
    for path in cache_dir.iterdir():  # the cache never grows beyond one build's parts
        if path.name not in used:
            path.unlink(missing_ok=True)


def far_paths(shapes: Graph) -> list[ox.NamedNode]:
    """What the shapes read at the far end of a link: the paths of the shapes named by sh:node, sh:or,
    sh:and, sh:xone, sh:not, sh:qualifiedValueShape (and of everything nested in them), and rdf:type for
    sh:class. A part holds these statements of each node its
    focus nodes link to."""
    found = {RDF_TYPE}
    todo = [o for p in (SH.node, SH["or"], SH["and"], SH.xone, SH["not"], SH.qualifiedValueShape)
            for o in shapes.objects(None, p)]
    done: set = set()
    while todo:
        node = todo.pop()
        if node in done:
            continue
        done.add(node)
        for p, o in shapes.predicate_objects(node):
            if p == SH.path and isinstance(o, URIRef):
                found.add(str(o))
            elif not isinstance(o, Literal):
                todo.append(o)
    return [ox.NamedNode(iri) for iri in sorted(found)]


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _describe(store: ox.Store, node: object, seen: set, out: list) -> None:
    """The statements about ``node`` and, recursively, about its blank nodes."""
    if node in seen:
        return
    seen.add(node)
    for q in store.quads_for_pattern(node, None, None):
        out.append(q)
        if isinstance(q.object, ox.BlankNode):
            _describe(store, q.object, seen, out)


def _validate_part(index: int) -> tuple[str | None, bool, int, list[RawResult]]:
    """One part (in a worker process): its graph, its cache key, and the engine's results about its nodes."""
    store, focus = _STATE["store"], _STATE["parts"][index]
    own: list = []
    seen: set = set()
    for node in focus:
        _describe(store, node, seen, own)
    owned = set(seen)
    quads = list(own)
    far = _STATE["far"]
    for q in own:
        if isinstance(q.object, ox.NamedNode) and q.object not in seen:
            seen.add(q.object)
            for p in far:
                quads += store.quads_for_pattern(q.object, p, None)
    quads += _STATE["subclass"]
    lines = sorted({str(ox.Triple(q.subject, q.predicate, q.object)) for q in quads})
    key = None
    if not any(isinstance(n, ox.BlankNode) for n in seen):
        digest = hashlib.sha256(_STATE["version"].encode())
        for n in focus:
            digest.update(n.value.encode() + b"\n")
        digest.update(b"--\n")
        for line in lines:
            digest.update(line.encode() + b"\n")
        key = digest.hexdigest()
    cache: Path | None = _STATE["cache"]
    if key and cache is not None and (cache / key).is_file():
        try:
            return key, True, len(lines), pickle.loads((cache / key).read_bytes())
        except Exception:  # a damaged entry is validated again
            pass
    convert = TermConverter()
    keep = {convert(n) for n in owned}
    if _STATE["engine"] == "pyshacl-turbo":
        part = ox.Store()
        part.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
        return key, False, len(lines), _run_turbo(part, _STATE["shapes"], keep)
    graph = Graph()
    for q in quads:
        graph.add((convert(q.subject), convert(q.predicate), convert(q.object)))
    return key, False, len(lines), _run_pyshacl(graph, _STATE["shapes"], keep)


def _short(term: Node | None, data: Graph) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return term.n3()
    if isinstance(term, URIRef):
        try:
            return data.namespace_manager.normalizeUri(term)
        except Exception:
            return f"<{term}>"
    return str(term)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (f.resource, f.property, f.value, f.message_en)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


class BuildRefused(Exception):
    """The data does not conform; the report says why. Nothing was published."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(f"{len(report.violations)} SHACL violation(s); nothing was published")
