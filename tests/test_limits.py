"""The input boundary (issue #11): every reproduction of the hostile test, each either a named
problem or the correct finite value. Expected messages are written by hand from the limits the
README states (engine/limits.py)."""

import datetime as dt
import math

import numpy as np
import pytest

import engine
from engine import ScenarioError, load_scenario, with_overrides
from engine.cli import main
from engine.limits import MAX_NUMBER, check_memory, memory_limit_bytes
from engine.loans import Loan, apr, periodic_irr
from engine.values import ValueTextError, format_value, parse_value

BOGRA = "bogra_handicrafts"


def problems(overrides, base=BOGRA):
    with pytest.raises(ScenarioError) as err:
        with_overrides(load_scenario(base), overrides)
    return {p.path: p.message for p in err.value.problems}


def cli(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# --- the one value grammar ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("12", 12), ("-0.5", -0.5), ("1_000", 1000), ("1e6", 1e6), ("true", True),
    ("false", False), ("null", None), ("[7, 8, 9]", [7, 8, 9]), ('"a, b"', "a, b"),
    ("market", "market"), ("2002-07", "2002-07"), ("NA", "NA"), ("N/A", "N/A"),
    ("2002-07-01", dt.date(2002, 7, 1)), ("{group = 0.5, ngo = 0.5}", {"group": 0.5, "ngo": 0.5}),
    ("  7 ", 7), ("", ""),
])
def test_value_grammar(text, value):
    assert parse_value(text) == value
    assert parse_value(format_value(value)) == value


def test_value_grammar_reads_inf_and_nan_as_floats_for_validation_to_name():
    assert parse_value("inf") == math.inf and math.isnan(parse_value("nan"))
    assert parse_value("1e309") == math.inf


def test_value_grammar_refuses_deep_and_long_texts_without_recursing():
    with pytest.raises(ValueTextError, match="nested deeper than 32"):
        parse_value("[" * 5000 + "]" * 5000)
    with pytest.raises(ValueTextError, match="longer than 10,000"):
        parse_value("1" * 10_001)
    assert parse_value('"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["') == "[" * 35


# --- finite, strict, bounded -------------------------------------------------------------

@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, "inf", 1e309])
def test_non_finite_prices_are_named(value):
    found = problems({"channels.tmss_retail.price": value})
    assert list(found) == ["channels.tmss_retail.price"]
    assert found["channels.tmss_retail.price"].startswith(
        "must be a finite number" if isinstance(value, float) else "must be a number")


def test_bool_is_not_a_count_nor_an_amount():
    assert problems({"group.members": True}) == {
        "group.members": "must be a whole number (got true)"}
    assert problems({"channels.tmss_retail.price": False}) == {
        "channels.tmss_retail.price": "must be a number (got false)"}


def test_text_is_not_a_number():
    assert problems({"group.members": "12"}) == {"group.members": "must be a whole number "
                                                 "(got '12')"}


def test_absurd_sizes_are_named():
    assert problems({"group.members": 10**400}) == {
        "group.members": "must be between -1,000,000,000,000 and 1,000,000,000,000 "
                         "(got a number of 401 digits)"}
    assert problems({"channels.tmss_retail.payment_delay_days": 1e12}) == {
        "channels.tmss_retail.payment_delay_days": "must be <= 3650 (got 1000000000000)"}
    found = problems({"products[0].seasonality": [1e308] * 12})
    assert len(found) == 12
    assert found["products.handicrafts.seasonality[0]"] == (
        "must be between -1,000,000,000,000 and 1,000,000,000,000 (got 1e+308)")
    assert problems({"loans.tmss_1.disbursement_month": 5000}) == {
        "loans.tmss_1.disbursement_month": "must be at most 1200 months (got 5000)"}


def test_the_largest_allowed_amounts_give_finite_results():
    s = with_overrides(load_scenario(BOGRA), {"products[0].seasonality": [MAX_NUMBER] * 12,
                                              "channels.tmss_retail.price": MAX_NUMBER})
    p = engine.project(s)
    money = p.monthly[["sales_revenue", "cash_receipts", "cash_balance"]].to_numpy()
    assert np.isfinite(money).all()
    # seasonality is normalised to mean 1, so twelve equal weights of 1e12 are twelve 1s: the
    # revenue is the flat-seasonality revenue scaled by the price ratio 1e12 / 500 (the
    # preset's tmss_retail price) on that channel's share
    flat = with_overrides(load_scenario(BOGRA), {"products[0].seasonality": [1.0] * 12,
                                                 "channels.tmss_retail.price": MAX_NUMBER})
    assert p.monthly.sales_revenue.sum() == pytest.approx(
        engine.project(flat).monthly.sales_revenue.sum(), rel=1e-12)


def test_dates_outside_the_engine_are_named():
    assert problems({"start": "0000-01"}) == {
        "start": "must be a month YYYY-MM from 1900-01 to 2199-12 (got '0000-01')"}
    found = problems({"loans.tmss_1.repayment_unit": "years", "loans.tmss_1.repayment_every": 52,
                      "loans.tmss_1.installments": 1000})
    assert found == {"loans.tmss_1.installments":
                     "installments x repayment_every must span at most 12000 months "
                     "(got 1000 x 52 years, 624,000 months)"}
    # 120 installments every 12 months from month 2: the last falls in month 2 + 1440
    found = problems({"loans.tmss_1.repayment_unit": "months", "loans.tmss_1.repayment_every": 12,
                      "loans.tmss_1.installments": 120})
    assert found == {"loans.tmss_1.installments": "the last installment falls in month 1442; a "
                     "scenario is simulated for at most 1200 months"}
    found = problems({"loans.tmss_1.disbursement_date": dt.date(1, 1, 1)})
    assert found["loans.tmss_1.disbursement_date"] == (
        "must fall in the years 1900-2199 (got 0001-01-01)")


def test_long_lists_of_records_are_refused():
    s = load_scenario(BOGRA)
    many = [s.loans[0].model_dump() | {"name": f"loan{i}"} for i in range(101)]
    assert problems({"loans": many}) == {"loans": "must have at most 100 entries (got 101)"}


# --- solvers: no unbounded work ------------------------------------------------------------

def test_apr_of_a_fee_above_the_principal_is_no_solution():
    # the borrower receives 1000 - 2000 < 0 and pays every installment: no rate solves it
    loan = Loan(name="x", principal=1000, annual_rate=0.1, installments=12,
                upfront_fee_fixed=2000)
    assert math.isnan(apr(loan))
    assert math.isnan(periodic_irr(np.array([-1000.0, -100.0, -100.0])))
    # a solvable case still solves: 100 now, 110 in one period -> 10% (by hand)
    assert periodic_irr(np.array([100.0, -110.0])) == pytest.approx(0.10, abs=1e-12)


def test_loan_cli_with_fee_above_principal_reports_no_solution(capsys):
    code, out, err = cli(capsys, "loan", "--principal", "1000", "--annual-rate", "0.1",
                         "--installments", "12", "--upfront-fee-fixed", "2000")
    assert code == 0 and "APR no solution" in out and err == ""


def test_link_fee_of_1e9_projects_finite():
    s = with_overrides(load_scenario(BOGRA), {"loans.tmss_1.upfront_fee_fixed": 1e9})
    assert math.isnan(apr(s.loans[0]))
    p = engine.project(s)
    # tmss_1 is disbursed in month 2 (the preset); its fee is paid then, on top of the others
    base = engine.project(load_scenario(BOGRA))
    assert p.monthly.loan_fees.iloc[2] - base.monthly.loan_fees.iloc[2] == pytest.approx(1e9)
    assert np.isfinite(p.monthly.cash_balance).all()


def test_memory_limit_is_configurable_and_refuses_with_the_figure(monkeypatch):
    monkeypatch.setenv("SUBSIDY_EXIT_MEMORY_LIMIT", "1M")
    assert memory_limit_bytes() == 1024**2
    with pytest.raises(ScenarioError, match=r"would need about 0.50 GiB, over the limit of "
                                            r"0.00 GiB"):
        check_memory("this", 0.5 * 1024**3)
    monkeypatch.setenv("SUBSIDY_EXIT_MEMORY_LIMIT", "3G")
    assert memory_limit_bytes() == 3 * 1024**3


def test_montecarlo_paths_over_the_memory_limit_are_refused(capsys):
    # 10,000,000 paths x 60 months x 8 bytes x 2 (kept + percentile copy) = 9.6e9 bytes alone
    code, _, err = cli(capsys, "montecarlo", BOGRA, "--paths", "10000000")
    assert code == 2
    assert "a Monte Carlo of 10,000,000 paths x 60 months would need about" in err
    assert "over the limit of 2.00 GiB" in err


# --- CLI options ---------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "message"), [
    (["montecarlo", BOGRA, "--paths", "0"], "argument --paths: must be >= 1 (got 0)"),
    (["montecarlo", BOGRA, "--paths", "-5"], "argument --paths: must be >= 1 (got -5)"),
    (["montecarlo", BOGRA, "--price-volume-correlation", "2"],
     "argument --price-volume-correlation: must be <= 1 (got 2)"),
    (["montecarlo", BOGRA, "--price-volume-correlation", "nan"],
     "argument --price-volume-correlation: must be a finite number (got 'nan')"),
    (["montecarlo", BOGRA, "--seed", "-1"], "argument --seed: must be >= 0 (got -1)"),
    (["montecarlo", BOGRA, "--price-volatility", "-0.1"],
     "argument --price-volatility: must be >= 0"),
    (["tornado", BOGRA, "--step", "nan"], "argument --step: must be a finite number"),
    (["tornado", BOGRA, "--step", "0"], "argument --step: must be > 0 (got 0)"),
    (["tornado", BOGRA, "--top", "-1"], "argument --top: must be >= 1 (got -1)"),
    (["portfolio", "g.csv", "--base", BOGRA, "--partitions", "0"],
     "argument --partitions: must be >= 1 (got 0)"),
    (["portfolio", "g.csv", "--base", BOGRA, "--dask", "not an address"],
     "argument --dask: must look like tcp://HOST:PORT (got 'not an address')"),
])
def test_numeric_options_are_checked(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err and "Traceback" not in err


def test_correlation_of_one_is_allowed(capsys):
    code, out, _ = cli(capsys, "montecarlo", BOGRA, "--paths", "20",
                       "--price-volume-correlation", "1")
    assert code == 0 and out.startswith("20 paths, seed 0")


def test_set_with_non_finite_value_exits_2(capsys):
    code, out, err = cli(capsys, "run", BOGRA, "--set", "channels.tmss_retail.price=inf")
    assert (code, out) == (2, "")
    assert err == ("error: 1 problem(s):\n"
                   "  channels.tmss_retail.price: must be a finite number (got 'inf')\n")


def test_internal_errors_exit_1_without_traceback_or_paths(capsys, monkeypatch):
    import engine.cli as cli_module

    def boom(args):
        raise ZeroDivisionError("/secret/server/path.py")
    monkeypatch.setitem(cli_module.COMMANDS, "presets", boom)
    code, _, err = cli(capsys, "presets")
    assert code == 1 and "/secret" not in err and "Traceback" not in err
    assert err.startswith("internal error (ZeroDivisionError)")


# --- files -----------------------------------------------------------------------------------

def test_unreadable_files_are_named(capsys, tmp_path):
    import os
    cases = {
        "binary.toml": (bytes(range(256)) * 4, "not UTF-8 text (it looks like binary data)"),
        "latin1.toml": ('name = "café"\n'.encode("latin-1"),
                        "not UTF-8 text (byte 0xe9 at position 11)"),
        "utf16.toml": ('name = "x"\n'.encode("utf-16"), "not UTF-8 text (it looks like UTF-16"),
        "deep.toml": (("x = " + "[" * 5000 + "]" * 5000).encode(),
                      "lists or tables nested deeper than 32 levels"),
        "big.toml": (b"# " + b"x" * 1_000_001, "file is larger than 1,000,000 bytes"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        code, _, err = cli(capsys, "validate", str(tmp_path / name))
        assert code == 2 and message in err, name
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    for special in (fifo, "/dev/zero", tmp_path):
        code, _, err = cli(capsys, "validate", str(special))
        assert code == 2 and "not a regular file (a folder, pipe or device)" in err


@pytest.mark.parametrize("name", ["", "   ", "-", "a.b", "x[0]", "a]b", "a=b", "1.5"])
def test_an_item_name_a_parameter_path_cannot_hold_is_refused(name):
    """Paths name items by name (`channels.pran.price`, `--set PATH=VALUE`): a channel named
    '' or 'a.b' was accepted, its variants and sources could no longer name it, and a save
    dropped Bogra's variants without a word (issue #11)."""
    s = engine.load_scenario("bogra_handicrafts")
    with pytest.raises(engine.ScenarioError) as e:
        engine.with_overrides(s, {"channels[0].name": name})
    assert [p.message for p in e.value.problems] == [
        f"a name {name!r} cannot be used in parameter paths: it needs a letter or digit and "
        "none of . [ ] ="]


@pytest.mark.parametrize("name", ["tmss shop", "দুগ্ধ", "pran-rfl", "x_1", "(b)"])
def test_names_with_spaces_other_scripts_and_signs_are_kept(name):
    s = engine.load_scenario("bogra_handicrafts")
    assert engine.with_overrides(s, {"channels[0].name": name}).channels[0].name == name
