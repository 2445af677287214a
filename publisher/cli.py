"""The command line: ``publisher validate | build | serve | push | export | diff | rollback | tables``.

Errors in the data end in a message that names the file (and line), the resource and the property,
and a non-zero exit; never a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import click

from publisher import __version__
from publisher.build.sources import SourceError
from publisher.core.config import Config, store_credentials


@click.group()
@click.version_option(__version__, prog_name="publisher")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A publisher.toml file (default: ./publisher.toml if present).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="The folder holding ontology/, data/ and shapes/ (default: this checkout).")
@click.option("--base-iri", help="Canonical base IRI of every resource, ending in '/'.")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where releases are written (default: ROOT/build).")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None, root: Path | None, base_iri: str | None,
         build_dir: Path | None) -> None:
    """Publish the Office for International Relations' network as Linked Open Data."""
    try:
        ctx.obj = Config.load(config_file, root=root, base_iri=base_iri, build_dir=build_dir)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@main.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="Report for people (text) or machines (json).")
@click.pass_obj
def validate(config: Config, output_format: str) -> None:
    """Check the data against the shapes; exit 1 on any violation."""
    from publisher.build import load_and_validate

    try:
        report = load_and_validate(config)[3]
    except SourceError as exc:
        _fail_source(exc, output_format)
    if output_format == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.to_text())
    sys.exit(0 if report.conforms else 1)


@main.command()
@click.pass_obj
def build(config: Config) -> None:
    """Validate, then write a new release and switch to it in one step."""
    from publisher.build import BuildBusy, BuildRefused
    from publisher.build import build as run_build
    from publisher.core.release import current_release

    try:
        before = current_release(config.builds)
        release = run_build(config)
    except SourceError as exc:
        _fail_source(exc, "text")
    except BuildRefused as exc:
        click.echo(exc.report.to_text(), err=True)
        click.echo("Build refused: nothing was published; the previous release is still served.", err=True)
        sys.exit(1)
    except BuildBusy as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except OSError as exc:
        _fail_disk(exc, config)
    if before is not None and release.id == before.id:
        click.echo(f"Keine Änderung: Inhalt gleich der aktuellen Veröffentlichung {release.id}; "
                   "nichts veröffentlicht. / "
                   f"No change: content equals the current release {release.id}; nothing published.")
        return
    m = release.manifest
    click.echo(f"Built release {m['build_id']} at {release.path}")
    click.echo(f"  {m['triples']} triples, content {m['content_hash']}")
    for cls, n in sorted(m["classes"].items(), key=lambda kv: -kv[1])[:12]:
        click.echo(f"  {n:6d}  {cls}")
    changes = m.get("changes")
    if changes and m.get("previous"):
        click.echo(f"  Änderungen / changes: +{changes['added']} ~{changes['changed']} -{changes['removed']}"
                   " (publisher diff)")


@main.command()
@click.option("--host", help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8080).")
@click.option("--workers", type=int, help="Server processes (default 2).")
@click.option("--threads", type=int, help="Threads per server process (default 32).")
@click.option("--store", metavar="URL",
              help="Serve from an external SPARQL 1.1 query endpoint (the release 'publisher push' put there) "
                   "instead of the embedded store, e.g. http://127.0.0.1:7878/query (Oxigraph), "
                   "http://127.0.0.1:8890/sparql (Virtuoso). Credentials: PUBLISHER_STORE_USER/_PASSWORD.")
@click.pass_obj
def serve(config: Config, host: str | None, port: int | None, workers: int | None, threads: int | None,
          store: str | None) -> None:
    """Serve the current release with granian, a production HTTP server; builds first if there is none.

    granian's HTTP layer is Rust, so the Python code runs only the app: the server answers cached
    representations several times faster than a pure-Python server (see BENCHMARKS.md).
    """
    from dataclasses import replace

    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    from publisher.core.release import current_release

    chosen = {"host": host, "port": port, "workers": workers, "threads": threads, "store": store}
    config = replace(config, **{k: v for k, v in chosen.items() if v})
    if not config.store and current_release(config.builds) is None:
        click.echo("No release yet; building one first.")
        click.get_current_context().invoke(build)
    # The server processes build the app from the environment (publisher.serve.web.wsgi), so hand them
    # the configuration this command resolved.
    os.environ.update(config.to_environment())
    source = f" from the store at {config.store}" if config.store else ""
    click.echo(f"Serving {config.base_iri}{source} on http://{config.host}:{config.port}/ (Ctrl+C to stop)")
    # Slow clients: granian (Rust) cuts off headers that take longer than header_timeout or exceed
    # header_max_bytes without any Python thread waiting; bodies are bounded in the app (web/bodies.py).
    http1 = HTTP1Settings(header_read_timeout=int(config.header_timeout * 1000),
                          max_buffer_size=max(8192, config.header_max_bytes))
    Granian("publisher.serve.web.wsgi:app", address=config.host, port=config.port, interface=Interfaces.WSGI,
            workers=config.workers, blocking_threads=config.threads, http1_settings=http1,
            workers_kill_timeout=max(1, config.shutdown_timeout), log_access=False).serve()


@main.command()
@click.option("--graph-store", required=True, metavar="URL",
              help="The store's Graph Store Protocol endpoint, e.g. http://127.0.0.1:7878/store (Oxigraph), "
                   "http://127.0.0.1:8890/sparql-graph-crud-auth (Virtuoso).")
@click.option("--query-endpoint", required=True, metavar="URL",
              help="The store's SPARQL query endpoint, e.g. http://127.0.0.1:7878/query (Oxigraph).")
@click.option("--update-endpoint", metavar="URL",
              help="The store's SPARQL Update endpoint, for the one-step switch, e.g. http://127.0.0.1:7878/update "
                   "(Oxigraph), http://127.0.0.1:8890/sparql-auth (Virtuoso). Without it the one-triple pointer "
                   "graph is replaced by one PUT.")
@click.option("--retries", type=int, default=4, show_default=True,
              help="Retries of a request on a transient error (connection refused, 5xx), with backoff.")
@click.option("--grace", type=float, default=3.0, show_default=True,
              help="Seconds to wait after the switch before deleting the old release's graphs, so that reads "
                   "that began on it can finish.")
@click.option("--chunk", type=int, default=50_000, show_default=True,
              help="Triples per request: a big graph is sent as one PUT and then POSTs of this many triples.")
@click.pass_obj
def push(config: Config, graph_store: str, query_endpoint: str, update_endpoint: str | None, retries: int,
         grace: float, chunk: int) -> None:
    """Copy the current release into an external SPARQL store atomically: load it into graphs named for the
    release, verify the counts, switch the store's pointer in one step, delete the old release's graphs.

    Credentials come only from the environment: PUBLISHER_STORE_USER and PUBLISHER_STORE_PASSWORD.
    """
    from publisher.build.push import Endpoints, PushError
    from publisher.build.push import push as push_release
    from publisher.core.release import current_release

    release = current_release(config.builds)
    if release is None:
        click.echo("No release to push; run 'publisher build' first.", err=True)
        sys.exit(1)
    auth = store_credentials()
    total = sum(release.manifest["graphs"].values())
    # A bar for people at a terminal; one line per graph for logs and for CI.
    bar = click.progressbar(length=total, label="uploading", file=sys.stderr) if sys.stderr.isatty() else None
    done = [0, 0, 0]  # graphs, triples, bar finished

    def progress(graph: str, triples: int) -> None:
        done[0] += 1
        done[1] += triples
        if bar is not None:
            bar.update(triples)
        else:
            click.echo(f"  loaded graph {done[0]}/{len(release.manifest['graphs'])} {graph} ({triples} triples, "
                       f"{done[1]}/{total})", err=True)

    def say(text: str) -> None:
        if bar is not None and done[0] and not done[2]:
            done[2] = 1
            bar.render_finish()
        click.echo(text, err=True)

    try:
        report = push_release(release, Endpoints(graph_store, query_endpoint, update_endpoint), auth,
                              progress=progress, say=say, retries=retries, grace=grace,
                              chunk=max(1, chunk))
    except PushError as exc:
        click.echo(f"Push failed: {exc}", err=True)
        sys.exit(1)
    what = "Pushed" if report.loaded else "Already served"
    click.echo(f"{what} release {release.id}: {len(report.graphs)} graphs, {report.triples} triples"
               + (f" (previously served: {report.previous})" if report.previous and report.loaded else "")
               + (f"; deleted {len(report.deleted)} stale graph(s)" if report.deleted else ""))


@main.command(name="export")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.option("--url", metavar="URL",
              help="Where the export will be served (absolute links in the sitemap, robots.txt and catalogue); "
                   "default: the base IRI's scheme and host.")
@click.pass_obj
def export_site(config: Config, target: Path, url: str | None) -> None:
    """Write the current release as a static site into TARGET: every resource in every format, the pages,
    lists, dumps, catalogue, VoID, sitemap and context, with nginx.conf and .htaccess for negotiation."""
    from urllib.parse import urlsplit

    from publisher.core.release import current_release
    from publisher.serve.export import export

    if current_release(config.builds) is None:
        click.echo("No release to export; run 'publisher build' first.", err=True)
        sys.exit(1)
    if url is None:
        parts = urlsplit(config.base_iri)
        url = f"{parts.scheme}://{parts.netloc}/"
    report = export(config, target, url)
    click.echo(f"Exported {report.files} files ({report.bytes / 1e6:.1f} MB) to {target}; "
               f"serve them with {target / 'nginx.conf'} (nginx) or {target / '.htaccess'} (Apache)")


@main.group()
def tables() -> None:
    """Spreadsheets for the office: export the data to a workbook, import the edited workbook back.

    Tabellen für das Büro: Daten als Arbeitsmappe ausgeben und die bearbeitete Mappe wieder einlesen
    (siehe docs/anleitung-tabellen.md).
    """


@tables.command("export")
@click.argument("target", type=click.Path(path_type=Path))
@click.pass_obj
def tables_export(config: Config, target: Path) -> None:
    """Write partners, events, participations and alignments to TARGET (.xlsx, .ods, or a folder of .csv)."""
    from publisher.tables import TablesError, WorkbookError, export_workbook

    try:
        counts = export_workbook(config, target)
    except (TablesError, WorkbookError) as exc:
        _fail_tables(exc)
    except SourceError as exc:
        _fail_source(exc, "text")
    click.echo(f"Geschrieben / written: {target}")
    for sheet, n in counts.items():
        click.echo(f"  {sheet}: {n} Zeilen / rows")


@tables.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only show what would change; write nothing.")
@click.pass_obj
def tables_import(config: Config, source: Path, dry_run: bool) -> None:
    """Read SOURCE (.xlsx, .ods, or a folder of .csv), show the changes and write data/*.ttl."""
    from publisher.tables import TablesError, WorkbookError, import_workbook

    try:
        result = import_workbook(config, source, dry_run=dry_run)
    except (TablesError, WorkbookError) as exc:
        _fail_tables(exc)
    except SourceError as exc:
        _fail_source(exc, "text")
    if not result.files:
        click.echo("Keine Änderung / no change: data/ bleibt, wie es ist / data/ stays as it is.")
        return
    for line in result.changes:
        click.echo(f"  {line}")
    files = ", ".join(result.files)
    if dry_run:
        click.echo(f"Probelauf: nichts geschrieben; würde ändern / dry run: nothing written; would change: {files}")
    else:
        click.echo(f"Geschrieben / written: {files}")
        click.echo("Weiter / next: publisher validate, dann / then publisher build")


def _fail_tables(exc: Exception) -> None:
    click.echo(str(exc), err=True)
    click.echo("Nichts wurde geschrieben; bitte die Tabelle korrigieren und erneut importieren. / "
               "Nothing was written; please fix the workbook and import again.", err=True)
    sys.exit(1)


@main.command()
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="Changes for people (text, German and English) or machines (json).")
@click.pass_obj
def diff(config: Config, old: str | None, new: str | None, output_format: str) -> None:
    """What changed from release OLD to NEW (default: the previous and the current release)."""
    from publisher.build.changes import change_list, to_text
    from publisher.core.release import Release, complete_releases, current_link, releases_dir

    complete = complete_releases(config.builds)
    link = current_link(config.builds)
    served = link.resolve().name if link.exists() else None
    if new is None:
        new = served
    if old is None and new in complete:
        index = complete.index(new)
        old = complete[index - 1] if index > 0 else None
    if new is None or (old is None and not complete):
        click.echo("Keine Veröffentlichung vorhanden; zuerst 'publisher build'. / "
                   "No release yet; run 'publisher build' first.", err=True)
        sys.exit(1)
    releases = {}
    for rid in (old, new):
        if rid is not None and rid not in complete:
            kept = ", ".join(complete) or "-"
            click.echo(f"Unbekannte oder unvollständige Veröffentlichung {rid}; vorhanden: {kept}. / "
                       f"Unknown or incomplete release {rid}; kept: {kept}.", err=True)
            sys.exit(1)
        if rid is not None:
            releases[rid] = Release.open(releases_dir(config.builds) / rid)
    doc = change_list(releases.get(old) if old else None, releases[new])
    if output_format == "json":
        click.echo(json.dumps(doc, indent=1, ensure_ascii=False))
    else:
        click.echo(to_text(doc), nl=False)


@main.command()
@click.argument("release_id", required=False)
@click.pass_obj
def rollback(config: Config, release_id: str | None) -> None:
    """Serve an earlier release again in one step: the previous one, or RELEASE_ID."""
    from publisher.build import BuildBusy, RollbackError
    from publisher.build import rollback as run_rollback

    try:
        release, before = run_rollback(config, release_id)
    except (RollbackError, BuildBusy) as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except OSError as exc:
        _fail_disk(exc, config)
    click.echo(f"Zurückgesetzt: es wird wieder {release.id} veröffentlicht (vorher {before or '-'}). / "
               f"Rolled back: serving {release.id} again (was {before or '-'}).")


DISK_ERRORS = {errno.ENOSPC: ("Kein Speicherplatz mehr", "No space left on the device"),
               errno.EDQUOT: ("Speicherkontingent erschöpft", "Disk quota exceeded"),
               errno.EROFS: ("Dateisystem ist schreibgeschützt", "Read-only file system"),
               errno.EACCES: ("Keine Schreibberechtigung", "Permission denied"),
               errno.EPERM: ("Keine Schreibberechtigung", "Operation not permitted"),
               errno.ENOTDIR: ("Ein Teil des Pfads ist kein Ordner", "A part of the path is not a folder"),
               errno.EEXIST: ("Ein Teil des Pfads ist kein Ordner", "A part of the path is not a folder")}


def _fail_disk(exc: OSError, config: Config) -> None:
    """Disk full, read-only or unwritable build folder: one line, German then English, exit 1."""
    if exc.errno not in DISK_ERRORS:
        raise exc
    de, en = DISK_ERRORS[exc.errno]
    where = exc.filename or config.builds
    click.echo(f"Fehler: {de} beim Schreiben in {where}; nichts wurde veröffentlicht. / "
               f"Error: {en} writing {where}; nothing was published.", err=True)
    sys.exit(1)


def _fail_source(exc: SourceError, output_format: str) -> None:
    if output_format == "json":
        click.echo(json.dumps({"conforms": False, "error": {"file": exc.path, "line": exc.line,
                                                            "message": exc.message}}, ensure_ascii=False))
    else:
        click.echo(f"{exc}", err=True)
        click.echo("Nothing was published; fix the file and run again.", err=True)
    sys.exit(1)


if __name__ == "__main__":
    main()
