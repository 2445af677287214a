"""Large-key probes against the real server: does the web processes' memory stay bounded?

The probes of issue 9: 150 POSTs to ``/sparql`` with 0.9 MB bodies that have tiny answers, then 2,000 GETs
of 30 KB paths that do not exist (404). Before the fix every one of them became a cache entry keyed by the
whole body or path (+140 MB and +245 MB). Prints the resident memory (VmRSS) of the server's web processes
(the granian workers, without the query workers) before and after. Loopback only; bounded request counts.

    .venv/bin/python bench/bench_cache_memory.py
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_slow_clients import free_port, start_server, wait_for  # noqa: E402
from publisher.core.config import Config  # noqa: E402

WEB_PROCESSES = Config().workers


QUERY_HEADERS = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}


def rss_of_web_processes(server_pid: int) -> int:
    """Bytes of VmRSS summed over the server's direct children (granian's workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(server_pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    return total


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=150)
    parser.add_argument("--gets", type=int, default=2000)
    args = parser.parse_args()
    body = b"ASK {}\n#" + b"x" * 900_000
    statuses: dict[str, dict[int, int]] = {"post": {}, "get": {}}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PUBLISHER_BUILD_DIR": str(Path(tmp) / "build"), "PUBLISHER_ROOT": str(REPO)}
        port = free_port()
        server = start_server(env, port)
        try:
            wait_for(port, timeout=180)
            for _ in range(20):  # warm up: the pages and one query, so that start-up costs are not counted
                request(port, "GET", "/id/organization/adfc")
            before = rss_of_web_processes(server.pid)
            for _ in range(args.posts):
                status = request(port, "POST", "/sparql", body, QUERY_HEADERS)
                statuses["post"][status] = statuses["post"].get(status, 0) + 1
            after_posts = rss_of_web_processes(server.pid)
            for n in range(args.gets):
                status = request(port, "GET", f"/id/missing-{n}-" + "y" * 30_000)
                statuses["get"][status] = statuses["get"].get(status, 0) + 1
            after_gets = rss_of_web_processes(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
    mib = 1024 * 1024
    print(f"{WEB_PROCESSES} web processes; RSS before: {before / mib:.1f} MiB")
    print(f"after {args.posts} POSTs of 0.9 MB {statuses['post']}: {after_posts / mib:.1f} MiB "
          f"(+{(after_posts - before) / mib:.1f})")
    print(f"after {args.gets} GETs of 30 KB paths {statuses['get']}: {after_gets / mib:.1f} MiB "
          f"(+{(after_gets - before) / mib:.1f} in all)")
    per_process = max(after_posts, after_gets) - before
    print(f"largest growth per web process: {per_process / WEB_PROCESSES / mib:.1f} MiB; under 64 MiB:",
          "yes" if per_process / WEB_PROCESSES < 64 * mib else "NO")


if __name__ == "__main__":
    main()
