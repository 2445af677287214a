"""Benchmark (not a test): the publisher on its embedded store, on ``--store`` Oxigraph server and on
``--store`` Virtuoso, with the two engines queried directly as anchors; same data, same run, loopback only.

For each size, the synthetic project (``bench/synthetic.py``) is generated and built once, then:

- **push**: ``publisher push`` into an empty ``oxigraph serve --location`` and an empty Virtuoso (Debian's
  ``virtuoso-t``, started with a temporary ``virtuoso.ini``), wall time;
- **Linked Data**: a cold pass (each of N resources once, as Turtle: describe + render) with 2 connections,
  then 8 s of ``wrk`` over the same resources (answered from the response cache);
- **SPARQL mix** (``bench/bench_sparql.py``'s queries): cold (every request a distinct text, so the result
  cache never answers) and cached (the same text) through each publisher, and cold straight to each engine
  with the same dataset the publisher sends (``default-graph-uri`` = the release's union graph).

    .venv/bin/python bench/bench_stores.py --sizes 10000 100000 --duration 4
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import load  # noqa: E402
from bench.bench_linked_data import run as ld_run  # noqa: E402
from bench.bench_linked_data import sample_resources  # noqa: E402
from bench.bench_sparql import MIX, PREFIXES  # noqa: E402
from publisher.core import store_graphs as sg  # noqa: E402
from publisher.core.release import Release  # noqa: E402
from tests.conftest import free_port, stop_server, wait_for  # noqa: E402
from tests.stores import VIRTUOSO, VIRTUOSO_INI, VIRTUOSO_PASSWORD, VIRTUOSO_USER, virtuoso_process  # noqa: E402

BIN = Path(sys.executable).parent
BASE = "http://localhost:8080/"
VARIANTS = 2000  # distinct texts per query for the cold runs
#: Whole-graph aggregates for the paired comparison (seam against the engine direct), beside the mix's one.
AGGREGATES = {
    "partners-per-goal": MIX["partners-per-goal"],
    "count-all": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "triples-per-type": "SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY DESC(?n)",
}


def prepare(size: int, workdir: Path) -> Path:
    root = workdir / str(size)
    if not (root / "build" / "current" / "manifest.json").is_file():
        subprocess.run([sys.executable, str(REPO / "bench" / "synthetic.py"), "--triples", str(size),
                        "--out", str(root)], check=True)
    return root


def start_oxigraph(folder: Path) -> tuple[subprocess.Popen, dict]:
    port = free_port()
    proc = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--location", str(folder), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/query?query=ASK%7B%7D", timeout=120)
    return proc, {"name": "oxigraph", "query": url + "/query", "update": url + "/update", "gsp": url + "/store",
                  "env": {}}


def start_virtuoso(folder: Path) -> tuple[subprocess.Popen, dict]:
    # Bigger buffers than the tests' (about 2.6 GB at 8 KB a buffer): the 1M dataset then stays in memory.
    ini = VIRTUOSO_INI.replace("NumberOfBuffers = 10000", "NumberOfBuffers = 340000").replace(
        "MaxDirtyBuffers = 6000", "MaxDirtyBuffers = 250000").replace("ThreadsPerQuery = 2", "ThreadsPerQuery = 2\n"
                                                                      "MaxSortedTopRows = 100000")
    proc, url = virtuoso_process(folder, ini, timeout=180)
    return proc, {"name": "virtuoso", "query": url + "/sparql", "update": url + "/sparql-auth",
                  "gsp": url + "/sparql-graph-crud-auth",
                  "env": {"PUBLISHER_STORE_USER": VIRTUOSO_USER, "PUBLISHER_STORE_PASSWORD": VIRTUOSO_PASSWORD}}


def push(root: Path, engine: dict) -> float:
    started = time.monotonic()
    result = subprocess.run([str(BIN / "publisher"), "--root", str(root), "--base-iri", BASE, "--build-dir",
                    str(root / "build"), "push", "--graph-store", engine["gsp"], "--query-endpoint", engine["query"],
                    "--update-endpoint", engine["update"], "--grace", "0"],
                   env={**os.environ, **engine["env"]}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode:
        sys.exit(f"push into {engine['name']} failed: {result.stderr[-2000:]}")
    return time.monotonic() - started


def start_publisher(root: Path, store: str = "", env: dict | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    # The per-client budget off: every request of the benchmark comes from one client.
    environment = {**os.environ, "PUBLISHER_BASE_IRI": BASE, "PUBLISHER_QUERY_TIMEOUT": "60",
                   "PUBLISHER_QUERY_MAX_ROWS": "100000", "PUBLISHER_QUERY_BUDGET_SECONDS": "0", **(env or {})}
    if store:
        environment["PUBLISHER_STORE"] = store
    log = open(root / f"serve-{port}.log", "w")  # noqa: SIM115 (open while the server runs)
    proc = subprocess.Popen([str(BIN / "publisher"), "--root", str(root), "--build-dir", str(root / "build"),
                             "serve", "--port", str(port)], env=environment, stdout=log, stderr=subprocess.STDOUT)
    # A cheap page: at 1M the home page's overview takes minutes through an external store.
    wait_for(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", timeout=300)
    return proc, port


def sparql(port: int, path: str, query: str, duration: float, clients: int, cold: bool,
           dataset: tuple[str, ...] = ()) -> load.Result:
    accept = "text/turtle" if ("DESCRIBE" in query or "CONSTRUCT" in query) else "application/sparql-results+json"
    headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
    texts = [f"{query}\n# {i}" for i in range(VARIANTS)] if cold else [query]
    reqs = [load.Request(path, headers, "POST", urlencode([("query", t), *(("default-graph-uri", g) for g in dataset)]))
            for t in texts]
    warm = [("query", query), *(("default-graph-uri", g) for g in dataset)]
    requests.post(f"http://127.0.0.1:{port}{path}", data=warm, headers={"Accept": accept}, timeout=300)
    return load.run(port, reqs, duration, connections=clients)


def paired(publisher: int, engine: dict, dataset: tuple[str, ...], query: str, pairs: int) -> tuple[float, float]:
    """Median seconds of one query through the seam and straight to the engine, one request at a time,
    alternating (a distinct text each time): on a shared machine, both see the same moments of load."""
    url = urlsplit(engine["query"])
    targets = (f"http://127.0.0.1:{publisher}/sparql", [], f"http://{url.netloc}{url.path}",
               [("default-graph-uri", g) for g in dataset])
    times: tuple[list[float], list[float]] = ([], [])
    session = requests.Session()
    for i in range(pairs + 1):
        for k in (0, 1):
            started = time.monotonic()
            response = session.post(targets[2 * k], data=[("query", f"{query}\n# pair {i} {time.time()}"),
                                                           *targets[2 * k + 1]],
                                    headers={"Accept": "application/sparql-results+json"}, timeout=300)
            response.raise_for_status()
            if i:  # the first pair warms both up
                times[k].append(time.monotonic() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--resources", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-stores"))
    parser.add_argument("--engines", nargs="+", choices=("oxigraph", "virtuoso"), default=["oxigraph", "virtuoso"],
                        help="external engines to start (at 1M, pushing into both takes long)")
    parser.add_argument("--no-embedded", action="store_true", help="skip the publisher on its embedded store")
    parser.add_argument("--no-linked-data", action="store_true", help="skip the Linked Data passes")
    parser.add_argument("--keep", type=Path, help="keep the engines' databases here (a rerun's push then finds the "
                        "release loaded and uploads nothing; its push time is not a load time)")
    parser.add_argument("--pairs", type=int, default=0, help="also compare the aggregates through --store with "
                        "the engine direct, this many alternating requests each (0: not)")
    parser.add_argument("--queries", nargs="*", choices=tuple(MIX), default=list(MIX), help="part of the SPARQL mix")
    args = parser.parse_args()
    if not VIRTUOSO:
        sys.exit("virtuoso-t is missing: apt-get install virtuoso-opensource")
    args.workdir.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        root = prepare(size, args.workdir)
        release = Release.open(root / "build" / "current")
        union = (sg.union_graph(BASE, release.id),)  # the default graph the publisher reads
        tmp = args.keep / str(size) if args.keep else Path(tempfile.mkdtemp(prefix="bench-stores-"))
        procs: list[subprocess.Popen] = []
        try:
            engines = []
            for name, start in (("oxigraph", start_oxigraph), ("virtuoso", start_virtuoso)):
                if name in args.engines:
                    (tmp / name).mkdir(parents=True, exist_ok=True)
                    proc, engine = start(tmp / name)
                    procs.append(proc)
                    engines.append(engine)
            triples = release.manifest["quads"]
            print(f"\n## {triples} triples ({size} asked)\n")
            print("| push into | seconds | triples/s |\n|---|---:|---:|")
            for engine in engines:
                seconds = push(root, engine)
                print(f"| {engine['name']} | {seconds:.1f} | {triples / seconds:,.0f} |", flush=True)
            servers = {}
            publishers = [] if args.no_embedded else [("embedded", "", {})]
            publishers += [(f"--store {e['name']}", e["query"], e["env"]) for e in engines]
            for name, store, env in publishers:
                proc, port = start_publisher(root, store, env)
                procs.append(proc)
                servers[name] = port
            resources = sample_resources(root, args.resources)
            paths = [("/" + iri[len(BASE):], {"Accept": "text/turtle"}) for iri in resources]
            if not args.no_linked_data:
                print("\n| Linked Data (Turtle) | cold pass req/s | cached req/s (wrk) |\n|---|---:|---:|")
            for name, port in ({} if args.no_linked_data else servers).items():
                cold_rate, _, errors = ld_run(port, paths, 0, 2, warm=True)
                cached = load.run(port, [load.Request(p, h) for p, h in paths], args.duration, connections=8)
                flag = f" (errors {errors + cached.errors})" if errors + cached.errors else ""
                print(f"| {name} | {cold_rate:,.0f} | {cached.rate:,.0f}{flag} |", flush=True)
            if args.queries:
                print("\n| SPARQL q/s | " + " | ".join(f"{n} cold | {n} cached" for n in servers)
                      + "".join(f" | {e['name']} direct" for e in engines) + " |")
                print("|---|" + "---:|" * (2 * len(servers) + len(engines)))
            for qname in args.queries:
                body = MIX[qname]
                query = PREFIXES + body
                cells = []
                for port in servers.values():
                    cold = sparql(port, "/sparql", query, args.duration, args.clients, True)
                    cached = sparql(port, "/sparql", query, args.duration, args.clients, False)
                    cells += [f"{cold.rate:,.1f}" + ("!" if cold.errors else ""), f"{cached.rate:,.0f}"]
                for engine in engines:
                    url = urlsplit(engine["query"])
                    port, path = int(url.port or 80), url.path
                    direct = sparql(port, path, query, args.duration, args.clients, True, union)
                    cells.append(f"{direct.rate:,.1f}" + ("!" if direct.errors else ""))
                print(f"| {qname} | " + " | ".join(cells) + " |", flush=True)
            if args.pairs:
                print(f"\n| aggregate, {args.pairs} alternating requests | engine | --store median ms "
                      "| direct median ms | --store / direct |\n|---|---|---:|---:|---:|")
                for engine in engines:
                    for qname, body in AGGREGATES.items():
                        ours, direct = paired(servers[f"--store {engine['name']}"], engine, union, PREFIXES + body,
                                              args.pairs)
                        print(f"| {qname} | {engine['name']} | {ours * 1000:,.1f} | {direct * 1000:,.1f} | "
                              f"{ours / direct:.2f} |", flush=True)
        finally:
            for proc in reversed(procs):
                stop_server(proc, timeout=20)
            if not args.keep:
                shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
