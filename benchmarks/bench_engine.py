"""Benchmarks, measured side by side in one run. Prints ratios and writes benchmarks/results.json
as {name: {"value", "unit", "target", "met"}}. Tests never assert times; this script reports them.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np

import engine
from engine.cashflow import compile_scenario, simulate
from engine.projection import counterfactual_cash, exit_month_from_sweep, sweep_rows

OUT = Path(__file__).with_name("results.json")


def median_time(fn, repeat: int = 30) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    results = {}
    for name in engine.preset_names():
        s = engine.load_scenario(name)
        inputs = compile_scenario(s)
        T = s.horizon_months

        def sweep(inputs=inputs, s=s):
            two = simulate(sweep_rows(inputs, 1))["net_cash_flow"]
            cash = counterfactual_cash(two[0], two[1], s.group.opening_cash)
            return exit_month_from_sweep(cash, s.group.cash_reserve)

        one = median_time(lambda inputs=inputs: simulate(inputs))
        swept = median_time(sweep)
        long_way = median_time(lambda inputs=inputs, T=T: simulate(sweep_rows(inputs, T)))
        loop = median_time(lambda inputs=inputs, T=T: [simulate(inputs) for _ in range(T + 1)],
                           repeat=5)
        full = median_time(lambda s=s: engine.project(s))
        print(f"{name} ({T} months):\n"
              f"  one projection                       {one * 1e3:7.3f} ms\n"
              f"  projection + full exit sweep         {swept * 1e3:7.3f} ms = "
              f"{swept / one:5.1f}x one projection\n"
              f"  sweep as {T + 1} rows of one batch      {long_way * 1e3:7.3f} ms = "
              f"{long_way / one:5.1f}x\n"
              f"  sweep as {T + 1} projections in a loop  {loop * 1e3:7.3f} ms = "
              f"{loop / one:5.1f}x\n"
              f"  engine.project (compile, sweep, tables) {full * 1e3:6.3f} ms")
        results[f"exit_sweep_vs_one_projection[{name}]"] = {
            "value": round(swept / one, 2), "unit": "x one projection", "target": 3.0,
            "met": bool(swept / one <= 3.0)}
    results["_machine"] = {"value": f"{platform.processor() or platform.machine()}, "
                           f"Python {platform.python_version()}, numpy {np.__version__}",
                           "unit": "", "target": None, "met": True}
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
