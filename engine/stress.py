"""Stress tests: the loan officer's standard shocks, each a row of one pipeline run."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from engine.cashflow import Inputs
from engine.i18n import N_
from engine.pipeline import compile_rows, run
from engine.scenario import Scenario

STRESSES: dict[str, dict[str, float]] = {
    N_("base"): {},
    N_("price -10%"): {"price": -0.10},
    N_("price -20%"): {"price": -0.20},
    N_("payment delay +14 days"): {"delay_days": 14},
    N_("payment delay +30 days"): {"delay_days": 30},
    N_("volume -20%"): {"volume": -0.20},
}
"""The loan officer's standard stress cases: what if the price falls 10% or 20%, the buyer pays
14 or 30 days later, or 20% less is sold? (Names are the CLI's keys, translated where shown.)"""


def stressed(inputs: Inputs, price: float = 0.0, delay_days: float = 0.0,
             volume: float = 0.0) -> Inputs:
    """A row with prices and volumes scaled by (1 + x) and payment delays lengthened. A volume
    shock is a fall in what is sold (yield, demand); production costs already spent stay."""
    return replace(inputs, list_price=inputs.list_price * (1 + price),
                   delay_days=inputs.delay_days + delay_days,
                   delay_days_max=inputs.delay_days_max + delay_days,
                   produced=inputs.produced * (1 + volume))


STRESS_COLUMNS = ["min_dscr_12m", "min_cash_balance", "exit_month",
                  "member_income_per_member_month_avg", "worst_days_past_due", "arrears_at_end"]


def stress_table(scenario: Scenario, stresses: dict[str, dict[str, float]] | None = None
                 ) -> pd.DataFrame:
    """Minimum trailing-12m DSCR, minimum cash, exit month (and date) and income per member
    under each stress: one row per stress in one pipeline run; the `base` row is the
    projection's own figures."""
    stresses = stresses or STRESSES
    base = compile_rows([scenario])
    rows = Inputs.concat([stressed(base, **shock) for shock in stresses.values()])
    table = run(rows, scenario.horizon_months, scenario.exit_criteria).summary.frame()
    table = table[STRESS_COLUMNS].astype(object)
    table = table.where(table.notna(), None)
    table.insert(3, "exit_date", [None if e is None else scenario.month_label(int(e))
                                  for e in table["exit_month"]])
    table.index = pd.Index(list(stresses), name="stress")
    return table.replace({np.nan: None})
