"""The office's Markdown texts (``data/seiten``) as safe HTML, with placeholders clearly marked.

markdown-it-py in CommonMark mode with raw HTML switched off: markup typed into a text is shown as text,
and its link validator drops ``javascript:`` and similar links. Links to this site (``/catalog``) get the
app's mount point.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from publisher.core.legal import PLACEHOLDER

# After rendering, a placeholder is escaped text: ``[[PLATZHALTER: …]]``, never inside a tag.
_RENDERED_PLACEHOLDER = re.compile(r"\[\[(?:PLATZHALTER|PLACEHOLDER):\s*(.*?)\]\]", re.S)


def render(text: str, root: str, placeholder_word: str) -> tuple[Markup, str, int]:
    """The HTML body (without the first heading), the first heading's text and the number of placeholders."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    tokens = md.parse(text)
    title = ""
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h1":
            title = tokens[i + 1].content
            tokens = tokens[:i] + tokens[i + 3:]
            break
    for tok in tokens:
        for child in [tok, *(tok.children or [])]:
            href = child.attrGet("href") if child.type == "link_open" else None
            if isinstance(href, str) and href.startswith("/") and not href.startswith("//"):
                child.attrSet("href", root + href)
    html = md.renderer.render(tokens, md.options, {})
    count = len(PLACEHOLDER.findall(text))

    def mark(m: re.Match) -> str:
        return (f'<mark class="placeholder"><strong>{escape(placeholder_word)}:</strong> {m.group(1)}</mark>')

    return Markup(_RENDERED_PLACEHOLDER.sub(mark, html)), title, count
