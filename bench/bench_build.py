"""Build time and peak memory at a given size, with validation, then an incremental build after one edit.

Writes a synthetic root (``bench/synthetic.py``), runs ``publisher build`` as the office would, samples
the summed resident memory of the build and its validation workers every 0.1 s from /proc, then edits
one partner's name and builds again (only the parts that edit can affect are validated).

    .venv/bin/python bench/bench_build.py --triples 1000000 --out /tmp/syn-1m
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.synthetic import write_root  # noqa: E402

PUBLISHER = Path(sys.executable).with_name("publisher")


def _pss(pid: int) -> int | None:
    """Proportional set size: pages shared by the forked validation workers count once, not per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _tree_rss(pid: int) -> int:
    """Memory of ``pid`` and all its descendants (Linux /proc): the sum of their PSS (else RSS)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        pss = _pss(p)
        total += pss if pss is not None else rss.get(p, 0)
        todo += children.get(p, [])
    return total


def timed_build(root: Path) -> tuple[float, int, str]:
    """Seconds, peak summed RSS and stderr of one ``publisher build``; stderr ends with the step in which
    the peak was sampled (the first progress line printed after it)."""
    started = time.perf_counter()
    proc = subprocess.Popen([str(PUBLISHER), "--root", str(root), "build"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PUBLISHER_PROGRESS": "1"})
    lines: list[tuple[float, str]] = []

    def read_stderr() -> None:
        for line in proc.stderr:
            lines.append((time.perf_counter(), line))

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    peak, peak_at = 0, started
    while proc.poll() is None:
        rss = _tree_rss(proc.pid)
        if rss > peak:
            peak, peak_at = rss, time.perf_counter()
        time.sleep(0.1)
    out = proc.stdout.read()
    reader.join(timeout=30)
    err = "".join(line for _, line in lines)
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{out}\n{err[-3000:]}")
    step = next((line.strip() for at, line in lines if at >= peak_at and line.startswith("[")), "(last step)")
    return time.perf_counter() - started, peak, err + f"peak memory sampled during: {step}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    write_root(args.out, args.triples)
    subprocess.run(["rm", "-rf", str(args.out / "build")], check=True)
    seconds, peak, err = timed_build(args.out)
    print(err, end="")
    print(f"full build: {seconds:.1f} s, peak memory (PSS) {peak / 2**30:.2f} GiB")
    organizations = args.out / "data" / "organizations.ttl"
    text = organizations.read_text(encoding="utf-8")
    organizations.write_text(text.replace(" Dortmund 17 e.V.\"@de", " Dortmund 17 (geändert) e.V.\"@de", 1),
                             encoding="utf-8")
    seconds2, peak2, err2 = timed_build(args.out)
    print(err2, end="")
    print(f"incremental build after one edited partner: {seconds2:.1f} s, peak memory (PSS) {peak2 / 2**30:.2f} GiB")
    print(f"| build {args.triples} | full {seconds:.0f} s | {peak / 2**30:.2f} GiB | "
          f"incremental {seconds2:.0f} s | {peak2 / 2**30:.2f} GiB |")


if __name__ == "__main__":
    main()
