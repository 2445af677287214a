"""BITV 2.0 / WCAG 2.1 AA, checked by axe-core in real Chromium on every kind of page.

axe-core (from the npm registry, installed by tools/install-test-dependencies.sh) finds the failures a
machine can find: contrast, names of links and controls, language attributes, heading order, table
and list structure, SVG alternatives. It cannot judge everything WCAG asks (e.g. whether alt text is
meaningful), so this complements, not replaces, a manual review.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.conftest import REPO

AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = [
    "/",
    "/?lang=en",
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
]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run tools/install-test-dependencies.sh (make test does)")
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_wcag_aa_violations(browser: Browser, server: str, axe_source: str, path: str) -> None:
    # The pages forbid inline script (Content-Security-Policy); the audit injects axe-core inline, so only
    # this audit context bypasses the policy.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(server + path, wait_until="load")
        page.add_script_tag(content=axe_source)
        result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                               WCAG_AA)
    finally:
        context.close()
    problems = [f"{v['id']} ({v['impact']}): {v['help']} — e.g. {v['nodes'][0]['target']}"
                for v in result["violations"]]
    assert not problems, f"{path}:\n" + "\n".join(problems)
