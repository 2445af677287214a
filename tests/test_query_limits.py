"""Issue 9, the SPARQL side: a guard that agrees with the grammar, bounded workers and results, admission
(queue wait, per-client budget), UTF-8 bodies and the operator's log. Real servers on loopback."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from publisher.serve.store.base import QueryOverBudget, QueryRefused, QuerySyntaxError
from publisher.serve.store.guard import check_query, nesting_depth, query_hash
from publisher.serve.store.pool import QueryBudget, backoff
from tests.conftest import TEST_BASE_IRI, start_server, stop_server
from tests.test_sparql_safety import HEAVY, NO_CACHE, SIMPLE, _busy, alive, listener, query, wait_until, worker_pids

__all__ = ["listener"]  # the loopback listener fixture, shared with test_sparql_safety

BASE = TEST_BASE_IRI
DEEP = "SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }"
# The measured probe: four nested REPLACEs (each character becomes eleven) over 50 names; 77 MB on main.
PATTERN = ('?s <http://schema.org/name> ?n BIND(REPLACE(REPLACE(REPLACE(REPLACE(STR(?n), "", "xxxxxxxxxx"), '
           '"", "xxxxxxxxxx"), "", "xxxxxxxxxx"), "", "xxxxxxxxxx") AS ?x)')
REPLACE_PROBE = f"SELECT ?x WHERE {{ {PATTERN} }} LIMIT 50"


def bypass(url: str) -> str:
    """The measured bypass of the lexical guard: it read ``<?p)SERVICE#>`` as one IRI."""
    return f"SELECT * WHERE {{ BIND(1 AS ?o) BIND(2 AS ?p) FILTER(?o<?p)SERVICE#>\n<{url}>{{?a ?b ?c}} }}"


def server_log(proc) -> str:
    stop_server(proc)
    return proc.stdout.read() if proc.stdout else ""


# --- the guard, without a server ----------------------------------------------------------------------------


def test_guard_refuses_the_measured_service_bypass():
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(bypass("http://127.0.0.1:9/x"))


def test_deep_nesting_is_refused_before_any_parse():
    started = time.monotonic()
    with pytest.raises(QuerySyntaxError, match="nested too deeply"):
        check_query(DEEP, max_depth=20)
    assert time.monotonic() - started < 1.0
    with pytest.raises(QuerySyntaxError, match="nested too deeply"):
        check_query("SELECT * WHERE { FILTER(" + "(" * 30 + "true" + ")" * 30 + ") }", max_depth=20)


def test_depth_counts_only_syntax_not_strings_iris_or_comments():
    assert nesting_depth('SELECT * WHERE { ?s ?p "((((((((((" } # !!!!!!!!!!!!!!') == 1
    assert nesting_depth("SELECT * WHERE { ?s <http://x/(((((((> ?o FILTER(?a != ?b) }") == 2
    check_query("SELECT * WHERE { ?s ?p ?o FILTER(?o != 1 && !BOUND(?x)) }", max_depth=20)


def test_unparseable_text_is_a_syntax_error_with_line_and_column():
    with pytest.raises(QuerySyntaxError, match=r"line 2, column \d+"):
        check_query("SELECT * WHERE {\n ?s ?p ?o ?q }")
    # Not SPARQL 1.1 (UnaryExpression takes a PrimaryExpression): the engine would recurse on it, the grammar says no.
    with pytest.raises(QuerySyntaxError):
        check_query("SELECT * WHERE { FILTER(!!true) }")


def test_updates_are_refused_by_the_grammar_too():
    with pytest.raises(QueryRefused, match="read-only"):
        check_query("PREFIX x: <http://x/>\n\\u0049NSERT DATA { x:a x:b x:c }")


def test_query_hash_is_short_and_not_the_text():
    assert re.fullmatch(r"[0-9a-f]{16}", query_hash(SIMPLE))


def test_budget_ledger_refuses_beyond_the_budget_and_forgets_after_the_window():
    budget = QueryBudget(seconds=1.0, window=0.5, max_clients=2)
    budget.check("a")
    budget.charge("a", 1.2)
    with pytest.raises(QueryOverBudget) as refused:
        budget.check("a")
    assert refused.value.status == 429 and refused.value.retry_after >= 1
    budget.check("b")  # other clients are not affected
    time.sleep(0.6)
    budget.check("a")
    for n in range(100):  # bounded: many addresses never grow the ledger beyond its size
        budget.charge(f"c{n}", 0.1)
    assert len(budget._ledger) <= 2


def test_restart_backoff_grows_and_is_capped():
    assert backoff(1) == 0
    assert 0 < backoff(2) < backoff(3) < backoff(5)
    assert backoff(100) == 30.0


# --- one server with tight limits ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited(config, release) -> Iterator[tuple]:
    proc, url = start_server(config, {**NO_CACHE, "PUBLISHER_WORKERS": "1", "PUBLISHER_QUERY_WORKERS": "1",
                                      "PUBLISHER_QUERY_TIMEOUT": "6", "PUBLISHER_QUERY_QUEUE_WAIT": "0.5",
                                      "PUBLISHER_QUERY_MAX_RESULT_BYTES": "200000",
                                      "PUBLISHER_QUERY_BUDGET_SECONDS": "0"})
    assert query(url, SIMPLE).status_code == 200  # the worker is up
    yield proc, url
    stop_server(proc)


def test_service_bypass_is_refused_over_http_and_nothing_connects(limited, listener):
    _, url = limited
    r = query(url, bypass(listener.url), headers={"Accept": "application/json"})
    assert r.status_code == 403, r.text
    assert "SERVICE" in r.json()["error"]["message"]
    assert listener.connections == 0


def test_deep_nesting_is_400_and_no_worker_crashes(limited):
    proc, url = limited
    before = worker_pids(proc.pid)
    for _ in range(3):
        r = query(url, DEEP)
        assert r.status_code == 400 and "nested too deeply" in r.text
    assert worker_pids(proc.pid) == before
    assert query(url, SIMPLE).json()["boolean"] is True


def test_result_byte_cap_cuts_the_replace_probe(limited):
    _, url = limited
    r = query(url, REPLACE_PROBE)
    assert r.status_code == 200
    assert len(r.content) <= 200_000
    assert r.headers["X-Result-Truncated"] == "true" and r.headers["X-Result-Byte-Limit"] == "200000"
    assert r.json()["head"]["link"] == [f"{BASE}sparql#limits"]
    turtle = query(url, f"CONSTRUCT {{ ?s <http://x/p> ?x }} WHERE {{ {PATTERN} }}", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and len(turtle.content) <= 200_000
    assert turtle.headers["X-Result-Truncated"] == "true" and "byte limit" in turtle.text.splitlines()[0]


def test_a_busy_pool_answers_503_within_the_queue_wait(limited):
    proc, url = limited
    heavy: dict = {}
    thread = threading.Thread(target=lambda: heavy.update(r=query(url, HEAVY)))
    thread.start()
    try:
        assert wait_until(lambda: any(alive(p) and _busy(p) for p in worker_pids(proc.pid)))
        started = time.monotonic()
        r = query(url, SIMPLE)
        assert r.status_code == 503 and r.headers["Retry-After"] == "1"
        assert time.monotonic() - started < 1.5
        named = requests.get(f"{url}/queries/partners-by-goal.csv?goal=13", timeout=30)
        assert named.status_code == 503 and named.headers["Retry-After"]
        page = requests.get(f"{url}/id/organization/adfc", headers={"Accept": "text/turtle"}, timeout=5)
        assert page.status_code == 200
    finally:
        thread.join(60)
    assert heavy["r"].status_code == 504


def test_a_worker_crash_is_502_logged_and_the_pool_recovers(config, release):
    proc, url = start_server(config, {**NO_CACHE, "PUBLISHER_WORKERS": "1", "PUBLISHER_QUERY_WORKERS": "1",
                                      "PUBLISHER_QUERY_TIMEOUT": "20"})
    try:
        assert query(url, SIMPLE).status_code == 200
        heavy: dict = {}
        json_only = {"Accept": "application/json"}
        thread = threading.Thread(target=lambda: heavy.update(r=query(url, HEAVY, headers=json_only)))
        thread.start()
        assert wait_until(lambda: any(alive(p) and _busy(p) for p in worker_pids(proc.pid)))
        (victim,) = [p for p in worker_pids(proc.pid) if _busy(p)]
        os.kill(victim, signal.SIGSEGV)
        thread.join(30)
        r = heavy["r"]
        assert r.status_code == 502, r.text
        assert "stopped while evaluating" in r.json()["error"]["message"]
        assert wait_until(lambda: query(url, SIMPLE).status_code == 200, timeout=30)
    finally:
        log = server_log(proc)
    crash = [line for line in log.splitlines() if "event=worker-crash" in line]
    assert len(crash) == 1 and "exit=SIGSEGV" in crash[0] and "client=127.0.0.1" in crash[0]
    assert f"query={query_hash(HEAVY)}" in crash[0] and "?a ?b ?c" not in log


def test_worker_memory_limit_holds_and_the_pool_survives(config, release):
    limit = 900 * 1024 * 1024
    proc, url = start_server(config, {**NO_CACHE, "PUBLISHER_WORKERS": "1", "PUBLISHER_QUERY_WORKERS": "1",
                                      "PUBLISHER_QUERY_WORKER_MEMORY": str(limit),
                                      "PUBLISHER_QUERY_MAX_RESULT_BYTES": "0"})
    try:
        assert query(url, SIMPLE).status_code == 200
        (worker,) = worker_pids(proc.pid)
        limits = Path(f"/proc/{worker}/limits").read_text()
        assert re.search(rf"Max address space\s+{limit}\s", limits), limits
        # Five nested REPLACEs: far more than 900 MB; the worker cannot take it, the client gets a clear 5xx.
        hungry = REPLACE_PROBE.replace("REPLACE(REPLACE(", "REPLACE(REPLACE(REPLACE(", 1).replace(
            '"xxxxxxxxxx") AS', '"xxxxxxxxxx"), "", "xxxxxxxxxx") AS')
        r = query(url, hungry, headers={"Accept": "application/json"})
        assert r.status_code in (500, 502), r.status_code
        assert "memory" in r.json()["error"]["message"]
        assert wait_until(lambda: query(url, SIMPLE).status_code == 200, timeout=30)
    finally:
        stop_server(proc)


def test_utf16_body_is_415(limited):
    _, url = limited
    text = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    r = requests.post(f"{url}/sparql", data=text.encode("utf-16"),
                      headers={"Content-Type": "application/sparql-query; charset=UTF-16"}, timeout=30)
    assert r.status_code == 415 and "UTF-8" in r.text
    ok = requests.post(f"{url}/sparql", data=text.encode(), timeout=30,
                       headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    assert ok.status_code == 200


# --- the per-client budget ----------------------------------------------------------------------------------


@pytest.mark.parametrize("trusted", [False, True])
def test_query_budget_gives_429_per_client(config, release, trusted):
    proc, url = start_server(config, {**NO_CACHE, "PUBLISHER_WORKERS": "1", "PUBLISHER_QUERY_TIMEOUT": "1.5",
                                      "PUBLISHER_QUERY_BUDGET_SECONDS": "1", "PUBLISHER_QUERY_BUDGET_WINDOW": "60",
                                      "PUBLISHER_TRUST_FORWARDED_HEADERS": str(trusted).lower()})
    me = {"X-Forwarded-For": "198.51.100.7"}
    try:
        assert query(url, SIMPLE, headers=me).status_code == 200
        assert query(url, HEAVY, headers=me).status_code == 504  # 1.5 s of query time: over the budget
        r = query(url, SIMPLE, headers={**me, "Accept": "application/json"})
        assert r.status_code == 429, r.text
        assert 1 <= int(r.headers["Retry-After"]) <= 60 and "query time" in r.json()["error"]["message"]
        assert requests.get(f"{url}/queries/partners-by-goal.csv?goal=13", headers=me, timeout=30).status_code == 429
        rows = requests.get(f"{url}/api/v1/queries/partners-by-goal?goal=13", headers=me, timeout=30)
        assert rows.status_code == 429 and 1 <= int(rows.headers["Retry-After"]) <= 60  # the JSON API too
        other = query(url, SIMPLE, headers={"X-Forwarded-For": "203.0.113.9"})
        # Another forwarded address is another client only when the proxy's headers are trusted.
        assert other.status_code == (200 if trusted else 429)
        assert requests.get(f"{url}/id/organization/adfc", headers=me, timeout=10).status_code == 200
    finally:
        log = server_log(proc)
    assert "event=timeout" in log and "event=over-budget" in log
    assert ("client=198.51.100.7" if trusted else "client=127.0.0.1") in log


def test_guard_is_safe_under_concurrent_parses():
    """rdflib's parser fails at random when two threads parse at once; the guard must never say 400 for that."""
    texts = [f"SELECT (COUNT(*) AS ?n{i}) WHERE {{ ?a ?b ?c . ?d ?e ?f }}" for i in range(400)]
    errors: list[Exception] = []

    def parse(part: list[str]) -> None:
        for text in part:
            try:
                check_query(text, max_depth=20)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

    threads = [threading.Thread(target=parse, args=(texts[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
