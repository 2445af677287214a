"""Pushing a release into real external SPARQL servers (``oxigraph serve`` from PyPI, Debian's Virtuoso) over
the Graph Store Protocol, atomically: the release is loaded into graphs named for it, verified, then named
in the pointer in one step; the old release's graphs go last. A push killed (SIGKILL) at any moment leaves
a complete release served, and the next push cleans up. Unreachable or refusing stores are clear errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.build import build
from publisher.core import store_graphs as sg
from publisher.core.config import Config
from publisher.core.release import Release
from tests.conftest import TEST_BASE_IRI, free_port, stop_server
from tests.stores import OXIGRAPH, Engine, env_without_credentials, oxigraph_server, virtuoso_server  # noqa: F401

PREFIX = sg.graphs_prefix(TEST_BASE_IRI)


@pytest.fixture(params=["oxigraph", "virtuoso"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Each real engine, emptied of the publisher's graphs before and after the test."""
    store: Engine = request.getfixturevalue(f"{request.param}_server")
    store.clear(PREFIX)
    yield store
    store.clear(PREFIX)


def push_command(config: Config, *args: str) -> list[str]:
    return [sys.executable, "-m", "publisher.cli", "--root", str(config.root), "--base-iri", config.base_iri,
            "--build-dir", str(config.builds), "push", *args]


def run_push(config: Config, engine: Engine, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(push_command(config, *engine.push_args(), "--grace", "0", *extra),
                          env={**env_without_credentials(), **engine.env}, capture_output=True, text=True,
                          timeout=300)


def served(engine: Engine) -> str | None:
    rows = engine.select(sg.pointer_query(TEST_BASE_IRI))
    return rows[0]["id"]["value"] if rows else None


def expected_graphs(release: Release) -> dict[str, int]:
    """The release's graphs as stored, and its union graph (every distinct triple once)."""
    graphs = {sg.stored_graph(TEST_BASE_IRI, release.id, g): n for g, n in release.manifest["graphs"].items()}
    return {**graphs, sg.union_graph(TEST_BASE_IRI, release.id): release.manifest["triples"]}


def assert_serves_complete(engine: Engine, release: Release) -> None:
    assert served(engine) == release.id
    assert engine.counts(sg.release_prefix(TEST_BASE_IRI, release.id)) == expected_graphs(release)


def test_push_loads_verifies_and_switches(config: Config, release: Release, engine: Engine) -> None:
    result = run_push(config, engine)
    assert result.returncode == 0, result.stderr
    assert_serves_complete(engine, release)
    # Nothing else of ours in the store: the release's graphs and the pointer.
    assert set(engine.counts(PREFIX)) == {*expected_graphs(release), sg.pointer_graph(TEST_BASE_IRI)}
    n = len(release.manifest["graphs"])
    assert f"Pushed release {release.id}: {n} graphs, {sum(release.manifest['graphs'].values())} triples" \
        in result.stdout
    assert f"loaded graph {n}/{n}" in result.stderr and "verified" in result.stderr
    assert f"switched: the store now serves {release.id}" in result.stderr


def test_big_graphs_go_in_chunks(config: Config, release: Release, engine: Engine) -> None:
    """With 100 triples a request every graph is one PUT and then POSTs (merges); the counts still match."""
    result = run_push(config, engine, "--chunk", "100")
    assert result.returncode == 0, result.stderr
    assert_serves_complete(engine, release)


def two_releases(project_copy: Path) -> tuple[Config, Release, Release]:
    """Release A, then release B with one graph renamed (so B has a graph A lacks and vice versa)."""
    config = Config.load(root=project_copy, base_iri=TEST_BASE_IRI, build_dir=project_copy / "build")
    first = build(config)
    (project_copy / "data" / "provenance.ttl").rename(project_copy / "data" / "sources.ttl")
    second = build(config)
    return config, first, second


def make_current(config: Config, release: Release) -> None:
    """Make ``release`` the builds folder's current one: the one ``publisher push`` pushes."""
    tmp = config.builds / ".current-test"
    tmp.unlink(missing_ok=True)
    os.symlink(release.path, tmp)
    os.replace(tmp, config.builds / "current")


def push_release(config: Config, engine: Engine, release: Release) -> subprocess.CompletedProcess[str]:
    make_current(config, release)
    return run_push(config, engine)


def test_second_push_switches_then_deletes_the_old_release(project_copy: Path, engine: Engine) -> None:
    config, first, second = two_releases(project_copy)
    assert push_release(config, engine, first).returncode == 0
    result = push_release(config, engine, second)
    assert result.returncode == 0, result.stderr
    assert f"(previously served: {first.id})" in result.stdout
    assert f"deleted {len(first.manifest['graphs']) + 1} stale graph(s)" in result.stdout
    assert_serves_complete(engine, second)
    assert set(engine.counts(PREFIX)) == {*expected_graphs(second), sg.pointer_graph(TEST_BASE_IRI)}


def test_pushing_the_served_release_again_loads_nothing(config: Config, release: Release,
                                                        oxigraph_server: Engine) -> None:  # noqa: F811
    oxigraph_server.clear(PREFIX)
    assert run_push(config, oxigraph_server).returncode == 0
    result = run_push(config, oxigraph_server)
    assert result.returncode == 0, result.stderr
    assert f"Already served release {release.id}" in result.stdout and "loaded graph" not in result.stderr
    assert_serves_complete(oxigraph_server, release)


# The moments a push is killed at: a line it writes on stderr, and whether the switch may already be done.
KILL_MOMENTS = [
    ("loading release", False),  # before the first upload
    ("loaded graph 1/", False),  # after the first graph
    ("loaded graph 4/", False),  # in the middle
    ("verified", True),  # between the verification and the switch (the switch may win the race)
    ("waiting", True),  # after the switch, before the clean-up (the grace period)
]


@pytest.mark.parametrize(("moment", "may_have_switched"), KILL_MOMENTS, ids=[m for m, _ in KILL_MOMENTS])
def test_push_killed_at_any_moment_leaves_a_complete_release_served(
        project_copy: Path, engine: Engine, moment: str, may_have_switched: bool) -> None:
    config, first, second = two_releases(project_copy)
    assert push_release(config, engine, first).returncode == 0
    make_current(config, second)
    proc = subprocess.Popen(push_command(config, *engine.push_args(), "--grace", "30"),
                            env={**env_without_credentials(), **engine.env}, stderr=subprocess.PIPE, text=True,
                            stdout=subprocess.DEVNULL)
    seen = []
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 120
        for line in proc.stderr:
            seen.append(line)
            if moment in line:
                proc.send_signal(signal.SIGKILL)
                break
            assert time.monotonic() < deadline
        else:
            pytest.fail(f"the push ended before {moment!r}: {''.join(seen)}")
    finally:
        proc.kill()
        proc.wait(10)
    now = served(engine)
    if may_have_switched and now == second.id:
        assert_serves_complete(engine, second)
    else:
        assert_serves_complete(engine, first)
    result = run_push(config, engine)  # the next push completes the switch and cleans up
    assert result.returncode == 0, result.stderr
    assert_serves_complete(engine, second)
    assert set(engine.counts(PREFIX)) == {*expected_graphs(second), sg.pointer_graph(TEST_BASE_IRI)}


def test_transient_connection_refused_is_retried(config: Config, release: Release) -> None:
    """The store comes up a second after the push starts: the push waits for it with backoff and succeeds."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    push = subprocess.Popen(push_command(config, "--graph-store", url + "/store", "--query-endpoint", url + "/query",
                                         "--update-endpoint", url + "/update", "--retries", "6", "--grace", "0"),
                            env=env_without_credentials(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    store = subprocess.Popen([str(OXIGRAPH), "serve", "--bind", f"127.0.0.1:{port}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        out, err = push.communicate(timeout=120)
        assert push.returncode == 0, err
        assert f"Pushed release {release.id}" in out
    finally:
        push.kill()
        stop_server(store)


def test_unreachable_store_is_a_clear_error(config: Config, release: Release) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(push_command(config, "--graph-store", url + "/store", "--query-endpoint", url + "/query",
                                         "--retries", "1"), capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Push failed" in result.stderr and "could not be reached" in result.stderr
    assert "Traceback" not in result.stderr


def test_store_refusal_is_reported_and_nothing_is_switched(config: Config, release: Release,
                                                          oxigraph_server: Engine) -> None:  # noqa: F811
    oxigraph_server.clear(PREFIX)
    result = subprocess.run(
        push_command(config, "--graph-store", oxigraph_server.graph_store.replace("/store", "/no-such-path"),
                     "--query-endpoint", oxigraph_server.query, "--retries", "0"),
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "answered 404" in result.stderr and "Traceback" not in result.stderr
    assert served(oxigraph_server) is None
