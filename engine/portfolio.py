"""Portfolios: one base scenario, one row of overrides per group, one row of results per group.

Every group's overrides are validated like a file (all problems reported with the group_id).
Columns that map onto the compiled arrays (group figures, channel terms, product capacity and
cost, fixed-cost amounts) are applied to the base's arrays as whole columns; any other column
(services, loans, tapers...) makes each group be compiled on its own. Either way all groups are
then simulated together in one batch, and the largest affordable loan is searched for all groups
at once. The same function runs per partition on Dask (`portfolio_dask`).
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine import fmt, quantities
from engine.assets import inflation_factor
from engine.cashflow import (
    Inputs,
    dated_loans,
    fixed_costs,
    product_volume,
    production_costs,
    simulated_months,
)
from engine.errors import Problem, ScenarioError
from engine.fields import Located, locate
from engine.i18n import N_, t
from engine.io import params, with_overrides
from engine.loan_capacity import (
    DSCR_TARGET,
    dated,
    largest_principals,
    months_to_repay,
)
from engine.loans import Loan
from engine.pipeline import compile_rows, run
from engine.scenario import Channel, FixedCost, Group, Product, Scenario

GROUP_ID = "group_id"
_GROUP = {"members": "members", "opening_cash": "opening_cash", "cash_reserve": "cash_reserve",
          "distribution_share": "distribution_share", "credit_line_limit": "credit_limit",
          "credit_line_annual_rate": "credit_rate",
          "drawings_per_member_month": "drawings_per_member"}
"""Group fields and the compiled array each one fills."""
_CHANNEL_FIELD = {"discount": "discount", "acceptance_rate": "acceptance",
                  "commission_rate": "commission_rate", "transport_cost_per_unit": "transport",
                  "share": "share", "payment_delay_days_max": "delay_days_max"}
_COLUMN_FIELDS: dict[type, frozenset[str]] = {
    Group: frozenset(_GROUP),
    Channel: frozenset({*_CHANNEL_FIELD, "price", "payment_delay_days",
                        "quota_units_per_month"}),
    Product: frozenset({"monthly_capacity", "unit_cost"}),
    FixedCost: frozenset({"monthly_amount"}),
}
"""Fields (located by engine.fields) that a portfolio applies to the base's compiled arrays as
whole columns."""


def _column(col: str) -> Located | None:
    """Where a column's path ends, if it is one applied as a whole column."""
    where = locate(col)
    if where is None or where.name not in _COLUMN_FIELDS.get(where.model, ()):
        return None
    return where if where.model is Group or isinstance(where.item, str) else None


def _coerce(value: Any) -> Any:
    """A CSV cell as a parameter value (empty cells mean 'no override')."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def group_scenarios(base: Scenario, groups: pd.DataFrame) -> list[Scenario]:
    """Each row's scenario, validated; every problem of every group is reported at once."""
    known = {p for p, _, _ in params(base)}
    columns = [c for c in groups.columns if c != GROUP_ID]
    unknown = [c for c in columns if c not in known]
    if GROUP_ID not in groups.columns:
        raise ScenarioError([Problem(GROUP_ID, "the file needs a group_id column")])
    if unknown:
        raise ScenarioError([Problem(c, "unknown parameter (see `subsidy-exit params`)")
                             for c in unknown])
    out, problems = [], []
    collecting = gc.isenabled()
    gc.disable()   # the scenarios all live on: no cyclic collection while they are made
    try:
        rows = list(groups.itertuples(index=False))
        for row in rows:
            values = dict(zip(groups.columns, row, strict=True))
            overrides = {c: _coerce(values[c]) for c in columns
                         if _coerce(values[c]) is not None}
            try:
                out.append(with_overrides(base, overrides))
            except ScenarioError as e:
                problems += [Problem(f"{GROUP_ID}={values[GROUP_ID]}: {p.path}", p.message)
                             for p in e.problems]
    finally:
        if collecting:
            gc.enable()
    if problems:
        raise ScenarioError(problems)
    return out


def fast_columns(base: Scenario, columns: list[str]) -> bool:
    channels = {c.name: c for c in base.channels}
    for col in columns:
        where = _column(col)
        if where is None:
            return False
        if where.model is Channel and where.name == "price" \
                and channels[str(where.item)].price_basis != "fixed":
            return False
    return True


def group_inputs(base: Scenario, scenarios: list[Scenario], columns: list[str],
                 months: int = 0) -> Inputs:
    """The batch of all groups, simulated to the last installment of any loan (or `months`):
    whole-column edits of the base's arrays where every column allows it, otherwise one
    compile per group."""
    if not fast_columns(base, columns):
        return compile_rows(scenarios, months)
    x = compile_rows([base], months)
    x = x.take(np.zeros(len(scenarios), dtype=int))
    cnames = [c.name for c in base.channels]
    pnames = [p.name for p in base.products]
    edits: dict[str, Any] = {}

    def field(name: str) -> np.ndarray:
        if name not in edits:
            edits[name] = x.full(name)
        return edits[name]

    located = [w for w in map(_column, columns) if w is not None]
    for where in located:
        if where.model is Group:
            field(_GROUP[where.name])[:] = [getattr(s.group, where.name) for s in scenarios]
        elif where.model is Channel:
            c = cnames.index(str(where.item))
            what = where.name
            chans = [s.channels[c] for s in scenarios]
            if what == "price":     # a fixed price, at the scenario's price inflation
                field("list_price")[:, c, :] = np.array([ch.price for ch in chans])[:, None] \
                    * inflation_factor(base.price_inflation_annual, x.months)
            elif what == "payment_delay_days":
                field("delay_days")[:, c] = [ch.payment_delay_days for ch in chans]
                field("delay_days_max")[:, c] = [ch.payment_delay_days if
                                                 ch.payment_delay_days_max is None else
                                                 ch.payment_delay_days_max for ch in chans]
            elif what == "quota_units_per_month":
                field("quota")[:, c] = [np.inf if ch.quota_units_per_month is None
                                        else ch.quota_units_per_month for ch in chans]
            else:
                field(_CHANNEL_FIELD[what])[:, c] = [getattr(ch, what) for ch in chans]
        elif where.model is FixedCost:
            for i, s in enumerate(scenarios):
                field("fixed_costs")[i] = fixed_costs(s, x.months)
    if any(w.model is Product for w in located):
        for i, s in enumerate(scenarios):
            produced = product_volume(s, x.months)
            field("produced")[i] = np.stack([produced[p] for p in pnames])
            field("sale_cost")[i] = production_costs(s, x.months)[0]
    return replace(x, **edits)


def summaries(base: Scenario, scenarios: list[Scenario], columns: list[str]
              ) -> tuple[pd.DataFrame, Inputs | None]:
    """Each group's summary as `project` gives it: simulated to the last installment of its
    own loans, over its own horizon and exit criteria (a longer simulation, such as the one
    the largest-loan search needs, adds months of penalties on arrears and their DSCR
    windows). Groups are run in batches of equal simulated months, horizon and criteria;
    also returns the inputs of all groups when one batch holds them (else None)."""
    batches: dict[tuple[int, int, str] | None, list[int]] = {}
    if fast_columns(base, columns):     # whole columns leave the loans and horizon alone
        batches[None] = list(range(len(scenarios)))
    else:
        for i, s in enumerate(scenarios):
            key = (simulated_months(s), s.horizon_months, s.exit_criteria.model_dump_json())
            batches.setdefault(key, []).append(i)
    parts, inputs = [], None
    for rows in batches.values():
        first = scenarios[rows[0]]
        inputs = group_inputs(base, [scenarios[i] for i in rows], columns)
        frame = run(inputs, first.horizon_months, first.exit_criteria).summary.frame()
        parts.append(frame.set_axis(rows))
    out = parts[0] if len(parts) == 1 else pd.concat(parts).sort_index()
    return out.reset_index(drop=True), (inputs if len(parts) == 1 else None)


def portfolio(base: Scenario, groups: pd.DataFrame, terms: Loan | None = None,
              dscr_target: float = DSCR_TARGET) -> pd.DataFrame:
    """One row per group: exit month, minimum DSCR, minimum cash, peak working capital, the
    largest affordable loan on `terms` (default: the base's last loan), and risk flags."""
    columns = [c for c in groups.columns if c != GROUP_ID]
    scenarios = group_scenarios(base, groups)
    return portfolio_of(base, list(groups[GROUP_ID].to_numpy()), scenarios, columns, terms,
                        dscr_target)


def portfolio_of(base: Scenario, ids: list[Any], scenarios: list[Scenario], columns: list[str],
                 terms: Loan | None = None, dscr_target: float = DSCR_TARGET) -> pd.DataFrame:
    """`portfolio` of groups already validated (`scenarios`, the base with each group's
    overrides of `columns`), as engine.groups reads them from a file chunk by chunk."""
    terms = terms or (dated_loans(base)[-1] if base.loans else None)
    if terms is not None:
        terms = dated(base, terms)
    out, inputs = summaries(base, scenarios, columns)
    out.insert(0, GROUP_ID, ids)
    if terms is not None:
        months = months_to_repay(base, terms)
        if inputs is None or inputs.months < months:
            inputs = group_inputs(base, scenarios, columns, months)
        out["max_affordable_loan"] = largest_principals(inputs, terms, dscr_target)
    else:
        out["max_affordable_loan"] = np.nan
    flags = []
    for r in out.itertuples(index=False):
        f = []
        if pd.isna(r.exit_month):
            f.append(NO_EXIT)
        if not pd.isna(r.min_dscr_12m) and r.min_dscr_12m < dscr_target:
            f.append(DSCR_BELOW.format(target=dscr_target))
        if r.cash_short_at_installment:
            f.append(CASH_SHORT)
        if r.min_cash_balance < 0:
            f.append(CASH_BELOW_ZERO)
        flags.append(FLAG_SEPARATOR.join(f))
    out["risk_flags"] = flags
    return out


NO_EXIT, CASH_SHORT, CASH_BELOW_ZERO = (N_("no exit within horizon"),
                                        N_("cash short at an installment"),
                                        N_("cash below zero"))
DSCR_BELOW = N_("DSCR below {target}")
FLAG_SEPARATOR = "; "
"""A group's risk flags as the result file keeps them: English phrases joined by '; ', the same
in every language (a file's values do not depend on who ran it); `flags_text` reads them."""


def display_results(frame: pd.DataFrame, style: fmt.Style = fmt.PLAIN,
                    start: str | None = None) -> pd.DataFrame:
    """A portfolio result as text for reading (the command line's table, the app's Portfolio
    page): labels, months and amounts in the style, risk flags in its language, and a row that
    was not run (it has `problems`) with its group and its problems only: its results are
    empty, not "n/a", which says a group that ran never reached a month (it never exits)."""
    shown = quantities.display_frame(frame.assign(risk_flags=[
        flags_text(f, style) for f in frame.risk_flags]), style, start)
    not_run = (frame["problems"].fillna("") != "").to_numpy()
    results = [c for c in shown.columns if c not in (
        quantities.label("group_id", style), quantities.label("problems", style))]
    shown.loc[not_run, results] = ""
    return shown


def flags_text(flags: object, style: fmt.Style = fmt.PLAIN) -> str:
    """A result's risk flags in the style's language (a missing value, a bad row's, as empty).

    >>> flags_text("DSCR below 1.25; cash below zero", fmt.style_for("bn"))
    'DSCR ১.২৫-এর নিচে; নগদ শূন্যের নিচে'
    """
    if not isinstance(flags, str) or not flags:
        return ""
    lang = style.locale.split("_")[0]
    out = []
    for flag in flags.split(FLAG_SEPARATOR):
        below = re.fullmatch(DSCR_BELOW.format(target="(.+)"), flag)
        if below:
            out.append(t(DSCR_BELOW, lang=lang, target=fmt.ratio(float(below.group(1)), style)))
        else:
            out.append(t(flag, lang=lang))
    return FLAG_SEPARATOR.join(out)


def portfolio_partition(groups: pd.DataFrame, base: Scenario, terms: Loan | None
                        ) -> pd.DataFrame:
    """`portfolio` with the partition first, as Dask's map_partitions calls it."""
    return portfolio(base, groups.reset_index(drop=True), terms)


def read_table(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)


def write_table(df: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)


DASK_CONNECT_SECONDS = 5
"""How long to wait for a Dask scheduler before giving up."""


HANDSHAKE_MAX_BYTES = 1 << 20
"""The largest first frame a scheduler's greeting may announce (it sends about 60 bytes)."""


def scheduler_problem(address: str, seconds: float | None = None) -> str | None:
    """What is wrong with `address` as a Dask scheduler, found within `seconds` (None: a
    scheduler greeted us). A scheduler speaks first: on a TCP connection it sends its
    handshake at once, an 8-byte little-endian length then that many bytes. So a refused
    port, a host that does not answer, a server that accepts and says nothing (an HTTP
    server waits for a request) and one that sends other bytes are each told apart here,
    with a deadline, before Dask's client (which would wait past its own timeout on a
    silent peer, or try to allocate whatever length junk bytes announce) is started."""
    import socket
    import struct
    import time

    from distributed.comm.addressing import parse_address, parse_host_port

    seconds = DASK_CONNECT_SECONDS if seconds is None else seconds
    scheme, location = parse_address(address)
    host, port = parse_host_port(location)
    deadline = time.monotonic() + seconds
    try:
        conn = socket.create_connection((host, port), timeout=seconds)
    except ConnectionRefusedError:
        return t("nothing listens there (connection refused)")
    except TimeoutError:
        return t("no answer within {seconds} seconds", seconds=seconds)
    except OSError as e:
        return t("cannot be reached ({reason})", reason=e.strerror or type(e).__name__)
    if scheme != "tcp":   # TLS speaks its own handshake first: the port answers, Dask says more
        conn.close()
        return None
    greeting = b""
    try:
        with conn:
            while len(greeting) < 8:
                conn.settimeout(max(deadline - time.monotonic(), 0.01))
                part = conn.recv(8 - len(greeting))
                if not part:
                    break
                greeting += part
    except TimeoutError:
        pass
    except OSError as e:
        return t("the connection failed ({reason})", reason=e.strerror or type(e).__name__)
    if not greeting:
        return t("the port accepted the connection but sent nothing within {seconds} seconds: "
                 "not a Dask scheduler (a web server?)", seconds=seconds)
    if len(greeting) < 8 or not 0 < struct.unpack("<Q", greeting)[0] <= HANDSHAKE_MAX_BYTES:
        return t("the port answered with bytes that are not a Dask scheduler's greeting")
    return None


@contextmanager
def dask_client(address: str | None = None) -> Iterator[Any]:
    """A Dask client: of the scheduler at `address` (checked first by `scheduler_problem`,
    so that anything else fails within `DASK_CONNECT_SECONDS`), or of a local cluster of 2
    worker processes (one thread each) that closes with it."""
    from dask.distributed import Client, LocalCluster

    cluster = None
    if address:
        problem = scheduler_problem(address)
        if problem is None:
            try:
                client = Client(address, timeout=DASK_CONNECT_SECONDS)
            except Exception as e:  # noqa: BLE001 - any failure to connect is the address's
                problem = t("the connection failed ({reason})", reason=type(e).__name__)
        if problem is not None:
            raise ScenarioError([Problem("--dask", t(
                "{address}: {problem}; start a Dask scheduler there (`dask scheduler`) or "
                "leave out the address to run on this machine", address=address,
                problem=problem))])
    else:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def portfolio_dask(base: Scenario, groups_path: Path | pd.DataFrame, out_path: Path | None = None,
                   address: str | None = None, partitions: int = 4,
                   terms: Loan | None = None) -> pd.DataFrame:
    """The same kernel per partition on Dask, for a table of groups held by the caller (a
    frame, or a Parquet or CSV file read whole): a scheduler at `address`, or a local cluster
    of 2 worker processes. Writes Parquet (or CSV) when `out_path` is given; returns the result
    in the input's order. A file too large to hold goes through `engine.groups.run_on_dask`
    (the command line's --dask), which streams it."""
    import dask.dataframe as dd

    with dask_client(address):
        if isinstance(groups_path, pd.DataFrame):
            ddf = dd.from_pandas(groups_path, npartitions=partitions)
        elif groups_path.suffix == ".parquet":
            ddf = dd.read_parquet(str(groups_path))
        else:
            ddf = dd.from_pandas(pd.read_csv(groups_path), npartitions=partitions)
        if ddf.npartitions < partitions:
            ddf = ddf.repartition(npartitions=partitions)
        meta = portfolio(base, ddf.head(1), terms).iloc[:0]
        result = ddf.map_partitions(portfolio_partition, base, terms, meta=meta)
        frame = result.compute()
        frame = frame.reset_index(drop=True)
        if out_path is not None:
            write_table(frame, out_path)
        return frame
