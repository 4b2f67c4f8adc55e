"""The command line: JSON shape, overrides, exit status 2 with every problem listed."""

import json

import pytest

import engine
from engine.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_json_has_summary_and_monthly(capsys):
    code, out, _ = run(capsys, "run", "modhupur_pineapple", "--json")
    data = json.loads(out)
    p = engine.project(engine.load_scenario("modhupur_pineapple"))
    assert code == 0 and data["scenario"] == "modhupur_pineapple"
    assert data["summary"]["exit_month"] == p.summary["exit_month"]
    assert len(data["monthly"]) == 60
    assert data["monthly"][17]["sales_revenue"] == pytest.approx(
        p.monthly.sales_revenue.iloc[17])


def test_set_overrides_like_with_overrides(capsys):
    code, out, _ = run(capsys, "run", "bogra_handicrafts", "--json",
                       "--set", "channels.tmss_retail.price=300", "--set", "group.members=30")
    s = engine.with_overrides(engine.load_scenario("bogra_handicrafts"),
                              {"channels.tmss_retail.price": 300, "group.members": 30})
    assert code == 0
    assert json.loads(out)["summary"] == json.loads(json.dumps(engine.project(s).summary))


def test_compare_json_is_a_list(capsys):
    code, out, _ = run(capsys, "compare", "modhupur_pineapple:pran_contract",
                       "modhupur_pineapple:spot", "--json")
    names = [d["scenario"] for d in json.loads(out)]
    assert code == 0 and names == ["modhupur_pineapple:pran_contract", "modhupur_pineapple:spot"]


def test_errors_exit_2_with_every_problem(capsys, tmp_path):
    code, _, err = run(capsys, "run", "modhupur_pineapple", "--set", "channels.spot_dhaka.price=-1",
                       "--set", "nope=1")
    assert code == 2
    assert "channels.spot_dhaka.price: must be >= 0 (got -1)" in err
    assert "nope: unknown parameter" in err
    assert "Traceback" not in err
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n')
    code, _, err = run(capsys, "validate", str(bad))
    assert code == 2 and "title: required, but missing" in err


def test_params_lists_paths_by_name(capsys):
    code, out, _ = run(capsys, "params", "modhupur_pineapple")
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines()}
    assert code == 0
    assert lines["loans.sibl_3.principal"] == "1450000.0"
    assert lines["channels.pran.payment_delay_days"] == "21.0"
    assert lines["channels.pran.payment_delay_days_max"] == "28.0"


def test_validate_and_presets(capsys):
    code, out, _ = run(capsys, "validate", str(engine.io.PRESETS_DIR / "bogra_handicrafts.toml"))
    assert code == 0 and "valid" in out
    code, out, _ = run(capsys, "presets")
    assert "modhupur_pineapple:pran_contract" in out


def test_switch_prints_the_switching_value(capsys):
    code, out, _ = run(capsys, "switch", "modhupur_pineapple", "pran", "local",
                       "payment_delay_days", "--outcome", "min_cash_balance", "--json")
    from engine.switching import switching_value
    expected = switching_value(engine.load_scenario("modhupur_pineapple"), "pran", "local",
                               "payment_delay_days", "min_cash_balance")
    assert code == 0 and json.loads(out)["value"] == pytest.approx(expected["value"])
    code, _, err = run(capsys, "switch", "modhupur_pineapple", "pran", "nope", "price")
    assert code == 2 and "rival: no channel named 'nope'" in err


def test_outputs_are_checked_before_any_work_and_nothing_is_created(capsys, tmp_path):
    """`report --out /nonexistent/dir/x` created the whole path and returned 0. A folder to
    write into may be new, its parent may not; a file's folder must exist; an existing path of
    the wrong kind is refused. Nothing is created on the way."""
    missing = tmp_path / "no" / "such"
    a_file = tmp_path / "f.txt"
    a_file.write_text("x")
    cases = [
        (["report", "bogra_handicrafts", "--out", str(missing / "x")], "--out",
         f"the folder {missing} does not exist; create it first (nothing is created along "
         "the way)"),
        (["statements", "bogra_handicrafts", "--out", str(a_file)], "--out",
         f"{a_file} is a file, not a folder"),
        (["run", "bogra_handicrafts", "--csv", str(tmp_path)], "--csv",
         f"{tmp_path} is a folder, not a file"),
        (["portfolio", str(a_file), "--base", "bogra_handicrafts", "--out",
          str(missing / "r.csv")], "--out",
         f"the folder {missing} does not exist; create it first (nothing is created along "
         "the way)"),
        (["template", "--out", str(missing / "t.xlsx")], "--out",
         f"the folder {missing} does not exist; create it first (nothing is created along "
         "the way)"),
    ]
    for argv, option, message in cases:
        assert main(argv) == 2
        assert capsys.readouterr().err == f"error: 1 problem(s):\n  {option}: {message}\n"
    assert not (tmp_path / "no").exists()
    # a new folder whose parent exists is made (one level)
    assert main(["statements", "bogra_handicrafts", "--out", str(tmp_path / "new")]) == 0
    assert sorted(p.suffix for p in (tmp_path / "new").iterdir()) == [".csv"] * 3


def test_a_loan_term_past_the_largest_float_is_quoted_as_typed(capsys):
    # 1e400 > 1.8e308, the largest float: it was named '(got inf)'
    assert main(["loan", "--principal", "1e400", "--annual-rate", "0.1",
                 "--installments", "12"]) == 2
    assert capsys.readouterr().err == ("error: 1 problem(s):\n"
                                       "  --principal: must be a finite number (got '1e400')\n")


@pytest.mark.parametrize(("argv", "message"), [
    # 1e400 read as inf: the DSCR target said '(got inf)', the discount rate was taken and
    # the statements printed with an infinite rate
    (["report", "bogra_handicrafts", "--dscr-target", "1e400"],
     "argument --dscr-target: must be a finite number (got '1e400')"),
    (["statements", "bogra_handicrafts", "--discount-rate", "1e400"],
     "argument --discount-rate: must be a finite number (got '1e400')"),
    # the scenario's discount_rate_annual allows 0 to 2 (200% a year)
    (["results", "bogra_handicrafts", "--discount-rate", "-0.1"],
     "argument --discount-rate: must be >= 0 (got -0.1)"),
    (["results", "bogra_handicrafts", "--discount-rate", "3"],
     "argument --discount-rate: must be <= 2 (got 3)"),
])
def test_rate_options_are_finite_and_within_the_scenario_bounds(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.endswith(f": error: {message}\n")
