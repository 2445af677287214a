"""A pool of query worker processes with a time limit that really stops the work.

Each request takes an idle worker (waiting at most the time limit: else 503 "busy"), sends it the query
and waits at most the time limit for the answer. A worker that overruns is killed (SIGKILL: the
evaluation stops at once and its memory is freed) and replaced by a fresh one in the background; the
client gets 504. Workers are started once and reused; every job names the release's store, so a worker
reopens the store when ``build/current`` moves to a new release.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from pathlib import Path

from publisher.serve.store.base import (
    QueryBusy,
    QueryError,
    QueryFailed,
    QueryRequest,
    QueryResult,
    QueryTimeout,
)
from publisher.serve.store.embedded import EmbeddedStore
from publisher.serve.store.worker import main as worker_main

log = logging.getLogger(__name__)

# Spawned, not forked: the web server is multi-threaded, and a fork copies locks held by other threads.
_CONTEXT = multiprocessing.get_context("spawn")
STARTUP_TIMEOUT = 60.0


class _Worker:
    def __init__(self) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=worker_main, args=(child,), daemon=True, name="sparql-worker")
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.conn.close()
        self.process.join(5)


class QueryPool:
    def __init__(self, size: int, timeout: float) -> None:
        self.size = max(1, size)
        self.timeout = timeout
        self.network_isolated: bool | None = None
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        # One long-lived thread starts every worker: a worker asks the kernel to kill it when the thread
        # that started it ends (so none outlives the server), which rules out short-lived starter threads.
        self._to_start: queue.Queue[None] = queue.Queue()
        threading.Thread(target=self._starter, daemon=True, name="sparql-worker-starter").start()
        for _ in range(self.size):
            self._start()

    def _start(self) -> None:
        """Ask for one more worker; it joins the idle queue once it says it is ready."""
        self._to_start.put(None)

    def _starter(self) -> None:
        while not self._closed:
            self._to_start.get()
            if not self._closed:
                self._start_one()

    def _start_one(self) -> None:
        worker = _Worker()
        with self._lock:
            self._workers.add(worker)
        try:
            if not worker.conn.poll(STARTUP_TIMEOUT):
                raise TimeoutError("worker did not start")
            _, isolated = worker.conn.recv()
        except (OSError, EOFError, TimeoutError) as exc:
            if self._closed:
                return
            log.error("a query worker failed to start (%r); retrying", exc)
            self._discard(worker)
            time.sleep(1)
            self._start()
            return
        if not isolated and self.network_isolated is None:
            log.warning("query workers run without network isolation (the kernel refused a network "
                        "namespace); SERVICE is still refused before evaluation")
        self.network_isolated = isolated
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        # Kill first, so the runaway evaluation stops now; start its successor without making the client wait.
        self._discard(worker)
        if not self._closed:
            self._start()

    def run(self, store_path: Path | str, request: QueryRequest) -> QueryResult:
        """Answer ``request`` on the store at ``store_path``; raises a ``QueryError`` subclass."""
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryBusy("All query workers are busy with other queries; please try again shortly.") from None
        try:
            worker.conn.send((str(store_path), request))
            if not worker.conn.poll(self.timeout):
                self._replace(worker)
                raise QueryTimeout(f"The query did not finish within the time limit of {self.timeout:g} seconds "
                                   f"and was stopped. Simplify it or add a LIMIT.")
            status, payload = worker.conn.recv()
        except QueryError:
            raise
        except (OSError, EOFError):
            self._replace(worker)
            raise QueryFailed("The query engine stopped while evaluating this query.") from None
        self._idle.put(worker)
        if status == "error":
            raise payload
        return payload

    def close(self) -> None:
        self._closed = True
        self._to_start.put(None)  # wake the starter so that it ends
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.kill()


class PooledStore:
    """The store seam for the web layer: user queries through the pool of killable workers."""

    def __init__(self, pool: QueryPool, embedded: EmbeddedStore) -> None:
        self.pool = pool
        self.embedded = embedded

    def run(self, request: QueryRequest) -> QueryResult:
        return self.pool.run(self.embedded.path, request)
