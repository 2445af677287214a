"""Rows ↔ RDF by the declared mapping, with every problem named by sheet, row and column.

Export reads the data files the sheets own and turns each resource into one row; import checks every
cell, turns the rows back into one graph per data file, and says in words what would change. Both
directions use the same ``mapping.json``; export refuses to drop a statement the sheets cannot hold,
and import refuses to delete one, so a round trip never loses data silently.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from publisher.build.sources import SourceError, load_file, source_paths
from publisher.core.config import Config
from publisher.core.namespaces import SDG
from publisher.tables.mapping import Column, Iris, Mapping, Table, load_mapping
from publisher.tables.sheets import HEADER_ROWS, Formula, Rows, Value

Record = dict[str, str | dt.date]
_SLUG = re.compile(r"^[a-z0-9]([a-z0-9.\-]*[a-z0-9])?$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in one cell (or row, or sheet): German first, then English."""

    sheet: str
    row: int | None
    column: str | None
    german: str
    english: str
    sheet_en: str = field(default="", compare=False)
    column_en: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        de = self.sheet + (f", Zeile {self.row}" if self.row else "") + (f", Spalte „{self.column}“" if self.column
                                                                         else "")
        en = (self.sheet_en or self.sheet) + (f", row {self.row}" if self.row else "") + (
            f", column “{self.column_en or self.column}”" if self.column else "")
        return f"{de}: {self.german} / {en}: {self.english}"


class TablesError(Exception):
    """Import or export stopped; ``problems`` says why, cell by cell."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.sheet, p.row or 0, p.column or ""))
        super().__init__("\n".join(map(str, self.problems)))


# ---------------------------------------------------------------- the data files the sheets own


def owned_graphs(config: Config, mapping: Mapping) -> dict[str, Graph]:
    """The current graph of every data file the sheets own (an absent file is an empty graph)."""
    graphs = {}
    for name in mapping.files:
        path = config.data_dir / name
        graphs[name] = load_file(path, config).graph if path.is_file() else Graph()
    return graphs


def known_subjects(config: Config, mapping: Mapping) -> set[URIRef]:
    """Resources described elsewhere (ontology, office.ttl, …): a sheet may refer to them by slug."""
    owned = {(config.data_dir / name).resolve() for name in mapping.files}
    found: set[URIRef] = set()
    for path in source_paths(config):
        if path.resolve() not in owned:
            found.update(s for s in load_file(path, config).graph.subjects() if isinstance(s, URIRef))
    return found


# ---------------------------------------------------------------- export: graph → rows


def export_rows(graphs: dict[str, Graph], mapping: Mapping, iris: Iris) -> dict[str, list[Record]]:
    """One record per resource (or per statement, for sheets like Teilnahmen), sorted by key."""
    result: dict[str, list[Record]] = {}
    for table in mapping.tables:
        graph = graphs.get(table.file, Graph())
        records: list[Record] = []
        if table.own_subjects:
            prefix = iris.template_prefix(table.about_url)
            for s in sorted({s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(prefix)}):
                record: Record = {table.subject_column.name: str(s)[len(prefix):]}
                for column in table.shown:
                    if not column.key:
                        values = _cell_values(graph, s, column, mapping, iris)
                        if values:
                            record[column.name] = values[0] if column.datatype == "date" and len(values) == 1 \
                                else " | ".join(str(v) for v in values)
                records.append(record)
        else:
            subject_col = table.subject_column
            (column,) = [c for c in table.shown if not c.key]
            for s in sorted({s for s in graph.subjects() if _slug_of(s, subject_col, mapping, iris)}):
                for value in _cell_values(graph, s, column, mapping, iris):
                    records.append({subject_col.name: _slug_of(s, subject_col, mapping, iris) or "",
                                    column.name: value})
        result[table.name] = sorted(records, key=lambda r: tuple(str(r.get(c.name, "")) for c in table.shown))
    return result


def _cell_values(graph: Graph, s: URIRef, column: Column, mapping: Mapping, iris: Iris) -> list[str | dt.date]:
    out: list[str | dt.date] = []
    prop = iris.iri(column.property) if column.property else None
    for o in graph.objects(s, prop):
        if column.refers_to:
            slug = _slug_of(o, column, mapping, iris)
            if slug is not None:
                out.append(slug)
        elif column.value_url:
            prefix = iris.template_prefix(column.value_url)
            if isinstance(o, URIRef) and str(o).startswith(prefix):
                code = str(o)[len(prefix):]
                out.append(column.label_of(code) or code if column.values else code)
        elif isinstance(o, Literal):
            if column.datatype == "date" and o.datatype == XSD.date:
                out.append(o.toPython() if isinstance(o.toPython(), dt.date) else str(o))
            elif column.datatype is None and column.lang == o.language and o.datatype is None:
                out.append(str(o))
    return sorted(out, key=str)


def _slug_of(node: object, column: Column, mapping: Mapping, iris: Iris) -> str | None:
    for name in column.refers_to:
        prefix = iris.template_prefix(mapping.table(name).about_url)
        if isinstance(node, URIRef) and str(node).startswith(prefix):
            return str(node)[len(prefix):]
    return None


# ---------------------------------------------------------------- import: rows → graph


@dataclass
class _Parsed:
    table: Table
    rows: list[tuple[int, dict[str, list[str | dt.date]]]]  # row number, column name -> values


#: Where a statement came from: (subject, property) or (subject, None) → (table, row, column or None).
Origins = dict[tuple[URIRef, URIRef | None], tuple[Table, int, Column | None]]


def import_graphs(sheets: dict[str, Rows], mapping: Mapping, iris: Iris, external: set[URIRef],
                  known_sdg: set[URIRef], origins: Origins | None = None) -> dict[str, Graph]:
    """Check every cell and build one graph per data file; raise ``TablesError`` with all problems.

    ``origins``, if given, is filled with the row and column each statement came from, so that a shape
    violation found later can name the cell.
    """
    origins = {} if origins is None else origins
    problems: list[Problem] = []
    parsed = [_parse_table(t, sheets, iris, known_sdg, problems) for t in mapping.tables]
    keys = {p.table.name: {r[p.table.subject_column.name][0] for _, r in p.rows
                           if r.get(p.table.subject_column.name)}
            for p in parsed if p.table.own_subjects}
    graphs = {name: Graph() for name in mapping.files}
    for p in parsed:
        table, graph = p.table, graphs[p.table.file]
        for number, record in p.rows:
            def resolve(column: Column, slug: str, number: int = number, table: Table = table) -> URIRef | None:
                for name in column.refers_to:
                    iri = iris.subject(mapping.table(name), slug)
                    if slug in keys.get(name, ()) or iri in external:
                        return iri
                sheets_named = " oder ".join(f"„{mapping.table(n).sheet_de}“" for n in column.refers_to)
                sheets_en = " or ".join(f"“{mapping.table(n).sheet_en}”" for n in column.refers_to)
                problems.append(_problem(table, number, column, f"unbekanntes Kürzel „{slug}“: steht in keinem "
                                         f"der Blätter {sheets_named}", f"unknown slug “{slug}”: not in sheet "
                                         f"{sheets_en}"))
                return None

            key_col = table.subject_column
            if not record.get(key_col.name):
                continue  # already reported
            key = str(record[key_col.name][0])
            subject = iris.subject(table, key) if table.own_subjects else resolve(key_col, key)
            if subject is None:
                continue
            origins.setdefault((subject, None), (table, number, None))
            for column in table.columns:
                if column.virtual:
                    graph.add((subject, iris.iri(column.property or ""), iris.iri(column.value_url or "")))
                    continue
                if column.key or not column.property:
                    continue
                prop = iris.iri(column.property)
                origins.setdefault((subject, prop), (table, number, column))  # also for an empty cell
                for value in record.get(column.name, []):
                    if column.refers_to:
                        obj = resolve(column, str(value))
                        if obj is None:
                            continue
                    elif column.value_url:
                        obj = iris.value(column, str(value))
                    elif column.datatype == "date":
                        obj = Literal(value.isoformat() if isinstance(value, dt.date) else value, datatype=XSD.date)
                    else:
                        obj = Literal(str(value), lang=column.lang)
                    graph.add((subject, prop, obj))
                    origins.setdefault((subject, prop), (table, number, column))
                    if column.inverse and isinstance(obj, URIRef):
                        graph.add((obj, iris.iri(column.inverse), subject))
                        origins.setdefault((obj, iris.iri(column.inverse)), (table, number, column))
    if problems:
        raise TablesError(problems)
    return graphs


def _problem(table: Table, row: int | None, column: Column | None, german: str, english: str) -> Problem:
    return Problem(table.sheet_de, row, column.title_de if column else None, german, english, table.sheet_en,
                   column.title_en if column else None)


def _norm(title: object) -> str:
    return " ".join(str(title).replace("*", " ").split()).casefold()


def _parse_table(table: Table, sheets: dict[str, Rows], iris: Iris, known_sdg: set[URIRef],
                 problems: list[Problem]) -> _Parsed:
    wanted = {_norm(table.sheet_de), _norm(table.sheet_en), _norm(table.name)}
    rows = next((r for name, r in sheets.items() if _norm(name) in wanted), None)
    if rows is None:
        problems.append(_problem(table, None, None, f"Tabellenblatt fehlt (erwartet: „{table.sheet_de}“)",
                                 f"sheet missing (expected: “{table.sheet_en}”)"))
        return _Parsed(table, [])
    if not rows:
        problems.append(_problem(table, 1, None, "die Überschriftenzeile fehlt", "the title row is missing"))
        return _Parsed(table, [])
    header_number, header = rows[0]
    by_title = {}
    for c in table.shown:
        by_title[_norm(c.title_de)] = c
        by_title.setdefault(_norm(c.title_en), c)
    positions: dict[int, Column] = {}
    for index, title in enumerate(header):
        if title is None:
            continue
        column = by_title.get(_norm(title))
        if column is None:
            problems.append(Problem(table.sheet_de, header_number, str(title), "unbekannte Spaltenüberschrift",
                                    "unknown column title", table.sheet_en))
        elif column in positions.values():
            problems.append(_problem(table, header_number, column, "Spalte doppelt", "column appears twice"))
        else:
            positions[index] = column
    for column in table.shown:
        if column not in positions.values():
            problems.append(_problem(table, header_number, column, "Spalte fehlt", "column missing"))
    data = rows[1:]
    if data and all(_norm(v) in (_norm(c.title_en), "") for v, c in
                    ((data[0][1][i] if i < len(data[0][1]) else "", c) for i, c in positions.items())):
        data = data[1:]  # the English title row
    parsed: list[tuple[int, dict[str, list[str | dt.date]]]] = []
    seen: dict[tuple, int] = {}
    for number, values in data:
        record: dict[str, list[str | dt.date]] = {}
        for index, value in enumerate(values):
            column = positions.get(index)
            if column is None:
                if value is not None:
                    problems.append(Problem(table.sheet_de, number, f"{_column_letter(index)}", "Wert in einer Spalte "
                                            "ohne Überschrift", "value in a column without a title", table.sheet_en))
                continue
            cell = _cell(table, number, column, value, known_sdg, problems)
            if cell:
                record[column.name] = cell
        _key_default(table, record)
        for column in table.shown:
            if column.required and not record.get(column.name) and not _any_problem(problems, table, number, column):
                problems.append(_problem(table, number, column, "Pflichtfeld ist leer", "required cell is empty"))
        if table.one_of:
            filled = [n for n in table.one_of if record.get(n)]
            first = table.column(table.one_of[0])
            names_de = " oder ".join(f"„{table.column(n).title_de}“" for n in table.one_of)
            names_en = " or ".join(f"“{table.column(n).title_en}”" for n in table.one_of)
            if not filled and not any(_any_problem(problems, table, number, table.column(n)) for n in table.one_of):
                problems.append(_problem(table, number, first, f"bitte {names_de} ausfüllen",
                                         f"please fill in {names_en}"))
            elif len(filled) > 1:
                problems.append(_problem(table, number, first, f"nur eines von {names_de} ausfüllen (eine Zeile je "
                                         "Zuordnung)", f"fill in only one of {names_en} (one row per alignment)"))
        identity = (tuple(str(v) for v in record.get(table.subject_column.name, [])) if table.own_subjects
                    else tuple(tuple(map(str, record.get(c.name, []))) for c in table.shown))
        if identity and any(identity) and identity in seen:
            key_col = table.subject_column
            what_de = f"Kürzel „{identity[0]}“ kommt doppelt vor" if table.own_subjects else "Zeile doppelt"
            what_en = f"slug “{identity[0]}” appears twice" if table.own_subjects else "duplicate row"
            problems.append(_problem(table, number, key_col, f"{what_de} (auch Zeile {seen[identity]})",
                                     f"{what_en} (also row {seen[identity]})"))
            continue
        seen.setdefault(identity, number)
        parsed.append((number, record))
    return _Parsed(table, parsed)


def _any_problem(problems: list[Problem], table: Table, number: int, column: Column) -> bool:
    return any(p.sheet == table.sheet_de and p.row == number and p.column == column.title_de for p in problems)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _key_default(table: Table, record: dict[str, list[str | dt.date]]) -> None:
    key = table.subject_column.name
    if record.get(key) or not table.own_subjects:
        return
    for template in table.key_default:
        names = re.findall(r"\{([a-z_]+)\}", template)
        if all(record.get(n) for n in names):
            record[key] = [template.format(**{n: str(record[n][0]) for n in names})]
            return


def _cell(table: Table, number: int, column: Column, value: Value, known_sdg: set[URIRef],
          problems: list[Problem]) -> list[str | dt.date]:
    """The cell's value(s), checked; a problem is recorded (and ``[]`` returned) for a bad cell."""
    def bad(german: str, english: str) -> list[str | dt.date]:
        problems.append(_problem(table, number, column, german, english))
        return []

    if value is None:
        return []
    if isinstance(value, Formula):
        return bad(f"Formel statt Wert ({value.text}); bitte den Wert selbst eintragen (Kopieren, dann "
                   "„Inhalte einfügen: nur Werte“)", f"formula instead of a value ({value.text}); please enter the "
                   "value itself (copy, then “paste values only”)")
    if column.datatype == "date":
        return _date(value, bad)
    if isinstance(value, dt.datetime | dt.date):
        text = value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    elif isinstance(value, float):
        text = repr(value).removesuffix(".0")
    else:
        text = str(value)
    parts = [p.strip() for p in text.split(column.separator)] if column.separator else [text.strip()]
    out: list[str | dt.date] = []
    for part in (p for p in parts if p):
        if column.values:
            code = next((c for label, c in column.values.items() if part.casefold() in (label.casefold(),
                                                                                        c.casefold())), None)
            if code is None:
                allowed = ", ".join(column.values)
                return bad(f"unbekannter Wert „{part}“; erlaubt: {allowed}",
                           f"unknown value “{part}”; allowed: {allowed}")
            out.append(code)
        elif column.check == "sdg":
            if URIRef(f"{SDG}{part}") not in known_sdg:
                return bad(f"unbekanntes Ziel „{part}“; erlaubt sind die Ziele 1 bis 17 und ihre Unterziele "
                           "(z. B. 11.2)", f"unknown goal “{part}”; allowed are goals 1 to 17 and their targets "
                           "(e.g. 11.2)")
            out.append(part)
        elif column.refers_to or column.value_url or column.key:
            if not _SLUG.match(part):
                return bad(f"„{part}“ ist kein gültiges Kürzel: nur Kleinbuchstaben a–z, Ziffern, „-“ und „.“ "
                           "(z. B. „adfc“)", f"“{part}” is not a valid slug: only lower-case a–z, digits, “-” and "
                           "“.” (e.g. “adfc”)")
            out.append(part)
        else:
            out.append(part)
    return out


def _date(value: Value, bad) -> list[str | dt.date]:  # noqa: ANN001 - a local closure
    if isinstance(value, dt.datetime):
        return [value.date()]
    if isinstance(value, dt.date):
        return [value]
    text = str(value).strip()
    m = _GERMAN_DATE.match(text)
    try:
        if m:  # 12.05.2024, the German form: accepted and written as 2024-05-12
            return [dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))]
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return [dt.date.fromisoformat(text)]
    except ValueError:
        pass
    return bad(f"„{text}“ ist kein Datum; erwartet JJJJ-MM-TT (z. B. 2024-05-12) oder TT.MM.JJJJ (12.05.2024)",
               f"“{text}” is not a date; expected YYYY-MM-DD (e.g. 2024-05-12) or DD.MM.YYYY (12.05.2024)")


# ---------------------------------------------------------------- what the sheets cannot hold


def lost_statements(graphs: dict[str, Graph], mapping: Mapping, iris: Iris, external: set[URIRef],
                    known_sdg: set[URIRef]) -> list[tuple[str, tuple]]:
    """Statements of the owned files that a round trip through the sheets would drop (should be none)."""
    from publisher.tables.sheets import records_as_rows

    rebuilt = import_graphs(records_as_rows(export_rows(graphs, mapping, iris), mapping), mapping, iris,
                            external | set(_all_subjects(graphs)), known_sdg)
    return [(name, t) for name, g in graphs.items() for t in sorted(set(g) - set(rebuilt[name]))]


def _all_subjects(graphs: dict[str, Graph]) -> Iterable[URIRef]:
    for g in graphs.values():
        yield from (s for s in g.subjects() if isinstance(s, URIRef))


# ---------------------------------------------------------------- changes in words


def describe_changes(old: dict[str, list[Record]], new: dict[str, list[Record]], mapping: Mapping) -> list[str]:
    """Added, removed and changed rows, German then English; ``[]`` when nothing changes."""
    lines: list[str] = []
    for table in mapping.tables:
        def key(r: Record, table: Table = table) -> str:
            if table.own_subjects:
                return str(r.get(table.subject_column.name, ""))
            return " → ".join(str(r.get(c.name, "")) for c in table.shown)

        before = {key(r): r for r in old.get(table.name, [])}
        after = {key(r): r for r in new.get(table.name, [])}
        for k in sorted(after.keys() - before.keys()):
            lines.append(f"{table.sheet_de}: neu „{k}“{_title(table, after[k])} / {table.sheet_en}: added “{k}”")
        for k in sorted(before.keys() - after.keys()):
            lines.append(f"{table.sheet_de}: entfernt „{k}“{_title(table, before[k])} / "
                         f"{table.sheet_en}: removed “{k}”")
        for k in sorted(before.keys() & after.keys()):
            for c in table.shown:
                was, now = _show(before[k].get(c.name)), _show(after[k].get(c.name))
                if was != now:
                    lines.append(f"{table.sheet_de}: „{k}“, {c.title_de}: „{was}“ → „{now}“ / "
                                 f"{table.sheet_en}: “{k}”, {c.title_en}: “{was}” → “{now}”")
    return lines


def _show(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value or "")


def _title(table: Table, record: Record) -> str:
    name = record.get("name")
    return f" ({name})" if name else ""


# ---------------------------------------------------------------- Turtle with a fixed header


def to_turtle(graph: Graph, iris: Iris, sheets: list[str], comments: list[str] | None = None) -> str:
    """Turtle with the data files' one prefix header, subjects sorted by IRI: same data, same bytes.

    ``comments`` (the existing file's leading comment lines) are kept, so an import does not drop what
    the file says about its sources.
    """
    from publisher.tables.mapping import DATA_PREFIXES

    out = list(comments or [])
    if not any("publisher tables import" in line for line in out):
        out += [
            f"# Geschrieben von „publisher tables import“ aus den Tabellenblättern {', '.join(sheets)}; siehe",
            "# docs/anleitung-tabellen.md. Written by `publisher tables import` from the sheets named above;",
            "# the prefix header is always the same and subjects are sorted, so that diffs stay small.",
        ]
    width = max(len(p) for p, _ in DATA_PREFIXES) + 1
    out += [f"@prefix {(p + ':').ljust(width)} <{ns}> ." for p, ns in DATA_PREFIXES]
    # properties in the order of the sheet's columns (type first, source last), the rest by name
    order: dict[URIRef, int] = {RDF.type: 0}
    for table in load_mapping().tables:
        for column in table.columns:
            if column.property and not column.virtual:
                order.setdefault(iris.iri(column.property), len(order))
    order[iris.iri("dcterms:source")] = len(order) + 1000
    for s in sorted({s for s in graph.subjects() if isinstance(s, URIRef)}, key=str):
        out.append("")
        preds = sorted(set(graph.predicates(s)), key=lambda p: (order.get(p, len(order)), _term(p, iris)))
        parts = []
        for p in preds:
            objs = [_term(o, iris) for o in sorted(graph.objects(s, p), key=_object_order)]
            name = "a" if p == RDF.type else _term(p, iris)
            line = f"    {name} " + " , ".join(objs)
            if len(line) > 118 and len(objs) > 1:
                line = f"    {name}\n        " + " ,\n        ".join(objs)
            parts.append(line)
        if preds and preds[0] == RDF.type:  # "org:adfc a schema:NGO ;" on one line, as people write it
            parts[0] = _term(s, iris) + " " + parts[0].strip()
            out.append(" ;\n".join(parts) + " .")
        else:
            out.append(_term(s, iris) + "\n" + " ;\n".join(parts) + " .")
    return "\n".join(out) + "\n"


def _object_order(node: object) -> tuple:
    """German before English (the office's main language first), then by text."""
    lang = getattr(node, "language", None) or ""
    return ({"de": 0, "en": 1}.get(lang, 2), lang, str(node))


_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")


def _term(node: object, iris: Iris) -> str:
    if isinstance(node, URIRef):
        text = str(node)
        best = max(((p, ns) for p, ns in iris.prefixes.items() if text.startswith(ns)), key=lambda x: len(x[1]),
                   default=None)
        if best and _LOCAL.match(text[len(best[1]):]):
            return f"{best[0]}:{text[len(best[1]):]}"
        return f"<{text[len(iris.base):]}>" if text.startswith(iris.base) else f"<{text}>"
    assert isinstance(node, Literal)
    escaped = (str(node).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t"))
    if node.language:
        return f'"{escaped}"@{node.language}'
    if node.datatype:
        return f'"{escaped}"^^{_term(node.datatype, iris)}'
    return f'"{escaped}"'


def sdg_iris(config: Config) -> set[URIRef]:
    """The SDG goals and targets the ontology describes: what a sheet's SDG column may name."""
    found: set[URIRef] = set()
    for path in sorted(config.ontology_dir.glob("*.ttl")):
        try:
            g = load_file(path, config).graph
        except SourceError:
            continue
        found.update(s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(SDG)))
    return found


def relpath(config: Config, name: str) -> str:
    return str(Path(config.data_dir.name) / name)


__all__ = ["HEADER_ROWS", "Origins", "Problem", "TablesError", "describe_changes", "export_rows", "import_graphs",
           "known_subjects", "lost_statements", "owned_graphs", "sdg_iris", "to_turtle"]


def shape_problems(config: Config, graphs: dict[str, Graph], origins: Origins, iris: Iris) -> list[Problem]:
    """Validate the data as it would be after the import, and name the cell of each violation.

    The new files are written to a scratch copy of the project and checked with the project's shapes,
    as ``publisher validate`` would; violations of resources that come from no row are left to it.
    """
    import shutil
    import tempfile
    from dataclasses import replace

    from pyshacl import validate as shacl_validate

    from publisher.build.pipeline import load_and_derive
    from publisher.build.validation import shapes_graph
    from publisher.core.namespaces import SH

    with tempfile.TemporaryDirectory(prefix="publisher-tables-") as tmp:
        root = Path(tmp)
        for folder in (config.ontology_dir, config.data_dir, config.shapes_dir):
            if folder.is_dir():
                shutil.copytree(folder, root / folder.name)
        scratch = replace(config, root=root)
        for name, graph in graphs.items():
            (scratch.data_dir / name).write_text(to_turtle(graph, iris, []), encoding="utf-8")
        _, _, union = load_and_derive(scratch)
        conforms, results, _ = shacl_validate(union, shacl_graph=shapes_graph(scratch), inference="none",
                                              advanced=True, allow_warnings=True)
    problems = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        focus, path = results.value(result, SH.focusNode), results.value(result, SH.resultPath)
        origin = origins.get((focus, path)) or origins.get((focus, None))
        if origin is None:
            continue
        table, row, column = origin
        messages = {m.language or "": str(m) for m in results.objects(result, SH.resultMessage)}
        fallback = next(iter(messages.values()), "Bedingung verletzt / constraint violated")
        problems.append(_problem(table, row, column, messages.get("de", fallback), messages.get("en", fallback)))
    return problems
