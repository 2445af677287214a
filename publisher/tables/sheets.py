"""Reading and writing the workbook files: ``.xlsx`` (openpyxl), ``.ods`` (odfpy) and a folder of ``.csv``.

Every reader gives the same thing: per sheet name, the non-empty rows with their spreadsheet row
number, each a list of cell values (``str``, ``int``, ``float``, ``date``/``datetime``, ``None``, or a
``Formula``), so the checks and messages are the same whatever program saved the file.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from publisher.tables.mapping import Column, Mapping, Table

#: The sheet's first row holds the German titles, the second the English ones; data starts below.
HEADER_ROWS = 2
#: LibreOffice marks its empty tail as "repeated a million times"; never expand more than this.
_MAX_REPEAT = 1000
SUFFIXES = (".xlsx", ".ods")


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula: the import wants values the office can see, not calculations."""

    text: str


Value = str | int | float | dt.date | dt.datetime | Formula | None
Rows = list[tuple[int, list[Value]]]


class WorkbookError(Exception):
    """The file cannot be opened as a workbook; the message is German, then English."""


def read_workbook(path: Path, mapping: Mapping) -> dict[str, Rows]:
    """Every sheet of ``path`` (``.xlsx``, ``.ods`` or a folder of ``.csv``) by sheet name."""
    if path.is_dir():
        return _read_csv_dir(path, mapping)
    if not path.is_file():
        raise WorkbookError(f"{path}: Datei nicht gefunden / file not found")
    try:
        if path.suffix.lower() == ".xlsx":
            return _read_xlsx(path)
        if path.suffix.lower() == ".ods":
            return _read_ods(path)
    except WorkbookError:
        raise
    except Exception as exc:  # a damaged or mislabelled file: say so, never a traceback
        raise WorkbookError(f"{path}: keine lesbare Arbeitsmappe / not a readable workbook ({exc})") from None
    raise WorkbookError(f"{path}: bitte .xlsx, .ods oder einen Ordner mit .csv-Dateien angeben / "
                        "please give an .xlsx or .ods file or a folder of .csv files")


def _trim(values: list[Value]) -> list[Value]:
    values = [None if isinstance(v, str) and not v.strip() else v for v in values]
    while values and values[-1] is None:
        values.pop()
    return values


def _read_xlsx(path: Path) -> dict[str, Rows]:
    from openpyxl import load_workbook
    from openpyxl.worksheet.formula import ArrayFormula

    # Not data_only: a formula must be seen as a formula (its cached value may be stale or missing).
    wb = load_workbook(path, data_only=False, read_only=True)
    sheets: dict[str, Rows] = {}
    for ws in wb.worksheets:
        rows: Rows = []
        for number, row in enumerate(ws.iter_rows(), 1):
            values: list[Value] = []
            for cell in row:
                v = getattr(cell, "value", None)
                if isinstance(v, ArrayFormula) or getattr(cell, "data_type", None) == "f":
                    v = Formula(str(getattr(v, "text", v)))
                values.append(v)
            values = _trim(values)
            if values:
                rows.append((number, values))
        sheets[ws.title] = rows
    wb.close()
    return sheets


def _read_ods(path: Path) -> dict[str, Rows]:
    from odf import teletype
    from odf.namespaces import TABLENS
    from odf.opendocument import load
    from odf.table import Table as OdsTable
    from odf.table import TableRow

    doc = load(str(path))
    sheets: dict[str, Rows] = {}
    for table in doc.spreadsheet.getElementsByType(OdsTable):
        rows: Rows = []
        number = 0
        for row in table.getElementsByType(TableRow):
            repeat = int(row.getAttribute("numberrowsrepeated") or 1)
            values: list[Value] = []
            for cell in row.childNodes:
                if cell.qname[0] != TABLENS or cell.qname[1] not in ("table-cell", "covered-table-cell"):
                    continue
                times = min(int(cell.getAttribute("numbercolumnsrepeated") or 1), _MAX_REPEAT)
                values += [_ods_value(cell, teletype)] * times
            values = _trim(values)
            for _ in range(repeat if values else 0):
                number += 1
                rows.append((number, values))
            if not values:
                number += repeat
        sheets[str(table.getAttribute("name"))] = rows
    return sheets


def _ods_value(cell, teletype) -> Value:  # noqa: ANN001 - odfpy elements are untyped
    formula = cell.getAttribute("formula") if cell.qname[1] == "table-cell" else None
    if formula:
        return Formula(formula)
    kind = cell.getAttribute("valuetype") if cell.qname[1] == "table-cell" else None
    if kind in ("float", "percentage", "currency"):
        number = float(cell.getAttribute("value"))
        return int(number) if number.is_integer() else number
    if kind == "date":
        text = cell.getAttribute("datevalue")
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    paragraphs = [teletype.extractText(p) for p in cell.childNodes if p.qname[1] == "p"]
    return "\n".join(paragraphs) if paragraphs else None


def _read_csv_dir(folder: Path, mapping: Mapping) -> dict[str, Rows]:
    sheets: dict[str, Rows] = {}
    for table in mapping.tables:
        for candidate in (table.csv_name, f"{table.sheet_de}.csv", f"{table.sheet_en}.csv"):
            path = folder / candidate
            if path.is_file():
                break
        else:
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise WorkbookError(f"{path}: bitte als UTF-8 speichern / please save as UTF-8") from None
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
        rows: Rows = []
        for number, record in enumerate(csv.reader(text.splitlines(), dialect), 1):
            values: list[Value] = [Formula(v) if v.startswith("=") and len(v) > 1 else v for v in record]
            values = _trim(values)
            if values:
                rows.append((number, values))
        sheets[table.sheet_de] = rows
    return sheets


def write_xlsx(path: Path, mapping: Mapping, rows: dict[str, list[dict[str, str | dt.date]]]) -> None:
    """A workbook for the office: German titles, English titles below, drop-downs for coded columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.remove(wb.active)
    bold, grey = Font(bold=True), Font(italic=True, color="555555")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for table in mapping.tables:
        ws = wb.create_sheet(table.sheet_de)
        columns = table.shown
        ws.append([c.title_de + (" *" if _required(table, c) else "") for c in columns])
        ws.append([c.title_en for c in columns])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        for cell in ws[2]:
            cell.font = grey
        for record in rows[table.name]:
            ws.append([record.get(c.name) or None for c in columns])
        ws.freeze_panes = "B3"
        last = max(ws.max_row, HEADER_ROWS) + 500  # room for new rows, with the same drop-downs
        for index, column in enumerate(columns, 1):
            letter = get_column_letter(index)
            width = max([len(column.title_de), len(column.title_en)]
                        + [len(str(r.get(column.name) or "")) for r in rows[table.name]])
            ws.column_dimensions[letter].width = min(max(width + 2, 10), 60)
            if column.datatype == "date":
                for (cell,) in ws.iter_rows(min_row=HEADER_ROWS + 1, min_col=index, max_col=index):
                    cell.number_format = "YYYY-MM-DD"
            elif column.check == "sdg":
                for (cell,) in ws.iter_rows(min_row=HEADER_ROWS + 1, min_col=index, max_col=index):
                    cell.number_format = "@"  # text, so that 16.10 stays 16.10
            if column.values:
                dv = DataValidation(type="list", formula1='"' + ",".join(column.values) + '"', allow_blank=True,
                                    showErrorMessage=True, errorTitle="Ungültiger Wert / invalid value",
                                    error="Bitte einen Wert aus der Liste wählen / please pick a value from the list")
                ws.add_data_validation(dv)
                dv.add(f"{letter}{HEADER_ROWS + 1}:{letter}{last}")
    wb.save(path)


def write_csv_dir(folder: Path, mapping: Mapping, rows: dict[str, list[dict[str, str | dt.date]]]) -> None:
    """One UTF-8 CSV per sheet, the same two title rows as the workbook (CSVW ``headerRowCount`` 2)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table in mapping.tables:
        with open(folder / table.csv_name, "w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow([c.title_de for c in table.shown])
            out.writerow([c.title_en for c in table.shown])
            for record in rows[table.name]:
                out.writerow([_text(record.get(c.name)) for c in table.shown])


def _text(value: str | dt.date | None) -> str:
    return value.isoformat() if isinstance(value, dt.date) else (value or "")


def _required(table: Table, column: Column) -> bool:
    return column.required or column.name in table.one_of


def records_as_rows(records: dict[str, list[dict[str, str | dt.date]]], mapping: Mapping) -> dict[str, Rows]:
    """Records laid out as the sheets are (title rows, then data): what a reader of the export would give."""
    sheets: dict[str, Rows] = {}
    for table in mapping.tables:
        rows: Rows = [(1, [c.title_de for c in table.shown]), (2, [c.title_en for c in table.shown])]
        for number, record in enumerate(records[table.name], HEADER_ROWS + 1):
            rows.append((number, [record.get(c.name) for c in table.shown]))
        sheets[table.sheet_de] = rows
    return sheets


def write_ods(path: Path, mapping: Mapping, rows: dict[str, list[dict[str, str | dt.date]]]) -> None:
    """The same sheets as OpenDocument (odfpy); without drop-downs, which odfpy does not offer simply."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table as OdsTable
    from odf.table import TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for table in mapping.tables:
        sheet = OdsTable(name=table.sheet_de)
        lines: list[list[str | dt.date | None]] = [[c.title_de for c in table.shown], [c.title_en for c in table.shown]]
        lines += [[r.get(c.name) for c in table.shown] for r in rows[table.name]]
        for values in lines:
            row = TableRow()
            for v in values:
                if isinstance(v, dt.date):
                    cell = TableCell(valuetype="date", datevalue=v.isoformat())
                    cell.addElement(P(text=v.isoformat()))
                elif v:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(v)))
                else:
                    cell = TableCell()
                row.addElement(cell)
            sheet.addElement(row)
        doc.spreadsheet.addElement(sheet)
    doc.save(str(path))
