"""The change feed (LDES, DCAT-AP Feeds): built release after release, paged, immutable, served, linked.

Three real builds of a copy of the project: the shipped data, then a partner renamed (its ``as:Update``
must be in the newest page), then renamed again with a tiny page size, so that the open page closes and
new pages open. A TREE-following reader, written here, walks the served feed from the root through every
relation, as a harvester would.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.build import build
from publisher.core.config import Config
from publisher.core.release import Release
from publisher.serve.web.app import create_app
from tests.conftest import REPO, TEST_BASE_IRI, free_port, start_server, stop_server

LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
AS = "https://www.w3.org/ns/activitystreams#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ADFC = TEST_BASE_IRI + "id/organization/adfc"
FEED = TEST_BASE_IRI + "feed"
LDES_CLIENT = REPO / ".cache" / "npm" / "node_modules" / ".bin" / "ldes-client"  # tools/install-test-dependencies.sh
DAYS = [datetime(2026, 6, day, 12, 0, tzinfo=UTC) for day in (1, 2, 3)]


def rename(project: Path, old: str, new: str) -> None:
    path = project / "data" / "organizations.ttl"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def feed_releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, list[Release]]:
    project = tmp_path_factory.mktemp("feed")
    for folder in ("ontology", "data", "shapes"):  # what the project_copy fixture does, once per module
        shutil.copytree(REPO / folder, project / folder)
    config = Config.load(root=project, base_iri=TEST_BASE_IRI, build_dir=project / "build", feed_page_size=50)
    first = build(config, now=DAYS[0])
    rename(project, '"ADFC e.V."@de', '"ADFC Dortmund e.V."@de')
    second = build(config, now=DAYS[1])
    rename(project, '"ADFC Dortmund e.V."@de', '"ADFC Kreisverband Dortmund e.V."@de')
    # A smaller page size closes the open page (with the members it has) and opens new ones.
    third = build(replace(config, feed_page_size=2), now=DAYS[2])
    return config, [first, second, third]


def stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse(body: bytes, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> list[ox.Triple]:
    return list(ox.parse(body, format=fmt))


def members(triples: list[ox.Triple]) -> dict[str, dict[str, str]]:
    """The activities a document lists as ``tree:member`` of the stream, with type, object and published."""
    listed = {t.object.value for t in triples
              if t.subject.value == FEED + "#stream" and t.predicate.value == TREE + "member"}
    out: dict[str, dict[str, str]] = {m: {} for m in listed}
    for t in triples:
        if t.subject.value in out:
            key = {RDF_TYPE: "type", AS + "object": "object", AS + "published": "published"}.get(t.predicate.value)
            if key:
                out[t.subject.value][key] = t.object.value
    return out


def relations(triples: list[ox.Triple], node: str) -> list[dict[str, str]]:
    """The TREE relations of ``node``: type, path, value and the node they lead to."""
    ids = [t.object for t in triples if t.subject.value == node and t.predicate.value == TREE + "relation"]
    out = []
    for rid in ids:
        props = {t.predicate.value: t.object.value for t in triples if t.subject == rid}
        out.append({"type": props.get(RDF_TYPE), "path": props.get(TREE + "path"),
                    "value": props.get(TREE + "value"), "node": props[TREE + "node"]})
    return out


def client_for(config: Config):
    """The app serving the builds folder's current release (the newest), in process."""
    return create_app(config).test_client()


def local(iri: str) -> str:
    assert iri.startswith(TEST_BASE_IRI)
    return "/" + iri[len(TEST_BASE_IRI):]


def walk(client) -> tuple[dict[str, list[str]], dict[str, dict[str, str]], list[tuple[str, dict]]]:
    """A TREE reader: from the root, follow every relation once; returns where each member was seen,
    the members, and every relation met (with the node it was on)."""
    seen_on: dict[str, list[str]] = {}
    found: dict[str, dict[str, str]] = {}
    met: list[tuple[str, dict]] = []
    queue, visited = [FEED], set()
    while queue and len(visited) < 1000:  # bounded: a cycle or runaway paging stops here
        node = queue.pop(0)
        if node in visited:
            continue
        visited.add(node)
        response = client.get(local(node), headers={"Accept": "text/turtle"})
        assert response.status_code == 200, node
        triples = parse(response.data)
        for iri, props in members(triples).items():
            seen_on.setdefault(iri, []).append(node)
            found[iri] = props
        for rel in relations(triples, node):
            met.append((node, rel))
            queue.append(rel["node"])
    assert not queue or all(n in visited for n in queue)
    return seen_on, found, met


def newest_page(client) -> str:
    """The page a harvester reads for the latest changes: the root's relation with the highest bound
    (the last one on ties: pages are numbered in order)."""
    triples = parse(client.get("/feed").data)
    rels = relations(triples, FEED)
    return max(rels, key=lambda r: (r["value"] or "", int(r["node"].rsplit("/", 1)[1])))["node"]


def test_the_stream_declares_what_dcat_ap_feeds_requires(feed_releases) -> None:
    config, _ = feed_releases
    triples = parse(client_for(config).get("/feed").data)
    stream = ox.NamedNode(FEED + "#stream")
    about = {(t.predicate.value, t.object.value) for t in triples if t.subject == stream}
    assert (RDF_TYPE, LDES + "EventStream") in about
    assert (LDES + "timestampPath", AS + "published") in about
    assert (LDES + "versionOfPath", AS + "object") in about
    assert (TREE + "view", FEED) in about
    rels = relations(triples, FEED)
    assert rels and all(r["type"] == TREE + "GreaterThanOrEqualToRelation" and r["path"] == AS + "published"
                        for r in rels)


def test_after_renaming_a_partner_the_newest_page_has_its_update(feed_releases, tmp_path) -> None:
    config, (first, second, _) = feed_releases
    # Serve the second release as it was: a builds folder whose current is that release.
    builds = tmp_path / "builds"
    (builds / "releases").mkdir(parents=True)
    shutil.copytree(second.path, builds / "releases" / second.id, symlinks=True)
    (builds / "current").symlink_to(Path("releases") / second.id)
    client = create_app(replace(config, build_dir=builds)).test_client()
    page = newest_page(client)
    found = members(parse(client.get(local(page)).data))
    updates = [m for m in found.values() if m["object"] == ADFC]
    assert updates == [{"type": AS + "Update", "object": ADFC, "published": stamp(DAYS[1])}]
    assert second.manifest["feed"]["new"] >= 2, "the partner, and the catalogue datasets that hold it"
    datasets = {m["object"] for m in found.values() if m["published"] == stamp(DAYS[1]) and m["type"] == AS + "Update"}
    assert TEST_BASE_IRI + "catalog/dataset/partners" in datasets
    # The first release announced everything it held, the partner among it, as created.
    assert first.manifest["feed"]["new"] == first.manifest["feed"]["members"] > 100


def test_closed_pages_are_carried_over_byte_for_byte(feed_releases) -> None:
    _, releases = feed_releases
    for older, newer in zip(releases, releases[1:], strict=False):
        closed = [n for n in range(1, older.manifest["feed"]["pages"])]  # all but the open (last) one
        assert closed, "the test data must fill more than one page"
        for number in closed:
            assert newer.layout.feed_page(number).read_bytes() == older.layout.feed_page(number).read_bytes()
    # The page that was open in the second release closed in the third with the same members (their IRIs
    # name the page, so members never move), and gained its link to the next page.
    second, third = releases[1], releases[2]
    open_page = second.manifest["feed"]["pages"]
    before = members(parse(second.layout.feed_page(open_page).read_bytes(), ox.RdfFormat.N_TRIPLES))
    after_triples = parse(third.layout.feed_page(open_page).read_bytes(), ox.RdfFormat.N_TRIPLES)
    assert members(after_triples) == before
    page_iri = f"{FEED}/{open_page}"
    next_rel, = relations(after_triples, page_iri)
    assert next_rel["node"] == f"{FEED}/{open_page + 1}" and next_rel["type"] == TREE + "GreaterThanOrEqualToRelation"
    assert third.manifest["feed"]["pages"] > open_page + 1


def test_a_tree_reader_finds_every_member_once(feed_releases) -> None:
    config, releases = feed_releases
    client = client_for(config)
    seen_on, found, met = walk(client)
    total = releases[-1].manifest["feed"]["members"]
    assert len(found) == total == sum(r.manifest["feed"]["new"] for r in releases)
    assert all(len(nodes) == 1 for nodes in seen_on.values()), "a member is on exactly one page"
    assert all({"type", "object", "published"} <= set(m) for m in found.values())
    assert {m["type"] for m in found.values()} <= {AS + "Create", AS + "Update", AS + "Delete"}
    # Every relation's bound holds for what it leads to.
    by_page: dict[str, list[str]] = {}
    for iri, nodes in seen_on.items():
        by_page.setdefault(nodes[0], []).append(found[iri]["published"])
    for _, rel in met:
        if rel["value"]:
            assert all(p >= rel["value"] for p in by_page.get(rel["node"], []))
    # The third build's renaming is on a page opened by the third build, with the third build's time.
    page_of_update, = [seen_on[i][0] for i, m in found.items()
                       if m["object"] == ADFC and m["published"] == stamp(DAYS[2])]
    assert int(page_of_update.rsplit("/", 1)[1]) > releases[1].manifest["feed"]["pages"]


def test_served_formats_and_cache_headers(feed_releases) -> None:
    config, releases = feed_releases
    client = client_for(config)
    pages = releases[-1].manifest["feed"]["pages"]
    closed = client.get("/feed/1")
    assert closed.status_code == 200 and closed.mimetype == "text/turtle"
    assert closed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept" in closed.headers["Vary"] and closed.headers["ETag"]
    assert client.get("/feed/1", headers={"If-None-Match": closed.headers["ETag"]}).status_code == 304
    for path in ("/feed", f"/feed/{pages}"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == f"public, max-age={config.feed_max_age}"
        assert "immutable" not in response.headers["Cache-Control"]
    as_jsonld = client.get("/feed/1", headers={"Accept": "application/ld+json"})
    assert as_jsonld.mimetype == "application/ld+json" and as_jsonld.json["@graph"]
    assert client.get("/feed/1", headers={"Accept": "application/json"}).mimetype == "application/json"
    as_nt = client.get("/feed/1.nt")
    assert as_nt.mimetype == "application/n-triples"
    assert as_nt.data == releases[-1].layout.feed_page(1).read_bytes()
    assert set(parse(as_nt.data, ox.RdfFormat.N_TRIPLES)) == set(parse(closed.data))
    assert client.get("/feed/1.ttl").headers["Cache-Control"].endswith("immutable")
    assert client.get("/feed/0").status_code == 404
    assert client.get(f"/feed/{pages + 1}").status_code == 404
    assert client.get("/feed/1.xyz").status_code == 404
    assert client.get("/feed", headers={"Accept": "image/png"}).status_code == 406


def test_the_catalogue_and_void_link_the_feed(feed_releases) -> None:
    config, releases = feed_releases
    client = client_for(config)
    see_also = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
    catalog = parse(client.get("/catalog.nt").data, ox.RdfFormat.N_TRIPLES)
    assert any(t.subject.value == TEST_BASE_IRI + "catalog" and t.predicate.value == see_also
               and t.object.value == FEED for t in catalog)
    void = parse(client.get("/.well-known/void.nt").data, ox.RdfFormat.N_TRIPLES)
    assert any(t.predicate.value == see_also and t.object.value == FEED for t in void)


@pytest.mark.skipif(not LDES_CLIENT.exists() or shutil.which("node") is None,
                    reason="npm ldes-client is not installed (tools/install-test-dependencies.sh installs it)")
def test_a_real_ldes_client_reads_the_feed_over_loopback(project_copy: Path) -> None:
    """ldes-client (rdf-connect) follows the relations over HTTP from the root and emits every member."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"  # the IRIs must be the URLs, for the client follows tree:node IRIs
    config = Config.load(root=project_copy, base_iri=base, build_dir=project_copy / "build", feed_page_size=50)
    build(config, now=DAYS[0])
    rename(project_copy, '"ADFC e.V."@de', '"ADFC Dortmund e.V."@de')
    release = build(config, now=DAYS[1])
    proc, url = start_server(config, port=port)
    try:
        run = subprocess.run([str(LDES_CLIENT), url + "/feed"], capture_output=True, text=True, timeout=120,
                             cwd=project_copy)
    finally:
        stop_server(proc)
    assert run.returncode == 0, run.stderr[-2000:]
    triples = parse(run.stdout.encode(), ox.RdfFormat.N_TRIPLES)
    emitted: dict[str, dict[str, str]] = {}
    for t in triples:
        key = {RDF_TYPE: "type", AS + "object": "object", AS + "published": "published"}.get(t.predicate.value)
        if key:
            emitted.setdefault(t.subject.value, {})[key] = t.object.value
    assert len(emitted) == release.manifest["feed"]["members"] > 50, "every member of every page"
    assert {"type": AS + "Update", "object": base + "id/organization/adfc", "published": stamp(DAYS[1])} \
        in emitted.values()
