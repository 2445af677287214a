"""Each SHACL constraint catches the editing mistake it exists for, and says where it is.

Every case breaks one thing in a copy of the shipped data, runs ``publisher validate`` as the office's
staff would, and checks the exit code and that the message names the file (with line), the resource
and the property, in German and English, with no traceback and none of pyshacl's default English texts.
Mistakes the loader catches (syntax, encoding, IRIs, a slug described twice) are checked the same way.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.core.namespaces import SH
from tests.conftest import REPO

# pyshacl's generic English texts; a person should never see them (each shape has its own message).
PYSHACL_DEFAULTS = re.compile(
    r"Less than \d+ values|More than \d+ values|Value does not|Value is not|does not conform to|"
    r"Value must conform|Missing expected value|Value not in list|does not match pattern|non-unique|"
    r"Node .* is not|Constraint violated|Details:")


@dataclass
class Breakage:
    file: str
    edit: Callable[[str], str]
    resource: str
    prop: str | None
    words: str  # a phrase of the English message


def replace_once(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"fixture text {old!r} not found; the data changed"
        return text.replace(old, new, 1)
    return edit


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + "\n" + extra + "\n"


ADFC_NAME = 'org:adfc a schema:NGO ;\n    schema:name "ADFC e.V."@de ;'
ALIGNMENT = "al:adfc--sdg-13 a ib:Alignment ;"

CASES = {
    "missing name": Breakage(
        "data/organizations.ttl", replace_once(ADFC_NAME, "org:adfc a schema:NGO ;"),
        "org:adfc", "schema:name", "Name missing"),
    "untagged name": Breakage(
        "data/organizations.ttl", replace_once('"ADFC e.V."@de', '"ADFC e.V."'),
        "org:adfc", "schema:name", "without a language tag"),
    "two names in one language": Breakage(
        "data/organizations.ttl", replace_once(ADFC_NAME, ADFC_NAME + '\n    schema:name "Neuer Verein e.V."@de ;'),
        "org:adfc", "schema:name", "same slug"),
    "invalid slug": Breakage(
        "data/organizations.ttl", append('org:Neuer_Verein a schema:NGO ;\n    schema:name "Neuer Verein"@de .'),
        "org:Neuer_Verein", None, "Invalid slug"),
    "unknown type": Breakage(
        "data/organizations.ttl", replace_once("org:adfc a schema:NGO ;", "org:adfc a schema:NGOO ;"),
        "org:adfc", "rdf:type", "Unknown or missing type"),
    "date that is not a date": Breakage(
        "data/events.ttl", replace_once('schema:startDate "2023-05-07"^^xsd:date ;',
                                        'schema:startDate "7. Mai 2023" ;'),
        "event:zeltdorf-2023", "schema:startDate", "Not a valid date"),
    "German date form": Breakage(
        "data/alignments.ttl", replace_once('"2026-11-27"^^xsd:date', '"27.11.2026"^^xsd:date'),
        "al:adfc--sdg-11.2", "dcterms:created", "expects the form YYYY-MM-DD"),
    "German date form for an event": Breakage(
        "data/events.ttl",
        replace_once('schema:startDate "2023-05-07"^^xsd:date', 'schema:startDate "07.05.2023"^^xsd:date'),
        "event:zeltdorf-2023", "schema:startDate", "expected form is YYYY-MM-DD"),
    "impossible date": Breakage(
        "data/events.ttl",
        replace_once('schema:endDate "2023-05-07"^^xsd:date', 'schema:endDate "2023-02-30"^^xsd:date'),
        "event:zeltdorf-2023", "schema:endDate", "Not a valid date"),
    "missing start date": Breakage(
        "data/events.ttl", replace_once('    schema:startDate "2023-05-07"^^xsd:date ;\n', ""),
        "event:zeltdorf-2023", "schema:startDate", "exactly one start date"),
    "event without source": Breakage(
        "data/events.ttl", replace_once("org:weltladen-brackel ;\n    dcterms:source source:seed .",
                                        "org:weltladen-brackel ."),
        "event:zeltdorf-2023", "dcterms:source", "Source missing"),
    "event without English name": Breakage(
        "data/events.ttl",
        replace_once(',\n                "Sustainability Tent Village & Europe Comes to Town"@en', ""),
        "event:zeltdorf-2023", "schema:name", "English name missing"),
    "undefined source": Breakage(
        "data/organizations.ttl", replace_once(ADFC_NAME + "\n    dcterms:source source:seed",
                                               ADFC_NAME + "\n    dcterms:source source:telefonat-2024"),
        "org:adfc", "dcterms:source", "Unknown source"),
    "javascript link (stored XSS)": Breakage(
        "data/organizations.ttl", replace_once(ADFC_NAME, ADFC_NAME + "\n    schema:sameAs <javascript:alert(3)> ;"),
        "org:adfc", "schema:sameAs", "http(s) address"),
    "bidi override in a name": Breakage(
        "data/organizations.ttl", replace_once('"ADFC e.V."@de', '"ADFC \u202ee.V."@de'),
        "org:adfc", "schema:name", "Direction control characters"),
    "bidi isolate in a description": Breakage(
        "data/events.ttl",
        replace_once('"City festival in Dortmund."@en', '"City \u2067festival\u2069 in Dortmund."@en'),
        "event:dortbunt-2023", "schema:description", "Direction control characters"),
    "participant that points nowhere": Breakage(
        "data/events.ttl", replace_once("org:adfc ,", "org:adfc-dortmund ,"),
        "event:zeltdorf-2023", "schema:attendee", "does not describe"),
    "parent that points nowhere": Breakage(
        "data/organizations.ttl",
        replace_once("schema:parentOrganization org:awo ;", "schema:parentOrganization org:awo-nrw ;"),
        "org:awo-bunkerplus-garten", "schema:parentOrganization", "not described"),
    "non-http url": Breakage(
        "data/organizations.ttl", replace_once(ADFC_NAME, ADFC_NAME + "\n    schema:url <ftp://adfc.example/> ;"),
        "org:adfc", "schema:url", "http(s) address"),
    "url as text": Breakage(
        "data/organizations.ttl", replace_once(ADFC_NAME, ADFC_NAME + '\n    schema:url "www.adfc.example" ;'),
        "org:adfc", "schema:url", "http(s) address"),
    "alignment to no goal": Breakage(
        "data/alignments.ttl", replace_once("ib:alignedTo sdg:13 ;", "ib:alignedTo sdg:18 ;"),
        "al:adfc--sdg-13", "ib:alignedTo", "Not a known target"),
    "alignment to an unknown quadrangle dimension": Breakage(
        "data/alignments.ttl", replace_once("ib:alignedTo quad:oekologie ;", "ib:alignedTo quad:oekology ;"),
        "al:adfc--quadrangle-oekologie", "ib:alignedTo", "quadrangle dimensions"),
    "alignment of an undescribed resource": Breakage(
        "data/alignments.ttl", replace_once("ib:alignedResource org:adfc ;",
                                            "ib:alignedResource org:adfc-ev ;"),
        "al:adfc--sdg-11.2", "ib:alignedResource", "not described"),
    "alignment without attribution": Breakage(
        "data/alignments.ttl", lambda t: _drop_line_after(t, ALIGNMENT, "prov:wasAttributedTo"),
        "al:adfc--sdg-13", "prov:wasAttributedTo", "who made this alignment"),
    "alignment without date": Breakage(
        "data/alignments.ttl", lambda t: _drop_line_after(t, ALIGNMENT, "dcterms:created", end=" ."),
        "al:adfc--sdg-13", "dcterms:created", "when was this alignment made"),
    "alignment without rationale": Breakage(
        "data/alignments.ttl", lambda t: _drop_line_after(t, ALIGNMENT, "ib:rationale"),
        "al:adfc--sdg-13", "ib:rationale", "Rationale missing"),
    "unknown review status": Breakage(
        "data/alignments.ttl", lambda t: _replace_after(t, ALIGNMENT, "review:proposed", "review:approved"),
        "al:adfc--sdg-13", "ib:reviewStatus", "Review status missing or unknown"),
    "concept without English label": Breakage(
        "ontology/quadrangle.ttl", replace_once(' , "Economy"@en', ""),
        "quad:oekonomie", "skos:prefLabel", "English label missing"),
}


def _drop_line_after(text: str, anchor: str, needle: str, end: str = " ;") -> str:
    head, _, tail = text.partition(anchor)
    lines = tail.split("\n")
    for i, line in enumerate(lines):
        if needle in line:
            if line.rstrip().endswith(" .") and i > 0:
                lines[i - 1] = lines[i - 1].rstrip(" ;") + " ."
            del lines[i]
            break
    else:
        raise AssertionError(f"{needle} not found after {anchor}")
    return head + anchor + "\n".join(lines)


def _replace_after(text: str, anchor: str, old: str, new: str) -> str:
    head, _, tail = text.partition(anchor)
    assert old in tail
    return head + anchor + tail.replace(old, new, 1)


def run_validate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher.cli", "--root", str(root), "--build-dir", str(root / "build"),
         "validate", *args],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )


def test_shipped_data_conforms() -> None:
    result = run_validate(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 violations" in result.stdout


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_broken_data_is_reported_with_file_resource_and_property(case: Breakage, project_copy: Path) -> None:
    path = project_copy / case.file
    path.write_text(case.edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = run_validate(project_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    relevant = [block for block in result.stdout.split("\n\n") if case.words in block]
    assert relevant, f"no finding mentions {case.words!r}:\n{result.stdout}"
    block = relevant[0]
    first_line = block.splitlines()[0]
    assert first_line.startswith(case.file + ":"), block
    assert first_line.split(":")[1].split()[0].isdigit(), f"no line number in {first_line!r}"
    assert case.resource in first_line, block
    if case.prop:
        assert case.prop in first_line, block
    german, english = block.splitlines()[1:3]
    assert german.strip() and english.strip() and german != english, block
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert not PYSHACL_DEFAULTS.search(result.stdout), result.stdout
    if "date form" in case.words or "YYYY-MM-DD" in case.words:
        assert "Provenance missing" not in block, block


def test_json_report_for_machines(project_copy: Path) -> None:
    path = project_copy / "data" / "organizations.ttl"
    path.write_text(path.read_text(encoding="utf-8").replace('"ADFC e.V."@de', '"ADFC e.V."', 1), encoding="utf-8")
    result = run_validate(project_copy, "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False and report["violations"] >= 1
    finding = next(f for f in report["findings"] if f["property"] == "schema:name")
    assert finding["file"] == "data/organizations.ttl" and isinstance(finding["line"], int)
    assert finding["resource"] == "org:adfc"
    assert finding["message_de"] and finding["message_en"] and finding["message_de"] != finding["message_en"]


def test_syntax_error_names_file_and_line(project_copy: Path) -> None:
    path = project_copy / "data" / "events.ttl"
    lines = path.read_text(encoding="utf-8").splitlines()
    broken_line = next(i for i, line in enumerate(lines) if "schema:startDate" in line)
    lines[broken_line] = lines[broken_line].replace('"2023-05-07"^^xsd:date ;', '"2023-05-07 ;')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_validate(project_copy)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    message = result.stderr.strip().splitlines()[0]
    assert message.startswith("data/events.ttl:"), message
    line = int(message.split(":")[1])
    assert abs(line - (broken_line + 1)) <= 2, (line, broken_line + 1, message)


def test_syntax_error_in_json_mode(project_copy: Path) -> None:
    path = project_copy / "data" / "office.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\norg:x schema:name \"unterminated .\n", encoding="utf-8")
    result = run_validate(project_copy, "--format", "json")
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert error["file"] == "data/office.ttl" and isinstance(error["line"], int)


# Mistakes the loader stops at: one German and one English message naming the file and the line to fix.


@dataclass
class LoaderBreakage:
    file: str
    edit: Callable[[str], str | bytes]
    at: str  # the line to fix is the first line of the edited file containing this text
    german: str
    english: str
    also: str | None = None  # a second line (in ``also_file``) the message must name, e.g. the first block
    also_file: str | None = None
    report_file: str | None = None


ADFC_SOURCE = ADFC_NAME + "\n    dcterms:source source:seed ."
SECOND_ADFC = 'org:adfc a schema:Organization ;\n    schema:name "ADFC e.V."@de ;\n    dcterms:source source:seed .'

LOADER_CASES = {
    "IRI with a quotation mark": LoaderBreakage(
        "data/organizations.ttl", replace_once(ADFC_NAME, ADFC_NAME + '\n    schema:url <https://adfc.example/"x> ;'),
        'adfc.example/"x', "Ungültige IRI", "Invalid IRI"),
    "IRI with a space": LoaderBreakage(
        "data/organizations.ttl", replace_once(ADFC_NAME, ADFC_NAME + "\n    schema:url <https://adfc.example/a b> ;"),
        "adfc.example/a b", "Ungültige IRI", "Invalid IRI"),
    "second block with an existing slug": LoaderBreakage(
        "data/organizations.ttl", append(SECOND_ADFC), "org:adfc a schema:Organization",
        "wird ein zweites Mal beschrieben", "is described a second time", also="org:adfc a schema:NGO"),
    "second block with an existing slug in another file": LoaderBreakage(
        # events.ttl is read first, so the block in organizations.ttl is the second one
        "data/events.ttl", append(SECOND_ADFC), "org:adfc a schema:NGO",
        "wird ein zweites Mal beschrieben", "is described a second time", also="org:adfc a schema:Organization",
        also_file="data/events.ttl", report_file="data/organizations.ttl"),
    "missing dot": LoaderBreakage(
        "data/organizations.ttl", replace_once(ADFC_SOURCE, ADFC_SOURCE[:-2]),
        "dcterms:source source:seed", "Punkt am Ende fehlt?", "missing dot at the end?"),
    "missing semicolon": LoaderBreakage(
        "data/organizations.ttl", replace_once(ADFC_SOURCE, ADFC_SOURCE.replace('"@de ;', '"@de')),
        ADFC_NAME.splitlines()[1].rstrip(" ;"), "Semikolon am Ende fehlt?", "missing semicolon at the end?"),
    "German typographic quotes": LoaderBreakage(
        "data/organizations.ttl", replace_once('"ADFC e.V."@de', "„ADFC e.V.“@de"),
        "„ADFC e.V.“", "typografische Anführungszeichen", "typographic quotation marks"),
    "English typographic quotes": LoaderBreakage(
        "data/organizations.ttl", replace_once('"ADFC e.V."@de', "“ADFC e.V.”@de"),
        "“ADFC e.V.”", "typografische Anführungszeichen", "typographic quotation marks"),
    "unbound prefix": LoaderBreakage(
        "data/organizations.ttl", replace_once("org:adfc a schema:NGO ;", "org:adfc a schem:NGO ;"),
        "schem:NGO", "Präfix „schem:“ ist nicht deklariert", 'prefix "schem:" is not declared'),
    "Latin-1 file": LoaderBreakage(
        "data/office.ttl", lambda text: text.encode("cp1252", "replace"), "Büro",
        "bitte als UTF-8 speichern", "please save it as UTF-8"),
}


def _line_containing(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def run_cli(root: Path, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher.cli", "--root", str(root), "--build-dir", str(root / "build"), command],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )


@pytest.mark.parametrize("command", ["validate", "build"])
@pytest.mark.parametrize("case", LOADER_CASES.values(), ids=LOADER_CASES.keys())
def test_loader_mistakes_get_a_message_with_file_and_line(case: LoaderBreakage, command: str,
                                                          project_copy: Path) -> None:
    path = project_copy / case.file
    edited = case.edit(path.read_text(encoding="utf-8"))
    if isinstance(edited, bytes):
        path.write_bytes(edited)
        text = edited.decode("cp1252")
    else:
        path.write_text(edited, encoding="utf-8")
        text = edited
    result = run_cli(project_copy, command)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    report_file = case.report_file or case.file
    report_text = text if report_file == case.file else (project_copy / report_file).read_text(encoding="utf-8")
    line = _line_containing(report_text, case.at)
    message = result.stderr
    assert message.startswith(f"{report_file}:{line}:"), (line, message)
    assert case.german in message and case.english in message, message
    assert message.index(case.german) < message.index(case.english), "German first, then English"
    if case.also:
        also_text = (project_copy / case.also_file).read_text(encoding="utf-8") if case.also_file else text
        also_line = _line_containing(also_text, case.also)
        assert f"Zeile {also_line}" in message and f"line {also_line}" in message, message
        if case.also_file:
            assert case.also_file in message, message
    assert not (project_copy / "build" / "current").exists(), "nothing may be published"


def test_byte_order_mark_is_stripped(project_copy: Path) -> None:
    for name in ("events.ttl", "organizations.ttl"):
        path = project_copy / "data" / name
        path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_validate(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 violations" in result.stdout


def test_readme_examples_validate_when_pasted(project_copy: Path) -> None:
    """The Turtle blocks in the README's "Adding a partner or an event" work as they are copied."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Adding a partner or an event", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```turtle\n(.*?)```", section, re.S)
    assert len(blocks) >= 3, "a partner, an alignment and an event"
    for block in blocks:
        block = "\n".join(line.removeprefix("   ") for line in block.splitlines())
        target = re.match(r"# in (data/\S+\.ttl)", block)
        assert target, f"each example names its file: {block[:60]!r}"
        path = project_copy / target.group(1)
        path.write_text(path.read_text(encoding="utf-8") + "\n" + block + "\n", encoding="utf-8")
    result = run_validate(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 violations" in result.stdout


def test_every_data_file_has_the_same_prefixes() -> None:
    headers = {}
    for path in sorted((REPO / "data").glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        headers[path.name] = [line for line in text.splitlines() if line.startswith("@prefix")]
        assert "<id/" not in text.split("@prefix source:", 1)[1].replace("<id/place/dortmund/", ""), (
            f"{path.name}: write org:…, event:… rather than <id/…>")
    assert len({tuple(h) for h in headers.values()}) == 1, headers


def test_every_shape_constraint_has_a_german_and_an_english_message() -> None:
    """Each shape whose results a person reads has sh:message @de and @en (pyshacl's defaults are English)."""
    from rdflib import Graph
    from rdflib.collection import Collection

    shapes = Graph()
    for path in sorted((REPO / "shapes").glob("*.ttl")):
        shapes.parse(path, format="turtle", publicID="https://ld.example.test/ib/")
    nested = set()  # shapes inside sh:or / sh:qualifiedValueShape report through the shape that holds them
    for lst in shapes.objects(None, SH["or"]):
        nested.update(Collection(shapes, lst))
    nested.update(shapes.objects(None, SH.qualifiedValueShape))
    parameters = [SH.minCount, SH.maxCount, SH.datatype, SH.pattern, SH["in"], SH.hasValue, SH.node, SH["or"],
                  SH.nodeKind, SH.uniqueLang, SH.qualifiedValueShape, SH["class"], SH.languageIn]
    constrained = {s for p in parameters for s in shapes.subjects(p, None)} - nested
    assert len(constrained) > 40
    missing = []
    for shape in constrained:
        langs = {m.language for m in shapes.objects(shape, SH.message)}
        if not {"de", "en"} <= langs:
            missing.append(shapes.value(shape, SH.path) or shape)
    assert not missing, missing


def test_no_pyshacl_default_text_in_a_report(project_copy: Path) -> None:
    """Links to undescribed resources used to add nested results with "Less than 1 values on …"."""
    events = project_copy / "data" / "events.ttl"
    events.write_text(events.read_text(encoding="utf-8").replace("org:adfc ,", "org:adfc-dortmund ,", 1),
                      encoding="utf-8")
    alignments = project_copy / "data" / "alignments.ttl"
    alignments.write_text(alignments.read_text(encoding="utf-8").replace(
        "prov:wasAttributedTo agent:projektteam", "prov:wasAttributedTo agent:niemand", 1), encoding="utf-8")
    result = run_validate(project_copy)
    assert result.returncode == 1
    assert "org:adfc-dortmund" in result.stdout and "agent:niemand" in result.stdout, result.stdout
    assert not PYSHACL_DEFAULTS.search(result.stdout), result.stdout
    json_report = run_validate(project_copy, "--format", "json").stdout
    for finding in json.loads(json_report)["findings"]:
        assert finding["message_de"] != finding["message_en"], finding
        assert not PYSHACL_DEFAULTS.search(finding["message_de"] + finding["message_en"]), finding
