"""Spreadsheets as the office's tool: export the data to a workbook, import the edited workbook back.

A data-in step like ``publisher.build.sources``: it reads and writes ``data/*.ttl`` and nothing else.
The mapping between columns and RDF is declared once, in ``mapping.json`` (CSVW metadata), and read
in both directions by ``mapping.py`` and ``convert.py``; the README says why no general CSVW or RML
engine does it. The serve side never imports this package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from publisher.core.config import Config
from publisher.tables.convert import (
    Origins,
    Problem,
    TablesError,
    describe_changes,
    export_rows,
    import_graphs,
    known_subjects,
    lost_statements,
    owned_graphs,
    relpath,
    sdg_iris,
    shape_problems,
    to_turtle,
)
from publisher.tables.mapping import Iris, load_mapping
from publisher.tables.sheets import WorkbookError, read_workbook, write_csv_dir, write_ods, write_xlsx

__all__ = ["ImportResult", "Problem", "TablesError", "WorkbookError", "export_workbook", "import_workbook"]


def _lost_problems(config: Config, lost: list[tuple[str, tuple]], doing_de: str, doing_en: str) -> TablesError:
    shown = lost[:10]
    return TablesError([Problem(relpath(config, name), None, None,
                                f"diese Aussage passt in kein Tabellenblatt und ginge beim {doing_de} verloren: "
                                f"{' '.join(t.n3() for t in triple)}",
                                f"this statement fits no sheet and would be lost on {doing_en}")
                        for name, triple in shown])


def export_workbook(config: Config, target: Path) -> dict[str, int]:
    """Write the sheets to ``target`` (.xlsx, .ods, or a folder for .csv); returns rows per sheet."""
    mapping, iris = load_mapping(), Iris(config.base_iri)
    graphs = owned_graphs(config, mapping)
    external, sdg = known_subjects(config, mapping), sdg_iris(config)
    lost = lost_statements(graphs, mapping, iris, external, sdg)
    if lost:
        raise _lost_problems(config, lost, "Export", "export")
    records = export_rows(graphs, mapping, iris)
    suffix = target.suffix.lower()
    if suffix == ".xlsx":
        write_xlsx(target, mapping, records)
    elif suffix == ".ods":
        write_ods(target, mapping, records)
    elif suffix == "":
        write_csv_dir(target, mapping, records)
    else:
        raise WorkbookError(f"{target}: bitte .xlsx, .ods oder einen Ordnernamen angeben / "
                            "please give an .xlsx or .ods file name or a folder name")
    return {mapping.table(name).sheet_de: len(rows) for name, rows in records.items()}


@dataclass
class ImportResult:
    changes: list[str]  # in words, German / English
    files: list[str] = field(default_factory=list)  # data files that (would) change
    written: bool = False


def import_workbook(config: Config, source: Path, dry_run: bool = False) -> ImportResult:
    """Check the workbook, and (unless ``dry_run``) rewrite the data files whose statements change.

    Nothing is written when any cell has a problem (``TablesError``) or when the import would delete a
    statement that the sheets cannot hold; unchanged files keep their bytes.
    """
    mapping, iris = load_mapping(), Iris(config.base_iri)
    sheets = read_workbook(source, mapping)
    current = owned_graphs(config, mapping)
    external, sdg = known_subjects(config, mapping), sdg_iris(config)
    origins: Origins = {}
    new = import_graphs(sheets, mapping, iris, external, sdg, origins)
    lost = lost_statements(current, mapping, iris, external, sdg)
    if lost:
        raise _lost_problems(config, lost, "Import", "import")
    changes = describe_changes(export_rows(current, mapping, iris), export_rows(new, mapping, iris), mapping)
    changed = [name for name in mapping.files if set(new[name]) != set(current[name])]
    result = ImportResult(changes, [relpath(config, name) for name in changed])
    if changed:
        problems = shape_problems(config, new, origins, iris)
        if problems:
            raise TablesError(problems)
    if dry_run or not changed:
        return result
    for name in changed:
        sheet_names = [t.sheet_de for t in mapping.tables if t.file == name]
        path = config.data_dir / name
        text = to_turtle(new[name], iris, sheet_names, _leading_comments(path))
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # each file whole or not at all
    result.written = True
    return result


def _leading_comments(path: Path) -> list[str]:
    """The comment lines at the top of a data file (what it says about its sources), to keep them."""
    if not path.is_file():
        return []
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines
