"""One configuration object, read from ``publisher.toml`` (optional) and ``PUBLISHER_*`` variables.

Precedence, lowest first: defaults, the TOML file, the environment, explicit overrides (CLI options).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def _default_root() -> Path:
    # Running from a checkout: the folder that holds ontology/, data/ and shapes/.
    here = Path(__file__).resolve().parent.parent
    return here if (here / "data").is_dir() else Path.cwd()


#: The catalogue profiles ``catalog_profile`` may name.
CATALOG_PROFILES = ("dcat-ap.de-2.0", "dcat-ap.de-3.0")
#: Where the DCAT-AP.de contributor IDs live (https://www.dcat-ap.de/def/contributors/).
CONTRIBUTORS = "http://dcat-ap.de/def/contributors/"


@dataclass(frozen=True)
class Config:
    base_iri: str = "http://localhost:8080/"
    root: Path = field(default_factory=_default_root)
    build_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    # Threads per server process. Threads blocked on a slow client cost little (the GIL is released); a
    # client that sends its body slowly holds one for up to body_timeout, a silent one until it disconnects
    # (at most half of them wait on bodies, web/bodies.py): keep plenty for everyone else.
    threads: int = 32
    # Slow clients: the request line and headers must arrive within header_timeout seconds and
    # header_max_bytes (granian's HTTP/1 settings); a body within body_timeout seconds (else 408, closed).
    header_timeout: float = 10.0
    header_max_bytes: int = 64 * 1024
    body_timeout: float = 10.0
    # On stop, a server process that has not finished within this many seconds is killed: a client that went
    # silent in the middle of its body keeps its connection (and a thread blocked in its read) indefinitely.
    shutdown_timeout: int = 5
    query_timeout: float = 10.0
    query_max_rows: int = 10_000
    query_max_body: int = 1_000_000
    query_workers: int = 2
    # Deepest nesting of brackets, braces, parentheses and '!' chains a query may have (400 beyond); checked on
    # the text before any parse, so that a hostile query cannot exhaust the parser's or the engine's stack.
    query_max_depth: int = 20
    # Address space of one query worker (RLIMIT_AS, bytes; 0 = unlimited): a query that needs more fails (502).
    query_worker_memory: int = 2 * 1024 * 1024 * 1024
    # Bytes of one query result (the body the worker writes); rows beyond it are cut like the row cap.
    query_max_result_bytes: int = 16 * 1024 * 1024
    # Seconds a query request waits for a free worker before it is answered 503 with Retry-After.
    query_queue_wait: float = 1.0
    # Per-client query time: at most query_budget_seconds of evaluation per query_budget_window seconds
    # (per server process), else 429 with Retry-After; 0 turns the budget off.
    query_budget_seconds: float = 30.0
    query_budget_window: float = 60.0
    query_cache: bool = True
    # One in-memory cache per server process (responses and rendered pages), keys and values counted.
    cache_max_bytes: int = 128 * 1024 * 1024
    # Requests whose key would be larger (query string, or a POST body to /sparql) are answered, never cached.
    cache_max_key_bytes: int = 4096
    catalog_page_size: int = 50
    # Members (activities) per page of the change feed (/feed/<n>): a page closes, and never changes again,
    # when it holds this many. Changing it affects only pages opened later; closed pages stay as they are.
    feed_page_size: int = 100
    # Seconds clients may cache the feed's root and its open page (closed pages are cached as immutable).
    feed_max_age: int = 60
    # An external SPARQL 1.1 query endpoint to serve from instead of the embedded store (``serve --store``),
    # e.g. http://127.0.0.1:7878/query (Oxigraph) or http://127.0.0.1:8890/sparql (Virtuoso); empty = embedded.
    # The release it serves is the one ``publisher push`` named there; credentials only from the environment
    # (PUBLISHER_STORE_USER, PUBLISHER_STORE_PASSWORD).
    store: str = ""
    # The most bytes of an external store's answer to one user query that are read (the row cap comes first).
    store_max_result_bytes: int = 50_000_000
    # How many complete releases the build keeps (newest by the time in their id), for diff and rollback;
    # the release being served is always kept as well.
    keep_releases: int = 10
    # Items per page of the JSON-LD lists (/partners …) and the default of the JSON API (/api/v1/…).
    list_page_size: int = 100
    # The largest ``?size=`` the JSON API accepts (larger asks get 400).
    api_max_page_size: int = 500
    trust_forwarded_headers: bool = False
    # The data licence is a publishing decision the office must confirm (README, "Catalogue and harvesting").
    # Default: Datenlizenz Deutschland – Namensnennung 2.0 from the DCAT-AP.de licence list.
    catalog_license: str = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    catalog_license_attribution: str = (
        "Stadt Dortmund, Büro für Internationale Beziehungen; SDG-Vokabular: Amit Joshi, Luis Gonzalez Morales, "
        "Szymon Klarman, and Aaron Helton. 2019. A Knowledge Organization System for the United Nations "
        "Sustainable Development Goals. New York, NY. http://metadata.un.org/sdg"
    )
    # Where people reach the office about the data; empty = the deployment's home page (base_iri).
    catalog_contact_url: str = ""
    catalog_contact_email: str = ""
    # A DCAT-AP.de contributor ID (http://dcat-ap.de/def/contributors/…) from the DCAT-AP.de contributor list
    # (K12/13; GovData assigns it to the portal that delivers the data); empty = none is stated.
    catalog_contributor_id: str = ""
    # The catalogue's application profile: "dcat-ap.de-2.0" (what GovData's harvester, ckanext-dcatde on
    # DCAT-AP 2, implements today) or "dcat-ap.de-3.0" (DCAT-AP.de 3.0 on DCAT-AP 3.0).
    catalog_profile: str = "dcat-ap.de-2.0"
    # Build progress: one line per step of a second or more on stderr even when stderr is not a terminal
    # (logs, benchmarks; PUBLISHER_PROGRESS=1); on a terminal the lines are always shown.
    progress: bool = False

    def __post_init__(self) -> None:
        if not self.base_iri.startswith(("http://", "https://")) or not self.base_iri.endswith("/"):
            raise ValueError(
                f"base_iri must be an http(s) IRI ending in '/', got {self.base_iri!r}"
            )
        if self.keep_releases < 1:
            raise ValueError(f"keep_releases must be at least 1, got {self.keep_releases}")
        if self.feed_page_size < 1:
            raise ValueError(f"feed_page_size must be at least 1, got {self.feed_page_size}")
        if self.catalog_profile not in CATALOG_PROFILES:
            raise ValueError(f"catalog_profile must be one of {', '.join(CATALOG_PROFILES)}, "
                             f"got {self.catalog_profile!r}")
        if self.catalog_contributor_id and not self.catalog_contributor_id.startswith(CONTRIBUTORS):
            raise ValueError(f"catalog_contributor_id must be an IRI from the DCAT-AP.de contributor list "
                             f"({CONTRIBUTORS}…), got {self.catalog_contributor_id!r}")

    @property
    def builds(self) -> Path:
        return self.build_dir or self.root / "build"

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    def iri(self, path: str) -> str:
        """The canonical IRI for a path below the base (``id/event/x`` → ``{base}id/event/x``)."""
        from publisher.core.urls import Urls

        return Urls(self.base_iri).iri(path)

    def to_environment(self) -> dict[str, str]:
        """This configuration as ``PUBLISHER_*`` variables, which ``load`` reads back unchanged."""
        env = {}
        for f_ in fields(self):
            value = getattr(self, f_.name)
            if value is not None:
                env[f"PUBLISHER_{f_.name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
        return env

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: Any) -> Config:
        values: dict[str, Any] = {}
        root = Path(overrides.get("root") or os.environ.get("PUBLISHER_ROOT") or _default_root())
        candidate = config_file or root / "publisher.toml"
        if candidate.is_file():
            with open(candidate, "rb") as f:
                values.update(tomllib.load(f).get("publisher", {}))
        for f_ in fields(cls):
            env = os.environ.get(f"PUBLISHER_{f_.name.upper()}")
            if env is not None:
                values[f_.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **_coerce(values))


CREDENTIAL_VARIABLES = ("PUBLISHER_STORE_USER", "PUBLISHER_STORE_PASSWORD")
_kept: list[tuple[str, str] | None] = []  # the credentials a server process took out of its environment


def store_credentials() -> tuple[str, str] | None:
    """The external store's user and password: only from the environment (``PUBLISHER_STORE_USER``,
    ``PUBLISHER_STORE_PASSWORD``), never from files, the settings or the command line."""
    if _kept:
        return _kept[0]
    user = os.environ.get("PUBLISHER_STORE_USER")
    return (user, os.environ.get("PUBLISHER_STORE_PASSWORD", "")) if user else None


def keep_credentials_out_of_environment() -> None:
    """Read the store's credentials once, then remove them from this process's environment.

    For the server processes: granian copies the whole process environment into every request's WSGI
    ``environ`` (taken when the app has been imported), where anything that showed or logged the environ
    would show the password. The process keeps them for its store clients; nothing else needs them.
    """
    if not _kept:
        _kept.append(store_credentials())
    for name in CREDENTIAL_VARIABLES:
        os.environ.pop(name, None)


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    """Turn strings from files and the environment into the field types."""
    out: dict[str, Any] = {}
    types = {f.name: f.type for f in fields(Config)}
    for name, value in values.items():
        if name not in types:
            raise ValueError(f"unknown configuration setting {name!r}; known: {', '.join(sorted(types))}")
        kind = str(types[name])
        if "Path" in kind:
            out[name] = Path(value)
        elif kind == "int":
            out[name] = int(value)
        elif kind == "float":
            out[name] = float(value)
        elif kind == "bool":
            out[name] = value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes", "on"}
        else:
            out[name] = str(value)
    return out
