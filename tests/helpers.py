"""Small inline scenarios for hand-computed tests (TOML text, as a user would write it)."""

from engine import parse_scenario

BASE = """
name = "hand"
title = "hand-computed"
start = "2020-01"
horizon_months = {months}

[group]
name = "g"
members = 10
opening_cash = {opening_cash}
cash_reserve = {reserve}

[[products]]
name = "p"
monthly_capacity = {capacity}

[[channels]]
name = "buyer"
buyer = "B"
product = "p"
share = 1.0
price = {price}
payment_delay_days = {delay}
"""


def hand_scenario(extra: str = "", months: int = 12, opening_cash: float = 0, reserve: float = 0,
                  capacity: float = 100, price: float = 10, delay: float = 0):
    return parse_scenario(BASE.format(months=months, opening_cash=opening_cash, reserve=reserve,
                                      capacity=capacity, price=price, delay=delay) + extra)


CONCESSIONAL_LOAN = """
[[loans]]
name = "l"
principal = 12000
annual_rate = 0.12
installments = 12
amortization = "bullet"
market_annual_rate = 0.24
"""
"""A 12,000 bullet loan at 12% where the market asks 24%: interest only, 120 a month in months
1-12 (the last past a 12-month horizon), saving 120 a month against the market rate."""
