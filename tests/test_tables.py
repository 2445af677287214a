"""Spreadsheets as the office's tool: real workbooks (openpyxl, odfpy, LibreOffice), real data files, real builds.

Every test works on a copy of the project (``project_copy``): export, edit the file as a person would,
import through the command line, then validate, build and look at the served site.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from rdflib import Graph, Literal, URIRef

from publisher.cli import main
from publisher.core.config import Config
from publisher.core.namespaces import SCHEMA, ProjectNamespaces
from publisher.tables.mapping import DATA_PREFIXES, Iris, load_mapping
from tests.conftest import TEST_BASE_IRI

ADFC = TEST_BASE_IRI + "id/organization/adfc"


def run(root: Path, *args: str) -> tuple[int, str]:
    """``publisher --root ROOT …`` in-process; returns the exit code and everything it printed."""
    result = CliRunner().invoke(main, ["--root", str(root), "--base-iri", TEST_BASE_IRI,
                                       "--build-dir", str(root / "build"), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def data_state(root: Path) -> dict[str, str]:
    files = (p for p in sorted((root / "data").iterdir()) if p.is_file())  # data/seiten/ is a folder
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def config_of(root: Path) -> Config:
    return Config.load(root=root, base_iri=TEST_BASE_IRI, build_dir=root / "build")


@pytest.fixture
def exported(project_copy: Path) -> Path:
    """The shipped data exported as a workbook by ``publisher tables export``."""
    code, out = run(project_copy, "tables", "export", str(project_copy / "daten.xlsx"))
    assert code == 0, out
    return project_copy / "daten.xlsx"


def header(ws) -> dict[str, int]:  # noqa: ANN001
    """German column title (without the required mark) → column number."""
    return {str(c.value).rstrip(" *"): c.column for c in ws[1] if c.value}


def row_of(ws, slug: str) -> int:  # noqa: ANN001
    return next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == slug)


def put(path: Path, sheet: str, row: int, column: str, value: object) -> None:
    wb = load_workbook(path)
    ws = wb[sheet]
    ws.cell(row, header(ws)[column]).value = value
    wb.save(path)


def append(path: Path, sheet: str, values: dict[str, object]) -> int:
    wb = load_workbook(path)
    ws = wb[sheet]
    cols = header(ws)
    row = ws.max_row + 1
    while row > 3 and all(ws.cell(row - 1, c).value is None for c in cols.values()):
        row -= 1  # max_row counts the formatted empty rows below the data
    for title, value in values.items():
        ws.cell(row, cols[title]).value = value
    wb.save(path)
    return row


# ---------------------------------------------------------------- the workbook


def test_export_has_german_sheets_english_titles_readable_values_and_drop_downs(exported: Path) -> None:
    wb = load_workbook(exported)
    assert wb.sheetnames == ["Partner", "Projekte", "Veranstaltungen", "Teilnahmen", "Zuordnungen"]
    ws = wb["Zuordnungen"]
    cols = header(ws)
    assert [c.value for c in ws[2]][:3] == ["identifier", "aligned resource", "SDG (goal or target)"]
    r = row_of(ws, "adfc--sdg-13")
    assert ws.cell(r, cols["SDG"]).value == "13"
    assert ws.cell(r, cols["Zugeordnet"]).value == "adfc"
    assert ws.cell(r, cols["Prüfstatus"]).value == "vorgeschlagen"
    assert ws.cell(row_of(ws, "adfc--quadrangle-oekologie"), cols["Dimension"]).value == "Ökologie"
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"vorgeschlagen,bestätigt,verworfen"' in lists
    assert '"Ökonomie,Ökologie,Soziales,Zivilgesellschaft"' in lists
    partners = wb["Partner"]
    assert partners.cell(row_of(partners, "adfc"), header(partners)["Name"]).value == "ADFC e.V."
    assert partners.max_row - 2 >= 30 and wb["Teilnahmen"].max_row - 2 == 30


@pytest.mark.parametrize("target", ["daten.xlsx", "daten.ods", "csv-ordner"])
def test_export_then_import_without_edit_changes_nothing(project_copy: Path, target: str) -> None:
    before = data_state(project_copy)
    path = project_copy / target
    assert run(project_copy, "tables", "export", str(path))[0] == 0
    code, out = run(project_copy, "tables", "import", str(path))
    assert code == 0, out
    assert "Keine Änderung / no change" in out
    assert data_state(project_copy) == before, "data/ is byte-identical"


def test_edit_a_name_and_add_a_partner_shows_on_the_served_site(exported: Path, project_copy: Path) -> None:
    from publisher.serve.web.app import create_app

    wb = load_workbook(exported)
    put(exported, "Partner", row_of(wb["Partner"], "adfc"), "Name", "ADFC Kreisverband Dortmund e.V.")
    append(exported, "Partner", {"Kürzel": "radlerinnen-dortmund", "Art": "Verein/Verband",
                                 "Name": "Radlerinnen Dortmund e.V.", "Quelle": "seed"})
    append(exported, "Teilnahmen", {"Veranstaltung": "zeltdorf-2023", "Partner": "radlerinnen-dortmund"})
    append(exported, "Zuordnungen", {"Zugeordnet": "radlerinnen-dortmund", "SDG": "11.2",
                                     "Begründung": "Einschätzung des Projektteams: Radverkehr.",
                                     "Prüfstatus": "vorgeschlagen", "Zugeordnet von": "projektteam",
                                     "Datum": dt.date(2026, 12, 1)})

    code, out = run(project_copy, "tables", "import", "--dry-run", str(exported))
    assert code == 0, out
    assert "Partner: „adfc“, Name: „ADFC e.V.“ → „ADFC Kreisverband Dortmund e.V.“" in out
    assert "Partner: neu „radlerinnen-dortmund“ (Radlerinnen Dortmund e.V.) / Partners: added" in out
    assert "Zuordnungen: neu „radlerinnen-dortmund--sdg-11.2“" in out  # the key is made from partner and goal
    assert "nichts geschrieben" in out
    before = data_state(project_copy)
    assert data_state(project_copy) == before

    code, out = run(project_copy, "tables", "import", str(exported))
    assert code == 0, out
    assert "data/organizations.ttl" in out and "data/events.ttl" in out and "data/alignments.ttl" in out
    code, out = run(project_copy, "validate")
    assert code == 0, out
    code, out = run(project_copy, "build")
    assert code == 0, out

    client = create_app(config_of(project_copy)).test_client()
    page = client.get("/id/organization/adfc", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "ADFC Kreisverband Dortmund e.V." in page.text
    assert "ADFC e.V.<" not in page.text
    new = client.get("/id/organization/radlerinnen-dortmund.ttl")
    assert new.status_code == 200
    g = Graph().parse(data=new.text, format="turtle")
    assert (URIRef(TEST_BASE_IRI + "id/organization/radlerinnen-dortmund"), SCHEMA.name,
            Literal("Radlerinnen Dortmund e.V.", lang="de")) in g
    event = client.get("/id/event/zeltdorf-2023.ttl").text
    assert "radlerinnen-dortmund" in event

    # and the same workbook again: nothing more to do
    code, out = run(project_copy, "tables", "import", str(exported))
    assert code == 0 and "Keine Änderung / no change" in out


def test_confirming_an_alignment_and_removing_a_participation_are_reported_in_words(exported: Path,
                                                                                      project_copy: Path) -> None:
    wb = load_workbook(exported)
    alignments, participations = wb["Zuordnungen"], wb["Teilnahmen"]
    alignments.cell(row_of(alignments, "adfc--sdg-13"), header(alignments)["Prüfstatus"]).value = "bestätigt"
    gone = next(r for r in range(3, participations.max_row + 1) if participations.cell(r, 2).value == "attac")
    participations.delete_rows(gone)
    wb.save(exported)
    code, out = run(project_copy, "tables", "import", str(exported))
    assert code == 0, out
    assert "Zuordnungen: „adfc--sdg-13“, Prüfstatus: „vorgeschlagen“ → „bestätigt“ / Alignments: “adfc--sdg-13”, " \
           "review status: “vorgeschlagen” → “bestätigt”" in out
    assert "Teilnahmen: entfernt „zeltdorf-2023 → attac“ / Participations: removed “zeltdorf-2023 → attac”" in out
    g = Graph().parse(project_copy / "data/alignments.ttl", publicID=TEST_BASE_IRI)
    assert (URIRef(TEST_BASE_IRI + "id/alignment/adfc--sdg-13"), URIRef(TEST_BASE_IRI + "def/reviewStatus"),
            URIRef(TEST_BASE_IRI + "def/review-status/confirmed")) in g
    assert run(project_copy, "validate")[0] == 0


def test_written_files_have_the_fixed_prefix_header_and_do_not_depend_on_row_order(exported: Path,
                                                                                    project_copy: Path) -> None:
    put(exported, "Partner", 3, "Hinweis", "Ein Hinweis")
    assert run(project_copy, "tables", "import", str(exported))[0] == 0
    first = (project_copy / "data/organizations.ttl").read_bytes()
    text = first.decode()
    header = [line for line in text.splitlines() if line.startswith("@prefix")]
    assert header == [f"@prefix {p + ':':<10} <{ns}> ." for p, ns in DATA_PREFIXES]
    assert text.startswith("# The 30 participants"), "the file's own comments are kept"
    body = text.split("@prefix source:", 1)[1]
    assert TEST_BASE_IRI not in text and "<id/" not in body, "relative IRIs, always by prefix (org:…, source:…)"
    # the office sorts the sheet by name, descending: the file stays byte for byte the same
    wb = load_workbook(exported)
    ws = wb["Partner"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3) if any(c.value for c in r)]
    for r, values in enumerate(sorted(rows, key=lambda v: str(v[2]), reverse=True), 3):
        for c, value in enumerate(values, 1):
            ws.cell(r, c).value = value
    wb.save(exported)
    code, out = run(project_copy, "tables", "import", str(exported))
    assert code == 0 and "Keine Änderung" in out
    assert (project_copy / "data/organizations.ttl").read_bytes() == first


def test_import_from_a_folder_of_csv_files(project_copy: Path) -> None:
    folder = project_copy / "tabellen"
    assert run(project_copy, "tables", "export", str(folder))[0] == 0
    path = folder / "partner.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("ADFC e.V.", "ADFC e. V."), encoding="utf-8")
    code, out = run(project_copy, "tables", "import", str(folder))
    assert code == 0, out
    assert "„ADFC e.V.“ → „ADFC e. V.“" in out
    g = Graph().parse(project_copy / "data/organizations.ttl", publicID=TEST_BASE_IRI)
    assert (URIRef(ADFC), SCHEMA.name, Literal("ADFC e. V.", lang="de")) in g


# ---------------------------------------------------------------- messages that name the cell


def failing_import(root: Path, path: Path) -> str:
    before = data_state(root)
    code, out = run(root, "tables", "import", str(path))
    assert code == 1, out
    assert "Traceback" not in out
    assert "Nichts wurde geschrieben" in out and "Nothing was written" in out
    assert data_state(root) == before, "nothing is written when there is an error"
    return out


def test_empty_required_cell(exported: Path, project_copy: Path) -> None:
    put(exported, "Partner", 14, "Name", None)
    out = failing_import(project_copy, exported)
    assert "Partner, Zeile 14, Spalte „Name“: Pflichtfeld ist leer / Partners, row 14, column “name (German)”: " \
           "required cell is empty" in out


def test_unknown_goal(exported: Path, project_copy: Path) -> None:
    put(exported, "Zuordnungen", 5, "SDG", "18")
    wb = load_workbook(exported)
    put(exported, "Zuordnungen", 5, "Dimension", None) if wb["Zuordnungen"].cell(5, 4).value else None
    out = failing_import(project_copy, exported)
    assert "Zuordnungen, Zeile 5, Spalte „SDG“: unbekanntes Ziel „18“; erlaubt sind die Ziele 1 bis 17" in out
    assert "Alignments, row 5, column “SDG (goal or target)”: unknown goal “18”" in out


def test_unknown_partner_slug(exported: Path, project_copy: Path) -> None:
    row = append(exported, "Teilnahmen", {"Veranstaltung": "zeltdorf-2023", "Partner": "gibt-es-nicht"})
    out = failing_import(project_copy, exported)
    assert (f"Teilnahmen, Zeile {row}, Spalte „Partner“: unbekanntes Kürzel „gibt-es-nicht“: steht in keinem der "
            "Blätter „Partner“ oder „Projekte“") in out
    assert "unknown slug “gibt-es-nicht”" in out


def test_german_date_is_accepted_and_converted(exported: Path, project_copy: Path) -> None:
    wb = load_workbook(exported)
    put(exported, "Zuordnungen", row_of(wb["Zuordnungen"], "adfc--sdg-13"), "Datum", "12.05.2024")
    code, out = run(project_copy, "tables", "import", str(exported))
    assert code == 0, out
    assert "„adfc--sdg-13“, Datum: „2026-11-27“ → „2024-05-12“" in out
    assert '"2024-05-12"^^xsd:date' in (project_copy / "data/alignments.ttl").read_text()


def test_a_date_in_another_form_names_the_expected_form(exported: Path, project_copy: Path) -> None:
    put(exported, "Zuordnungen", 7, "Datum", "Mai 2024")
    out = failing_import(project_copy, exported)
    assert ("Zuordnungen, Zeile 7, Spalte „Datum“: „Mai 2024“ ist kein Datum; erwartet JJJJ-MM-TT (z. B. 2024-05-12) "
            "oder TT.MM.JJJJ (12.05.2024)") in out
    assert "expected YYYY-MM-DD" in out


def test_duplicate_slug(exported: Path, project_copy: Path) -> None:
    row = append(exported, "Partner", {"Kürzel": "adfc", "Art": "Verein/Verband", "Name": "Noch ein ADFC",
                                       "Quelle": "seed"})
    out = failing_import(project_copy, exported)
    assert (f"Partner, Zeile {row}, Spalte „Kürzel“: Kürzel „adfc“ kommt doppelt vor (auch Zeile 3) / Partners, "
            f"row {row}, column “slug”: slug “adfc” appears twice (also row 3)") in out


def test_formula_instead_of_value(exported: Path, project_copy: Path) -> None:
    put(exported, "Partner", 4, "Name", '=A4&" Dortmund"')
    out = failing_import(project_copy, exported)
    assert "Partner, Zeile 4, Spalte „Name“: Formel statt Wert (=A4&\" Dortmund\")" in out
    assert "formula instead of a value" in out


def test_unknown_drop_down_value_and_missing_sheet(exported: Path, project_copy: Path) -> None:
    put(exported, "Zuordnungen", 3, "Prüfstatus", "ok")
    wb = load_workbook(exported)
    del wb["Projekte"]
    wb.save(exported)
    out = failing_import(project_copy, exported)
    assert "Zuordnungen, Zeile 3, Spalte „Prüfstatus“: unbekannter Wert „ok“; erlaubt: vorgeschlagen, bestätigt, " \
           "verworfen" in out
    assert "Projekte: Tabellenblatt fehlt (erwartet: „Projekte“) / Projects: sheet missing" in out


def test_shape_violation_names_the_row_it_came_from(exported: Path, project_copy: Path) -> None:
    """A mistake only the shapes see (here: a slug with a double hyphen) still names sheet and row."""
    row = append(exported, "Partner", {"Kürzel": "neu--verein", "Art": "Verein/Verband", "Name": "Neuer Verein e.V.",
                                       "Quelle": "seed"})
    out = failing_import(project_copy, exported)
    assert f"Partner, Zeile {row}: Ungültiger Slug" in out
    assert f"Partners, row {row}: Invalid slug" in out


def test_not_a_workbook(project_copy: Path) -> None:
    bad = project_copy / "kaputt.xlsx"
    bad.write_text("not a zip")
    out = failing_import(project_copy, bad)
    assert "keine lesbare Arbeitsmappe / not a readable workbook" in out


def test_a_workbook_written_from_scratch_by_openpyxl(project_copy: Path, exported: Path) -> None:
    """A workbook someone builds by hand (only the German titles, no English row) imports as well."""
    src = load_workbook(exported)
    wb = Workbook()
    wb.remove(wb.active)
    for ws in src.worksheets:
        out = wb.create_sheet(ws.title)
        for i, row in enumerate(ws.iter_rows(values_only=True), 1):
            if i != 2 and any(v is not None for v in row):
                out.append(list(row))
    path = project_copy / "neu.xlsx"
    wb.save(path)
    code, out = run(project_copy, "tables", "import", str(path))
    assert code == 0 and "Keine Änderung" in out, out


def test_import_refuses_to_delete_statements_the_sheets_cannot_hold(exported: Path, project_copy: Path) -> None:
    events = project_copy / "data/events.ttl"
    events.write_text(events.read_text() + '\n<id/event/zeltdorf-2023> <http://schema.org/url> '
                      '"https://example.test/zeltdorf" .\n')
    out = failing_import(project_copy, exported)
    assert "data/events.ttl: diese Aussage passt in kein Tabellenblatt und ginge beim Import verloren" in out


def test_data_prefixes_agree_with_the_project_namespaces() -> None:
    """The files' prefix header and the prefixes offered elsewhere (SPARQL editor, Turtle output) agree."""
    offered = ProjectNamespaces(TEST_BASE_IRI).prefixes()
    ours = Iris(TEST_BASE_IRI).prefixes
    shared = ours.keys() & offered.keys()
    assert {"org", "event", "al", "ib", "quad", "review", "sdg", "schema", "dcterms", "prov"} <= shared
    assert all(ours[p] == offered[p] for p in shared)
    office = (Path(__file__).parent.parent / "data/office.ttl").read_text(encoding="utf-8")
    if "@prefix source:" in office:  # once the data files share one header, ours is exactly that one
        assert [line for line in office.splitlines() if line.startswith("@prefix")] == \
            [f"@prefix {p + ':':<10} <{ns}> ." for p, ns in DATA_PREFIXES]


def test_mapping_is_one_declared_file() -> None:
    mapping = load_mapping()
    assert {t.file for t in mapping.tables} == {"organizations.ttl", "events.ttl", "alignments.ttl"}
    assert all(c.title_de and c.title_en for t in mapping.tables for c in t.shown)


# ---------------------------------------------------------------- LibreOffice


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                                            "apt-get install libreoffice-calc-nogui")
@pytest.mark.parametrize("fmt", ["ods", "xlsx"])
def test_workbook_saved_by_libreoffice_imports_with_no_difference(exported: Path, project_copy: Path,
                                                                 tmp_path: Path, fmt: str) -> None:
    out_dir = tmp_path / "lo"
    out_dir.mkdir()
    src = tmp_path / "quelle.xlsx"
    shutil.copy(exported, src)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(out_dir), str(src)], check=True, timeout=180, capture_output=True,
                   env={**os.environ, "HOME": str(tmp_path)})
    converted = out_dir / f"quelle.{fmt}"
    assert converted.is_file()
    before = data_state(project_copy)
    code, out = run(project_copy, "tables", "import", str(converted))
    assert code == 0, out
    assert "Keine Änderung / no change" in out
    assert data_state(project_copy) == before


# ---------------------------------------------------------------- the catalogue's texts live in data/


def test_catalogue_texts_come_from_data(project_copy: Path) -> None:
    path = project_copy / "data/katalog.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'title_de = "Veranstaltungen des Büros für Internationale Beziehungen Dortmund"',
        'title_de = "Veranstaltungen 2023 und 2024 des Büros für Internationale Beziehungen Dortmund"'),
        encoding="utf-8")
    code, out = run(project_copy, "build")
    assert code == 0, out
    from publisher.core.release import current_release

    release = current_release(config_of(project_copy).builds)
    assert release is not None
    catalog = Graph().parse(release.layout.catalog_graph, format="nt")
    titles = {str(o) for o in catalog.objects(None, URIRef("http://purl.org/dc/terms/title"))}
    assert "Veranstaltungen 2023 und 2024 des Büros für Internationale Beziehungen Dortmund" in titles
    assert "Veranstaltungen des Büros für Internationale Beziehungen Dortmund" not in titles


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda t: t.replace('title_en = "Events of', 'title_en = "Events of\n'),
     "data/katalog.toml:"),
    (lambda t: t.replace('title_en = "Events of the Office for International Relations Dortmund"\n', ""),
     "Abschnitt [events]: „title_en“ fehlt oder ist leer / section [events]: “title_en” is missing or empty"),
    (lambda t: t.replace("[sdg-alignments]", "[zuordnungen]"),
     "Abschnitt [sdg-alignments] fehlt / section [sdg-alignments] missing"),
])
def test_a_broken_catalogue_text_file_is_named_and_nothing_is_published(project_copy: Path, edit, expected) -> None:  # noqa: ANN001
    path = project_copy / "data/katalog.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    code, out = run(project_copy, "build")
    assert code == 1 and expected in out and "Traceback" not in out, out
    assert "Nothing was published" in out


def test_mapping_is_valid_csvw_metadata(tmp_path: Path) -> None:
    """The mapping stays W3C CSVW metadata: the ``csvw`` library reads it (it checks, e.g., column order)."""
    csvw = pytest.importorskip("csvw")
    from publisher.tables.mapping import MAPPING_FILE

    shutil.copy(MAPPING_FILE, tmp_path / "m.json")
    group = csvw.TableGroup.from_file(tmp_path / "m.json")
    ours = load_mapping()
    assert [str(t.url) for t in group.tables] == [t.csv_name for t in ours.tables]
    for theirs, table in zip(group.tables, ours.tables, strict=True):
        assert [c.name for c in theirs.tableSchema.columns] == [c.name for c in table.columns]
        assert str(theirs.tableSchema.aboutUrl) == table.about_url
