"""Results as donors measure them (DCED Standard): by hand for the Mirpur preset and for small
inline groups."""

import pytest

import engine
from engine.results import dced_results, results_of
from tests.helpers import CONCESSIONAL_LOAN, hand_scenario


def pv(amount, month, rate=0.10):
    return amount / (1 + rate) ** (month / 12)


def test_dced_figures_by_hand_for_mirpur():
    # From presets/mirpur_footwear.toml: JOBS (donor) pays the initial training (180,000 in month
    # 0), 75% of two QC/design courses of 115,800 (months 6, 12) and 50% of three trade fairs of
    # 289,500 (months 2, 14, 26); Apex pays the rest of those (partner support) and 5,000 a month
    # of embedded services for 60 months (commercial, not leverage). No loans: no credit subsidy.
    s = engine.load_scenario("mirpur_footwear")
    r = results_of(s)
    donor = 180000 + 0.75 * 115800 * 2 + 0.5 * 289500 * 3
    apex = 0.25 * 115800 * 2 + 0.5 * 289500 * 3
    assert r["donor_cost"] == pytest.approx(donor) == pytest.approx(787950)
    assert r["credit_subsidy"] == 0
    assert r["partner_contributions"] == pytest.approx(apex)
    assert r["embedded_services"] == pytest.approx(5000 * 60)
    assert r["group_payments"] == 0
    assert r["leverage"] == pytest.approx(apex / donor)
    discounted = (180000 + pv(86850, 6) + pv(86850, 12) + pv(144750, 2) + pv(144750, 14)
                  + pv(144750, 26))
    assert r["donor_cost_discounted"] == pytest.approx(discounted)
    # jobs: 120 full-time workers now, 120 - 86 = 34 before ('86 additional workers were
    # hired'); the 16 entrepreneurs are members in both and count as no job
    assert (r["jobs_fte"], r["baseline_jobs_fte"], r["net_additional_jobs_fte"]) == (120, 34, 86)
    assert r["donor_cost_per_job"] == pytest.approx(discounted / 86)
    assert r["donor_cost_per_beneficiary"] == pytest.approx(discounted / 16)
    assert r["women_beneficiaries"] is None


SERVICE = """
[[services]]
name = "advice"
monthly_cost = 100
shares = { donor = 0.5, ngo = 0.25, group = 0.25 }
"""


def test_leverage_keeps_the_groups_own_payments_apart_and_income_by_hand():
    # advice 100 a month for 12 months: donor 600, NGO 300, group 300; leverage = NGO's 300 /
    # donor's 600 = 0.5 (the group's 300 is reported apart). 6 hired workers now, 2 in the
    # baseline: 4 net additional jobs. Selling at 8 instead of 10 taka: 100 x 2 = 200 a month
    # less for 10 members, 20 each; income per member 100 - 2.5 (the group's share of advice)
    # = 97.5 against 77.5, +25.8%; over 12 months 2,400 in all.
    s = engine.with_overrides(hand_scenario(SERVICE), {"group.hired_workers": 6,
                                                       "group.women_share": 0.7})
    base = engine.with_overrides(s, {"channels.buyer.price": 8, "group.hired_workers": 2})
    r = dced_results(engine.project(s), engine.project(base), discount_rate=0.0)
    assert (r["donor_cost"], r["partner_contributions"], r["group_payments"]) == (600, 300, 300)
    assert r["leverage"] == pytest.approx(0.5)
    assert r["net_additional_jobs_fte"] == 4
    assert r["income_change_per_member_month"] == pytest.approx(20)
    assert r["income_change_percent"] == pytest.approx(20 / 77.5)
    assert r["attributable_income_change_total"] == pytest.approx(2400)
    assert r["donor_cost_per_taka_of_income"] == pytest.approx(600 / 2400)
    assert (r["women_beneficiaries"], r["men_beneficiaries"]) == (7, 3)
    assert r["donor_cost_per_beneficiary"] == pytest.approx(60)
    assert r["sales_change_percent"] == pytest.approx(0.25)


def test_credit_subsidy_counts_in_the_donor_cost_discounted_by_hand():
    # a 12,000 loan at 12% (interest only) where the market asks 24%: 120 a month saved in
    # months 1-12 (each month's interest falls a month after it accrues; the projection runs to
    # the last installment, month 12, one past the 12-month horizon)
    r = dced_results(engine.project(hand_scenario(CONCESSIONAL_LOAN)), discount_rate=0.10)
    assert r["credit_subsidy"] == pytest.approx(1440)
    assert r["donor_cost"] == pytest.approx(1440)
    assert r["donor_cost_discounted"] == pytest.approx(sum(pv(120, t) for t in range(1, 13)))
    assert r["net_additional_jobs_fte"] is None      # no baseline: nothing to net against


def test_footwear_baselines_give_the_seeds_job_counts():
    # seed: '86 additional workers were hired in the Mirpur Cluster' and '30 additional workers
    # were hired' in Shafipur: 116 in all (the seed's matrix says 101; see docs/methodology.md)
    jobs = [results_of(engine.load_scenario(n))["net_additional_jobs_fte"]
            for n in ("mirpur_footwear", "shafipur_footwear")]
    assert jobs == [86, 30]


def test_cli_results_json_is_the_engines(capsys):
    import json

    from engine.cli import main
    assert main(["results", "mirpur_footwear", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["net_additional_jobs_fte"] == 86 and r["donor_cost"] == 787950
