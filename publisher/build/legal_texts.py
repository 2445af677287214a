"""The build step that reports every placeholder left in the legal pages' texts (``data/seiten``).

It writes nothing: the pages are rendered from the office's files when served. A placeholder is not an
error (the site may go online while the office collects its texts), but each is named with file and
line on every build, so that none is forgotten.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from publisher.core.legal import placeholders

if TYPE_CHECKING:
    from publisher.build.pipeline import BuildContext

log = logging.getLogger(__name__)


def check_legal_texts(ctx: BuildContext) -> None:
    """Log one warning per placeholder; the count goes into ``ctx.extra`` for callers and tests."""
    found = placeholders(ctx.config)
    for p in found:
        log.warning("%s", p.message())
    ctx.extra["legal_placeholders"] = len(found)
