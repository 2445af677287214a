"""``publisher serve --store URL``: the Linked Data, SPARQL protocol and catalogue suites again, answered by a
real server that reads from a real external engine (``oxigraph serve``; Debian's Virtuoso where installed)
into which the session's release was pushed. Every resource must come out byte for byte as the embedded
store serves it, and the publisher's own limits (rows, bytes, time, the guard) hold in front of the engine.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
import requests

import tests.test_catalog_harvest as catalog_suite
import tests.test_linked_data as linked_data_suite
import tests.test_sparql_protocol as protocol_suite
from publisher.build import build
from publisher.build.push import Endpoints, push
from publisher.core.config import Config
from publisher.core.release import Release
from publisher.serve.store.base import QueryRefused, QueryRequest, QuerySyntaxError, QueryTimeout
from publisher.serve.store.external import ExternalStore
from tests.conftest import REPO, TEST_BASE_IRI, free_port, start_server, stop_server
from tests.inprocess import HTTP
from tests.stores import Engine, oxigraph_server, start_oxigraph, virtuoso_server  # noqa: F401

# The suites run here unchanged, with ``server`` (and ``paged``) below pointing at a --store server.
# The protocol subset leaves out what is about the embedded worker pool (its kill, its isolation).
PROTOCOL_SUBSET = {
    "test_get_post_form_and_post_body_give_the_same_answer",
    "test_dataset_from_protocol_parameters_overrides_the_union",
    "test_from_in_the_query_selects_a_graph", "test_bad_requests_are_400_with_a_message",
    "test_syntax_error_names_line_and_column", "test_select_formats_by_accept",
    "test_results_parse_back_to_the_same_solutions_in_every_format", "test_ask_in_every_result_format",
    "test_construct_and_describe_formats", "test_406_when_no_acceptable_format_for_the_result",
    "test_csv_quotes_values_and_keeps_unicode", "test_updates_are_refused_by_every_route_and_change_nothing",
    "test_html_results_escape_values_and_link_local_resources",
    "test_named_queries_by_extension_negotiation_and_parameters",
    "test_sparqlwrapper_select_construct_and_post",
}
for _suite, _names in ((linked_data_suite, None), (protocol_suite, PROTOCOL_SUBSET), (catalog_suite, None)):
    for _name in dir(_suite):
        if _name.startswith("test_") and (_names is None or _name in _names) \
                and _name != "test_links_follow_forwarded_headers_only_when_trusted":  # starts its own server
            globals()[_name] = getattr(_suite, _name)
context_doc = linked_data_suite.context_doc
loader = linked_data_suite.loader


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(f"{request.param}_server")


def push_into(engine: Engine, release: Release) -> None:
    auth = (engine.env["PUBLISHER_STORE_USER"], engine.env["PUBLISHER_STORE_PASSWORD"]) if engine.env else None
    push(release, Endpoints(engine.graph_store, engine.query, engine.update), auth, grace=0)


@pytest.fixture(scope="module")
def server(engine: Engine, config: Config, release: Release) -> Iterator[str]:
    """A real ``publisher serve`` reading the session's release from the engine (pushed there first)."""
    push_into(engine, release)
    proc, url = start_server(config, {"PUBLISHER_STORE": engine.query})
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def paged(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Release]]:
    """The catalogue suite's release (base IRI = the server itself, one dataset per page), from the engine."""
    port = free_port()
    config = Config.load(root=REPO, base_iri=f"http://127.0.0.1:{port}/",
                         build_dir=tmp_path_factory.mktemp("paged-builds"), catalog_profile="dcat-ap.de-3.0")
    release = build(config)
    push_into(engine, release)
    proc, url = start_server(config, {"PUBLISHER_CATALOG_PAGE_SIZE": "1", "PUBLISHER_STORE": engine.query}, port=port)
    yield url, release
    stop_server(proc)


def test_the_server_says_it_reads_from_the_store(engine: Engine, config: Config, release: Release,
                                                  server: str) -> None:
    store = ExternalStore(Config.load(root=config.root, base_iri=TEST_BASE_IRI, build_dir=config.builds,
                                      store=engine.query), release)
    assert store.office() == TEST_BASE_IRI + "id/organization/buero-internationale-beziehungen" or store.office()
    assert requests.get(server + "/", timeout=30).status_code == 200


def test_every_resource_is_byte_identical_to_the_embedded_store(server: str, in_process: str, release: Release) -> None:
    """Every described resource in every format, and the lists: the same bytes as the embedded store gives."""
    iris = linked_data_suite.every_described_iri(release)
    assert len(iris) > 300
    cases = [(quote(linked_data_suite.local_path(iri)), accept) for iri in iris
             for accept in ("text/turtle", "application/ld+json", "text/html")]
    cases += [(f"/{kind}", accept) for kind in ("partners", "events", "alignments")
              for accept in ("text/csv", "application/ld+json", "text/html")]
    cases += [(path, "text/html") for path in ("/", "/search?q=dortmund", "/search?q=klima", "/queries")]
    cases += [("/sitemap.xml", "application/xml"), ("/.well-known/void", "text/turtle")]
    differ = []
    for path, accept in cases:
        if True:
            ours = HTTP.get(server + path, headers={"Accept": accept}, timeout=30)
            embedded = HTTP.get(in_process + path, headers={"Accept": accept}, timeout=30)
            assert ours.status_code == embedded.status_code == 200, (path, accept, ours.status_code)
            # Absolute links name the host asked; compare with the host written out of both.
            if ours.content.replace(server.encode(), b"") != embedded.content.replace(in_process.encode(), b""):
                differ.append(f"{path} {accept}")
    assert not differ, f"{len(differ)} differ, e.g. {differ[:5]}"


def external(engine: Engine, config: Config, release: Release, **settings) -> ExternalStore:
    return ExternalStore(Config.load(root=config.root, base_iri=TEST_BASE_IRI, build_dir=config.builds,
                                     store=engine.query, **settings), release)


def test_row_cap_and_byte_cap_hold_in_front_of_the_engine(engine: Engine, config: Config, release: Release,
                                                           server: str) -> None:
    store = external(engine, config, release)
    result = store.run(QueryRequest("SELECT * WHERE { ?s ?p ?o }", max_rows=7, truncation_link="https://x.test/l"))
    assert result.rows == 7 and result.truncated and b"https://x.test/l" in result.body
    graph = store.run(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", max_rows=5, graph_format="ntriples"))
    assert graph.rows == 5 and graph.truncated
    small = external(engine, config, release, store_max_result_bytes=2000)
    with pytest.raises(Exception, match="larger than the endpoint's limit of 2000 bytes"):
        small.run(QueryRequest("SELECT * WHERE { ?s ?p ?o }", max_rows=100_000))


def test_guard_and_syntax_check_before_sending(engine: Engine, config: Config, release: Release, server: str) -> None:
    store = external(engine, config, release)
    with pytest.raises(QueryRefused):
        store.run(QueryRequest("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"))
    with pytest.raises(QueryRefused):
        store.run(QueryRequest("DROP ALL"))
    with pytest.raises(QuerySyntaxError, match="at 1:"):  # line and column, as the embedded store says them
        store.run(QueryRequest("SELECT ?s WHERE { ?s ?p }"))
    with pytest.raises(QueryRefused):  # the update and SERVICE refusals also see escaped keywords
        store.run(QueryRequest("SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"))


def test_functions_outside_sparql_never_reach_the_engine(engine: Engine, server: str) -> None:
    # Virtuoso runs its own functions named in SPARQL text: bif:http_get fetches any URL from the store's
    # host (seen below), bif:sys_stat tells its version. The syntax check on pyoxigraph has none of them and
    # answers 422 before the engine is asked, as the embedded store answers the same query (it was a 500).
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    calls: list[str] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            calls.append("connected")
            connection.close()

    watcher = threading.Thread(target=accept, daemon=True)
    watcher.start()
    fetch = f"SELECT (<bif:http_get>('http://127.0.0.1:{listener.getsockname()[1]}/') AS ?x) {{}}"
    try:
        for query in (fetch, "PREFIX bif: <bif:> SELECT (bif:sys_stat('st_dbms_ver') AS ?v) {}",
                      "PREFIX sql: <sql:> SELECT (sql:anything(1) AS ?v) {}",
                      "SELECT (<http://example.org/no-such-function>(1) AS ?x) {}"):
            response = requests.get(server + "/sparql", params={"query": query},
                                    headers={"Accept": "application/sparql-results+json"}, timeout=30)
            assert response.status_code == 422, (query, response.status_code, response.text[:300])
            assert "custom function" in response.text
        assert calls == []
        if engine.name == "virtuoso":  # the danger is real: asked directly, Virtuoso makes the request
            requests.post(engine.query, data={"query": fetch}, timeout=30)
            deadline = time.monotonic() + 5
            while not calls and time.monotonic() < deadline:
                time.sleep(0.05)
            assert calls
    finally:
        stop.set()
        watcher.join()
        listener.close()


def test_a_query_the_engine_cannot_evaluate_is_the_query_s_fault_not_a_bad_gateway(engine: Engine,
                                                                                   server: str) -> None:
    # Standard SPARQL leaves an expression's error unbound; Virtuoso answers 500 with its SQL state (22012
    # division by zero, 2201B a bad regular expression, 22007 no date). That was a 502 "the store could not
    # evaluate the query" (and Virtuoso's 400 for BNODE(), which it lacks, a 400 "syntax error" although the
    # query is standard): now 422 in the engine's own first line, as the embedded store's evaluation errors.
    for query, words in (("SELECT (1/0 AS ?x) {}", "Division by 0"), ("SELECT (REGEX('a', '(') AS ?x) {}", "regexp"),
                         ("SELECT (<http://www.w3.org/2001/XMLSchema#dateTime>('2020-13-45') AS ?x) {}", "2020-13-45"),
                         ("SELECT (BNODE() AS ?b) {}", "not implemented")):
        response = requests.get(server + "/sparql", params={"query": query},
                                headers={"Accept": "application/sparql-results+json"}, timeout=30)
        if engine.name == "oxigraph":
            assert response.status_code == 200 and len(response.json()["results"]["bindings"]) == 1, query
        else:  # BNODE(): Virtuoso's own 400 "Built-in function is not implemented", for a standard query
            assert response.status_code == 422, (query, response.status_code, response.text[:300])
            assert "could not evaluate the query: Virtuoso " in response.text and words in response.text
            assert "SPARQL query:" not in response.text  # its echo of the query (with the stored graphs) is not


def test_time_limit_holds_in_front_of_the_engine(engine: Engine, config: Config, release: Release,
                                                 server: str) -> None:
    """A query far longer than the limit is stopped: a 504-class error within about the limit, not its end."""
    import time

    store = external(engine, config, release, query_timeout=1.0)
    slow = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p1 ?b . ?c ?p2 ?d . ?e ?p3 ?f "
            "FILTER(STR(?b) != STR(?d) && STR(?d) != STR(?f)) }")
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        store.run(QueryRequest(slow))
    assert time.monotonic() - started < 10


def test_graph_names_are_the_releases_own(engine: Engine, config: Config, release: Release, server: str) -> None:
    """Users see ``{base}graph/data/x`` (as with the embedded store), never the stored ``graph/<id>/…`` names."""
    store = external(engine, config, release)
    result = store.run(QueryRequest("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"))
    import json

    names = [b["g"]["value"] for b in json.loads(result.body)["results"]["bindings"]]
    assert names == sorted(release.manifest["graphs"])


def test_named_graphs_are_sent_only_to_queries_that_can_reach_them(engine: Engine, config: Config,
                                                                   release: Release, server: str) -> None:
    """Every graph named in a request's dataset costs the engine time (Virtuoso about 3 ms each, 20–60 ms on
    an aggregate at 1M triples); a query without ``GRAPH`` reads the default graph only, so it names none."""
    store = external(engine, config, release)
    sent: list[str] = []
    post = store.client.post

    def recording(form, *args, **kwargs):
        sent.append(form.decode() if isinstance(form, bytes) else urlencode(form))
        return post(form, *args, **kwargs)

    store.client.post = recording  # type: ignore[method-assign]
    plain = store.run(QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    assert "named-graph-uri" not in sent[-1] and "default-graph-uri" in sent[-1]
    assert plain.rows == 1
    with_graph = store.run(QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert sent[-1].count("named-graph-uri") == len(release.manifest["graphs"])
    assert with_graph.rows == 1
    # The word in a string or an IRI is no GRAPH pattern.
    store.run(QueryRequest('SELECT ?s WHERE { ?s ?p "GRAPH" } LIMIT 1'))
    assert "named-graph-uri" not in sent[-1]


@pytest.fixture
def own_oxigraph() -> Iterator[Engine]:
    """An oxigraph server of the test's own (the session's is shared with the module's ``server``)."""
    proc, engine = start_oxigraph()
    yield engine
    stop_server(proc)


def test_servers_follow_the_pointer_and_readers_never_see_a_mix(project_copy, own_oxigraph: Engine) -> None:
    """Two ``serve --store`` processes read while a push runs: every answer is the whole old release or the
    whole new one (its graphs and their counts), and both end on the new one without a restart."""
    import subprocess
    import sys
    import threading

    from tests.test_push import make_current, two_releases

    engine = own_oxigraph
    config, first, second = two_releases(project_copy)
    push_into(engine, first)
    servers = [start_server(config, {"PUBLISHER_STORE": engine.query, "PUBLISHER_QUERY_CACHE": "false"})
               for _ in range(2)]
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    seen: list[dict[str, int]] = []
    stop = threading.Event()

    def read(url: str) -> None:
        while not stop.is_set() and len(seen) < 5000:
            response = requests.get(url + "/sparql", params={"query": query},
                                    headers={"Accept": "application/sparql-results+json"}, timeout=30)
            assert response.status_code == 200, response.text
            seen.append({b["g"]["value"]: int(b["n"]["value"]) for b in response.json()["results"]["bindings"]})

    readers = [threading.Thread(target=read, args=(url,)) for _, url in servers]
    try:
        for reader in readers:
            reader.start()
        make_current(config, second)
        env = {**os.environ, **engine.env}
        result = subprocess.run(
            [sys.executable, "-m", "publisher.cli", "--root", str(config.root), "--base-iri", config.base_iri,
             "--build-dir", str(config.builds), "push", *engine.push_args(), "--grace", "2"],
            env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        time.sleep(1.5)  # one pointer check interval and a bit
        stop.set()
        for reader in readers:
            reader.join(60)
    finally:
        stop.set()
        for proc, _ in servers:
            stop_server(proc)
    old, new = first.manifest["graphs"], second.manifest["graphs"]
    assert old != new
    mixed = [answer for answer in seen if answer not in (old, new)]
    assert not mixed, f"{len(mixed)} of {len(seen)} answers mix releases, e.g. {mixed[0]}"
    assert seen[0] == old and seen[-1] == new and len(seen) > 10


def test_serve_store_option_and_a_store_without_a_release(config: Config, release: Release,
                                                          own_oxigraph: Engine) -> None:
    """``publisher serve --store URL`` (the option, not the setting): 503 while the store names no release,
    then the pushed release, with no restart."""
    import subprocess
    import sys

    from tests.conftest import wait_for

    engine = own_oxigraph
    port = free_port()
    env = {**os.environ, "PUBLISHER_BASE_IRI": config.base_iri, "PUBLISHER_BUILD_DIR": str(config.builds),
           "PUBLISHER_ROOT": str(config.root)}
    proc = subprocess.Popen([sys.executable, "-m", "publisher.cli", "serve", "--host", "127.0.0.1", "--port",
                             str(port), "--store", engine.query], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/")
        empty = requests.get(url + "/id/organization/adfc", headers={"Accept": "text/turtle"}, timeout=30)
        assert empty.status_code == 503 and "Traceback" not in empty.text
        push_into(engine, release)
        time.sleep(1.5)
        served = requests.get(url + "/id/organization/adfc", headers={"Accept": "text/turtle"}, timeout=30)
        assert served.status_code == 200 and "ADFC" in served.text
    finally:
        stop_server(proc)


def test_a_store_that_goes_away_is_a_503_with_retry_after_never_a_500(config: Config, release: Release) -> None:
    """The engine stops under a running ``serve --store``: queries and pages say "unavailable, retry" (503,
    ``Retry-After``); before, a query got 500, which says the publisher itself is broken."""
    proc, engine = start_oxigraph()
    try:
        push_into(engine, release)
        server, url = start_server(config, {"PUBLISHER_STORE": engine.query, "PUBLISHER_QUERY_CACHE": "false"})
        try:
            assert _sparql_status(url) == 200
            stop_server(proc)
            for _ in range(2):  # the first finds its kept-alive connection closed, the second finds no server
                response = requests.post(url + "/sparql", data={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
                                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
                assert response.status_code == 503, response.text
                # "cannot be reached" from a process that has the release; "not answering" from one that had
                # not yet asked the store which release it serves (the server runs two)
                assert response.headers.get("Retry-After") == "5", response.headers
                assert "cannot be reached" in response.text or "not answering" in response.text, response.text
            page = requests.get(url + "/id/organization/adfc", headers={"Accept": "text/turtle"}, timeout=30)
            assert page.status_code == 503 and page.headers["Retry-After"] == "5" and "Traceback" not in page.text
        finally:
            stop_server(server)
    finally:
        stop_server(proc)


def test_a_store_down_from_the_start_is_a_503_that_says_so(config: Config) -> None:
    """No release yet because the store cannot be reached: "not answering, retry" — before, "no data has been
    built yet, run 'publisher build'", which sends the reader the wrong way (and a 503 without Retry-After)."""
    server, url = start_server(config, {"PUBLISHER_STORE": f"http://127.0.0.1:{free_port()}/sparql"})
    try:
        for response in (requests.get(url + "/id/organization/adfc", headers={"Accept": "text/turtle"}, timeout=30),
                         requests.post(url + "/sparql", data={"query": "ASK {}"}, timeout=30,
                                       headers={"Accept": "application/sparql-results+json"}),
                         requests.get(url + "/", timeout=30)):
            assert response.status_code == 503, response.text
            assert response.headers.get("Retry-After") == "5", response.headers
            assert "not answering" in response.text and "publisher build" not in response.text
    finally:
        stop_server(server)


def test_a_store_too_slow_for_a_page_is_a_504_that_says_so(config: Config, release: Release) -> None:
    """A store that names the release but answers a page's query too late (a real HTTP server on loopback):
    504 in German and English. Before: 500 "internal error" (the timeout of a page's read was unhandled)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs

    from publisher.core import store_graphs as sg

    pointer = sg.pointer_query(config.base_iri)
    slow = threading.Event()  # quick (empty) answers until the server is up

    class Slow(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            if form["query"][0] == pointer:
                body = json.dumps({"head": {"vars": ["id"]}, "results": {"bindings": [
                    {"id": {"type": "literal", "value": release.id}}]}}).encode()
            else:
                if slow.is_set():
                    time.sleep(3)  # past the page's limit (3 × query_timeout)
                body = json.dumps({"head": {"vars": []}, "results": {"bindings": []}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    store = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=store.serve_forever, daemon=True).start()
    server, url = start_server(config, {"PUBLISHER_STORE": f"http://127.0.0.1:{store.server_address[1]}/sparql",
                                        "PUBLISHER_QUERY_TIMEOUT": "0.5", "PUBLISHER_QUERY_CACHE": "false"})
    try:
        slow.set()
        page = requests.get(url + "/id/organization/adfc", headers={"Accept": "text/turtle"}, timeout=30)
        assert page.status_code == 504, page.text
        assert "did not answer in time" in page.text and "nicht rechtzeitig" in page.text
    finally:
        stop_server(server)
        store.shutdown()
        store.server_close()


def _sparql_status(url: str) -> int:
    return requests.post(url + "/sparql", data={"query": "ASK {}"}, timeout=30,
                         headers={"Accept": "application/sparql-results+json"}).status_code


def test_blank_nodes_of_a_description_are_closed_as_the_embedded_store_does(tmp_path, own_oxigraph: Engine) -> None:
    """The shipped data has no blank nodes; a description with nested ones must still come out whole."""
    import pyoxigraph as ox
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from publisher.core import store_graphs as sg
    from publisher.serve.store.embedded import EmbeddedStore

    base = TEST_BASE_IRI
    data = (f"<{base}id/x> <http://schema.org/name> \"X\"@de .\n"
            f"<{base}id/x> <http://schema.org/address> _:a .\n"
            "_:a <http://schema.org/streetAddress> \"S\" .\n_:a <http://schema.org/geo> _:g .\n"
            "_:g <http://schema.org/latitude> \"51.5\" .\n"
            f"<{base}id/y> <http://schema.org/knows> <{base}id/x> .\n")
    graph = f"{base}graph/data/x"
    manifest = {"build_id": "r1", "base_iri": base, "graphs": {graph: 6}, "triples": 6, "quads": 6}
    release = Release(tmp_path, manifest)
    for name in (sg.stored_graph(base, "r1", graph), sg.union_graph(base, "r1")):
        requests.put(own_oxigraph.graph_store, params={"graph": name}, data=data.encode(),
                     headers={"Content-Type": "application/n-triples"}, timeout=30).raise_for_status()
    store = ox.Store(str(tmp_path / "store"))
    store.load(data.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    store.flush()
    del store
    embedded = EmbeddedStore(tmp_path / "store", base).describe(f"{base}id/x")
    ours = ExternalStore(Config.load(root=REPO, base_iri=base, build_dir=tmp_path, store=own_oxigraph.query),
                         release).describe(f"{base}id/x")
    assert embedded is not None and ours is not None

    def as_graph(triples) -> Graph:
        return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")

    assert len(ours.triples) == len(embedded.triples) == 6
    assert isomorphic(as_graph(ours.triples), as_graph(embedded.triples))


#: Literals of every kind, an IRI, stored graph names (mapped back), unbound cells and an empty table.
JSON_CASES = (
    'SELECT ?x ?y ?z WHERE { VALUES (?x ?y ?z) { ("a"@de-DE "b"^^<http://www.w3.org/2001/XMLSchema#string> 1) '
    '(UNDEF "x\\ny\\"\\u00e4" 2.5) (<http://e.test/x> true "2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date>) } }',
    "SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY DESC(?n) ?t",
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40",
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 0",
)
#: Where Virtuoso's answer itself differs (documented in the README): it lower-cases language tags, gives
#: ``true`` as the integer 1, and orders literals of different types its own way.
VIRTUOSO_DIFFERS = {JSON_CASES[0], JSON_CASES[3]}


@pytest.mark.parametrize("query", JSON_CASES)
def test_both_sparql_json_paths_of_the_seam_give_the_same_solutions(engine: Engine, config: Config,
                                                                    release: Release, server: str, query: str) -> None:
    """The engine's own JSON is served when nothing needs mapping or cutting; ``results.write_json`` writes it
    otherwise. Forced onto the second (an empty marker is found in every answer), the solutions are the same,
    and so are the bytes from Oxigraph (whose server writes SPARQL JSON as the embedded store does)."""
    fast = external(engine, config, release)
    general = external(engine, config, release)
    general._prefix_bytes = b""
    ours, theirs = (s.run(QueryRequest(query, max_rows=1000)) for s in (fast, general))
    assert (ours.rows, ours.truncated) == (theirs.rows, theirs.truncated)
    assert _solutions(ours.body) == _solutions(theirs.body)
    assert b"typed-literal" not in ours.body  # Virtuoso's pre-standard term type, made standard
    if engine.name == "oxigraph":
        assert ours.body == theirs.body


def _solutions(body: bytes) -> list[tuple]:
    """A SPARQL JSON answer's variables and rows, as pyoxigraph reads them (a standard reader)."""
    import pyoxigraph as ox

    result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if isinstance(result, ox.QueryBoolean):
        return [bool(result)]
    return [tuple(v.value for v in result.variables)] + [tuple(row) for row in result]


@pytest.mark.parametrize("query", JSON_CASES)
def test_sparql_json_is_the_embedded_store_s(engine: Engine, config: Config, release: Release,
                                             server: str, query: str) -> None:
    from publisher.serve.store.embedded import EmbeddedStore

    if engine.name == "virtuoso" and query in VIRTUOSO_DIFFERS:
        pytest.skip("Virtuoso's own answer differs (language tags lower-cased, true as 1, literal order)")
    ours = external(engine, config, release).run(QueryRequest(query, max_rows=1000))
    embedded = EmbeddedStore(release.store_path, TEST_BASE_IRI).run(QueryRequest(query, max_rows=1000))
    assert (ours.rows, ours.truncated) == (embedded.rows, embedded.truncated)
    if engine.name == "virtuoso":  # Virtuoso's own JSON (its spacing, "distinct" and "ordered"): the same rows
        assert _solutions(ours.body) == _solutions(embedded.body)
    else:
        assert ours.body == embedded.body, (ours.body[:300], embedded.body[:300])


def test_the_engine_s_json_is_served_only_when_it_is_standard_or_made_so() -> None:
    """``_engine_json``: Virtuoso's ``typed-literal`` made ``literal``, the same text inside a string left
    alone; any other spelling of it, a boolean, JSON it cannot read, or more rows than the cap: None (then
    pyoxigraph reads the answer and it is written again)."""
    import json

    from publisher.serve.store.external import _engine_json

    virtuoso = (b'{ "head": { "link": [], "vars": ["n", "s"] },\n  "results": { "distinct": false, "ordered": true, '
                b'"bindings": [\n    { "n": { "type": "typed-literal", "datatype": '
                b'"http://www.w3.org/2001/XMLSchema#integer", "value": "3" }\t, "s": { "type": "literal", '
                b'"value": "\\"type\\": \\"typed-literal\\"" }}\n ] } }')
    served = _engine_json(virtuoso, max_rows=10)
    assert served is not None and (served.rows, served.variables, served.truncated) == (1, ("n", "s"), False)
    row = json.loads(served.body)["results"]["bindings"][0]
    assert row["n"]["type"] == "literal" and row["s"]["value"] == '"type": "typed-literal"'
    assert _engine_json(virtuoso, max_rows=0) is None
    assert _engine_json(virtuoso.replace(b'"type": "typed-literal"', b'"type":"typed-literal"'), 10) is None
    assert _engine_json(b'{ "head": { "link": [] }, "boolean": true}', 10) is None
    assert _engine_json(b'{"head": {"vars": ["n"]}, "results": {"bindings": [', 10) is None
