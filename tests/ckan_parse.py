"""Harvest a served catalogue with ckanext-dcat's own ``RDFParser`` and print the CKAN dataset dicts as JSON.

Runs in the separate CKAN venv (``.cache/ckan-venv``, made by tools/install-test-dependencies.sh), never in
the project's: CKAN pins its own Flask/werkzeug. It does what ckanext-dcat's RDF harvester does for each
page (``DCATRDFHarvester.gather_stage``): GET without an Accept header, parse with the media type of
``Content-Type``, collect ``RDFParser.datasets()``, follow ``RDFParser.next_page()``. Outside a CKAN site
the parser only needs CKAN's config object, filled here as ckanext-dcat's tests fill it (``ckan.site_url``,
``ckanext.dcat.rdf.profiles``) and, if given, ``licenses_group_url`` (a portal's licence register).

Usage: python ckan_parse.py URL PROFILE [LICENSES_JSON]
Output: {"datasets": [...], "pages": N, "political_geocoding": {dataset IRI: [IRIs]}} on stdout.
"""

from __future__ import annotations

import json
import sys
import urllib.request

from ckantoolkit import config
from rdflib import Namespace, URIRef

MAX_PAGES = 50  # a bounded loop: a catalogue that pages forever is an error, not a hang
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")


def _get(url: str) -> tuple[bytes, str]:
    request = urllib.request.Request(url)  # no Accept header, like the harvester
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback URL from the test)
        return response.read(), response.headers.get("Content-Type", "").split(";", 1)[0].strip()


def main(url: str, profile: str, licenses: str | None) -> None:
    config["ckan.site_url"] = "http://ckan.example.test"
    config["ckanext.dcat.rdf.profiles"] = profile
    if licenses:
        config["licenses_group_url"] = "file://" + licenses
    from ckanext.dcat.processors import RDFParser  # after the config: profiles read it when loaded

    datasets: list[dict] = []
    geocoding: dict[str, list[str]] = {}
    pages = 0
    next_url: str | None = url
    while next_url:
        pages += 1
        if pages > MAX_PAGES:
            raise SystemExit(f"more than {MAX_PAGES} pages: paging does not end")
        body, media_type = _get(next_url)
        parser = RDFParser(profiles=[profile])
        parser.parse(body, _format=media_type)
        datasets.extend(parser.datasets())
        # GovData's dcatde profile (ckanext-dcatde, not on PyPI) reads the municipality from here; the
        # euro_dcat_ap profiles do not, so it is read from the parser's own graph.
        for dataset in parser._datasets():
            values = parser.g.objects(dataset, DCATDE.politicalGeocodingURI)
            geocoding[str(dataset)] = sorted(str(v) for v in values if isinstance(v, URIRef))
        next_url = parser.next_page()
    json.dump({"datasets": datasets, "pages": pages, "political_geocoding": geocoding}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
