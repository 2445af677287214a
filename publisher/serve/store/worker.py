"""The query worker: a separate process that opens the release's store read-only and answers queries.

User queries run here, not in the web server, for one reason: pyoxigraph cannot cancel a running query,
so the only way to really stop one that overruns its time is to kill the process evaluating it. The
pool (``pool.py``) does that and starts a fresh worker.

Before it reads anything, a worker also cuts itself off the network where the kernel allows it (a new,
empty network namespace), so that even a query the lexical guard missed could not reach another server,
and asks the kernel to kill it if the web server dies. It also limits its own address space
(``RLIMIT_AS``, ``query_worker_memory``): a query that needs more memory fails or kills the worker, never
the machine; the pool logs that as a crash and starts a fresh worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import resource
import signal
from multiprocessing.connection import Connection

import pyoxigraph as ox

from publisher.serve.store.base import QueryError, QueryFailed
from publisher.serve.store.results import execute

log = logging.getLogger(__name__)

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1


def isolate_network() -> bool:
    """Move this process into an empty network namespace; ``True`` if it worked (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        # Privileged: a new network namespace only; otherwise a user namespace makes it allowed.
        return any(libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))
    except (OSError, AttributeError):
        return False


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def limit_memory(max_bytes: int) -> bool:
    """Cap this process's address space at ``max_bytes`` (0: no cap); ``True`` if the cap is in force."""
    if max_bytes <= 0:
        return False
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError):
        return False
    return True


def main(conn: Connection, max_memory: int = 0) -> None:
    """Serve ``(store_path, QueryRequest)`` messages until the pool closes the pipe."""
    _die_with_parent()
    limit_memory(max_memory)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    conn.send(("ready", isolate_network()))
    path: str | None = None
    store: ox.Store | None = None
    while True:
        try:
            store_path, request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if store_path != path:
                store, path = None, None
                store, path = ox.Store.read_only(store_path), store_path
            reply = ("ok", execute(store, request))
        except QueryError as exc:
            reply = ("error", exc)
        except MemoryError:
            reply = ("error", QueryFailed("The query needed more memory than a query may use on this endpoint "
                                          "and was stopped. Simplify it or add a LIMIT."))
        except Exception:  # never let an engine error end the worker; nothing internal goes back
            log.exception("query failed")
            reply = ("error", QueryFailed("The query could not be evaluated."))
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
