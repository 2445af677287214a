"""Real external SPARQL stores on loopback for the push and ``--store`` tests: ``oxigraph serve`` (PyPI) and
Virtuoso (Debian's ``virtuoso-opensource``, skipped with a reason where it is not installed).

Each engine is described by an ``Engine``: its endpoints, the credentials a push needs (given to the
publisher through the environment only) and a ``clear`` that deletes the publisher's graphs between tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port, stop_server, wait_for

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
VIRTUOSO = shutil.which("virtuoso-t")
VIRTUOSO_SKIP = ("virtuoso-t is not installed (Debian's virtuoso-opensource; tools/install-test-dependencies.sh "
                 "installs it where apt can)")


@dataclass
class Engine:
    name: str
    query: str
    update: str
    graph_store: str
    env: dict[str, str] = field(default_factory=dict)
    auth: object = None

    def push_args(self) -> list[str]:
        return ["--graph-store", self.graph_store, "--query-endpoint", self.query, "--update-endpoint", self.update]

    def select(self, query: str) -> list[dict]:
        response = requests.post(self.query, data={"query": query},
                                 headers={"Accept": "application/sparql-results+json"}, timeout=60)
        response.raise_for_status()
        return response.json()["results"]["bindings"]

    def counts(self, prefix: str) -> dict[str, int]:
        """Triples per graph whose IRI starts with ``prefix``."""
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                           f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }} GROUP BY ?g')
        return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}

    def clear(self, prefix: str) -> None:
        for graph in self.counts(prefix):
            requests.post(self.update, data={"update": f"DROP SILENT GRAPH <{graph}>"}, auth=self.auth,
                          timeout=60).raise_for_status()


def start_oxigraph() -> tuple[subprocess.Popen, Engine]:
    port = free_port()
    # Oxigraph takes no timeout per request: its server-wide one stops what the publisher gave up on.
    proc = subprocess.Popen([str(OXIGRAPH), "serve", "--bind", f"127.0.0.1:{port}", "--timeout-s", "10"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/query?query=ASK%7B%7D")
    except RuntimeError:
        proc.kill()
        raise
    return proc, Engine("oxigraph", url + "/query", url + "/update", url + "/store")


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 40
ServerThreads = 40
MaxKeepAlives = 40
KeepAliveTimeout = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""
# The Debian package creates the database with the default administrator; only loopback can reach it.
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"


@dataclass
class VirtuosoServer:
    proc: subprocess.Popen
    folder: Path
    engine: Engine


def virtuoso_process(folder: Path, ini: str = VIRTUOSO_INI, timeout: float = 120) -> tuple[subprocess.Popen, str]:
    """``virtuoso-t`` in the foreground on a database in ``folder``, configured by ``ini`` (with ``{d}``,
    ``{http_port}``, ``{sql_port}`` to fill in), once its SPARQL endpoint answers: the process and its URL.
    The tests and ``bench/bench_stores.py`` (bigger buffers) start it the same way."""
    http_port, sql_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(ini.format(d=folder, http_port=http_port, sql_port=sql_port))
    proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError(f"virtuoso did not start within {timeout:g} s")
    if proc.poll() is not None:
        raise RuntimeError(f"virtuoso stopped at start: {(folder / 'virtuoso.log').read_text()[-2000:]}")
    return proc, url


def start_virtuoso() -> VirtuosoServer:
    """``virtuoso-t`` with a fresh database in a temporary folder (about 15 s)."""
    if not VIRTUOSO:
        pytest.skip(VIRTUOSO_SKIP)
    folder = Path(tempfile.mkdtemp(prefix="virtuoso-"))
    proc, url = virtuoso_process(folder)
    auth = requests.auth.HTTPDigestAuth(VIRTUOSO_USER, VIRTUOSO_PASSWORD)
    engine = Engine("virtuoso", url + "/sparql", url + "/sparql-auth", url + "/sparql-graph-crud-auth",
                    {"PUBLISHER_STORE_USER": VIRTUOSO_USER, "PUBLISHER_STORE_PASSWORD": VIRTUOSO_PASSWORD}, auth)
    return VirtuosoServer(proc, folder, engine)


def stop_virtuoso(server: VirtuosoServer) -> None:
    stop_server(server.proc)
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def virtuoso_server() -> Iterator[Engine]:
    server = start_virtuoso()
    try:
        yield server.engine
    finally:
        stop_virtuoso(server)


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[Engine]:
    proc, engine = start_oxigraph()
    try:
        yield engine
    finally:
        stop_server(proc)


def env_without_credentials() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_STORE_")}
