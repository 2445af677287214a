"""The streamed dumps and the list documents read as N-Triples lines (issue 14) say what the writers before
them said: the same graph, on the office's data and on a synthetic dataset of the same shape."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from bench.synthetic import write_root
from publisher.build.dumps import ALL_TRIPLES, write_dataset_dumps
from publisher.build.pipeline import load_store
from publisher.core.config import Config
from publisher.core.describe import LINK_LABEL_PROPERTIES, labels_of, sort_key
from publisher.core.jsonld import Context, _Writer, list_document
from publisher.core.listing import KINDS, PATTERNS, PREFIXES, Item, Listing, _sort_name, read_listing, to_csv
from publisher.core.namespaces import ProjectNamespaces
from publisher.core.release import Release
from publisher.core.union import UnionView
from tests.conftest import TEST_BASE_IRI


def reference_listing(store, kind: str, ib: str) -> Listing:
    """``read_listing`` as it was before issue 14: sets of triple objects, sorted by ``sort_key``."""
    prefixes = PREFIXES.replace("IB", ib)
    pattern = PATTERNS[kind]
    roots = f"{{ SELECT DISTINCT ?s WHERE {pattern} }}"
    found = set(store.query(f"{prefixes} CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {roots} ?s ?p ?o }}"))
    if kind == "partners":
        found |= set(store.query(f"""{prefixes} CONSTRUCT {{ ?a ?p ?o }} WHERE {{ {roots}
            ?a ib:alignedResource ?s . ?a ?p ?o }}"""))
    nodes = {t.object for t in found if isinstance(t.object, ox.NamedNode)}
    values = " ".join(f"<{p}>" for p in LINK_LABEL_PROPERTIES)
    labels_query = f"CONSTRUCT {{ ?l ?p ?o }} WHERE {{ VALUES ?p {{ {values} }} ?l ?p ?o }}"
    found |= {t for t in store.query(labels_query) if t.subject in nodes}
    triples = sorted(found, key=sort_key)
    member = {row["s"].value for row in store.query(f"{prefixes} SELECT DISTINCT ?s WHERE {pattern}")}
    items: dict[str, Item] = {}
    for t in triples:
        if isinstance(t.subject, ox.NamedNode) and t.subject.value in member:
            items.setdefault(t.subject.value, Item(t.subject.value)).values.setdefault(
                t.predicate.value, []).append(t.object)
    labels = labels_of(triples)
    return Listing(kind, sorted(items.values(), key=lambda i: (_sort_name(i, labels), i.iri)), labels, triples)


def as_graph(document: dict, ctx: Context) -> Graph:
    inline = {**document, "@context": ctx.document()["@context"]}
    return Graph().parse(data=json.dumps(inline), format="json-ld")


@pytest.fixture(scope="module")
def office(release: Release) -> tuple[UnionView, str]:
    return UnionView(ox.Store.read_only(str(release.store_path))), TEST_BASE_IRI


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[UnionView, str]:
    root = tmp_path_factory.mktemp("synthetic")
    write_root(root, 6000)
    config = Config.load(root=root, build_dir=root / "build")
    return UnionView(load_store(config).store), config.base_iri


@pytest.mark.parametrize("data", ["office", "synthetic"])
@pytest.mark.parametrize("kind", KINDS)
def test_list_document_is_the_graph_the_old_reader_gave(data: str, kind: str, request) -> None:
    store, base = request.getfixturevalue(data)
    ctx, ib = Context(base), str(ProjectNamespaces(base).ib)
    new, old = read_listing(store, kind, ib), reference_listing(store, kind, ib)
    assert new.roots == old.roots and len(new.roots) > 0
    assert sorted(map(sort_key, new.triples)) == sorted(map(sort_key, old.triples))
    assert to_csv(new, ib) == to_csv(old, ib)
    new_graph = as_graph(list_document(ctx, new.roots, new.triples), ctx)
    assert len(new_graph) > 0
    assert isomorphic(new_graph, as_graph(list_document(ctx, old.roots, old.triples), ctx))


@pytest.fixture(scope="module")
def blank_nodes() -> tuple[UnionView, str]:
    """A partner with nested blank nodes in two graphs (neither data set above has any)."""
    base = TEST_BASE_IRI
    data = f"""
    <{base}id/event/e> a <http://schema.org/Event> ; <http://schema.org/attendee> <{base}id/organization/p> .
    <{base}id/organization/p> <http://schema.org/name> "P"@de ;
        <http://schema.org/additionalProperty> [ <http://schema.org/value> "1" ;
            <http://schema.org/valueReference> [ <http://schema.org/name> "inner"@en ] ] .
    """
    store = ox.Store()
    store.load(data.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(base + "graph/a"))
    store.load(data.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(base + "graph/b"))
    return UnionView(store), base


def flat_document(ctx: Context, triples: list[ox.Triple]) -> dict:
    """The reference: the whole flat ``@graph`` from one writer over every triple at once (the dump before
    it was streamed)."""
    writer = _Writer(ctx, triples)
    return {"@context": ctx.url, "@graph": [writer.node(s, embed=False) for s in sorted(writer.out, key=str)]}


@pytest.mark.parametrize("data", ["office", "synthetic", "blank_nodes"])
def test_streamed_dumps_hold_every_triple_and_the_same_json_ld(data: str, request, tmp_path: Path) -> None:
    store, base = request.getfixturevalue(data)
    ctx = Context(base)
    write_dataset_dumps(store, tmp_path, ctx, ProjectNamespaces(base).prefixes())
    triples = sorted(store.query(ALL_TRIPLES), key=sort_key)
    assert data != "blank_nodes" or len({t.subject for t in triples if isinstance(t.subject, ox.BlankNode)}) == 4
    expected = json.dumps(flat_document(ctx, triples), ensure_ascii=False, separators=(",", ":")).encode()
    assert gzip.decompress((tmp_path / "dataset.jsonld.gz").read_bytes()) == expected
    wanted = sorted(map(str, triples))
    for name, fmt in (("dataset.ttl.gz", ox.RdfFormat.TURTLE), ("dataset.nt.gz", ox.RdfFormat.N_TRIPLES)):
        parsed = ox.parse(gzip.decompress((tmp_path / name).read_bytes()), format=fmt)
        assert sorted(str(q.triple) for q in parsed) == wanted, name


def test_change_lines_split_as_oxigraph_reads_them(release: Release) -> None:
    """The change list splits N-Quads lines as text; each split must be Oxigraph's own terms."""
    from publisher.build.changes import _terms

    lines = release.dataset_path.read_text(encoding="utf-8").splitlines()
    literal_with_space = 0
    for line in lines:
        q = next(iter(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_QUADS)))
        assert _terms(line) == (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
        literal_with_space += isinstance(q.object, ox.Literal) and " " in q.object.value
    assert literal_with_space > 100


def test_a_change_inside_a_blank_node_is_found_when_its_label_stays(tmp_path: Path) -> None:
    from publisher.build.changes import compare

    b, g = TEST_BASE_IRI, f"<{TEST_BASE_IRI}graph/data/x>"
    common = (f'<{b}id/organization/x> <http://schema.org/name> "X e.V."@de {g} .\n'
              f'<{b}id/organization/x> <http://schema.org/additionalProperty> _:p {g} .\n')
    old, new = tmp_path / "old.nq", tmp_path / "new.nq"
    old.write_text(common + f'_:p <http://schema.org/value> "1" {g} .\n', encoding="utf-8")
    new.write_text(common + f'_:p <http://schema.org/value> "2" {g} .\n', encoding="utf-8")
    changes = compare(old, new, b)
    assert [(c["iri"], c["property"]) for c in changes] == [
        (f"{b}id/organization/x", "http://schema.org/additionalProperty")]
    assert changes[0]["old"] == ['[ <http://schema.org/value> "1" ]']
    assert changes[0]["new"] == ['[ <http://schema.org/value> "2" ]']


@pytest.mark.parametrize("data", ["office", "synthetic", "blank_nodes"])
def test_content_hash_is_the_one_releases_were_built_with(data: str, request) -> None:
    """N-Quads lines as bytes (issue 14) give the hash the text lines gave: a release whose data did not
    change is still recognised as unchanged and not published again."""
    import hashlib

    from publisher.build.pipeline import _content_hash, _nquads

    store = request.getfixturevalue(data)[0].store
    text = store.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    digest = hashlib.sha256()
    for line in sorted(" ".join("_:b" if t.startswith("_:") else t for t in line.split(" ")) for line in lines):
        digest.update(line.encode("utf-8") + b"\n")
    assert [line.decode("utf-8") for line in _nquads(store)] == lines
    assert _content_hash(_nquads(store)) == "sha256:" + digest.hexdigest()
