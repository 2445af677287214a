"""The query page in a real headless Chromium: offline, keyboard-usable, results as a linked table."""

from __future__ import annotations

from tests.conftest import TEST_BASE_IRI


def test_query_page_runs_a_query_with_the_keyboard(browser, server, artifacts_dir):
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(server) else None)
    page.goto(f"{server}/sparql")
    assert page.get_attribute("html", "lang") == "en"
    assert f"PREFIX event: <{TEST_BASE_IRI}id/event/>" in page.locator("textarea#query").input_value()
    # Keyboard only: reach the editor (CodeMirror, or the plain textarea) with Tab, replace the query, run
    # it with Ctrl+Enter.
    in_editor = "document.activeElement.id === 'query' || document.activeElement.className === 'editor-host'"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(in_editor):
            break
    assert page.evaluate(in_editor)
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("PREFIX schema: <http://schema.org/>\nPREFIX event: <" + TEST_BASE_IRI + "id/event/>\n"
                              "SELECT ?partner ?name WHERE { event:zeltdorf-2023 schema:attendee ?partner . "
                              "?partner schema:name ?name FILTER(LANG(?name) = \"de\") } ORDER BY ?name")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("table.results")
    rows = page.locator("table.results tbody tr")
    assert rows.count() == 30
    assert page.locator("#result-summary").inner_text().startswith("30 results")
    first_link = page.locator("table.results tbody tr td a").first
    assert first_link.get_attribute("href").startswith("/id/")
    assert page.get_by_role("link", name="CSV").get_attribute("href").endswith("format=csv")
    page.screenshot(path=str(artifacts_dir / "sparql-page-results.png"), full_page=True)
    # A focused element is visibly outlined (WCAG 2.4.7).
    page.get_by_role("button", name="Run query").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    # A syntax error is announced and keeps the query.
    page.locator(".editor-host .cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("SELECT ?x WHERE { ?x ")
    page.get_by_role("button", name="Run query").click()
    alert = page.get_by_role("alert")
    assert "Syntax error" in alert.inner_text()
    assert page.locator("textarea#query").input_value() == "SELECT ?x WHERE { ?x "
    assert "SELECT ?x WHERE { ?x" in page.locator(".editor-host .cm-content").inner_text(), "kept in the editor"
    page.screenshot(path=str(artifacts_dir / "sparql-page-error.png"), full_page=True)
    assert outside == []
    context.close()


def test_named_query_page_with_parameter_form(browser, server, artifacts_dir):
    page = browser.new_page()
    page.goto(f"{server}/queries/partners-by-goal?goal=13")
    assert page.locator("h1").inner_text() == "Partners of one SDG goal"
    assert page.locator("table.results tbody tr").count() >= 1
    page.get_by_label("goal").select_option("4")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**goal=4")
    cells = page.locator("table.results tbody tr td:first-child").all_inner_texts()
    assert cells and all(c == "http://metadata.un.org/sdg/4" for c in cells)
    page.screenshot(path=str(artifacts_dir / "named-query-page.png"), full_page=True)
    page.get_by_role("link", name="Open in the query editor").click()
    assert "VALUES (?goal)" in page.get_by_label("Query", exact=True).input_value()
    assert page.locator("table.results tbody tr").count() == len(cells)
    page.close()
