"""The pages in a real browser: Debian's Chromium in headless mode, driven by Playwright (issue 3).

Screenshots (desktop and a phone-sized viewport) go to the ``artifacts_dir``. A second build stores
a literal with markup and script in it and checks, over HTTP and in the browser, that it is inert.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page

from publisher.build import build
from publisher.core.config import Config
from tests.conftest import REPO, TEST_BASE_IRI, start_server, stop_server

PAYLOAD = '</script><script>window.__xss=1</script><img src=x onerror="window.__xss=2"><b>bold</b>'


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: errors.append("external request " + r.url)
          if not r.url.startswith(server) and not r.url.startswith("data:") else None)
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def test_home_page_renders_the_sdg_overview(page: Page, server: str, artifacts_dir: Path) -> None:
    page.goto(server + "/")
    svg = page.locator("svg#sdg-overview")
    assert svg.is_visible()
    assert svg.get_attribute("role") == "group", "a picture with links in it (one per partner)"
    assert page.locator("svg#sdg-overview a").count() >= 60, "every cell is a link"
    assert page.locator("svg#chart-goals a").count() == 17, "one bar per goal, each a link"
    assert page.locator("svg#sdg-overview rect.cell").count() >= 60
    box = svg.bounding_box()
    assert box and box["width"] > 400 and box["height"] > 300, "the picture is drawn at a readable size"
    assert page.locator("h1").count() == 1
    assert page.locator("ul.partner-list li").count() == 30
    page.screenshot(path=str(artifacts_dir / "home-de.png"), full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]


def test_partner_page_links_navigate_to_event_and_goal(page: Page, server: str, artifacts_dir: Path) -> None:
    page.goto(server + "/")
    page.get_by_role("link", name="ADFC e.V.").first.click()
    page.wait_for_url(server + "/id/organization/adfc")
    assert page.locator("h1").inner_text() == "ADFC e.V."
    page.screenshot(path=str(artifacts_dir / "partner-de.png"), full_page=True)
    page.get_by_role("link", name=re.compile("Zeltdorf der Nachhaltigkeit")).first.click()
    page.wait_for_url(server + "/id/event/zeltdorf-2023")
    assert "Zeltdorf der Nachhaltigkeit" in page.locator("h1").inner_text()
    page.go_back()
    page.locator("ul.badges a", has_text="Maßnahmen zum Klimaschutz").click()
    page.wait_for_url(server + "/sdg/13")
    assert page.locator("h1").inner_text() == "Maßnahmen zum Klimaschutz"
    assert page.get_by_role("link", name="ADFC e.V.").count() >= 1, "the goal page lists its partners"
    page.screenshot(path=str(artifacts_dir / "goal-13-de.png"), full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]


def test_english_switch(page: Page, server: str, artifacts_dir: Path) -> None:
    page.goto(server + "/id/organization/adfc")
    assert page.locator("html").get_attribute("lang") == "de"
    page.locator(".language-switch a[hreflang=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Properties").is_visible()
    page.get_by_role("link", name=re.compile("Sustainability Tent Village")).first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en", "English stays on when following links"
    page.screenshot(path=str(artifacts_dir / "event-en.png"), full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]


def test_keyboard_focus_is_visible(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "the focused link shows an outline"


def test_search(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.get_by_label("Name suchen").fill("weltladen")
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_load_state()
    assert page.locator("ul.results li").count() == 2


def test_phone_viewport(browser: Browser, server: str, artifacts_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  locale="de-DE")
    pg = context.new_page()
    for path, name in (("/", "home-phone.png"), ("/id/event/zeltdorf-2023", "event-phone.png")):
        pg.goto(server + path)
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways on a phone ({width}px)"
        pg.screenshot(path=str(artifacts_dir / name), full_page=True)
    context.close()


# -- XSS ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A build whose data has markup and script in a name and a description, served for real."""
    root = tmp_path_factory.mktemp("xss")
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(REPO / folder, root / folder)
    data = root / "data" / "organizations.ttl"
    literal = PAYLOAD.replace("\\", "\\\\").replace('"', '\\"')
    text = data.read_text(encoding="utf-8").replace(
        'schema:name "ADFC e.V."@de ;',
        f'schema:name "ADFC e.V."@de , "ADFC {literal}"@en ;\n    schema:description "{literal}"@de ;', 1)
    data.write_text(text, encoding="utf-8")
    config = Config.load(root=root, base_iri=TEST_BASE_IRI, build_dir=root / "build")
    build(config)
    proc, url = start_server(config)
    yield url
    stop_server(proc)


def test_markup_in_data_is_escaped(xss_server: str) -> None:
    for query in ("", "?lang=en"):
        html = requests.get(xss_server + "/id/organization/adfc.html" + query, timeout=30).text
        assert "window.__xss" in html, "the literal is on the page"
        assert "<script>window.__xss" not in html and "<img src=x" not in html and "<b>bold" not in html
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html or "\\u003cscript\\u003e" in html
    search = requests.get(xss_server + "/search", params={"q": "<script>"}, timeout=30).text
    assert "<script>" not in search


def test_markup_in_data_is_inert_in_the_browser(browser: Browser, xss_server: str, artifacts_dir: Path) -> None:
    context = browser.new_context()
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("/id/organization/adfc?lang=en", "/id/organization/adfc", "/?lang=en", "/partners.html",
                 "/id/event/zeltdorf-2023?lang=en", "/search?q=%3Cscript%3E&lang=en"):
        pg.goto(xss_server + path)
        assert pg.evaluate("window.__xss") is None, f"script from the data ran on {path}"
        assert pg.locator("main b").count() == 0, f"markup from the data was rendered on {path}"
    pg.goto(xss_server + "/id/organization/adfc?lang=en")
    assert "</script><script>window.__xss=1" in pg.locator("h1").inner_text()
    pg.screenshot(path=str(artifacts_dir / "xss-inert.png"), full_page=True)
    assert dialogs == []
    context.close()


def test_sparql_editor_highlights_completes_and_runs(page: Page, server: str, artifacts_dir: Path) -> None:
    """CodeMirror 6 (from npm, built by tools/build-editor.sh) replaces the textarea when it is there."""
    if not (REPO / ".cache" / "editor" / "dist" / "sparql-editor.js").is_file():
        pytest.fail("the SPARQL editor is not built: run tools/install-test-dependencies.sh (make test does)")
    page.goto(server + "/sparql")
    editor = page.locator(".editor-host .cm-content")
    editor.wait_for()
    assert page.locator("textarea#query").is_hidden(), "the editor stands in for the textarea"
    assert page.locator(".editor-host .cm-keyword, .editor-host [class*='tok-keyword']").count() > 0 or \
        page.evaluate("!!window.__sparqlEditor"), "SPARQL is highlighted"
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("SELECT ?s WHERE { ?s a <http://schema.org/NGO> } LIMI")
    page.locator(".editor-host .cm-tooltip-autocomplete").wait_for()
    assert "LIMIT" in page.locator(".editor-host .cm-tooltip-autocomplete").inner_text()
    page.keyboard.press("Escape")
    page.keyboard.type("T 3")
    page.screenshot(path=str(artifacts_dir / "sparql-editor.png"), full_page=True)
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r".*/sparql\?query=SELECT.*"))
    assert page.locator("#result-summary").inner_text().startswith("3 Ergebnisse")
    assert page.errors == []  # type: ignore[attr-defined]


def test_sparql_form_works_without_javascript(browser: Browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    pg = context.new_page()
    pg.goto(server + "/sparql")
    pg.locator("textarea#query").fill("SELECT ?s WHERE { ?s a <http://schema.org/NGO> } LIMIT 2")
    pg.get_by_role("button", name="Abfrage ausführen").click()
    pg.wait_for_load_state()
    assert pg.locator("#result-summary").inner_text().startswith("2 Ergebnisse")
    context.close()
