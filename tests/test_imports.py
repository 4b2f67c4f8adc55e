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


def test_the_app_starts_without_scipy_or_openpyxl():
    """scipy costs ~0.2 s of a cold start for one root finder (loans.periodic_irr), openpyxl
    ~50 ms for the workbooks: each is imported where it is used. A fresh interpreter draws the
    app's first page and has loaded neither; it then imports every module of the engine and
    the UI (engine.workbook among them, which needs openpyxl), and scipy is still not loaded."""
    import json
    import subprocess
    import sys
    code = (
        "import importlib, json, pkgutil, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "def loaded(*names):\n"
        "    return sorted({k.split('.')[0] for k in sys.modules} & set(names))\n"
        "at = AppTest.from_file('app.py', default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "first = loaded('scipy', 'openpyxl')\n"
        "import engine, ui\n"
        "for package in (engine, ui):\n"
        "    for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "print(json.dumps({'first page': first, 'every module': loaded('scipy')}))\n")
    root = ENGINE.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True, timeout=300)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"first page": [],
                                                               "every module": []}
