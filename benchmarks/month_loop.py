"""The plain Python peer of the benchmarks: one scenario projected month by month with scalar
arithmetic, as someone without numpy (or a spreadsheet's row of formulas) would write it.

It starts from the scenario's compiled monthly inputs as plain lists (what a spreadsheet holds
in its input rows: volumes, prices, service costs and shares, loan flows) and computes, for the
scenario as given and with no subsidy from month 0, every flow down to the cash balance, the
members' payouts (paid only from what the plan can spare), the exit month (lowest cash after
each candidate month from the two plans' cumulative flows) and a few summary figures. It covers
the mechanisms of the benchmark scenario (channels with fixed payment delays, cost calendars,
services, loans, payouts); `lists` refuses a scenario using anything else. The benchmark checks
that its cash balance and exit month equal the engine's before timing it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.cashflow import Inputs

TOLERANCE = 1e-9


def lists(x: Inputs, row: int = 0) -> dict[str, Any]:
    """Row `row` of compiled inputs as nested Python lists and floats."""
    if x.has_quota.any() or x.fallback.any() or (x.credit_limit > 0).any() \
            or x.arrears_enabled.any() or (x.delay_days != x.delay_days_max).any():
        raise NotImplementedError("the month loop covers channels with fixed delays, no quota, "
                                  "no fallback, no credit line and no arrears")

    def r(name: str) -> Any:
        a = getattr(x, name)
        return np.broadcast_to(a, (x.n, *a.shape[1:]))[row].tolist()

    out = {name: r(name) for name in (
        "produced", "share", "acceptance", "list_price", "discount", "delay_days",
        "commission_rate", "transport", "sale_cost", "fixed_costs", "service_cost",
        "group_share", "interest", "principal", "loan_fees", "loan_disbursements",
        "interest_subsidy", "member_capital", "investments", "opening_cash", "cash_reserve",
        "distribution_share", "members")}
    out["channel_product"] = x.channel_product.tolist()
    out["cost_lead"] = x.cost_lead.tolist()
    out["continues"] = x.service_continues.tolist()
    out["embedded"] = x.service_embedded.tolist()
    out["to_group"] = x.service_to_group.tolist()
    out["months"] = x.months
    out["horizon"] = x.horizon_months or x.months
    return out


def flows(d: dict[str, Any], no_subsidy: bool) -> dict[str, list[float]]:
    """Monthly flows before payouts of the plan as given, or with no subsidy from month 0."""
    T = d["months"]
    C = len(d["share"])
    S = len(d["service_cost"])
    revenue, receipts = [0.0] * T, [0.0] * T
    commission_paid, commission_accrued, transport = [0.0] * T, [0.0] * T, [0.0] * T
    for c in range(C):
        p = d["channel_product"][c]
        q, f = divmod(d["delay_days"][c] / 30.0, 1.0)
        q = int(q)
        net = 1.0 - d["discount"][c]
        for t in range(T):
            sold = d["share"][c] * d["produced"][p][t] * d["acceptance"][c]
            rev = sold * d["list_price"][c][t] * net
            revenue[t] += rev
            commission_accrued[t] += rev * d["commission_rate"][c]
            transport[t] += sold * d["transport"][c]
            for k, w in ((q, 1.0 - f), (q + 1, f)):
                if w and t + k < T:
                    receipts[t + k] += rev * w
                    commission_paid[t + k] += rev * w * d["commission_rate"][c]
    paid, cost_of_sales = [0.0] * T, [0.0] * T
    for p, lead in enumerate(d["cost_lead"]):
        sale_cost = d["sale_cost"][p]
        for t in range(T):
            cost_of_sales[t] += sale_cost[t]
            for k, w in enumerate(lead):
                if w:
                    paid[t] += w * sale_cost[t + k]
    group_cost, subsidy = [0.0] * T, [0.0] * T
    for s in range(S):
        subsidised = not d["embedded"][s] and d["to_group"][s]
        ends = no_subsidy and ((subsidised and not d["continues"][s]) or not d["to_group"][s])
        for t in range(T):
            cost = 0.0 if ends else d["service_cost"][s][t]
            share = 1.0 if (no_subsidy and subsidised) else d["group_share"][s][t]
            group_cost[t] += cost * share
            if subsidised:
                subsidy[t] += cost * (1.0 - share)
    out = {k: [0.0] * T for k in ("revenue", "operating", "before_financing", "financing",
                                  "income", "debt_service", "subsidy")}
    for t in range(T):
        interest = d["interest"][t] + (d["interest_subsidy"][t] if no_subsidy else 0.0)
        operating = (receipts[t] - commission_paid[t] - paid[t] - transport[t]
                     - d["fixed_costs"][t] - group_cost[t])
        out["revenue"][t] = revenue[t]
        out["operating"][t] = operating
        out["before_financing"][t] = operating - interest - d["principal"][t] - d["loan_fees"][t]
        out["financing"][t] = (d["loan_disbursements"][t] + d["member_capital"][t]
                               - d["investments"][t])
        out["income"][t] = (revenue[t] - commission_accrued[t] - cost_of_sales[t] - transport[t]
                            - d["fixed_costs"][t] - group_cost[t] - interest - d["loan_fees"][t])
        out["debt_service"][t] = interest + d["principal"][t] + d["loan_fees"][t]
        out["subsidy"][t] = subsidy[t] + (0.0 if no_subsidy else d["interest_subsidy"][t])
    return out


def project(d: dict[str, Any]) -> dict[str, Any]:
    """Cash balance with payouts, the exit month and summary figures of one scenario."""
    T, H = d["months"], d["horizon"]
    given, bare = flows(d, False), flows(d, True)
    opening, reserve = d["opening_cash"], d["cash_reserve"]
    # payouts: the month's payable share of its surplus, only as far as cash stays at or
    # above the reserve in that month and every later one (plan without further payouts)
    cash_without, c = [0.0] * T, opening
    for t in range(T):
        c += given["before_financing"][t] + given["financing"][t]
        cash_without[t] = c
    margin = 1e-6 + 1e-12 * max(abs(v) for v in cash_without)
    low_ahead, low = [0.0] * T, math.inf
    for t in range(T - 1, -1, -1):
        low = min(low, cash_without[t])
        low_ahead[t] = low
    cash, paid_total, paid = [0.0] * T, 0.0, [0.0] * T
    for t in range(T):
        payable = d["distribution_share"] * max(given["income"][t], 0.0)
        cap = max(low_ahead[t] - reserve - margin, 0.0)
        new_total = min(paid_total + payable, cap)
        paid[t] = new_total - paid_total
        paid_total = new_total
        cash[t] = cash_without[t] - paid_total
    # exit month: lowest cash from M on with subsidies until M, on the flows before payouts
    c_with, c_without, a, b = [0.0] * T, [0.0] * T, 0.0, 0.0
    for t in range(T):
        a += given["before_financing"][t] + given["financing"][t]
        b += bare["before_financing"][t] + bare["financing"][t]
        c_with[t], c_without[t] = a, b
    suffix, low = [0.0] * T, math.inf
    for t in range(T - 1, -1, -1):
        low = min(low, c_without[t])
        suffix[t] = low
    exit_month = None
    for m in range(H):
        carried = c_with[m - 1] - c_without[m - 1] if m else 0.0
        if opening + carried + suffix[m] >= reserve - TOLERANCE:
            exit_month = m
            break
    return {"cash_balance": cash, "distributions": paid, "exit_month": exit_month,
            "min_cash_balance": min(cash), "total_subsidy": sum(given["subsidy"][:H]),
            "total_sales_revenue": sum(given["revenue"][:H]),
            "member_income_per_member_month_avg":
                sum(v - 0.0 for v in given["income"][:H]) / H / d["members"]}
