"""The shape of the code, checked: one-way imports (geo knows nothing of the web or the command
line), no import cycle among modules, no import of another module's private name, and webmap/ and
zonasi/ reaching geo only through the package faces (``geo.zones``, not ``geo.zones.exclusion``)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("geo", "webmap", "zonasi")
FACES = {"geo", "geo.engine", "geo.rules", "geo.layers", "geo.layers.importing", "geo.validation", "geo.exports",
         "geo.zones", "geo.catalog", "geo.store", "geo.errors", "geo.config", "geo.i18n", "geo.crs", "geo.budget", "geo.bbox",
         "geo.clock", "geo.webhooks", "geo.casework"}


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(path: Path, module: str, *, top_level_only: bool):
    """(imported module, names) of every import; with ``top_level_only`` not those inside
    functions or ``if TYPE_CHECKING:`` (they cannot make an import cycle)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(nodes):
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield alias.name, []
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                yield base, [a.name for a in node.names]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and top_level_only:
                continue
            elif isinstance(node, ast.If) and top_level_only and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            else:
                yield from visit(ast.iter_child_nodes(node))

    return list(visit(tree.body))


MODULES = _modules()


def test_geo_knows_nothing_of_the_web_or_the_command_line():
    bad = [f"{m} imports {i}" for m, p in MODULES.items() if m.startswith("geo")
           for i, _ in _imports(p, m, top_level_only=False) if i.split(".")[0] in ("flask", "werkzeug", "webmap", "zonasi", "click")]
    assert bad == []


def test_no_import_cycle_among_modules():
    graph = {}
    for module, path in MODULES.items():
        targets = set()
        for imported, names in _imports(path, module, top_level_only=True):
            for candidate in [f"{imported}.{n}" for n in names] + [imported]:
                if candidate in MODULES and candidate != module:
                    targets.add(candidate)
                    break
        graph[module] = targets
    # a package's face importing its own modules is no cycle; a module importing its package face
    # (which imports it back) is one only if the face imports eagerly: faces here are lazy (geo.lazy)
    cycles, state = [], {}

    def walk(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                walk(nxt, stack + [nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    assert cycles == []


def test_no_import_of_another_modules_private_name():
    bad = [f"{m}: from {i} import {n}" for m, p in MODULES.items() for i, names in _imports(p, m, top_level_only=False)
           for n in names if n.startswith("_") and not n.startswith("__") and i.split(".")[0] in PACKAGES]
    assert bad == []


@pytest.mark.parametrize("package", ["webmap", "zonasi"])
def test_the_web_and_the_command_line_use_geos_package_faces(package):
    bad = sorted({f"{m}: {i}" for m, p in MODULES.items() if m.split(".")[0] == package
                  for i, _ in _imports(p, m, top_level_only=False) if i.split(".")[0] == "geo" and i not in FACES})
    assert bad == []
