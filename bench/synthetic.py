"""Synthetic data of the same shape as the office's, for benchmarks at any size.

Writes a project root (the real ontology/ and shapes/, synthetic data/) with partners, parents,
events with attendees, and alignments with full provenance in the same proportions as the shipped
data, then builds a release from it. Validation is skipped on purpose: pyshacl over a million
triples takes far longer than the benchmark itself, and the generator only writes valid shapes.
This path exists only here; ``publisher build`` always validates.

    python bench/synthetic.py --triples 100000 --out /tmp/syn-100k
    # → /tmp/syn-100k/{ontology,shapes,data}/ and the release in /tmp/syn-100k/build/current
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from publisher.build import load_and_derive, publish  # noqa: E402
from publisher.core.config import Config  # noqa: E402
from publisher.core.release import Release  # noqa: E402

TYPES = ["NGO", "NGO", "Organization", "GovernmentOrganization", "Library", "Store", "CollegeOrUniversity"]
TARGETS = ["1", "2", "2.4", "3", "4", "4.7", "5", "6", "7", "8", "9", "10", "11", "11.2", "11.7", "12",
           "12.5", "12.8", "13", "14", "15", "16", "16.10", "17"]
DIMENSIONS = ["oekonomie", "oekologie", "soziales", "zivilgesellschaft"]
WORDS = ["Klima", "Europa", "Fair", "Garten", "Netzwerk", "Forum", "Bündnis", "Haus", "Werkstatt", "Initiative",
         "Rat", "Hof", "Laden", "Büro", "Verein", "Zentrum"]
TRIPLES_PER_PARTNER = 35  # measured on the output: names, types, parents, attendance, ~4 alignments × 8
ONTOLOGY_TRIPLES = 1450  # the real ontology/ and provenance, copied as they are

PREFIXES = """@prefix schema:  <http://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix ib:      <def/> .
@prefix review:  <def/review-status/> .
@prefix quad:    <def/quadrangle/> .
@prefix org:     <id/organization/> .
@prefix event:   <id/event/> .
@prefix al:      <id/alignment/> .
"""


def write_root(out: Path, triples: int, seed: int = 7) -> int:
    """Write the project root; returns the number of partners."""
    rng = random.Random(seed)
    for folder in ("ontology", "shapes"):
        shutil.rmtree(out / folder, ignore_errors=True)
        shutil.copytree(REPO / folder, out / folder)
    data = out / "data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    shutil.copy(REPO / "data" / "provenance.ttl", data / "provenance.ttl")
    shutil.copy(REPO / "data" / "katalog.toml", data / "katalog.toml")  # the catalogue step reads it
    partners = max(10, (triples - ONTOLOGY_TRIPLES) // TRIPLES_PER_PARTNER)
    with open(data / "organizations.ttl", "w", encoding="utf-8") as f:
        f.write(PREFIXES)
        for i in range(partners):
            name = f"{rng.choice(WORDS)}{rng.choice(WORDS).lower()} Dortmund {i} e.V."
            f.write(f'org:p{i:07d} a schema:{rng.choice(TYPES)} ;\n    schema:name "{name}"@de ;\n')
            if i % 5 == 4:
                f.write(f"    schema:parentOrganization org:p{i - 1:07d} ;\n")
            f.write("    dcterms:source <source/seed> .\n")
    with open(data / "events.ttl", "w", encoding="utf-8") as f:
        f.write(PREFIXES)
        for e in range(0, partners, 30):
            n = e // 30
            f.write(f'event:e{n:06d} a schema:Event ;\n    schema:name "Zeltdorf {n}"@de , "Tent village {n}"@en ;\n'
                    f'    schema:startDate "{2000 + n % 25}-05-{1 + n % 28:02d}"^^xsd:date ;\n'
                    f"    schema:organizer org:p{e:07d} ;\n    dcterms:source <source/seed> ;\n    schema:attendee "
                    + " , ".join(f"org:p{i:07d}" for i in range(e, min(e + 30, partners))) + " .\n")
    with open(data / "alignments.ttl", "w", encoding="utf-8") as f:
        f.write(PREFIXES)
        for i in range(partners):
            concepts = [f"<http://metadata.un.org/sdg/{t}>" for t in rng.sample(TARGETS, rng.randint(1, 3))]
            concepts += [f"quad:{d}" for d in rng.sample(DIMENSIONS, rng.randint(1, 2))]
            for k, concept in enumerate(concepts):
                status = "proposed" if rng.random() < 0.7 else rng.choice(["confirmed", "rejected"])
                f.write(f"al:p{i:07d}-{k} a ib:Alignment ;\n    ib:alignedResource org:p{i:07d} ;\n"
                        f"    ib:alignedTo {concept} ;\n"
                        '    ib:rationale "Synthetische Begründung."@de , "Synthetic rationale."@en ;\n'
                        f"    ib:reviewStatus review:{status} ;\n    prov:wasAttributedTo <id/agent/projektteam> ;\n"
                        '    dcterms:created "2026-11-27"^^xsd:date .\n')
    return partners


def build_root(out: Path, base_iri: str = "http://localhost:8080/") -> Release:
    config = Config.load(root=out, build_dir=out / "build", base_iri=base_iri)
    sources, dataset, graph = load_and_derive(config)
    return publish(config, dataset, graph, sources=sources)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000, help="approximate size of the data")
    parser.add_argument("--out", type=Path, required=True, help="folder for the project root and its build")
    parser.add_argument("--base-iri", default="http://localhost:8080/")
    parser.add_argument("--no-build", action="store_true", help="only write the files")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partners = write_root(args.out, args.triples)
    print(f"wrote {partners} partners to {args.out} in {time.perf_counter() - started:.1f}s")
    if not args.no_build:
        started = time.perf_counter()
        release = build_root(args.out, args.base_iri)
        print(f"built {release.path}: {release.manifest['triples']} triples "
              f"in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
