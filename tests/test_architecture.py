"""The layout is the architecture: core is shared, build and serve never meet, and nothing imports upwards.

Read from the source with ``ast`` (every import, also those inside functions; ``TYPE_CHECKING`` blocks
are left out, as they never run), so a cycle or an upward arrow fails here before anyone notices it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "publisher"

# Which top-level parts may import which: data in → validate → build → serve, core shared by both.
ALLOWED = {
    "publisher.core": {"publisher", "publisher.core"},
    "publisher.build": {"publisher", "publisher.core", "publisher.build"},
    "publisher.serve": {"publisher", "publisher.core", "publisher.serve"},
    # Spreadsheets are data in: they may use the build's loader; the serve side never imports them.
    "publisher.tables": {"publisher", "publisher.core", "publisher.build", "publisher.tables"},
}
# Inside serve: the web layer sits on render and the store; render and the store never import the web.
LAYERS = ("publisher.serve.store", "publisher.serve.render", "publisher.serve.web")
THIRD_PARTY_OUT_OF_WEB = {"pyoxigraph", "rdflib", "pyshacl"}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {i for i in imports_of(path) if i in modules} for name, path in modules.items()}


def part(module: str, parts) -> str | None:
    return next((p for p in parts if module == p or module.startswith(p + ".")), None)


def test_no_import_cycles() -> None:
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_no_upward_or_sideways_arrows() -> None:
    wrong = []
    for module, targets in graph().items():
        mine = part(module, ALLOWED)
        if mine is None:
            continue  # publisher.cli and publisher/__init__ may use every part
        for target in targets:
            theirs = part(target, ALLOWED) or "publisher"
            if theirs not in ALLOWED[mine]:
                wrong.append(f"{module} → {target}")
            lower, upper = part(module, LAYERS), part(target, LAYERS)
            if lower and upper and LAYERS.index(upper) > LAYERS.index(lower):
                wrong.append(f"{module} → {target} (upward inside serve)")
    assert not wrong, "\n".join(sorted(wrong))


def test_the_web_layer_imports_no_rdf_library() -> None:
    wrong = []
    for path in (PACKAGE / "serve" / "web").rglob("*.py"):
        for name in imports_of(path):
            if name.split(".")[0] in THIRD_PARTY_OUT_OF_WEB:
                wrong.append(f"{module_name(path)} imports {name}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_a_server_process_loads_neither_the_build_nor_pyshacl() -> None:
    code = ("import sys, publisher.serve.web.wsgi; "
            "bad = sorted(m for m in sys.modules if m == 'pyshacl' or m.startswith(('pyshacl.', 'publisher.build'))); "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
