"""A pool of query worker processes with a time limit that really stops the work, and its admission.

Admission, per server process: at most ``max_pending`` requests may be inside the pool at once (waiting or
running; the rest get 503 at once), so that SPARQL never takes every thread Linked Data pages need; a
request waits at most ``queue_wait`` for an idle worker (else 503 "busy" with ``Retry-After``).

A request sends its worker the query and waits at most the time limit for the answer. A worker that
overruns is killed (SIGKILL: the evaluation stops at once and its memory is freed) and replaced by a fresh
one in the background; the client gets 504. A worker that dies by itself (a crash, the memory limit) is a
``QueryCrashed`` (502); its successor is started after a delay that doubles with each crash in a row
(``backoff``), so a query that kills workers cannot keep the machine busy restarting them. Workers are
started once and reused; every job names the release's store, so a worker reopens the store when
``build/current`` moves to a new release.

``QueryBudget`` is the per-client ledger of query time (seconds of evaluation per window).
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from cachetools import TTLCache

from publisher.serve.store.base import (
    QueryBusy,
    QueryCrashed,
    QueryError,
    QueryOverBudget,
    QueryRequest,
    QueryResult,
    QueryTimeout,
)
from publisher.serve.store.embedded import EmbeddedStore
from publisher.serve.store.guard import check_query
from publisher.serve.store.worker import main as worker_main

log = logging.getLogger(__name__)

# Spawned, not forked: the web server is multi-threaded, and a fork copies locks held by other threads.
_CONTEXT = multiprocessing.get_context("spawn")
STARTUP_TIMEOUT = 60.0
BUSY_MESSAGE = "All query workers are busy with other queries; please try again shortly."
#: Restart delays after crashes in a row: 0 for the first, then 0.5 s doubling up to 30 s.
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0


def backoff(crashes_in_a_row: int) -> float:
    """Seconds to wait before starting the successor of a worker that crashed."""
    if crashes_in_a_row <= 1:
        return 0.0
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (crashes_in_a_row - 2))


def describe_exit(code: int | None) -> str:
    """``SIGSEGV``, ``exit 1`` …: how a worker process ended, for the log."""
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit {code}"


class _Worker:
    def __init__(self, max_memory: int) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=worker_main, args=(child, max_memory), daemon=True,
                                        name="sparql-worker")
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.conn.close()
        self.process.join(5)


class QueryPool:
    def __init__(self, size: int, timeout: float, *, queue_wait: float = 1.0, max_pending: int | None = None,
                 max_memory: int = 0) -> None:
        self.size = max(1, size)
        self.timeout = timeout
        self.queue_wait = min(queue_wait, timeout)
        self.max_memory = max_memory
        self.network_isolated: bool | None = None
        self.crashes_in_a_row = 0
        self._started = threading.Event()  # set once the first worker is ready
        self._slots = threading.BoundedSemaphore(max(1, max_pending or 2 * self.size))
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        # One long-lived thread starts every worker: a worker asks the kernel to kill it when the thread
        # that started it ends (so none outlives the server), which rules out short-lived starter threads.
        self._to_start: queue.Queue[float] = queue.Queue()
        threading.Thread(target=self._starter, daemon=True, name="sparql-worker-starter").start()
        for _ in range(self.size):
            self._start()

    def _start(self, delay: float = 0.0) -> None:
        """Ask for one more worker (after ``delay`` seconds); it joins the idle queue once it is ready."""
        self._to_start.put(time.monotonic() + delay)

    def _starter(self) -> None:
        while not self._closed:
            not_before = self._to_start.get()
            wait = not_before - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not self._closed:
                self._start_one()

    def _start_one(self) -> None:
        worker = _Worker(self.max_memory)
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
            self._start(delay=1.0)
            return
        if not isolated and self.network_isolated is None:
            log.warning("query workers run without network isolation (the kernel refused a network "
                        "namespace); SERVICE is still refused before evaluation")
        self.network_isolated = isolated
        self._idle.put(worker)
        self._started.set()

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker, delay: float = 0.0) -> None:
        # Kill first, so the runaway evaluation stops now; start its successor without making the client wait.
        self._discard(worker)
        if not self._closed:
            self._start(delay)

    def run(self, store_path: Path | str, request: QueryRequest,
            charge: Callable[[float], None] | None = None) -> QueryResult:
        """Answer ``request`` on the store at ``store_path``; raises a ``QueryError`` subclass.

        ``charge`` is called with the seconds a worker spent on the request (for the client's budget).
        """
        if not self._slots.acquire(blocking=False):
            raise QueryBusy(BUSY_MESSAGE)
        # Right after start-up the first workers are still being spawned: that is no reason to answer 503.
        self._started.wait(self.timeout)
        try:
            try:
                worker = self._idle.get(timeout=self.queue_wait)
            except queue.Empty:
                raise QueryBusy(BUSY_MESSAGE) from None
            started = time.monotonic()
            try:
                return self._run_on(worker, store_path, request)
            finally:
                if charge is not None:
                    charge(time.monotonic() - started)
        finally:
            self._slots.release()

    def _run_on(self, worker: _Worker, store_path: Path | str, request: QueryRequest) -> QueryResult:
        try:
            worker.conn.send((str(store_path), request))
            if not worker.conn.poll(self.timeout):
                self._replace(worker)
                raise QueryTimeout.after(self.timeout)
            status, payload = worker.conn.recv()
        except QueryError:
            raise
        except (OSError, EOFError):
            worker.process.join(1)
            how = describe_exit(worker.process.exitcode)
            with self._lock:
                self.crashes_in_a_row += 1
                delay = backoff(self.crashes_in_a_row)
            self._replace(worker, delay)
            raise QueryCrashed("The query engine stopped while evaluating this query (it crashed or exceeded "
                               "the memory limit); the query was not answered.", detail=how) from None
        with self._lock:
            self.crashes_in_a_row = 0
        self._idle.put(worker)
        if status == "error":
            raise payload
        return payload

    def close(self) -> None:
        self._closed = True
        self._to_start.put(0.0)  # wake the starter so that it ends
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.kill()


class QueryBudget:
    """Seconds of query time each client may use per window (per server process), like WDQS's budget.

    The ledger holds, per client key, the charges of the current window merged into at most ``BUCKETS``
    buckets ([first, last, seconds]; a bucket leaves the window with its last charge, which only ever errs
    towards refusing), so a busy client costs the same few operations per request as an idle one: one entry
    per request made every check O(requests in the window) — 50,000 at 1,000 q/s and a minute's window.
    It is a ``TTLCache`` bounded in entries, so a flood of client addresses cannot grow it without limit (an
    evicted client starts afresh, which only ever errs towards answering).
    """

    BUCKETS = 50

    def __init__(self, seconds: float, window: float, max_clients: int = 10_000) -> None:
        self.seconds = seconds
        self.window = window
        self.resolution = window / self.BUCKETS
        self._ledger: TTLCache[str, deque[list[float]]] = TTLCache(max_clients, ttl=max(window, 1.0))
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[list[float]]:
        """The client's buckets still inside the window (the expired ones are dropped)."""
        charges = self._ledger.get(client)
        if charges is None:
            return deque()
        while charges and charges[0][1] <= now - self.window:
            charges.popleft()
        return charges

    def check(self, client: str) -> None:
        """Raise ``QueryOverBudget`` (429) when ``client`` has used its query time for the window."""
        if self.seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            charges = [(last, seconds) for _, last, seconds in self._recent(client, now)]
        spent = sum(s for _, s in charges)
        if spent < self.seconds:
            return
        # Wait until enough of the oldest charges leave the window for the client to be under budget again.
        retry = self.window
        for at, seconds in charges:
            spent -= seconds
            if spent < self.seconds:
                retry = at + self.window - now
                break
        raise QueryOverBudget(
            f"This client used its query time ({self.seconds:g} seconds of evaluation per {self.window:g} "
            f"seconds); please wait before sending more queries.", retry_after=max(1, math.ceil(retry)))

    def charge(self, client: str, seconds: float) -> None:
        if self.seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            charges = self._recent(client, now)
            if charges and now - charges[-1][0] < self.resolution:
                charges[-1][1] = now
                charges[-1][2] += seconds
            else:
                charges.append([now, now, seconds])
            self._ledger[client] = charges


class PooledStore:
    """The store seam for the web layer: the guard, the client's budget, then the pool of killable workers."""

    def __init__(self, pool: QueryPool, embedded: EmbeddedStore, *, budget: QueryBudget | None = None,
                 max_depth: int | None = None) -> None:
        self.pool = pool
        self.embedded = embedded
        self.budget = budget
        self.max_depth = max_depth

    def run(self, request: QueryRequest, client: str = "") -> QueryResult:
        if self.budget is not None:
            self.budget.check(client)
        check_query(request.query, self.max_depth)
        charge = (lambda seconds: self.budget.charge(client, seconds)) if self.budget is not None else None
        return self.pool.run(self.embedded.path, request, charge)
