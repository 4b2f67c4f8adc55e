"""A slow, obvious month-by-month model of a scenario, written from docs/methodology.md without
using the engine's arrays. The batched engine must agree with it on every monthly column.

Everything here is scalar Python loops over months, channels, services and loans.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from scipy.integrate import quad

from engine.loans import contracts, opening, schedule
from engine.scenario import CostTiming, Scenario


def _round(x: float, digits: int, mode: str) -> float:
    how = ROUND_HALF_EVEN if mode == "half_even" else ROUND_HALF_UP
    return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=how))


def loan_rows(loan, scenario_start: str) -> list[dict]:
    """Installments from the loan's schedules (its rules are tested by hand in test_loans.py
    and test_loan_products.py), every contract (top-up, next cycles) included, dated from the
    1st of the disbursement month as the scenario places it; each contract's first release and
    down payment as a row of its own in its disbursement month."""
    y, m = map(int, scenario_start.split("-"))
    total = y * 12 + m - 1 + loan.disbursement_month
    if loan.disbursement_date is None:
        loan = loan.model_copy(update={"disbursement_date": date(total // 12, total % 12 + 1, 1)})
    rows = []
    for c in contracts(loan):
        first, down = opening(c)
        rows.append({"month": c.disbursement_month, "principal": down, "interest": 0.0,
                     "fees": c.upfront_fee, "saved": 0.0, "disbursed": first})
        rows += [{"month": r.month, "principal": r.principal + r.down_payment,
                  "interest": r.interest, "fees": r.fees, "saved": r.interest_subsidy,
                  "disbursed": r.disbursed} for r in schedule(c).itertuples()]
    return rows


def share_of_group(service, t: int) -> float:
    """The group's share of a service's cost in month t (before any exit)."""
    if service.beneficiary == "partner":
        return 0.0
    shares = dict(service.shares)
    tp = service.taper
    if tp.kind == "table":
        for row in sorted(tp.table, key=lambda r: r.from_month):
            if row.from_month <= t:
                shares = dict(row.shares)
    elif tp.kind in ("linear", "step"):
        if tp.kind == "linear":
            if t <= tp.start_month:
                f = 1.0
            elif t >= tp.start_month + tp.months:
                f = tp.to_level
            else:
                f = 1 - (1 - tp.to_level) * (t - tp.start_month) / tp.months
        else:
            f = 1.0
            if t >= tp.start_month:
                steps = (t - tp.start_month) // tp.every_months + 1
                f = max(tp.to_level, 1 - tp.step * steps)
        tapered = tp.payers or [p for p in shares if p != "group"]
        for p in tapered:
            shares[p] = shares[p] * f
    others = sum(v for p, v in shares.items() if p != "group")
    return 1 - others


def service_cost(service, t: int) -> float:
    cost = 0.0
    end = service.end_month if service.end_month is not None else 10**9
    if service.start_month <= t <= end:
        cost += service.monthly_cost
    for o in service.one_off:
        if o.month == t:
            cost += o.amount
    return cost


def ramp_factor(product, t: int) -> float:
    pts = product.capacity_ramp
    if not pts:
        return 1.0
    if t <= pts[0].month:
        return pts[0].factor
    for a, b in zip(pts, pts[1:], strict=False):
        if a.month <= t <= b.month:
            return a.factor + (b.factor - a.factor) * (t - a.month) / (b.month - a.month)
    return pts[-1].factor


def receipt_share(sale_month: int, pay_month: int, delay_days: float) -> float:
    """Share of a month's sales (spread evenly over its 30 days) paid in `pay_month`."""
    lo, hi = 30 * sale_month + delay_days, 30 * sale_month + 30 + delay_days
    overlap = min(hi, 30 * pay_month + 30) - max(lo, 30 * pay_month)
    return max(0.0, overlap) / 30


def receipt_share_range(sale_month: int, pay_month: int, lo: float, hi: float | None) -> float:
    """The same for a delay spread evenly over [lo, hi] days: the average over the range,
    integrated numerically (scipy's quad)."""
    if hi is None or hi - lo < 1e-9:
        return receipt_share(sale_month, pay_month, lo)
    if 30 * (pay_month + 1) <= 30 * sale_month + lo or 30 * pay_month >= 30 * sale_month + 30 + hi:
        return 0.0
    kinks = [30 * (pay_month - sale_month) + k for k in (-30, 0, 30)]
    value, _ = quad(lambda d: receipt_share(sale_month, pay_month, d), lo, hi,
                    points=[k for k in kinks if lo < k < hi] or None, epsabs=1e-13,
                    epsrel=1e-12, limit=200)
    return value / (hi - lo)


def asset_paid(s: Scenario, a, t: int) -> float:
    """Cash paid for asset `a` in month t: its cost in its purchase month, and, when it is
    replaced, at each end of life its cost grown by cost inflation less the old one's residual
    value (at the old one's prices)."""
    if a.life_years is None or not a.replace_at_end_of_life:
        return a.amount if t == a.month else 0.0
    life = max(1, round(a.life_years * 12))
    if t < a.month or (t - a.month) % life:
        return 0.0
    k = (t - a.month) // life          # the k-th purchase (0: the first)
    grown = (1 + s.cost_inflation_annual) ** ((t - a.month) / 12)
    previous = (1 + s.cost_inflation_annual) ** ((t - life - a.month) / 12)
    return a.amount * grown - (a.residual_value * previous if k > 0 else 0.0)


def market_price(s: Scenario, name: str, t: int) -> float:
    mk = next(m for m in s.markets if m.name == name)
    cal = (int(s.start.split("-")[1]) - 1 + t) % 12
    return mk.price * mk.seasonality[cal] / (sum(mk.seasonality) / 12) * (
        1 + mk.annual_growth) ** (t / 12)


def months_simulated(s: Scenario) -> int:
    """The horizon, or further to the month of the last installment of any loan."""
    last = [row["month"] for loan in s.loans for row in loan_rows(loan, s.start)]
    return max([s.horizon_months, *[m + 1 for m in last]])


def reference(s: Scenario, exit_month: int | None = None, shocks: dict | None = None
              ) -> dict[str, list[float]]:
    """`shocks` (a Monte Carlo path, engine/shocks.py): {"price": {channel: [multiplier by
    month]}, "volume": {product: [...]}, "late": {channel: [True where that month's sales are
    paid late]}, "late_days": extra days}. A volume shock changes what is sold, not the
    production costs the plan paid for."""
    T = months_simulated(s)
    shock = shocks or {}

    def shocked(kind: str, name: str, t: int) -> float:
        return float(shock[kind][name][t]) if kind in shock else 1.0

    def late_days(c, sale_month: int) -> float:
        late = "late" in shock and bool(shock["late"][c.name][sale_month])
        return float(shock["late_days"]) if late else 0.0

    start_cal = int(s.start.split("-")[1]) - 1
    exit_at = T if exit_month is None else exit_month

    def delivered(sv, t):
        """The service has a cost in month t, once the exit month's changes are made."""
        if service_cost(sv, t) <= 0:
            return False
        ends_at_exit = sv.beneficiary == "partner" or (not sv.embedded
                                                       and sv.after_exit == "stop")
        return not (t >= exit_at and ends_at_exit)

    def strength(sv, effect, t):
        """1 in a delivered month, halving every half-life after the last one, 0 before."""
        last = [u for u in range(t + 1) if delivered(sv, u)]
        if not last:
            return 0.0
        return 0.5 ** ((t - last[-1]) / effect.half_life_months)

    def multiplier(on, name, t):
        """Product of 1 + without_service x (1 - strength) over the effects on `name`; held
        at the last simulated month's value after it."""
        t = min(t, T - 1)
        out = 1.0
        for sv in s.services:
            for e in sv.effects:
                if e.on == on and e.target in (None, name):
                    out *= 1 + e.without_service * (1 - strength(sv, e, t))
        return out

    def produced(p, t):
        mean = sum(p.seasonality) / 12
        return (p.monthly_capacity * p.seasonality[(start_cal + t) % 12] / mean
                * ramp_factor(p, t) * multiplier("volume", p.name, t))

    revenue = {c.name: [0.0] * T for c in s.channels}
    sold = {c.name: [0.0] * T for c in s.channels}
    for t in range(T):
        for p in s.products:
            volume = produced(p, t) * shocked("volume", p.name, t)
            mine = [c for c in s.channels if c.product == p.name]
            offered = {}
            if p.allocation == "contracts_first":
                left = volume
                for c in mine:
                    if c.quota_units_per_month is not None:
                        offered[c.name] = min(c.quota_units_per_month, left)
                        left -= offered[c.name]
                for c in mine:
                    if c.quota_units_per_month is None:
                        offered[c.name] = c.share * left
            else:
                for c in mine:
                    offered[c.name] = c.share * volume
            for c in mine:
                rate = c.acceptance_rate * multiplier("acceptance_rate", c.name, t)
                acc = offered[c.name] * min(1.0, max(0.0, rate))
                sold[c.name][t] += acc
                if c.fallback:
                    sold[c.fallback][t] += offered[c.name] - acc
    for c in s.channels:
        for t in range(T):
            price = (market_price(s, c.market, t) * (1 + c.market_premium)
                     if c.price_basis == "market" else c.price)
            price *= (1 + s.price_inflation_annual) ** (t / 12)
            price *= multiplier("price", c.name, t) * shocked("price", c.name, t)
            revenue[c.name][t] = sold[c.name][t] * price * (1 - c.discount)

    loans = [loan_rows(loan, s.start) for loan in s.loans]
    # a loan the facilitator arranged is not taken when every subsidy ends at or before the
    # month it would be disbursed
    loans = [rows for loan, rows in zip(s.loans, loans, strict=True)
             if not (loan.arranged_by_facilitator and exit_at <= rows[0]["month"])]
    out: dict[str, list[float]] = {k: [] for k in (
        "sales_revenue", "cash_receipts", "receivables", "stock", "commissions",
        "variable_costs", "fixed_costs", "service_cost_group", "subsidy", "operating_cash_flow",
        "interest", "principal", "loan_fees", "debt_service", "loan_disbursements",
        "member_capital", "investments", "distributions", "credit_line_draw",
        "credit_line_balance", "credit_line_interest", "cash_shortfall", "net_cash_flow",
        "cash_balance", "member_income_per_member", "arrears", "penalty_interest",
        "days_past_due", "debt_service_paid")}
    months = []          # first pass: every flow that does not depend on the cash balance
    receivable = stock = 0.0
    for t in range(T):
        rev = sum(revenue[c][t] for c in revenue)
        receipts, commissions, commission_accrued = 0.0, 0.0, 0.0
        for c in s.channels:
            got = sum(revenue[c.name][m] * receipt_share_range(
                m, t, c.payment_delay_days + late_days(c, m),
                None if c.payment_delay_days_max is None
                else c.payment_delay_days_max + late_days(c, m)) for m in range(t + 1))
            receipts += got
            commissions += got * c.commission_rate
            commission_accrued += revenue[c.name][t] * c.commission_rate
        receivable += rev - receipts
        costs_now = (1 + s.cost_inflation_annual) ** (t / 12)

        # production costs paid this month by each product's cost calendar: share w of the
        # unit cost (at the cost level of the month of sale) of what is sold k months from now
        def unit_cost(p, u):
            return (p.unit_cost * (1 + s.cost_inflation_annual) ** (u / 12)
                    * multiplier("unit_cost", p.name, u))

        paid_for = cost_of_sales = 0.0
        for p in s.products:
            cost_of_sales += unit_cost(p, t) * produced(p, t)
            for timing in p.cost_calendar or [CostTiming(months_before_sale=0, share=1.0)]:
                k = timing.months_before_sale
                paid_for += timing.share * unit_cost(p, t + k) * produced(p, t + k)
                if t == 0:   # what fell before the start was paid then: opening stock
                    stock += sum(timing.share * unit_cost(p, u) * produced(p, u)
                                 for u in range(k))
        stock += paid_for - cost_of_sales
        transport = sum(sold[c.name][t] * c.transport_cost_per_unit for c in s.channels)
        variable = paid_for + transport
        fixed = 0.0
        for f in s.fixed_costs:
            end = f.end_month if f.end_month is not None else 10**9
            if f.start_month <= t <= end:
                fixed += f.monthly_amount * costs_now
        group_cost, subsidy = 0.0, 0.0
        for sv in s.services:
            cost = service_cost(sv, t)
            if sv.embedded:
                group_cost += cost * share_of_group(sv, t)
            elif t >= exit_at:
                if sv.beneficiary == "group" and sv.after_exit == "continue":
                    group_cost += cost
            else:
                g = share_of_group(sv, t)
                group_cost += cost * g
                if sv.beneficiary == "group":
                    subsidy += cost * (1 - g)
        interest = principal = fees = disb = 0.0
        for rows in loans:
            for row in rows:
                if row["month"] == t:
                    interest += row["interest"]
                    principal += row["principal"]
                    fees += row["fees"]
                    if t >= exit_at:     # repriced at the market rate from the exit month
                        interest += row["saved"]
                    else:
                        subsidy += row["saved"]
                    disb += row["disbursed"]
        capital = sum(c.amount for c in s.member_capital if c.month == t)
        invest = sum(asset_paid(s, a, t) for a in s.investments)
        ocf = receipts - commissions - variable - fixed - group_cost
        income = (rev - commission_accrued - cost_of_sales - transport - fixed - group_cost
                  - interest - fees)
        months.append({
            "sales_revenue": rev, "cash_receipts": receipts, "receivables": receivable,
            "stock": stock, "commissions": commissions, "variable_costs": variable,
            "fixed_costs": fixed, "service_cost_group": group_cost, "subsidy": subsidy,
            "operating_cash_flow": ocf, "interest": interest, "principal": principal,
            "loan_fees": fees, "loan_disbursements": disb, "member_capital": capital,
            "investments": invest,
            "flow": ocf - interest - principal - fees + disb + capital - invest,
            "income": income})

    # second pass, month by month: arrears, payouts, the credit line, cash
    g = s.group
    cumulative, running = [], 0.0
    for row in months:
        running += row["flow"]
        cumulative.append(running)
    # payouts stop a hair above the reserve: 1e-6 taka + 1e-12 of the plan's largest cash
    margin = 1e-6 + 1e-12 * max(abs(g.opening_cash + c) for c in cumulative)
    cash = g.opening_cash
    line = 0.0   # credit line balance
    overdue = dict.fromkeys(("penalties", "fees", "interest", "principal"), 0.0)
    queue: list[float] = []    # what is still owed of each month's installments
    total_lent = sum(loan.principal for loan in s.loans)
    penalty_rate = (sum(loan.principal * loan.penalty_annual_rate for loan in s.loans)
                    / total_lent if total_lent else 0.0)
    for t, row in enumerate(months):
        interest, principal, fees = row["interest"], row["principal"], row["loan_fees"]
        line_interest = line * g.credit_line_annual_rate / 12
        # arrears: overdue amounts accrue the loans' penalty rate; cash pays in the allocation
        # order, the oldest installment first; what it cannot pay stays overdue
        penalty = penalty_rate / 12 * (overdue["fees"] + overdue["interest"]
                                       + overdue["principal"])
        owed = {"penalties": overdue["penalties"] + penalty, "fees": overdue["fees"] + fees,
                "interest": overdue["interest"] + interest,
                "principal": overdue["principal"] + principal}
        before = (cash + row["operating_cash_flow"] + row["loan_disbursements"]
                  + row["member_capital"] - row["investments"] - line_interest)
        if s.arrears.enabled:
            available = max(before, 0.0) + max(g.credit_line_limit - line, 0.0)
        else:
            available = float("inf")
        paid = paid_penalty = 0.0
        for part in s.arrears.allocation:
            pay = min(owed[part], available)
            available -= pay
            overdue[part] = owed[part] - pay
            paid += pay
            if part == "penalties":
                paid_penalty = pay
        queue.append(fees + interest + principal)
        left = paid - paid_penalty
        for i, amount in enumerate(queue):     # oldest installment first
            take = min(amount, left)
            queue[i] -= take
            left -= take
        in_arrears = sum(overdue.values())
        oldest = next((i for i, a in enumerate(queue) if a > 0.005), None)
        dpd = 0 if oldest is None else 30 * (t - oldest) + 29
        # payouts: the members' share of the month's accrual surplus (before the line's
        # interest), paid only as far as cash less the line stays at or above the reserve in
        # this month and every later month with no further payouts (installments paid as
        # scheduled), and nothing while anything is overdue
        worst_ahead = min(cumulative[u] - cumulative[t] for u in range(t, T))
        spare = before - paid - line + worst_ahead - g.cash_reserve - margin
        dist = 0.0 if in_arrears > 0.005 else \
            min(g.distribution_share * max(0.0, row["income"]), max(0.0, spare))
        before_line = before - paid - dist
        draw = 0.0
        if before_line < 0:                     # borrow what is missing, up to the limit
            draw = min(-before_line, max(g.credit_line_limit - line, 0.0))
        elif line > 0:                          # repay from what is there
            draw = -min(before_line, line)
        line += draw
        interest += line_interest + penalty
        debt = interest + principal + fees
        net = before - paid - dist + draw - cash
        cash += net
        for key, value in row.items():
            if key in out:
                out[key].append(value)
        out["interest"][-1] = interest
        for key, value in (
            ("debt_service", debt), ("distributions", dist),
            ("credit_line_draw", draw), ("credit_line_balance", line),
            ("credit_line_interest", line_interest),
            ("cash_shortfall", max(0.0, -cash)),
            ("net_cash_flow", net), ("cash_balance", cash), ("arrears", in_arrears),
            ("penalty_interest", penalty), ("days_past_due", dpd),
            ("debt_service_paid", paid + line_interest),
            ("member_income_per_member",
             (row["income"] - line_interest - penalty) / g.members)):
            out[key].append(value)
    return out


def reference_safe(s: Scenario, m: int, shocks: dict | None = None,
                   judged_from: int | None = None) -> bool:
    """The exit criteria when every subsidy ends at month m, on this model's projection: cash
    at or above the reserve from m to the last simulated month; where the scenario sets a floor,
    the average income per member over every full 12 months ending from m on at or above it;
    where it asks for self-sufficiency, OSS (sales over the expenses the group pays) at or above
    100% over every full 12 months ending from m on. `judged_from`: judge from that month
    instead of m (support still ending at m)."""
    r = reference(s, exit_month=m, shocks=shocks)
    cash, T = r["cash_balance"], len(r["cash_balance"])
    start = m if judged_from is None else judged_from
    ok = all(c >= s.group.cash_reserve - 1e-9 for c in cash[start:])
    windows = range(max(start, 11), T)
    floor = s.exit_criteria.member_income_floor
    if floor is not None:
        income = r["member_income_per_member"]
        ok &= all(sum(income[t - 11:t + 1]) / 12 >= floor - 1e-9 for t in windows)
    if s.exit_criteria.self_sufficiency:
        paid = [r[k] for k in ("commissions", "variable_costs", "fixed_costs",
                               "service_cost_group", "interest", "loan_fees")]
        for t in windows:
            sales = sum(r["sales_revenue"][t - 11:t + 1])
            costs = sum(sum(k[t - 11:t + 1]) for k in paid)
            ok &= costs == 0 or sales / costs >= 1.0 - 1e-12
    return ok


def reference_exit_month(s: Scenario, shocks: dict | None = None) -> int | None:
    """Brute force: try every exit month before the horizon in turn, each judged on every month
    to the last installment of every loan; the first safe one wins."""
    for m in range(s.horizon_months):           # candidates within the horizon ...
        if reference_safe(s, m, shocks):        # ... judged to the last installment
            return m
    return None
