"""Fuzzing the input boundary (issue #11): hypothesis-generated hostile inputs through the
engine, the command line and the app.

The property, for every input: a named problem (ScenarioError / exit status 2 with one line per
problem) or a finite result; no traceback; nothing written outside the workspace; no saved file
changed without asking. A hang guard (SIGALRM, `HANG_SECONDS`) fails an example that does not
finish; it is a guard against loops without end, not a timing test.

`make test` runs a bounded number of examples (FUZZ_EXAMPLES, default 8 per property); `make
fuzz` runs many more (FUZZ_EXAMPLES=200).
"""

import contextlib
import hashlib
import json
import math
import os
import signal
import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import ScenarioError
from engine.cli import main
from engine.io import dump_scenario, params, parse_scenario, with_overrides
from engine.values import format_value, parse_value

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
HANG_SECONDS = 120
PRESETS = engine.preset_names()
RATIOS = {"dscr", "dscr_12m", "dscr_seasonal", "oss_12m", "fss_12m", "full_cost_ratio_12m"}
fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 8,
                suppress_health_check=list(HealthCheck))


@contextlib.contextmanager
def no_hang(seconds=HANG_SECONDS):
    def alarm(signum, frame):
        raise AssertionError(f"no answer within {seconds} s: a loop without end?")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def assert_named(err: ScenarioError):
    assert err.problems, "a ScenarioError without problems"
    for p in err.problems:
        assert p.message and "Traceback" not in p.message and "/work/" not in p.message


def assert_finite_projection(scenario):
    p = engine.project(scenario)
    money = p.monthly[[c for c in p.monthly.columns if c not in RATIOS and c != "date"]]
    values = money.to_numpy(dtype=float)
    assert np.isfinite(values).all(), "a non-finite figure in the monthly table"
    for key, v in p.summary.items():
        if isinstance(v, float):
            assert not math.isinf(v), key


def named_or_finite(scenario_or_call):
    with no_hang():
        try:
            scenario = scenario_or_call()
        except ScenarioError as e:
            assert_named(e)
            return
        assert_finite_projection(scenario)


hostile_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30),
    st.sampled_from([0, -1, 1e12, 1e13, 1e308, -1e308, 10**400, 2**63, 1e-320]))
hostile_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                       max_size=40)
hostile_values = st.recursive(
    st.one_of(hostile_numbers, st.booleans(), st.none(), hostile_text,
              st.dates().map(lambda d: d)),
    lambda inner: st.one_of(st.lists(inner, max_size=14), st.dictionaries(hostile_text, inner,
                                                                            max_size=4)),
    max_leaves=20)


@st.composite
def preset_and_path(draw):
    name = draw(st.sampled_from(PRESETS))
    scenario = engine.load_scenario(name)
    path = draw(st.sampled_from([p for p, _, _ in params(scenario)]))
    return scenario, path


@fuzz
@given(preset_and_path(), hostile_values)
def test_any_value_at_any_path_is_named_or_projects_finite(target, value):
    scenario, path = target
    named_or_finite(lambda: with_overrides(scenario, {path: value}))


@fuzz
@given(preset_and_path(), st.lists(hostile_numbers, min_size=1, max_size=3))
def test_several_numbers_at_once(target, numbers):
    scenario, path = target
    paths = [p for p, v, _ in params(scenario) if isinstance(v, int | float)]
    overrides = {p: n for p, n in zip(paths[::7], numbers, strict=False)}
    named_or_finite(lambda: with_overrides(scenario, {path: numbers[0], **overrides}))


HOSTILE_TOML = ["inf", "nan", "1e309", "true", "-1", "10000000000000000", '"x"', "[]", "{}",
                "0000-01-01", '"2002-13"', "-inf"]


@fuzz
@given(st.sampled_from(PRESETS), st.data())
def test_mutated_scenario_files(name, data):
    """A preset's file with one line changed: a value replaced by hostile text, a line
    duplicated or cut, or deep nesting."""
    lines = dump_scenario(engine.load_scenario(name)).splitlines()
    i = data.draw(st.integers(0, len(lines) - 1))
    how = data.draw(st.sampled_from(["value", "cut", "duplicate", "nest", "garbage"]))
    if how == "value" and "=" in lines[i]:
        key = lines[i].split("=", 1)[0]
        lines[i] = f"{key}= {data.draw(st.sampled_from(HOSTILE_TOML))}"
    elif how == "cut":
        lines[i] = lines[i][: len(lines[i]) // 2]
    elif how == "duplicate":
        lines.insert(i, lines[i])
    elif how == "nest":
        depth = data.draw(st.integers(1, 3000))
        lines.append("deep = " + "[" * depth + "]" * depth)
    else:
        lines[i] = data.draw(hostile_text)
    text = "\n".join(lines)
    named_or_finite(lambda: parse_scenario(text, file="fuzz.toml"))


def cli(capsys, *argv):
    with no_hang():
        try:
            code = main(list(argv))
        except SystemExit as e:   # argparse: one line and status 2
            code = e.code
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "/work/" not in out.err
    return code, out.out, out.err


@fuzz
@given(st.sampled_from(PRESETS), st.data(), hostile_text)
def test_set_on_the_command_line(capsys, name, data, raw):
    path = data.draw(st.sampled_from([p for p, _, _ in params(engine.load_scenario(name))]
                                     + ["nope", "", "channels", "provenance.x"]))
    code, out, err = cli(capsys, "run", name, "--json", "--set", f"{path}={raw}")
    assert code in (0, 2)
    if code == 0:
        summary = json.loads(out)["summary"]   # strict JSON: no NaN or Infinity
        assert summary is not None
    else:
        assert err.startswith("error: ") or "argument" in err


@fuzz
@given(st.lists(st.lists(st.one_of(hostile_text, st.sampled_from(
    ["", "null", "NA", "nan", "inf", "true", "12", "-5", "1e400", "g1"])), max_size=5),
    max_size=8), st.booleans())
def test_hostile_portfolio_csvs(capsys, tmp_path_factory, rows, header_ok):
    import csv
    import io
    tmp = tmp_path_factory.mktemp("csv")
    header = ["group_id", "group.members", "channels.tmss_retail.price"] if header_ok else \
        (rows[0] if rows else [])
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    src = tmp / "g.csv"
    src.write_text(buf.getvalue(), encoding="utf-8")
    out = tmp / "out.csv"
    code, _, err = cli(capsys, "portfolio", str(src), "--base", "bogra_handicrafts",
                       "--out", str(out))
    assert code in (0, 2)
    if code == 0:
        import pandas as pd
        result = pd.read_csv(out)
        assert np.isfinite(result.min_cash_balance.dropna().to_numpy(dtype=float)).all()
    assert sorted(p.name for p in tmp.iterdir()) in (["g.csv"], ["g.csv", "out.csv"])


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@fuzz
@given(st.text(max_size=80))
def test_save_names_stay_in_the_workspace(tmp_path_factory, name):
    from ui.storage import StorageError, Workspace
    outer = tmp_path_factory.mktemp("outer")
    root = outer / "workspace"
    ws = Workspace(root)
    ws.save("keep", "# kept\n")
    before = tree(outer)
    try:
        path = ws.save(name, "# new\n")
    except StorageError:
        assert tree(outer) == before
        return
    assert path.parent == root.resolve()
    after = tree(outer)
    assert {k: v for k, v in after.items() if k != f"workspace/{path.name}"} == before


def test_value_grammar_round_trips_generated_values():
    @settings(max_examples=max(50, EXAMPLES * 10), deadline=None)
    @given(st.recursive(st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(),
                                  st.text(string.printable, max_size=10), st.dates()),
                        lambda inner: st.lists(inner, max_size=4), max_leaves=8))
    def round_trip(value):
        text = format_value(value)
        assert parse_value(text) == value or (isinstance(value, str)
                                              and parse_value(text) == value.strip())
    round_trip()


@pytest.mark.parametrize("query", [
    {"set": ["group.members=true", "channels.pran.price=1e400"]},
    {"set": ["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[=1", "=", "x", "provenance.a.b=1"]},
    {"scenario": "saved:../../etc/passwd", "set": ["start=0000-01"]},
    {"scenario": "modhupur_pineapple", "set": ["loans.sibl_1.upfront_fee_fixed=1e9",
                                               "loans.sibl_1.installments=5000"]},
    {"scenario": "bogra_handicrafts", "set": ["channels=" + "[" * 40 + "]" * 40,
                                              "products[0].seasonality=[1e308]"]},
    {"mc_paths": "10000000", "tornado_top": "-1", "dscr_target": "nan"},
])
def test_hostile_links_open_without_traceback_and_change_no_saved_file(tmp_path, monkeypatch,
                                                                      query):
    from streamlit.testing.v1 import AppTest
    root = tmp_path / "workspace"
    root.mkdir()
    (root / "mine.toml").write_text(dump_scenario(engine.load_scenario("bogra_handicrafts")))
    before = tree(tmp_path)
    monkeypatch.setenv("SUBSIDY_EXIT_WORKSPACE", str(root))
    app = str(Path(__file__).resolve().parent.parent / "app.py")
    pages = ["views/overview.py", "views/loan_officer.py", "views/risk.py", "views/compare.py",
             "views/facilitator.py", "views/producer.py", "views/casefile.py"]
    for page in pages if EXAMPLES > 8 else pages[:2]:
        at = AppTest.from_file(app, default_timeout=120)
        for k, v in query.items():
            at.query_params[k] = v
        at.switch_page(page)
        with no_hang():
            at.run()
        assert not at.exception, page
        shown = " ".join(str(e.value) for e in [*at.error, *at.warning])
        assert "Traceback" not in shown and str(tmp_path) not in shown
    assert tree(tmp_path) == before


@fuzz
@given(st.sampled_from(["taper_every", "exit_at", "tornado_top", "mc_paths",
                        "mc_price_volatility", "mc_price_half_life_months",
                        "mc_price_volume_correlation", "mc_late_payment_days"]),
       st.one_of(st.text(max_size=30), st.floats().map(repr), st.integers().map(str),
                 st.sampled_from(["1e400", "-inf", "nan", "১,০০০", "50%", "1_000", " 7 "])))
def test_a_page_setting_box_gives_a_number_it_allows_or_names_the_text(key, text):
    """What a number setting's box reads is within the setting's range, or a ValueError that
    names the setting and what is allowed; never another exception."""
    from engine.i18n import language
    from ui import state
    from ui.editor import read_setting
    meta = state.number_meta(key, engine.load_scenario("bogra_handicrafts"))
    with language("en"):
        try:
            value, problem = read_setting(meta, text), ""
        except ValueError as e:
            value, problem = None, str(e)
    if problem:
        assert problem.startswith(f"{meta.label}: ") and "allowed" in problem
    else:
        assert state.fits(meta, value)
