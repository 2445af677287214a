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


@dataclass(frozen=True)
class Config:
    base_iri: str = "http://localhost:8080/"
    root: Path = field(default_factory=_default_root)
    build_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    threads: int = 4
    query_timeout: float = 10.0
    query_max_rows: int = 10_000
    query_max_body: int = 1_000_000
    query_workers: int = 2
    query_cache: bool = True
    # One in-memory cache per server process (responses and rendered pages), keys and values counted.
    cache_max_bytes: int = 128 * 1024 * 1024
    catalog_page_size: int = 50
    # An external SPARQL 1.1 query endpoint to serve from instead of the embedded store (``serve --store``),
    # e.g. http://127.0.0.1:7878/query (Oxigraph) or http://127.0.0.1:8890/sparql (Virtuoso); empty = embedded.
    # The release it serves is the one ``publisher push`` named there; credentials only from the environment
    # (PUBLISHER_STORE_USER, PUBLISHER_STORE_PASSWORD).
    store: str = ""
    # The most bytes of an external store's answer to one user query that are read (the row cap comes first).
    store_max_result_bytes: int = 50_000_000
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
    # A DCAT-AP.de contributor ID (http://dcat-ap.de/def/contributors/…); empty = none is stated.
    catalog_contributor_id: str = ""

    def __post_init__(self) -> None:
        if not self.base_iri.startswith(("http://", "https://")) or not self.base_iri.endswith("/"):
            raise ValueError(
                f"base_iri must be an http(s) IRI ending in '/', got {self.base_iri!r}"
            )

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
