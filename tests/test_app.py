"""The app, driven by AppTest and found by widget keys: each page shows what the engine says, edits
move the numbers the way the engine says they should, bad input is named and never crashes,
links restore scenarios, sessions stay apart and saving stays inside the workspace."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import engine
from engine import fmt, quantities

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSIDY_EXIT_WORKSPACE", str(tmp_path / "workspace"))
    return tmp_path / "workspace"


def new_app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def metrics(at):
    return {m.label: m.value for m in at.metric}


def pick(at, ref):
    at.selectbox(key="scenario_ref").set_value(ref).run()
    assert at.session_state.ref == ref
    return at


def frame_with_row(at, row):
    """The dataframe on the page whose index holds `row` (dataframes have no key in AppTest)."""
    [frame] = [d.value for d in at.dataframe if row in d.value.index]
    return frame


def ed(at, path):
    """The key of the editor widget of `path` (ui/editor.py: the scenario, a version, the path)."""
    ref = at.session_state.ref
    versions = at.session_state["editor_version"] if "editor_version" in at.session_state else {}
    return f"{ref}::ed{versions.get(ref, 0)}::{path}"


def index_of(ref, section, name):
    return [x.name for x in getattr(engine.load_scenario(ref), section)].index(name)


def shown(exit_date):
    """An exit date ('2002-07') as every page shows a month ('Jul 2002': engine/fmt.month)."""
    return "not within horizon" if exit_date is None else fmt.month(exit_date, 0)


def taka(x):
    return f"{x:,.0f} taka"


def test_overview_shows_modhupur_as_the_engine_does():
    at = new_app()
    assert not at.exception
    s = engine.project(engine.load_scenario("modhupur_pineapple")).summary
    m = metrics(at)
    assert at.title[0].value == "Modhupur Pineapple Association"
    assert m["Exit month"] == shown(s["exit_date"])
    assert m["Minimum cash"] == taka(s["min_cash_balance"])
    assert m["Income per member / month"] == taka(s["member_income_per_member_month_avg"])
    assert len(at.get("plotly_chart")) == 1


def test_every_page_runs():
    at = new_app()
    for page in ("loan_officer", "facilitator", "producer", "compare"):
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, page
        assert at.title[0].value


def test_raising_the_reserve_moves_the_exit_month_as_the_engine_says():
    at = pick(new_app(), "bogra_handicrafts")
    key = ed(at, "group.cash_reserve")
    at.text_input(key=key).input("20000").run()
    assert at.text_input(key=key).value == "20000"   # as typed
    base = engine.load_scenario("bogra_handicrafts")
    before = engine.project(base).summary
    after = engine.project(engine.with_overrides(base, {"group.cash_reserve": 20000.0})).summary
    assert metrics(at)["Exit month"] == shown(after["exit_date"])
    assert after["exit_month"] is None or after["exit_month"] >= before["exit_month"]


def test_longer_pran_delay_lowers_minimum_cash():
    ref = "modhupur_pineapple:pran_contract"
    at = pick(new_app(), ref)
    at.switch_page("views/producer.py").run()
    at.selectbox(key="channel_select").set_value("pran").run()
    pran = index_of(ref, "channels", "pran")
    key = ed(at, f"channels[{pran}].payment_delay_days")
    at.text_input(key=ed(at, f"channels[{pran}].payment_delay_days_max")).input("60").run()
    at.text_input(key=key).input("45").run()
    assert at.text_input(key=key).value == "45"
    s = engine.load_scenario(ref)
    before = engine.project(s).summary["min_cash_balance"]
    after = engine.project(engine.with_overrides(s, {
        "channels.pran.payment_delay_days": 45.0,
        "channels.pran.payment_delay_days_max": 60.0})).summary["min_cash_balance"]
    assert after < before
    table = frame_with_row(at, "minimum cash")
    assert table.loc["minimum cash", ref] == taka(after)


def test_cutting_a_donor_share_lowers_cash_and_never_brings_the_exit_earlier():
    at = pick(new_app(), "bogra_handicrafts")
    at.switch_page("views/facilitator.py").run()
    at.selectbox(key="service_select").set_value("jobs_counselling").run()
    i = index_of("bogra_handicrafts", "services", "jobs_counselling")
    at.text_input(key=ed(at, f"services[{i}].shares.donor")).input("50").run()   # %
    assert not at.exception and not at.error
    base = engine.load_scenario("bogra_handicrafts")
    cut = engine.with_overrides(base, {"services.jobs_counselling.shares.donor": 0.5,
                                       "services.jobs_counselling.shares.group": 0.5})
    b, a = engine.project(base), engine.project(cut)
    # the group pays half of 3,000 taka a month for months 0-23: what it keeps or pays out is
    # 1,500 taka lower each month of them, 36,000 from month 23 on (payouts adjust, so cash
    # alone can even rise in a month)
    kept_or_paid = [p.monthly.cash_balance + p.monthly.distributions.cumsum() for p in (b, a)]
    np.testing.assert_allclose(kept_or_paid[0] - kept_or_paid[1],
                               1_500 * np.minimum(np.arange(60) + 1, 24))
    assert a.summary["exit_month"] >= b.summary["exit_month"]
    assert metrics(at)["Exit month"] == shown(a.summary["exit_date"])


def test_shares_over_100_percent_are_named_and_the_last_result_stays():
    at = pick(new_app(), "bogra_handicrafts")
    at.switch_page("views/facilitator.py").run()
    good = metrics(at)["Exit month"]
    at.selectbox(key="service_select").set_value("enterprise_course").run()
    i = index_of("bogra_handicrafts", "services", "enterprise_course")
    at.text_input(key=ed(at, f"services[{i}].shares.donor")).input("95").run()   # %
    assert not at.exception
    error = at.error[0]   # the banner; the same problem is named again beside the shares
    assert ("`services.enterprise_course.shares`: service 'enterprise_course', month 0: payer "
            "shares must sum to 1 (got 1.08)") in error.value
    assert "stale" in error.value
    assert metrics(at)["Exit month"] == good


def test_a_negative_delay_typed_in_the_parameter_editor_is_named():
    at = new_app()
    at.selectbox(key="any_path").set_value("channels.pran.payment_delay_days").run()
    at.text_input(key="any_value").input("-5").run()
    at.button(key="any_apply").click().run()
    assert not at.exception
    assert "`channels.pran.payment_delay_days`: must be >= 0 (got -5)" in at.error[0].value


def test_a_number_too_large_typed_in_the_parameter_editor_is_quoted_as_typed():
    """1e400 is past the largest float (about 1.8e308): it read as inf and the problem said
    '(got inf)'; the problem quotes what was typed."""
    at = new_app()
    at.selectbox(key="any_path").set_value("channels.pran.price").run()
    at.text_input(key="any_value").input("1e400").run()
    at.button(key="any_apply").click().run()
    assert not at.exception
    assert "`channels.pran.price`: must be a finite number (got '1e400')" in at.error[0].value


def test_query_parameters_restore_a_scenario_with_its_edits():
    at = new_app(scenario="bogra_handicrafts", set=["group.cash_reserve=20000.0"])
    assert at.session_state.ref == "bogra_handicrafts"
    assert at.text_input(key=ed(at, "group.cash_reserve")).value == "20,000"
    s = engine.with_overrides(engine.load_scenario("bogra_handicrafts"),
                              {"group.cash_reserve": 20000.0})
    assert metrics(at)["Exit month"] == shown(engine.project(s).summary["exit_date"])
    # and the URL the app writes carries them back
    assert at.query_params["scenario"] in ("bogra_handicrafts", ["bogra_handicrafts"])
    assert at.query_params["set"] in ("group.cash_reserve=20000.0",
                                      ["group.cash_reserve=20000.0"])


def test_two_sessions_do_not_see_each_others_edits():
    one, two = new_app(), new_app()
    key = ed(one, "group.cash_reserve")
    one.text_input(key=key).input("99000").run()
    two.run()
    assert two.text_input(key=key).value == "25,000"
    assert two.session_state.edits.get("modhupur_pineapple", {}) == {}
    assert one.session_state.edits["modhupur_pineapple"] == {"group.cash_reserve": 99000.0}


def test_switching_preset_keeps_each_presets_edits():
    at = new_app()
    key = ed(at, "group.cash_reserve")
    at.text_input(key=key).input("30000").run()
    pick(at, "mirpur_footwear")
    pick(at, "modhupur_pineapple")
    assert at.text_input(key=key).value == "30,000"


def test_saving_evil_names_stays_inside_the_workspace(workspace):
    at = new_app()
    at.text_input(key="save_name").input("../evil").run()
    at.button(key="save_button").click().run()
    assert not at.exception
    assert (workspace / "evil.toml").exists()
    assert not (workspace.parent / "evil.toml").exists()
    saved = engine.parse_scenario((workspace / "evil.toml").read_text())
    assert saved == engine.load_scenario("modhupur_pineapple")
    # saving again without confirming does not overwrite
    at.button(key="save_button").click().run()
    assert "exists already" in at.error[0].value
    # the saved scenario is listed and opens
    assert "saved:evil" in at.selectbox(key="scenario_ref").options
    pick(at, "saved:evil")
    assert at.title[0].value == "Modhupur Pineapple Association"


def test_loan_page_rate_edit_changes_apr_as_the_engine_says():
    from engine.loans import apr
    at = new_app()
    at.switch_page("views/loan_officer.py").run()
    at.selectbox(key="loan_select").set_value("sibl_1").run()
    i = index_of("modhupur_pineapple", "loans", "sibl_1")
    at.text_input(key=ed(at, f"loans[{i}].annual_rate")).input("20").run()   # typed in %
    loan = engine.load_scenario("modhupur_pineapple").loans[0].model_copy(
        update={"annual_rate": 0.2})
    assert metrics(at)["APR"] == f"{apr(loan):.2%}"


def test_risk_page_shows_the_engines_monte_carlo_odds():
    from engine.risk import Shocks, monte_carlo
    at = pick(new_app(), "bogra_handicrafts")
    at.switch_page("views/risk.py").run()
    assert not at.exception
    mc = monte_carlo(engine.load_scenario("bogra_handicrafts"), Shocks(), 1000, 0)
    m = metrics(at)
    assert m["P(trailing DSCR < 1)"] == f"{mc.p_dscr_below_1:.0%}"
    assert m["P(self-sustaining by the horizon)"] == \
        f"{mc.p_self_sustaining_by_month.iloc[-1]:.0%}"
    assert len(at.get("plotly_chart")) == 4
    # a shock typed in % reaches the engine as a fraction
    at.text_input(key="mc_late_payment_probability::box").input("50").run()
    assert at.session_state["mc_late_payment_probability"] == 50.0
    mc = monte_carlo(engine.load_scenario("bogra_handicrafts"),
                     Shocks(late_payment_probability=0.5), 1000, 0)
    assert metrics(at)["P(trailing DSCR < 1)"] == f"{mc.p_dscr_below_1:.0%}"
    assert metrics(at)["P(self-sustaining by the horizon)"] == \
        f"{mc.p_self_sustaining_by_month.iloc[-1]:.0%}"


def test_portfolio_page_runs_without_a_file():
    at = new_app()
    at.switch_page("views/portfolio.py").run()
    assert not at.exception
    assert at.title[0].value == "Portfolio of groups"


def test_uploading_a_scenario_opens_it():
    text = engine.dump_scenario(engine.with_overrides(
        engine.load_scenario("mirpur_footwear"), {"title": "Our own group"}))
    at = new_app()
    at.file_uploader(key="upload").set_value(("mine.toml", text.encode(), "application/toml"))
    at.run()
    assert not at.exception
    assert at.session_state.ref == "upload:mine"
    assert at.title[0].value == "Our own group"


def test_uploading_a_filled_workbook_opens_it_and_a_bad_one_is_named():
    s = engine.with_overrides(engine.load_scenario("bogra_handicrafts"),
                              {"title": "Our group from Excel", "group.members": 31})
    at = new_app()
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at.file_uploader(key="upload").set_value(("ours.xlsx", engine.write_workbook(s), xlsx))
    at.run()
    assert not at.exception
    assert at.session_state.ref == "upload:ours"
    assert at.title[0].value == "Our group from Excel"
    assert engine.parse_scenario(at.session_state.uploads["ours"]) == s
    at.file_uploader(key="upload").set_value(("blank.xlsx", engine.write_workbook(), xlsx))
    at.run()
    assert not at.exception and at.session_state.ref == "upload:ours"
    assert "blank.xlsx: sheet 'group', row 4, column B (members)" in \
        " ".join(e.value for e in at.error)


def test_a_malformed_upload_is_named_and_nothing_is_lost():
    at = new_app()
    key = ed(at, "group.cash_reserve")
    at.text_input(key=key).input("30000").run()
    bad = b'name = "x"\ntitle = "X"\nstart = "2001-13"\nhorizon_months = 5\n'
    at.file_uploader(key="upload").set_value(("bad.toml", bad, "application/toml"))
    at.run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert ("bad.toml:3: start: must be a month YYYY-MM from 1900-01 to 2199-12 "
            "(got '2001-13')") in errors
    assert "bad.toml:4: horizon_months: must be >= 12 (got 5)" in errors
    assert at.session_state.ref == "modhupur_pineapple"
    assert at.text_input(key=key).value == "30000"   # as typed, kept
    at.file_uploader(key="upload").set_value(("junk.toml", b"\xff\xfe\x00", "application/toml"))
    at.run()
    assert not at.exception
    assert "junk.toml: not UTF-8 text (it looks like UTF-16 text); save it as UTF-8" in \
        " ".join(e.value for e in at.error)


def test_portfolio_page_projects_an_uploaded_file():
    from engine.portfolio import portfolio
    groups = pd.DataFrame({"group_id": ["a", "b"], "group.members": [20, 30],
                           "group.cash_reserve": [5000.0, 15000.0]})
    at = pick(new_app(), "bogra_handicrafts")
    at.switch_page("views/portfolio.py").run()
    at.file_uploader(key="portfolio_upload").set_value(
        ("groups.csv", groups.to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert not at.exception
    expected = portfolio(engine.load_scenario("bogra_handicrafts"), groups)
    # the page names columns in words (quantities.label); back to the file's names
    shown = at.dataframe[0].value.rename(columns={quantities.label(c): c for c in expected})
    assert sorted(shown.group_id) == ["a", "b"]
    from engine import fmt
    start = engine.load_scenario("bogra_handicrafts").start
    for gid in ("a", "b"):
        got = shown[shown.group_id == gid].iloc[0]
        want = expected[expected.group_id == gid].iloc[0]
        # amounts as taka and months as dates, as every page shows them (one form per quantity)
        assert got.min_cash_balance == fmt.money(want.min_cash_balance, unit=False)
        assert got.exit_month == fmt.month(start, int(want.exit_month))
        assert got.risk_flags == want.risk_flags


def test_portfolio_page_tells_a_row_not_run_from_a_group_that_never_exits():
    """A row not run (a problem) showed exit month "n/a", as a group that never exits does;
    it now shows its group and problems only, the results empty."""
    text = ("group_id,channels.tmss_retail.price,group.members\n"
            "never,1,20\n"      # sold at 1 taka a unit: the group never covers its costs
            "bad,1,-1\n")       # members below 1: not run
    never = engine.with_overrides(engine.load_scenario("bogra_handicrafts"),
                                  {"channels.tmss_retail.price": 1})
    assert engine.project(never).summary["exit_date"] is None   # the premise
    at = pick(new_app(), "bogra_handicrafts")
    at.switch_page("views/portfolio.py").run()
    at.file_uploader(key="portfolio_upload").set_value(("g.csv", text.encode(), "text/csv"))
    at.run()
    assert not at.exception
    table = at.dataframe[0].value.set_index(quantities.label("group_id"))
    assert table.loc["never", quantities.label("exit_month")] == "n/a"
    assert table.loc["bad", quantities.label("problems")] == "group.members: must be >= 1 (got -1)"
    results = table.columns.drop(quantities.label("problems"))
    assert (table.loc["bad", results] == "").all()


def test_seasonal_principal_months_typed_as_text():
    at = new_app()
    at.switch_page("views/loan_officer.py").run()
    at.selectbox(key="loan_select").set_value("sibl_3").run()
    i = index_of("modhupur_pineapple", "loans", "sibl_3")
    key = ed(at, f"loans[{i}].principal_months")
    assert at.text_input(key=key).value == "7, 8, 9"
    at.text_input(key=key).input("8, 9").run()
    assert not at.exception
    assert at.session_state.edits["modhupur_pineapple"] == {f"loans[{i}].principal_months":
                                                            [8, 9]}
    s = engine.with_overrides(engine.load_scenario("modhupur_pineapple"),
                              {"loans.sibl_3.principal_months": [8, 9]})
    from engine import fmt, quantities
    [shown] = [d.value for d in at.dataframe if quantities.label("balance") in d.value.columns]
    expected = engine.project(s).loans["sibl_3"]
    assert shown[quantities.label("principal")].tolist() == [
        fmt.money(x, unit=False) for x in expected.principal]   # shown as taka, grouped
    at.text_input(key=key).input("8, x").run()
    assert not at.exception
    assert "loans.sibl_3.principal_months" in at.error[0].value


def test_loan_page_tranche_table_edits_the_schedule_as_the_engine_says():
    at = new_app()
    at.switch_page("views/loan_officer.py").run()
    at.selectbox(key="loan_select").set_value("sibl_1").run()
    i = index_of("modhupur_pineapple", "loans", "sibl_1")
    # the table shows months as dates and amounts with their unit (Modhupur starts Mar 2001)
    at.session_state[ed(at, f"loans[{i}].tranches")] = {
        "edited_rows": {}, "deleted_rows": [],
        "added_rows": [{"month": "Aug 2001", "amount (taka)": 200000}]}
    at.run()
    assert not at.exception
    assert at.session_state.edits["modhupur_pineapple"] == {
        f"loans[{i}].tranches": [{"month": 5, "amount": 200000}]}
    edited = engine.with_overrides(engine.load_scenario("modhupur_pineapple"),
                                   {"loans.sibl_1.tranches": [{"month": 5, "amount": 200000}]})
    expected = engine.project(edited).loans["sibl_1"]
    from engine import fmt, quantities
    [shown] = [d.value for d in at.dataframe if quantities.label("balance") in d.value.columns]
    disbursed = shown[quantities.label("disbursed")].tolist()   # shown: not 0 throughout now
    assert disbursed == [fmt.money(x, unit=False) for x in expected.disbursed]
    assert "200,000" in disbursed
    # a prepayment past the loan's last installment is named, and the edit is kept
    at.session_state[ed(at, f"loans[{i}].prepayments")] = {
        "edited_rows": {}, "deleted_rows": [], "added_rows": [{"month": "Sep 2003"}]}
    at.run()
    assert not at.exception
    assert "prepayments[0].month" in at.error[0].value


def test_loan_page_arrears_switch_shows_the_engines_arrears():
    at = pick(new_app(), "bogra_handicrafts")
    at.switch_page("views/loan_officer.py").run()
    at.checkbox(key=ed(at, "arrears.enabled")).check().run()
    assert not at.exception
    s = engine.with_overrides(engine.load_scenario("bogra_handicrafts"), {"arrears.enabled": True})
    m = engine.project(s).monthly
    assert metrics(at)["Worst days past due"] == str(int(m.days_past_due.max()))


def test_the_sidebar_glossary_is_the_documents_glossary():
    """One definition per word: the sidebar explains OSS as the report does (the expenses the
    group pays, SEEP/CGAP), and 'subsidy to sales' by that name, not as Yaron's SDI."""
    from engine.report import glossary
    at = new_app()
    shown = " ".join(m.value for m in at.sidebar.markdown)
    document = glossary([]).rows
    assert ["OSS (operational self-sufficiency)",
            "Sales revenue over the expenses the group itself pays (running costs, its share of "
            "services, interest and fees), over the last 12 months."] in document
    for word, meaning in document:
        assert f"**{word}**: {meaning}" in shown
    assert "Subsidy dependence index" not in shown
