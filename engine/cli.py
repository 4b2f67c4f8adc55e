"""`subsidy-exit`: the command line. Errors are listed whole and exit with status 2; no
traceback reaches the user. `--lang bn` writes every command's output, help and errors in
Bangla (numbers in lakh and crore with Bengali digits unless `--digits latin`)."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from engine import fmt, i18n, quantities
from engine.comparison import COMPARE_COLUMNS, compare
from engine.errors import Problem, ScenarioError, problems_from_validation
from engine.fields import field_meta, meta_at
from engine.i18n import N_, t
from engine.io import load_scenario, params, preset_names, with_overrides
from engine.loan_capacity import DSCR_TARGET, loan_terms_table, loan_verdict, max_affordable_loan
from engine.loans import Loan, apr, contracts, eir, grant_element, opening, schedules
from engine.portfolio import display_results
from engine.projection import Projection, project
from engine.scenario import Channel, Scenario
from engine.schema_docs import scenario_schema
from engine.stress import stress_table
from engine.switching import SWITCHABLE, switching_value
from engine.values import ValueTextError, parse_value

SUMMARY_KEYS = ["exit_month", "oss_month", "fss_month", "full_cost_month", "total_subsidy",
                "subsidy_to_sales", "min_cash_balance", "peak_working_capital", "min_dscr_12m",
                "min_dscr_seasonal", "outstanding_at_horizon", "buyer_hhi",
                "member_income_per_member_month_avg"]
TABLE_COLUMNS = ["date", "sales_revenue", "cash_receipts", "operating_cash_flow",
                 "debt_service", "subsidy", "cash_balance", "cash_balance_without_subsidy",
                 "member_income_per_member"]


def parse_sets(items: list[str]) -> dict[str, Any]:
    """--set PATH=VALUE items, values by the one value grammar (engine.values)."""
    out: dict[str, Any] = {}
    problems = []
    for item in items:
        if "=" not in item:
            problems.append(Problem("--set", t("must look like PATH=VALUE (got {got})",
                                               got=repr(item[:60]))))
            continue
        path, raw = item.split("=", 1)
        try:
            out[path.strip()] = parse_value(raw)
        except ValueTextError as e:
            problems.append(Problem(path.strip(), str(e)))
    if problems:
        raise ScenarioError(problems)
    return out


def _checked(kind: type, low: float | None = None, high: float | None = None,
             low_open: bool = False) -> Any:
    """An argparse type: a finite number of `kind` within [low, high] (low excluded when
    `low_open`); argparse turns the error into one line and exit status 2."""
    def convert(raw: str) -> Any:
        try:
            value = kind(raw)
        except ValueError:
            message = (t("must be a whole number (got {got})", got=repr(raw)) if kind is int
                       else t("must be a number (got {got})", got=repr(raw)))
            raise argparse.ArgumentTypeError(message) from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(t("must be a finite number (got {got})",
                                               got=repr(raw)))
        if low is not None and (value <= low if low_open else value < low):
            raise argparse.ArgumentTypeError(t("must be {op} {bound} (got {got})",
                                               op=">" if low_open else ">=",
                                               bound=f"{low:g}", got=raw))
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(t("must be {op} {bound} (got {got})", op="<=",
                                               bound=f"{high:g}", got=raw))
        return value
    convert.__name__ = kind.__name__
    return convert


def dask_address(raw: str) -> str:
    """A scheduler address: tcp://HOST:PORT (or HOST:PORT); empty: a local cluster."""
    if raw == "":
        return raw
    found = re.fullmatch(r"(?:(tcp|tls)://)?([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})",
                         raw.strip())
    if not found or not 0 < int(found.group(3)) < 65536:
        raise argparse.ArgumentTypeError(t("must look like tcp://HOST:PORT (got {got})",
                                           got=repr(raw)))
    return raw.strip() if found.group(1) else f"tcp://{raw.strip()}"


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def machine_output() -> contextlib.AbstractContextManager[None]:
    """JSON and files written for programs (--json, --csv, --out) are the same whatever --lang:
    keys and column names, codes, raw numbers, months as YYYY-MM, and their sentences in English
    (a portfolio row's problems excepted: docs/i18n.md)."""
    return i18n.language(i18n.DEFAULT)


def projection_json(p: Projection) -> dict[str, Any]:
    monthly = p.monthly.reset_index()
    records = [{k: _clean(v) for k, v in row.items()}
               for row in monthly.astype(object).where(monthly.notna(), None).to_dict("records")]
    with machine_output():
        verdict = loan_verdict(p)
    return {"scenario": p.scenario.name, "summary": {k: _clean(v) for k, v in p.summary.items()},
            "loan_verdict": None if verdict is None else {k: _clean(v)
                                                          for k, v in verdict.items()},
            "monthly": records}


def _count(n: int) -> str:
    """A count in a sentence, in the digits of the language in force."""
    return fmt.number(n, fmt.style_for())


def _style(args: argparse.Namespace) -> fmt.Style:
    """How numbers are written: the language's way (lakh and Bengali digits in Bangla), with
    --lakh and --digits where given."""
    return fmt.style_for(grouping="lakh" if getattr(args, "lakh", False) else None,
                         digits=getattr(args, "digits", None))


def _summary_lines(p: Projection, style: fmt.Style = fmt.PLAIN) -> list[str]:
    labels = {k: quantities.label(k, style) for k in SUMMARY_KEYS}
    width = max(len(v) for v in labels.values())
    return [f"  {label:<{width}}  "
            f"{quantities.display_value(k, p.summary[k], style, start=p.scenario.start)}"
            for k, label in labels.items()]


def _print_table(frame: pd.DataFrame, style: fmt.Style, index: bool = False,
                 **display: Any) -> None:
    """A table for reading: each column under its quantity's one name and formatted by its unit
    in the style's language (engine.quantities.display_frame); the index is printed only when
    asked (its values are not formatted)."""
    shown = quantities.display_frame(frame, style, **display)
    with pd.option_context("display.width", 250, "display.max_rows", 100_000,
                           "display.max_columns", 100):
        print(shown.to_string(index=index))


def _load(ref: str, sets: list[str]):
    scenario = load_scenario(ref)
    overrides = parse_sets(sets)
    return with_overrides(scenario, overrides) if overrides else scenario


def cmd_presets(args: argparse.Namespace) -> None:
    for name in preset_names():
        s = load_scenario(name)
        variants = ", ".join(f"{name}:{v}" for v in s.variants) or "-"
        print(f"{name:<22} {s.title}\n{'':<22} " + t("variants: {variants}", variants=variants))


def cmd_params(args: argparse.Namespace) -> None:
    s = _load(args.scenario, args.set)
    rows = params(s)
    width = max(len(p) for p, _, _ in rows)
    for path, value, source in rows:
        shown = json.dumps(value) if not isinstance(value, str) else value
        print(f"{path:<{width}}  {shown}" + (f"    # {source}" if source and args.sources
                                             else ""))


def cmd_run(args: argparse.Namespace) -> None:
    p = project(_load(args.scenario, args.set))
    st = _style(args)
    if args.csv:
        p.monthly.to_csv(args.csv)
    if args.json:
        print(json.dumps(projection_json(p), indent=1, allow_nan=False))
        return
    print(f"{p.scenario.title} ({p.scenario.name}), {fmt.month(p.scenario.start, 0, st)}, "
          f"{fmt.months_count(p.scenario.horizon_months, st)}")
    print("\n".join(_summary_lines(p, st)))
    print()
    _print_table(p.monthly.reset_index(), st, columns=["month", *TABLE_COLUMNS])
    if p.scenario.loans:
        print("\n" + t("Loans (APR and EIR by the MicroFinance Transparency convention; grant "
                       "element at the OECD's 10%):"))
        with pd.option_context("display.width", 200):
            terms_table = loan_terms_table(p.scenario)
            terms_table["interest_method"] = terms_table["interest_method"].map(
                field_meta(Loan, "interest_method").choice_label)
            print(quantities.display_frame(terms_table, st).to_string())
        print("\n" + t("Loan verdict: {sentence}",
                       sentence=loan_verdict(p)["sentence"]))  # type: ignore[index]
        terms = p.scenario.loans[-1]
        print("\n" + t("Largest principal on the terms of {loan} keeping trailing-12m DSCR >= "
                       "{target} and cash >= the reserve: {amount}", loan=terms.name,
                       target=fmt.ratio(DSCR_TARGET, st),
                       amount=fmt.money(max_affordable_loan(p.scenario, terms), st)))
    print("\n" + t("Stress tests:"))
    with pd.option_context("display.width", 200):
        stressed = quantities.display_frame(stress_table(p.scenario), st, start=p.scenario.start)
        stressed.index = [t(str(name)) for name in stressed.index]
        print(stressed.to_string())


MAX_PARTITIONS = 10_000
DISCOUNT_RATE = _checked(float, field_meta(Scenario, "discount_rate_annual").ge,
                         field_meta(Scenario, "discount_rate_annual").le)
"""--discount-rate: a finite rate within the scenario's discount_rate_annual bounds."""
LOAN_FLAGS = [f for f in Loan.model_fields if f not in ("name", "lender", "disbursement_month")]


def _rate(x: float, style: fmt.Style) -> str:
    return t("no solution") if math.isnan(x) else fmt.percent(x, style, 4, 4)


def cmd_loan(args: argparse.Namespace) -> None:
    values, problems = {}, []
    for f in LOAN_FLAGS:
        if getattr(args, f) is not None:
            try:
                values[f] = parse_value(getattr(args, f))
            except ValueTextError as e:
                problems.append(Problem("--" + f.replace("_", "-"), str(e)))
    try:
        loan = Loan(name="loan", **values)
    except ValidationError as e:
        problems += [Problem("--" + p.path.replace("_", "-"), p.message)
                     for p in problems_from_validation(e)]
    if problems:
        raise ScenarioError(problems)
    s = schedules(loan)
    rates = {"apr": apr(loan), "eir": eir(loan), "grant_element": grant_element(loan)}
    if args.json:
        print(json.dumps({**{k: _clean(v) for k, v in rates.items()},
                          "schedule": json.loads(s.to_json(orient="records", date_format="iso"))},
                         indent=1, allow_nan=False))
        return
    repaid = float(s.principal.sum() + s.down_payment.sum())
    quiet = [c for c in ("contract", "disbursed", "down_payment", "prepaid") if not s[c].any()]
    if loan.disbursement_date is None:
        quiet.append("due_date")
    if loan.market_annual_rate is None:
        quiet.append("interest_subsidy")
    s = s.drop(columns=["month", *quiet])
    st = _style(args)
    _print_table(s, st, decimals=loan.currency_digits)
    lent = contracts(loan)
    first, down = opening(loan)
    downs = sum(opening(c)[1] for c in lent)
    upfront = sum(c.upfront_fee for c in lent)
    def amount(x: float) -> str:
        return fmt.money(x, st, unit=False, decimals=2)

    print("\n" + t("released {first} at disbursement (down payment {down}); over {n} "
                   "contract(s) lent {lent}: principal {principal}, interest {interest}, fees "
                   "{fees} (upfront {upfront})", n=_count(len(lent)),
                    first=amount(first), down=amount(down),
                    lent=amount(sum(c.principal for c in lent)),
                    principal=amount(repaid + downs), interest=amount(s.interest.sum()),
                    fees=amount(s.fees.sum() + upfront), upfront=amount(upfront)))
    method = field_meta(Loan, "interest_method").choice_label(loan.interest_method)
    print(t("APR {apr}  EIR {eir}  (nominal {rate}, {method}); grant element at 10%: "
            "{grant}", apr=_rate(rates["apr"], st), eir=_rate(rates["eir"], st),
            rate=fmt.percent(loan.annual_rate, st, 4, 4), method=method,
            grant=fmt.percent(rates["grant_element"], st, 2, 2)))
    if math.isnan(rates["apr"]):
        print(t("no APR: no rate makes the payments worth what the borrower receives (the "
                "upfront fees take all of the principal)"))


def cmd_compare(args: argparse.Namespace) -> None:
    projections = [project(_load(ref, args.set)) for ref in args.scenarios]
    if args.json:
        print(json.dumps([projection_json(p) for p in projections], indent=1, allow_nan=False))
        return
    table = compare(projections)
    st = _style(args)
    warnings = table.loc["warning"]
    table = table.drop(index="warning").astype(object)
    for key, label in COMPARE_COLUMNS.items():
        table.loc[label] = [quantities.display_value(key, v, st) for v in table.loc[label]]
    with pd.option_context("display.width", 250, "display.max_colwidth", 60):
        print(table.to_string())
    for name, warning in warnings.items():
        if warning:
            print(t("warning: {name}: {warning}", name=name, warning=warning))


def cmd_switch(args: argparse.Namespace) -> None:
    scenario = _load(args.scenario, args.set)
    names = [c.name for c in scenario.channels]
    bad = [Problem(label, t("no channel named {name} (channels: {names})", name=repr(value),
                            names=", ".join(names)))
           for label, value in (("channel", args.channel), ("rival", args.rival))
           if value not in names]
    if bad:
        raise ScenarioError(bad)
    with machine_output() if args.json else contextlib.nullcontext():
        result = switching_value(scenario, args.channel, args.rival, args.parameter,
                                 args.outcome)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(result["sentence"])
        st = _style(args)
        meta = field_meta(Channel, args.parameter)
        print("  " + t("now: {parameter} = {value}; {channel} {mine} against {rival} {theirs}",
                       parameter=meta.label,
                       value=fmt.value(result["current_value"], meta.unit, st),
                       channel=args.channel, mine=fmt.money(result["outcome_now"], st),
                       rival=args.rival, theirs=fmt.money(result["rival_outcome"], st)))


def _month_arg(scenario, raw: str | None, flag: str, problems: list[Problem]) -> int:
    """A month flag as months from the start: a number, or a date like 2002-07 (a problem is
    added to `problems`, and 0 returned, when it is neither or outside the scenario)."""
    if raw is None:
        return 0
    if raw.isdigit():
        m = int(raw)
    elif len(raw) == 7 and raw[4] == "-" and raw[:4].isdigit() and raw[5:].isdigit():
        y0, m0 = map(int, scenario.start.split("-"))
        m = (int(raw[:4]) - y0) * 12 + int(raw[5:]) - m0
    else:
        problems.append(Problem(flag, t("must be a month number or a date like 2002-07 "
                                        "(got {got})", got=repr(raw))))
        return 0
    if not 0 <= m < scenario.horizon_months:
        problems.append(Problem(flag, t("must fall within the scenario, {first} to {last} "
                                        "(got {got})", first=scenario.start,
                                        last=scenario.month_label(scenario.horizon_months - 1),
                                        got=repr(raw))))
        return 0
    return m


def cmd_report(args: argparse.Namespace) -> None:
    from engine.report import Options, document, report_tables
    from engine.stress import STRESSES
    scenario = _load(args.scenario, args.set)
    problems: list[Problem] = []
    exit_month = _month_arg(scenario, args.exit_month, "--exit-month", problems)
    taper_start = _month_arg(scenario, args.taper_start, "--taper-start", problems)
    if args.loan is not None and args.loan not in [x.name for x in scenario.loans]:
        problems.append(Problem("--loan", t("no loan named {name} (loans: {names})",
                                            name=repr(args.loan),
                                            names=", ".join(x.name for x in scenario.loans)
                                            or t("none"))))
    bad = [x for x in args.stress if x not in STRESSES]
    if bad:
        problems.append(Problem("--stress", t("unknown {names} (stresses: {stresses})",
                                              names=bad, stresses=", ".join(STRESSES))))
    if args.format == "pdf" and not args.out:
        problems.append(Problem("--out", t("a PDF needs a folder to be written to")))
    if not 0.5 <= args.dscr_target <= 5:
        problems.append(Problem("--dscr-target", t("must be between 0.5 and 5 (got {got})",
                                                   got=args.dscr_target)))
    if args.taper_every < 1:
        problems.append(Problem("--taper-every", t("must be at least 1 (got {got})",
                                                   got=args.taper_every)))
    if problems:
        raise ScenarioError(problems)
    options = Options(exit_month=exit_month, taper_start=taper_start,
                      taper_every=args.taper_every, dscr_target=args.dscr_target,
                      loan=args.loan, stresses=args.stress or None,
                      style=_style(args))
    doc = document(scenario, args.audience, options)
    if not args.out:
        from engine.document import to_html, to_markdown
        print(to_html(doc) if args.format == "html" else to_markdown(doc), end="")
        return
    from engine.document import write
    print(t("wrote {path}", path=write(doc, args.out, args.format)))
    if args.csv:
        with machine_output():
            tables = report_tables(scenario)
        for name, table in tables.items():
            path = args.out / f"{name}.csv"
            table.to_csv(path, index=False)
            print(t("wrote {path}", path=path))


def cmd_statements(args: argparse.Namespace) -> None:
    from engine import statements
    p = project(_load(args.scenario, args.set))
    with machine_output() if args.out else contextlib.nullcontext():
        tables = statements.statement_tables(p)
    if args.out:
        args.out.mkdir(exist_ok=True)
        for name, table in tables.items():
            path = args.out / f"{name}.csv"
            table.to_csv(path)
            print(t("wrote {path}", path=path))
        return
    st = _style(args)
    print(t("{title}: appraisal statements, {unit}", title=p.scenario.title,
            unit=fmt.unit_name("taka")))
    with pd.option_context("display.width", 250, "display.max_columns", 50):
        for name, table in tables.items():
            print(f"\n{t(statements.STATEMENTS[name][0])}")
            shown = table.map(fmt.money, style=st, unit=False)
            shown.columns.name = quantities.label("year", st)
            print(shown.to_string())
    a = statements.appraisal(p, args.discount_rate)
    print("\n" + t("The group's investment before financing (FAO RuralInvest), discounted at "
                   "{rate} a year:", rate=fmt.percent(a.discount_rate.iloc[0], st)))
    cases = {"with_donations": N_("with donations"), "without_donations": N_("without donations")}
    for case, row in a.iterrows():
        payback = fmt.month(p.scenario.start, None if pd.isna(row.payback_month)
                            else int(row.payback_month), st, none=t("never"))
        print("  " + t("{case}: NPV {npv}, IRR {irr}, paid back by {payback}",
                       case=t(cases[str(case)]) if str(case) in cases else str(case),
                       npv=fmt.money(row.npv, st),
                       irr=fmt.percent(None if pd.isna(row.irr) else row.irr, st),
                       payback=payback))


def cmd_results(args: argparse.Namespace) -> None:
    from engine.results import baseline_of, dced_results
    scenario = _load(args.scenario, args.set)
    r = dced_results(project(scenario), baseline_of(scenario), discount_rate=args.discount_rate)
    if args.json:
        print(json.dumps({k: _clean(v) for k, v in r.items()}, indent=1))
        return
    st = _style(args)
    labels = {k: quantities.label(k, st) for k in r}
    width = max(map(len, labels.values()))
    for k, v in r.items():
        shown = scenario.title_of(v) if k == "payer" else quantities.display_value(k, v, st)
        print(f"  {labels[k]:<{width}}  {shown}")


def cmd_portfolio(args: argparse.Namespace) -> int:
    """Rows are checked and run in chunks; bad rows are listed on stderr and in the result's
    `problems` column; exit 2 when there were any, unless --skip-bad."""
    from engine.groups import (
        bad_lines,
        chunk_size,
        chunks,
        open_rows,
        read_chunks,
        result_columns,
        run_chunk,
        run_on_dask,
    )
    from engine.portfolio import dask_client
    base = _load(args.base, args.set)
    if args.out is not None and args.out.resolve() == args.groups.resolve():
        raise ScenarioError([Problem("--out", t("must not be the groups file itself"))])
    bad: list[str] = []
    written = 0
    template = result_columns(base)
    rows, file = open_rows(args.groups), str(args.groups)
    writer = ChunkWriter(args.out, _style(args), base.start)
    with contextlib.ExitStack() as stack:
        if args.dask is not None:
            client = stack.enter_context(dask_client(args.dask or None))
            results: Iterator[tuple[pd.DataFrame, list[str]]] = run_on_dask(
                client, base, read_chunks(base, rows, file, chunk_size(base)), file,
                result=template, in_flight=args.partitions)
        else:
            results = ((run_chunk(base, columns, chunk, result=template), bad_lines(chunk))
                       for columns, chunk in chunks(base, rows, file, chunk_size(base)))
        for result, lines in results:
            bad += lines
            written += len(result)
            writer.write(result)
    if writer.count == 0:   # a header without rows: an empty result with its columns
        writer.write(pd.DataFrame({c: pd.Series(dtype=t) for c, t in template.items()}))
    writer.close()
    if args.out:
        print(t("wrote {n} groups to {path}", n=_count(written), path=args.out)
              + (t("; {n} problem(s) in rows not run", n=_count(len(bad))) if bad else ""))
    if bad:
        print(t("error: {n} problem(s) in rows of {path} (these rows were not run; the others "
                "were):", n=_count(len(bad)), path=args.groups), file=sys.stderr)
        for line in bad:
            print(f"  {line}", file=sys.stderr)
        return 0 if args.skip_bad else 2
    return 0


class ChunkWriter:
    """Writes result chunks to a CSV or Parquet file as they come (or prints them)."""

    def __init__(self, path: Path | None, style: fmt.Style = fmt.PLAIN, start: str | None = None):
        self.path, self.count = path, 0
        self.style, self.start = style, start
        self.parquet: Any = None
        self.tmp = None if path is None else path.with_name(f".{path.name}.partial")

    def write(self, frame: pd.DataFrame) -> None:
        if self.path is None or self.tmp is None:   # printed for reading, in the language
            shown = display_results(frame, self.style, self.start)
            with pd.option_context("display.width", 250, "display.max_rows", 100_000):
                print(shown.to_string(index=False, header=self.count == 0))
        elif self.path.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq
            if self.parquet is None:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                self.schema = table.schema
                self.parquet = pq.ParquetWriter(self.tmp, self.schema)
            else:
                table = pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False)
            self.parquet.write_table(table)
        else:
            frame.to_csv(self.tmp, index=False, header=self.count == 0,
                         mode="w" if self.count == 0 else "a")
        self.count += len(frame)

    def close(self) -> None:
        """The result replaces --out only when it is whole."""
        if self.parquet is not None:
            self.parquet.close()
        if self.path is not None and self.tmp is not None and self.tmp.exists():
            self.tmp.replace(self.path)


def cmd_tornado(args: argparse.Namespace) -> None:
    from engine.risk import tornado
    table = tornado(_load(args.scenario, args.set), step=args.step)
    st = _style(args)
    cols = [c for c in table.columns if c.endswith("_swing")]
    top = table.head(args.top).reset_index()
    shown = quantities.display_frame(top, st, columns=["path", *cols])
    units = [meta.unit if (meta := meta_at(path)) else "number" for path in top["path"]]
    shown.insert(1, quantities.label("value", st),
                 [fmt.value(v, unit, st) for v, unit in zip(top["value"], units, strict=True)])
    with pd.option_context("display.width", 250, "display.max_rows", 500):
        print(shown.to_string(index=False))
    for path, why in table.attrs["skipped"]:
        print(t("skipped {path}: {why}", path=path, why=why))


def cmd_montecarlo(args: argparse.Namespace) -> None:
    from engine.montecarlo import monte_carlo
    from engine.shocks import Shocks
    shocks = Shocks(**{name: getattr(args, name) for name in Shocks.model_fields})
    mc = monte_carlo(_load(args.scenario, args.set), shocks, args.paths, args.seed)
    by_year = mc.p_self_sustaining_by_month.iloc[11::12]
    st = _style(args)
    print(t("{n} paths, seed {seed}", n=_count(mc.paths), seed=fmt.digits(str(mc.seed), st)))
    print(t("shocks: {shocks}", shocks=", ".join(shock_text(shocks, st))))
    print(t("P(trailing DSCR < 1) = {dscr}; P(cash short at an installment) = {short}",
            dscr=fmt.percent(mc.p_dscr_below_1, st, 1, 1),
            short=fmt.percent(mc.p_cash_short_at_installment, st, 1, 1)))
    print(t("P(PAR30 at any time) = {par}; expected arrears at the end = {arrears}",
            par=fmt.percent(mc.p_par30, st, 1, 1), arrears=fmt.money(mc.expected_arrears, st)))
    print(t("P(self-sustaining by):"))
    for date, prob in by_year.items():
        print(f"  {fmt.month_text(str(date), st)}: {fmt.percent(prob, st, 1, 1)}")
    print(t("cash balance percentiles (every 6 months):"))
    _print_table(mc.cash_percentiles.iloc[::6].reset_index(), st)


def shock_text(shocks: Any, style: fmt.Style) -> list[str]:
    """Each shock as its label and value, shares and chances as percentages."""
    from engine.shocks import Shocks
    out = []
    for name, v in shocks.model_dump().items():
        meta = field_meta(Shocks, name)
        shown = (fmt.percent(v, style, 0, 2) if meta.percent else
                 fmt.number(v, style, 0, 2) + (f" {fmt.unit_name(meta.unit)}"
                                               if meta.unit in fmt.UNIT_NAMES else ""))
        out.append(f"{meta.label} {shown}")
    return out


def shock_options(p: argparse.ArgumentParser) -> None:
    """One option per field of engine.shocks.Shocks, with its label, unit, range and default
    from engine/fields.py (shares, volatilities and probabilities as fractions: 0.2 = 20%)."""
    from engine.shocks import Shocks
    for name in Shocks.model_fields:
        meta = field_meta(Shocks, name)
        low = meta.ge if meta.ge is not None else meta.gt
        text = (t("{label} (a fraction, {allowed}; default {default}): {meaning}")
                if meta.percent else
                t("{label} ({unit}, {allowed}; default {default}): {meaning}"))
        p.add_argument("--" + name.replace("_", "-"), dest=name, default=meta.default,
                       type=_checked(float, low, meta.le, low_open=meta.gt is not None),
                       help=text.format(label=meta.label, unit=fmt.unit_name(meta.unit),
                                        allowed=meta.range_text(), default=f"{meta.default:g}",
                                        meaning=meta.description).replace("%", "%%"))


def cmd_validate(args: argparse.Namespace) -> None:
    s = load_scenario(args.file)
    print(t("{file}: valid ({title}, {channels} channels, {services} services, {loans} loans, "
            "variants: {variants})", file=args.file, title=s.title,
            channels=_count(len(s.channels)), services=_count(len(s.services)),
            loans=_count(len(s.loans)),
            variants=", ".join(s.variants) or t("none")))


def language_options(p: argparse.ArgumentParser, top: bool = False) -> None:
    """--lang and --digits, accepted before or after the command (read first by `main`); a
    command's own copies leave the values alone unless given there."""
    p.add_argument("--lang", choices=sorted(i18n.LANGUAGES),
                   default=i18n.DEFAULT if top else argparse.SUPPRESS,
                   help=t("language of the output, help and errors: en (English, the default) "
                          "or bn (Bangla)"))
    p.add_argument("--digits", choices=["bengali", "latin"],
                   default=None if top else argparse.SUPPRESS,
                   help=t("digits numbers are written in (default: Bengali in Bangla, Latin in "
                          "English)"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="subsidy-exit", description=t(
        "Cash-flow projections and subsidy exit for producer groups (subsidy-exit)."))
    language_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("presets", help=t("list the presets and their variants"))

    def with_set(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                       help=t("override a parameter (repeatable); paths as `params` lists them"))
        return p

    p = with_set(sub.add_parser("params", help=t("list every parameter path with its value")))
    p.add_argument("scenario")
    p.add_argument("--sources", action="store_true", help=t("show each value's provenance"))
    p = with_set(sub.add_parser("run", help=t("project a scenario")))
    p.add_argument("scenario", help=t("preset name, NAME:VARIANT, or a TOML file"))
    p.add_argument("--json", action="store_true", help=t("print JSON"))
    p.add_argument("--csv", type=Path, help=t("write the monthly table as CSV"))
    p = with_set(sub.add_parser("compare", help=t("compare scenarios side by side")))
    p.add_argument("scenarios", nargs="+")
    p.add_argument("--json", action="store_true", help=t("print JSON"))
    p = sub.add_parser("loan", help=t("print a loan's repayment schedule with APR and EIR"))
    for field in LOAN_FLAGS:
        p.add_argument("--" + field.replace("_", "-"), dest=field, metavar="VALUE",
                       help=field_meta(Loan, field).description.replace("%", "%%"),
                       required=field in ("principal", "annual_rate", "installments"))
    p.add_argument("--json", action="store_true", help=t("print JSON"))
    p = with_set(sub.add_parser("switch", help=t("the value of a channel's term at which it "
                                "stops beating another channel")))
    p.add_argument("scenario")
    p.add_argument("channel")
    p.add_argument("rival")
    p.add_argument("parameter", choices=SWITCHABLE)
    p.add_argument("--outcome", default="member_income_per_member_month_avg",
                   choices=["member_income_per_member_month_avg", "min_cash_balance"])
    p.add_argument("--json", action="store_true", help=t("print JSON"))
    p = with_set(sub.add_parser("report", help=t("the exit-readiness report (for a donor) or the "
                                "credit memo (for a lender) as PDF, HTML or Markdown")))
    p.add_argument("scenario")
    p.add_argument("--for", dest="audience", choices=["donor", "lender"], default="donor",
                   help=t("donor: the exit-readiness report; lender: the credit memo"))
    p.add_argument("--format", choices=["pdf", "html", "md"], default="md")
    p.add_argument("--out", type=Path, help=t("folder to write the document into (needed for "
                   "pdf; without it html and md are printed)"))
    p.add_argument("--csv", action="store_true", help=t("with --out, also the tables as CSV"))
    p.add_argument("--exit-month", metavar="MONTH", help=t("judge 'if support ended' at this "
                   "month (number from the start, or 2002-07); default the start"))
    p.add_argument("--taper-start", metavar="MONTH", help=t("month tapers start (default 0)"))
    p.add_argument("--taper-every", type=int, default=6, help=t("months between taper steps"))
    p.add_argument("--dscr-target", type=_checked(float), default=DSCR_TARGET,
                   help=t("the lender's DSCR policy (default {target})", target=DSCR_TARGET))
    p.add_argument("--loan", help=t("the loan the credit memo judges (default the last)"))
    p.add_argument("--stress", action="append", default=[], metavar="NAME",
                   help=t("a stress test to show (repeatable; default all)"))
    p.add_argument("--lakh", action="store_true", help=t("group digits in lakh and crore"))
    p = with_set(sub.add_parser("statements", help=t("yearly income statement, balance sheet "
                                "and cash-flow statement, and NPV/IRR/payback of the group's "
                                "investment with and without donations")))
    p.add_argument("scenario")
    p.add_argument("--discount-rate", type=DISCOUNT_RATE, help=t("per year (default: the "
                   "scenario's discount_rate_annual)"))
    p.add_argument("--out", type=Path, help=t("folder for the three statements as CSV"))
    p = with_set(sub.add_parser("results", help=t("results as donors measure them (DCED "
                                "Standard) against the scenario's baseline variant")))
    p.add_argument("scenario")
    p.add_argument("--discount-rate", type=DISCOUNT_RATE,
                   help=t("per year (default: the scenario's)"))
    p.add_argument("--json", action="store_true", help=t("print JSON"))
    p = with_set(sub.add_parser("portfolio", help=t("one row of results per group of a CSV or "
                                "Parquet file (group_id + override columns)")))
    p.add_argument("groups", type=Path)
    p.add_argument("--base", required=True, help=t("the preset or file every group starts from"))
    p.add_argument("--out", type=Path, help=t("result file (.csv or .parquet)"))
    p.add_argument("--dask", nargs="?", const="", default=None, metavar="ADDRESS",
                   type=dask_address,
                   help=t("run the chunks on Dask: a scheduler address, or a local cluster "
                          "of 2 workers; the file is streamed, chunk by chunk"))
    p.add_argument("--partitions", type=_checked(int, 1, MAX_PARTITIONS), default=4,
                   help=t("with --dask: chunks sent to the workers at once (at least the "
                          "number of workers keeps them busy; the client holds this many)"))
    p.add_argument("--skip-bad", action="store_true",
                   help=t("exit 0 even when some rows are invalid (they are still listed)"))
    p = with_set(sub.add_parser("tornado", help=t("one-way sensitivity of exit month, minimum "
                                "cash and income per member")))
    p.add_argument("scenario")
    p.add_argument("--step", type=_checked(float, 0, 1, low_open=True), default=0.1,
                   help=t("+/- share of each value (0 < step <= 1)"))
    p.add_argument("--top", type=_checked(int, 1), default=25,
                   help=t("inputs shown, the largest swings first (default 25)"))
    p = with_set(sub.add_parser("montecarlo", help=t("seeded Monte Carlo with month-by-month "
                                "shocks (mean-reverting prices, harvest failures, late "
                                "payments)")))
    p.add_argument("scenario")
    p.add_argument("--paths", type=_checked(int, 1), default=1000,
                   help=t("paths simulated (default 1000)"))
    p.add_argument("--seed", type=_checked(int, 0, 2**63 - 1), default=0,
                   help=t("seed of the random draws: the same seed gives the same paths "
                          "(default 0)"))
    shock_options(p)
    p = sub.add_parser("validate", help=t("check a scenario file (TOML or XLSX) and list every "
                       "problem"))
    p.add_argument("file")
    p = sub.add_parser("template", help=t("write an input workbook (XLSX): blank, or filled from "
                       "a preset or file"))
    p.add_argument("--from", dest="source", metavar="NAME",
                   help=t("preset, NAME:VARIANT or scenario file to fill it from"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.add_argument("--force", action="store_true", help=t("replace FILE.xlsx if it exists"))
    sub.add_parser("schema", help=t("print the scenario file's JSON Schema (for editors)"))
    for command in sub.choices.values():
        language_options(command)
    return parser


def cmd_template(args: argparse.Namespace) -> None:
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise ScenarioError([Problem("--out", t("must name an .xlsx file (got {got})",
                                                got=repr(args.out)))])
    if out.exists() and not args.force:
        raise ScenarioError([Problem("--out", t("{file} exists already; choose another name or "
                                                "add --force to replace it", file=args.out))])
    from engine.workbook import write_workbook
    data = write_workbook(load_scenario(args.source) if args.source else None)
    tmp = out.with_name(f".{out.name}.partial")
    tmp.write_bytes(data)
    tmp.replace(out)
    print(t("wrote {path} (from {source})", path=args.out, source=args.source) if args.source
          else t("wrote {path} (blank)", path=args.out))


def cmd_schema(args: argparse.Namespace) -> None:
    print(json.dumps(scenario_schema(), indent=1))


COMMANDS = {"presets": cmd_presets, "params": cmd_params, "run": cmd_run, "loan": cmd_loan,
            "switch": cmd_switch, "report": cmd_report, "statements": cmd_statements,
            "results": cmd_results, "portfolio": cmd_portfolio,
            "tornado": cmd_tornado, "montecarlo": cmd_montecarlo,
            "compare": cmd_compare, "validate": cmd_validate, "template": cmd_template,
            "schema": cmd_schema}


def _cleanup_partial(args: argparse.Namespace) -> None:
    out = getattr(args, "out", None)
    if isinstance(out, Path):
        out.with_name(f".{out.name}.partial").unlink(missing_ok=True)


ARGPARSE_MESSAGES = [
    N_("usage: "), N_("positional arguments"), N_("options"),
    N_("show this help message and exit"), N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("ambiguous option: %(option)s could match %(matches)s")]
"""argparse's own messages (usage, help headings, its errors), translated through the engine's
catalogue while a language other than English is in force."""


def language_in(argv: list[str]) -> str:
    """The language `--lang X` (or `--lang=X`) asks for anywhere in `argv`; English when absent
    or not offered (argparse then names the choices)."""
    for i, arg in enumerate(argv):
        value = (argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else
                 arg.split("=", 1)[1] if arg.startswith("--lang=") else None)
        if value is not None:
            return i18n.parse_language(value) or i18n.DEFAULT
    return i18n.DEFAULT


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[None]:
    """`lang` in force for the engine's text and for argparse's messages."""
    saved = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda message: t(message)  # type: ignore[attr-defined]
    try:
        with i18n.language(lang):
            yield
    finally:
        argparse._ = saved  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    """Exit status 0: done; 2: bad input (argparse's one line, or one line per problem after
    'error: N problem(s):'); 1: an internal error (a short message, no traceback, no paths)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    with speaking(language_in(argv)):
        return _main(argv)


OUTPUTS = {"run": [("csv", False)], "report": [("out", True)], "statements": [("out", True)],
           "portfolio": [("out", False)], "template": [("out", False)]}
"""Each command's options naming where it writes: (attribute, a folder?)."""


def output_problems(args: argparse.Namespace) -> list[Problem]:
    """Where the command would write, checked before any work: a file's folder must exist
    (nothing is created along the way), and a folder to write into may be new but its own
    parent must exist; an existing path of the other kind (a folder for a file, a file for a
    folder) is refused."""
    problems = []
    for attribute, folder in OUTPUTS.get(args.command, []):
        raw = getattr(args, attribute, None)
        if raw is None or raw is True or raw is False:
            continue
        path, option = Path(raw), "--" + attribute
        parent = path.absolute().parent
        if folder and path.exists() and not path.is_dir():
            problems.append(Problem(option, t("{path} is a file, not a folder", path=raw)))
        elif not folder and path.is_dir():
            problems.append(Problem(option, t("{path} is a folder, not a file", path=raw)))
        elif not parent.is_dir():
            problems.append(Problem(option, t(
                "the folder {folder} does not exist; create it first (nothing is created "
                "along the way)", folder=str(Path(raw).parent))))
    return problems


def _main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        problems = output_problems(args)
        if problems:
            raise ScenarioError(problems)
        return COMMANDS[args.command](args) or 0
    except ScenarioError as e:
        print(t("error: {n} problem(s):", n=_count(len(e.problems))), file=sys.stderr)
        for problem in e.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(t("interrupted"), file=sys.stderr)
        return 130
    except OSError as e:
        print(t("error: {reason}", reason=e.strerror or type(e).__name__)
              + (f": {e.filename}" if e.filename else ""), file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - the last line of defence: no traceback, no paths
        print(t("internal error ({kind}); please report the command that caused it.",
                kind=type(e).__name__), file=sys.stderr)
        return 1
    finally:
        _cleanup_partial(args)


if __name__ == "__main__":
    sys.exit(main())
