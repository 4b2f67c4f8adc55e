"""Hypothesis strategies: random but valid scenarios, built as plain dicts (as a TOML file would
give them) and validated by the engine's own model."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from engine.scenario import Scenario

money = st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
rate = st.floats(0, 1, allow_nan=False)


def _split_shares(weights: list[float]) -> list[float]:
    total = sum(weights)
    shares = [math.floor(w / total * 1e6) / 1e6 for w in weights]  # floors: the rest is >= 0
    shares[-1] = 1 - sum(shares[:-1])
    return shares


@st.composite
def services(draw, months: int, index: int) -> dict:
    payers = draw(st.lists(st.sampled_from(["donor", "ngo", "lead_firm"]), min_size=1,
                           max_size=3, unique=True))
    shares = _split_shares(draw(st.lists(st.floats(0.05, 1), min_size=len(payers) + 1,
                                         max_size=len(payers) + 1)))
    svc: dict = {
        "name": f"s{index}",
        "monthly_cost": draw(st.floats(0, 20000)),
        "start_month": draw(st.integers(0, months - 1)),
        "shares": dict(zip([*payers, "group"], shares, strict=True)),
        "after_exit": draw(st.sampled_from(["continue", "stop"])),
        "embedded": draw(st.booleans()),
        "beneficiary": draw(st.sampled_from(["group", "group", "partner"])),
        "one_off": [{"month": draw(st.integers(0, months - 1)),
                     "amount": draw(st.floats(0, 50000))}
                    for _ in range(draw(st.integers(0, 2)))],
    }
    if draw(st.booleans()):
        svc["end_month"] = draw(st.integers(svc["start_month"], months))
    kind = draw(st.sampled_from(["none", "linear", "step", "table"]))
    taper: dict = {"kind": kind, "start_month": draw(st.integers(0, months))}
    if kind == "linear":
        taper |= {"months": draw(st.integers(1, 24)), "to_level": draw(st.floats(0, 1))}
    elif kind == "step":
        taper |= {"step": draw(st.floats(0.05, 1)), "every_months": draw(st.integers(1, 12)),
                  "to_level": draw(st.floats(0, 1))}
    elif kind == "table":
        rows = []
        for m in sorted(draw(st.sets(st.integers(0, months), min_size=1, max_size=3))):
            w = _split_shares(draw(st.lists(st.floats(0.0, 1), min_size=len(payers) + 1,
                                            max_size=len(payers) + 1).filter(
                                                lambda x: sum(x) > 0.01)))
            rows.append({"from_month": m, "shares": dict(zip([*payers, "group"], w,
                                                             strict=True))})
        taper["table"] = rows
    if kind in ("linear", "step") and draw(st.booleans()):
        taper["payers"] = payers[:1]
    svc["taper"] = taper
    svc["effects"] = [{"on": draw(st.sampled_from(["acceptance_rate", "price", "volume",
                                                   "unit_cost"])),
                       "without_service": draw(st.floats(-0.9, 0.9)),
                       "half_life_months": draw(st.floats(0.5, 48))}
                      for _ in range(draw(st.integers(0, 2)))]
    return svc


@st.composite
def loans(draw, months: int, index: int) -> dict:
    n = draw(st.integers(1, 36))
    return {
        "name": f"loan{index}",
        "principal": draw(st.floats(1000, 2e6)),
        "annual_rate": draw(st.just(0.0) | st.floats(0.001, 0.4)),
        "installments": n,
        "interest_method": draw(st.sampled_from(["declining_balance", "flat"])),
        "amortization": draw(st.sampled_from(["equal_installments", "equal_principal"])),
        "grace_on_principal_periods": draw(st.integers(0, n - 1)),
        "disbursement_month": draw(st.integers(0, months - 1)),
        "upfront_fee_rate": draw(st.floats(0, 0.05)),
        "upfront_fee_fixed": draw(st.floats(0, 1000)),
        "installment_fee": draw(st.floats(0, 100)),
        "currency_digits": draw(st.integers(0, 2)),
        "rounding": draw(st.sampled_from(["half_even", "half_up"])),
        "market_annual_rate": draw(st.none() | st.floats(0, 0.4)),
        "penalty_annual_rate": draw(st.floats(0, 0.5)),
        "down_payment_rate": draw(st.just(0.0) | st.floats(0, 0.3)),
        "next_cycles": draw(st.integers(0, 1)),
        "arranged_by_facilitator": draw(st.booleans()),
    } | draw(loan_events(n))


@st.composite
def loan_events(draw, n: int) -> dict:
    """Tranches and prepayments of a monthly loan of n installments, by months after its
    disbursement (made absolute by `scenario_dicts`)."""
    if n < 2 or not draw(st.booleans()):
        return {}
    return {"tranches": [{"month": draw(st.integers(1, n - 1)), "amount": draw(st.floats(1, 500))}],
            "prepayments": [{"month": draw(st.integers(1, n)),
                             "amount": draw(st.none() | st.floats(1, 1e5))}]}


def absolute(loan: dict) -> dict:
    """A loan's event months counted from the scenario's start."""
    for key in ("tranches", "prepayments"):
        for event in loan.get(key, []):
            event["month"] += loan["disbursement_month"]
    return loan


@st.composite
def investments(draw, months: int) -> dict:
    """An asset: sometimes with a life (months to years), a residual value and replacement."""
    amount = draw(money)
    inv: dict = {"month": draw(st.integers(0, months - 1)), "amount": amount}
    if draw(st.booleans()):
        inv |= {"life_years": draw(st.sampled_from([0.25, 0.5, 1, 1.5, 3, 10])),
                "residual_value": amount * draw(st.floats(0, 1)),
                "replace_at_end_of_life": draw(st.booleans())}
    return inv


@st.composite
def scenario_dicts(draw) -> dict:
    months = draw(st.integers(12, 36))
    products, channels = [], []
    for p in range(draw(st.integers(1, 2))):
        ramp = sorted(draw(st.sets(st.integers(0, months), max_size=3)))
        products.append({
            "name": f"p{p}",
            "monthly_capacity": draw(st.floats(0, 1e5)),
            "seasonality": draw(st.lists(st.floats(0, 5), min_size=12, max_size=12).filter(
                lambda s: sum(s) > 0.1)),
            "capacity_ramp": [{"month": m, "factor": draw(st.floats(0, 2))} for m in ramp],
            "unit_cost": draw(st.floats(0, 10)),
        })
        if draw(st.booleans()):
            leads = sorted(draw(st.sets(st.integers(0, 8), min_size=1, max_size=4)))
            split = _split_shares(draw(st.lists(st.floats(0.05, 1), min_size=len(leads),
                                                max_size=len(leads))))
            products[-1]["cost_calendar"] = [{"months_before_sale": k, "share": w}
                                             for k, w in zip(leads, split, strict=True)]
        k = draw(st.integers(1, 3))
        shares = _split_shares(draw(st.lists(st.floats(0.01, 1), min_size=k, max_size=k)))
        names = [f"p{p}c{i}" for i in range(k)]
        for i, name in enumerate(names):
            delay = draw(st.floats(0, 100))
            channel = {
                "name": name, "buyer": draw(st.sampled_from(["A", "B", "C"])),
                "product": f"p{p}", "share": shares[i],
                "price": draw(st.floats(0, 20)), "discount": draw(st.floats(0, 0.5)),
                "acceptance_rate": draw(st.floats(0, 1)),
                "payment_delay_days": delay,
                "commission_rate": draw(st.floats(0, 0.3)),
                "transport_cost_per_unit": draw(st.floats(0, 2)),
            }
            if draw(st.booleans()):
                channel["payment_delay_days_max"] = delay + draw(st.floats(0, 60))
            if draw(st.booleans()):
                channel |= {"price_basis": "market", "market": "m0",
                            "market_premium": draw(st.floats(-0.5, 0.5))}
            channels.append(channel)
        if k > 1 and draw(st.booleans()):
            channels[-k]["fallback"] = names[-1]   # first channel's rejects go to the last
        if k > 1 and draw(st.booleans()):
            # the first channel is a contract with a quota, filled first; the rest share
            products[-1]["allocation"] = "contracts_first"
            channels[-k]["quota_units_per_month"] = draw(st.floats(0, 5e4))
            rest = _split_shares([1.0] * (k - 1))
            for j, ch in enumerate(channels[-k + 1:]):
                ch["share"] = rest[j]
    data = {
        "name": "random", "title": "random", "horizon_months": months,
        "start": f"{draw(st.integers(1990, 2030))}-{draw(st.integers(1, 12)):02d}",
        "group": {"name": "g", "members": draw(st.integers(1, 300)),
                  "opening_cash": draw(money), "cash_reserve": draw(st.floats(0, 1e5)),
                  "distribution_share": draw(rate),
                  "credit_line_limit": draw(st.just(0.0) | st.floats(0, 2e5)),
                  "credit_line_annual_rate": draw(st.floats(0, 0.4))},
        "products": products, "channels": channels,
        "markets": [{"name": "m0", "price": draw(st.floats(0, 20)),
                     "seasonality": draw(st.lists(st.floats(0, 3), min_size=12,
                                                  max_size=12).filter(lambda x: sum(x) > 0.1)),
                     "annual_growth": draw(st.floats(-0.5, 0.5))}],
        "fixed_costs": [{"name": f"f{i}", "monthly_amount": draw(st.floats(0, 5e4)),
                         "start_month": draw(st.integers(0, months))}
                        for i in range(draw(st.integers(0, 2)))],
        "services": [draw(services(months, i)) for i in range(draw(st.integers(0, 3)))],
        "loans": [absolute(draw(loans(months, i))) for i in range(draw(st.integers(0, 2)))],
        "arrears": {"enabled": draw(st.booleans()),
                    "allocation": draw(st.permutations(["penalties", "fees", "interest",
                                                        "principal"]))},
        "member_capital": [{"month": draw(st.integers(0, months - 1)), "amount": draw(money)}
                           for _ in range(draw(st.integers(0, 1)))],
        "investments": [draw(investments(months)) for _ in range(draw(st.integers(0, 2)))],
        "price_inflation_annual": draw(st.just(0.0) | st.floats(-0.2, 0.5)),
        "cost_inflation_annual": draw(st.just(0.0) | st.floats(-0.2, 0.5)),
    }
    return data


scenarios = scenario_dicts().map(Scenario.model_validate)
