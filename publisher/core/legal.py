"""The office's own texts of the legal pages (Impressum, Datenschutz, Barrierefreiheit) in ``data/seiten``.

Shared by the build (which warns about every placeholder still in them) and the server (which renders
them). A text the office has not yet given is a placeholder ``[[PLATZHALTER: …]]`` / ``[[PLACEHOLDER: …]]``:
never an invented address or person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from publisher.core.config import Config
from publisher.core.urls import LEGAL_PAGES

FOLDER = "seiten"
LANGUAGES = ("de", "en")
PLACEHOLDER = re.compile(r"\[\[(PLATZHALTER|PLACEHOLDER):\s*(.*?)\]\]", re.S)


@dataclass(frozen=True)
class Placeholder:
    """One text the office still has to give: where it is and what is missing."""

    path: Path
    line: int
    text: str

    def message(self) -> str:
        return (f"{self.path}:{self.line}: Platzhalter statt Text des Büros / placeholder instead of the "
                f"office's text: {self.text}")


def text_path(config: Config, page: str, lang: str) -> Path:
    """``data/seiten/impressum.de.md`` …"""
    return config.data_dir / FOLDER / f"{page}.{lang}.md"


def read_text(config: Config, page: str, lang: str) -> str | None:
    """The Markdown of ``page`` in ``lang``, else in German, else None."""
    for code in (lang, "de"):
        path = text_path(config, page, code)
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def placeholders(config: Config) -> list[Placeholder]:
    """Every placeholder (and every missing file) of the legal pages, with file and line."""
    found: list[Placeholder] = []
    for page in LEGAL_PAGES:
        for lang in LANGUAGES:
            path = text_path(config, page, lang)
            if not path.is_file():
                found.append(Placeholder(path, 0, "Datei fehlt / file missing"))
                continue
            text = path.read_text(encoding="utf-8")
            for m in PLACEHOLDER.finditer(text):
                found.append(Placeholder(path, text.count("\n", 0, m.start()) + 1, " ".join(m.group(2).split())))
    return found
