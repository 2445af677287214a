"""The store seam: what the web layer may ask of a store, and the errors it may get back.

User queries travel as a ``QueryRequest`` (plain, picklable data: the query text, the dataset, safely
bound parameters, the formats the client accepts and the row cap) and come back as a ``QueryResult``
(already serialized bytes). Keeping both as plain data is what lets a query run in another process
that can be killed when it overruns its time, and keeps pyoxigraph out of the web layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from publisher.core.terms import TermSpec


@dataclass(frozen=True)
class QueryRequest:
    query: str
    #: Registry names (``publisher.core.formats``) for a SELECT/ASK and for a CONSTRUCT/DESCRIBE
    #: result; ``None`` means the client accepts no format for that kind of result (→ 406).
    solutions_format: str | None = "sparql-json"
    graph_format: str | None = "turtle"
    #: Protocol ``default-graph-uri``/``named-graph-uri``; ``None`` means the endpoint's default dataset.
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    substitutions: tuple[tuple[str, TermSpec], ...] = ()
    max_rows: int = 10_000
    #: The byte cap on the written result (0 = none): rows beyond it are cut like rows beyond ``max_rows``.
    max_bytes: int = 0
    prefixes: tuple[tuple[str, str], ...] = ()
    #: A URL explaining the row cap, written into the result where the format has room for it (the ``link``
    #: of SPARQL JSON/XML, a comment in Turtle/N-Triples) when rows are cut.
    truncation_link: str = ""


@dataclass(frozen=True)
class QueryResult:
    kind: str  # "solutions", "boolean" or "graph"
    format: str
    body: bytes
    rows: int
    truncated: bool = False
    variables: tuple[str, ...] = field(default=())
    #: The cut (``truncated``) was made by the byte cap rather than the row cap.
    byte_limited: bool = False


class QueryError(Exception):
    """A user query could not be answered; ``status`` is the HTTP status the web layer answers with.

    Messages are written for the person who sent the query and never contain paths or tracebacks.
    """

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuerySyntaxError(QueryError):
    """The text is not a SPARQL query (the parser's message, with line and column)."""


class QueryRefused(QueryError):
    """A well-formed request this endpoint does not do: updates, federated ``SERVICE`` calls."""

    status = 403


class ResultNotAcceptable(QueryError):
    """The client accepts no format for the kind of result the query gives (e.g. CSV for CONSTRUCT)."""

    status = 406


class QueryTimeout(QueryError):
    """The query ran out of time and its worker was stopped."""

    status = 504

    @classmethod
    def after(cls, seconds: float) -> QueryTimeout:
        """The error for a query stopped at the time limit of ``seconds``, worded once for every store."""
        return cls(f"The query did not finish within the time limit of {seconds:g} seconds and was stopped. "
                   f"Simplify it or add a LIMIT.")


class QueryBusy(QueryError):
    """No worker became free within the queue wait (``query_queue_wait``); the client may retry."""

    status = 503
    retry_after = 1


class QueryOverBudget(QueryError):
    """The client used up its query time for the window (``query_budget_seconds``); retry after a while."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueryFailed(QueryError):
    """The engine could not evaluate a well-formed query (an evaluation error, the memory limit, an answer
    over the byte cap); nothing internal is disclosed. 422: the request was understood, not carried out —
    never a 500, which would say the publisher itself is broken."""

    status = 422


def engine_error(exc: Exception) -> QueryError:
    """What pyoxigraph raises for a query, as the seam's error, for whichever store: its parser's
    ``SyntaxError`` (and ``ValueError``: an IRI that is not one) a syntax error; an evaluation error (its
    ``OSError``/``RuntimeError``: a function outside SPARQL 1.1, such as Virtuoso's ``bif:`` and ``sql:`` ones) 422."""
    if isinstance(exc, SyntaxError):
        return QuerySyntaxError(f"Syntax error in the query: {exc}")
    if isinstance(exc, ValueError):
        return QuerySyntaxError(str(exc))
    first = (str(exc).splitlines() or ["unknown error"])[0][:300]
    return QueryFailed(f"The query could not be evaluated: {first}")


class StoreFailed(QueryFailed):
    """The triple store behind ``serve --store`` answered with an error or an answer that cannot be read.
    502: the component behind the web server gave no valid answer."""

    status = 502


class StoreUnavailable(StoreFailed):
    """The triple store behind ``serve --store`` cannot be reached; the client may retry shortly."""

    status = 503
    retry_after = 5


#: What a page (not a query) says while the store behind ``serve --store`` fails: German / English.
STORE_DOWN_MESSAGE = ("Der Triple Store hinter dieser Website antwortet gerade nicht; bitte später noch einmal "
                      "versuchen. / The triple store behind this site is not answering; please try again later.")
#: … and when it answered a page's query too late.
STORE_SLOW_MESSAGE = ("Der Triple Store hinter dieser Website hat nicht rechtzeitig geantwortet; bitte später noch "
                      "einmal versuchen. / The triple store behind this site did not answer in time; please try "
                      "again later.")


class QueryCrashed(QueryFailed):
    """The worker evaluating the query died (a crash, or the memory limit). 502: the component behind the
    web server gave no valid answer; retrying the same query will most likely fail the same way."""

    status = 502

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail  # how the worker ended (``SIGSEGV``, ``exit 1``), for the log only


class QueryStore(Protocol):
    """The store seam for user queries: run one within the configured limits."""

    def run(self, request: QueryRequest) -> QueryResult:
        """Run an untrusted query within the configured time limit and row cap."""
        ...


class ReleaseStore(QueryStore, Protocol):
    """Everything the web layer reads from one release: trusted reads written by the project, and user
    queries through ``run``. ``EmbeddedStore`` implements it; an external SPARQL store can too.
    """

    def describe(self, iri: str) -> Any:
        """The ``Description`` of ``iri`` (its triples, links' labels, incoming links) or None."""
        ...

    def listing(self, kind: str) -> Any:
        """One of the lists (``partners``, ``events``, ``alignments``) as a ``Listing``."""
        ...

    def labels(self, iris: set[str]) -> Any:
        """The label triples (names, labels, notations) of ``iris``."""
        ...

    def search(self, text: str, limit: int = 50) -> list:
        """``[(iri, label)]`` of resources whose name contains ``text``."""
        ...

    def office(self) -> str | None:
        """The organisation the home page introduces."""
        ...

    def described_iris(self, limit: int) -> list[str]:
        """The IRIs below the base that the release describes (the sitemap)."""
        ...

    def concepts(self, scheme: str) -> list[str]:
        """The concept IRIs of a SKOS concept scheme."""
        ...

    def catalog(self) -> Any:
        """The catalogue graph of the release, or None."""
        ...
