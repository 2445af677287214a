"""The project's JSON-LD: one published context with short, stable keys, and a writer that uses it.

Developers get compact documents (``name``, ``sdg``, ``participants`` …) without running a JSON-LD
processor: names are language maps (``{"de": …, "en": …}``), links are always arrays; processors get
documents that expand to exactly the triples of the Turtle rendering.
The writer is a direct compaction for this context, not a general algorithm: a value that does not
fit its term's definition (say a name without a language) falls back to a compact IRI key with an
explicit value object, so that nothing is ever lost or changed. Tests check isomorphism with rdflib
and pyld for every resource.

The context never imports another one: parsing the project's JSON-LD never fetches a third party.
It binds no prefixes at all: every term maps to a full IRI, and a property or class without a term is
written as its full IRI. A prefix bound to the deployment's base (``org:`` …) would turn ``"id"`` values
into compact IRIs when a client re-compacts a document against its own context, and a well-known prefix
(``schema:``) would do the same to ids such as ``http://schema.org/``; without prefixes ids stay full IRIs.
The only base-dependent IRIs in the context are those of the project's own vocabulary (``{base}def/``),
where the vocabulary lives; apart from them the document is the same bytes on every deployment.

Stability promise for ``/context/v1.jsonld`` (fixed before the first deployment): a key in v1 keeps
its meaning (IRI, type, container) for as long as v1 is served; keys may be added, never removed or
redefined. A change that breaks a key gets a new URL (``/context/v2.jsonld``), and v1 stays served alongside.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import pyoxigraph as ox

from publisher.core import urls
from publisher.core.namespaces import RDF, XSD, ProjectNamespaces

ID, LANG, DATE, PLAIN = "id", "lang", "date", "plain"

# (key, property as prefix:local, kind). The v1 promise covers this list: append only.
PROPERTY_TERMS: tuple[tuple[str, str, str], ...] = (
    ("name", "schema:name", LANG),
    ("alternateName", "schema:alternateName", LANG),
    ("description", "schema:description", LANG),
    ("url", "schema:url", ID),
    ("sameAs", "schema:sameAs", ID),
    ("identifier", "schema:identifier", PLAIN),
    ("parentOrganization", "schema:parentOrganization", ID),
    ("participants", "schema:attendee", ID),
    ("organizer", "schema:organizer", ID),
    ("subEvent", "schema:subEvent", ID),
    ("superEvent", "schema:superEvent", ID),
    ("startDate", "schema:startDate", DATE),
    ("endDate", "schema:endDate", DATE),
    ("location", "schema:location", ID),
    ("areaServed", "schema:areaServed", ID),
    ("slogan", "schema:slogan", LANG),
    ("subjectOf", "schema:subjectOf", ID),
    ("about", "schema:about", ID),
    ("creator", "schema:creator", ID),
    ("text", "schema:text", LANG),
    ("jobTitle", "schema:jobTitle", LANG),
    ("additionalProperty", "schema:additionalProperty", ID),
    ("value", "schema:value", PLAIN),
    ("valueReference", "schema:valueReference", LANG),
    ("sdg", "ib:sdg", ID),
    ("quadrangleDimension", "ib:quadrangleDimension", ID),
    ("alignedResource", "ib:alignedResource", ID),
    ("alignedTo", "ib:alignedTo", ID),
    ("rationale", "ib:rationale", LANG),
    ("reviewStatus", "ib:reviewStatus", ID),
    ("fieldOfWork", "ib:fieldOfWork", ID),
    ("task", "ib:task", ID),
    ("guidingFramework", "ib:guidingFramework", ID),
    ("attributedTo", "prov:wasAttributedTo", ID),
    ("created", "dcterms:created", DATE),
    ("source", "dcterms:source", ID),
    ("title", "dcterms:title", LANG),
    ("prefLabel", "skos:prefLabel", LANG),
    ("altLabel", "skos:altLabel", LANG),
    ("definition", "skos:definition", LANG),
    ("notation", "skos:notation", PLAIN),
    ("inScheme", "skos:inScheme", ID),
    ("topConceptOf", "skos:topConceptOf", ID),
    ("hasTopConcept", "skos:hasTopConcept", ID),
    ("broader", "skos:broader", ID),
    ("label", "rdfs:label", LANG),
    ("comment", "rdfs:comment", LANG),
    ("isDefinedBy", "rdfs:isDefinedBy", ID),
)

# Incoming links, as keys on the resource they point to.
REVERSE_TERMS: tuple[tuple[str, str], ...] = (
    ("participatedIn", "schema:attendee"),
    ("alignments", "ib:alignedResource"),
    ("alignedBy", "ib:alignedTo"),
    ("partners", "ib:sdg"),
    ("partnersInDimension", "ib:quadrangleDimension"),
    ("subOrganizations", "schema:parentOrganization"),
    ("narrower", "skos:broader"),
)

CLASS_TERMS: tuple[tuple[str, str], ...] = tuple(
    (name, f"schema:{name}") for name in (
        "Organization", "NGO", "GovernmentOrganization", "CollegeOrUniversity", "Library", "Store", "Project",
        "Event", "Festival", "City", "Place", "Person", "Quotation", "PropertyValue",
    )
) + (("Alignment", "ib:Alignment"), ("Concept", "skos:Concept"), ("ConceptScheme", "skos:ConceptScheme"))

_RDF_TYPE = str(RDF.type)
_XSD_STRING = str(XSD.string)
_XSD_DATE = str(XSD.date)

Subject = ox.NamedNode | ox.BlankNode


@dataclass(frozen=True)
class Context:
    """The v1 context for one base IRI (the ``ib:`` namespace lives below it)."""

    base_iri: str

    @property
    def url(self) -> str:
        return self.base_iri + urls.CONTEXT

    @cached_property
    def prefixes(self) -> dict[str, str]:
        # "sdg" is a key (ib:sdg), so the UN namespace gets no prefix here.
        return {k: v for k, v in ProjectNamespaces(self.base_iri).prefixes().items() if k != "sdg"}

    def expand(self, curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return self.prefixes[prefix] + local

    @cached_property
    def properties(self) -> dict[str, tuple[str, str]]:
        """``{property IRI: (key, kind)}``."""
        return {self.expand(curie): (key, kind) for key, curie, kind in PROPERTY_TERMS}

    @cached_property
    def reverse(self) -> dict[str, str]:
        return {self.expand(curie): key for key, curie in REVERSE_TERMS}

    @cached_property
    def classes(self) -> dict[str, str]:
        return {self.expand(curie): key for key, curie in CLASS_TERMS}

    @cached_property
    def set_keys(self) -> frozenset[str]:
        """Links are always arrays (``@container: @set``), so clients never test for one value or many."""
        return frozenset([*(k for k, _, kind in PROPERTY_TERMS if kind == ID), *(k for k, _ in REVERSE_TERMS)])

    @cached_property
    def key_order(self) -> dict[str, int]:
        keys = ["id", "type", *(k for k, _, _ in PROPERTY_TERMS), *(k for k, _ in REVERSE_TERMS)]
        return {k: i for i, k in enumerate(keys)}

    def document(self) -> dict:
        """The context document served at ``/context/v1.jsonld``: terms with full IRIs, no prefixes."""
        ctx: dict = {"id": "@id", "type": "@type"}
        for key, curie in CLASS_TERMS:
            ctx[key] = self.expand(curie)
        for key, curie, kind in PROPERTY_TERMS:
            iri = self.expand(curie)
            if kind == ID:
                ctx[key] = {"@id": iri, "@type": "@id", "@container": "@set"}
            elif kind == LANG:
                ctx[key] = {"@id": iri, "@container": "@language"}
            elif kind == DATE:
                ctx[key] = {"@id": iri, "@type": _XSD_DATE}
            else:
                ctx[key] = {"@id": iri}
        for key, curie in REVERSE_TERMS:
            ctx[key] = {"@reverse": self.expand(curie), "@type": "@id", "@container": "@set"}
        return {"@context": ctx}

    def compact_iri(self, iri: str) -> str:
        """``prefix:local`` for people (the HTML pages' property names), else the IRI; never in JSON-LD."""
        best = ""
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and len(ns) > len(self.prefixes.get(best, "")):
                best = prefix
        if best:
            local = iri[len(self.prefixes[best]):]
            if local and not local.startswith("/") and ":" not in local:
                return f"{best}:{local}"
        return iri


class _Writer:
    """Turns a set of triples into node objects; one instance per document."""

    def __init__(self, ctx: Context, triples: Iterable[ox.Triple], *, memo: bool = False) -> None:
        self.ctx = ctx
        self.out: dict[Subject, list[tuple[str, ox.NamedNode | ox.BlankNode | ox.Literal]]] = {}
        self.into: dict[ox.NamedNode | ox.BlankNode, list[tuple[Subject, str]]] = {}
        out, into, literal = self.out, self.into, ox.Literal
        for t in triples:  # triples or quads (the feed's)
            subject, p, obj = t.subject, t.predicate.value, t.object
            out.setdefault(subject, []).append((p, obj))
            if type(obj) is not literal:
                into.setdefault(obj, []).append((subject, p))
        self.emitted: set[Subject] = set()
        # With ``memo``, the node of a resource that links to nothing described here (a goal with its labels,
        # embedded in thousands of partners) is made once and shared: it is the same wherever it is embedded.
        self.memo: dict[Subject, dict] | None = {} if memo else None

    def node(self, subject: Subject, *, embed: bool, path: frozenset = frozenset(),
             skip: tuple[str, Subject] | None = None, reverse: bool = False, embed_reverse: bool = True) -> dict:
        """The node object of ``subject``; ``embed`` nests the description of the nodes it links to,
        ``embed_reverse`` that of the nodes linking to it (else they are ids only)."""
        self.emitted.add(subject)
        memo = self.memo if not reverse and skip is None else None
        if memo is not None and subject in memo:
            return memo[subject]
        path = path | {subject}
        obj: dict = {"id": _id(subject)}
        keyed: dict[str, list] = {}
        leaf = True
        out = self.out
        for predicate, value in out.get(subject, ()):
            if skip is not None and (predicate, value) == skip:
                continue
            is_literal = type(value) is ox.Literal
            if predicate == _RDF_TYPE and not is_literal:
                obj.setdefault("type", []).append(self.ctx.classes.get(value.value, value.value)
                                                  if isinstance(value, ox.NamedNode) else _id(value))
                continue
            key, encoded = self._encode(predicate, value)
            if not is_literal and value in out:
                leaf = False
                if self._should_embed(value, embed, path):
                    encoded = self.node(value, embed=embed, path=path)
            keyed.setdefault(key, []).append(encoded)
        if reverse:
            for source, predicate in self.into.get(subject, []):
                if source in path or source == subject:
                    continue
                inner = self.node(source, embed=embed, path=path, skip=(predicate, subject)) \
                    if embed and embed_reverse else {"id": _id(source)}
                key = self.ctx.reverse.get(predicate)
                if key:
                    keyed.setdefault(key, []).append(inner)
                else:
                    obj.setdefault("@reverse", {}).setdefault(predicate, []).append(inner)
        for key in sorted(keyed, key=lambda k: (self.ctx.key_order.get(k, len(self.ctx.key_order)), k)):
            values = keyed[key]
            if all(isinstance(v, _LangMap) for v in values):
                obj[key] = _merge_language_maps(values)
            else:
                obj[key] = values if key in self.ctx.set_keys or len(values) > 1 else values[0]
        if "type" in obj and len(obj["type"]) == 1:
            obj["type"] = obj["type"][0]
        if memo is not None and leaf:
            memo[subject] = obj
        return obj

    def _should_embed(self, value: Subject, embed: bool, path: frozenset) -> bool:
        if value in path or value not in self.out:
            return False
        return isinstance(value, ox.BlankNode) or embed

    def _encode(self, predicate: str, value) -> tuple[str, object]:
        term = self.ctx.properties.get(predicate)
        if term is not None:
            key, kind = term
            if type(value) is ox.Literal:
                if kind == LANG:
                    language = value.language
                    if language:
                        return key, _LangMap({language: [value.value]})
                if kind == DATE and value.datatype.value == _XSD_DATE:
                    return key, value.value
                if kind == PLAIN:
                    return key, _literal(value)
            elif kind in (ID, PLAIN):
                return key, _id(value) if kind == ID else {"id": _id(value)}
        return predicate, _literal(value) if isinstance(value, ox.Literal) else {"id": _id(value)}


class _LangMap(dict):
    """A language map fragment; merged with the others of the same key."""


def _merge_language_maps(values: list[_LangMap]) -> dict:
    merged: dict[str, list[str]] = {}
    for value in values:
        for lang, texts in value.items():
            merged.setdefault(lang, []).extend(texts)
    return {lang: texts[0] if len(texts) == 1 else texts for lang, texts in sorted(merged.items())}


def _literal(value: ox.Literal) -> object:
    if value.language:
        return {"@value": value.value, "@language": value.language}
    if value.datatype.value == _XSD_STRING:
        return value.value
    return {"@value": value.value, "@type": value.datatype.value}


def _id(node) -> str:
    return node.value if isinstance(node, ox.NamedNode) else f"_:{node.value}"


def resource_document(ctx: Context, iri: str, triples: Iterable[ox.Triple]) -> dict:
    """One resource: its node at the top, linked resources embedded with their labels, incoming links
    under reverse keys (``participatedIn``, ``alignments``, ``partners`` …)."""
    writer = _Writer(ctx, triples)
    root = ox.NamedNode(iri)
    main = writer.node(root, embed=True, reverse=True)
    rest = [writer.node(s, embed=False) for s in sorted(writer.out, key=str) if s not in writer.emitted]
    if not rest:
        return {"@context": ctx.url, **main}
    return {"@context": ctx.url, "@graph": [main, *rest]}


def list_document(ctx: Context, roots: list[str], triples: Iterable[ox.Triple], *,
                  embed_reverse: bool = True) -> dict:
    """A list (partners, events, alignments): one framed node per root, with what it links to embedded;
    without ``embed_reverse`` incoming links (a partner's alignments) are ids, not whole nodes."""
    writer = _Writer(ctx, triples, memo=True)
    nodes = [writer.node(ox.NamedNode(iri), embed=True, reverse=True, embed_reverse=embed_reverse)
             for iri in roots]
    return {"@context": ctx.url, "@graph": nodes}


def flat_nodes(ctx: Context, triples: Iterable[ox.Triple], blank: Iterable[ox.Triple]) -> Iterator[dict]:
    """The nodes of the whole dataset as one flat ``@graph`` (the dump): every subject once, links as ids,
    in ``str`` order of the subjects, one at a time (the dump streams them at a million triples).

    ``triples`` are those with an IRI subject, grouped by subject in ``str`` order; ``blank`` those with a
    blank-node subject, which are embedded where they are linked and then written last, as there.
    """
    writer = _Writer(ctx, blank)
    blank_subjects = sorted(writer.out, key=str)
    for subject, group in itertools.groupby(triples, key=lambda t: t.subject):
        writer.out[subject] = [(t.predicate.value, t.object) for t in group]
        yield writer.node(subject, embed=False)
        del writer.out[subject]
        writer.emitted.clear()
    for subject in blank_subjects:
        yield writer.node(subject, embed=False)
