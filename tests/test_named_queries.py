"""The named queries give the numbers the home page shows (its counts come from the partners list).

Runs each query in process against the session's release through the store seam, with the same
substitutions the web layer binds, and compares with ``listing`` / the home page's ``overview``.
"""

from __future__ import annotations

import json

import pytest

from publisher.core.named_queries import named_queries
from publisher.core.namespaces import SDG_GOALS, goal_iri
from publisher.core.urls import Urls
from publisher.serve.render.overview import overview
from publisher.serve.store.base import QueryRequest
from publisher.serve.store.embedded import EmbeddedStore


@pytest.fixture(scope="module")
def store(release, config) -> EmbeddedStore:
    return EmbeddedStore(release.store_path, config.base_iri)


@pytest.fixture(scope="module")
def home(store, config):
    """The home page's overview (per goal and per dimension: the partners it counts)."""
    partners = store.listing("partners")
    partners.add_labels(store.labels({goal_iri(n) for n in SDG_GOALS}))
    return overview(partners, config.base_iri + "def/", Urls(config.base_iri), "de")


def run(store: EmbeddedStore, config, name: str, **params: str) -> list[dict[str, str]]:
    query = named_queries()[name]
    substitutions = query.bind(params, config.base_iri,
                               lambda kind: [i.rsplit("/", 1)[-1] for i in store.concepts(
                                   config.base_iri + {"quadrangle-dimension": "def/quadrangle",
                                                      "review-status": "def/review-status"}[kind])])
    result = store.run(QueryRequest(query.sparql(config.base_iri), substitutions=substitutions))
    data = json.loads(result.body)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def test_partners_per_goal_equals_the_home_page(store, config, home) -> None:
    rows = run(store, config, "partners-per-goal")
    assert len(rows) == 17
    by_goal = {int(r["notation"]): int(r["partners"]) for r in rows}
    assert by_goal == {int(c.key): c.count for c in home.goals}
    assert by_goal[4] == 7, "the tent village (an event) is not a partner of SDG 4"


@pytest.mark.parametrize("goal", SDG_GOALS)
def test_partners_by_goal_equals_the_home_page(store, config, home, goal: int) -> None:
    rows = run(store, config, "partners-by-goal", goal=str(goal))
    column = next(c for c in home.goals if c.key == str(goal))
    assert len(rows) == column.count == len({r["partner"] for r in rows})
    assert all("/id/event/" not in r["partner"] for r in rows)
    assert all(r.get("reviewStatus") for r in rows), "every row has the promised review status"
    assert {s for r in rows for s in r["reviewStatus"].split()} <= {"proposed", "confirmed"}


def test_partners_by_dimension_equals_the_home_page(store, config, home) -> None:
    assert home.dimensions
    for column in home.dimensions:
        rows = run(store, config, "partners-by-dimension", dimension=column.key.rsplit("/", 1)[-1])
        assert len({r["partner"] for r in rows}) == column.count, column.key


def test_search_partners_finds_partners_only(store, config, home) -> None:
    partners = store.listing("partners")
    expected = {i.iri for i in partners.items if "europa" in partners.label(i.iri).casefold()}
    rows = run(store, config, "search-partners", text="Europa")
    assert {r["partner"] for r in rows} == expected and expected


def test_tent_village_participants_match_the_events_list(store, config) -> None:
    events = store.listing("events")
    tent = next(i for i in events.items if i.iri.endswith("/id/event/zeltdorf-2023"))
    rows = run(store, config, "tent-village-participants")
    assert {r["participant"] for r in rows} == {v.value for v in tent.values["http://schema.org/attendee"]}


def test_alignments_by_review_status_match_the_list(store, config) -> None:
    alignments = store.listing("alignments")
    status = config.base_iri + "def/reviewStatus"
    proposed = {i.iri for i in alignments.items if any(v.value.endswith("/proposed") for v in i.values[status])}
    assert {r["alignment"] for r in run(store, config, "alignments-by-review-status", status="proposed")} == proposed


def test_events_include_festivals(store, config) -> None:
    """derive.py materialises schema:Festival rdfs:subClassOf schema:Event, so a query for events finds both."""
    rows = store.select("SELECT ?e WHERE { ?e a <http://schema.org/Event> }")
    events = {r["e"].value for r in rows}
    assert config.base_iri + "id/event/dortbunt-2023" in events
    assert events == {i.iri for i in store.listing("events").items}
