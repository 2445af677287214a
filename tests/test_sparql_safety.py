"""Safety of the endpoint under abuse: no outbound requests, a time limit that frees its worker, the row
cap, the body cap, other requests answered during a heavy query, and the switch to a new release."""

from __future__ import annotations

import multiprocessing
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from publisher.build import build
from tests.conftest import TEST_BASE_IRI, start_server, stop_server

BASE = TEST_BASE_IRI
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~2·10^10 rows on the test data
SIMPLE = f"ASK {{ <{BASE}id/event/zeltdorf-2023> ?p ?o }}"


class Listener:
    """A loopback TCP listener that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.sock.close()


def query(url: str, text: str, **kwargs) -> requests.Response:
    return requests.post(f"{url}/sparql", data={"query": text}, timeout=60, **kwargs)


def wait_until(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


# These tests are about evaluation in the workers; the result cache would answer repeated queries itself.
NO_CACHE = {"PUBLISHER_QUERY_CACHE": "false"}


def worker_pids(server_pid: int) -> set[int]:
    """The server's query worker processes: spawned multiprocessing descendants of its server processes."""
    pids: set[int] = set()
    pending = [server_pid]
    while pending:
        pid = pending.pop()
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                children = (task / "children").read_text().split()
            except FileNotFoundError:
                continue
            for child in children:
                pending.append(int(child))
                try:
                    if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                        pids.add(int(child))
                except FileNotFoundError:
                    continue
    return pids


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


# --- no outbound requests --------------------------------------------------------------------------------------


def test_queries_never_contact_remote_servers(server, listener):
    u = listener.url
    refused = [
        f"SELECT * WHERE {{ SERVICE <{u}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{u}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{u}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{u}> {{ ?s ?p ?o }} }}",
        f"PREFIX remote: <{u}>\nSELECT * WHERE {{ # a comment\n SERVICE remote: {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE <{u}> {{ ?x ?p ?o }} }} }}",
        f"LOAD <{u}>",
        f"LOAD SILENT <{u}> INTO GRAPH <{BASE}graph/x>",
    ]
    for text in refused:
        r = query(server, text)
        assert r.status_code == 403, (text, r.text)
    r = requests.post(f"{server}/sparql", data={"update": f"LOAD <{u}>"}, timeout=30)
    assert r.status_code == 403
    answered = [f"SELECT * FROM <{u}> WHERE {{ ?s ?p ?o }}",
                f"SELECT * FROM NAMED <{u}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                f"SELECT * WHERE {{ GRAPH <{u}> {{ ?s ?p ?o }} }}"]
    for text in answered:
        r = query(server, text)
        assert r.status_code == 200, r.text
        assert r.json()["results"]["bindings"] == []
    r = requests.get(f"{server}/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 1", "default-graph-uri": u,
                                                 "named-graph-uri": u}, timeout=30)
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []
    assert listener.connections == 0


def _service_in_isolated_worker(url: str, out) -> None:
    import pyoxigraph as ox

    from publisher.serve.store.worker import isolate_network

    isolated = isolate_network()
    try:
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
        outcome = "answered"
    except OSError as exc:
        outcome = f"failed: {exc}"
    out.send((isolated, outcome))


def test_worker_network_isolation_stops_a_service_call_the_guard_would_miss(listener):
    """Second line of defence: even the engine's own SERVICE client cannot leave a worker's namespace."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_service_in_isolated_worker, args=(listener.url, child))
    proc.start()
    assert parent.poll(60)
    isolated, outcome = parent.recv()
    proc.join(10)
    if not isolated:
        pytest.skip("this kernel does not allow an unprivileged network namespace; the lexical guard still holds")
    assert outcome.startswith("failed")
    assert listener.connections == 0


# --- the time limit --------------------------------------------------------------------------------------------


def test_timeout_stops_the_query_and_frees_its_worker(config, release):
    proc, url = start_server(config, {**NO_CACHE, "PUBLISHER_QUERY_TIMEOUT": "1.5", "PUBLISHER_QUERY_WORKERS": "1",
                                          "PUBLISHER_WORKERS": "1"})
    try:
        assert query(url, SIMPLE).json()["boolean"] is True
        assert wait_until(lambda: len(worker_pids(proc.pid)) == 1)
        (old,) = worker_pids(proc.pid)
        r = query(url, HEAVY, headers={"Accept": "application/json"})
        assert r.status_code == 504
        assert "time limit" in r.json()["error"]["message"]
        # The runaway evaluation is not left computing: its process is gone, a fresh one took its place.
        assert wait_until(lambda: not alive(old))
        assert query(url, SIMPLE).json()["boolean"] is True
        assert worker_pids(proc.pid) and old not in worker_pids(proc.pid)
    finally:
        stop_server(proc)


def test_simple_queries_and_pages_are_answered_while_a_heavy_query_runs(config, release):
    proc, url = start_server(config, {**NO_CACHE, "PUBLISHER_QUERY_TIMEOUT": "8", "PUBLISHER_QUERY_WORKERS": "2",
                                          "PUBLISHER_WORKERS": "1"})
    try:
        assert query(url, SIMPLE).status_code == 200  # workers are up
        events: list[str] = []
        heavy: dict = {}

        def run_heavy() -> None:
            heavy["response"] = query(url, HEAVY)
            events.append("heavy")

        thread = threading.Thread(target=run_heavy)
        thread.start()
        assert wait_until(lambda: any(alive(p) and _busy(p) for p in worker_pids(proc.pid)))
        for _ in range(5):
            assert query(url, SIMPLE).json()["boolean"] is True
            page = requests.get(f"{url}/id/organization/adfc", headers={"Accept": "text/turtle"}, timeout=30)
            assert page.status_code == 200 and "adfc" in page.text
            assert requests.get(f"{url}/queries/partners-by-goal.csv?goal=13", timeout=30).status_code == 200
            events.append("simple")
        thread.join(60)
        assert events[:5] == ["simple"] * 5 and events[5] == "heavy"
        assert heavy["response"].status_code == 504
    finally:
        stop_server(proc)


def _busy(pid: int) -> bool:
    """A process that is running (state R) right now: the worker evaluating the heavy query."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R"
    except FileNotFoundError:
        return False


# --- row cap and body cap --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def capped(config, release) -> Iterator[str]:
    proc, url = start_server(config, {**NO_CACHE, "PUBLISHER_QUERY_MAX_ROWS": "5", "PUBLISHER_QUERY_MAX_BODY": "4000"})
    yield url
    stop_server(proc)


def test_row_cap_cuts_and_says_so(capped):
    everything = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    r = query(capped, everything)
    assert r.status_code == 200
    assert r.headers["X-Result-Truncated"] == "true" and r.headers["X-Result-Row-Limit"] == "5"
    assert len(r.json()["results"]["bindings"]) == 5
    assert r.json()["head"]["link"] == [f"{BASE}sparql#limits"]
    xml = query(capped, everything, headers={"Accept": "application/sparql-results+xml"})
    assert f'<link href="{BASE}sparql#limits"/>' in xml.text and xml.text.count("<result>") == 5
    csv_text = query(capped, everything, headers={"Accept": "text/csv"}).text
    assert len(csv_text.strip().splitlines()) == 6
    turtle = query(capped, "CONSTRUCT WHERE { ?s ?p ?o }", headers={"Accept": "text/turtle"})
    assert turtle.headers["X-Result-Truncated"] == "true" and turtle.text.startswith("# Truncated")
    html = query(capped, everything, headers={"Accept": "text/html"})
    assert "Truncated" in html.text
    exactly = query(capped, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5")
    assert exactly.headers["X-Result-Truncated"] == "false" and len(exactly.json()["results"]["bindings"]) == 5


def test_body_cap_gives_413(capped):
    padding = "# " + "x" * 5000 + "\n"
    big = padding + "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    r = requests.post(f"{capped}/sparql", data=big.encode(), headers={"Content-Type": "application/sparql-query"},
                      timeout=30)
    assert r.status_code == 413
    assert requests.post(f"{capped}/sparql", data={"query": big}, timeout=30).status_code == 413
    small = requests.post(f"{capped}/sparql", data=b"SELECT * WHERE { ?s ?p ?o } LIMIT 1",
                          headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert small.status_code == 200


# --- a new release ---------------------------------------------------------------------------------------------


def test_workers_switch_to_a_new_release(project_copy, tmp_path, config):
    own = replace(config, root=project_copy, build_dir=tmp_path / "builds")
    build(own)
    proc, url = start_server(own)
    name = f"SELECT ?n WHERE {{ <{BASE}id/organization/adfc> <http://schema.org/name> ?n }}"
    try:
        assert query(url, name).json()["results"]["bindings"][0]["n"]["value"] == "ADFC e.V."
        orgs = project_copy / "data" / "organizations.ttl"
        orgs.write_text(orgs.read_text(encoding="utf-8").replace('"ADFC e.V."@de', '"ADFC e.V. (neu)"@de'),
                        encoding="utf-8")
        build(own)
        assert wait_until(lambda: query(url, name).json()["results"]["bindings"][0]["n"]["value"]
                          == "ADFC e.V. (neu)")
    finally:
        stop_server(proc)
