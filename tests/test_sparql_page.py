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
    assert f"PREFIX ib: <{TEST_BASE_IRI}def/>" in page.locator("textarea#query").input_value()
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


# -- errors in words, the starter query (in process, no browser) --------------------------------------------

BROKEN = "PREFIX schema: <http://schema.org/>\nSELECT ?name WHERE {\n  ?x schema:name ?name .\n  FILTER( }\n"


def _get(base: str, lang: str = "de", accept: str = "text/html", **params: str):
    from tests.inprocess import HTTP

    return HTTP.get(base + "/sparql", params=params, timeout=30,
                    headers={"Accept": accept, "Accept-Language": lang})


def test_a_syntax_error_in_words_with_line_and_column_and_the_raw_text_in_details(in_process: str) -> None:
    import html
    import re

    de = _get(in_process, query=BROKEN)
    assert de.status_code == 400
    alert = de.text[de.text.index('id="query-error"'):de.text.index("</div>", de.text.index('id="query-error"'))]
    assert '<p class="message">Syntaxfehler in Zeile 4, Spalte 3' in alert
    assert "unvollständig oder ungültig" in alert
    details = re.search(r'<details class="raw-message" lang="en">(.*?)</details>', alert, flags=re.S)
    assert details and "Expected SelectQuery" in html.unescape(details.group(1)), "the engine's text, marked English"
    assert "Expected" not in alert[:alert.index("<details")], "no raw parser text outside the details"
    en = _get(in_process, lang="en", query=BROKEN)
    assert "Syntax error at line 4, column 3" in en.text


def test_an_engine_syntax_error_names_the_undeclared_prefix(in_process: str) -> None:
    query = "SELECT ?x WHERE {\n  ?x foo:bar ?y\n}"
    page = _get(in_process, query=query).text
    assert "Syntaxfehler in Zeile 2, Spalte" in page and "das Präfix „foo:“ ist nicht deklariert" in page
    body = _get(in_process, accept="text/csv", query=query)
    assert body.status_code == 400 and body.headers["Content-Type"].startswith("text/plain")
    first = body.text.splitlines()[0]
    assert first.startswith("400: Syntaxfehler in Zeile 2, Spalte")
    assert " / Syntax error at line 2, column" in first and "the prefix “foo:” is not declared" in first
    assert "(parser: Syntax error in the query: error at 2:" in first, "the raw text after the words"


def test_the_plain_text_error_names_expected_keywords(in_process: str) -> None:
    body = _get(in_process, accept="text/csv", query="PREFIX a: <http://example.org/>\nSELEC ?x").text
    assert body.startswith("400: Syntaxfehler in Zeile 2, Spalte 1 (bei „SELEC“): „SELECT“, „CONSTRUCT“, "
                           "„DESCRIBE“ oder „ASK“ erwartet / Syntax error at line 2, column 1")


def _starter(base: str, lang: str) -> str:
    import html
    import re

    page = _get(base, lang=lang).text
    return html.unescape(re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', page, flags=re.S).group(1))


def test_the_starter_query_is_short_runs_and_gives_partners_per_goal(in_process: str) -> None:
    import re

    for lang, title in (("de", "Maßnahmen zum Klimaschutz"), ("en", "Climate action")):
        query = _starter(in_process, lang)
        assert len(query.splitlines()) <= 20, "short"
        declared = re.findall(r"^PREFIX (\w+):", query, flags=re.M)
        assert declared and all(f"{p}:" in query.split("\n", len(declared))[-1] for p in declared), \
            "only the prefixes it uses"
        result = _get(in_process, accept="application/sparql-results+json", query=query)
        assert result.status_code == 200
        rows = result.json()["results"]["bindings"]
        assert len(rows) >= 5, "it returns rows from this dataset"
        assert {"goal", "title", "partners", "names"} <= set(result.json()["head"]["vars"])
        counts = [int(r["partners"]["value"]) for r in rows]
        assert counts == sorted(counts, reverse=True) and counts[0] >= 1
        assert any(r["title"]["value"].startswith(title) for r in rows), (lang, [r["title"]["value"] for r in rows])


def test_the_share_link_carries_the_query(in_process: str) -> None:
    import html
    import re
    from urllib.parse import parse_qs, urlsplit

    page = _get(in_process, query="SELECT * WHERE { ?s ?p ?o } LIMIT 1").text
    href = html.unescape(re.search(r'<p class="share"><a href="([^"]+)"', page).group(1))
    assert parse_qs(urlsplit(href).query)["query"] == ["SELECT * WHERE { ?s ?p ?o } LIMIT 1"]
