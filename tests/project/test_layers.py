"""The apps are layered in one direction (docs/architecture.md): a lower app never imports a higher
one. Every module of every app is parsed and its imports of other apps checked against the order."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: lowest first
LAYERS = ("indicators", "assessments", "evidence", "classrooms", "rectification", "inspections", "reports")


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_no_higher_app(app):
    higher = set(LAYERS[LAYERS.index(app) + 1 :])
    offences = [
        f"{path.relative_to(ROOT)} imports {sorted(_imported_apps(path) & higher)}"
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and _imported_apps(path) & higher
    ]
    assert not offences, "\n".join(offences)
