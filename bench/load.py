"""The load generator both benchmarks use: ``wrk`` (Debian's package), driven by a generated Lua script.

A Python client spends more time parsing responses than a fast server spends writing them, and then
measures itself; wrk is C, so the figures are the servers'. Requests cycle through a list of
(method, path, headers, body); every non-2xx/3xx answer counts as an error.

    sudo apt-get install wrk
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    method: str = "GET"
    body: str | None = None


@dataclass(frozen=True)
class Result:
    requests: int
    rate: float  # requests per second
    median_ms: float
    p95_ms: float
    errors: int


# Requests are formatted in init(): before it, wrk has not set the Host header, and a server that
# follows HTTP/1.1 strictly (oxigraph) rejects every request without one.
LUA = """
local reqs = {}
init = function(args)
%s
end
local i = 0
request = function()
  i = i %% #reqs + 1
  return reqs[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%f %%f %%f %%d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""


def _lua_string(text: str) -> str:
    # A JSON string literal (UTF-8 kept as bytes) is a valid Lua string literal.
    return json.dumps(text, ensure_ascii=False)


def run(port: int, requests: list[Request], seconds: float, connections: int = 8, threads: int = 1) -> Result:
    """Load ``127.0.0.1:port`` with ``requests`` for ``seconds``; wrk must be installed."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: sudo apt-get install wrk")
    lines = []
    for n, r in enumerate(requests, 1):
        headers = "{" + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r.headers.items()) + "}"
        body = _lua_string(r.body) if r.body is not None else "nil"
        lines.append(f"reqs[{n}] = wrk.format({_lua_string(r.method)}, {_lua_string(r.path)}, {headers}, {body})")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % "\n".join(lines))
        script = Path(f.name)
    try:
        out = subprocess.run([wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
                              "--timeout", "120s", "-s", str(script), f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, check=True).stdout
    finally:
        script.unlink()
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    count, duration, median, p95, errors = line.split()[1:]
    return Result(int(count), int(count) / float(duration), float(median), float(p95), int(errors))
