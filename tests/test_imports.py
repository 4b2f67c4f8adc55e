"""Layering: nothing under engine/ imports streamlit or plotly (checked on the source's AST)."""

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_engine_never_imports_the_ui():
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) >= 5
    offenders = {str(f): imported_modules(f) & {"streamlit", "plotly", "ui", "app"}
                 for f in files}
    assert {f: m for f, m in offenders.items() if m} == {}
