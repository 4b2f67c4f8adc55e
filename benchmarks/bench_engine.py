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
from engine.pipeline import compile_rows, full_sweep_needed, only_payouts_need_it, run
from engine.portfolio import portfolio
from engine.risk import Shocks, monte_carlo

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


def bench_monte_carlo() -> None:
    print("Monte Carlo: 10,000 paths x 120 months (bogra_handicrafts) vs a memory-bound floor")
    s = engine.with_overrides(engine.load_scenario("bogra_handicrafts"),
                              {"horizon_months": 120})
    shocks = Shocks(0.2, 0.15, 10, 0.05, ((1, -0.3, 0, 0), (-0.3, 1, 0, 0), (0, 0, 1, 0),
                                          (0, 0, 0, 1)))
    paths, T = 10_000, 120
    t_mc = median_time(lambda: monte_carlo(s, shocks, paths, seed=1), repeat=3)
    t_floor = median_time(lambda: np.full((paths, T), 1.0), repeat=30)
    tracemalloc.start()
    monte_carlo(s, shocks, paths, seed=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  Monte Carlo {t_mc:.2f} s; writing a {paths} x {T} array {t_floor * 1e3:.2f} ms")
    record("monte_carlo_10k_x_120_vs_floor", t_mc / t_floor, "x the floor", 20.0,
           t_mc / t_floor <= 20)
    record("monte_carlo_10k_x_120_seconds", t_mc, "s", None, True)
    record("monte_carlo_peak_memory", peak / 2**20, "MiB (tracemalloc)", 2048.0,
           peak / 2**20 <= 2048)


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
