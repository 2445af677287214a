"""Shared fixtures: a real build in a temporary folder and the real server on loopback.

The test base IRI differs from the host the server listens on, so every test also checks that
request paths map to canonical IRIs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, sync_playwright

from publisher.build import build
from publisher.core.config import Config
from publisher.core.release import Release

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
TEST_BASE_IRI = "https://ld.example.test/ib/"
ARTIFACTS = REPO / "test-artifacts"


# CI sets this, so that a missing ../shared fails the standards tests there instead of skipping them.
REQUIRE_SHARED = os.environ.get("PUBLISHER_REQUIRE_SHARED", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (official shapes and vocabularies). A public clone has no ``../shared``: the tests
    that need it are skipped with this reason, unless ``PUBLISHER_REQUIRE_SHARED`` asks for them (CI)."""
    if not SHARED.is_dir():
        reason = f"{SHARED} is missing: the official DCAT-AP/DCAT-AP.de shapes are not here"
        if REQUIRE_SHARED:
            pytest.fail(reason + " (PUBLISHER_REQUIRE_SHARED is set)")
        pytest.skip(reason)
    return SHARED


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A writable copy of ontology/, data/ and shapes/, for tests that break the data on purpose."""
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture(scope="session")
def session_build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("builds")


@pytest.fixture(scope="session")
def config(session_build_dir: Path) -> Config:
    return Config.load(root=REPO, base_iri=TEST_BASE_IRI, build_dir=session_build_dir)


@pytest.fixture(scope="session")
def release(config: Config) -> Release:
    """One real build of the shipped data, shared by the whole session."""
    return build(config)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start within {timeout}s")


def start_server(config: Config, extra_env: dict[str, str] | None = None,
                 port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``publisher serve`` (granian) as a real process on a loopback port (a free one by default)."""
    port = port or free_port()
    env = {**os.environ, "PUBLISHER_BASE_IRI": config.base_iri, "PUBLISHER_BUILD_DIR": str(config.builds),
           "PUBLISHER_ROOT": str(config.root), **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "publisher.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/")
    except RuntimeError:
        stop_server(proc)  # SIGTERM first: the parent stops its workers, which hold the output pipe too
        try:
            output = proc.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            output = "(its worker processes kept running)"
        raise RuntimeError(f"server at {url} did not answer: {output}") from None
    return proc, url


def stop_server(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server process: SIGTERM, then SIGKILL if it has not ended within ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (which never downloads a browser of its own)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run tools/install-test-dependencies.sh (make test does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def app_in_process(config: Config) -> Iterator:
    """A fresh app (its own cache and query pool) for ``config``; its query workers stop afterwards."""
    from publisher.serve.web.app import create_app

    app = create_app(config)
    yield app
    pool = app.extensions.get("sparql_pool")
    if pool is not None:
        pool.close()


def context_loader(context_doc: dict):
    """A pyld document loader that serves only the project's own context and refuses everything else."""
    def load(url: str, options=None):
        if url == TEST_BASE_IRI + "context/v1.jsonld":
            return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                    "document": context_doc}
        raise AssertionError(f"JSON-LD processing tried to fetch {url}")
    return load


@pytest.fixture
def app(release: Release, config: Config) -> Iterator:
    yield from app_in_process(config)


@pytest.fixture(scope="session")
def in_process(release: Release, config: Config) -> str:
    """The base URL of the app answering in this process (``tests.inprocess.HTTP``), on the session's release."""
    from publisher.serve.web.app import create_app
    from tests.inprocess import mount

    return mount(create_app(config))


@pytest.fixture(scope="session")
def server(release: Release, config: Config) -> Iterator[str]:
    """The base URL of a real server on loopback serving the session's release."""
    proc, url = start_server(config)
    yield url
    stop_server(proc)
