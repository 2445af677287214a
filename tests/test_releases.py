"""Releases that cannot rot: a manifest that verifies, pruning by id time, no debris, rollback, no empty
builds, clear errors for a full or unwritable disk, and a server that serves only complete releases."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from publisher.build import BuildBusy, BuildContext, build, pipeline
from publisher.cli import main
from publisher.core.config import Config
from publisher.core.release import LOCK, Release, current_release, id_time, verify
from publisher.serve.store.live import LiveRelease, NoRelease
from tests.conftest import TEST_BASE_IRI, start_server, stop_server
from tests.test_build import rename_adfc


@pytest.fixture
def config(project_copy: Path) -> Config:
    return Config.load(root=project_copy, base_iri=TEST_BASE_IRI, build_dir=project_copy / "build")


def releases(config: Config) -> list[str]:
    return sorted(p.name for p in (config.builds / "releases").iterdir())


def served(config: Config) -> str:
    return (config.builds / "current").resolve().name


def cli(config: Config, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PUBLISHER_ROOT": str(config.root), "PUBLISHER_BASE_IRI": config.base_iri,
           "PUBLISHER_BUILD_DIR": str(config.builds)}
    return subprocess.run([sys.executable, "-m", "publisher.cli", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def build_changed(config: Config, name: str, **kw) -> Release:
    rename_adfc(config, name)
    return build(config, steps=[], **kw)


# --- the manifest ------------------------------------------------------------------------------------------


def test_manifest_vouches_for_every_file_and_verify_names_a_damaged_one(config: Config) -> None:
    release = build(config)
    files = release.manifest["files"]
    for rel in ("dataset.nq", "changes.json", "dumps/dataset.ttl.gz", "dumps/index.json", "lists/partners.csv",
                "catalog/catalog.nt"):
        assert rel in files and files[rel]["size"] == (release.path / rel).stat().st_size
    assert any(rel.startswith("store/") and rel.endswith(".sst") for rel in files)
    assert release.verify() == []

    dump = release.path / "dumps/dataset.ttl.gz"
    dump.write_bytes(dump.read_bytes()[:100])  # truncated
    sst = next(p for p in (release.path / "store").iterdir() if p.suffix == ".sst")
    sst.unlink()
    (release.path / "stray.txt").write_text("x", encoding="utf-8")
    problems = "\n".join(verify(release.path))
    assert "dumps/dataset.ttl.gz: size 100" in problems
    assert f"store/{sst.name}:" in problems
    assert "stray.txt: not in the manifest" in problems
    (release.path / "manifest.json").unlink()
    assert verify(release.path) and "manifest.json" in verify(release.path)[0]


# --- pruning -----------------------------------------------------------------------------------------------


def test_prune_goes_by_the_id_time_and_never_keeps_a_half_deleted_release(config: Config) -> None:
    """A kill during pruning left the oldest release half deleted, with a fresh mtime (as on main)."""
    config = replace(config, keep_releases=3)
    a, b, c = (build_changed(config, f"ADFC {n}") for n in "abc")
    assert [id_time(r.id) for r in (a, b, c)] == sorted({id_time(r.id) for r in (a, b, c)}), "ids order builds"
    shutil.rmtree(a.path / "store")
    os.utime(a.path)  # what deleting files does to the folder's mtime
    os.utime(b.path, (0, 0))  # and an old mtime must not get a complete release deleted either
    d = build_changed(config, "ADFC d")
    assert releases(config) == sorted([b.id, c.id, d.id])


def test_keep_releases_is_a_setting_and_current_is_never_pruned(config: Config) -> None:
    assert Config.load(root=config.root, base_iri=TEST_BASE_IRI).keep_releases == 10
    with pytest.raises(ValueError):
        replace(config, keep_releases=0)
    config = replace(config, keep_releases=2)
    built = [build_changed(config, f"ADFC {n}").id for n in range(4)]
    assert releases(config) == built[2:]
    pipeline.rollback(config, built[2])  # the older of the two kept is served again
    assert pipeline.prune(config.builds, 1) == []  # the newest one, and the one served
    assert releases(config) == built[2:] and served(config) == built[2]


# --- debris and the lock -----------------------------------------------------------------------------------


def test_a_build_removes_debris_of_killed_builds_but_not_while_another_build_runs(config: Config) -> None:
    build(config, steps=[])
    tmp = config.builds / ".tmp-20261201T000000Z-dead00"
    (tmp / "store").mkdir(parents=True)
    (tmp / "dataset.nq").write_text("half", encoding="utf-8")
    os.symlink("releases/nothing", config.builds / ".current-20261201T000000Z-dead00")

    fd = os.open(config.builds / LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another build is running
        with pytest.raises(BuildBusy):
            build_changed(config, "ADFC busy")
        assert tmp.is_dir(), "a running build's folder is not debris"
        result = cli(config, "build")
        assert result.returncode == 1 and "Another build is running" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        os.close(fd)
    build_changed(config, "ADFC free")
    assert not [p.name for p in config.builds.iterdir() if p.name.startswith((".tmp-", ".current-"))]


# --- no empty builds, rollback -----------------------------------------------------------------------------


def test_a_build_without_change_publishes_nothing_and_says_so(config: Config) -> None:
    first = build(config, steps=[])
    again = build(config, steps=[])
    assert again.id == first.id and releases(config) == [first.id]
    result = cli(config, "build")  # all steps: a different release from the steps=[] one
    assert result.returncode == 0 and "Built release" in result.stdout
    result = cli(config, "build")
    assert result.returncode == 0, result.stderr
    assert "Keine Änderung" in result.stdout and "No change" in result.stdout
    assert len(releases(config)) == 2


def test_rollback_serves_the_previous_release_and_a_named_one(config: Config) -> None:
    a = build_changed(config, "ADFC a")
    b = build_changed(config, "ADFC b")
    c = build_changed(config, "ADFC c")
    result = cli(config, "rollback")
    assert result.returncode == 0, result.stderr
    assert served(config) == b.id and "Zurückgesetzt" in result.stdout and "Rolled back" in result.stdout
    assert os.path.islink(config.builds / "current")
    assert cli(config, "rollback").returncode == 0 and served(config) == a.id
    none_left = cli(config, "rollback")
    assert none_left.returncode == 1 and "no earlier complete release" in none_left.stderr
    assert cli(config, "rollback", c.id).returncode == 0 and served(config) == c.id
    unknown = cli(config, "rollback", "20200101T000000Z-000000")
    assert unknown.returncode == 1 and "Unbekannte" in unknown.stderr and "Unknown release" in unknown.stderr
    (config.builds / "releases" / b.id / "dataset.nq").write_text("", encoding="utf-8")
    broken = cli(config, "rollback", b.id)
    assert broken.returncode == 1 and "incomplete or damaged" in broken.stderr and served(config) == c.id
    assert "Traceback" not in unknown.stderr + broken.stderr + none_left.stderr


# --- disk full, read-only ----------------------------------------------------------------------------------


def test_an_unwritable_build_folder_gives_one_bilingual_line(config: Config, tmp_path: Path) -> None:
    # Tests run as root, who may write anywhere: a file where the folder should be cannot be written by anyone.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file", encoding="utf-8")
    result = cli(replace(config, build_dir=blocker / "build"), "build")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Fehler:" in lines[0] and "Error:" in lines[0] and "nothing was published" in lines[0]


@pytest.mark.parametrize("code, de, en", [(errno.ENOSPC, "Kein Speicherplatz", "No space left"),
                                          (errno.EROFS, "schreibgeschützt", "Read-only file system")])
def test_disk_full_or_read_only_during_a_build(config: Config, monkeypatch: pytest.MonkeyPatch,
                                               code: int, de: str, en: str) -> None:
    def disk_full(ctx: BuildContext) -> None:
        raise OSError(code, os.strerror(code), str(ctx.out / "dumps"))

    monkeypatch.setattr(pipeline, "ARTIFACT_STEPS", [disk_full])
    result = CliRunner().invoke(main, ["--root", str(config.root), "--base-iri", TEST_BASE_IRI,
                                       "--build-dir", str(config.builds), "build"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert de in result.output and en in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not [p for p in config.builds.iterdir() if p.name.startswith(".tmp-")]
    assert current_release(config.builds) is None


# --- the server serves only complete releases --------------------------------------------------------------


def test_the_server_never_switches_to_an_incomplete_release(config: Config, caplog) -> None:
    good = build_changed(config, "ADFC good")
    live = LiveRelease(config)
    live.CHECK_INTERVAL = 0
    assert live.get().release.id == good.id
    bad = build_changed(config, "ADFC bad")
    (bad.path / "dataset.nq").write_bytes(b"")  # damaged after the build
    with caplog.at_level(logging.ERROR, logger="publisher.serve.store.live"):
        assert live.get().release.id == good.id
    assert f"incomplete or damaged release {bad.id}" in caplog.text and "dataset.nq" in caplog.text
    assert f"keeping release {good.id}" in caplog.text


def test_when_current_disappears_every_process_serves_the_same_release(config: Config, caplog) -> None:
    build_changed(config, "ADFC 1")
    last = build_changed(config, "ADFC 2")
    running = LiveRelease(config)
    running.CHECK_INTERVAL = 0
    assert running.get().release.id == last.id
    (config.builds / "current").unlink()
    fresh = LiveRelease(config)  # a process started (or restarted) after the link went away
    with caplog.at_level(logging.WARNING, logger="publisher.serve.store.live"):
        assert running.get().release.id == last.id
        assert fresh.get().release.id == last.id
    assert "is missing; keeping release" in caplog.text and "is missing; serving the newest" in caplog.text


def test_a_damaged_store_is_a_clear_503_not_a_500(config: Config) -> None:
    release = build_changed(config, "ADFC store")
    live = LiveRelease(config)
    live.CHECK_INTERVAL = 0
    store = live.get().store
    for sst in (release.path / "store").glob("*.sst"):
        data = bytearray(sst.read_bytes())
        for i in range(0, len(data), 64):
            data[i] ^= 0xFF
        with open(sst, "r+b") as f:  # in place: the open store reads the damaged bytes
            f.write(data)
    with pytest.raises(NoRelease) as damaged:
        store.listing("partners")
    assert getattr(damaged.value, "code", None) == 503
    assert "beschädigt" in str(damaged.value) and "damaged" in str(damaged.value)


@pytest.fixture
def served_build(config: Config):
    release = build(config)
    proc, url = start_server(config)
    yield config, release, url
    stop_server(proc)


def test_a_truncated_dump_is_503_never_200_with_the_old_etag(served_build) -> None:
    # The release was opened (and verified) when the server started; the dump is truncated afterwards.
    # (A process that already answered it keeps the intact bytes in its response cache, which is right.)
    config, release, url = served_build
    assert requests.get(f"{url}/dumps/partners.csv", timeout=30).status_code == 200
    index = json.loads((release.path / "dumps/index.json").read_text())
    etag = next(e["sha256"] for e in index["files"] if e["file"] == "dataset.ttl.gz")
    dump = release.path / "dumps/dataset.ttl.gz"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    for _ in range(3):  # every server process
        bad = requests.get(f"{url}/dumps/dataset.ttl.gz", timeout=30)
        assert bad.status_code == 503, bad.status_code
        assert etag not in bad.headers.get("ETag", "")
        assert "beschädigt" in bad.text and "damaged" in bad.text
    assert requests.get(f"{url}/dumps/dataset.nt.gz", timeout=30).status_code == 200


def test_a_file_is_checked_again_when_it_changes_after_a_good_check(config: Config) -> None:
    release = Release.open(build(config).path)
    assert release.file_problem("dumps/dataset.nt.gz") is None
    assert release.file_problem("dumps/dataset.nt.gz") is None  # remembered: one stat
    dump = release.path / "dumps/dataset.nt.gz"
    dump.write_bytes(dump.read_bytes()[:-10])
    assert "size" in release.file_problem("dumps/dataset.nt.gz")
    assert release.file_problem("dumps/nothing.gz") == "not in the manifest"


def test_a_server_started_on_a_damaged_release_answers_503_with_a_message(config: Config) -> None:
    release = build(config, steps=[])
    next((release.path / "store").glob("*.sst")).write_bytes(b"not a table")
    proc, url = start_server(config)
    try:
        response = requests.get(f"{url}/id/organization/adfc", headers={"Accept": "text/html"}, timeout=30)
        assert response.status_code == 503
        assert "beschädigt" in response.text and "damaged" in response.text
        assert "Traceback" not in response.text
    finally:
        stop_server(proc)


def test_every_server_process_keeps_serving_when_current_disappears(config: Config) -> None:
    build_changed(config, "ADFC 1")
    last = build_changed(config, "ADFC 2")
    proc, url = start_server(config)  # two processes; only one has answered (the start-up probe)
    try:
        (config.builds / "current").unlink()
        answers = [requests.get(f"{url}/id/organization/adfc", timeout=30) for _ in range(8)]
        assert {r.status_code for r in answers} == {200}
        assert {r.headers["ETag"] for r in answers} == {answers[0].headers["ETag"]}
        assert all("ADFC 2" in r.text for r in answers)
    finally:
        stop_server(proc)
    assert served_name(config) is None and last.id in releases(config)


def served_name(config: Config) -> str | None:
    link = config.builds / "current"
    return link.resolve().name if link.exists() else None


def test_the_change_log_history_ends_at_the_release_served(config: Config) -> None:
    from publisher.core.release import history

    a = build_changed(config, "ADFC a")
    b = build_changed(config, "ADFC b")
    assert [r.id for r, _ in history(config.builds, Release.open(b.path))] == [b.id, a.id]
    pipeline.rollback(config)
    assert [r.id for r, _ in history(config.builds, current_release(config.builds))] == [a.id]
