"""Static checks that run with the suite: bandit finds no medium or high severity issue in the app, and the
house rules of docs/architecture.md hold: no import circle, no SQL in a view module, no view past 25 lines."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.content_only  # the code alone: the same on every database

ROOT = Path(__file__).resolve().parent.parent


def test_bandit_finds_no_medium_or_high_issues():
    """bandit (OWASP ASVS tooling) reports nothing of medium or high severity in esafety/."""
    result = subprocess.run([sys.executable, "-m", "bandit", "-q", "-r", str(ROOT / "esafety"), "-f", "json"],
                            capture_output=True, text=True, check=False)
    report = json.loads(result.stdout)
    serious = [f"{i['filename']}:{i['line_number']} {i['test_id']} {i['issue_text']}"
               for i in report["results"] if i["issue_severity"] in ("MEDIUM", "HIGH")]
    assert serious == []


def _modules() -> dict[str, Path]:
    """Every module of the app by dotted name (a package by its own name)."""
    found = {}
    for path in (ROOT / "esafety").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The app modules one module imports, wherever in the file (a function-level import is a dependency too)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def test_the_app_has_no_import_circle():
    """No module of esafety depends on itself through others. A blueprint package and its view modules are
    exempt: Flask's pattern is a package that makes `bp` and imports its views, which import `bp`."""
    modules = _modules()
    graph = {name: {m for m in _imports(name, path, modules)
                    if not (m.startswith(name + ".") or name.startswith(m + "."))}
             for name, path in modules.items()}
    circles = []
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            if module == start:
                circles.append(start)
                break
            if module not in seen:
                seen.add(module)
                todo.extend(graph[module])
    assert circles == []


SQL = re.compile(r"\bsa\.(select|delete|update|insert)\(|db\.session\.(execute|scalars?|get)\(|\.query\(")


def _view_modules() -> list[Path]:
    """The modules that define routes."""
    return [path for path in (ROOT / "esafety").rglob("*.py")
            if re.search(r"^@\w*bp\.(route|get|post)\(", path.read_text(encoding="utf-8"), re.M)]


def test_no_view_module_issues_sql():
    """Views load, check, call the domain and render: every query lives in a domain or access module."""
    found = [f"{path.relative_to(ROOT)}:{number}" for path in _view_modules()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if SQL.search(line)]
    assert found == []


def test_no_view_is_longer_than_25_lines():
    """A view that grows past 25 lines (docstring aside) hands its work to a helper or the domain."""
    long = []
    for path in _view_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                    and d.func.attr in ("route", "get", "post") for d in node.decorator_list):
                body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
                if body[-1].end_lineno - body[0].lineno + 1 > 25:
                    long.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert long == []
