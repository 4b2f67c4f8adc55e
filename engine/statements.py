"""Appraisal statements of a projection, by project year: the income statement, the balance sheet
and the cash-flow statement, and the NPV, IRR and payback of the group's investment with and
without donations (FAO RuralInvest's headline output).

Every line is read from the projection's monthly quantities and the asset schedule; nothing is
projected again. The balance sheet balances by construction of the accounts below, and the tests
check that it does, to the taka, every year. Definitions and sources: docs/methodology.md
("Appraisal statements", "NPV, IRR and payback").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine import fmt
from engine.assets import asset_schedule
from engine.i18n import N_, t
from engine.projection import Projection
from engine.scenario import Scenario

YEAR = 12

INCOME_STATEMENT = [
    "sales_revenue", "commissions_on_sales", "cost_of_sales", "gross_margin", "fixed_costs",
    "service_cost_group", "depreciation", "operating_surplus", "interest", "loan_fees",
    "net_surplus", "distributions", "surplus_retained"]
BALANCE_SHEET = [
    "cash_balance", "receivables_net", "stock", "fixed_assets_net", "total_assets",
    "loans_outstanding", "credit_line_balance", "members_capital", "retained_surplus",
    "total_liabilities_and_equity"]
CASH_FLOW_STATEMENT = [
    "cash_receipts", "commissions", "variable_costs", "fixed_costs", "service_cost_group",
    "operating_cash_flow", "investments", "loan_disbursements", "principal", "interest",
    "loan_fees", "arrears_change", "credit_line_draw", "member_capital", "distributions",
    "net_cash_flow", "opening_cash", "closing_cash"]
"""The lines of each statement, in order; their plain names are in engine/quantities.py."""


def year_labels(scenario: Scenario, months: int | None = None) -> list[str]:
    """'Year 1 (1999-07 to 2000-06)', ... for each project year of 12 months from the start (the
    last one shorter when the months, by default the horizon, are not whole years), in the
    language in force ('বছর ১ (জুলাই ১৯৯৯ থেকে জুন ২০০০)')."""
    T = scenario.horizon_months if months is None else months
    style = fmt.style_for()
    return [t("Year {n} ({first} to {last})", n=fmt.number(y + 1, style),
              first=fmt.month_text(scenario.month_label(y * YEAR), style),
              last=fmt.month_text(scenario.month_label(min(T, (y + 1) * YEAR) - 1), style))
            for y in range(-(-T // YEAR))]


def yearly_sum(a: np.ndarray) -> np.ndarray:
    """Sums over project years of 12 months (the last one may be shorter)."""
    T = a.shape[-1]
    return np.add.reduceat(a, np.arange(0, T, YEAR), axis=-1)


def year_end(a: np.ndarray) -> np.ndarray:
    """Values at the last month of each project year."""
    T = a.shape[-1]
    return a[..., np.minimum(np.arange(YEAR - 1, T + YEAR - 1, YEAR), T - 1)]


def monthly_accounts(p: Projection) -> pd.DataFrame:
    """The monthly quantities the statements add up: the projection's own, plus the accrual
    ones (commissions on sales, cost of sales, depreciation, net surplus) and the balances."""
    s = p.scenario
    m = p.monthly
    rates = np.array([c.commission_rate for c in s.channels])
    a = pd.DataFrame(index=m.index)
    for k in ("sales_revenue", "cash_receipts", "commissions", "variable_costs", "fixed_costs",
              "service_cost_group", "interest", "loan_fees", "principal", "loan_disbursements",
              "member_capital", "investments", "distributions", "credit_line_draw",
              "credit_line_balance", "operating_cash_flow", "net_cash_flow", "cash_balance",
              "receivables"):
        a[k] = m[k].to_numpy()
    stock = m["stock"].to_numpy() if "stock" in m else np.zeros(len(m))
    a["stock"] = stock
    a["commissions_on_sales"] = p.by_channel[[c.name for c in s.channels]].to_numpy() @ rates
    a["receivables_net"] = a.receivables - np.cumsum(a.commissions_on_sales - a.commissions)
    a["cost_of_sales"] = a.variable_costs - np.diff(stock, prepend=0.0)
    assets = asset_schedule(s, len(m))
    a["depreciation"] = assets.depreciation
    a["fixed_assets_net"] = assets.book_value
    a["gross_margin"] = a.sales_revenue - a.commissions_on_sales - a.cost_of_sales
    a["operating_surplus"] = (a.gross_margin - a.fixed_costs - a.service_cost_group
                              - a.depreciation)
    a["net_surplus"] = a.operating_surplus - a.interest - a.loan_fees
    a["surplus_retained"] = a.net_surplus - a.distributions
    # what is owed to lenders: principal not yet due, plus every overdue amount (arrears:
    # principal, interest, fees and penalties fallen due and not paid; engine/arrears.py)
    arrears = m["arrears"].to_numpy() if "arrears" in m else np.zeros(len(m))
    a["arrears_change"] = np.diff(arrears, prepend=0.0)
    a["loans_outstanding"] = np.cumsum(a.loan_disbursements - a.principal) + arrears
    a["members_capital"] = s.group.opening_cash + np.cumsum(a.member_capital)
    a["retained_surplus"] = np.cumsum(a.surplus_retained)
    a["total_assets"] = a.cash_balance + a.receivables_net + a.stock + a.fixed_assets_net
    a["total_liabilities_and_equity"] = (a.loans_outstanding + a.credit_line_balance
                                         + a.members_capital + a.retained_surplus)
    return a


def _yearly(p: Projection, a: pd.DataFrame, flows: list[str], balances: list[str]
            ) -> pd.DataFrame:
    out = {k: yearly_sum(a[k].to_numpy()) for k in flows}
    out |= {k: year_end(a[k].to_numpy()) for k in balances}
    return pd.DataFrame(out, index=pd.Index(year_labels(p.scenario, len(a)), name="year"))


def income_statement(p: Projection, a: pd.DataFrame | None = None) -> pd.DataFrame:
    """Yearly income statement (accrual): one row per project year, columns INCOME_STATEMENT.
    Services others pay for are not the group's expense (RuralInvest's 'with donations').
    (`a`: the projection's `monthly_accounts`, where the caller has them; so for each
    statement.)"""
    return _yearly(p, monthly_accounts(p) if a is None else a, INCOME_STATEMENT, [])


def balance_sheet(p: Projection, a: pd.DataFrame | None = None) -> pd.DataFrame:
    """Balances at the end of each project year, columns as BALANCE_SHEET."""
    return _yearly(p, monthly_accounts(p) if a is None else a, [], BALANCE_SHEET)


def cash_flow_statement(p: Projection, a: pd.DataFrame | None = None) -> pd.DataFrame:
    """Yearly cash flows (direct method), columns as CASH_FLOW_STATEMENT; interest and loan
    fees are financing flows, as the engine's operating cash flow leaves them out."""
    a = monthly_accounts(p) if a is None else a
    flows = [k for k in CASH_FLOW_STATEMENT if k not in ("opening_cash", "closing_cash")]
    out = _yearly(p, a, flows, [])
    closing = year_end(a.cash_balance.to_numpy())
    out["opening_cash"] = np.concatenate([[p.scenario.group.opening_cash], closing[:-1]])
    out["closing_cash"] = closing
    return out


STATEMENTS = {
    "income_statement": (N_("Income statement"), income_statement),
    "balance_sheet": (N_("Balance sheet"), balance_sheet),
    "cash_flow_statement": (N_("Cash-flow statement"), cash_flow_statement),
}
"""name -> (title, function of a Projection): the one list every caller shows (titles
translated where shown)."""


def statement_tables(p: Projection) -> dict[str, pd.DataFrame]:
    """The three statements as people read them: lines (by their plain names) as rows, years
    as columns; amounts below half a taka shown as 0."""
    from engine.quantities import quantity
    out = {}
    accounts = monthly_accounts(p)
    for name, (_, build) in STATEMENTS.items():
        table = build(p, accounts).T
        table = table.where(table.abs() >= 0.5, 0.0)
        out[name] = table.rename(index=lambda k: quantity(k).label)
    return out


# ---- NPV, IRR and payback (RuralInvest) ----------------------------------------------------------

def monthly_rate(annual: float) -> float:
    """The monthly rate that compounds to `annual` in 12 months: (1 + annual)^(1/12) - 1."""
    return float((1.0 + annual) ** (1.0 / 12.0) - 1.0)


def npv(annual_rate: float, flows: np.ndarray) -> float:
    """Net present value at the start of monthly `flows` (month 0 not discounted), at an
    effective annual rate: sum of flows[t] / (1 + annual_rate)^(t / 12).

    >>> abs(round(npv(0.10, np.array([-100.0] + [0.0] * 11 + [110.0])), 9))
    0.0
    """
    t = np.arange(len(flows))
    return float(np.sum(flows / (1.0 + annual_rate) ** (t / 12.0)))


def irr(flows: np.ndarray) -> float | None:
    """Effective annual internal rate of return of monthly `flows`: the rate r with
    npv(r, flows) = 0, found by bracketing (from -99% up) and Brent's method. None when the flows
    do not change sign or no root is bracketed. With several roots (flows changing sign more than
    once), the lowest is returned.

    >>> round(irr(np.array([-100.0] + [0.0] * 11 + [110.0])), 9)
    0.1
    """
    from scipy.optimize import brentq
    if not (flows > 0).any() or not (flows < 0).any():
        return None
    grid = np.concatenate([np.linspace(-0.99, 0.0, 100)[:-1], np.geomspace(1e-6, 1e4, 400)])
    values = np.array([npv(r, flows) for r in grid])
    sign = np.sign(values)
    change = np.flatnonzero(sign[:-1] * sign[1:] <= 0)
    if change.size == 0:
        return None
    i = int(change[0])
    if values[i] == 0:
        return float(grid[i])
    return float(brentq(npv, grid[i], grid[i + 1], args=(flows,), xtol=1e-12, rtol=1e-12))


def payback_month(flows: np.ndarray) -> int | None:
    """First month from which the cumulative flow stays at or above zero (0: never below);
    None when it ends below zero."""
    cum = np.cumsum(flows)
    ok = cum >= -1e-6
    if not ok[-1]:
        return None
    below = np.flatnonzero(~ok)
    return 0 if below.size == 0 else int(below[-1]) + 1


def investment_flows(p: Projection) -> pd.DataFrame:
    """Monthly flows of the group's enterprise before financing (RuralInvest's project view):

    - with_donations: operating cash flow (services at the group's share) less assets bought;
    - without_donations: the same with every service others pay for the group at full cost
      (the group pays the subsidy too); a concessional loan's interest saving is a financing
      flow and does not enter either;
    - terminal_value: in the last month, what the group owns besides cash (fixed assets net of
      depreciation, receivables net of commissions, stock): the residual value.
    """
    a = monthly_accounts(p)
    service_subsidy = (p.monthly.subsidy - p.interest_subsidy).to_numpy()
    terminal = np.zeros(len(a))
    terminal[-1] = a.fixed_assets_net.iloc[-1] + a.receivables_net.iloc[-1] + a.stock.iloc[-1]
    with_d = a.operating_cash_flow.to_numpy() - a.investments.to_numpy()
    return pd.DataFrame({"with_donations": with_d,
                         "without_donations": with_d - service_subsidy,
                         "terminal_value": terminal}, index=a.index)


def appraisal(p: Projection, discount_rate: float | None = None) -> pd.DataFrame:
    """NPV (at `discount_rate`, default the scenario's), IRR and payback month of the group's
    investment with and without donations. Rows: with_donations, without_donations."""
    rate = p.scenario.discount_rate_annual if discount_rate is None else discount_rate
    f = investment_flows(p)
    rows: dict[str, dict[str, Any]] = {}
    for case in ("with_donations", "without_donations"):
        flows = f[case].to_numpy() + f.terminal_value.to_numpy()
        rows[case] = {"discount_rate": rate, "npv": npv(rate, flows), "irr": irr(flows),
                      "payback_month": payback_month(f[case].to_numpy()),
                      "total_flow": float(flows.sum())}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "case"
    out["payback_month"] = out["payback_month"].astype("Int64")
    return out
