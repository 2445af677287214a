"""Slow clients against the real server: does a plain GET still answer while sockets trickle request bodies?

Builds the shipped data into a temporary folder (or uses ``--build-dir``), starts ``publisher serve``
(granian, default processes and threads) on a loopback port, opens ``--sockets`` connections that POST to
``/sparql`` with ``Content-Length: 10000`` and send one byte a second, and meanwhile times plain GETs of a
Linked Data page (each on a fresh connection). Prints the GET latencies (max, p50) and what the slow
sockets got back (408 and a closed connection once ``body_timeout`` has passed). Loopback only; every loop
stops after ``--seconds``.

    .venv/bin/python bench/bench_slow_clients.py --sockets 16 --seconds 15
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PAGE = "/id/organization/adfc"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}")


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    """``publisher serve`` on a loopback port, quiet (the benchmarks print their own figures)."""
    return subprocess.Popen([sys.executable, "-m", "publisher.cli", "serve", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def slow_body(port: int, seconds: float, outcome: list[str]) -> None:
    """One socket: headers at once, then one body byte a second, until answered, closed or out of time."""
    start = time.monotonic()
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 10000\r\n\r\n")
        sock.settimeout(1.0)
        answer = b""
        while time.monotonic() - start < seconds:
            try:
                sock.sendall(b" ")
                data = sock.recv(4096)
                if not data:
                    outcome.append(f"{answer[:12].decode(errors='replace') or 'closed'} after "
                                   f"{time.monotonic() - start:.1f} s")
                    return
                answer += data
            except TimeoutError:
                continue
            except OSError:
                outcome.append(f"{answer[:12].decode(errors='replace') or 'reset'} after "
                               f"{time.monotonic() - start:.1f} s")
                return
        outcome.append(f"still open after {seconds:.0f} s ({answer[:12]!r})")
    except OSError as exc:
        outcome.append(f"error {exc}")
    finally:
        with contextlib.suppress(Exception):
            sock.close()


def timed_gets(port: int, seconds: float, latencies: list[float], failures: list[str]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", PAGE, headers={"Accept": "text/turtle"})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                failures.append(str(response.status))
            latencies.append(time.monotonic() - start)
        except OSError as exc:
            failures.append(type(exc).__name__)
            latencies.append(time.monotonic() - start)
        time.sleep(0.25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--build-dir", type=Path, help="an existing build folder (default: build one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        build_dir = args.build_dir or Path(tmp) / "build"
        env = {**os.environ, "PUBLISHER_BUILD_DIR": str(build_dir), "PUBLISHER_ROOT": str(REPO)}
        port = free_port()
        server = start_server(env, port)
        try:
            wait_for(port, timeout=180)
            outcomes: list[str] = []
            latencies: list[float] = []
            failures: list[str] = []
            slow = [threading.Thread(target=slow_body, args=(port, args.seconds, outcomes))
                    for _ in range(args.sockets)]
            for t in slow:
                t.start()
            time.sleep(1.0)  # every slow socket has sent its headers and holds a request
            timed_gets(port, args.seconds - 2, latencies, failures)
            for t in slow:
                t.join(args.seconds + 10)
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"slow-body sockets: {args.sockets} (Content-Length 10000, 1 byte/s), {args.seconds:.0f} s")
    print(f"GET {PAGE}: {len(latencies)} requests, max {max(latencies) * 1000:.0f} ms, "
          f"p50 {statistics.median(latencies) * 1000:.0f} ms, failures {len(failures)} {sorted(set(failures))}")
    print("within 1 s:", "yes" if latencies and max(latencies) <= 1.0 and not failures else "NO")
    summary: dict[str, int] = {}
    for outcome in outcomes:
        key = outcome.split(" after ")[0]
        summary[key] = summary.get(key, 0) + 1
    print("slow sockets got:", ", ".join(f"{n} × {k!r}" for k, n in sorted(summary.items())),
          "| e.g.", outcomes[0] if outcomes else "-")


if __name__ == "__main__":
    main()
