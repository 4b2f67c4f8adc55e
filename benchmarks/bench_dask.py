"""A portfolio of many groups on a local Dask cluster (2 worker processes, one thread each),
through the command line's streaming path (`subsidy-exit portfolio FILE --dask`), against the
same command in process on a smaller file in the same run (`make bench-dask`, N=1000000 by
default; `python benchmarks/bench_dask.py N`).

Writes a CSV of N groups (the benchmark base with 4 override columns), runs it, samples the
resident memory of the client and of each worker process every half second, and records in
benchmarks/results.json the groups a second on Dask against in process, the peak memory of
each, and the time of the whole run. Long: about N / 1,500 seconds here.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_engine import OUT, portfolio_groups  # noqa: E402

from engine.cli import main as cli  # noqa: E402

PEER_GROUPS = 20_000


def write_groups(path: Path, n: int, block: int = 100_000) -> None:
    """n groups written in blocks (the file is never held whole)."""
    for start in range(0, n, block):
        frame = portfolio_groups(min(block, n - start), seed=start)
        frame["group_id"] = [f"g{start + i}" for i in range(len(frame))]
        frame.to_csv(path, mode="a" if start else "w", header=start == 0, index=False)


class Sampler(threading.Thread):
    """Peak resident memory of this process and of each child process (Dask's workers)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.client_peak = 0
        self.children: dict[int, int] = {}

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop.is_set():
            self.client_peak = max(self.client_peak, me.memory_info().rss)
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                self.children[child.pid] = max(self.children.get(child.pid, 0), rss)
            time.sleep(0.5)


def timed(args: list[str]) -> tuple[float, Sampler]:
    sampler = Sampler()
    sampler.start()
    t0 = time.perf_counter()
    code = cli(args)
    seconds = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"portfolio exited {code}")
    return seconds, sampler


def main(n: int) -> None:
    mib = 2**20
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.csv", Path(tmp) / "large.csv"
        write_groups(small, PEER_GROUPS)
        write_groups(large, n)
        print(f"{n:,} groups: {large.stat().st_size / mib:,.0f} MiB of CSV")
        base = ["--base", "bogra_handicrafts"]
        t_peer, s_peer = timed(["portfolio", str(small), *base, "--out", str(Path(tmp) /
                                                                           "small.parquet")])
        print(f"  in process, {PEER_GROUPS:,} groups: {t_peer:,.1f} s, "
              f"{PEER_GROUPS / t_peer:,.0f} groups/s, peak {s_peer.client_peak / mib:,.0f} MiB")
        t, s = timed(["portfolio", str(large), *base, "--out", str(Path(tmp) / "large.parquet"),
                      "--dask"])
        workers = sorted(s.children.values(), reverse=True)[:2]
        print(f"  Dask, 2 workers, {n:,} groups: {t:,.0f} s, {n / t:,.0f} groups/s; peak "
              f"{', '.join(f'{w / mib:,.0f}' for w in workers)} MiB per worker, client "
              f"{s.client_peak / mib:,.0f} MiB")
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    results[f"dask_portfolio_{n}_vs_in_process"] = {
        "value": round((n / t) / (PEER_GROUPS / t_peer), 4),
        "unit": "x the in-process groups a second", "target": None, "met": True,
        "runs": 1, "seconds": round(t, 1), "groups_per_second": round(n / t, 1),
        "in_process_groups_per_second": round(PEER_GROUPS / t_peer, 1),
        "worker_peak_mib": [round(w / mib, 1) for w in workers],
        "client_peak_mib": round(s.client_peak / mib, 1),
        "in_process_peak_mib": round(s_peer.client_peak / mib, 1),
        "note": "local cluster of 2 worker processes on the same 2 cores as the client"}
    OUT.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
