"""Results as donors measure them (the DCED Standard for Results Measurement): net additional
full-time-equivalent jobs and attributable income change against a baseline, the donor's cost
including the credit subsidy, discounted, leverage of other partners' contributions, and cost
per beneficiary (by sex where the scenario gives the share of women members).

The baseline is the scenario's `baseline_variant`: the members without the intervention (selling
on their own). Definitions and sources: docs/methodology.md ("Results (DCED Standard)").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.projection import Projection, project
from engine.scenario import GROUP, Scenario

DONOR = "donor"


def baseline_of(scenario: Scenario) -> Projection | None:
    """The projection of the scenario's `baseline_variant`, if it names one."""
    from engine.io import apply_variant
    if scenario.baseline_variant is None:
        return None
    return project(apply_variant(scenario, scenario.baseline_variant))


def payments_by_payer(scenario: Scenario) -> pd.DataFrame:
    """(month, payer) taka each payer pays for services, split into what counts as support
    (services to the group or to a partner, not embedded) and embedded services (commercial,
    paid through the product price). Columns: month, payer, support, embedded."""
    from engine.cashflow import payer_shares, service_costs
    T = scenario.horizon_months
    rows = []
    for s in scenario.services:
        cost = service_costs(s, T)
        for payer, share in payer_shares(s, T).items():
            if s.beneficiary == "partner" and payer == GROUP:
                continue
            amount = cost * share
            for t in np.flatnonzero(amount):
                rows.append((int(t), payer, 0.0 if s.embedded else float(amount[t]),
                             float(amount[t]) if s.embedded else 0.0))
    return pd.DataFrame(rows, columns=["month", "payer", "support", "embedded"])


def discounted(amounts: np.ndarray, months: np.ndarray, annual_rate: float) -> float:
    """Sum of amounts[i] / (1 + annual_rate)^(months[i] / 12): value at the start."""
    return float(np.sum(amounts / (1.0 + annual_rate) ** (months / 12.0)))


def dced_results(p: Projection, baseline: Projection | None = None, payer: str = DONOR,
                 discount_rate: float | None = None) -> dict[str, Any]:
    """The DCED figures of projection `p` against `baseline` (None: the figures that need a
    baseline are None).

    - jobs: net additional FTE jobs = hired full-time workers in `p` less those in the baseline;
      members are self-employed in both, so joining the group is not a job;
    - income: member income per member a month (average over the horizon) in both, its change,
      the change in percent of the baseline's (None when the baseline's is not above 0), and the
      attributable income change over the horizon for all members (and the change in sales,
      which is what the seed's footwear percentages compare);
    - donor cost: the payer's payments for services (to the group and to partners) plus the
      credit subsidy (the interest concessional loans save against their market rate), in
      nominal taka and discounted to the start at `discount_rate` (default the scenario's);
    - leverage: other partners' support (every payer but the donor and the group, embedded
      services left out as commercial) per taka of the donor's payments; the group's own
      payments are reported apart;
    - cost per beneficiary (members), per net additional job and per taka of income change,
      all on the discounted donor cost; members by sex when the scenario gives the share of
      women (rounded to whole members).
    """
    s = p.scenario
    g = s.group
    rate = s.discount_rate_annual if discount_rate is None else discount_rate
    pay = payments_by_payer(s)
    mine = pay[pay.payer == payer]
    others = pay[(pay.payer != payer) & (pay.payer != GROUP)]
    group_own = pay[pay.payer == GROUP]
    credit = p.simulated.interest_subsidy.to_numpy()   # to the loans' last installment
    months = np.arange(len(credit))
    donor_services = float(mine.support.sum())
    donor_cost = donor_services + float(credit.sum())
    donor_cost_pv = (discounted(mine.support.to_numpy(), mine.month.to_numpy(), rate)
                     + discounted(credit, months, rate))
    partners = float(others.support.sum())

    income = p.monthly.member_income_per_member.to_numpy()
    women = None if g.women_share is None else round(g.women_share * g.members)
    out: dict[str, Any] = {
        "payer": payer,
        "discount_rate": rate,
        "baseline": None if baseline is None else baseline.scenario.name,
        "jobs_fte": float(g.hired_workers),
        "baseline_jobs_fte": None,
        "net_additional_jobs_fte": None,
        "income_per_member_month": float(income.mean()),
        "baseline_income_per_member_month": None,
        "income_change_per_member_month": None,
        "income_change_percent": None,
        "attributable_income_change_total": None,
        "sales_change_percent": None,
        "donor_services": donor_services,
        "credit_subsidy": float(credit.sum()),
        "donor_cost": donor_cost,
        "donor_cost_discounted": donor_cost_pv,
        "partner_contributions": partners,
        "embedded_services": float(pay.embedded.sum()),
        "group_payments": float(group_own.support.sum()),
        "leverage": partners / donor_services if donor_services > 0 else None,
        "beneficiaries": g.members,
        "women_beneficiaries": women,
        "men_beneficiaries": None if women is None else g.members - women,
        "donor_cost_per_beneficiary": donor_cost_pv / g.members,
        "donor_cost_per_job": None,
        "donor_cost_per_taka_of_income": None,
    }
    if baseline is None:
        return out
    b = baseline.scenario.group
    base_income = baseline.monthly.member_income_per_member.to_numpy()
    jobs = float(g.hired_workers - b.hired_workers)
    change = float(income.mean() - base_income.mean())
    total_change = float(np.sum(income * g.members - base_income * b.members))
    out |= {
        "baseline_jobs_fte": float(b.hired_workers),
        "net_additional_jobs_fte": jobs,
        "baseline_income_per_member_month": float(base_income.mean()),
        "income_change_per_member_month": change,
        "income_change_percent": (change / float(base_income.mean())
                                  if base_income.mean() > 0 else None),
        "attributable_income_change_total": total_change,
        "sales_change_percent": (float(p.monthly.sales_revenue.mean()
                                       / baseline.monthly.sales_revenue.mean() - 1)
                                 if baseline.monthly.sales_revenue.mean() > 0 else None),
        "donor_cost_per_job": donor_cost_pv / jobs if jobs > 0 else None,
        "donor_cost_per_taka_of_income": (donor_cost_pv / total_change if total_change > 0
                                          else None),
    }
    return out


def results_of(scenario: Scenario, p: Projection | None = None) -> dict[str, Any]:
    """`dced_results` of a scenario against its own baseline variant."""
    return dced_results(p or project(scenario), baseline_of(scenario))
