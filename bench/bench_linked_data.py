"""Dereferencing throughput and latency: this server (Turtle, JSON-LD, HTML) beside ``oxigraph serve``.

Builds (once) a synthetic dataset of the office's shape, starts ``publisher serve`` (granian) and
``oxigraph serve-read-only`` over the same release store, and sends both the same resources with the
same load: ``wrk`` (bench/load.py) with concurrent keep-alive connections, loopback only. Oxigraph answers
``DESCRIBE <iri>`` (its own description: the resource's triples) as Turtle; this server answers the
resource IRI with its full description (triples, labels of links, incoming links).

Each scenario runs a warm-up pass over every sampled resource first (the server renders each
representation once per release and keeps it) with a Python client and reports that pass as "cold",
then measures for ``--seconds`` with wrk. Prints one table; copy it into BENCHMARKS.md.

    .venv/bin/python bench/bench_linked_data.py --triples 10000
    .venv/bin/python bench/bench_linked_data.py --triples 1000000 --seconds 15
"""

from __future__ import annotations

import argparse
import csv
import http.client
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import load  # noqa: E402

BASE = "http://localhost:8080/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, path: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}")


def ensure_dataset(triples: int, workdir: Path) -> Path:
    root = workdir / f"syn-{triples}"
    if not (root / "build" / "current" / "manifest.json").exists():
        shutil.rmtree(root, ignore_errors=True)
        started = time.monotonic()
        subprocess.run([sys.executable, str(REPO / "bench" / "synthetic.py"), "--triples", str(triples),
                        "--out", str(root)], check=True)
        print(f"# built {triples} triples in {time.monotonic() - started:.1f}s", flush=True)
    return root


def sample_resources(root: Path, n: int, seed: int = 11) -> list[str]:
    lists = root / "build" / "current" / "lists"
    iris = []
    for kind in ("partners", "events", "alignments"):
        with open(lists / f"{kind}.csv", encoding="utf-8", newline="") as f:
            iris += [row["id"] for row in csv.DictReader(f)]
    random.Random(seed).shuffle(iris)
    return iris[:n]


def run(port: int, requests_: list[tuple[str, dict]], seconds: float, concurrency: int,
        warm: bool) -> tuple[float, list[float], int]:
    """(throughput per second, latencies in ms, errors); ``warm`` = one pass over all requests."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = iter(range(10**12))

    def worker(index: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        bad = 0
        while True:
            i = next(counter)
            if warm and i >= len(requests_):
                break
            if not warm and time.monotonic() >= stop:
                break
            path, headers = requests_[i % len(requests_)]
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return len(latencies) / elapsed, latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ib-bench"))
    parser.add_argument("--resources", type=int, default=500, help="distinct resources requested")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="server processes of publisher serve")
    parser.add_argument("--threads", type=int, default=4, help="threads per server process")
    args = parser.parse_args()

    root = ensure_dataset(args.triples, args.workdir)
    release = (root / "build" / "current").resolve()
    iris = sample_resources(root, args.resources)
    ours, theirs = free_port(), free_port()
    procs = [
        subprocess.Popen([str(REPO / ".venv" / "bin" / "publisher"), "--root", str(root), "--build-dir",
                          str(root / "build"), "--base-iri", BASE, "serve", "--port", str(ours),
                          "--workers", str(args.workers), "--threads", str(args.threads)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([str(REPO / ".venv" / "bin" / "oxigraph"), "serve-read-only", "--location",
                          str(release / "store"), "--bind", f"127.0.0.1:{theirs}", "--union-default-graph"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        wait_for(ours, "/robots.txt")
        wait_for(theirs, "/query?query=ASK%7B%7D")
        scenarios = [
            ("publisher Turtle", ours, [(iri[len(BASE) - 1:], {"Accept": "text/turtle"}) for iri in iris]),
            ("publisher JSON-LD", ours, [(iri[len(BASE) - 1:], {"Accept": "application/ld+json"}) for iri in iris]),
            ("publisher HTML", ours, [(iri[len(BASE) - 1:], {"Accept": "text/html"}) for iri in iris]),
            ("oxigraph DESCRIBE Turtle", theirs,
             [("/query?query=" + quote(f"DESCRIBE <{iri}>"), {"Accept": "text/turtle"}) for iri in iris]),
        ]
        manifest_triples = (release / "manifest.json").read_text()
        triples = int(manifest_triples.split('"triples":')[1].split(",")[0])
        print(f"# {triples} triples, {len(iris)} resources, {args.concurrency} concurrent clients, "
              f"{args.seconds:.0f}s per scenario, publisher serve: {args.workers} processes × {args.threads} threads")
        print("| scenario | cold pass req/s | req/s | median ms | p95 ms | errors |")
        print("|---|---:|---:|---:|---:|---:|")
        results = {}
        for name, port, reqs in scenarios:
            cold, _, cold_errors = run(port, reqs, 0, args.concurrency, warm=True)
            steady = load.run(port, [load.Request(path, headers) for path, headers in reqs], args.seconds,
                              connections=args.concurrency)
            results[name] = steady.rate
            print(f"| {name} | {cold:.0f} | {steady.rate:.0f} | {steady.median_ms:.2f} | {steady.p95_ms:.2f} | "
                  f"{steady.errors + cold_errors} |", flush=True)
        base = results["oxigraph DESCRIBE Turtle"]
        for name in ("publisher Turtle", "publisher JSON-LD", "publisher HTML"):
            print(f"# {name}: {results[name] / base:.2f}× oxigraph's throughput")
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
