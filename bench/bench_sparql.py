"""Benchmark (not a test): our /sparql against `oxigraph serve` on the same synthetic data, same run.

For each size, the synthetic project (bench/synthetic.py) is generated and built once, then both
servers are started on loopback: `publisher serve` (granian + the query worker pool) and
`oxigraph serve-read-only --union-default-graph` loaded with the release's dataset.nq. Each query of
the mix is sent by CLIENTS concurrent connections of wrk (bench/load.py) for DURATION seconds to each
server in turn; the script
prints median and p95 latency, throughput and the ratio ours/oxigraph, for our server with its result
cache off (cold: every request is evaluated) and on (cached), side by side.

    .venv/bin/python bench/bench_sparql.py --sizes 10000 100000 1000000 --clients 4 --duration 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import load  # noqa: E402
from tests.conftest import free_port, wait_for  # noqa: E402  (the same helpers the tests use)

BIN = Path(sys.executable).parent
BASE = "http://localhost:8080/"
PREFIXES = (f"PREFIX ib: <{BASE}def/>\nPREFIX schema: <http://schema.org/>\n"
            "PREFIX sdg: <http://metadata.un.org/sdg/>\n")
MIX = {
    "partners-per-goal": "SELECT ?goal (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p ib:sdg ?goal } "
                         "GROUP BY ?goal ORDER BY DESC(?n)",
    "partners-of-two-goals": "SELECT ?p ?name WHERE { ?p ib:sdg sdg:13 , sdg:11 ; schema:name ?name } ORDER BY ?name",
    "name-filter": 'SELECT ?p ?name WHERE { ?p schema:name ?name FILTER(CONTAINS(LCASE(STR(?name)), "klimagarten")) }'
                   " LIMIT 100",
    "describe-partner": f"DESCRIBE <{BASE}id/organization/p0000042>",
    "construct-event": f"CONSTRUCT {{ ?e ?p ?o . ?a ?q ?v }} WHERE {{ BIND(<{BASE}id/event/e000001> AS ?e) "
                       "{ ?e ?p ?o } UNION { ?e schema:attendee ?a . ?a ?q ?v } }",
    "paged-listing": "SELECT ?p ?name WHERE { ?p a schema:NGO ; schema:name ?name } ORDER BY ?name "
                     "LIMIT 50 OFFSET 500",
}


def prepare(size: int, workdir: Path) -> Path:
    root = workdir / str(size)
    if not (root / "build" / "current" / "manifest.json").is_file():
        subprocess.run([sys.executable, str(REPO / "bench" / "synthetic.py"), "--triples", str(size),
                        "--out", str(root)], check=True)
    oxi = root / "oxigraph-store"
    if not oxi.is_dir():
        subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(oxi), "--file",
                        str(root / "build" / "current" / "dataset.nq")], check=True, stdout=subprocess.DEVNULL)
    return root


def start(root: Path) -> tuple[list[subprocess.Popen], str, str, str]:
    """Our server twice (result cache off: cold; on: cached) and oxigraph, on the same release."""
    procs, urls = [], []
    for cache in ("false", "true"):
        port = free_port()
        env = {**os.environ, "PUBLISHER_BASE_IRI": BASE, "PUBLISHER_QUERY_TIMEOUT": "60",
               "PUBLISHER_QUERY_MAX_ROWS": "100000", "PUBLISHER_QUERY_CACHE": cache}
        procs.append(subprocess.Popen([str(BIN / "publisher"), "--root", str(root), "--build-dir", str(root / "build"),
                                       "serve", "--port", str(port)], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}/sparql")
    oxi_port = free_port()
    procs.append(subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location", str(root / "oxigraph-store"),
                                   "--bind", f"127.0.0.1:{oxi_port}", "--union-default-graph"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    urls.append(f"http://127.0.0.1:{oxi_port}/query")
    for url in urls:
        wait_for(url, timeout=300)
    return procs, *urls


def measure(url: str, query: str, clients: int, duration: float) -> dict:
    """POST the query (form-encoded, as SPARQL clients do) for ``duration`` seconds with wrk."""
    accept = "text/turtle" if ("DESCRIBE" in query or "CONSTRUCT" in query) else \
        "application/sparql-results+json"
    port, path = int(url.split(":")[2].split("/")[0]), "/" + url.split("/", 3)[3]
    body = urlencode({"query": query})
    headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(2):  # warm-up: connection, worker, the engine's own caches
        requests.post(url, data={"query": query}, headers={"Accept": accept}, timeout=120)
    result = load.run(port, [load.Request(path, headers, "POST", body)], duration, connections=clients)
    return {"n": result.requests, "median": result.median_ms, "p95": result.p95_ms, "qps": result.rate,
            "errors": result.errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-sparql"))
    parser.add_argument("--clean", action="store_true", help="delete the generated data afterwards")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"clients={args.clients} duration={args.duration}s per query and server; latencies in ms; "
          "cold = our result cache off, cached = on; ratios are our q/s ÷ oxigraph's")
    print(f"{'size':>8} {'query':<22} {'cold med':>9} {'p95':>7} {'q/s':>8} | {'cached q/s':>10} | "
          f"{'oxi med':>8} {'p95':>7} {'q/s':>8} | {'cold':>5} {'cached':>6}")
    for size in args.sizes:
        root = prepare(size, args.workdir)
        procs, cold_url, cached_url, oxi_url = start(root)
        try:
            for name, body in MIX.items():
                query = PREFIXES + body
                a = measure(cold_url, query, args.clients, args.duration)
                c = measure(cached_url, query, args.clients, args.duration)
                b = measure(oxi_url, query, args.clients, args.duration)
                errors = (a["errors"], c["errors"], b["errors"])
                flag = "" if not any(errors) else f"  errors {errors}"
                print(f"{size:>8} {name:<22} {a['median']:>9.1f} {a['p95']:>7.1f} {a['qps']:>8.1f} | "
                      f"{c['qps']:>10.1f} | {b['median']:>8.1f} {b['p95']:>7.1f} {b['qps']:>8.1f} | "
                      f"{a['qps'] / b['qps']:>5.2f} {c['qps'] / b['qps']:>6.2f}{flag}", flush=True)
        finally:
            for p in procs:
                p.terminate()
                p.wait(10)
        if args.clean:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
