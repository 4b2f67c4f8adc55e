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


def test_the_app_starts_without_scipy():
    """scipy costs ~0.2 s of a cold start for one root finder (loans.periodic_irr): it is
    imported where it is used. A fresh interpreter imports every module of the engine and the
    UI and draws the app's first page, and scipy is still not loaded."""
    import subprocess
    import sys
    code = (
        "import importlib, pkgutil, sys\n"
        "import engine, ui\n"
        "for package in (engine, ui):\n"
        "    for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "print(sorted(k for k in sys.modules if k.split('.')[0] == 'scipy'))\n")
    root = ENGINE.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1] == "[]"
