"""Validate the dataset with SHACL and turn pyshacl's report into messages people can act on.

A message names the file and line, the resource, the property and what to do, in German and
English. ``Report.to_json()`` is the same for machines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.build.sources import Sources, load_graph
from publisher.core.config import Config
from publisher.core.namespaces import SH

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
    _, results, _ = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    # Results nested under sh:detail (from sh:node) explain their parent result, which carries the
    # project's message; listed on their own they would repeat it with pyshacl's English defaults.
    nested = set(results.objects(None, SH.detail))
    findings = [_finding(results, r, data, sources, shapes)
                for r in results.subjects(SH.resultSeverity, None) if r not in nested]
    findings.sort(key=lambda f: (f.severity != "violation", f.file or "", f.line or 0, f.resource))
    return Report(_dedupe(findings))


def _finding(results: Graph, result: Node, data: Graph, sources: Sources | None, shapes: Graph) -> Finding:
    focus = results.value(result, SH.focusNode)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
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
    location = sources.locate(focus, path if isinstance(path, URIRef) else None) if sources else None
    if location is None and sources is not None and isinstance(value, URIRef):
        location = sources.locate(value)
    return Finding(
        severity=SEVERITY_NAMES.get(results.value(result, SH.resultSeverity), "violation"),
        file=location[0] if location else None,
        line=location[1] if location else None,
        resource=_short(focus, data),
        property=_short(path, data) if isinstance(path, URIRef) else None,
        value=_short(value, data) if value is not None else None,
        message_de=messages["de"],
        message_en=messages["en"],
        shape=str(shape) if isinstance(shape := results.value(result, SH.sourceShape), URIRef) else None,
    )


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
