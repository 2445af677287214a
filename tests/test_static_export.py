"""``publisher export DIR`` served by a real nginx (Debian's) on loopback with the generated ``nginx.conf``:
the Linked Data negotiation suite (``tests/test_linked_data.py``) runs against it unchanged where a static
server can do what the app does; the cases it cannot (q-values weighed, ``?lang=``, search, gzip on the fly)
are named below and documented in the README. The export is made with short list pages (``LIST_PAGE_SIZE``), so
that every page of the paged JSON-LD lists (``?page=``) is exported and served, compared with the app's."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import tests.test_linked_data as linked_data_suite
from publisher.core.config import Config
from publisher.core.release import Release
from publisher.serve.export import export
from tests.conftest import TEST_BASE_IRI, free_port, stop_server

LIST_PAGE_SIZE = 10  # the shipped data's partners then fill several pages
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

# The Linked Data cases a static server answers as the app does.
SUITE = [
    "test_each_format_by_accept_and_by_extension", "test_nothing_acceptable_is_406_with_the_offers",
    "test_request_path_maps_to_the_canonical_iri", "test_unknown_resource_is_404_in_the_asked_format",
    "test_bad_paths_are_clear_4xx", "test_description_has_links_labels_and_incoming", "test_goal_lists_its_partners",
    "test_ontology_schemes_and_goals_dereference", "test_jsonld_uses_short_stable_keys",
    "test_every_resource_jsonld_and_turtle_are_isomorphic", "test_partners_csv_dump", "test_void",
    "test_sitemap_and_robots",
    "test_cors_allows_any_origin_without_credentials", "test_home_page_overview_is_accessible_svg",
]
for _name in SUITE:
    globals()[_name] = getattr(linked_data_suite, _name)
context_doc = linked_data_suite.context_doc
loader = linked_data_suite.loader
ADFC = linked_data_suite.ADFC
BROWSER_ACCEPT = linked_data_suite.BROWSER_ACCEPT

NGINX_MAIN = """{user}worker_processes 1;
error_log {tmp}/error.log;
pid {tmp}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {site}/nginx.conf;
}}
"""


@pytest.fixture(scope="module")
def paged_config(config: Config) -> Config:
    return dataclasses.replace(config, list_page_size=LIST_PAGE_SIZE)


@pytest.fixture(scope="module")
def app_client(paged_config: Config, release: Release):
    """The app itself, on the export's configuration (what each exported answer must equal)."""
    from publisher.serve.web.app import create_app

    return create_app(paged_config).test_client()


@pytest.fixture(scope="module")
def server(paged_config: Config, release: Release, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The export of the session's release, served by nginx in the foreground on a loopback port."""
    if not NGINX:
        pytest.skip("nginx is not installed (Debian's nginx; tools/install-test-dependencies.sh installs it)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    site = tmp_path_factory.mktemp("export")
    export(paged_config, site, url + "/")
    conf = site / "nginx.conf"
    conf.write_text(conf.read_text().replace("listen 8080;", f"listen 127.0.0.1:{port};"))
    tmp = tmp_path_factory.mktemp("nginx")
    main = tmp / "main.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # the workers must read the pytest folders (mode 700)
    main.write_text(NGINX_MAIN.format(user=user, tmp=tmp, site=site))
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(main), "-g", "daemon off;"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield from _serving(proc, url, "nginx")


def _serving(proc: subprocess.Popen, url: str, name: str) -> Iterator[str]:
    """Wait (at most 20 s) until the web server answers, yield its URL, then stop it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/", timeout=1)
            break
        except requests.RequestException:
            if proc.poll() is not None:
                pytest.fail(f"{name} did not start: {proc.stdout.read() if proc.stdout else ''}")
            time.sleep(0.1)
    try:
        yield url
    finally:
        stop_server(proc)


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "text/turtle"), ("*/*", "text/turtle"), ("", "text/turtle"), (BROWSER_ACCEPT, "text/html"),
    ("application/ld+json;q=0.5, text/turtle;q=0.4", "application/ld+json"),
    ("application/rdf+xml, text/html;q=0.9", "application/rdf+xml"),
    ("text/*;q=0.5, application/ld+json;q=0.6", "application/ld+json"),
    ("text/html;q=0, */*;q=0.5", "text/turtle"), ("application/x-turtle", "text/turtle"),
    ("application/xhtml+xml", "text/html"),
    # Not here: "text/turtle;q=0.2, application/n-triples;q=0.9" (a static map cannot weigh q-values).
])
def test_accept_cases_a_static_server_can_answer(server: str, accept: str | None, expected: str) -> None:
    linked_data_suite.test_accept_q_values(server, accept, expected)


def test_vary_link_and_content_location_as_the_app_sends_them(server: str, in_process: str) -> None:
    for accept, ext in (("application/ld+json", "jsonld"), ("text/turtle", "ttl"), (BROWSER_ACCEPT, "html")):
        ours = requests.get(server + ADFC, headers={"Accept": accept}, timeout=30)
        app = linked_data_suite.HTTP.get(in_process + ADFC, headers={"Accept": accept}, timeout=30)
        assert "Accept" in ours.headers["Vary"]
        assert ours.headers["Link"] == app.headers["Link"]
        assert ours.headers["Content-Location"] == app.headers["Content-Location"] == f"{ADFC}.{ext}"
        assert ours.content == app.content.replace(in_process.encode(), server.encode())
    by_extension = requests.get(server + ADFC + ".ttl", timeout=30)
    assert "Content-Location" not in by_extension.headers and by_extension.headers["Link"]


def test_every_file_has_the_media_type_of_its_extension(server: str) -> None:
    for path, media in (("/id/organization/adfc.nt", "application/n-triples"), ("/partners.csv", "text/csv"),
                        ("/context/v1.jsonld", "application/ld+json"), ("/dumps/dataset.ttl.gz", "application/gzip"),
                        ("/sitemap.xml", "application/xml"), ("/catalog.rdf", "application/rdf+xml")):
        response = requests.get(server + path, timeout=30)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].split(";")[0] == media, path


def _same_as_the_app(server: str, app_client, path: str, accept: str = "*/*") -> requests.Response:
    ours = requests.get(server + path, headers={"Accept": accept}, timeout=30)
    app = app_client.get(path, base_url=server + "/", headers={"Accept": accept, "Accept-Encoding": "identity"})
    assert ours.status_code == app.status_code == 200, (path, accept, ours.status_code, app.status_code)
    assert ours.content == app.get_data(), (path, accept)
    assert ours.headers["Content-Type"].split(";")[0] == app.headers["Content-Type"].split(";")[0], (path, accept)
    assert ours.headers.get("Link") == app.headers.get("Link"), (path, accept)
    # The feed names its documents by their canonical IRIs, the static server by path: the same document.
    location = (app.headers.get("Content-Location") or "").replace(TEST_BASE_IRI, "/")
    assert (ours.headers.get("Content-Location") or "") == location, (path, accept)
    assert "Accept" in ours.headers["Vary"]
    return ours


def test_every_page_of_the_paged_lists_is_served(server: str, app_client) -> None:
    for kind in ("partners", "events", "alignments"):
        first = _same_as_the_app(server, app_client, f"/{kind}", "application/ld+json")
        last = int(re.search(r'\?page=([0-9]+)>; rel="last"', first.headers["Link"]).group(1))
        if kind == "partners":
            assert last >= 3  # the test means something only when the list has several pages
        for number in range(1, last + 1):
            for path in (f"/{kind}?page={number}", f"/{kind}.jsonld?page={number}"):
                _same_as_the_app(server, app_client, path, "application/ld+json")
            _same_as_the_app(server, app_client, f"/{kind}?page={number}")  # */*: JSON-LD, as the app
        beyond = requests.get(f"{server}/{kind}?page={last + 1}", headers={"Accept": "application/ld+json"},
                              timeout=30)
        assert beyond.status_code == 404


def test_the_change_feed_is_served_in_every_format(server: str, app_client) -> None:
    root = _same_as_the_app(server, app_client, "/feed", "text/turtle")
    pages = sorted(set(re.findall(r"<[^>]*/(feed/[0-9]+)>", root.text)))
    assert pages, "the feed's root names no page"
    for page in ("feed", *pages):
        for accept in ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"):
            _same_as_the_app(server, app_client, f"/{page}", accept)
        _same_as_the_app(server, app_client, f"/{page}.nt")


def test_the_q_value_case_a_static_map_cannot_weigh(server: str, in_process: str) -> None:
    """Documented in the README ("Static export"): the first type found in the fixed order wins, so a type
    that comes earlier (JSON-LD, N-Triples, RDF/XML, Turtle, CSV, HTML) wins even with a lower q-value."""
    accept = "text/turtle, application/n-triples;q=0.5"
    app = linked_data_suite.HTTP.get(in_process + ADFC, headers={"Accept": accept}, timeout=30)
    ours = requests.get(server + ADFC, headers={"Accept": accept}, timeout=30)
    assert app.headers["Content-Type"].startswith("text/turtle")
    assert ours.headers["Content-Type"].startswith("application/n-triples")


APACHE = "/usr/sbin/apache2" if Path("/usr/sbin/apache2").exists() else None
APACHE_MODULES = Path("/usr/lib/apache2/modules")
APACHE_MAIN = """ServerRoot {tmp}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {tmp}/httpd.pid
ErrorLog {tmp}/error.log
Mutex file:{tmp}
{modules}
TypesConfig /etc/mime.types
DocumentRoot {site}
DirectoryIndex index.html
<Directory {site}>
    AllowOverride All
    Require all granted
</Directory>
"""


@pytest.fixture(scope="module")
def apache(paged_config: Config, release: Release) -> Iterator[str]:
    """The export served by Debian's Apache httpd with the generated ``.htaccess`` (mod_rewrite, mod_headers,
    mod_mime), in the foreground on a loopback port; in a world-readable folder, since its workers run as
    www-data when started as root."""
    if not APACHE:
        pytest.skip("apache2 is not installed (Debian's apache2; tools/install-test-dependencies.sh installs it)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    tmp = Path(tempfile.mkdtemp(prefix="test-apache-"))
    site = tmp / "site"
    export(paged_config, site, url + "/")
    for folder in (tmp, *(p for p in site.rglob("*") if p.is_dir()), site):
        folder.chmod(0o755)
    modules = "\n".join(f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so" for name in
                        ("mpm_event", "authz_core", "unixd", "mime", "rewrite", "headers", "dir", "env")
                        if (APACHE_MODULES / f"mod_{name}.so").exists())
    (tmp / "httpd.conf").write_text(APACHE_MAIN.format(tmp=tmp, port=port, site=site, modules=modules))
    user = ["-C", "User www-data", "-C", "Group www-data"] if os.geteuid() == 0 else []
    proc = subprocess.Popen([APACHE, "-f", str(tmp / "httpd.conf"), *user, "-DFOREGROUND"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield from _serving(proc, url, "apache2")
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "text/turtle"), ("*/*", "text/turtle"), (BROWSER_ACCEPT, "text/html"),
    ("application/ld+json;q=0.5, text/turtle;q=0.4", "application/ld+json"),
    ("application/rdf+xml, text/html;q=0.9", "application/rdf+xml"), ("application/n-triples", "application/n-triples"),
    ("application/x-turtle", "text/turtle"), ("application/xhtml+xml", "text/html"),
])
def test_htaccess_negotiates_on_apache(apache: str, accept: str | None, expected: str) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = requests.get(apache + ADFC, headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_htaccess_serves_every_file_with_its_media_type(apache: str) -> None:
    for path, media in (("/id/organization/adfc.nt", "application/n-triples"), ("/id/organization/adfc.jsonld",
                        "application/ld+json"), ("/partners.csv", "text/csv"), ("/feed.ttl", "text/turtle"),
                        ("/dumps/dataset.ttl.gz", "application/gzip"), ("/catalog.rdf", "application/rdf+xml")):
        response = requests.get(apache + path, timeout=30)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].split(";")[0] == media, path
    assert requests.get(apache + "/id/organization/no-such-partner", timeout=30).status_code == 404
