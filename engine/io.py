"""Scenario files: load presets and TOML files, apply overrides and variants, list parameters.

Paths are dotted; list items are addressed by their `name` (``channels.pran.payment_delay_days``,
``loans.sibl_3.annual_rate``) or by index (``products[0].unit_cost``). The same paths serve
`with_overrides`, the CLI's ``--set``, variants in preset files and the app.
"""

from __future__ import annotations

import copy
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from engine.errors import Problem, ScenarioError, problems_from_validation
from engine.i18n import t
from engine.limits import MAX_DEPTH, MAX_FILE_BYTES
from engine.scenario import Scenario
from engine.values import bracket_depth

PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def _resolve(ref: str | Path) -> tuple[Path, str | None]:
    text = str(ref)
    variant = None
    if not Path(text).exists() and ":" in text:
        text, variant = text.rsplit(":", 1)
    path = Path(text)
    if not path.exists() and (PRESETS_DIR / f"{text}.toml").exists():
        path = PRESETS_DIR / f"{text}.toml"
    if not path.exists():
        raise ScenarioError([Problem("", t("no preset or file named '{name}' (presets: "
                                           "{presets})", name=text,
                                           presets=", ".join(preset_names())))])
    return path, variant


def load_scenario(ref: str | Path) -> Scenario:
    """Load a preset by name (``modhupur_pineapple``), ``NAME:VARIANT``, or a TOML or XLSX
    (input workbook, engine/workbook.py) file path."""
    path, variant = _resolve(ref)
    if path.suffix.lower() == ".xlsx":
        from engine.workbook import MAX_WORKBOOK_BYTES, read_workbook
        scenario = read_workbook(read_file_bytes(path, MAX_WORKBOOK_BYTES), str(path))
    else:
        scenario = parse_scenario(decode_text(read_file_bytes(path), str(path)), file=str(path))
    if variant is not None:
        scenario = apply_variant(scenario, variant)
    return scenario


def read_file_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most `limit` of them. FIFOs, devices and folders are refused
    without reading them (opened non-blocking, checked with fstat), so nothing hangs on a pipe
    or fills memory from /dev/zero."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise ScenarioError([Problem("", t("cannot open the file: {reason}", reason=e.strerror),
                                     str(path))]) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ScenarioError([Problem("", t("not a regular file (a folder, pipe or device)"),
                                         str(path))])
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise ScenarioError([Problem("", t("file is larger than {limit} bytes",
                                           limit=f"{limit:,}"), str(path))])
    return b"".join(chunks)


def decode_text(data: bytes, file: str | None = None) -> str:
    """UTF-8 text (a byte-order mark is dropped), or a named problem: binary data, UTF-16 or
    another encoding are refused rather than guessed."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        what = t("UTF-16 text") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else t("binary data")
        raise ScenarioError([Problem("", t("not UTF-8 text (it looks like {what}); save it as "
                                           "UTF-8", what=what), file)])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise ScenarioError([Problem("", t("not UTF-8 text (byte {byte} at position {at}); save "
                                           "it as UTF-8", byte=f"0x{data[e.start]:02x}",
                                           at=e.start), file, line)]) from None


def parse_scenario(text: str, file: str | None = None) -> Scenario:
    """Parse and validate a scenario TOML text; every problem is reported with its line."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([Problem("", t("text is longer than {limit} characters",
                                           limit=f"{MAX_FILE_BYTES:,}"), file)])
    if bracket_depth(text) > MAX_DEPTH:
        raise ScenarioError([Problem("", t("lists or tables nested deeper than {depth} levels",
                                           depth=MAX_DEPTH), file)])
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ScenarioError([Problem("", t("nested too deeply to read"), file)]) from None
    except tomllib.TOMLDecodeError as e:
        found = re.search(r"line (\d+)", str(e))
        line = int(found.group(1)) if found else None
        raise ScenarioError([Problem("", t("not valid TOML: {error}", error=e), file, line)]
                            ) from None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        problems = [Problem(p.path, p.message, file, locate_line(text, p.path))
                    for p in problems_from_validation(e)]
        raise ScenarioError(problems) from None
    problems = [Problem(p.path, p.message, file, locate_line(text, p.path.split(":")[0]))
                for p in file_problems(scenario)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def file_problems(scenario: Scenario) -> list[Problem]:
    """What a file would be refused for beyond the model: variants that no longer apply and
    provenance keys that name no parameter (after a channel or loan is renamed, say)."""
    problems = []
    for name in scenario.variants:
        try:
            apply_variant(scenario, name)
        except ScenarioError as e:
            problems += [Problem(f"variants.{name}: {p.path}", p.message) for p in e.problems]
    problems += [Problem(f"provenance.{k}", t("names no parameter"))
                 for k in scenario.provenance if not _path_exists(scenario, k)]
    return problems


_FILE_LEVEL = re.compile(r"(^|\.|\])name$|^(provenance|variants|baseline_variant)\b|^[a-z_]+$")
"""Override paths that can break what `file_problems` checks: renames, provenance, variants,
and whole lists or tables."""


def apply_variant(scenario: Scenario, variant: str) -> Scenario:
    if variant not in scenario.variants:
        raise ScenarioError([Problem("", t("'{name}' has no variant '{variant}' (variants: "
                                           "{variants})", name=scenario.name, variant=variant,
                                           variants=", ".join(scenario.variants) or t("none")))])
    out = with_overrides(scenario, scenario.variants[variant])
    return out.model_copy(update={"name": f"{scenario.name}:{variant}", "variants": {},
                                  "baseline_variant": None})


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _split(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in _SEGMENT.findall(path):
        parts.append(int(index) if index else name)
    return parts


def _step(node: Any, key: str | int, path: str) -> tuple[Any, str | int]:
    """Return (container, key) such that container[key] is the next node."""
    if isinstance(node, list):
        if isinstance(key, int):
            if 0 <= key < len(node):
                return node, key
            raise KeyError(f"{path}: " + (
                t("index {index} out of range (0..{last})", index=key, last=len(node) - 1)
                if node else t("index {index} out of range (the list is empty)", index=key)))
        for i, item in enumerate(node):
            if isinstance(item, dict) and item.get("name") == key:
                return node, i
        names = [item.get("name") for item in node if isinstance(item, dict)]
        raise KeyError(f"{path}: " + t("no item named '{name}' (items: {items})", name=key,
                                       items=", ".join(map(str, names))))
    if isinstance(node, dict) and not isinstance(key, int):
        return node, key
    raise KeyError(f"{path}: " + t("cannot go into a value"))


def _path_exists(scenario: Scenario, path: str) -> bool:
    node: Any = scenario.model_dump()
    try:
        for key in _split(path):
            container, k = _step(node, key, path)
            if isinstance(container, dict) and k not in container:
                return False
            node = container[k]
    except KeyError:
        return False
    return True


def value_at(data: dict[str, Any], path: str) -> Any:
    """The value at a parameter path in scenario data (KeyError where there is none).

    >>> value_at({"channels": [{"name": "pran", "price": 6.0}]}, "channels.pran.price")
    6.0
    """
    node: Any = data
    for key in _split(path):
        container, k = _step(node, key, path)
        node = container[k]
    return node


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A new scenario with values replaced at dotted paths, validated like a file.

    Every unknown path and every invalid value is reported at once, naming the path.

    Only the top-level fields the paths go into are re-read from data; the others are passed
    to validation as the (valid, frozen) models they are, whose fields pydantic does not read
    again (their model-level checks still run), and every scenario-level check runs on the
    whole. A model's fields are checked on their own, so the result and its strictness are
    those of validating the whole data, in about a third of the time (portfolios validate one
    scenario per group). Any problem is reported by validating the whole data
    (`overridden_data`), so the messages are the same either way.
    """
    if not overrides:
        return scenario
    firsts = [parts[0] if parts else None for parts in map(_split, overrides)]
    tops = {t for t in firsts if isinstance(t, str) and t in Scenario.model_fields}
    if len(tops) and all(t in tops for t in firsts):
        data = {name: getattr(scenario, name) for name in Scenario.model_fields}
        data |= {top: _dumped(scenario, top, [parts[1:] for parts in map(_split, overrides)
                                              if parts[0] == top]) for top in tops}
        fast, problems = _written(data, overrides)
        if not problems:
            try:
                return Scenario.model_validate(fast)
            except ValidationError:
                pass
    data, problems = overridden_data(scenario, overrides)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        problems += [Problem(named_path(data, p.path), p.message)
                     for p in problems_from_validation(e)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def _dumped(scenario: Scenario, top: str, rests: list[list[str | int]]) -> Any:
    """A top-level field of the scenario as data for the paths into it (`rests`: each path
    without the field's name). In a list of items (channels, loans, services...) only the
    items a path goes into are dumped; the others stay the (valid, frozen) models they are,
    as the untouched top-level fields do. Anything else is dumped whole."""
    value = getattr(scenario, top)
    if isinstance(value, list) and value and all(len(rest) >= 2 for rest in rests) \
            and all(isinstance(x, BaseModel) for x in value):
        keys = {rest[0] for rest in rests}
        return [x.model_dump() if i in keys or getattr(x, "name", None) in keys else x
                for i, x in enumerate(value)]
    return scenario.model_dump(include={top})[top]


def checked_edits(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """`with_overrides`, and for edits that rename an item or touch provenance, variants or a
    whole list, the checks a saved file gets (`file_problems`): an edit accepted here saves
    and reopens. For edits that arrive whole (a link, a typed path), not for an editor that
    rewrites references itself when it saves."""
    out = with_overrides(scenario, overrides)
    if any(_FILE_LEVEL.search(p) for p in overrides):
        problems = file_problems(out)
        if problems:
            raise ScenarioError(problems)
    return out


def overridden_data(scenario: Scenario, overrides: dict[str, Any]
                    ) -> tuple[dict[str, Any], list[Problem]]:
    """The scenario's data with the overrides written in, not yet validated (an editor shows
    what was typed, valid or not), and the paths that could not be written."""
    return _written(scenario.model_dump(), overrides)


def _written(data: dict[str, Any], overrides: dict[str, Any]
             ) -> tuple[dict[str, Any], list[Problem]]:
    """`data` with the overrides written in (in place), and the paths that could not be."""
    problems: list[Problem] = []
    for path, value in overrides.items():
        parts = _split(path)
        node: Any = data
        try:
            if not parts:
                raise KeyError(f"{path}: " + t("empty path"))
            for key in parts[:-1]:
                container, k = _step(node, key, path)
                if isinstance(container, dict) and k not in container:
                    raise KeyError(f"{path}: " + t("unknown parameter"))
                node = container[k]
            container, k = _step(node, parts[-1], path)
            known = k in container if isinstance(container, dict) else True
            if not known and not _is_open_mapping(path):
                raise KeyError(f"{path}: " + t("unknown parameter"))
            container[k] = copy.deepcopy(value)   # the data never aliases the overrides
        except KeyError as e:
            problems.append(Problem(path, str(e.args[0]).split(": ", 1)[1]))
    return data, problems


def named_path(data: dict[str, Any], path: str) -> str:
    """``channels[1].price`` -> ``channels.pran.price`` where the list items have names."""
    out = ""
    node_any: Any = data
    for part in _split(path):
        if isinstance(node_any, list) and isinstance(part, int) and part < len(node_any) \
                and isinstance(node_any[part], dict) and node_any[part].get("name"):
            out += f".{node_any[part]['name']}"
        else:
            out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
        try:
            node_any = node_any[part]
        except (KeyError, IndexError, TypeError):
            node_any = None
    return out


def _is_open_mapping(path: str) -> bool:
    """Paths under a free-keyed table (payer shares, provenance) may add a key."""
    return bool(re.search(r"(^|\.)(shares|provenance)\.[^.]+$", path))


def params(scenario: Scenario) -> list[tuple[str, Any, str]]:
    """Every settable leaf as (path, value, provenance); list items addressed by name."""
    out: list[tuple[str, Any, str]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
            for i, item in enumerate(node):
                key = item.get("name") or f"[{i}]"
                rest = {k: v for k, v in item.items() if not (k == "name" and item.get("name"))}
                walk(rest, f"{path}.{key}" if not key.startswith("[") else f"{path}{key}")
        else:
            out.append((path, node, scenario.provenance.get(path, "")))

    data = scenario.model_dump(exclude={"variants", "provenance", "baseline_variant"})
    walk(data, "")
    return out


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as TOML text (None values are left out, as TOML has no null)."""
    return tomli_w.dumps(drop_none(scenario.model_dump()))


def drop_none(node: Any) -> Any:
    """`node` without its None values, at every depth (TOML has no null)."""
    if isinstance(node, dict):
        return {k: drop_none(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [drop_none(v) for v in node]
    return node


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")


def locate_line(text: str, path: str) -> int | None:
    """Best-effort line number of a field path (``channels[1].payment_delay_days``) in TOML."""
    target = [str(p) for p in _split(path.split(" ")[0])]
    counters: dict[str, int] = {}
    current: list[str] = []
    best, best_len = None, 0
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _HEADER.match(line)
        if m:
            names = [n.strip().strip('"') for n in m.group(2).split(".")]
            current = []
            for depth, name in enumerate(names):
                current.append(name)
                key = ".".join(current)
                if m.group(1) == "[[" and depth == len(names) - 1:
                    counters[key] = counters.get(key, -1) + 1
                    for other in [k for k in counters if k.startswith(key + ".")]:
                        del counters[other]
                if key in counters:
                    current.append(str(counters[key]))
            loc = current
        else:
            k = _KEY.match(line)
            if not k:
                continue
            loc = current + [p.strip('"') for p in k.group(1).split(".")]
        n = len(loc)
        if n >= best_len and loc == target[:n]:
            best, best_len = lineno, n
    return best

