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
                    "cash stays at or above the reserve to the last installment of every loan "
                    "(and the scenario's other exit criteria hold)."),
    "exit_date": Q("Exit month", "text", "The exit month as YYYY-MM."),
    "oss_month": Q("Operationally self-sufficient from", "month",
                   "First month from which the trailing 12-month OSS stays at or above 100%."),
    "fss_month": Q("Financially self-sufficient from", "month",
                   "First month from which the trailing 12-month FSS (subsidies at cost, "
                   "inflation-adjusted) stays at or above 100%."),
    "full_cost_month": Q("Covers services at full cost from", "month",
                         "First month from which trailing 12-month revenue covers expenses with "
                         "every service at its full cost."),
    "total_subsidy": Q("Total subsidy", "taka", "Services paid by others over the horizon."),
    "subsidy_to_sales": Q("Subsidy to sales", "share", "Total subsidy divided by sales "
                          "revenue over the horizon (not Yaron's SDI)."),
    "min_dscr_seasonal": Q("Lowest trailing-quarter DSCR", "ratio",
                           "The lowest DSCR over three full months: the lean season."),
    "outstanding_at_horizon": Q("Loans outstanding at the horizon", "taka",
                                "Principal lent and not repaid by the last month shown."),
    "simulated_months": Q("Months simulated", "count",
                          "The horizon, or to the last installment of every loan if later."),
    "last_simulated_date": Q("Simulated to", "text"),
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
    "worst_days_past_due": Q("Worst days past due", "days",
                             "Of the oldest unpaid installment, in the worst month."),
    "arrears_at_end": Q("Arrears at the end", "taka",
                        "Overdue at the end of the last simulated month."),
    "par30_ever": Q("Ever in PAR30", "yes/no",
                    "An installment more than 30 days past due in some month (CGAP)."),
    "p_par30": Q("P(PAR30 at any time)", "percent"),
    "expected_arrears": Q("Expected arrears at the end", "taka"),
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
    "debt_service_paid": Q("Debt service paid", "taka",
                           "What cash paid of the debt service (less while in arrears)."),
    "arrears": Q("Arrears", "taka", "Installments overdue at the month's end, penalties "
                 "included."),
    "arrears_change": Q("Debt service left unpaid (change in arrears)", "taka",
                        "Installments due but not paid in the period, less arrears paid off."),
    "penalty_interest": Q("Penalty interest", "taka", "Accrued on arrears in the month."),
    "days_past_due": Q("Days past due", "days", "Of the oldest installment not fully paid "
                       "(PAR30 over 30, PAR90 over 90)."),
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
    "dscr_seasonal": Q("DSCR (trailing quarter)", "ratio"),
    "members_drawings": Q("Members' drawings", "taka",
                          "Members' household draw, the value of their own labour."),
    "cash_available_for_debt_service": Q("Cash available for debt service", "taka",
                                         "Operating cash flow after members' drawings."),
    "oss_12m": Q("OSS (trailing 12 months)", "percent",
                 "Operating income over the operating and financial expenses the group pays."),
    "fss_12m": Q("FSS (trailing 12 months)", "percent",
                 "Operating income over the group's expenses plus subsidies at cost and the "
                 "inflation adjustment."),
    "full_cost_ratio_12m": Q("Full-cost ratio (trailing 12 months)", "percent",
                             "Operating income over expenses with every service at full cost."),
    "group_expenses": Q("Expenses the group pays", "taka"),
    "full_cost_expenses": Q("Expenses at full service cost", "taka"),
    "inflation_adjustment": Q("Inflation adjustment", "taka"),
    "cash_balance_without_subsidy": Q("Cash balance without any subsidy", "taka"),
    # a loan's schedule
    "contract": Q("Contract", "count", "0: the loan itself; 1, 2, ...: its top-up and next "
                  "cycles."),
    "period": Q("Installment", "count"),
    "disbursed": Q("Tranche released", "taka"),
    "down_payment": Q("Down payment", "taka"),
    "prepaid": Q("Principal prepaid", "taka"),
    "due_date": Q("Due date", "text"),
    "fees": Q("Fees", "taka"),
    "payment": Q("Installment amount", "taka"),
    "balance": Q("Balance after the installment", "taka"),
    "interest_subsidy": Q("Interest subsidy", "taka"),
    # loan costs and impact
    "apr": Q("APR", "rate/year"),
    "eir": Q("Effective interest rate", "rate/year"),
    "grant_element": Q("Grant element", "share"),
    # appraisal statements (engine/statements.py)
    "commissions_on_sales": Q("Commissions on sales", "taka",
                              "Each channel's commission rate times its sales (accrual)."),
    "cost_of_sales": Q("Cost of sales", "taka",
                       "Production and transport paid, less the increase in stock."),
    "gross_margin": Q("Gross margin", "taka", "Sales less commissions and cost of sales."),
    "depreciation": Q("Depreciation", "taka",
                      "Wear of the group's assets: cost less residual value over the life."),
    "operating_surplus": Q("Operating surplus", "taka"),
    "net_surplus": Q("Net surplus", "taka", "Operating surplus less interest and loan fees."),
    "surplus_retained": Q("Surplus retained", "taka", "Net surplus less payouts to members."),
    "receivables_net": Q("Owed by buyers (net of commissions)", "taka"),
    "stock": Q("Stock", "taka", "Cost of what is produced but not yet sold."),
    "fixed_assets_net": Q("Fixed assets, net of depreciation", "taka"),
    "total_assets": Q("Total assets", "taka"),
    "loans_outstanding": Q("Loans outstanding", "taka"),
    "members_capital": Q("Members' capital", "taka",
                         "Opening cash and capital paid in by members."),
    "retained_surplus": Q("Retained surplus", "taka", "Surplus kept in the group so far."),
    "total_liabilities_and_equity": Q("Total liabilities and members' funds", "taka"),
    "opening_cash": Q("Cash at the start of the year", "taka"),
    "closing_cash": Q("Cash at the end of the year", "taka"),
    "case": Q("Case", "text"),
    "discount_rate": Q("Discount rate", "rate/year"),
    "npv": Q("Net present value (NPV)", "taka",
             "What the group's flows are worth today: each year's flow divided by (1 + the "
             "discount rate) for each year it lies ahead, added up."),
    "irr": Q("Internal rate of return (IRR)", "rate/year",
             "The yearly return the group's investment earns: the discount rate at which its "
             "NPV is zero."),
    "payback_month": Q("Paid back by", "month",
                       "First month from which what the group has received exceeds what it "
                       "has put in."),
    "total_flow": Q("Total flow", "taka"),
    # results as donors measure them (engine/results.py, DCED Standard)
    "jobs_fte": Q("Full-time jobs", "count", "Hired workers, full-time equivalent."),
    "baseline_jobs_fte": Q("Full-time jobs in the baseline", "count"),
    "net_additional_jobs_fte": Q("Net additional full-time jobs", "count",
                                 "Full-time jobs beyond those in the baseline; members who "
                                 "merely joined the group are not jobs."),
    "income_per_member_month": Q("Income per member", "taka/month"),
    "baseline_income_per_member_month": Q("Income per member in the baseline", "taka/month"),
    "income_change_per_member_month": Q("Income change per member", "taka/month",
                                        "Income per member less the baseline's."),
    "income_change_percent": Q("Income change per member", "share"),
    "attributable_income_change_total": Q("Attributable income change (all members)", "taka",
                                          "Members' income over the horizon less what they "
                                          "would have earned in the baseline."),
    "sales_change_percent": Q("Sales change against the baseline", "share"),
    "donor_services": Q("Donor's payments for services", "taka"),
    "credit_subsidy": Q("Credit subsidy", "taka",
                        "Interest concessional loans save against their market rate."),
    "donor_cost": Q("Donor's cost", "taka", "Payments for services plus the credit subsidy."),
    "donor_cost_discounted": Q("Donor's cost, discounted", "taka",
                               "The donor's cost valued at the start at the discount rate."),
    "partner_contributions": Q("Other partners' contributions", "taka",
                               "What payers other than the donor and the group paid."),
    "embedded_services": Q("Embedded services", "taka",
                           "Services a buyer pays for through the product price (commercial)."),
    "group_payments": Q("The group's own payments for services", "taka"),
    "leverage": Q("Leverage", "ratio",
                  "Other partners' contributions per taka the donor paid (the group's own "
                  "payments left out)."),
    "beneficiaries": Q("Beneficiaries (members)", "count"),
    "women_beneficiaries": Q("Women members", "count"),
    "men_beneficiaries": Q("Men members", "count"),
    "donor_cost_per_beneficiary": Q("Donor's cost per beneficiary", "taka",
                                    "Discounted donor's cost per member."),
    "donor_cost_per_job": Q("Donor's cost per net additional job", "taka"),
    "donor_cost_per_taka_of_income": Q("Donor's cost per taka of income change", "ratio"),
    "payer": Q("Payer", "text"),
    "baseline": Q("Baseline", "text"),
    # a portfolio's results, one row per group
    "group_id": Q("Group", "text"),
    "cash_short_at_installment": Q("Cash short at an installment", "text",
                                   "True when cash falls short on a month an installment is due."),
    "max_affordable_loan": Q("Largest affordable loan", "taka",
                             "Largest principal on the terms of the chosen loan that keeps the "
                             "trailing 12-month DSCR at the target and cash at the reserve."),
    "risk_flags": Q("Risk flags", "text"),
    "problems": Q("Problems (row not run)", "text"),
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

    >>> label("cash_balance"), label("subsidy_to_sales"), label("dscr_12m")
    ('Cash balance, taka', 'Subsidy to sales, %', 'DSCR (trailing 12 months)')
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

    >>> display_value("subsidy_to_sales", 0.005), display_value("exit_month", 4, start="2002-01")
    ('0.5%', 'May 2002')
    """
    return fmt.value(x, quantity(name).unit, style, start)
