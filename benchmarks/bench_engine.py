"""Benchmarks (`make bench`): every figure is a ratio against a floor or a peer measured in the
same run. The subject and its references run interleaved (subject, reference, subject, ...),
each `REPEAT` times after a warm-up; a figure is the ratio of the medians, with the spread of
the per-round ratios (lowest and highest). Figures are printed and written to
benchmarks/results.json as

    {name: {"value", "unit", "target", "met", "spread": [low, high], "runs",
            "subject", "subject_seconds", "reference", "reference_seconds"}}

`value` reads with `unit`: "x faster than <peer>" (peer time / subject time) or "x <floor>"
(subject time / floor time). Memory figures are ratios too (peak at N groups against the peak at
N / 10, measured in child processes). `python benchmarks/bench_engine.py --only NAME [NAME ...]`
runs some sections (names: see SECTIONS) and keeps the other figures in results.json.
Tests never assert times.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

import engine
from engine.cashflow import simulate
from engine.montecarlo import PERCENTILES, monte_carlo, row_percentiles
from engine.pipeline import compile_rows, full_sweep_needed, only_payouts_need_it, run
from engine.shocks import STILL, Shocks, normals

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import month_loop  # noqa: E402  (the plain Python peer, beside this file)

OUT = HERE / "results.json"
REPEAT = 5
results: dict[str, dict] = {}


# ---- the harness ------------------------------------------------------------------------------

def interleaved(fns: dict[str, Callable[[], object]], repeat: int = REPEAT,
                warmup: int = 1) -> dict[str, list[float]]:
    """Seconds of each function over `repeat` rounds; each round runs every function once, in
    an order that rotates from round to round (no function always runs first)."""
    names = list(fns)
    for _ in range(warmup):
        for name in names:
            fns[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeat):
        for name in names[r % len(names):] + names[:r % len(names)]:
            t0 = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def figure(name: str, times: dict[str, list[float]], subject: str, reference: str,
           kind: str, target: float | None = None, note: str = "") -> float:
    """Record subject against reference: kind "faster" (reference / subject: a peer) or "of"
    (subject / reference: a floor). `target`: at least (faster) or at most (of)."""
    s, r = np.array(times[subject]), np.array(times[reference])
    rounds = r / s if kind == "faster" else s / r
    value = float(np.median(r) / np.median(s) if kind == "faster" else np.median(s) / np.median(r))
    unit = f"x faster than {reference}" if kind == "faster" else f"x {reference}"
    met = target is None or (value >= target if kind == "faster" else value <= target)
    results[name] = {"value": round(value, 4), "unit": unit, "target": target, "met": bool(met),
                     "spread": [round(float(rounds.min()), 4), round(float(rounds.max()), 4)],
                     "runs": len(s), "subject": subject,
                     "subject_seconds": round(float(np.median(s)), 6), "reference": reference,
                     "reference_seconds": round(float(np.median(r)), 6)}
    if note:
        results[name]["note"] = note
    mark = "" if target is None else f"; target {target}: {'met' if met else 'NOT met'}"
    print(f"  {name}: {value:,.3g} {unit} (spread {rounds.min():,.3g}-{rounds.max():,.3g}; "
          f"{np.median(s) * 1e3:,.2f} ms against {np.median(r) * 1e3:,.2f} ms{mark})")
    return value


def variants(inputs, n: int, seed: int = 0):
    """n rows of the scenario with prices and volumes varied (same structure)."""
    rng = np.random.default_rng(seed)
    rows = inputs.take(np.zeros(n, dtype=int))
    return replace(rows, list_price=rows.list_price * rng.uniform(0.8, 1.2, (n, 1, 1)),
                   produced=rows.produced * rng.uniform(0.8, 1.2, (n, 1, 1)))


def checked_loop_peer(s: engine.Scenario, x) -> dict:
    """The plain month loop's inputs for row 0 of `x`, after checking that it computes the
    engine's cash balance and exit month (a peer that computed something else would not be one).
    """
    d = month_loop.lists(x)
    mine = month_loop.project(d)
    r = run(x.take(np.array([0])), s.horizon_months, s.exit_criteria)
    assert np.allclose(mine["cash_balance"], r.monthly["cash_balance"][0], atol=1e-6)
    assert (mine["exit_month"] if mine["exit_month"] is not None else -1) == r.exit_month[0]
    return d


# ---- sections -----------------------------------------------------------------------------------

def bench_projection() -> None:
    print("One projection (bogra_handicrafts, 60 months) against a plain Python month loop")
    s = engine.load_scenario("bogra_handicrafts")
    x = compile_rows([s])
    d = checked_loop_peer(s, x)
    times = interleaved({
        "project": lambda: engine.project(s),
        "pipeline run": lambda: run(x, s.horizon_months, s.exit_criteria),
        "plain month loop": lambda: month_loop.project(d)}, repeat=15)
    figure("projection_vs_month_loop", times, "project", "plain month loop", "faster",
           note="project compiles the scenario (loan schedules included) and builds its "
                "tables; the loop starts from compiled lists")
    figure("projection_run_vs_month_loop", times, "pipeline run", "plain month loop", "faster",
           note="the pipeline on compiled inputs: the same work as the loop, and more outputs")


def bench_batch() -> None:
    print("1,000 variants (bogra_handicrafts, 60 m): one batched run against the plain month "
          "loop and the pipeline one variant at a time")
    s = engine.load_scenario("bogra_handicrafts")
    batch = variants(compile_rows([s]), 1000)
    checked_loop_peer(s, batch)
    loops = [month_loop.lists(batch, i) for i in range(1000)]
    singles = [batch.take(np.array([i])) for i in range(1000)]
    H = s.horizon_months
    times = interleaved({
        "batched run": lambda: run(batch, H).summary.frame(),
        "plain month loop x 1,000": lambda: [month_loop.project(d) for d in loops],
        "pipeline x 1,000": lambda: [run(one, H).summary.frame() for one in singles]},
        repeat=REPEAT)
    figure("batch_1000_vs_month_loop", times, "batched run", "plain month loop x 1,000",
           "faster", note="the loop computes the cash, payouts, exit month and four totals; "
                          "the batched run the whole summary (DSCR, OSS, FSS, arrears...)")
    figure("batch_1000_vs_one_at_a_time", times, "batched run", "pipeline x 1,000", "faster",
           20.0)


def bench_sweep(horizon: int) -> None:
    print(f"Full exit sweep against one simulation, {horizon}-month horizon")
    for name in engine.preset_names():
        s = engine.with_overrides(engine.load_scenario(name), {"horizon_months": horizon})
        x = compile_rows([s])
        T = s.horizon_months
        if not full_sweep_needed(x, s.exit_criteria):
            how = "2 rows, O(T)"
        elif only_payouts_need_it(x, s.exit_criteria):
            how = "2 rows on the flows before payouts, O(T)"
        else:
            how = f"{T + 1} rows (flows depend on cash or on the exit month)"
        times = interleaved({"sweep": lambda x=x, T=T: run(x, T).exit_month,
                             "one simulation": lambda x=x: simulate(x)}, repeat=15)
        figure(f"exit_sweep_{horizon}m_vs_one[{name}]", times, "sweep", "one simulation", "of",
               3.0, note=how)


FLOOR_PASSES = 36
"""Array passes over paths x months that one path projection needs (a cash-flow identity,
its cumulative sums, the payout rule, the exit sweep's two-row formula, the trailing DSCR)."""


def honest_floor(paths: int, months: int, by_sorting: bool = False):
    """What any Monte Carlo of `paths` x `months` must do at least: `FLOOR_PASSES` passes
    (each reads two paths x months arrays and writes a new one) and the 5th, 50th and 95th
    percentiles of the cash by month: by `np.percentile` (the floor as issue #15 defines it),
    or `by_sorting` as Monte Carlo now takes them (`montecarlo.row_percentiles` on month-major
    arrays: about 4x as fast), the stricter floor."""
    rng = np.random.default_rng(0)
    shape = (months, paths) if by_sorting else (paths, months)
    a, b = rng.standard_normal(shape), rng.standard_normal(shape)

    def floor():
        x = a
        for _ in range(FLOOR_PASSES):
            x = x + b
        if by_sorting:
            return row_percentiles(x, PERCENTILES)
        return np.percentile(x, PERCENTILES, axis=0)

    return floor


def percentile_peers(paths: int, months: int):
    """The percentiles of a month-major cash array, by sorting (Monte Carlo's) and by
    `np.percentile`'s selection, each on a fresh copy."""
    cash = np.cumsum(np.random.default_rng(1).standard_normal((months, paths)), axis=0)
    return {"percentiles by sorting": lambda: row_percentiles(cash.copy(), PERCENTILES),
            "np.percentile": lambda: np.percentile(cash.copy(), PERCENTILES, axis=1,
                                                   overwrite_input=True)}


def required_normals(paths: int, months: int, per_path_month: int):
    """Drawing the standard normals a Monte Carlo of month-by-month shocks cannot do without
    (one per buyer, per product and for the common factor, every path-month), in float32, the
    fastest way found here: inverse transform sampling on 16 random bits (`shocks.normals`;
    the Box-Muller transform and numpy's own float32 ziggurat are measured beside it), 500
    paths at a time into one buffer (drawn at once they are slower: their temporaries leave
    the cache)."""
    return blocks_of_normals(paths, months, per_path_month, normals)


def box_muller(rng: np.random.Generator, shape: tuple[int, ...], out: np.ndarray) -> None:
    """Standard normals by the Box-Muller transform (Box and Muller 1958) on float32 uniforms,
    in place (how Monte Carlo drew them before): sqrt(-2 ln u1) (cos 2 pi u2, sin 2 pi u2)."""
    half = out.size // 2
    u = rng.random((2, half), dtype=np.float32)
    radius, angle = u[0], u[1]
    np.negative(radius, out=radius)
    np.log1p(radius, out=radius)
    radius *= np.float32(-2)
    np.sqrt(radius, out=radius)
    angle *= np.float32(2 * np.pi)
    flat = out.reshape(-1)
    np.multiply(radius, np.cos(angle), out=flat[:half])
    np.multiply(radius, np.sin(angle), out=flat[half:2 * half])


def ziggurat(rng: np.random.Generator, shape: tuple[int, ...], out: np.ndarray) -> None:
    """numpy's own float32 ziggurat (`Generator.standard_normal`)."""
    rng.standard_normal(shape, dtype=np.float32, out=out)


def blocks_of_normals(paths: int, months: int, per_path_month: int,
                      method: Callable[..., object]):
    """A function drawing the normals of `paths` paths by `method`, 500 paths at a time into
    one buffer."""
    rng = np.random.default_rng(0)
    block = 500
    out = np.empty((months, per_path_month, block), dtype=np.float32)

    def draw() -> None:
        for _ in range(-(-paths // block)):
            method(rng, out.shape, out=out)

    return draw


def bench_monte_carlo() -> None:
    """10,000 paths x 120 months with the default month-by-month shocks, against the honest
    floor measured in the same run, and against the floor plus drawing the normals the shocks
    need (`required_normals`): Bogra (two rows' worth of work a path), Modhupur's
    pran_contract variant (a credit line), Mirpur (an income floor and training effects that
    fade at exit: several exit profiles); Mirpur against the pipeline path it took before;
    and the Risk page's default (Modhupur, 1,000 paths x 60 months)."""
    paths, T = 10_000, 120
    load_before = os.getloadavg()[0]
    print(f"Monte Carlo: {paths:,} paths x {T} months, default shocks, against the honest floor "
          f"({FLOOR_PASSES} array passes + the percentiles) and the floor plus the normals the "
          f"shocks need (load average {load_before:.1f})")
    cases = {name: engine.with_overrides(engine.load_scenario(name), {"horizon_months": T})
             for name in ("bogra_handicrafts", "modhupur_pineapple:pran_contract",
                          "mirpur_footwear")}
    fns = {"honest floor": honest_floor(paths, T),
           "honest floor by sorting": honest_floor(paths, T, by_sorting=True),
           **percentile_peers(paths, T)}
    for name, s in cases.items():
        x = compile_rows([s])
        k = 1 + x.list_price.shape[1] + x.produced.shape[1]
        fns[f"normals {name}"] = required_normals(paths, T, k)
        fns[name] = lambda s=s: monte_carlo(s, Shocks(), paths, seed=1)
        # the kernel alone: no shocks to draw (every multiplier 1), the same work per path
        fns[f"{name}, no draws"] = lambda s=s: monte_carlo(s, STILL, paths, seed=1)
    fns["Box-Muller normals bogra_handicrafts"] = blocks_of_normals(paths, T, 4, box_muller)
    fns["ziggurat normals bogra_handicrafts"] = blocks_of_normals(paths, T, 4, ziggurat)
    times = interleaved(fns, repeat=2 * REPEAT - 1)   # 9 rounds: the machine is shared
    for name in cases:      # the floors plus the normals, round by round
        for floor in ("honest floor", "honest floor by sorting"):
            times[f"{floor} + normals {name}"] = [
                a + b for a, b in zip(times[floor], times[f"normals {name}"], strict=True)]
    figure("percentiles_by_sorting_vs_np_percentile", times, "percentiles by sorting",
           "np.percentile", "faster", note="the 5th, 50th and 95th percentiles of 120 months x "
           "10,000 paths (month-major), the same figures")
    targets = {"bogra_handicrafts": 1.5, "modhupur_pineapple:pran_contract": 3.0,
               "mirpur_footwear": None}
    for name, target in targets.items():
        figure(f"monte_carlo_10k_x_120_vs_honest_floor[{name}]", times, name, "honest floor",
               "of", target, note="default month-by-month shocks: drawing them (about "
               "(1 + buyers + products) normals a path-month) is part of the time")
        figure(f"monte_carlo_10k_x_120_vs_honest_floor_and_normals[{name}]", times, name,
               f"honest floor + normals {name}", "of", target,
               note="the floor plus drawing the normals the shocks need, the fastest way "
                    "found here (inverse transform sampling on 16 random bits)")
        figure(f"monte_carlo_10k_x_120_vs_honest_floor_by_sorting[{name}]", times, name,
               "honest floor by sorting", "of", target,
               note="the stricter floor: its percentiles taken as Monte Carlo now takes them "
                    "(by sorting), not by np.percentile as issue #15's floor")
        figure(f"monte_carlo_10k_x_120_vs_honest_floor_by_sorting_and_normals[{name}]",
               times, name, f"honest floor by sorting + normals {name}", "of", target,
               note="the stricter floor plus drawing the normals the shocks need")
        figure(f"monte_carlo_10k_x_120_no_draws_vs_honest_floor[{name}]", times,
               f"{name}, no draws", "honest floor", "of", target,
               note="the kernel alone: zero shocks, nothing drawn")
    for peer in ("Box-Muller", "ziggurat"):
        figure(f"normals_vs_{peer.lower()}[bogra_handicrafts]", times,
               "normals bogra_handicrafts", f"{peer} normals bogra_handicrafts", "faster",
               note="4.8 million float32 normals: inverse transform sampling on 16 random bits "
                    "(shocks.normals) against the Box-Muller transform on numpy's float32 "
                    "uniforms and numpy's float32 ziggurat (Generator.standard_normal)")
    s = engine.load_scenario("mirpur_footwear")
    times = interleaved({"kernel": lambda: monte_carlo(s, Shocks(), 1000, seed=1),
                         "pipeline path": lambda: monte_carlo(s, Shocks(), 1000, seed=1,
                                                              lean=False)}, repeat=REPEAT)
    figure("monte_carlo_1000_mirpur_kernel_vs_pipeline_path", times, "kernel", "pipeline path",
           "faster", note="Mirpur at its horizon (60 months), 1,000 paths: the kernel against "
                          "the pipeline path every footwear run took before (one simulated "
                          "row per exit month and path)")
    lines = {"modhupur_income_floor": engine.with_overrides(
                 engine.load_scenario("modhupur_pineapple"),
                 {"exit_criteria.member_income_floor": 500.0}),
             "mirpur_credit_line": engine.with_overrides(
                 engine.load_scenario("mirpur_footwear"),
                 {"group.credit_line_limit": 200_000.0, "group.credit_line_annual_rate": 0.2})}
    for name, s in lines.items():
        times = interleaved({"kernel": lambda s=s: monte_carlo(s, Shocks(), 1000, seed=1),
                             "pipeline path": lambda s=s: monte_carlo(s, Shocks(), 1000, seed=1,
                                                                      lean=False)},
                            repeat=REPEAT)
        figure(f"monte_carlo_1000_{name}_kernel_vs_pipeline_path", times, "kernel",
               "pipeline path", "faster", note="a credit line with an income floor (Modhupur's "
               "line, a floor of 500 taka a member) or with training effects that fade at exit "
               "(Mirpur given a line of 200,000 at 20%), 1,000 paths x 60 months: both took the "
               "pipeline path before")
    for T_mem in (60, 120, 480):
        s = engine.with_overrides(engine.load_scenario("bogra_handicrafts"),
                                  {"horizon_months": T_mem})
        tracemalloc.start()
        monte_carlo(s, Shocks(), paths, seed=1)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        kept = 8 * paths * T_mem
        print(f"  peak memory at {T_mem} months: {peak / 2**20:.0f} MiB (of which the kept cash "
              f"{kept / 2**20:.0f} MiB)")
        results[f"monte_carlo_peak_memory_{T_mem}m"] = {
            "value": round(peak / kept, 4), "unit": "x the kept cash (its percentiles are "
            "taken in place)", "target": None, "met": True, "peak_mib": round(peak / 2**20, 1),
            "runs": 1}
    page = engine.load_scenario("modhupur_pineapple")
    times = interleaved({"risk page default": lambda: monte_carlo(page, Shocks(), 1000, 0),
                         "honest floor (1,000 x 60)": honest_floor(1000, 60)}, repeat=REPEAT)
    figure("risk_page_monte_carlo_vs_honest_floor[modhupur_pineapple]", times,
           "risk page default", "honest floor (1,000 x 60)", "of",
           note="the Risk page's default: Modhupur, 1,000 paths x 60 months (target: under "
                "0.5 s, see subject_seconds)")
    load_after = os.getloadavg()[0]
    print(f"  load average (1 min) before and after the section: {load_before:.1f}, "
          f"{load_after:.1f} on {os.cpu_count()} cores")
    results["monte_carlo_load_average"] = {
        "value": round(max(load_before, load_after), 2), "unit": "load average (1 min), the "
        "higher of before and after the section", "target": None, "met": True,
        "before": round(load_before, 2), "after": round(load_after, 2)}


# ---- portfolios: speed in process, memory in child processes ------------------------------------

PORTFOLIO_BASE = "bogra_handicrafts"


def portfolio_groups(n: int, seed: int = 0) -> pd.DataFrame:
    """n groups of the benchmark base with 4 override columns."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "group_id": [f"g{i}" for i in range(n)],
        "group.members": rng.integers(15, 40, n),
        "channels.tmss_retail.price": rng.uniform(300, 380, n).round(2),
        "channels.tmss_retail.payment_delay_days": rng.uniform(0, 60, n).round(1),
        "products.handicrafts.monthly_capacity": rng.uniform(300, 600, n).round(0)})


def peak_rss_mib(args: list[str]) -> tuple[float, float]:
    """(peak resident MiB, seconds) of a child process running `args`."""
    code = ("import resource, sys, time\nfrom engine.cli import main\n"
            "t0 = time.perf_counter()\ncode = main(sys.argv[1:])\n"
            "print('BENCH', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "
            "time.perf_counter() - t0, file=sys.stderr)\nsys.exit(code)")
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                       cwd=ROOT, check=False)
    line = [ln for ln in p.stderr.splitlines() if ln.startswith("BENCH")]
    if p.returncode != 0 or not line:
        raise RuntimeError(p.stderr[-2000:])
    _, rss, seconds = line[-1].split()
    return float(rss), float(seconds)


def bench_portfolio() -> None:
    from engine.portfolio import portfolio
    n = 10_000
    print(f"Portfolio: {n:,} groups ({PORTFOLIO_BASE} base, 4 override columns), against the "
          "pipeline on the same groups' rows")
    base = engine.load_scenario(PORTFOLIO_BASE)
    groups = portfolio_groups(n)
    from engine.portfolio import group_inputs, group_scenarios
    columns = [c for c in groups.columns if c != "group_id"]
    rows = group_inputs(base, group_scenarios(base, groups), columns)
    times = interleaved({"portfolio": lambda: portfolio(base, groups),
                         "pipeline on the rows": lambda: run(rows, base.horizon_months)},
                        repeat=3)
    figure("portfolio_10k_vs_pipeline", times, "portfolio", "pipeline on the rows", "of",
           note="validation of every group, the largest affordable loan, flags; the reference "
                "is the exit sweep and summary of the same compiled rows")
    t = statistics.median(times["portfolio"])
    results["portfolio_10k_groups_per_second"] = {
        "value": round(n / t, 1), "unit": "groups/s", "target": None, "met": True,
        "note": "absolute rate, from the median of portfolio_10k_vs_pipeline"}
    print(f"  {n / t:,.0f} groups/s")


def bench_portfolio_memory() -> None:
    sizes = (10_000, 100_000)
    print(f"Portfolio file through `subsidy-exit portfolio` (chunks): peak resident memory at "
          f"{sizes[1]:,} groups against {sizes[0]:,}")
    with tempfile.TemporaryDirectory() as tmp:
        peaks = {}
        for n in sizes:
            path = Path(tmp) / f"groups_{n}.csv"
            portfolio_groups(n).to_csv(path, index=False)
            out = Path(tmp) / f"result_{n}.parquet"
            peaks[n] = peak_rss_mib(["portfolio", str(path), "--base", PORTFOLIO_BASE,
                                     "--out", str(out)])
            print(f"  {n:,} groups: peak RSS {peaks[n][0]:,.0f} MiB, {peaks[n][1]:,.1f} s, "
                  f"{n / peaks[n][1]:,.0f} groups/s")
    (small, _), (large, seconds) = peaks[sizes[0]], peaks[sizes[1]]
    results["portfolio_peak_memory_100k_vs_10k"] = {
        "value": round(large / small, 4), "unit": "x the peak at 10,000 groups",
        "target": 1.2, "met": large / small <= 1.2,
        "peaks_mib": {str(k): round(v[0], 1) for k, v in peaks.items()},
        "seconds": {str(k): round(v[1], 2) for k, v in peaks.items()}, "runs": 1}
    results["portfolio_file_100k_groups_per_second"] = {
        "value": round(sizes[1] / seconds, 1), "unit": "groups/s", "target": None, "met": True,
        "note": "the command line on a CSV file, in chunks, writing Parquet"}


# ---- the app ----------------------------------------------------------------------------------

def bench_app() -> None:
    print("App rerun after a widget change (AppTest) against an app drawing the same widgets")
    from streamlit.testing.v1 import AppTest
    os.environ.setdefault("SUBSIDY_EXIT_WORKSPACE", str(ROOT / "workspace"))
    apps = {"app": (str(ROOT / "app.py"), "modhupur_pineapple::ed0::group.cash_reserve"),
            "widgets only": (str(HERE / "stub_app.py"), "cash_reserve")}
    running = {name: AppTest.from_file(path, default_timeout=60).run()
               for name, (path, _) in apps.items()}
    step = {name: 0 for name in apps}

    def rerun(name: str) -> None:
        step[name] += 1
        at = running[name]
        at.text_input(key=apps[name][1]).input(f"{25000 + 1000 * step[name]:,}")
        at.run()

    times = interleaved({name: (lambda name=name: rerun(name)) for name in apps}, repeat=15)
    figure("app_rerun_vs_widgets_only", times, "app", "widgets only", "of")


def bench_tornado() -> None:
    """The Risk page's tornado (every numeric input at -10% and +10%, a pipeline run of all
    variants) against one projection of the scenario, and against the way it ran before
    (every variant compiled, every exit month of a credit line simulated), in the same run."""
    from engine import pipeline, risk

    def slow_tornado(s: engine.Scenario):
        saved = (risk.fast_columns, pipeline.net_position_possible)
        risk.fast_columns = lambda base, columns: False
        pipeline.net_position_possible = lambda x, criteria: False
        try:
            return risk.tornado(s)
        finally:
            risk.fast_columns, pipeline.net_position_possible = saved

    for name in ("modhupur_pineapple", "bogra_handicrafts"):
        s = engine.load_scenario(name)
        n = 2 * len(risk.tornado(s)) + 1
        print(f"Tornado ({name}, {n} variants) against one projection and the way before")
        times = interleaved({"tornado": lambda s=s: risk.tornado(s),
                             "one projection": lambda s=s: engine.project(s),
                             "every variant compiled and swept": lambda s=s: slow_tornado(s)},
                            repeat=REPEAT)
        figure(f"tornado_vs_one_projection[{name}]", times, "tornado", "one projection", "of",
               note=f"{n} variants in one pipeline run")
        figure(f"tornado_vs_before[{name}]", times, "tornado",
               "every variant compiled and swept", "faster")


def bench_risk_page() -> None:
    """The Risk page drawn after an edit (AppTest: the reserve changed on the overview, then
    the Risk page: tornado, grid and Monte Carlo for the new scenario) against the same page
    rerun with nothing changed (its results kept in the session: the drawing alone)."""
    print("Risk page after an edit (modhupur_pineapple, AppTest) against its rerun unchanged")
    from streamlit.testing.v1 import AppTest
    os.environ.setdefault("SUBSIDY_EXIT_WORKSPACE", str(ROOT / "workspace"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    key = "modhupur_pineapple::ed0::group.cash_reserve"
    step = [0]

    def after_edit() -> None:
        step[0] += 1
        at.switch_page("views/overview.py").run()
        at.text_input(key=key).input(f"{25000 + 1000 * step[0]:,}").run()
        t0 = time.perf_counter()
        at.switch_page("views/risk.py").run()
        timed["after edit"].append(time.perf_counter() - t0)
        assert not at.exception, at.exception

    def unchanged() -> None:
        t0 = time.perf_counter()
        at.run()
        timed["unchanged"].append(time.perf_counter() - t0)

    timed: dict[str, list[float]] = {"after edit": [], "unchanged": []}
    interleaved({"after edit": after_edit, "unchanged": unchanged}, repeat=REPEAT + 2)
    times = {k: v[-(REPEAT + 2):] for k, v in timed.items()}    # without the warm-up round
    figure("risk_page_after_edit_vs_unchanged[modhupur_pineapple]", times, "after edit",
           "unchanged", "of", note="target: under 1 s after an edit (see subject_seconds)")
    results["risk_page_after_edit_vs_unchanged[modhupur_pineapple]"]["met"] = bool(
        np.median(times["after edit"]) < 1.0)


def bench_cold_start() -> None:
    print("Cold start: importing the app's modules in a fresh interpreter against importing "
          "streamlit alone")
    modules = ("import engine, ui.state, ui.compute, ui.exports, ui.figures, ui.editor, "
        "ui.pages.overview, ui.pages.risk, ui.pages.portfolio, ui.pages.loan_officer, "
        "ui.pages.facilitator, ui.pages.producer, ui.pages.compare, ui.pages.casefile")

    # as deployed: bytecode compiled once (the warm-up round writes it), warnings not shown
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def child(code: str) -> None:
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=env,
                       stderr=subprocess.DEVNULL)

    times = interleaved({"app modules": lambda: child(modules),
                         "streamlit alone": lambda: child("import streamlit, plotly"),
                         "python alone": lambda: child("pass")}, repeat=REPEAT)
    figure("cold_start_vs_streamlit", times, "app modules", "streamlit alone", "of",
           note="a fresh interpreter importing every page module; the reference imports "
                "streamlit and plotly only")
    figure("cold_start_vs_python", times, "app modules", "python alone", "of")


SECTIONS: dict[str, Callable[[], None]] = {
    "projection": bench_projection,
    "batch": bench_batch,
    "sweep": lambda: (bench_sweep(60), bench_sweep(120)),
    "monte_carlo": bench_monte_carlo,
    "portfolio": bench_portfolio,
    "portfolio_memory": bench_portfolio_memory,
    "app": bench_app,
    "tornado": bench_tornado,
    "risk_page": bench_risk_page,
    "cold_start": bench_cold_start,
}


def main(argv: list[str]) -> None:
    only = argv[argv.index("--only") + 1:] if "--only" in argv else list(SECTIONS)
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section(s) {unknown}; known: {', '.join(SECTIONS)}")
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, numpy {np.__version__}")
    print(f"machine: {machine}")
    for name in only:
        SECTIONS[name]()
    kept = json.loads(OUT.read_text()) if OUT.exists() and "--only" in argv else {}
    kept.update(results)
    kept["_machine"] = {"value": machine, "unit": "", "target": None, "met": True}
    OUT.write_text(json.dumps(kept, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
