"""Plain names of the output quantities: one table from each quantity's code name to its label,
unit and meaning, read by every table, export and CLI listing.

Inputs carry the same facts on the scenario models (pydantic field metadata), so a label is
written once for inputs and once here for outputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine import fmt


@dataclass(frozen=True)
class Quantity:
    label: str
    unit: str
    meaning: str = ""


Q = Quantity
OUTPUTS: dict[str, Quantity] = {
    # the summary of a projection
    "exit_month": Q("Exit month", "month", "First month from which every subsidy can stop and "
                    "cash stays at or above the reserve to the horizon."),
    "exit_date": Q("Exit month", "text", "The exit month as YYYY-MM."),
    "oss_month": Q("Operationally self-sufficient from", "month",
                   "First month from which the trailing 12-month OSS stays at or above 100%."),
    "fss_month": Q("Financially self-sufficient from", "month",
                   "First month from which the trailing 12-month FSS (concessional funds "
                   "at market rate) stays at or above 100%."),
    "total_subsidy": Q("Total subsidy", "taka", "Services paid by others over the horizon."),
    "sdi": Q("Subsidy dependence (SDI)", "share", "Total subsidy divided by sales revenue."),
    "min_cash_balance": Q("Lowest cash balance", "taka"),
    "peak_working_capital": Q("Peak working-capital need", "taka"),
    "min_dscr_12m": Q("Lowest trailing 12-month DSCR", "ratio",
                      "Cash available for debt service over 12 months divided by debt service "
                      "due in them, at its lowest."),
    "buyer_hhi": Q("Buyer concentration (HHI)", "ratio",
                   "Herfindahl index of buyers' shares of revenue: 1 is a single buyer."),
    "member_income_per_member_month_avg": Q("Income per member (monthly average)", "taka/month"),
    "top_buyer": Q("Largest buyer", "text"),
    "top_buyer_share": Q("Largest buyer's share of revenue", "share"),
    "bridging_cost": Q("Credit line interest (total)", "taka",
                       "Interest paid on the bridging credit line over the horizon."),
    "credit_line_peak": Q("Credit line peak balance", "taka"),
    "cash_shortfall_month": Q("First uncovered cash shortfall", "month"),
    "cash_shortfall_max": Q("Largest uncovered cash shortfall", "taka"),
    "total_sales_revenue": Q("Sales revenue (total)", "taka"),
    "end_receivables": Q("Owed by buyers at the horizon", "taka"),
    "cash_reserve": Q("Cash reserve", "taka"),
    # the monthly table
    "month": Q("Month number", "count", "Months from the start (0 = the start month)."),
    "date": Q("Month", "text"),
    "sales_revenue": Q("Sales revenue", "taka", "Value of sales that month, after discounts."),
    "cash_receipts": Q("Cash received from buyers", "taka"),
    "receivables": Q("Owed by buyers", "taka", "Sales not yet paid for at the month's end."),
    "commissions": Q("Commissions", "taka"),
    "variable_costs": Q("Production costs", "taka", "Variable costs of the units produced."),
    "fixed_costs": Q("Fixed costs", "taka"),
    "service_cost_group": Q("Services paid by the group", "taka"),
    "subsidy": Q("Subsidy", "taka", "Services paid by donors, NGOs and other payers."),
    "operating_cash_flow": Q("Operating cash flow", "taka"),
    "interest": Q("Interest", "taka"),
    "principal": Q("Principal", "taka"),
    "loan_fees": Q("Loan fees", "taka"),
    "debt_service": Q("Debt service", "taka", "Principal, interest and fees due."),
    "loan_disbursements": Q("Loans received", "taka"),
    "member_capital": Q("Member capital paid in", "taka"),
    "investments": Q("Investments", "taka"),
    "distributions": Q("Paid out to members", "taka"),
    "credit_line_draw": Q("Credit line drawn (+) or repaid (-)", "taka"),
    "credit_line_balance": Q("Credit line balance", "taka"),
    "credit_line_interest": Q("Credit line interest", "taka"),
    "cash_shortfall": Q("Uncovered cash shortfall", "taka"),
    "net_cash_flow": Q("Net cash flow", "taka"),
    "cash_balance": Q("Cash balance", "taka"),
    "member_income_per_member": Q("Income per member in the month", "taka"),
    "dscr": Q("DSCR (month)", "ratio"),
    "dscr_12m": Q("DSCR (trailing 12 months)", "ratio"),
    "oss_12m": Q("OSS (trailing 12 months)", "percent",
                 "Operating income over operating expenses with full service costs."),
    "fss_12m": Q("FSS (trailing 12 months)", "percent",
                 "OSS with concessional funds costed at the market rate."),
    "full_cost_expenses": Q("Expenses at full service cost", "taka"),
    "cash_balance_without_subsidy": Q("Cash balance without any subsidy", "taka"),
    # a loan's schedule
    "period": Q("Installment", "count"),
    "due_date": Q("Due date", "text"),
    "fees": Q("Fees", "taka"),
    "payment": Q("Installment amount", "taka"),
    "balance": Q("Balance after the installment", "taka"),
    "interest_subsidy": Q("Interest subsidy", "taka"),
    # loan costs and impact
    "apr": Q("APR", "rate/year"),
    "eir": Q("Effective interest rate", "rate/year"),
    "grant_element": Q("Grant element", "share"),
    "leverage": Q("Leverage", "ratio"),
    "jobs_created": Q("Jobs created", "count"),
    "extra_income_per_member_month": Q("Extra income per member", "taka/month"),
    "payer_cost_per_job_created": Q("Payers' cost per job created", "taka"),
    "payer_cost_per_taka_of_extra_income": Q("Payers' cost per taka of extra income", "ratio"),
    "others_cost": Q("Cost to others", "taka"),
    # inputs that tables list beside outputs (their metadata is on the models)
    "loan": Q("Loan", "text"),
    "lender": Q("Lender", "text"),
    "annual_rate": Q("Annual interest rate", "rate/year"),
    "interest_method": Q("Interest method", "text"),
    "stress": Q("Stress test", "text"),
}


def quantity(name: str) -> Quantity:
    """The quantity named `name`; a name not in the table reads as itself, as plain text.

    >>> quantity("min_dscr_12m").label, quantity("no_such_thing").label
    ('Lowest trailing 12-month DSCR', 'no such thing')
    """
    return OUTPUTS.get(name) or Quantity(name.replace("_", " "), "number")


def label(name: str, style: fmt.Style = fmt.PLAIN) -> str:
    """A column header: the label with its unit where the values do not say it.

    >>> label("cash_balance"), label("sdi"), label("dscr_12m")
    ('Cash balance, taka', 'Subsidy dependence (SDI), %', 'DSCR (trailing 12 months)')
    """
    q = quantity(name)
    suffix = fmt.unit_suffix(q.unit, style)
    return f"{q.label}, {suffix}" if suffix else q.label


def display_frame(df: pd.DataFrame, style: fmt.Style = fmt.PLAIN, start: str | None = None,
                  columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A table as text for reading: plain column names and each column formatted by its unit."""
    names = list(columns) if columns is not None else list(df.columns)
    out = pd.DataFrame(index=df.index)
    for name in names:
        header = label(name, style)
        if header not in out.columns:      # exit_date beside exit_month: one column
            unit = quantity(name).unit
            out[header] = [fmt.value(v, unit, style, start) for v in df[name]]
    out.index.name = label(df.index.name, style) if df.index.name else None
    return out


def display_value(name: str, x: Any, style: fmt.Style = fmt.PLAIN,
                  start: str | None = None) -> str:
    """One quantity's value as text, by its unit.

    >>> display_value("sdi", 0.005), display_value("exit_month", 4, start="2002-01")
    ('0.5%', 'May 2002')
    """
    return fmt.value(x, quantity(name).unit, style, start)
