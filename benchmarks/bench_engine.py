"""Benchmarks, each measured side by side with its comparison in the same run (`make bench`).
Prints the figures and writes benchmarks/results.json as
{name: {"value": ..., "unit": ..., "target": ..., "met": true|false}}. Tests never assert times.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

import engine
from engine.cashflow import simulate
from engine.montecarlo import monte_carlo
from engine.pipeline import compile_rows, full_sweep_needed, only_payouts_need_it, run
from engine.portfolio import portfolio
from engine.shocks import Shocks

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).with_name("results.json")
results: dict[str, dict] = {}


def median_time(fn, repeat: int = 15, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def record(name: str, value: float, unit: str, target: float | None, met: bool) -> None:
    results[name] = {"value": round(float(value), 4), "unit": unit, "target": target,
                     "met": bool(met)}
    mark = "met" if met else "NOT met"
    print(f"  {name}: {value:,.3g} {unit} (target {target}; {mark})")


def variants(inputs, n: int, seed: int = 0):
    """n rows of the scenario with prices and volumes varied (same structure)."""
    rng = np.random.default_rng(seed)
    rows = inputs.take(np.zeros(n, dtype=int))
    return replace(rows, list_price=rows.list_price * rng.uniform(0.8, 1.2, (n, 1, 1)),
                   produced=rows.produced * rng.uniform(0.8, 1.2, (n, 1, 1)))


def bench_batch() -> None:
    print("1,000 variants: one batched projection vs one at a time (bogra_handicrafts, 60 m)")
    s = engine.load_scenario("bogra_handicrafts")
    batch = variants(compile_rows([s]), 1000)
    singles = [batch.take(np.array([i])) for i in range(1000)]
    H = s.horizon_months
    t_batch = median_time(lambda: run(batch, H).summary.frame(), repeat=5)
    t_loop = median_time(lambda: [run(x, H).summary.frame() for x in singles], repeat=2)
    print(f"  batched {t_batch * 1e3:.1f} ms; one at a time {t_loop * 1e3:.0f} ms")
    record("batch_1000_speedup", t_loop / t_batch, "x faster", 20.0, t_loop / t_batch >= 20)
    results["_batch_1000_seconds"] = {"value": t_batch, "unit": "s", "target": None,
                                      "met": True}


def bench_sweep(horizon: int) -> None:
    print(f"Full exit sweep vs one projection, {horizon}-month horizon")
    for name in engine.preset_names():
        s = engine.with_overrides(engine.load_scenario(name), {"horizon_months": horizon})
        inputs = compile_rows([s])
        T = s.horizon_months
        one = median_time(lambda inputs=inputs: simulate(inputs), repeat=30)
        if not full_sweep_needed(inputs, s.exit_criteria):
            how = "2 rows, O(T)"
        elif only_payouts_need_it(inputs, s.exit_criteria):
            how = "2 rows on the flows before payouts, O(T)"
        else:
            how = f"{T + 1} rows (flows depend on cash or on the exit month)"

        def sweep(inputs=inputs, T=T):
            return run(inputs, T).exit_month

        swept = median_time(sweep, repeat=30)
        print(f"  {name}: one {one * 1e3:.3f} ms, sweep [{how}] {swept * 1e3:.3f} ms")
        record(f"exit_sweep_{horizon}m_vs_one[{name}]", swept / one, "x one projection", 3.0,
               swept / one <= 3.0)


FLOOR_PASSES = 36
"""Array passes over paths x months that one path projection needs (a cash-flow identity,
its cumulative sums, the payout rule, the exit sweep's two-row formula, the trailing DSCR)."""


def honest_floor(paths: int, months: int):
    """What any Monte Carlo of `paths` x `months` must do at least: `FLOOR_PASSES` passes
    (each reads two paths x months arrays and writes a new one) and the 5th, 50th and 95th
    percentiles of the cash by month."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((paths, months)), rng.standard_normal((paths, months))

    def floor():
        x = a
        for _ in range(FLOOR_PASSES):
            x = x + b
        return np.percentile(x, [5, 50, 95], axis=0)

    return floor


def interleaved(fns: dict, repeat: int = 5) -> dict[str, list[float]]:
    """Each function timed `repeat` times, in turn (a, b, a, b, ...), after one warm-up each:
    machine noise then hits both alike."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return times


def spread(ratios: list[float]) -> str:
    return f"median {statistics.median(ratios):.2f}x, range {min(ratios):.2f}-{max(ratios):.2f}x"


def bench_monte_carlo() -> None:
    """10,000 paths x 120 months with the default month-by-month shocks, against the honest
    floor measured in the same run (median of 5, interleaved, with the spread): Bogra (two
    rows' worth of work a path), Modhupur's pran_contract variant (a credit line), and the
    Risk page's default (Modhupur, 1,000 paths x 60 months)."""
    paths, T = 10_000, 120
    print(f"Monte Carlo: {paths:,} paths x {T} months, default shocks, against the honest floor "
          f"({FLOOR_PASSES} array passes + the percentiles)")
    floor = honest_floor(paths, T)
    cases = {name: engine.with_overrides(engine.load_scenario(name), {"horizon_months": T})
             for name in ("bogra_handicrafts", "modhupur_pineapple:pran_contract")}
    fns = {"floor": floor}
    fns |= {name: (lambda s=s: monte_carlo(s, Shocks(), paths, seed=1))
            for name, s in cases.items()}
    times = interleaved(fns)
    f = statistics.median(times["floor"])
    print(f"  floor {f * 1e3:.0f} ms (range {min(times['floor']) * 1e3:.0f}-"
          f"{max(times['floor']) * 1e3:.0f})")
    for name, target in (("bogra_handicrafts", 1.5), ("modhupur_pineapple:pran_contract", 3.0)):
        ratios = [t / fl for t, fl in zip(times[name], times["floor"], strict=True)]
        r = statistics.median(ratios)
        print(f"  {name}: {statistics.median(times[name]) * 1e3:.0f} ms, {spread(ratios)}")
        record(f"monte_carlo_10k_x_120_vs_honest_floor[{name}]", r, "x the honest floor",
               target, r <= target)
        results[f"monte_carlo_10k_x_120_vs_honest_floor[{name}]"]["spread"] = [
            round(min(ratios), 3), round(max(ratios), 3)]
    record("monte_carlo_honest_floor_ms", f * 1e3, "ms", None, True)
    for T_mem in (60, 120, 480):
        s = engine.with_overrides(engine.load_scenario("bogra_handicrafts"),
                                  {"horizon_months": T_mem})
        tracemalloc.start()
        monte_carlo(s, Shocks(), paths, seed=1)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        kept = 2 * 8 * paths * T_mem / 2**20
        print(f"  peak memory at {T_mem} months: {peak / 2**20:.0f} MiB (of which the kept cash "
              f"and its percentile copy {kept:.0f} MiB)")
        record(f"monte_carlo_peak_memory_{T_mem}m", peak / 2**20, "MiB (tracemalloc)", 2048.0,
               peak / 2**20 <= 2048)
    page = engine.load_scenario("modhupur_pineapple")
    t = statistics.median(interleaved({"page": lambda: monte_carlo(page, Shocks(), 1000, 0)}
                                      )["page"])
    print(f"  the Risk page's default (Modhupur, 1,000 paths x 60 months): {t * 1e3:.0f} ms")
    record("risk_page_monte_carlo_ms[modhupur_pineapple]", t * 1e3, "ms", 500.0, t <= 0.5)


def bench_portfolio() -> None:
    print("Portfolio: 10,000 groups (bogra_handicrafts base, 4 override columns)")
    base = engine.load_scenario("bogra_handicrafts")
    rng = np.random.default_rng(0)
    n = 10_000
    groups = pd.DataFrame({
        "group_id": [f"g{i}" for i in range(n)],
        "group.members": rng.integers(15, 40, n),
        "channels.tmss_retail.price": rng.uniform(300, 380, n),
        "channels.tmss_retail.payment_delay_days": rng.uniform(0, 60, n),
        "products.handicrafts.monthly_capacity": rng.uniform(300, 600, n)})
    t0 = time.perf_counter()
    portfolio(base, groups)
    t = time.perf_counter() - t0
    per_group = t / n
    batch_per_variant = results["_batch_1000_seconds"]["value"] / 1000
    print(f"  {t:.1f} s, {n / t:,.0f} groups/s; {per_group * 1e3:.2f} ms a group against "
          f"{batch_per_variant * 1e3:.3f} ms a variant in the 1,000-variant batch")
    record("portfolio_10k_groups_per_second", n / t, "groups/s", None, True)
    record("portfolio_per_group_vs_batch_variant", per_group / batch_per_variant,
           "x a batched variant (validation, max-loan search, flags)", None, True)


def bench_app() -> None:
    print("App rerun after a widget change (AppTest median) vs an app drawing the same widgets")
    from streamlit.testing.v1 import AppTest
    os.environ.setdefault("SUBSIDY_EXIT_WORKSPACE", str(ROOT / "workspace"))

    def reruns(path: str, key: str, values: list[float]) -> float:
        at = AppTest.from_file(path, default_timeout=60).run()
        times = []
        for v in values:
            at.number_input(key=key).set_value(v)
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    values = [25000.0 + 1000 * i for i in range(1, 16)]
    # the editor's widget keys: "<scenario>::ed<editor version>::<path>" (ui/editor.key)
    real = reruns(str(ROOT / "app.py"), "modhupur_pineapple::ed0::group.cash_reserve", values)
    stub = reruns(str(ROOT / "benchmarks" / "stub_app.py"), "cash_reserve", values)
    print(f"  app {real * 1e3:.0f} ms, widgets only {stub * 1e3:.0f} ms")
    record("app_rerun_vs_widgets_only", real / stub, "x", None, True)
    record("app_rerun_ms", real * 1e3, "ms", None, True)


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}")
    bench_batch()
    bench_sweep(60)
    bench_sweep(120)
    bench_monte_carlo()
    bench_portfolio()
    if "--no-app" not in sys.argv:
        bench_app()
    results["_machine"] = {"value": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                                    f"{platform.python_version()}, numpy {np.__version__}",
                           "unit": "", "target": None, "met": True}
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
