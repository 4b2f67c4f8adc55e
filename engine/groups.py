"""Portfolio files: reading, checking and running a file of groups in chunks.

A portfolio file has a ``group_id`` column and one column per parameter path (as `params`
lists them); each row is one group built from the base scenario with that row's values. Cells
are read by the one value grammar (engine.values). An empty cell means "no override: the base
value"; write ``null`` to set an optional value to none.

The file is read row by row and run in chunks, so peak memory does not grow with the number of
groups. Problems of the whole file (no ``group_id`` column, unknown or repeated columns, not
UTF-8, not a regular file) stop the run. Problems of one row (a wrong number of fields, an empty
or repeated ``group_id``, a value the scenario rejects) are named by line and ``group_id``; the
other rows are still run, and the result lists every row, bad ones with their `problems`.
Trailing empty fields, as spreadsheets export them, are ignored.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import Problem, ScenarioError
from engine.i18n import t
from engine.io import params, with_overrides
from engine.limits import check_memory, memory_limit_bytes
from engine.loans import Loan
from engine.portfolio import GROUP_ID, portfolio_of
from engine.scenario import Scenario
from engine.values import ValueTextError, parse_value

CHUNK_GROUPS = 1000
"""Groups run together at most (fewer when the memory limit asks for it)."""
BYTES_PER_CELL = 8 * 96
"""Planned bytes per group, simulated month and channel of a chunk: measured with tracemalloc
on chunks of 1,000 groups of the presets, 344 (Mirpur) to 538 (Bogra) and 631 (Modhupur: a
credit line, one sweep row per exit month and the loan search's rows), with a fifth more."""
PROBLEMS = "problems"


@dataclass
class Chunk:
    """Rows of one chunk: the good ones (id, scenario, position) and the bad ones."""

    ids: list[str] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    cells: list[list[Any]] = field(default_factory=list)
    good_at: list[int] = field(default_factory=list)
    bad: list[tuple[int, str, list[Problem]]] = field(default_factory=list)
    rows: int = 0


def _where(file: str | None, line: int, group_id: str | None) -> str:
    gid = f"group_id={group_id}: " if group_id else ""
    return f"{file + ':' if file else 'line '}{line}: {gid}"


def header_columns(header: list[str], base: Scenario, file: str | None) -> list[str]:
    """The checked header (trailing empty names dropped), or every problem of it."""
    while header and header[-1].strip() == "":
        header = header[:-1]
    names = [h.strip() for h in header]
    problems: list[Problem] = []
    if GROUP_ID not in names:
        problems.append(Problem("", t("the file needs a {column} column (columns: {columns})",
                                      column=GROUP_ID, columns=", ".join(names[:10])
                                      or t("none")), file, 1))
    known = {p for p, _, _ in params(base)}
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(Problem(name, t("column appears twice"), file, 1))
        seen.add(name)
        if name != GROUP_ID and name not in known:
            problems.append(Problem(name or t("(empty name)"), t(
                "unknown column: not a parameter of the base scenario (see `subsidy-exit "
                "params`)"), file, 1))
    if problems:
        raise ScenarioError(problems)
    return names


def row_scenario(base: Scenario, columns: list[str], cells: list[Any]
                 ) -> tuple[str, Scenario | None, list[Problem]]:
    """(group_id, scenario or None, problems) of one row of values (text cells are read by
    the value grammar; '' and None mean no override)."""
    gid_at = columns.index(GROUP_ID)
    group_id = "" if cells[gid_at] is None else str(cells[gid_at]).strip()
    problems: list[Problem] = []
    if not group_id:
        problems.append(Problem(GROUP_ID, t("empty: every row needs a {column}", column=GROUP_ID)))
    overrides: dict[str, Any] = {}
    for name, cell in zip(columns, cells, strict=True):
        if name == GROUP_ID or cell is None or (isinstance(cell, str) and cell.strip() == ""):
            continue
        if isinstance(cell, str):
            try:
                overrides[name] = parse_value(cell)
            except ValueTextError as e:
                problems.append(Problem(name, str(e)))
        else:
            overrides[name] = cell.item() if isinstance(cell, np.generic) else cell
    scenario = None
    try:
        scenario = with_overrides(base, overrides)
    except ScenarioError as e:
        problems += e.problems
    return group_id, (None if problems else scenario), problems


def csv_rows(lines: Iterable[str], file: str | None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of a CSV text, blank lines skipped; a NUL byte or an oversized
    field is a named problem of the file."""
    reader = csv.reader(lines)
    try:
        for fields_ in reader:
            if any("\x00" in f for f in fields_):
                raise ScenarioError([Problem("", t("not a text CSV file (it contains NUL "
                                                   "bytes, as binary data does)"), file,
                                             reader.line_num)])
            if any(f.strip() for f in fields_):
                yield reader.line_num, fields_
    except csv.Error as e:
        raise ScenarioError([Problem("", t("not a readable CSV file ({reason})", reason=e),
                                     file, reader.line_num)]) from None
    except UnicodeDecodeError as e:
        raise ScenarioError([Problem("", t("not UTF-8 text (byte {byte}); save it as UTF-8 "
                                           "CSV", byte=f"0x{e.object[e.start]:02x}"), file,
                                     reader.line_num + 1)]) from None


@dataclass
class Rows:
    """Rows of one chunk as read, before validation: each row's line, cells (None where the
    row has the wrong number of fields) and the problems found on reading it (wrong number of
    fields, a repeated group_id). Small and plain, to send to a Dask worker."""

    lines: list[int] = field(default_factory=list)
    cells: list[list[Any] | None] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    problems: list[list[Problem]] = field(default_factory=list)


def read_chunks(base: Scenario, rows: Iterator[tuple[int, list[Any]]], file: str | None,
                chunk_groups: int = CHUNK_GROUPS) -> Iterator[tuple[list[str], Rows]]:
    """The header's columns and the rows in chunks of at most `chunk_groups`, with the checks
    that need the whole file (the header, repeated group_ids) and the number of fields; the
    header is the first row. What it keeps across chunks is the group_ids seen."""
    first = next(rows, None)
    if first is None:
        raise ScenarioError([Problem("", t("the file is empty (it needs a header with "
                                           "{column})", column=GROUP_ID), file)])
    columns = header_columns([str(h) for h in first[1]], base, file)
    at = columns.index(GROUP_ID)
    seen: dict[str, int] = {}
    chunk = Rows()
    for line, cells in rows:
        if len(cells) > len(columns) and not any(str(c).strip() for c in cells[len(columns):]):
            cells = cells[:len(columns)]   # trailing commas, as spreadsheets export them
        problems: list[Problem] = []
        kept: list[Any] | None = cells
        gid = "" if at >= len(cells) or cells[at] is None else str(cells[at])
        if len(cells) != len(columns):
            problems.append(Problem("", t("{n} fields where the header has {header}",
                                          n=len(cells), header=len(columns)), file, line))
            kept = None
        else:
            gid = gid.strip()
            if gid and gid in seen:
                problems.append(Problem(GROUP_ID, t("'{id}' repeats the {column} of line "
                                                    "{line}", id=gid, column=GROUP_ID,
                                                    line=seen[gid]), file, line))
            elif gid:
                seen[gid] = line
        chunk.lines.append(line)
        chunk.cells.append(kept)
        chunk.ids.append(gid)
        chunk.problems.append(problems)
        if len(chunk.lines) >= chunk_groups:
            yield columns, chunk
            chunk = Rows()
    if chunk.lines:
        yield columns, chunk


def validated(base: Scenario, columns: list[str], rows: Rows, file: str | None) -> Chunk:
    """A chunk's scenarios (each row read by the value grammar and validated like a file), its
    good and bad rows. The scenarios all live on together: the cyclic garbage collector, which
    would go over them again and again while they are made, is off meanwhile."""
    chunk = Chunk(rows=len(rows.lines))
    collecting = gc.isenabled()
    gc.disable()
    try:
        for position, (line, cells, gid, read) in enumerate(zip(
                rows.lines, rows.cells, rows.ids, rows.problems, strict=True)):
            if cells is None:
                chunk.bad.append((position, gid, read))
                continue
            group_id, scenario, problems = row_scenario(base, columns, cells)
            if read:
                problems, scenario = read + [Problem(p.path, p.message, file, line)
                                             for p in problems], None
            if scenario is None:
                chunk.bad.append((position, group_id, [p if p.line else
                                                       Problem(p.path, p.message, file, line)
                                                       for p in problems]))
            else:
                chunk.ids.append(group_id)
                chunk.scenarios.append(scenario)
                chunk.cells.append(cells)
                chunk.good_at.append(position)
    finally:
        if collecting:
            gc.enable()
    return chunk


def chunks(base: Scenario, rows: Iterator[tuple[int, list[Any]]], file: str | None,
           chunk_groups: int = CHUNK_GROUPS) -> Iterator[tuple[list[str], Chunk]]:
    """Checked rows in chunks of at most `chunk_groups`; the header is the first row."""
    for columns, read in read_chunks(base, rows, file, chunk_groups):
        yield columns, validated(base, columns, read, file)


def run_rows(base: Scenario, columns: list[str], rows: Rows, file: str | None,
             terms: Loan | None = None, result: dict[str, Any] | None = None
             ) -> tuple[pd.DataFrame, list[str]]:
    """A chunk as read, validated and run (what a Dask worker does with it): its result rows
    and one line per problem of its bad rows."""
    chunk = validated(base, columns, rows, file)
    return run_chunk(base, columns, chunk, terms, result), bad_lines(chunk)


def run_on_dask(client: Any, base: Scenario, parts: Iterator[tuple[list[str], Rows]],
                file: str | None, terms: Loan | None = None,
                result: dict[str, Any] | None = None, in_flight: int = 4
                ) -> Iterator[tuple[pd.DataFrame, list[str]]]:
    """`run_rows` of each chunk as read (`read_chunks`) on the workers of a Dask `client`,
    results in the file's order. At most `in_flight` chunks are out at once, so the client
    holds a few chunks whatever the size of the file; workers read every cell as the
    in-process path does (an explicit ``null`` stays an override)."""
    from collections import deque
    base_on_workers = client.scatter(base, broadcast=True)
    pending: deque[Any] = deque()
    for columns, rows in parts:
        # the rows go to a worker as data: a task that carried them would keep them in the
        # scheduler's history of computations (a leak of ~400 bytes a group)
        data = client.scatter(rows, hash=False)
        pending.append(client.submit(run_rows, base_on_workers, columns, data, file, terms,
                                     result, pure=False))
        if len(pending) >= max(1, in_flight):
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def chunk_size(base: Scenario) -> int:
    """Groups per chunk under the memory limit (refused when one group would not fit)."""
    from engine.cashflow import simulated_months
    per_group = BYTES_PER_CELL * simulated_months(base) * max(1, len(base.channels))
    check_memory("a portfolio chunk of one group", per_group)
    return max(1, min(CHUNK_GROUPS, memory_limit_bytes() // (4 * per_group)))


def result_columns(base: Scenario, terms: Loan | None = None) -> dict[str, Any]:
    """The columns of a result and their (nullable) types, from one run of the base itself:
    every chunk has them, so that chunks append to one CSV or Parquet file."""
    one = portfolio_of(base, ["-"], [base], [], terms)
    types: dict[str, Any] = {c: ("boolean" if t is np.dtype(bool) else t)
                             for c, t in one.dtypes.items()}
    return {**types, PROBLEMS: one[GROUP_ID].dtype}


def run_chunk(base: Scenario, columns: list[str], chunk: Chunk, terms: Loan | None = None,
              result: dict[str, Any] | None = None) -> pd.DataFrame:
    """Results of a chunk in the file's order, with the `result` columns; bad rows carry
    their problems."""
    good = portfolio_of(base, chunk.ids, chunk.scenarios,
                        [c for c in columns if c != GROUP_ID], terms) if chunk.ids else None
    parts = []
    if good is not None:
        parts.append(good.assign(**{PROBLEMS: ""}).set_axis(chunk.good_at))
    if chunk.bad:
        parts.append(pd.DataFrame({GROUP_ID: [gid for _, gid, _ in chunk.bad],
                                   PROBLEMS: ["; ".join(f"{p.path + ': ' if p.path else ''}"
                                                        f"{p.message}" for p in probs)
                                              for _, _, probs in chunk.bad]},
                                  index=[at for at, _, _ in chunk.bad]))
    frame = pd.concat(parts) if len(parts) > 1 else parts[0]
    frame = frame.sort_index().reset_index(drop=True)
    return frame if result is None else frame.reindex(columns=list(result)).astype(result)


def open_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """Rows of a CSV or Parquet file (a regular file; CSV as UTF-8)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ScenarioError([Problem("", t("not a regular file (a folder, pipe or "
                                               "device)"), str(path))])
    finally:
        os.close(fd)
    if path.suffix == ".parquet":
        yield from _parquet_rows(path)
        return
    with open(path, encoding="utf-8-sig", newline="") as f:
        yield from csv_rows(f, str(path))


def _parquet_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    import pyarrow.parquet as pq
    try:
        source = pq.ParquetFile(path)
    except Exception as e:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
        raise ScenarioError([Problem("", t("not a readable Parquet file ({reason})",
                                           reason=type(e).__name__), str(path))]) from None
    yield 1, list(source.schema_arrow.names)
    line = 1
    for batch in source.iter_batches(batch_size=CHUNK_GROUPS):
        for row in batch.to_pylist():
            line += 1
            yield line, ["" if v is None else v for v in row.values()]


def text_rows(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV held in memory (an upload)."""
    return csv_rows(io.StringIO(text, newline=""), name)


def bad_lines(chunk: Chunk) -> list[str]:
    """One line per problem of a bad row: 'file:line: group_id=ID: path: message'."""
    out = []
    for _, gid, problems in chunk.bad:
        for p in problems:
            where = f"{p.file}:{p.line}: " if p.file else t("line {line}: ", line=p.line)
            named = gid or t("(none)")
            out.append(f"{where}{GROUP_ID}={named}: "
                       f"{p.path + ': ' if p.path else ''}{p.message}")
    return out
