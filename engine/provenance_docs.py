"""Write docs/provenance/NAME.md: one table per preset (parameter, value, source).

Run with `make docs`; tests/test_docs.py fails when a table is out of date with its preset.
"""

from __future__ import annotations

import json

from engine.io import PRESETS_DIR, load_scenario, params, preset_names

DOCS = PRESETS_DIR.parent / "docs" / "provenance"


def source_of(provenance: dict[str, str], path: str) -> str:
    """The source recorded for a path, or for the nearest enclosing value (shares, lists)."""
    candidates = [k for k in provenance
                  if path == k or path.startswith((k + ".", k + "["))]
    return provenance[max(candidates, key=len)] if candidates else ""


def table(name: str) -> str:
    s = load_scenario(name)
    lines = [f"# {s.title}: parameters and their sources", "",
             f"Preset `{name}` (`presets/{name}.toml`). A source is a quote from the seed study "
             "(Knopp 2002, `seed/`) or an assumption with its reasoning. Values without a "
             "source are the model's defaults, not written in the preset.", ""]
    if s.variants:
        lines += ["Variants: " + "; ".join(
            f"`{name}:{v}` sets " + ", ".join(f"`{k}` = {json.dumps(x)}" for k, x in o.items())
            for v, o in s.variants.items()), ""]
    lines += ["| parameter | value | source |", "|---|---|---|"]
    for path, value, _ in params(s):
        if isinstance(value, str) and path in ("name", "title", "currency"):
            continue
        shown = json.dumps(value) if not isinstance(value, str) else value
        source = source_of(s.provenance, path).replace("|", "\\|")
        lines.append(f"| `{path}` | {shown} | {source} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    for name in preset_names():
        (DOCS / f"{name}.md").write_text(table(name), encoding="utf-8")
        print(f"wrote {DOCS / name}.md")


if __name__ == "__main__":
    main()
