"""The package's shape, read from its source: layers, one API under the CLI, one derivation
of review state, no cycles. Each rule is one of STYLE.md's, checked here so it stays true."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGE = REPO / "vimanual"
MAX_LINES = 600
LAYERS = ("api", "status", "cli", "base", "workspace", "check", "contributions", "review", "editions",
          "book", "pdf", "tools", "__main__")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def imports(name: str) -> Iterator[tuple[str, str, int]]:
    """(module imported, name imported or '', line) for every import in ``name``, at any depth
    (imports inside functions count: they are how heavy modules are loaded late)."""
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                yield node.module, alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno


def internal_edges(name: str) -> set[str]:
    """The vimanual modules ``name`` imports (``from vimanual.x import y`` counts y when it is a module)."""
    found = set()
    for module, imported, _ in imports(name):
        if not module.startswith("vimanual"):
            continue
        target = f"{module}.{imported}" if f"{module}.{imported}" in MODULES else module
        if target in MODULES and target != name:
            found.add(target)
    return found


def test_every_module_lives_in_a_layer() -> None:
    for name in MODULES:
        parts = name.split(".")
        assert len(parts) == 1 or parts[1] in LAYERS, f"{name} is outside the layers {LAYERS}"


def test_no_module_is_over_600_lines() -> None:
    long = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()
            if len(path.read_text().splitlines()) > MAX_LINES}
    assert not long


def test_no_private_name_is_imported_across_modules() -> None:
    crossing = [(name, module, imported, line) for name in MODULES for module, imported, line in imports(name)
                if module.startswith("vimanual") and imported.startswith("_") and imported != "__version__"]
    assert not crossing


def test_no_import_cycles_dynamic_imports_included() -> None:
    graph = {name: internal_edges(name) for name in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not cycles


def test_commands_are_registered_explicitly_not_by_importlib() -> None:
    calls = [(name, node.lineno) for name, tree in TREES.items() for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr == "import_module"]
    assert not calls
    decorated = [(name, node.name) for name, tree in TREES.items() if name.startswith("vimanual.cli.")
                 for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                 for deco in node.decorator_list if "command" in ast.unparse(deco)]
    assert not decorated, "commands are registered in vimanual/cli/app.py's COMMANDS"


def test_the_cli_only_calls_the_api() -> None:
    """The CLI parses options, calls vimanual.api and renders: it reaches no core module, takes
    no lock and derives no state itself."""
    for name in MODULES:
        if not name.startswith("vimanual.cli"):
            continue
        reached = {module for module, _, _ in imports(name) if module.startswith("vimanual")}
        allowed = {"vimanual", "vimanual.api", "vimanual.cli"}
        assert reached <= allowed | {m for m in reached if m.startswith("vimanual.cli.")}, (name, reached)
        source = MODULES[name].read_text()
        for word in ("locked(", "derive_states", "load_workspace", "load_events"):
            assert word not in source, (name, word)


def test_core_modules_import_neither_typer_nor_rich() -> None:
    for name in MODULES:
        if name.startswith("vimanual.cli"):
            continue
        reached = {module.split(".")[0] for module, _, _ in imports(name)}
        assert not reached & {"typer", "rich"}, name


def calls_of(function: str) -> set[str]:
    return {name for name, tree in TREES.items() for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function}


def test_review_state_is_derived_in_exactly_one_function() -> None:
    assert calls_of("derive_states") == {"vimanual.status"}
    assert calls_of("derive_cell") == {"vimanual.review.state"}
    derivers = [node.name for node in ast.walk(TREES["vimanual.status"])
                if isinstance(node, ast.FunctionDef) and "derive_states" in ast.unparse(node)
                and any(isinstance(c, ast.Call) and getattr(c.func, "id", "") == "derive_states"
                        for c in ast.walk(node))]
    assert derivers == ["review_status"]


def test_the_build_gets_review_state_from_status_not_from_review() -> None:
    for name in MODULES:
        if name.startswith(("vimanual.book", "vimanual.pdf", "vimanual.editions")):
            reached = {module for module, _, _ in imports(name)}
            assert not {m for m in reached if m.startswith("vimanual.review")}, name
            if name.startswith(("vimanual.book", "vimanual.pdf")):
                assert "vimanual.status" not in reached, name


def test_layers_import_only_downwards() -> None:
    """base ← tools ← workspace ← check, contributions, review ← status ← book, pdf ← editions ← api ← cli."""
    rank = {"base": 0, "tools": 1, "workspace": 2, "check": 3, "contributions": 3, "review": 3,
            "pdf": 3, "status": 4, "book": 4, "editions": 5, "api": 6, "cli": 7, "__main__": 8}
    for name in MODULES:
        layer = name.split(".")[1] if "." in name else None
        if layer is None:
            continue
        for target in internal_edges(name):
            other = target.split(".")[1] if "." in target else None
            if other is None or other == layer:
                continue
            assert rank[other] < rank[layer], f"{name} ({layer}) imports {target} ({other})"


def test_did_you_mean_is_written_once() -> None:
    writers = [name for name, path in MODULES.items() if "did you mean" in path.read_text()]
    assert writers == ["vimanual.base.errors"]


def test_errors_carry_file_line_and_hint_as_fields() -> None:
    from vimanual.base.errors import UnknownName, VimanualError

    error = VimanualError("not UTF-8 text", "save the file as UTF-8", file="chapters/a.md", line=3)
    assert (error.file, error.line, error.reason, error.hint) == ("chapters/a.md", 3, "not UTF-8 text",
                                                                   "save the file as UTF-8")
    assert error.message == "chapters/a.md:3: not UTF-8 text"
    assert error.problem("chapters/a.md").line == 3
    unknown = UnknownName("chapter", "alpah", ["alpha", "beta"])
    assert unknown.suggestions == ["alpha"]
    assert unknown.hint == "did you mean 'alpha'? known: alpha, beta"


@pytest.mark.parametrize("command", [["--help"], ["status", "--help"]])
def test_help_does_not_import_weasyprint_or_pandoc(command: list[str]) -> None:
    code = ("import sys, runpy\nsys.argv = ['vimanual', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('vimanual', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in "
            "('weasyprint', 'pikepdf', 'pypandoc', 'jinja2')))")
    result = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True,
                            timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("LOADED []"), result.stdout[-300:]


def test_readme_draws_every_module() -> None:
    """README's 'How it is built' has one line per module (the rules' modules as one folder)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it is built", 1)[1].split("\n## ", 1)[0]
    missing = [str(path.relative_to(REPO)) for name, path in MODULES.items()
               if path.name != "__init__.py" and name.count(".") >= 1 and name != "vimanual.__main__"
               and ".rules." not in name and f"`{path.relative_to(REPO)}`" not in section]
    assert not missing, "add a line to README's 'How it is built' for each"
