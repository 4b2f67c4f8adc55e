"""What the engine can honour: the bounds every input is checked against, in one place.

Every scenario model (and the loan model) derives from `Checked`, whose rules apply to every
field, including fields added later:

- numbers are finite (no ``inf``, ``nan``, ``1e309``) and within +/- `MAX_NUMBER`;
- numbers are strict: no ``true`` for a count or an amount, no ``"12"`` for a number (other
  types keep pydantic's conversions, e.g. "2002-07-01" for a date);
- a whole-number field named ``month``, ``months``, ``*_month`` or ``*_months`` is at most
  `MAX_MONTH`;
- dates fall in the years `FIRST_YEAR` to `LAST_YEAR`;
- a list of records (channels, loans...) has at most `MAX_ENTITIES` entries, any other list
  or table at most `MAX_ITEMS`, a text at most `MAX_TEXT` characters.

Files and value texts are refused beyond `MAX_FILE_BYTES` and `MAX_DEPTH`; batch work (Monte
Carlo, portfolios) estimates its memory and refuses beyond `memory_limit_bytes()`. The README's
"Limits" section states these figures; a test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import types
import typing
import weakref
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

from engine.errors import fail
from engine.i18n import t

MAX_NUMBER = 1e12
"""Largest magnitude of any number (taka, units, counts): a trillion."""
MAX_MONTH = 1200
"""Largest month count or month offset: 100 years."""
MAX_ITEMS = 1000
"""Most entries in any list or table of values."""
MAX_ENTITIES = 100
"""Most entries in a list of records (products, channels, services, loans, ...)."""
MAX_TEXT = 5000
"""Longest text (names, titles, provenance quotes), in characters."""
MAX_LOAN_MONTHS = 12_000
"""Longest loan term (installments x repayment_every): 1,000 years, so that every due date of a
loan disbursed by `LAST_YEAR` is a date the calendar handles (years up to 9999)."""
FIRST_YEAR, LAST_YEAR = 1900, 2199
"""Dates (the scenario's start, loan disbursements) fall in these years."""
MAX_DELAY_DAYS = 3650
"""Longest payment delay: ten years."""
MAX_FILE_BYTES = 1_000_000
"""Largest scenario file or upload."""
MAX_DEPTH = 32
"""Deepest nesting of lists and tables in a file or a value."""
DEFAULT_MEMORY_LIMIT_BYTES = 2 * 1024**3
MEMORY_LIMIT_ENV = "SUBSIDY_EXIT_MEMORY_LIMIT"


def memory_limit_bytes() -> int:
    """The most memory one batch computation may plan to use: the SUBSIDY_EXIT_MEMORY_LIMIT
    environment variable (bytes, or with a K/M/G suffix), else 2 GiB."""
    raw = os.environ.get(MEMORY_LIMIT_ENV, "").strip().upper()
    if not raw:
        return DEFAULT_MEMORY_LIMIT_BYTES
    scale = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(raw[-1], 1)
    try:
        value = float(raw[:-1] if scale > 1 else raw) * scale
    except ValueError:
        return DEFAULT_MEMORY_LIMIT_BYTES
    return int(value) if value >= 1 else DEFAULT_MEMORY_LIMIT_BYTES


def gib(n_bytes: float) -> str:
    return f"{n_bytes / 1024**3:.2f} GiB"


def check_memory(what: str, n_bytes: float, hint: str = "") -> None:
    """Refuse, before allocating, a computation planned to use more than the memory limit."""
    limit = memory_limit_bytes()
    if n_bytes > limit:
        from engine.errors import Problem, ScenarioError
        raise ScenarioError([Problem("", f"{what} would need about {gib(n_bytes)}, over the "
                                     f"limit of {gib(limit)} ({MEMORY_LIMIT_ENV})"
                                     + (f"; {hint}" if hint else ""))])


def _shown(value: int | float) -> str:
    if isinstance(value, int):
        return f"a number of {len(str(abs(value)))} digits" if abs(value) > 10**15 else str(value)
    return f"{value:.6g}"


def is_month_field(name: str) -> bool:
    return name in ("month", "months") or name.endswith(("_month", "_months"))


def bound_problems(path: str, value: Any, month: bool = False) -> list[tuple[str, str]]:
    """Problems of one field's value (recursing into lists and tables, not into models)."""
    if isinstance(value, bool) or value is None or isinstance(value, BaseModel):
        return []
    if isinstance(value, int | float):
        if month and isinstance(value, int) and abs(value) > MAX_MONTH:
            return [(path, f"must be at most {MAX_MONTH} months (got {value})")]
        if abs(value) > MAX_NUMBER:
            return [(path, f"must be between -{MAX_NUMBER:,.0f} and {MAX_NUMBER:,.0f} "
                           f"(got {_shown(value)})")]
        return []
    if isinstance(value, dt.date):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            return [(path, f"must fall in the years {FIRST_YEAR}-{LAST_YEAR} "
                           f"(got {value.isoformat()})")]
        return []
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return [(path, f"must be at most {MAX_TEXT} characters (got {len(value)})")]
        return []
    if isinstance(value, list | tuple) and len(value) <= MAX_ITEMS and not month and \
            all(type(v) is float for v in value) and \
            (not value or max(map(abs, value)) <= MAX_NUMBER):
        return []   # a list of floats within bounds (seasonality, weights): nothing to report
    if isinstance(value, list | tuple | dict):
        records = isinstance(value, list | tuple) and any(isinstance(v, BaseModel)
                                                           for v in value)
        most = MAX_ENTITIES if records else MAX_ITEMS
        if len(value) > most:
            return [(path, f"must have at most {most} entries (got {len(value)})")]
        items = value.items() if isinstance(value, dict) else enumerate(value)
        out: list[tuple[str, str]] = []
        for key, item in items:
            here = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
            out += bound_problems(here, item, month)
        return out
    return []


def _numeric(annotation: Any) -> str | None:
    """'int' or 'float' for a number field (optional or not), else None."""
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) or \
        typing.get_origin(annotation) is typing.Union else (annotation,)
    kinds = {a for a in args if a is not type(None)}
    if kinds == {int}:
        return "int"
    if kinds and kinds <= {int, float}:
        return "float"
    return None


def once_per_object(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A model's after-check, run once per model object. Pydantic runs a model's after-checks
    again on an object passed as a field value (`with_overrides` passes the parts of a
    scenario that an edit does not touch as they are); these models are frozen, so an object
    that passed once passes again (an object made without validation, by `model_copy`, is a
    new object and is checked)."""
    passed: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()

    @functools.wraps(check)
    def checked(self: Any) -> Any:
        if passed.get(id(self)) is self:
            return self
        out = check(self)
        passed[id(self)] = self
        return out

    return checked


class Checked(BaseModel):
    """Base of every input model: frozen, unknown keys rejected, strict types, finite numbers,
    and the limits above on every field."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_or_text_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """Strict numbers: pydantic would read true as 1 and "12" as 12."""
        if isinstance(value, bool | str) and info.field_name is not None and \
                _numeric(cls.model_fields[info.field_name].annotation):
            shown = ("true" if value else "false") if isinstance(value, bool) else repr(value)
            raise ValueError(t("must be a whole number (got {got})", got=shown[:60])
                             if _numeric(cls.model_fields[info.field_name].annotation) == "int"
                             else t("must be a number (got {got})", got=shown[:60]))
        return value

    @model_validator(mode="after")
    @once_per_object
    def _within_limits(self) -> Any:
        problems: list[tuple[str, str]] = []
        for name in type(self).model_fields:
            problems += bound_problems(name, getattr(self, name), is_month_field(name))
        fail(problems)
        return self
