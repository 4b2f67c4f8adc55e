"""Errors as data: every problem with its field path, and the file and line where known.

A scenario is checked whole; all problems are collected and reported together, never only the
first. `ScenarioError` carries the list; its text is one line per problem, in the form
``channels[1].payment_delay_days: must be >= 0 (got -5)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from engine.i18n import t

_MARK = "@@problems@@"


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class ScenarioError(ValueError):
    """Invalid scenario input. `.problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def fail(problems: list[tuple[str, str]]) -> None:
    """Raise from inside a pydantic validator with several (relative path, message) problems."""
    if problems:
        raise ValueError(_MARK + json.dumps(problems))


def format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def _got(value: Any) -> str:
    """The input as the value grammar writes it (true, null, [1, 2]), cut to 60 characters; a
    number that was typed as text and is not finite (engine.values.TypedNumber) as typed, in
    quotes ('1e400', not inf)."""
    if isinstance(value, bool) or value is None:
        text = {True: "true", False: "false", None: "null"}[value]
    elif isinstance(value, dict | list):
        try:
            text = json.dumps(value, default=str)
        except (ValueError, RecursionError):
            text = t("a {kind} nested too deeply", kind=type(value).__name__)
    elif isinstance(value, int) and abs(value) > 10**15:
        text = t("a number of {n} digits", n=len(str(abs(value))))
    elif isinstance(value, float) and isinstance(getattr(value, "text", None), str):
        text = repr(value.text)   # type: ignore[attr-defined]
    elif isinstance(value, float):
        text = _num(value) if abs(value) < 1e16 else f"{value:g}"
    else:
        text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = _got(err.get("input"))
    bounds = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        op, key = bounds[kind]
        return t("must be {op} {bound} (got {got})", op=op, bound=_num(ctx[key]), got=got)
    if kind == "extra_forbidden":
        return t("unknown key (not a field here; check the spelling)")
    if kind == "missing":
        return t("required, but missing")
    if kind == "finite_number":
        return t("must be a finite number (got {got})", got=got)
    if kind in ("date_type", "date_parsing", "date_from_datetime_inexact"):
        return t("must be a date YYYY-MM-DD (got {got})", got=got)
    if kind in ("float_parsing", "float_type"):
        return t("must be a number (got {got})", got=got)
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return t("must be a whole number (got {got})", got=got)
    if kind in ("bool_parsing", "bool_type"):
        return t("must be true or false (got {got})", got=got)
    if kind in ("string_type",):
        return t("must be text (got {got})", got=got)
    if kind == "literal_error":
        return t("must be one of {choices} (got {got})", choices=ctx.get("expected"), got=got)
    if kind == "string_pattern_mismatch":
        return t("must be a month YYYY-MM from 1900-01 to 2199-12 (got {got})", got=got)
    if kind in ("too_short", "too_long"):
        return f"{err['msg'].lower()} (got {got})"
    return f"{err['msg']} (got {got})"


def problems_from_validation(err: ValidationError, prefix: str = "") -> list[Problem]:
    """Turn a pydantic ValidationError into Problems with dotted/indexed field paths."""
    out: list[Problem] = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and "[" in p))
        base = format_loc(loc)
        if prefix:
            base = f"{prefix}.{base}" if base else prefix
        ctx_error = (e.get("ctx") or {}).get("error")
        text = str(ctx_error) if ctx_error is not None else ""
        if e["type"] == "value_error" and _MARK in text:
            for rel, msg in json.loads(text.split(_MARK, 1)[1]):
                path = base + rel if rel.startswith("[") else ".".join(x for x in (base, rel) if x)
                out.append(Problem(path, msg))
        elif e["type"] == "value_error":
            out.append(Problem(base, text.removeprefix("Value error, ")))
        else:
            out.append(Problem(base, _message(e)))
    return out
