"""Each SHACL constraint catches the editing mistake it exists for, and says where it is.

Every case breaks one thing in a copy of the shipped data, runs ``publisher validate`` as the office's
staff would, and checks the exit code and that the message names the file (with line), the resource
and the property.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO


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
    "duplicate slug": Breakage(
        "data/organizations.ttl",
        append('org:adfc a schema:NGO ;\n    schema:name "Neuer Verein e.V."@de .'),
        "org:adfc", "schema:name", "same slug"),
    "invalid slug": Breakage(
        "data/organizations.ttl", append('org:Neuer_Verein a schema:NGO ;\n    schema:name "Neuer Verein"@de .'),
        "org:Neuer_Verein", None, "Invalid slug"),
    "unknown type": Breakage(
        "data/organizations.ttl", replace_once("org:adfc a schema:NGO ;", "org:adfc a schema:NGOO ;"),
        "org:adfc", "rdf:type", "Unknown or missing type"),
    "date that is not a date": Breakage(
        "data/events.ttl", replace_once('schema:startDate "2023-05-07"^^xsd:date ;\n    schema:location',
                                        'schema:startDate "7. Mai 2023" ;\n    schema:location'),
        "event:dortbunt-2023", "schema:startDate", "Not a valid date"),
    "impossible date": Breakage(
        "data/events.ttl",
        replace_once('schema:endDate "2023-05-07"^^xsd:date', 'schema:endDate "2023-02-30"^^xsd:date'),
        "event:zeltdorf-2023", "schema:endDate", "Not a valid date"),
    "missing start date": Breakage(
        "data/events.ttl",
        replace_once('    schema:startDate "2023-05-07"^^xsd:date ;\n    schema:location place:dortmund ;\n'
                     "    schema:subEvent",
                     "    schema:location place:dortmund ;\n    schema:subEvent"),
        "event:dortbunt-2023", "schema:startDate", "exactly one start date"),
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
