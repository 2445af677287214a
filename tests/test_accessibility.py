"""BITV 2.0 / WCAG 2.1 AA, checked by axe-core in real Chromium on every kind of page.

axe-core (from the npm registry, installed by tools/install-test-dependencies.sh) finds the failures a
machine can find: contrast, names of links and controls, language attributes, heading order, table
and list structure, SVG alternatives. It cannot judge everything WCAG asks (e.g. whether alt text is
meaningful), so this complements, not replaces, a manual review.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.conftest import REPO

AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = [
    "/",
    "/id/organization/adfc",
    "/id/event/zeltdorf-2023",
    "/id/alignment/adfc--sdg-13",
    "/sdg/13",
    "/def/quadrangle",
    "/partners",
    "/events",
    "/alignments",
    "/search?q=weltladen",
    "/sparql",
    "/sparql?query=SELECT+%3Fs+WHERE+%7B+%3Fs+a+%3Chttp%3A%2F%2Fschema.org%2FNGO%3E+%7D+LIMIT+5",
    "/queries",
    "/queries/partners-by-goal?goal=13",
    "/catalog",
    "/catalog/dataset/partners",
    "/id/organization/does-not-exist",
    "/partners?goal=13&sort=type&order=desc",
    "/alignments?status=proposed",
    "/sdg/13.2",
    "/changes",
    "/api",
    "/impressum",
    "/datenschutz",
    "/barrierefreiheit",
    "/network",
    "/sparql?query=SELECT+%3Fx+WHERE+%7B+%3Fx+foo%3Abar+%3Fy+%7D",
]
# Every kind of page in both languages, at a phone's and a desktop's width (issue 11).
LANGUAGES = ("de", "en")
WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run tools/install-test-dependencies.sh (make test does)")
    return AXE.read_text(encoding="utf-8")


def _shot_name(path: str, lang: str, width: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path.strip("/")).strip("-")[:60] or "home"
    return f"a11y-{slug}-{lang}-{width}.png"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_wcag_aa_violations(browser: Browser, server: str, axe_source: str, artifacts_dir: Path,
                                        path: str, lang: str, width: int) -> None:
    # The page as it is first: no console errors under the real Content-Security-Policy (a refused inline
    # script or style would log one), and a screenshot for people to look at.
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE" if lang == "de" else "en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = server + path + (("&" if "?" in path else "?") + "lang=en" if lang == "en" else "")
    try:
        response = page.goto(url, wait_until="load")
        assert page.locator("html").get_attribute("lang") == lang
        page.screenshot(path=str(artifacts_dir / _shot_name(path, lang, width)), full_page=True)
    finally:
        context.close()
    # A 404 page logs "Failed to load resource" for itself; everything else must be silent.
    expected = response is not None and response.status >= 400
    assert [e for e in errors if not (expected and "Failed to load resource" in e)] == [], errors
    # The pages forbid inline script (Content-Security-Policy); the audit injects axe-core inline, so only
    # this audit context bypasses the policy.
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(url, wait_until="load")
        page.add_script_tag(content=axe_source)
        result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                               WCAG_AA)
    finally:
        context.close()
    problems = [f"{v['id']} ({v['impact']}): {v['help']} — e.g. {v['nodes'][0]['target']}"
                for v in result["violations"]]
    assert not problems, f"{url} at {width}px:\n" + "\n".join(problems)
