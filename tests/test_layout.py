"""The package layout: one package per stage, imports down the pipeline only, no cycles, small modules.

The imports are read from the source (every ``import`` and ``from … import``,
including those inside functions, which run later but still tie one module to
another), so a cycle or an upward import is found even where it would only
break at run time in some order of imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "cib"

#: the pipeline, bottom up: a module may import its own group or a lower one, never a higher one
GROUPS = (
    ("core", 0),
    ("ingest", 1),
    ("detect", 2),
    ("network", 3),
    ("report", 4),
    ("pipeline", 5),
    ("evaluate", 6),
    ("synth", 6),
    ("sweep", 7),
    ("face", 8),
)
RANK = dict(GROUPS)
CORE = {
    "_version",
    "errors",
    "files",
    "signals",
    "params",
    "config",
    "schema",
    "manifest",
    "normalise",
    "printable",
    "progress",
    "stats",
}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 120


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_name(p): p for p in sorted(PKG.rglob("*.py"))}


def group(module: str) -> str:
    """The pipeline group of a module name (``cib.detect.sync`` → ``detect``)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in {"__main__", "api", "display"} or parts[1].startswith("cli"):
        return "face"
    if parts[1] in CORE:
        return "core"
    if parts[1] in {"pipeline", "stages"}:
        return "pipeline"
    return parts[1]


def _target(module: str, node: ast.ImportFrom, alias: ast.alias) -> str | None:
    base = node.module or ""
    if node.level:  # relative: resolve against the importing module's package
        pkg = module.split(".")
        if not MODULES[module].name == "__init__.py":
            pkg = pkg[:-1]
        pkg = pkg[: len(pkg) - node.level + 1]
        base = ".".join([*pkg, base] if base else pkg)
    if not base.startswith("cib"):
        return None
    sub = f"{base}.{alias.name}"
    return sub if sub in MODULES else base


def imports(module: str) -> set[str]:
    """The cib modules ``module`` imports anywhere in its source."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "cib"}
        elif isinstance(node, ast.ImportFrom):
            out |= {t for a in node.names if (t := _target(module, node, a))}
    return {m for m in out if m != module}


GRAPH = {m: imports(m) for m in MODULES}


def test_every_import_names_a_module_that_exists():
    missing = sorted((m, t) for m, ts in GRAPH.items() for t in ts if t not in MODULES)
    assert not missing


def upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a group to another of the same or a higher rank."""
    return sorted(
        (m, t)
        for m, ts in graph.items()
        for t in ts
        if group(t) != group(m) and RANK[group(t)] >= RANK[group(m)]
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first search meets (a back edge), as the path that closes it."""
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                found.append([*stack[stack.index(t) :], t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def test_imports_run_down_the_pipeline():
    bad = upward(GRAPH)
    assert not bad, "imports against the pipeline (or between side groups): " + ", ".join(
        f"{m} → {t}" for m, t in bad
    )


def test_report_and_network_never_import_a_detector():
    offenders = sorted(
        (m, t)
        for m, ts in GRAPH.items()
        for t in ts
        if group(m) in {"report", "network"} and group(t) == "detect"
    )
    assert not offenders


def test_no_import_cycles():
    found = cycles(GRAPH)
    assert not found, "import cycles: " + "; ".join(" → ".join(c) for c in found)


def test_the_checks_can_fail():
    # hand-made graphs: one cycle through three modules, one import against the pipeline, one between side groups
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert upward({"cib.detect.engine": {"cib.network.fusion", "cib.schema"}}) == [
        ("cib.detect.engine", "cib.network.fusion")
    ]
    assert upward({"cib.synth.generate": {"cib.evaluate.metrics"}}) == [
        ("cib.synth.generate", "cib.evaluate.metrics")
    ]
    assert upward({"cib.report.data": {"cib.network.fusion", "cib.config"}}) == []
    # the reader sees imports inside functions too
    assert "cib.network.fusion" in GRAPH["cib.report.data"]


def test_every_module_imports_alone_in_a_fresh_interpreter():
    # each module imported first, with no cib module loaded before it: an import cycle that
    # only bites in one order of imports fails here
    code = (
        "import importlib, sys\n"
        "bad = []\n"
        f"for name in {sorted(m for m in MODULES if m != 'cib.__main__')!r}:\n"
        "    for loaded in [k for k in sys.modules if k == 'cib' or k.startswith('cib.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        bad.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_is_small_and_declares_its_names(module):
    path = MODULES[module]
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, (
        f"{path.relative_to(ROOT)} is over {MAX_MODULE_LINES} lines"
    )
    tree = ast.parse(text)
    assert ast.get_docstring(tree), f"{path.relative_to(ROOT)} has no module docstring"
    if module != "cib.__main__":
        names = {t.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
                 for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}  # fmt: skip
        assert "__all__" in names, f"{path.relative_to(ROOT)} has no __all__"
    long = [
        f"{n.name} ({n.end_lineno - n.lineno + 1} lines)"
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        and n.end_lineno - n.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.relative_to(ROOT)}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


@pytest.mark.parametrize(
    "package", sorted(m for m, p in MODULES.items() if p.name == "__init__.py" and m != "cib")
)
def test_stage_package_init_only_reexports(package):
    tree = ast.parse(MODULES[package].read_text(encoding="utf-8"))
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        is_all = isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            "__all__"
        ]
        assert is_all, f"{package}/__init__.py line {node.lineno}: only imports and __all__ belong here"


def test_each_stage_is_a_package():
    for stage in ("ingest", "detect", "network", "report", "evaluate", "sweep", "synth", "params"):
        assert (PKG / stage / "__init__.py").is_file()
    loose = sorted(p.stem for p in PKG.glob("*.py"))
    assert loose == sorted(
        ["__init__", "__main__", "_version", "api", "cli", "cli_base", "cli_monitor", "cli_tools", "config", "display", "errors", "files", "manifest", "normalise",
         "pipeline", "printable", "progress", "schema", "signals", "stages", "stats"]
    )  # fmt: skip


def test_readme_tour_names_every_package():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    packages = sorted(p.parent.name for p in PKG.glob("*/__init__.py"))
    assert [p for p in packages if f"`cib/{p}/`" not in readme] == []
