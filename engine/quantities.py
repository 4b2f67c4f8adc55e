"""Plain names of the output quantities: one table from each quantity's code name to its label,
unit and meaning, read by every table, export and CLI listing.

Inputs carry the same facts on the scenario models (pydantic field metadata), so a label is
written once for inputs and once here for outputs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine import fmt
from engine.i18n import N_, t


@dataclass(frozen=True)
class Quantity:
    label: str
    unit: str
    meaning: str = ""
    none: str = ""
    """What a missing value means, said instead of 'n/a' (a DSCR without debt service)."""


Q = Quantity
OUTPUTS: dict[str, Quantity] = {
    # the summary of a projection
    "exit_month": Q(N_("Exit month"), "month",
                    N_("First month from which every subsidy can stop and cash stays at or "
                       "above the reserve to the last installment of every loan (and the "
                       "scenario's other exit criteria hold).")),
    "exit_date": Q(N_("Exit month"), "YYYY-MM", N_("The exit month as YYYY-MM.")),
    "oss_month": Q(N_("Operationally self-sufficient from"), "month",
                   N_("First month from which the trailing 12-month OSS stays at or above 100%.")),
    "fss_month": Q(N_("Financially self-sufficient from"), "month",
                   N_("First month from which the trailing 12-month FSS (subsidies at cost, "
                   "inflation-adjusted) stays at or above 100%.")),
    "full_cost_month": Q(N_("Covers services at full cost from"), "month",
                         N_("First month from which trailing 12-month revenue covers expenses with "
                         "every service at its full cost.")),
    "reserve_kept_from": Q(N_("Keeps its cash reserve, with its support, from"), "month",
                           N_("First month from which cash stays at or above the reserve to the "
                              "last installment with all the planned support (before it: the "
                              "start-up months).")),
    "earlier_end_fails_from_exit_month": Q(
        N_("Ending support a month earlier fails after the start-up"), "yes/no",
        N_("Whether ending every subsidy the month before the exit month breaks the exit "
           "criteria in months from the exit month on (the support matters), rather than only "
           "in the start-up months before it.")),
    "total_subsidy": Q(N_("Total subsidy"), "taka",
                       N_("Services paid by others over the horizon.")),
    "subsidy_to_sales": Q(N_("Subsidy to sales"), "share", N_("Total subsidy divided by sales "
                          "revenue over the horizon (not Yaron's SDI).")),
    "min_dscr_seasonal": Q(N_("Lowest trailing-quarter DSCR"), "ratio",
                           N_("The lowest DSCR over three full months ending in the loan period "
                              "(from the first disbursement to the last installment): the lean "
                              "season."), none=N_("no full 3 months in the loan period")),
    "outstanding_at_horizon": Q(N_("Loans outstanding at the horizon"), "taka",
                                N_("Principal lent and not repaid by the last month shown.")),
    "simulated_months": Q(N_("Months simulated"), "count",
                          N_("The horizon, or to the last installment of every loan if later.")),
    "last_simulated_date": Q(N_("Simulated to"), "YYYY-MM"),
    "min_cash_balance": Q(N_("Lowest cash balance"), "taka"),
    "peak_working_capital": Q(N_("Peak working-capital need"), "taka"),
    "min_dscr_12m": Q(N_("Lowest trailing 12-month DSCR"), "ratio",
                      N_("Cash available for debt service (after members' drawings) over 12 full "
                         "months divided by the debt service due in them, at its lowest over the "
                         "windows ending from the first disbursement to the last installment (the "
                         "loan period a lender judges); undefined where no full 12 months end in "
                         "it: no debt service, or none after the projection's first 11 months."),
                      none=N_("no full 12 months in the loan period")),
    "buyer_hhi": Q(N_("Buyer concentration (HHI)"), "ratio",
                   N_("Herfindahl index of buyers' shares of revenue: 1 is a single buyer.")),
    "member_income_per_member_month_avg": Q(N_("Income per member (monthly average)"),
                                            "taka/month"),
    "top_buyer": Q(N_("Largest buyer"), "text"),
    "top_buyer_share": Q(N_("Largest buyer's share of revenue"), "share"),
    "bridging_cost": Q(N_("Credit line interest (total)"), "taka",
                       N_("Interest paid on the bridging credit line over the horizon.")),
    "credit_line_peak": Q(N_("Credit line peak balance"), "taka"),
    "cash_shortfall_month": Q(N_("First uncovered cash shortfall"), "month"),
    "cash_shortfall_max": Q(N_("Largest uncovered cash shortfall"), "taka"),
    "worst_days_past_due": Q(N_("Worst days past due"), "days",
                             N_("Of the oldest unpaid installment, in the worst month.")),
    "arrears_at_end": Q(N_("Arrears at the end"), "taka",
                        N_("Overdue at the end of the last simulated month.")),
    "par30_ever": Q(N_("Ever in PAR30"), "yes/no",
                    N_("An installment more than 30 days past due in some month (CGAP).")),
    "p_par30": Q(N_("P(PAR30 at any time)"), "percent"),
    "expected_arrears": Q(N_("Expected arrears at the end"), "taka"),
    "total_sales_revenue": Q(N_("Sales revenue (total)"), "taka"),
    "end_receivables": Q(N_("Owed by buyers at the horizon"), "taka"),
    "cash_reserve": Q(N_("Cash reserve"), "taka"),
    # the monthly table
    "month": Q(N_("Month number"), "count", N_("Months from the start (0 = the start month).")),
    "date": Q(N_("Month"), "YYYY-MM"),
    "sales_revenue": Q(N_("Sales revenue"), "taka",
                       N_("Value of sales that month, after discounts.")),
    "cash_receipts": Q(N_("Cash received from buyers"), "taka"),
    "receivables": Q(N_("Owed by buyers"), "taka",
                     N_("Sales not yet paid for at the month's end.")),
    "commissions": Q(N_("Commissions"), "taka"),
    "variable_costs": Q(N_("Production costs"), "taka",
                        N_("Variable costs of the units produced.")),
    "fixed_costs": Q(N_("Fixed costs"), "taka"),
    "service_cost_group": Q(N_("Services paid by the group"), "taka"),
    "subsidy": Q(N_("Subsidy"), "taka", N_("Services paid by donors, NGOs and other payers.")),
    "operating_cash_flow": Q(N_("Operating cash flow"), "taka"),
    "interest": Q(N_("Interest"), "taka"),
    "principal": Q(N_("Principal"), "taka"),
    "loan_fees": Q(N_("Loan fees"), "taka"),
    "debt_service": Q(N_("Debt service"), "taka", N_("Principal, interest and fees due.")),
    "debt_service_paid": Q(N_("Debt service paid"), "taka",
                           N_("What cash paid of the debt service (less while in arrears).")),
    "arrears": Q(N_("Arrears"), "taka", N_("Installments overdue at the month's end, penalties "
                 "included.")),
    "arrears_change": Q(N_("Debt service left unpaid (change in arrears)"), "taka",
                        N_("Installments due but not paid in the period, less arrears paid off.")),
    "penalty_interest": Q(N_("Penalty interest"), "taka", N_("Accrued on arrears in the month.")),
    "days_past_due": Q(N_("Days past due"), "days", N_("Of the oldest installment not fully paid "
                       "(PAR30 over 30, PAR90 over 90).")),
    "loan_disbursements": Q(N_("Loans received"), "taka"),
    "member_capital": Q(N_("Member capital paid in"), "taka"),
    "investments": Q(N_("Investments"), "taka"),
    "distributions": Q(N_("Paid out to members"), "taka"),
    "credit_line_draw": Q(N_("Credit line drawn (+) or repaid (-)"), "taka"),
    "credit_line_balance": Q(N_("Credit line balance"), "taka"),
    "credit_line_interest": Q(N_("Credit line interest"), "taka"),
    "cash_shortfall": Q(N_("Uncovered cash shortfall"), "taka"),
    "net_cash_flow": Q(N_("Net cash flow"), "taka"),
    "cash_balance": Q(N_("Cash balance"), "taka"),
    "member_income_per_member": Q(N_("Income per member in the month"), "taka"),
    "dscr": Q(N_("DSCR (month)"), "ratio"),
    "dscr_12m": Q(N_("DSCR (trailing 12 months)"), "ratio"),
    "dscr_seasonal": Q(N_("DSCR (trailing quarter)"), "ratio"),
    "members_drawings": Q(N_("Members' drawings"), "taka",
                          N_("Members' household draw, the value of their own labour.")),
    "cash_available_for_debt_service": Q(N_("Cash available for debt service"), "taka",
                                         N_("Operating cash flow after members' drawings.")),
    "oss_12m": Q(N_("OSS (trailing 12 months)"), "percent",
                 N_("Operating income over the operating and financial expenses the group pays.")),
    "fss_12m": Q(N_("FSS (trailing 12 months)"), "percent",
                 N_("Operating income over the group's expenses plus subsidies at cost and the "
                 "inflation adjustment.")),
    "full_cost_ratio_12m": Q(N_("Full-cost ratio (trailing 12 months)"), "percent",
                             N_("Operating income over expenses with every service at full cost.")),
    "group_expenses": Q(N_("Expenses the group pays"), "taka"),
    "full_cost_expenses": Q(N_("Expenses at full service cost"), "taka"),
    "inflation_adjustment": Q(N_("Inflation adjustment"), "taka"),
    "cash_balance_without_subsidy": Q(N_("Cash balance without any subsidy"), "taka"),
    # a loan's schedule
    "contract": Q(N_("Contract"), "count", N_("0: the loan itself; 1, 2, ...: its top-up and next "
                  "cycles.")),
    "period": Q(N_("Installment"), "count"),
    "disbursed": Q(N_("Tranche released"), "taka"),
    "down_payment": Q(N_("Down payment"), "taka"),
    "prepaid": Q(N_("Principal prepaid"), "taka"),
    "due_date": Q(N_("Due date"), "date"),
    "fees": Q(N_("Fees"), "taka"),
    "payment": Q(N_("Installment amount"), "taka"),
    "balance": Q(N_("Balance after the installment"), "taka"),
    "interest_subsidy": Q(N_("Interest subsidy"), "taka"),
    # loan costs and impact
    "apr": Q(N_("APR"), "rate/year"),
    "eir": Q(N_("Effective interest rate"), "rate/year"),
    "grant_element": Q(N_("Grant element"), "share"),
    # appraisal statements (engine/statements.py)
    "commissions_on_sales": Q(N_("Commissions on sales"), "taka",
                              N_("Each channel's commission rate times its sales (accrual).")),
    "cost_of_sales": Q(N_("Cost of sales"), "taka",
                       N_("Production and transport paid, less the increase in stock.")),
    "gross_margin": Q(N_("Gross margin"), "taka", N_("Sales less commissions and cost of sales.")),
    "depreciation": Q(N_("Depreciation"), "taka",
                      N_("Wear of the group's assets: cost less residual value over the life.")),
    "operating_surplus": Q(N_("Operating surplus"), "taka"),
    "net_surplus": Q(N_("Net surplus"), "taka",
                     N_("Operating surplus less interest and loan fees.")),
    "surplus_retained": Q(N_("Surplus retained"), "taka",
                          N_("Net surplus less payouts to members.")),
    "receivables_net": Q(N_("Owed by buyers (net of commissions)"), "taka"),
    "stock": Q(N_("Stock"), "taka", N_("Cost of what is produced but not yet sold.")),
    "fixed_assets_net": Q(N_("Fixed assets, net of depreciation"), "taka"),
    "total_assets": Q(N_("Total assets"), "taka"),
    "loans_outstanding": Q(N_("Loans outstanding"), "taka"),
    "members_capital": Q(N_("Members' capital"), "taka",
                         N_("Opening cash and capital paid in by members.")),
    "retained_surplus": Q(N_("Retained surplus"), "taka", N_("Surplus kept in the group so far.")),
    "total_liabilities_and_equity": Q(N_("Total liabilities and members' funds"), "taka"),
    "opening_cash": Q(N_("Cash at the start of the year"), "taka"),
    "closing_cash": Q(N_("Cash at the end of the year"), "taka"),
    "year": Q(N_("Project year"), "text", N_("Twelve months counted from the start.")),
    "case": Q(N_("Case"), "text"),
    "discount_rate": Q(N_("Discount rate"), "rate/year"),
    "npv": Q(N_("Net present value (NPV)"), "taka",
             N_("What the group's flows are worth today: each year's flow divided by (1 + the "
             "discount rate) for each year it lies ahead, added up.")),
    "irr": Q(N_("Internal rate of return (IRR)"), "rate/year",
             N_("The yearly return the group's investment earns: the discount rate at which its "
             "NPV is zero.")),
    "payback_month": Q(N_("Paid back by"), "month",
                       N_("First month from which what the group has received exceeds what it "
                       "has put in.")),
    "total_flow": Q(N_("Total flow"), "taka"),
    # results as donors measure them (engine/results.py, DCED Standard)
    "jobs_fte": Q(N_("Full-time jobs"), "count", N_("Hired workers, full-time equivalent.")),
    "baseline_jobs_fte": Q(N_("Full-time jobs in the baseline"), "count"),
    "net_additional_jobs_fte": Q(N_("Net additional full-time jobs"), "count",
                                 N_("Full-time jobs beyond those in the baseline; members who "
                                 "merely joined the group are not jobs.")),
    "income_per_member_month": Q(N_("Income per member"), "taka/month"),
    "baseline_income_per_member_month": Q(N_("Income per member in the baseline"), "taka/month"),
    "income_change_per_member_month": Q(N_("Income change per member"), "taka/month",
                                        N_("Income per member less the baseline's.")),
    "income_change_percent": Q(N_("Income change per member"), "share"),
    "attributable_income_change_total": Q(N_("Attributable income change (all members)"), "taka",
                                          N_("Members' income over the horizon less what they "
                                          "would have earned in the baseline.")),
    "sales_change_percent": Q(N_("Sales change against the baseline"), "share"),
    "donor_services": Q(N_("Donor's payments for services"), "taka"),
    "credit_subsidy": Q(N_("Credit subsidy"), "taka",
                        N_("Interest concessional loans save against their market rate.")),
    "donor_cost": Q(N_("Donor's cost"), "taka",
                    N_("Payments for services plus the credit subsidy.")),
    "donor_cost_discounted": Q(N_("Donor's cost, discounted"), "taka",
                               N_("The donor's cost valued at the start at the discount rate.")),
    "partner_contributions": Q(N_("Other partners' contributions"), "taka",
                               N_("What payers other than the donor and the group paid.")),
    "embedded_services": Q(N_("Embedded services"), "taka",
                           N_("Services a buyer pays for through the product price (commercial).")),
    "group_payments": Q(N_("The group's own payments for services"), "taka"),
    "leverage": Q(N_("Leverage"), "ratio",
                  N_("Other partners' contributions per taka the donor paid (the group's own "
                  "payments left out).")),
    "beneficiaries": Q(N_("Beneficiaries (members)"), "count"),
    "women_beneficiaries": Q(N_("Women members"), "count"),
    "men_beneficiaries": Q(N_("Men members"), "count"),
    "donor_cost_per_beneficiary": Q(N_("Donor's cost per beneficiary"), "taka",
                                    N_("Discounted donor's cost per member.")),
    "donor_cost_per_job": Q(N_("Donor's cost per net additional job"), "taka"),
    "donor_cost_per_taka_of_income": Q(N_("Donor's cost per taka of income change"), "ratio"),
    "payer": Q(N_("Payer"), "text"),
    "baseline": Q(N_("Baseline"), "text"),
    # a portfolio's results, one row per group
    "group_id": Q(N_("Group"), "text"),
    "cash_short_at_installment": Q(N_("Cash short at an installment"), "text",
                                   N_("True when cash falls short on a month an installment is "
                                      "due.")),
    "max_affordable_loan": Q(N_("Largest affordable loan"), "taka",
                             N_("Largest principal on the terms of the chosen loan that keeps the "
                             "trailing 12-month DSCR at the target and cash at the reserve.")),
    "risk_flags": Q(N_("Risk flags"), "text"),
    "problems": Q(N_("Problems (row not run)"), "text"),
    # inputs that tables list beside outputs (their metadata is on the models)
    "loan": Q(N_("Loan"), "text"),
    "lender": Q(N_("Lender"), "text"),
    "annual_rate": Q(N_("Annual interest rate"), "rate/year"),
    "interest_method": Q(N_("Interest method"), "text"),
    "stress": Q(N_("Stress test"), "text"),
    # one-way sensitivity (engine/risk.tornado) and Monte Carlo (engine/montecarlo.py)
    "path": Q(N_("Input"), "text", N_("The parameter path of the input varied.")),
    "value": Q(N_("Value now"), "number", N_("The input's value in the scenario.")),
    "exit_month_swing": Q(N_("Swing of the exit month"), "months",
                          N_("Exit month with the input raised less with it lowered.")),
    "min_cash_balance_swing": Q(N_("Swing of the lowest cash balance"), "taka",
                                N_("Lowest cash balance with the input raised less with it "
                                   "lowered.")),
    "member_income_per_member_month_avg_swing": Q(
        N_("Swing of income per member"), "taka/month",
        N_("Income per member (monthly average) with the input raised less with it lowered.")),
    "p5": Q(N_("5th percentile"), "taka", N_("One path in 20 ends the month lower.")),
    "p50": Q(N_("Median"), "taka", N_("Half the paths end the month lower.")),
    "p95": Q(N_("95th percentile"), "taka", N_("One path in 20 ends the month higher.")),
}


def quantity(name: str, lang: str | None = None) -> Quantity:
    """The quantity named `name`, its label and meaning in the language in force (or `lang`);
    a name not in the table reads as itself, as plain text.

    >>> quantity("min_dscr_12m").label, quantity("no_such_thing").label
    ('Lowest trailing 12-month DSCR', 'no such thing')
    >>> quantity("cash_balance", "bn").label
    'নগদ স্থিতি'
    """
    q = OUTPUTS.get(name)
    if q is None:
        return Quantity(name.replace("_", " "), "number")
    return Quantity(t(q.label, lang=lang), q.unit, t(q.meaning, lang=lang) if q.meaning else "",
                    t(q.none, lang=lang) if q.none else "")


def label(name: str, style: fmt.Style = fmt.PLAIN) -> str:
    """A column header: the label with its unit where the values do not say it.

    >>> label("cash_balance"), label("subsidy_to_sales"), label("dscr_12m")
    ('Cash balance, taka', 'Subsidy to sales, %', 'DSCR (trailing 12 months)')
    """
    q = quantity(name)
    suffix = fmt.unit_suffix(q.unit, style)
    return f"{q.label}, {suffix}" if suffix else q.label


def display_frame(df: pd.DataFrame, style: fmt.Style = fmt.PLAIN, start: str | None = None,
                  columns: Iterable[str] | None = None,
                  decimals: int | None = None) -> pd.DataFrame:
    """A table as text for reading: plain column names and each column formatted by its unit
    (money to `decimals` where given: a loan schedule's paisa)."""
    names = list(columns) if columns is not None else list(df.columns)
    shown: dict[str, list[str]] = {}
    for name in names:
        header = label(name, style)
        if header not in shown:            # exit_date beside exit_month: one column
            shown[header] = _column_text(name, df[name].tolist(), style, start, decimals)
    out = pd.DataFrame(shown, index=df.index, columns=list(shown))
    out.index.name = label(df.index.name, style) if df.index.name else None
    return out


def _column_text(name: str, values: list, style: fmt.Style, start: str | None,
                 decimals: int | None) -> list[str]:
    """`display_value` of each value, worked out once per distinct value (a monthly table
    repeats many: zeros, flat costs; formatting a number costs tens of microseconds). Values
    are told apart by type and, for floats, by sign (-0.0 == 0.0 in a dict)."""
    texts: dict[Any, str] = {}
    out = []
    for v in values:
        key = (type(v), v, math.copysign(1.0, v) if isinstance(v, float) else 0.0)
        try:
            text = texts.get(key)
        except TypeError:                  # an unhashable value: not kept
            out.append(display_value(name, v, style, start, decimals))
            continue
        if text is None:
            text = texts[key] = display_value(name, v, style, start, decimals)
        out.append(text)
    return out


def display_value(name: str, x: Any, style: fmt.Style = fmt.PLAIN,
                  start: str | None = None, decimals: int | None = None) -> str:
    """One quantity's value as text, by its unit (money to `decimals` where given).

    >>> display_value("subsidy_to_sales", 0.005), display_value("exit_month", 4, start="2002-01")
    ('0.5%', 'May 2002')
    >>> display_value("min_dscr_12m", None), display_value("payment", 1033.333, decimals=2)
    ('no full 12 months in the loan period', '1,033.33')
    """
    q = quantity(name)
    if q.none and (x is None or (isinstance(x, float) and x != x)):
        return q.none
    if decimals is not None and fmt.kind(q.unit) == "money":
        return fmt.money(x, style, unit=False, decimals=decimals)
    return fmt.value(x, q.unit, style, start)


GLOSSARY = [
    (N_("OSS (operational self-sufficiency)"), N_(
        "Sales revenue over the expenses the group itself pays (running costs, its share of "
        "services, interest and fees), over the last 12 months.")),
    (N_("FSS (financial self-sufficiency)"), N_(
        "As OSS, with what others pay for its services, the interest cheap loans save and the "
        "erosion of its money by inflation counted as costs.")),
    (N_("Subsidy to sales"), N_(
        "What others pay for the group's services (and the interest cheap loans save) for each "
        "taka of the group's sales.")),
    (N_("DSCR (debt-service coverage)"), N_(
        "Cash the group's business brings in, after the members' household drawings, over what "
        "its loans ask for in the same period; 1.25 means 25% more than the installments.")),
    (N_("HHI (buyer concentration)"), N_(
        "How much the group depends on a few buyers: the sum of each buyer's squared share of "
        "sales; 1 means a single buyer.")),
    (N_("APR and EIR"), N_(
        "The yearly cost of a loan with its fees: APR is the monthly rate times the periods in a "
        "year, EIR the rate compounded.")),
    (N_("Grant element"), N_(
        "How much of a loan is in effect a gift: the loan's value less the present value of its "
        "repayments at 10%, over the loan.")),
    (N_("Exit month"), N_(
        "The first month from which every subsidy can stop and the group's cash stays at or "
        "above its reserve to the end.")),
    (N_("Working capital"), N_(
        "The cash tied up before sales pay: inputs bought and wages paid before buyers pay for "
        "the harvest.")),
]
"""The finance words the documents and the app's sidebar explain, one sentence each (translated
where shown): one list, so the two never define a word differently."""
