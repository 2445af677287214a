"""Benchmark (not a test): can one client with heavy queries starve the Linked Data pages? (issue 9)

Builds the shipped data into a temporary folder, starts a real ``publisher serve`` on loopback with the
default settings (2 processes × 4 threads, 2 query workers each; the result cache off, so that every
heavy query is evaluated), then for DURATION seconds:

- HEAVY clients (threads of a separate process, all from 127.0.0.1) loop a 3-way cross join with
  ``COUNT(*)`` without pause, whatever the answer (200, 504, 503 or 429);
- one probe fetches the Linked Data page ``/id/organization/adfc`` every 0.1 s, another sends a light
  ``ASK`` every 0.25 s; both record latency and status.

It prints one table: latency p50/p95/max and statuses for each. Targets: LD p95 ≤ 100 ms; the light
query answered or refused (503/429) within 1 s.

    .venv/bin/python bench/bench_query_abuse.py --duration 15 --clients 12
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from publisher.build import build  # noqa: E402
from publisher.core.config import Config  # noqa: E402
from tests.conftest import TEST_BASE_IRI, start_server, stop_server  # noqa: E402

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LIGHT = f"ASK {{ <{TEST_BASE_IRI}id/event/zeltdorf-2023> ?p ?o }}"
PAGE = "/id/organization/adfc"


def _heavy_clients(url: str, clients: int, duration: float, out) -> None:
    """Runs in its own process, so that the heavy clients' Python does not slow down the probes."""
    statuses: collections.Counter = collections.Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def loop() -> None:
        session = requests.Session()
        while time.monotonic() < deadline:
            try:
                status = session.post(f"{url}/sparql", data={"query": HEAVY}, timeout=30).status_code
            except requests.RequestException:
                status = "error"
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.send(dict(statuses))


def _probe(fetch, interval: float, duration: float, samples: list) -> None:
    session = requests.Session()
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            status = fetch(session).status_code
        except requests.RequestException:
            status = "timeout"
        samples.append((time.monotonic() - started, status))
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


def _drain(proc, events: collections.Counter) -> None:
    for line in proc.stdout:
        if line.startswith("event="):
            events[line.split()[0].removeprefix("event=")] += 1


def _row(name: str, samples: list) -> str:
    if not samples:
        return f"| {name} | – | – | – | – | no samples |"
    times = sorted(s for s, _ in samples)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    statuses = collections.Counter(status for _, status in samples)
    return (f"| {name} | {len(times)} | {statistics.median(times) * 1000:.0f} | {p95 * 1000:.0f} | "
            f"{times[-1] * 1000:.0f} | {', '.join(f'{k}: {v}' for k, v in sorted(statuses.items(), key=str))} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load (default 15)")
    parser.add_argument("--clients", type=int, default=12, help="concurrent heavy clients (default 12)")
    args = parser.parse_args()
    duration = min(args.duration, 120.0)  # bounded whatever is asked
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as tmp:
        config = Config.load(root=REPO, base_iri=TEST_BASE_IRI, build_dir=Path(tmp) / "builds")
        build(config)
        proc, url = start_server(config, {"PUBLISHER_QUERY_CACHE": "false"})
        events: collections.Counter = collections.Counter()
        # The server's log goes to a pipe: read it all the time (a full pipe would stall the server) and
        # count the operator's lines by event.
        threading.Thread(target=_drain, args=(proc, events), daemon=True).start()
        try:
            requests.post(f"{url}/sparql", data={"query": LIGHT}, timeout=30)  # start the workers
            time.sleep(2)
            quiet: list = []
            _probe(lambda s: s.get(url + PAGE, headers={"Accept": "text/html"}, timeout=10), 0.05, 2.0, quiet)
            parent, child = multiprocessing.get_context("spawn").Pipe()
            heavy = multiprocessing.get_context("spawn").Process(target=_heavy_clients,
                                                                 args=(url, args.clients, duration, child))
            heavy.start()
            time.sleep(0.5)
            page: list = []
            light: list = []
            probes = [
                threading.Thread(target=_probe, args=(
                    lambda s: s.get(url + PAGE, headers={"Accept": "text/html"}, timeout=10), 0.1, duration - 1,
                    page)),
                threading.Thread(target=_probe, args=(
                    lambda s: s.post(f"{url}/sparql", data={"query": LIGHT}, timeout=10), 0.25, duration - 1,
                    light)),
            ]
            for t in probes:
                t.start()
            for t in probes:
                t.join()
            heavy_statuses = parent.recv() if parent.poll(duration + 60) else {}
            heavy.join(30)
        finally:
            stop_server(proc)
    print(f"\n{args.clients} heavy clients for {duration:g} s from one address (default settings, result cache off)")
    print(f"heavy query answers: {heavy_statuses}")
    print(f"server log lines (publisher.sparql) by event: {dict(events)}\n")
    print("| probe | n | p50 ms | p95 ms | max ms | statuses |")
    print("|---|---|---|---|---|---|")
    print(_row("LD page, no load", quiet))
    print(_row("LD page under load", page))
    print(_row("light ASK under load", light))


if __name__ == "__main__":
    main()
