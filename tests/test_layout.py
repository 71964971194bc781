"""The package's layout keeps the pipeline visible: imports point one way down the flow
(README, "Layout"), modules import each other in no cycle, none grows past ~500 lines, and each
says in its opening docstring what it holds."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "gonghui"

# what each stage may import, besides itself and the shared modules (model, errors, vocab, folders, __init__)
ALLOWED = {
    "lexicon": set(),
    "convert": {"lexicon"},
    "curate": {"lexicon", "convert"},
    "rdf": {"lexicon", "convert"},
    "publish": {"lexicon", "convert", "curate", "rdf"},
    "serve": {"curate"},            # `serve --curate` writes to the corrections file, nothing else
    "client": {"serve"},
    "cli": {"lexicon", "convert", "curate", "rdf", "publish", "serve", "client"},
}
SHARED = {"model", "errors", "vocab", "folders", "__init__"}
MAX_LINES = 520


def modules() -> dict[str, Path]:
    """Dotted name (without `gonghui.`) → file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path) -> set[str]:
    """The package's modules that a module imports, at its top or inside a function."""
    known = modules()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                target = package[:len(package) - node.level + 1] + (node.module.split(".") if node.module else [])
            elif (node.module or "").split(".")[0] == "gonghui":
                target = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:              # `from . import lexicon` names a module
                sub = ".".join(target + [alias.name])
                found.add(sub if sub in known else ".".join(target) or "__init__")
        elif isinstance(node, ast.Import):
            found |= {a.name[len("gonghui."):] for a in node.names if a.name.startswith("gonghui.")}
    return {f for f in found if f != name}


def stage(name: str) -> str:
    return name.split(".")[0]


def test_every_import_points_down_the_flow():
    wrong = []
    for name, path in modules().items():
        here = stage(name)
        for target in imports(name, path):
            there = stage(target)
            if there == here or there in SHARED:
                continue
            if here in SHARED or there not in ALLOWED.get(here, set()):
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_no_import_cycles():
    graph = {name: imports(name, path) for name, path in modules().items()}
    # a package's __init__ re-exports its modules: only edges between modules make a cycle
    graph = {n: {t for t in ts if not n.startswith(t + ".")} for n, ts in graph.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_a_module_is_short_and_says_what_it_holds(name):
    text = modules()[name].read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_LINES
    doc = ast.get_docstring(ast.parse(text))
    assert doc and len(doc.split("\n\n")[0].splitlines()) <= 3, "open with a docstring of one to three lines"


def test_the_checks_see_a_wrong_import():
    """The direction check itself: serve importing convert would be found."""
    assert "convert.extract" in imports("convert", PACKAGE / "convert" / "__init__.py")
    assert {"errors", "vocab"} <= imports("serve.store", PACKAGE / "serve" / "store.py")
    assert "serve.protocol" in imports("client.query", PACKAGE / "client" / "query.py")
    assert "convert" not in ALLOWED["serve"] and "publish" not in ALLOWED["rdf"]


def test_the_cli_calls_only_what_the_packages_export():
    """cli.py is a thin layer: each function it calls comes from a package's __all__ (and so is
    named in that package's docstring), not from a module inside it."""
    import importlib
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    seen = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            package = importlib.import_module(f"gonghui.{node.module}")
            seen.append(node.module)
            assert "." not in node.module or node.module in SHARED, node.module
            if node.module not in SHARED:
                exported = set(package.__all__)
                assert {a.name for a in node.names} <= exported, node.module
                assert all(a.name in (package.__doc__ or "") for a in node.names), node.module
    assert {"convert", "publish", "rdf", "serve", "client"} <= set(seen)
