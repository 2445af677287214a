"""The declared mapping between sheet columns and RDF (``mapping.json``), read once, used both ways.

``mapping.json`` is CSVW metadata (W3C "Metadata Vocabulary for Tabular Data"): each table has an
``aboutUrl`` template, each column ``titles`` (German and English), ``propertyUrl``, ``valueUrl``,
``lang``, ``datatype``, ``separator``, ``required``. A few ``ib:`` keys add what CSVW cannot say and the
office needs: readable labels for codes (``ib:values``, also the drop-down), references by slug to rows
of other sheets (``ib:refersTo``), an inverse statement (``ib:inverse``), "one of these columns"
(``ib:oneOf``), a default key (``ib:keyDefault``) and the data file a sheet belongs to (``ib:file``).
Only templates of the form ``PREFIX{column}`` are used, so each one can be read backwards on export.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import URIRef

MAPPING_FILE = Path(__file__).with_name("mapping.json")
_TEMPLATE = re.compile(r"^(?P<prefix>[^{}]*)\{(?P<var>[a-z_]+)\}$")


@dataclass(frozen=True)
class Column:
    name: str
    title_de: str
    title_en: str
    required: bool = False
    property: str | None = None  # prefixed name or relative path, expanded by ``Mapping.iri``
    value_url: str | None = None  # a template "PREFIX{name}", or a fixed IRI for virtual columns
    lang: str | None = None
    datatype: str | None = None  # "date" or None (a plain string or language string)
    separator: str | None = None
    virtual: bool = False
    key: bool = False  # suppressOutput: the row's own identifier, no statement of its own
    values: dict[str, str] = field(default_factory=dict)  # label -> code (the drop-down)
    refers_to: tuple[str, ...] = ()  # names of tables whose slugs this column names
    inverse: str | None = None
    check: str | None = None  # "sdg": the value must be an SDG goal or target number

    def label_of(self, code: str) -> str | None:
        return next((label for label, c in self.values.items() if c == code), None)


@dataclass(frozen=True)
class Table:
    name: str  # the CSV file's stem, e.g. "partner"
    sheet_de: str
    sheet_en: str
    file: str  # the data file below data/ that the rows are written to
    about_url: str
    columns: tuple[Column, ...]
    one_of: tuple[str, ...] = ()
    key_default: tuple[str, ...] = ()

    @property
    def csv_name(self) -> str:
        return self.name + ".csv"

    @property
    def shown(self) -> tuple[Column, ...]:
        """The columns the sheet has (virtual ones exist only in the mapping)."""
        return tuple(c for c in self.columns if not c.virtual)

    @property
    def subject_column(self) -> Column:
        """The column named in the ``aboutUrl`` template: the row's own key or a reference to another row."""
        var = _split(self.about_url)[1]
        return next(c for c in self.columns if c.name == var)

    @property
    def own_subjects(self) -> bool:
        return not self.subject_column.refers_to

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Mapping:
    tables: tuple[Table, ...]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    @property
    def files(self) -> tuple[str, ...]:
        """The data files the tables own, in a stable order; import rewrites only these."""
        return tuple(dict.fromkeys(t.file for t in self.tables))


def _split(template: str) -> tuple[str, str]:
    m = _TEMPLATE.match(template)
    if not m:
        raise ValueError(f"mapping.json: template {template!r} must have the form PREFIX{{column}}")
    return m.group("prefix"), m.group("var")


@cache
def load_mapping(path: Path = MAPPING_FILE) -> Mapping:
    raw = json.loads(path.read_text(encoding="utf-8"))
    tables = []
    for t in raw["tables"]:
        schema = t["tableSchema"]
        columns = tuple(
            Column(
                name=c["name"], title_de=c.get("titles", {}).get("de", c["name"]),
                title_en=c.get("titles", {}).get("en", c["name"]), required=c.get("required", False),
                property=c.get("propertyUrl"), value_url=c.get("valueUrl"), lang=c.get("lang"),
                datatype=c.get("datatype"), separator=c.get("separator"), virtual=c.get("virtual", False),
                key=c.get("suppressOutput", False), values=c.get("ib:values", {}),
                refers_to=tuple(c.get("ib:refersTo", ())), inverse=c.get("ib:inverse"), check=c.get("ib:check"),
            )
            for c in schema["columns"]
        )
        tables.append(Table(Path(t["url"]).stem, t["ib:sheet"]["de"], t["ib:sheet"]["en"], t["ib:file"],
                            schema["aboutUrl"], columns, tuple(t.get("ib:oneOf", ())),
                            tuple(t.get("ib:keyDefault", ()))))
    mapping = Mapping(tuple(tables))
    for table in mapping.tables:  # fail early on a broken mapping, not on some staff member's import
        _split(table.about_url)
        for c in table.columns:
            if c.value_url and not c.virtual:
                _split(c.value_url)
            for other in c.refers_to:
                mapping.table(other)
    return mapping


#: The one prefix header of every data file (relative namespaces resolve against the base IRI), in
#: this order; where a prefix is also in ``ProjectNamespaces.prefixes()`` it names the same namespace
#: (a test checks), so Turtle read in the SPARQL editor and in data/ spells IRIs alike.
DATA_PREFIXES: tuple[tuple[str, str], ...] = (
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("schema", "http://schema.org/"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("sdg", "http://metadata.un.org/sdg/"),
    ("ib", "def/"),
    ("review", "def/review-status/"),
    ("quad", "def/quadrangle/"),
    ("task", "def/task/"),
    ("field", "def/field/"),
    ("org", "id/organization/"),
    ("project", "id/project/"),
    ("event", "id/event/"),
    ("place", "id/place/"),
    ("person", "id/person/"),
    ("agent", "id/agent/"),
    ("quotation", "id/quotation/"),
    ("al", "id/alignment/"),
    ("source", "source/"),
)


class Iris:
    """Expands the mapping's prefixed names and relative paths against one base IRI, and back."""

    def __init__(self, base_iri: str) -> None:
        self.base = base_iri
        self.prefixes = {p: ns if ":" in ns else base_iri + ns for p, ns in DATA_PREFIXES}

    def iri(self, text: str) -> URIRef:
        head, sep, tail = text.partition(":")
        if sep and head in self.prefixes:
            return URIRef(self.prefixes[head] + tail)
        return URIRef(self.base + text)

    def template_prefix(self, template: str) -> str:
        """The absolute IRI that a template's values start with (``org:{x}`` → ``…/id/organization/``)."""
        return str(self.iri(_split(template)[0]))

    def subject(self, table: Table, slug: str) -> URIRef:
        return URIRef(self.template_prefix(table.about_url) + slug)

    def value(self, column: Column, slug: str) -> URIRef:
        assert column.value_url
        return URIRef(self.template_prefix(column.value_url) + slug)
