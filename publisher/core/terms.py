"""Bound parameter values as plain data, so that they cross process boundaries (to the query workers).

A ``TermSpec`` is ``("iri", value)`` or ``("literal", lexical form, datatype IRI or "", language tag or "")``.
"""

from __future__ import annotations

import pyoxigraph as ox

TermSpec = tuple[str, ...]


def term(spec: TermSpec) -> ox.NamedNode | ox.Literal:
    """The pyoxigraph term for a bound parameter (see ``TermSpec``)."""
    kind, value, *rest = spec
    if kind == "iri":
        return ox.NamedNode(value)
    datatype, language = (rest + ["", ""])[:2]
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)
