"""How much slower a piece of the seam's Python runs right after the process was idle (a benchmark, not a test).

In ``bench_stores.py`` the publisher idles while the client waits for the engine queried directly, and then
does all of a query's work at once; on a VM whose cores halt when idle, that work runs several times slower
than the same work repeated back to back. This prints both: a form parse (werkzeug) and the syntax check
(pyoxigraph) of the benchmark's aggregate, 300 times back to back and 300 times each after a 7 ms sleep.

    .venv/bin/python bench/idle_penalty.py
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_stores import AGGREGATES, PREFIXES  # noqa: E402

QUERY = PREFIXES + AGGREGATES["triples-per-type"]
EMPTY = ox.Store()
BASE = EnvironBuilder(path="/sparql", method="POST", data={"query": "x"}).get_environ()


def work(i: int) -> None:
    body = urlencode({"query": f"{QUERY}\n# {i}"}).encode()
    environ = {**BASE, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    EMPTY.query(Request(environ).form["query"])


def median_us(pause: float) -> float:
    times = []
    for i in range(300):
        if pause:
            time.sleep(pause)
        started = time.perf_counter()
        work(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


if __name__ == "__main__":
    median_us(0)  # warm up
    print(f"back to back:          {median_us(0):7.1f} µs")
    print(f"after a 7 ms sleep:    {median_us(0.007):7.1f} µs")
    print(f"back to back again:    {median_us(0):7.1f} µs")
