"""The documents a facilitator and a loan officer hand on: the exit-readiness report (to a donor)
and the credit memo (to a lender's committee), built as `engine.document.Document`s and written
as PDF, HTML or Markdown. Every number comes from the engine and is shown by engine/fmt; names
are the scenario's plain titles, never its short names; the choices made on the app's pages
(month support ends, taper start and step, DSCR target, loan, stresses) come in `Options`.

Also the CSV tables of the report (`report_tables`) for spreadsheets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from engine import fmt, metrics, quantities
from engine.cashflow import payer_shares, service_costs
from engine.comparison import concentration_warning
from engine.document import Bullets, Chart, Document, Heading, Paragraph, Table, write
from engine.i18n import N_, current, t
from engine.loan_capacity import (
    DSCR_TARGET,
    loan_terms_table,
    loan_verdict,
    max_affordable_loan,
)
from engine.loans import apr, eir, grant_element
from engine.planner import (
    AFTER_EXIT,
    SERVICE_COLUMNS,
    SERVICE_VERDICTS,
    cost_totals,
    fastest_safe_taper,
    linear_multiplier,
    on_its_feet,
    services_at_exit,
    step_multiplier,
    withdrawal,
    yearly_ratios,
)
from engine.projection import Projection, project
from engine.results import results_of
from engine.scenario import GROUP, Scenario
from engine.statements import STATEMENTS, appraisal, statement_tables, year_labels
from engine.stress import STRESSES, stress_table
from engine.verdict import exit_verdict

Audience = Literal["donor", "lender"]
Form = Literal["pdf", "html", "md"]


@dataclass(frozen=True)
class Options:
    """The choices a document honours (the app's page settings; the CLI's flags)."""

    exit_month: int = 0
    """'If support ended in month X': the month the withdrawal and services sections judge."""
    taper_start: int = 0
    taper_every: int = 6
    dscr_target: float = DSCR_TARGET
    loan: str | None = None
    """The loan the credit memo is about (default: the last one)."""
    stresses: Sequence[str] | None = None
    """Names of analysis.STRESSES to show (default: all)."""
    style: fmt.Style = field(default_factory=fmt.style_for)
    """How numbers are written (default: the way of the language in force)."""
    date: dt.date | None = None
    """The date printed on every page (default: today)."""


# ---- plain names ------------------------------------------------------------------------------

SECTIONS = {"products", "channels", "markets", "fixed_costs", "services", "loans",
            "member_capital", "investments", "variants", "taper", "table", "one_off",
            "capacity_ramp", "shares"}


def path_title(scenario: Scenario, path: str) -> str:
    """A parameter path as people read it: 'services.tmss_bds.shares' -> 'TMSS business
    services: share of cost per payer'; a row of a table is named by the table and its row,
    counted from 1: 'products.handicrafts.capacity_ramp[0].factor' -> 'Handicrafts, capacity
    ramp, row 1: capacity factor'."""
    from engine.fields import meta_at
    meta = meta_at(path)
    parts = path.split(".")
    what = t(meta.label) if meta else parts[-1].replace("_", " ")
    owners = []
    for i, part in enumerate(parts[:-1]):
        if part in SECTIONS:
            continue
        table, _, row = part.partition("[")
        if row:
            listed = meta_at(".".join([*parts[:i], table]))
            owners.append(t("{table}, row {n}", table=t(listed.label) if listed else table,
                            n=fmt.number(int(row.rstrip("]")) + 1, fmt.style_for())))
        else:
            owners.append(scenario.title_of(part))
    return f"{', '.join(owners)}: {what}" if owners else what[:1].upper() + what[1:]


def _frame(df: pd.DataFrame, scenario: Scenario, style: fmt.Style,
           first: str | None = None) -> Table:
    """A table of engine quantities (columns named as in engine/quantities) as formatted text;
    the index becomes the first column, under `first` (default its plain name)."""
    shown = quantities.display_frame(df, style, scenario.start)
    header = [first or quantities.label(str(df.index.name or ""), style), *shown.columns]
    rows = [[fmt.number(int(i), style) if isinstance(i, int | np.integer) else str(i),
             *map(str, row)] for i, row in zip(df.index, shown.to_numpy(), strict=True)]
    return Table(header, rows)


def _statement(table: pd.DataFrame, style: fmt.Style, first: str) -> Table:
    years = [c.split(" (")[0] for c in table.columns]
    return Table([first, *years],
                 [[str(i), *[fmt.money(v, style, unit=False) for v in row]]
                  for i, row in zip(table.index, table.to_numpy(), strict=True)])


# ---- pieces the documents need (engine figures not asked for elsewhere) ------------------------

def payer_costs(p: Projection, multiplier: np.ndarray | None = None) -> pd.Series:
    """What each payer other than the group pays for the group's subsidised services over the
    simulated months, with its planned shares times `multiplier` (T,) (a taper from
    engine.planner; None: as planned), plus the concessional interest saved (lenders), read
    from the projection `p` (no new run). The sum is the taper's `cost_to_payers`."""
    scenario = p.scenario
    T = len(p.simulated)
    mult = np.ones(T) if multiplier is None else multiplier
    out: dict[str, float] = {}
    for s in scenario.services:
        if s.embedded or s.beneficiary != "group":
            continue
        cost = service_costs(s, T)
        for payer, share in payer_shares(s, T).items():
            if payer != GROUP:
                out[payer] = out.get(payer, 0.0) + float((cost * share * mult).sum())
    saved = float(p.interest_subsidy.sum())
    if saved:
        out["concessional interest"] = saved
    return pd.Series(out, dtype=float)


def dscr_by_period(p: Projection) -> tuple[pd.Series, pd.Series]:
    """Debt-service coverage of each full project year (engine.metrics.dscr_annual, the one
    annual DSCR) and by calendar month pooled over the years with debt service in that month
    (the seasons a yearly figure averages away): cash available for debt service (after
    members' drawings) over debt service; NaN where there is none."""
    m = p.monthly
    arrays = {k: m[k].to_numpy()[None] for k in ("operating_cash_flow", "members_drawings",
                                                 "debt_service")}
    yearly = metrics.dscr_annual(arrays)[0]
    available, ds = metrics.cash_available_for_debt_service(arrays)[0], arrays["debt_service"][0]
    first = int(p.scenario.start.split("-")[1]) - 1
    cal = (first + np.arange(len(m))) % 12
    num = np.bincount(cal, np.where(ds > 0, available, 0.0), minlength=12)
    den = np.bincount(cal, ds, minlength=12)
    by_month = metrics.ratio(num, den)
    names = [fmt.calendar_month(dt.date(2000, i + 1, 1), fmt.style_for()).split()[0]
             for i in range(12)]
    years = [y.split(" (")[0] for y in year_labels(p.scenario, len(m))][:len(yearly)]
    return pd.Series(yearly, index=years), pd.Series(by_month, index=names)


def _month(scenario: Scenario, m: int | None, style: fmt.Style, none: str | None = None) -> str:
    return fmt.month(scenario.start, m, style, none=t("never") if none is None else none)


def _glossary(names: Sequence[str]) -> Table:
    rows = [[quantities.quantity(n).label, quantities.quantity(n).meaning] for n in names
            if quantities.quantity(n).meaning]
    return Table([t("Term"), t("What it means")], rows)


def glossary(names: Sequence[str]) -> Table:
    """Every ratio and result the document shows, in plain words."""
    terms = _glossary(names)
    return Table(terms.header, [[t(a), t(b)] for a, b in quantities.GLOSSARY] + terms.rows)


def plain_text(scenario: Scenario, text: str) -> str:
    """Text with the scenario's short names (those with an underscore, as a source may cite
    another value: 'as tmss_1') replaced by their plain names."""
    import re
    names = sorted({n for n in scenario.titles if "_" in n}, key=len, reverse=True)
    if not names:
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda m: scenario.title_of(m.group(1)), text)


def _assumptions(scenario: Scenario) -> Table:
    rows = [[path_title(scenario, k), plain_text(scenario, v)]
            for k, v in sorted(scenario.provenance.items())]
    return Table([t("Value"), t("Source")], rows)


def _cash_chart(scenario: Scenario, p: Projection, title: str, month: int | None,
                style: fmt.Style) -> Chart:
    months = [fmt.month(scenario.start, m, style) for m in range(len(p.monthly))]
    series = {t("With the planned support"): p.monthly.cash_balance.tolist()}
    marks: dict[str, int] = {}
    if month is not None and month < scenario.horizon_months:
        series[t("If support ended {month}", month=fmt.month(scenario.start, month, style))] = \
            p.counterfactual_cash.loc[month].tolist()
        marks[t("support ends")] = month
    return Chart(title, months, series, lines={t("Cash reserve"): scenario.group.cash_reserve},
                 marks=marks)


# ---- the exit-readiness report (to a donor) -----------------------------------------------------

def exit_report(scenario: Scenario, options: Options | None = None,
                projection: Projection | None = None) -> Document:
    """The exit-readiness report. `projection`: the scenario's projection if the caller has it
    (the report then runs the pipeline only for the questions it adds: the baseline, the
    tapers, the services at exit and the stress tests)."""
    o = options or Options()
    st = o.style
    p = projection or project(scenario)
    s = p.summary
    r = results_of(scenario, p)
    money = lambda x: fmt.money(x, st)  # noqa: E731
    lowest_dscr = quantities.display_value("min_dscr_12m", s["min_dscr_12m"], st)
    when = lambda m, none=None: _month(scenario, m, st, none)  # noqa: E731
    not_within = t("not within the period")
    X = min(max(0, o.exit_month), scenario.horizon_months - 1)
    w = withdrawal(p, X)
    taper = fastest_safe_taper(p, o.taper_start, o.taper_every)
    services = services_at_exit(p, X)
    a = appraisal(p)
    blocks: list = [Heading(t("Summary"))]
    blocks.append(Paragraph(exit_verdict(scenario, s, st), bold=True))
    reasons = []
    feet = on_its_feet(p)
    reasons.append(t("With its planned support the group keeps its cash reserve from {month}.",
                     month=when(feet)) if feet is not None else
                   t("Even with its planned support the group's cash falls below its reserve."))
    reasons.append(t("Operationally self-sufficient (OSS at or above 100%) from {month}; subsidy "
                     "to sales over the whole period {ratio}.", month=when(s["oss_month"]),
                     ratio=fmt.percent(s["subsidy_to_sales"], st)))
    if w["first_shortfall_month"] is None:
        reasons.append(t("If every subsidy ended in {month}, cash would stay at or above the "
                         "reserve to the end.", month=when(X)))
    else:
        reasons.append(t("If every subsidy ended in {month}, cash would fall below the reserve "
                         "in {short}, by up to {amount}.", month=when(X),
                         short=when(w["first_shortfall_month"]), amount=money(w["shortfall"])))
    dropped = [scenario.title_of(str(n)) for n, v in services.verdict.items() if v == "drop"]
    if dropped:
        reasons.append(t("To stand alone from then it would have to drop: {services}.",
                         services=", ".join(dropped)))
    warning = concentration_warning(s)
    if warning:
        reasons.append(warning[:1].upper() + warning[1:] + t("."))
    blocks.append(Bullets(reasons))
    key = [
        (t("Exit month"), when(s["exit_month"], not_within)),
        (t("Cash if support ended {month}", month=when(X)), t("stays above the reserve")
         if w["first_shortfall_month"] is None else
         t("short by up to {amount}", amount=money(w["shortfall"]))),
        (t("Total subsidy planned"), money(s["total_subsidy"])),
        (t("Fastest safe linear taper"), fmt.months_count(taper['linear']['months'], st)
         if taper["linear"] else t("none is safe")),
        (t("Net additional full-time jobs"), fmt.number(r["net_additional_jobs_fte"], st)),
        (t("Donor's cost, discounted"), money(r["donor_cost_discounted"])),
        (t("Leverage"), fmt.ratio(r["leverage"], st)),
        (t("NPV of the group's investment, with donations"),
         money(a.loc["with_donations", "npv"])),
        (t("NPV without donations"), money(a.loc["without_donations", "npv"])),
        (t("Lowest cash balance"), money(s["min_cash_balance"])),
    ]
    blocks.append(Table([t("Measure"), t("Value")], [[k, v] for k, v in key]))

    blocks += [Heading(t("The exit month, and if support ended now")),
               Paragraph(t("The exit month is the first month from which every subsidy can "
                           "stop — each service then continues at full cost to the group or "
                           "stops, as planned, and cheap loans are repriced at the market rate "
                           "— and the group's cash stays at or above its reserve of {reserve} "
                           "to the end. Here: {month}.",
                           reserve=money(scenario.group.cash_reserve),
                           month=when(s["exit_month"], not_within))),
               _cash_chart(scenario, p, t("Cash balance, {unit}", unit=fmt.unit_name("taka")),
                           X, st)]

    blocks.append(Heading(t("Fastest safe taper and its cost to each payer")))
    if taper["judged_from_month"] is None:
        blocks.append(Paragraph(t("No taper is safe: even with all planned support the group "
                                  "does not keep its reserve.")))
    else:
        T = len(p.simulated)
        plans: dict[str, pd.Series] = {t("As planned"): payer_costs(p)}
        lines = [t("Tapers start in {start} and are judged from {judged}, when the group is on "
                   "its feet with its planned support.", start=when(o.taper_start),
                   judged=when(taper["judged_from_month"]))]
        lin, step = taper["linear"], taper["step"]
        if lin:
            over = fmt.months_count(lin["months"], st)
            plans[t("Linear over {months}", months=over)] = payer_costs(
                p, linear_multiplier(o.taper_start, np.array([lin["months"]]), T)[0])
            lines.append(t("Linear: every other payer's share falls to zero over {months}.",
                           months=over))
        else:
            lines.append(t("Linear: no linear taper from then is safe."))
        if step:
            drop = fmt.percent(step["step"], st, 0)
            plans[t("Steps of {step}", step=drop)] = payer_costs(
                p, step_multiplier(o.taper_start, np.array([step["step"]]),
                                          o.taper_every, T)[0])
            lines.append(t("Steps: the shares drop by {step} of their first level every "
                           "{months}.", step=drop, months=fmt.months_count(o.taper_every, st)))
        else:
            lines.append(t("Steps: no step taper from then is safe."))
        if taper["cheapest"]:
            lines.append(t("The cheaper safe plan for the payers: {plan}.",
                           plan=t(TAPER_KINDS.get(taper["cheapest"], taper["cheapest"]))))
        blocks.append(Bullets(lines))
        table = pd.DataFrame(plans).fillna(0.0)
        rows = [[scenario.title_of(str(i)) if i != "concessional interest" else
                 t("Lenders (interest saved by cheap loans)"),
                 *[money(v) for v in row]] for i, row in zip(table.index, table.to_numpy(),
                                                              strict=True)]
        rows.append([t("All payers"), *[money(v) for v in table.sum()]])
        blocks.append(Table([t("Payer"), *table.columns], rows))

    blocks.append(Heading(t("Services if support ended {month}", month=when(X))))
    if services.empty:
        blocks.append(Paragraph(t("The group receives no subsidised services.")))
    else:
        blocks.append(Table([t(h) for h in SERVICE_COLUMNS],
                            [[scenario.title_of(str(n)), money(row.full_cost_after_exit),
                              t(SERVICE_VERDICTS.get(row.verdict, row.verdict)),
                              t(AFTER_EXIT.get(row.planned, row.planned))]
                             for n, row in services.iterrows()]))

    blocks.append(Heading(t("Who pays what, by year")))
    totals = cost_totals(scenario)
    if totals.empty:
        blocks.append(Paragraph(t("No services.")))
    else:
        by_payer = totals.groupby(level="payer").sum()
        blocks.append(Table([t("Payer"), *map(str, by_payer.columns[:-1]), t("Total")],
                            [[scenario.title_of(str(i)), *[money(v) for v in row]]
                             for i, row in zip(by_payer.index, by_payer.to_numpy(),
                                               strict=True)]))
        blocks.append(Table([t("Service, payer"), t("Total")],
                            [[f"{scenario.title_of(str(svc))}, {scenario.title_of(str(py))}",
                              money(v)] for (svc, py), v in totals["total"].items()]))

    blocks.append(Heading(t("Self-sufficiency by year")))
    y = yearly_ratios(p)
    y.index.name = "year"
    blocks.append(Table([t("Year"), t("Sales revenue"), t("Subsidy"), t("Subsidy to sales"),
                         "OSS", "FSS"],
                        [[str(i), money(row.revenue), money(row.subsidy),
                          fmt.percent(row.subsidy_to_sales, st), fmt.percent(row.oss, st),
                          fmt.percent(row.fss, st)] for i, row in y.iterrows()]))
    months = [fmt.month(scenario.start, m, st) for m in range(len(p.monthly))]
    blocks.append(Chart(t("Self-sufficiency, trailing 12 months"), months,
                        {"OSS": p.monthly.oss_12m.fillna(0).tolist(),
                         "FSS": p.monthly.fss_12m.fillna(0).tolist()},
                        unit="percent", lines={fmt.percent(1.0, st, 0, 0): 1.0}))

    blocks.append(Heading(t("Loans and stress tests")))
    if scenario.loans:
        lt = loan_terms_table(scenario)
        blocks.append(Table([t("Loan"), t("Lender"), t("Principal"), t("Interest"), "APR", "EIR",
                             t("Grant element")],
                            [[scenario.title_of(str(n)), row.lender, money(row.principal),
                              fmt.percent(row.annual_rate, st), fmt.percent(row.apr, st),
                              fmt.percent(row.eir, st), fmt.percent(row.grant_element, st)]
                             for n, row in lt.iterrows()]))
        blocks.append(Paragraph(t("Lowest trailing 12-month DSCR over the loan period: {dscr}.",
                                  dscr=lowest_dscr)))
    else:
        blocks.append(Paragraph(t("The group has no loans.")))
    blocks.append(_stress_table(scenario, o))

    blocks.append(Heading(t("Appraisal: statements and returns")))
    for name, table in statement_tables(p).items():
        blocks += [Heading(t(STATEMENTS[name][0]), 2),
                   _statement(table, st, fmt.unit_name("taka"))]
    blocks.append(Paragraph(t("The group's investment before financing (FAO RuralInvest), "
                              "discounted at {rate} a year; the last month adds what the group "
                              "owns besides cash (the residual value).",
                              rate=fmt.percent(a.discount_rate.iloc[0], st))))
    blocks.append(Table(["", "NPV", "IRR", t("Paid back by")],
                        [[(t("With donations") if c == "with_donations" else
                           t("Without donations (services at full cost)")),
                          money(row.npv), fmt.percent(None if pd.isna(row.irr) else row.irr,
                                                      st),
                          when(None if pd.isna(row.payback_month) else int(row.payback_month))]
                         for c, row in a.iterrows()]))

    blocks.append(Heading(t("Results as donors measure them (DCED Standard)")))
    blocks.append(_results_table(scenario, r, st))

    blocks += [Heading(t("Glossary")), glossary([
        "leverage", "net_additional_jobs_fte", "attributable_income_change_total",
        "donor_cost_discounted", "donor_cost_per_beneficiary", "credit_subsidy", "npv", "irr",
        "payback_month", "depreciation", "net_surplus", "retained_surplus",
        "partner_contributions", "embedded_services"])]
    blocks += [Heading(t("Assumptions and their sources")), _assumptions(scenario)]
    return Document(t("Exit-readiness report"), scenario.title, o.date or dt.date.today(),
                    blocks, st, current())


TAPER_KINDS = {"linear": N_("linear"), "step": N_("step")}
"""The taper plans a sentence names (translated where shown)."""


def _results_table(scenario: Scenario, r: dict[str, Any], st: fmt.Style) -> Table:
    keys = ["net_additional_jobs_fte", "jobs_fte", "baseline_jobs_fte",
            "income_per_member_month", "baseline_income_per_member_month",
            "income_change_per_member_month", "income_change_percent",
            "attributable_income_change_total", "sales_change_percent", "donor_services",
            "credit_subsidy", "donor_cost", "donor_cost_discounted", "partner_contributions",
            "group_payments", "embedded_services", "leverage", "beneficiaries",
            "women_beneficiaries", "men_beneficiaries", "donor_cost_per_beneficiary",
            "donor_cost_per_job", "donor_cost_per_taka_of_income"]
    rows = [[quantities.label(k, st), quantities.display_value(k, r[k], st)] for k in keys
            if not (r[k] is None and k in ("women_beneficiaries", "men_beneficiaries"))]
    variant = scenario.baseline_variant
    note = (t("Against the baseline: {baseline}", baseline=scenario.title_of(variant))
            if variant else t("No baseline given: the figures that need one are {na}",
                              na=fmt.na(st)))
    return Table([note, t("discount rate {rate}", rate=fmt.percent(r["discount_rate"], st))],
                 rows)


def _stress_table(scenario: Scenario, o: Options) -> Table:
    chosen = {k: v for k, v in STRESSES.items()
              if o.stresses is None or k in o.stresses or k == "base"}
    stressed = stress_table(scenario, chosen)
    return Table([t("Stress"), t("Lowest trailing DSCR"), t("Lowest cash"), t("Exit month"),
                  t("Income per member a month")],
                 [[t("as planned") if n == "base" else t(str(n)),
                   quantities.display_value("min_dscr_12m", row.min_dscr_12m, o.style),
                   fmt.money(row.min_cash_balance, o.style),
                   _month(scenario, None if pd.isna(row.exit_month) else int(row.exit_month),
                          o.style, t("not within the period")),
                   fmt.money(row.member_income_per_member_month_avg, o.style)]
                  for n, row in stressed.iterrows()])


# ---- the credit memo (to a lender) --------------------------------------------------------------

def credit_memo(scenario: Scenario, options: Options | None = None,
                projection: Projection | None = None) -> Document:
    """The credit memo. `projection`: the scenario's projection if the caller has it (the memo
    then runs the pipeline only for its stress tests)."""
    o = options or Options()
    st = o.style
    p = projection or project(scenario)
    s = p.summary
    money = lambda x: fmt.money(x, st)  # noqa: E731
    lowest_dscr = quantities.display_value("min_dscr_12m", s["min_dscr_12m"], st)
    when = lambda m, none=None: _month(scenario, m, st, none)  # noqa: E731
    g = scenario.group
    kind = t("Credit memo")
    blocks: list = [Heading(t("The applicant"))]
    buyers = sorted({c.buyer for c in scenario.channels})
    blocks.append(Table([t("About the group"), ""], [
        [t("Group"), g.name], [t("Members"), fmt.number(g.members, st)],
        [t("Hired workers"), fmt.number(g.hired_workers, st)],
        [t("Products"), ", ".join(scenario.title_of(x.name) for x in scenario.products)],
        [t("Buyers"), ", ".join(buyers)],
        [t("Period projected"), t("{first} to {last}", first=when(0),
                                  last=when(scenario.horizon_months - 1))],
        [t("Sales revenue over the period"), money(s["total_sales_revenue"])],
        [t("Cash at the start"), money(g.opening_cash)],
        [t("Cash reserve the group keeps"), money(g.cash_reserve)]]))
    loan = next((x for x in scenario.loans if x.name == o.loan), None) if o.loan else (
        scenario.loans[-1] if scenario.loans else None)
    if loan is None:
        blocks += [Heading(t("The loan requested")),
                   Paragraph(t("The scenario has no loan: there is no request to judge."))]
        return Document(kind, scenario.title, o.date or dt.date.today(), blocks, st, current())
    name = scenario.title_of(loan.name)
    # the one verdict and the one largest-loan answer the app and the CLI give
    judged = loan_verdict(p, o.dscr_target)
    assert judged is not None   # the scenario has this loan
    largest = max_affordable_loan(scenario, loan, o.dscr_target)
    schedule = p.loans[loan.name]
    verdict = (t("Meets the policy.") if judged["meets"] else t("Does not meet the policy.")) \
        + " " + judged["sentence"]
    blocks[0:0] = [Heading(t("Verdict")), Paragraph(verdict, bold=True),
                   Bullets([t("Loan requested: {amount} from {lender} ({loan}).",
                              amount=money(loan.principal),
                              lender=loan.lender or t("the lender"), loan=name),
                            t("Largest additional loan on the terms of {loan} the group could "
                              "carry beside its loans: {amount}.", loan=name,
                              amount=money(largest)),
                            t("Lowest trailing 12-month DSCR over the loan period, all its "
                              "loans: {dscr}.", dscr=lowest_dscr),
                            t("Lowest cash balance: {amount}.",
                              amount=money(s["min_cash_balance"]))])]
    every = (t(REPAYMENT_UNITS.get(loan.repayment_unit, loan.repayment_unit))
             if loan.repayment_every == 1 else
             f"{fmt.number(loan.repayment_every, st)} "
             f"{t(REPAYMENT_UNITS_PLURAL.get(loan.repayment_unit, loan.repayment_unit))}")
    blocks += [Heading(t("The loan requested")), Table([t("Term"), ""], [
        [t("Lender"), loan.lender or fmt.na(st)], [t("Principal"), money(loan.principal)],
        [t("Interest rate (nominal, a year)"), fmt.percent(loan.annual_rate, st)],
        [t("Interest method"), t(INTEREST_METHODS.get(loan.interest_method,
                                                      loan.interest_method.replace("_", " ")))],
        [t("Installments"), t("{n}, one every {every}",
                              n=fmt.number(loan.installments, st), every=every)],
        [t("Disbursed"), when(loan.disbursement_month)],
        ["APR", fmt.percent(apr(loan), st)], ["EIR", fmt.percent(eir(loan), st)],
        [t("Grant element (at 10%)"), fmt.percent(grant_element(loan), st)]])]
    cols = [c for c in ("due_date", "principal", "interest", "fees", "payment", "balance")
            if c in schedule.columns]
    sched = schedule.set_index("period")[cols]
    blocks += [Heading(t("Repayment schedule"), 2), _frame(sched, scenario, st, t("Installment"))]

    blocks.append(Heading(t("Repayment capacity")))
    yearly, seasonal = dscr_by_period(p)
    lowest = float(np.nanmin(p.monthly.dscr)) if p.monthly.dscr.notna().any() else None
    blocks.append(Paragraph(t("DSCR is operating cash flow after members' drawings over debt "
                              "service. Lowest monthly: {monthly}; lowest trailing 12 months "
                              "over the loan period: {trailing}; policy target {target}.",
                              monthly=fmt.ratio(lowest, st), trailing=lowest_dscr,
                              target=fmt.ratio(o.dscr_target, st))))
    blocks.append(Table([t("Year"), *yearly.index], [["DSCR", *[fmt.ratio(v, st)
                                                               for v in yearly]]]))
    blocks.append(Table([t("Calendar month"), *seasonal.index[:6]],
                        [["DSCR", *[fmt.ratio(v, st) for v in seasonal[:6]]]]))
    blocks.append(Table([t("Calendar month"), *seasonal.index[6:]],
                        [["DSCR", *[fmt.ratio(v, st) for v in seasonal[6:]]]]))
    months = [fmt.month(scenario.start, m, st) for m in range(len(p.monthly))]
    blocks.append(Chart(t("Cash flow and debt service, {unit} a month",
                          unit=fmt.unit_name("taka")), months,
                        {t("Operating cash flow"): p.monthly.operating_cash_flow.tolist(),
                         t("Debt service"): p.monthly.debt_service.tolist(),
                         t("Cash balance"): p.monthly.cash_balance.tolist()},
                        lines={t("Cash reserve"): g.cash_reserve}))
    # no line where the DSCR is undefined (no debt service), rather than a zero
    blocks.append(Chart(t("Trailing 12-month DSCR over the loan period"), months,
                        {"DSCR": p.monthly.dscr_12m.tolist()}, unit="ratio",
                        lines={t("Target"): o.dscr_target}))
    blocks += [Heading(t("Stress tests")), _stress_table(scenario, o)]
    blocks += [Heading(t("Glossary")), glossary(["npv", "leverage"])]
    blocks += [Heading(t("Assumptions and their sources")), _assumptions(scenario)]
    return Document(kind, scenario.title, o.date or dt.date.today(), blocks, st, current())


REPAYMENT_UNITS = {"months": N_("month"), "weeks": N_("week"), "days": N_("day"),
                   "years": N_("year")}
REPAYMENT_UNITS_PLURAL = {"months": N_("months"), "weeks": N_("weeks"), "days": N_("days"),
                          "years": N_("years")}
INTEREST_METHODS = {"declining_balance": N_("declining balance"), "flat": N_("flat")}
"""Loan terms as a memo names them (translated where shown)."""


def document(scenario: Scenario, audience: Audience, options: Options | None = None,
             projection: Projection | None = None) -> Document:
    """The exit-readiness report (donor) or the credit memo (lender)."""
    return exit_report(scenario, options, projection) if audience == "donor" else \
        credit_memo(scenario, options, projection)


def write_document(scenario: Scenario, audience: Audience, form: Form, out_dir: Path,
                   options: Options | None = None) -> Path:
    return write(document(scenario, audience, options), out_dir, form)


# ---- tables for spreadsheets ---------------------------------------------------------------

def report_tables(scenario: Scenario, p: Projection | None = None) -> dict[str, pd.DataFrame]:
    """The report's tables in engine units (CSV)."""
    p = p or project(scenario)
    tables = {
        "exit_sweep": p.exit_sweep.reset_index(),
        "services_at_exit": services_at_exit(p).reset_index(),
        "cost_shares_by_year": cost_totals(scenario).reset_index(),
        "self_sufficiency_by_year": yearly_ratios(p).reset_index(),
        "stress_tests": stress_table(scenario).reset_index(),
        "appraisal": appraisal(p).reset_index(),
        "provenance": pd.DataFrame(sorted(scenario.provenance.items()),
                                   columns=["parameter", "source"]),
    }
    tables |= {name: t.reset_index() for name, t in statement_tables(p).items()}
    if scenario.loans:
        tables["loans"] = loan_terms_table(scenario).reset_index()
    return tables


def report_markdown(scenario: Scenario, options: Options | None = None,
                    projection: Projection | None = None) -> str:
    """The exit-readiness report as Markdown text (charts named, not drawn)."""
    from engine.document import to_markdown
    return to_markdown(exit_report(scenario, options, projection))


def write_report(scenario: Scenario, out_dir: Path) -> list[Path]:
    """report.md and one CSV per table into `out_dir` (created if missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    p = project(scenario)                       # one projection for the text and the tables
    written = [out_dir / "report.md"]
    written[0].write_text(report_markdown(scenario, projection=p), encoding="utf-8")
    for name, table in report_tables(scenario, p).items():
        path = out_dir / f"{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)
    return written

