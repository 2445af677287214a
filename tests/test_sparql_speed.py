"""The fixed cost of a query: the budget ledger, the worker's remembered checks and the lean ``/sparql`` path.

Each test pins a property that made a light query cost more than the engine needs (issue 14)."""

from __future__ import annotations

import pytest

from publisher.serve.store.base import QueryOverBudget
from publisher.serve.store.pool import QueryBudget


def test_budget_ledger_stays_small_for_a_busy_client():
    # One entry per request made every check cost O(requests in the window): the ledger merges them.
    budget = QueryBudget(seconds=1_000.0, window=60.0)
    for _ in range(5_000):
        budget.charge("busy", 0.0001)
        budget.check("busy")
    assert len(budget._ledger["busy"]) <= QueryBudget.BUCKETS + 1
    budget.charge("busy", 1_000.0)
    with pytest.raises(QueryOverBudget):
        budget.check("busy")
