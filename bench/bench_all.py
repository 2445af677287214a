"""Every figure of the performance targets (issue 14) in one table: build, SPARQL cold/cached, Linked Data.

Runs ``bench_build.py``, ``bench_sparql.py`` and ``bench_linked_data.py`` one after the other (each beside its
anchor in the same run: ``oxigraph serve`` for the servers), keeps their full output in ``--log`` and prints
one table of target, figure, ratio and whether the target is met. All traffic on 127.0.0.1.

    .venv/bin/python bench/bench_all.py --sizes 10000 100000 1000000 --log /tmp/bench-all.log
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def run(args: list[str], log: Path) -> str:
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"$ {' '.join(args)}\n{out.stdout}\n{out.stderr}\n")
    return out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--log", type=Path, default=Path("/tmp/bench-all.log"))
    parser.add_argument("--skip", nargs="*", default=[], choices=["build", "sparql", "ld"])
    args = parser.parse_args()
    args.log.write_text("", encoding="utf-8")
    rows: list[tuple[str, str, str, str]] = []
    if "build" not in args.skip:
        size = max(args.sizes)
        out = run([str(BENCH / "bench_build.py"), "--triples", str(size), "--out", f"/tmp/bench-build-{size}"],
                  args.log)
        m = re.search(r"full build: ([\d.]+) s, peak memory \(PSS\) ([\d.]+) GiB", out)
        if m:
            seconds, gib = float(m.group(1)), float(m.group(2))
            rows.append((f"build {size} (with validation)", "≤ 120 s, ≤ 2 GiB", f"{seconds:.0f} s, {gib:.2f} GiB",
                         "met" if seconds <= 120 and gib <= 2 else "not met"))
        m = re.search(r"incremental build after one edited partner: ([\d.]+) s", out)
        if m:
            rows.append((f"build {size} after one edit", "validates only what changed", f"{float(m.group(1)):.0f} s",
                         "see log"))
    if "sparql" not in args.skip:
        out = run([str(BENCH / "bench_sparql.py"), "--sizes", *map(str, args.sizes), "--duration",
                   str(args.duration)], args.log)
        for line in out.splitlines():
            parts = line.split()
            if len(parts) > 4 and parts[0].isdigit():
                cold, cached = float(parts[-2]), float(parts[-1])
                rows.append((f"SPARQL {parts[0]} {parts[1]}", "cold ≥ 1.0×, cached ≥ 2×",
                             f"{cold:.2f}× / {cached:.2f}×", "met" if cold >= 1 and cached >= 2 else "not met"))
    if "ld" not in args.skip:
        for size in args.sizes:
            out = run([str(BENCH / "bench_linked_data.py"), "--triples", str(size), "--seconds", "8"], args.log)
            table = [line.split("|") for line in out.splitlines() if line.startswith("| ")]
            oxi = next((r for r in table if "oxigraph" in r[1]), None)
            for r in table:
                if "publisher" not in r[1] or oxi is None:
                    continue
                first, repeated = float(r[2]) / float(oxi[2]), float(r[3]) / float(oxi[2])
                rows.append((f"LD {size} {r[1].strip()}", "first ≥ 1.0×, repeated ≥ 2× (of oxigraph cold)",
                             f"{first:.2f}× / {repeated:.2f}×", "met" if first >= 1 and repeated >= 2 else "not met"))
    print("| figure | target | measured | |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"(full output in {args.log})")


if __name__ == "__main__":
    main()
