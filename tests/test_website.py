"""The website for people (issue 11): legal pages, German and English, lists, pictures, findability.

Everything through the real app (in process, ``tests.inprocess``) on the session's real build; the
browser checks (axe-core at 390 and 1280 px, console errors, screenshots) are in test_accessibility.py.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import re
from types import SimpleNamespace

import pytest

from publisher.build.legal_texts import check_legal_texts
from publisher.core import legal
from publisher.core.config import Config
from publisher.serve.render.markdown import render
from publisher.serve.web import i18n
from tests.conftest import TEST_BASE_IRI
from tests.inprocess import HTTP

PAGES = ["/", "/partners", "/events", "/alignments", "/id/organization/adfc", "/id/event/zeltdorf-2023",
         "/sdg/13", "/def/quadrangle", "/search?q=weltladen", "/sparql", "/queries",
         "/queries/partners-by-goal?goal=13", "/catalog", "/catalog/dataset/partners", "/changes", "/api",
         "/impressum", "/datenschutz", "/barrierefreiheit", "/id/organization/does-not-exist"]


def get(base: str, path: str, lang: str = "de", **headers: str):
    return HTTP.get(base + path, headers={"Accept": "text/html", "Accept-Language": lang, **headers}, timeout=30)


def visible_text(page: str) -> str:
    """The page's text as a reader sees it: no tags, no scripts, no attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def without_english_parts(page: str) -> str:
    """The page without the elements marked ``lang="en"`` (what may be English on a German page)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    for tag in ("span", "a", "p", "code", "pre", "tspan", "text", "h1", "section", "div", "time", "textarea", "bdi"):
        page = re.sub(rf'<{tag}\b[^>]*\blang="en"[^>]*>.*?</{tag}>', " ", page, flags=re.S)
    return visible_text(page)


# -- legal pages ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_every_footer_links_the_three_legal_pages_and_each_answers(in_process: str, path: str) -> None:
    page = get(in_process, path).text
    footer = page[page.index('<footer class="site-footer">'):]
    for target, word in (("/impressum", "Impressum"), ("/datenschutz", "Datenschutz"),
                         ("/barrierefreiheit", "Barrierefreiheit")):
        assert f'href="{target}"' in footer and word in footer, f"{path}: the footer lacks {word}"
        assert get(in_process, target).status_code == 200
    assert "Büro für Internationale Beziehungen" in footer and "Stadt Dortmund" in footer
    assert re.search(r"Zuletzt aktualisiert: <time datetime=\"\d{4}-\d\d-\d\dT", footer), "the release's date"


def test_legal_pages_in_both_languages_with_marked_placeholders(in_process: str) -> None:
    de = get(in_process, "/barrierefreiheit")
    en = get(in_process, "/barrierefreiheit?lang=en")
    assert "<h1>Erklärung zur Barrierefreiheit</h1>" in de.text and '<html lang="de">' in de.text
    assert "<h1>Accessibility statement (Erklärung zur Barrierefreiheit)</h1>" in en.text
    assert "Feedback und Kontakt" in de.text and "Durchsetzungsverfahren" in de.text and "BITV NRW" in de.text
    assert '<mark class="placeholder"><strong>Platzhalter:</strong>' in de.text
    assert '<mark class="placeholder"><strong>Placeholder:</strong>' in en.text
    assert "Accept-Language" in de.headers["Vary"]


def test_placeholders_are_reported_by_the_build(config: Config, caplog: pytest.LogCaptureFixture) -> None:
    ctx = SimpleNamespace(config=config, extra={})
    with caplog.at_level(logging.WARNING, logger="publisher.build.legal_texts"):
        check_legal_texts(ctx)  # type: ignore[arg-type]
    assert ctx.extra["legal_placeholders"] == len(legal.placeholders(config)) > 0
    assert any("impressum.de.md:" in r.getMessage() and "Platzhalter" in r.getMessage() for r in caplog.records)


def test_a_text_without_placeholders_reports_none(project_copy, tmp_path) -> None:
    config = Config.load(root=project_copy, base_iri=TEST_BASE_IRI, build_dir=tmp_path / "build")
    before = len(legal.placeholders(config))
    path = legal.text_path(config, "impressum", "de")
    path.write_text("# Impressum\n\nStadt Dortmund\n", encoding="utf-8")
    assert len(legal.placeholders(config)) < before
    assert not [p for p in legal.placeholders(config) if p.path == path]
    path.unlink()
    assert [p for p in legal.placeholders(config) if p.path == path and p.line == 0], "a missing file is reported"


def test_markup_in_a_legal_text_is_shown_as_text() -> None:
    body, title, count = render('# T\n\n<script>alert(1)</script> [x](javascript:alert(1)) [[PLATZHALTER: <b>a</b>]]'
                                "\n\n[Katalog](/catalog)", "/ib", "Platzhalter")
    assert title == "T" and count == 1
    assert "<script>" not in body and "&lt;script&gt;" in body and 'href="javascript' not in body
    assert "<b>a</b>" not in body and '<mark class="placeholder">' in body
    assert 'href="/ib/catalog"' in body, "links to the site get the mount point"


# -- languages ------------------------------------------------------------------------------------------

def test_plurals_numbers_and_dates_follow_the_locale() -> None:
    assert i18n.n("n_partners", 1, "en") == "1 partner" and i18n.n("n_partners", 2, "en") == "2 partners"
    assert i18n.n("n_events", 1, "de") == "1 Veranstaltung" and i18n.n("n_events", 3, "de") == "3 Veranstaltungen"
    assert i18n.number(1234, "de") == "1.234" and i18n.number(1234, "en") == "1,234"
    assert i18n.when("2023-05-07", "de") == "7. Mai 2023"
    assert i18n.when("2026-12-01T06:55:31+00:00", "de") == "1. Dezember 2026, 06:55"


@pytest.mark.parametrize("path", ["/", "/partners", "/sdg/13", "/alignments"])
def test_no_singular_noun_with_a_plural_ending(in_process: str, path: str) -> None:
    text = visible_text(get(in_process, path + ("&" if "?" in path else "?") + "lang=en").text)
    assert not re.search(r"\b1 (partners|events|results)\b", text), path


@pytest.mark.parametrize("path", ["/sparql", "/queries", "/queries/partners-by-goal?goal=13", "/partners",
                                  "/impressum", "/id/organization/does-not-exist", "/catalog/nothing"])
def test_negotiated_pages_vary_on_the_language(in_process: str, path: str) -> None:
    response = get(in_process, path)
    assert "Accept-Language" in response.headers.get("Vary", ""), path


@pytest.mark.parametrize("path", ["/sparql", "/queries", "/queries/partners-by-goal?goal=13"])
def test_query_pages_are_german_on_german_pages(in_process: str, path: str) -> None:
    de = get(in_process, path).text
    assert '<html lang="de">' in de
    rest = without_english_parts(de)
    for english in ("Run query", "Named queries", "Results", "Example queries", "Show results as", "Limits",
                    "The query", "Download these results"):
        assert english not in rest, f"{path}: {english!r} on the German page"
    en = get(in_process, path + ("&" if "?" in path else "?") + "lang=en").text
    assert '<html lang="en">' in en


def test_error_pages_speak_the_page_language(in_process: str) -> None:
    de = get(in_process, "/queries/nothing-here")
    en = get(in_process, "/queries/nothing-here", lang="en")
    assert de.status_code == en.status_code == 404
    assert "Nicht gefunden" in de.text and "Es gibt keine benannte Abfrage" in de.text
    assert "There is no named query" not in without_english_parts(de.text), "English only where marked"
    assert "Not found" in en.text and "There is no named query" in en.text


def test_sdg_targets_show_the_un_english_text_not_a_placeholder(in_process: str) -> None:
    page = get(in_process, "/sdg/13.2").text
    assert re.search(r'<h1 dir="auto" lang="en">Integrate climate change measures', page)
    assert "Unterziel 13.2" not in visible_text(page)
    goal = get(in_process, "/sdg/13").text
    assert "<h1 dir=\"auto\">Maßnahmen zum Klimaschutz</h1>" in goal, "the German goal title stays"
    assert "Unterziel 13." not in visible_text(goal)


def test_top_concept_of_says_what_it_means(in_process: str) -> None:
    page = get(in_process, "/def/quadrangle/oekologie").text
    assert "Oberbegriff in" in page and "Oberbegriff von" not in page


# -- resource pages -------------------------------------------------------------------------------------

def test_resource_rows_in_a_meaningful_order_description_once_links_in_words(in_process: str) -> None:
    page = get(in_process, "/id/event/zeltdorf-2023").text
    text = visible_text(page)
    assert text.index("Beginn") < text.index("Ende") < text.index("Quelle"), "start, end, provenance last"
    assert "7. Mai 2023" in text and "2023-05-07" not in text, "dates as dates"
    description = re.search(r'<p class="description"[^>]*>([^<]+)</p>', page).group(1)
    assert text.count(html.unescape(description)) == 1, "the description is shown once"
    assert "←" not in text
    for path in ("/def/quadrangle", "/sdg/13"):
        assert "←" not in visible_text(get(in_process, path).text), path


# -- lists ----------------------------------------------------------------------------------------------

def test_partner_list_has_human_columns_type_words_and_goal_badges(in_process: str) -> None:
    page = get(in_process, "/partners").text
    heads = re.findall(r'<th scope="col"[^>]*><a [^>]*>([^<]+)', page)
    assert heads == ["Name", "Art", "Nachhaltigkeitsziele", "Dimensionen", "Webseite"]
    text = visible_text(page)
    assert "GovernmentOrganization" not in text and "Behörde" in text
    assert 'class="sdg-badge"' in page and "Maßnahmen zum Klimaschutz" in page


def test_facets_filter_sort_and_the_twins_hold_what_is_shown(in_process: str) -> None:
    page = get(in_process, "/partners?goal=13&sort=name&order=desc").text
    names = re.findall(r'<td data-label="Name"><a href="[^"]+" dir="auto"[^>]*>([^<]+)</a>', page)
    assert names and names == sorted(names, key=str.casefold, reverse=True)
    all_names = re.findall(r'<td data-label="Name"><a ', get(in_process, "/partners").text)
    assert len(names) < len(all_names), "the goal filter narrows the list"
    assert 'aria-sort="descending"' in page
    twin = re.search(r'href="(/partners/view\.csv\?[^"]+)"', page).group(1)
    rows = list(csv.reader(io.StringIO(get(in_process, html.unescape(twin)).text)))
    assert rows[0][:3] == ["Name", "Art", "Nachhaltigkeitsziele"]
    assert [r[0] for r in rows[1:]] == [html.unescape(n) for n in names], "the CSV holds exactly the rows shown"
    data = get(in_process, "/partners/view.json?goal=13&sort=name&order=desc&lang=en").json()
    assert data["shown"] == len(names) and data["filters"] == {"goal": "13"}
    assert all("13" in row["goals"] for row in data["rows"])
    assert data["columns"][1]["name"] == "Type"


def test_alignment_facets_by_review_status_and_dimension(in_process: str) -> None:
    page = get(in_process, "/alignments").text
    assert 'name="status"' in page and 'name="dimension"' in page and 'name="goal"' in page
    proposed = get(in_process, "/alignments/view.json?status=proposed").json()
    assert proposed["shown"] == proposed["total"] > 0
    assert get(in_process, "/alignments/view.json?status=confirmed").json()["shown"] == 0
    dims = get(in_process, "/alignments/view.json?dimension=oekologie").json()
    assert 0 < dims["shown"] < dims["total"]


def test_paged_json_ld_lists_still_work(in_process: str) -> None:
    response = HTTP.get(in_process + "/partners.jsonld?page=1", timeout=30)
    assert response.status_code == 200 and 'rel="next"' in response.headers.get("Link", "") or \
        response.status_code == 200


# -- pictures -------------------------------------------------------------------------------------------

def test_home_charts_have_a_bar_per_goal_links_and_a_table(in_process: str) -> None:
    page = get(in_process, "/").text
    chart = page[page.index('id="chart-goals"'):page.index("</svg>", page.index('id="chart-goals"'))]
    assert chart.count("<a href=") == 17
    assert "/partners?goal=13" in chart
    assert "vorgeschlagen (schraffiert)" in page, "a legend by pattern, not colour alone"
    assert '<table class="goal-table">' in page



@pytest.mark.parametrize("lang", ["de", "en"])
def test_overview_heads_readable_and_partner_names_whole(in_process: str, lang: str) -> None:
    page = get(in_process, "/", lang=lang).text
    svg = re.search(r'<svg id="sdg-overview".*?</svg>', page, flags=re.S).group(0)
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= 12, f"text smaller than 12 px: {sorted(set(sizes))}"
    heads = [html.unescape(visible_text(h)) for h in re.findall(r'<g class="column-head">.*?</g>', svg, flags=re.S)]
    words = ("Ökonomie", "Ökologie", "Soziales", "Zivilgesellschaft") if lang == "de" else \
        ("Economy", "Ecology", "Social affairs", "Civil society")
    for word in words:
        assert any(word in h for h in heads), f"the dimension {word!r} written out in its column head"
    assert "…" not in svg, "no name cut"
    names = [" ".join(visible_text(t).split()) for t in re.findall(
        r'<a href="/id/[^"]+"><text\b.*?</text></a>', svg, flags=re.S)]
    listed = get(in_process, "/partners/view.json", lang=lang).json()["rows"]
    longest = max((r["name"] for r in listed), key=len)
    assert len(longest) > 60 and longest in names, "the longest name whole (wrapped), not cut"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_network_picture_with_its_table_equivalent(in_process: str, lang: str) -> None:
    home = get(in_process, "/", lang=lang).text
    assert re.search(r'<a href="/network(\?lang=en)?">', home), "the home page links the picture"
    response = get(in_process, "/network" + ("?lang=en" if lang == "en" else ""), lang=lang)
    assert response.status_code == 200 and f'<html lang="{lang}">' in response.text
    assert "Accept-Language" in response.headers["Vary"]
    page = response.text
    svg = re.search(r'<svg id="network".*?</svg>', page, flags=re.S).group(0)
    assert 'role="group"' in svg and "<title" in svg and "<desc" in svg
    dashed, solid = svg.count('stroke-dasharray="5 3"'), svg.count("<line ") - svg.count('stroke-dasharray="5 3"')
    assert dashed >= 30, "the tent village's 30 participants, each joined to it"
    assert solid >= 30, "partners (and events) joined to the goals they serve"
    assert min(float(v) for v in re.findall(r'font-size="([\d.]+)"', svg)) >= 12
    table = page[page.index('id="network-partners"'):page.index("</table>", page.index('id="network-partners"'))]
    adfc = re.search(r'<tr><th scope="row"><a href="/id/organization/adfc(\?lang=en)?".*?</tr>', table,
                     flags=re.S).group(0)
    assert 'href="/id/event/zeltdorf-2023' in adfc and 'href="/sdg/13' in adfc
    listed = get(in_process, "/partners/view.json", lang=lang).json()["shown"]
    assert table.count('<th scope="row">') == listed, "every partner in the table"
    events = page[page.index('id="network-events"'):]
    zeltdorf = re.search(r'<tr><th scope="row"><a href="/id/event/zeltdorf-2023.*?</tr>', events, flags=re.S).group(0)
    assert ("30 Partner" if lang == "de" else "30 partners") in zeltdorf
    if lang == "de":
        assert "partners" not in without_english_parts(page).replace("/partners", "")

# -- findable -------------------------------------------------------------------------------------------

def json_ld(page: str) -> list[dict]:
    return [json.loads(html.unescape(m)) for m in
            re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, flags=re.S)]


@pytest.mark.parametrize("path", ["/", "/catalog"])
def test_schema_org_data_catalog_names_licence_distributions_and_coverage(in_process: str, path: str) -> None:
    docs = [d for d in json_ld(get(in_process, path).text) if d.get("@type") == "DataCatalog"]
    assert docs, f"{path} has no schema.org DataCatalog"
    catalog = docs[0]
    assert catalog["@context"] == "https://schema.org/" and catalog["license"].startswith("http")
    assert catalog["publisher"]["name"] and catalog["dataset"]
    for dataset in catalog["dataset"]:
        assert dataset["@type"] == "Dataset" and dataset["license"] and dataset["name"]
        assert dataset["includedInDataCatalog"]["@id"] == catalog["@id"]
        assert dataset["spatialCoverage"] and dataset["creator"]
        assert all(d["contentUrl"].startswith("http") and d["encodingFormat"] for d in dataset["distribution"])
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d/\d{4}-\d\d-\d\d", d.get("temporalCoverage", ""))
               for d in catalog["dataset"])


def test_dataset_page_has_schema_org_dataset(in_process: str) -> None:
    docs = json_ld(get(in_process, "/catalog/dataset/partners").text)
    assert docs and docs[0]["@type"] == "Dataset" and docs[0]["distribution"]


def test_meta_description_canonical_opengraph_and_sparql_link(in_process: str) -> None:
    home = get(in_process, "/").text
    assert '<meta name="description" content="' in home and '<link rel="canonical" href="' in home
    assert '<meta property="og:title"' in home
    catalog = get(in_process, "/catalog").text
    assert re.search(r'SPARQL-Endpunkt: <a href="/sparql">', catalog)
    assert "Datenlizenz Deutschland Namensnennung 2.0" in catalog, "the licence by its name"



def test_organization_markup_carries_url_parent_suborganizations_and_goals(in_process: str) -> None:
    base = TEST_BASE_IRI + "id/organization/"
    adfc = json_ld(get(in_process, "/id/organization/adfc").text)[0]
    assert adfc["@type"] == "NGO" and adfc["url"] == base + "adfc" and adfc["name"] == {"@value": "ADFC e.V.",
                                                                                        "@language": "de"}
    goals = adfc["knowsAbout"] if isinstance(adfc["knowsAbout"], list) else [adfc["knowsAbout"]]
    assert {"@id": "http://metadata.un.org/sdg/13", "name": "Maßnahmen zum Klimaschutz"} in goals
    assert "sameAs" not in adfc, "the data names no other identifier for the ADFC: none is made up"
    child = json_ld(get(in_process, "/id/organization/awo-schultenhof").text)[0]
    assert child["parentOrganization"]["@id"] == base + "awo" and child["parentOrganization"]["name"]
    parent = json_ld(get(in_process, "/id/organization/awo").text)[0]
    children = {c["@id"] for c in parent["subOrganization"]}
    assert {base + "awo-schultenhof", base + "awo-bunkerplus-garten"} <= children


def test_event_markup_carries_dates_location_organizer_and_goals(in_process: str) -> None:
    event = json_ld(get(in_process, "/id/event/zeltdorf-2023", lang="en").text)[0]
    assert event["@type"] == "Event" and event["url"] == TEST_BASE_IRI + "id/event/zeltdorf-2023"
    assert event["startDate"] == event["endDate"] == "2023-05-07"
    assert event["location"] == {"@id": TEST_BASE_IRI + "id/place/dortmund", "name": "Dortmund"}
    assert event["organizer"]["@id"] == TEST_BASE_IRI + "id/organization/buero-fuer-internationale-beziehungen"
    assert event["organizer"]["name"] == "Office for International Relations of the City of Dortmund"
    assert len(event["attendee"]) == 30 and event["superEvent"]["name"] == "DORTBUNT.city 2023"
    assert {d["@language"] for d in event["description"]} == {"de", "en"}
    about = event["about"] if isinstance(event["about"], list) else [event["about"]]
    assert about and all(a["@id"].startswith("http://metadata.un.org/sdg/") and a["name"] for a in about)
    assert "knowsAbout" not in event

def test_sitemap_lists_the_landing_pages(in_process: str) -> None:
    body = HTTP.get(in_process + "/sitemap.xml", timeout=30).text
    for path in ("partners", "sparql", "queries", "catalog", "impressum", "datenschutz", "barrierefreiheit"):
        assert f"<loc>{TEST_BASE_IRI}{path}</loc>" in body, path


def test_partner_page_links_its_alignments_with_review_status(in_process: str) -> None:
    page = get(in_process, "/id/organization/adfc").text
    href = html.unescape(re.search(r'<p class="review-link"><a href="([^"]+)"', page).group(1))
    assert href == "/alignments?partner=adfc"
    data = get(in_process, "/alignments/view.json?partner=adfc").json()
    assert data["shown"] >= 2 and {row["resource"] for row in data["rows"]} == {"ADFC e.V."}
    assert all(row["status"] == "vorgeschlagen" for row in data["rows"])
