"""What changed between two releases, in words (German and English) and as data.

The build compares the new release's ``dataset.nq`` with the previous release's and stores the list in
the release (``Layout.changes``), so that the site reads it without diffing; ``publisher diff`` compares
any two kept releases with the same function. Only the source graphs are compared: the derived shortcut
triples follow from them and would only repeat each change.

A change is one resource added or removed, or one property of a resource changed; a changed name and a
changed review status (an alignment confirmed or rejected) get their own wording.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from publisher.core.namespaces import ProjectNamespaces
from publisher.core.release import Layout, Release

NAME_PROPERTIES = ("http://schema.org/name", "http://www.w3.org/2004/02/skos/core#prefLabel",
                   "http://www.w3.org/2000/01/rdf-schema#label")
# Kinds of resource by the path of their IRI below the base, with their words.
KINDS: dict[str, tuple[str, str, str]] = {  # path prefix -> (kind, German, English)
    "id/organization/": ("partner", "Partner", "Partner"),
    "id/event/": ("event", "Veranstaltung", "Event"),
    "id/alignment/": ("alignment", "Zuordnung", "Alignment"),
}
OTHER = ("resource", "Ressource", "Resource")
ORDER = {"added": 0, "changed": 1, "removed": 2}
KIND_ORDER = {"partner": 0, "event": 1, "alignment": 2, "resource": 3}
MAX_BLANK_DEPTH = 4

Described = dict[str, dict[str, set[str]]]  # subject IRI -> predicate IRI -> object keys


def _lines(path: Path) -> set[str]:
    return {line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def _terms(line: str) -> tuple[str, str, str, str] | None:
    """Subject, predicate, object and graph of an N-Quads line as Oxigraph writes it (``str`` of each term:
    IRIs and blank nodes hold no space, so only the object can), or None for anything else."""
    body = line.rstrip()
    if not body.endswith(" ."):
        return None
    rest, _, graph = body[:-2].rstrip().rpartition(" ")
    parts = rest.split(" ", 2)
    if len(parts) != 3 or not graph.startswith(("<", "_:")) or graph.endswith('"'):
        return None
    return parts[0], parts[1], parts[2], graph


def _read(lines: set[str], skip_graph: str,
          subjects: set[str] | None = None) -> tuple[Described, dict[str, dict[str, str]]]:
    """Subjects with their properties (blank nodes written out as their content), and names by language.

    Names come from every graph (an alignment's readable name is derived); properties only from the
    graphs not named ``skip_graph``, and only of ``subjects`` (IRIs) when given. The lines are split as
    text and only the name lines are parsed (by Oxigraph): term objects for every quad took most of this
    step at a million triples (issue 14).
    """
    names: dict[str, dict[str, str]] = defaultdict(dict)
    skip = f"<{skip_graph}>"
    name_predicates = {f"<{p}>" for p in NAME_PROPERTIES}
    blanks: dict[str, list[tuple[str, str]]] = defaultdict(list)
    named: list[tuple[str, str, str]] = []
    name_lines: list[str] = []
    for line in lines:
        terms = _terms(line)
        if terms is None:  # not as Oxigraph writes it: let Oxigraph read it
            q = next(iter(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_QUADS)))
            terms = (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
        subject, predicate, obj, graph = terms
        if predicate in name_predicates and subject.startswith("<") and obj.startswith('"'):
            name_lines.append(f"{subject} {predicate} {obj} .")
        if graph == skip:
            continue
        if subject.startswith("_:"):
            blanks[subject[2:]].append((predicate[1:-1], obj))
        elif subject.startswith("<") and (subjects is None or subject[1:-1] in subjects):
            named.append((subject[1:-1], predicate[1:-1], obj))
    for t in ox.parse("\n".join(sorted(name_lines)).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
        names[t.subject.value].setdefault(t.object.language or "", t.object.value)

    def key(term: str, depth: int = 0) -> str:
        if term.startswith("_:"):
            if depth >= MAX_BLANK_DEPTH:
                return "[…]"
            inner = sorted(f"<{p}> {key(o, depth + 1)}" for p, o in blanks.get(term[2:], []))
            return "[ " + " ; ".join(inner) + " ]"
        return term

    described: Described = defaultdict(lambda: defaultdict(set))
    for subject, predicate, obj in named:
        described[subject][predicate].add(key(obj))
    return described, names


def _touched(old: set[str], new: set[str]) -> set[str]:
    """The IRIs whose description may differ: subjects of lines in one file only, and (when a blank
    node's own lines differ) every subject that links to a blank node."""
    differ = old ^ new
    subjects = {line.split(" ", 1)[0] for line in differ}
    if any(s.startswith("_:") for s in subjects):
        subjects |= {line.split(" ", 1)[0] for line in old | new if " _:" in line}
    return {s[1:-1] for s in subjects if s.startswith("<")}


def compare(old: Path | None, new: Path, base_iri: str) -> list[dict]:
    """The changes from the dataset ``old`` (None: nothing before) to ``new``, in a stable order."""
    ns = ProjectNamespaces(base_iri)
    derived = str(ns.graph["derived"])
    new_lines = _lines(new)
    old_lines = _lines(old) if old is not None else set()
    # Only what differs is compared (after one edit: a few resources of a million triples).
    touched = _touched(old_lines, new_lines) if old is not None else None
    before, old_names = _read(old_lines, derived, touched) if old is not None else ({}, {})
    after, new_names = _read(new_lines, derived, touched)
    del old_lines, new_lines
    prefixes = ns.prefixes()

    def name(iri: str, lang: str) -> str:
        for table in (new_names, old_names):
            found = table.get(iri, {})
            for choice in (lang, "de" if lang == "en" else "en", ""):
                if choice in found:
                    return found[choice]
            if found:
                return next(iter(found.values()))
        return _compact(iri, prefixes)

    def shown(keys: set[str], lang: str) -> list[str]:
        out = []
        for k in sorted(keys):
            if k.startswith("<") and k.endswith(">"):
                out.append(name(k[1:-1], lang))
            else:
                literal = k.split('"')
                out.append(literal[1] if len(literal) >= 3 and k.startswith('"') else k)
        return out

    changes = []
    for iri in sorted(set(before) | set(after)):
        kind, kind_de, kind_en = _kind(iri, base_iri)
        label = {"de": name(iri, "de"), "en": name(iri, "en")}
        entry = {"kind": kind, "iri": iri, "label": label}
        if iri not in before:
            changes.append({**entry, "change": "added", "what": "resource",
                            "text": {"de": f"{kind_de} hinzugefügt: {label['de']}",
                                     "en": f"{kind_en} added: {label['en']}"}})
            continue
        if iri not in after:
            changes.append({**entry, "change": "removed", "what": "resource",
                            "text": {"de": f"{kind_de} entfernt: {label['de']}",
                                     "en": f"{kind_en} removed: {label['en']}"}})
            continue
        old_props, new_props = before[iri], after[iri]
        for prop in sorted(set(old_props) | set(new_props)):
            was, now = old_props.get(prop, set()), new_props.get(prop, set())
            if was == now:
                continue
            old_de, new_de, old_en, new_en = shown(was, "de"), shown(now, "de"), shown(was, "en"), shown(now, "en")
            change = {**entry, "change": "changed", "property": prop, "old": sorted(was), "new": sorted(now)}
            if prop in NAME_PROPERTIES:
                change["what"] = "name"
                change["text"] = {
                    "de": f"{kind_de} „{label['de']}“: Name geändert von {_list(old_de, 'de')} "
                          f"in {_list(new_de, 'de')}",
                    "en": f"{kind_en} “{label['en']}”: name changed from {_list(old_en, 'en')} "
                          f"to {_list(new_en, 'en')}"}
            elif prop == str(ns.ib) + "reviewStatus":
                change["what"] = "review_status"
                confirmed = now == {f"<{ns.review}confirmed>"}
                head_de = f"{kind_de} bestätigt" if confirmed else f"{kind_de} „{label['de']}“: Prüfstatus geändert"
                head_en = f"{kind_en} confirmed" if confirmed else f"{kind_en} “{label['en']}”: review status changed"
                change["text"] = {
                    "de": (f"{head_de}: {label['de']} (vorher {_list(old_de, 'de')})" if confirmed
                           else f"{head_de} von {_list(old_de, 'de')} in {_list(new_de, 'de')}"),
                    "en": (f"{head_en}: {label['en']} (was {_list(old_en, 'en')})" if confirmed
                           else f"{head_en} from {_list(old_en, 'en')} to {_list(new_en, 'en')}")}
            else:
                change["what"] = "property"
                short = _compact(prop, prefixes)
                change["text"] = {
                    "de": f"{kind_de} „{label['de']}“: {short} geändert von {_list(old_de, 'de')} "
                          f"in {_list(new_de, 'de')}",
                    "en": f"{kind_en} “{label['en']}”: {short} changed from {_list(old_en, 'en')} "
                          f"to {_list(new_en, 'en')}"}
            changes.append(change)
    changes.sort(key=lambda c: (ORDER[c["change"]], KIND_ORDER[c["kind"]], c["label"]["de"].casefold(), c["iri"],
                                c.get("property", "")))
    return changes


def change_list(old: Release | None, new: Release) -> dict:
    """The whole change document for ``new`` against ``old`` (also what ``publisher diff`` prints)."""
    changes = compare(old.dataset_path if old else None, new.dataset_path, new.manifest["base_iri"])
    return document(old.id if old else None, new.id, changes)


def document(old_id: str | None, new_id: str, changes: list[dict]) -> dict:
    summary = {k: sum(1 for c in changes if c["change"] == k) for k in ORDER}
    return {"from": old_id, "to": new_id, "summary": summary, "changes": changes}


def write_changes(layout: Layout, build_id: str, previous: Release | None, base_iri: str) -> dict:
    """Build step of every release: ``changes.json`` against the release served before this build."""
    old = previous.dataset_path if previous is not None and previous.dataset_path.is_file() else None
    changes = compare(old, layout.dataset, base_iri)
    doc = document(previous.id if old else None, build_id, changes)
    if old is None:  # the first release: everything is new; the count says it, a list of all would not help
        doc["changes"] = []
    layout.changes.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return doc


def to_text(doc: dict) -> str:
    """The change list for people: German, then English, one change a line."""
    s = doc["summary"]
    head_de = (f"Änderungen von {doc['from'] or '(keine frühere Veröffentlichung)'} zu {doc['to']}: "
               f"{s['added']} hinzugefügt, {s['changed']} geändert, {s['removed']} entfernt")
    head_en = (f"Changes from {doc['from'] or '(no earlier release)'} to {doc['to']}: "
               f"{s['added']} added, {s['changed']} changed, {s['removed']} removed")
    if not doc["changes"]:
        return f"{head_de}\n  Keine Änderungen.\n{head_en}\n  No changes.\n"
    lines = [head_de, *(f"  {c['text']['de']}" for c in doc["changes"]),
             head_en, *(f"  {c['text']['en']}" for c in doc["changes"])]
    return "\n".join(lines) + "\n"


def _kind(iri: str, base_iri: str) -> tuple[str, str, str]:
    if iri.startswith(base_iri):
        rest = iri[len(base_iri):]
        for prefix, kind in KINDS.items():
            if rest.startswith(prefix):
                return kind
    return OTHER


def _compact(iri: str, prefixes: dict[str, str]) -> str:
    for prefix, namespace in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _list(values: list[str], lang: str) -> str:
    if not values:
        return "(leer)" if lang == "de" else "(empty)"
    quote = ("„", "“") if lang == "de" else ("“", "”")
    return ", ".join(f"{quote[0]}{v}{quote[1]}" for v in values)
