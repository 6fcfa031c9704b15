"""Synth speed benchmark: the default blueprint, every environment at once (--all), and the stock import.

Prints wall-clock figures of N fresh `python main.py` processes per path: the best run (as timeit
does: the least disturbed by other load, which on a shared VM can double single runs), the median,
and the CPU seconds (user + sys) the synth and its Node processes used. Goals on a 2-core machine,
judged on the best runs: the default blueprint <= 4.0 s and >= 3x faster than the stock provider
import (issue 2); `--all` (every blueprint and environment in one process) <= 10 s. This prints, it
does not fail: speed is measured here, not asserted in the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOAL_SECONDS = 4.0
ALL_GOAL_SECONDS = 10.0
STOCK_SPEEDUP_GOAL = 3.0


@dataclass(frozen=True)
class Timings:
    walls: list[float]
    cpus: list[float]

    @property
    def best(self) -> float:
        return min(self.walls)

    def line(self, label: str) -> str:
        return (f"  {label:28}: wall {self.best:6.2f} s best / {statistics.median(self.walls):6.2f} s median   "
                f"CPU {min(self.cpus):6.2f} s best / {statistics.median(self.cpus):6.2f} s median   "
                f"runs: {', '.join(f'{x:.2f}' for x in self.walls)}")


def time_synth(args: list[str], runs: int, stock: bool = False) -> Timings:
    """Fresh processes; CPU includes the jsii Node processes, which the synth waits for."""
    env = {**os.environ, "PLATFORM_STOCK_PROVIDER_IMPORT": "1" if stock else "0"}
    walls, cpus = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "main.py"), *args, "--out", out], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            walls.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return Timings(walls, cpus)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-stock", action="store_true", help="leave out the (slow) stock-import runs")
    parser.add_argument("synth_args", nargs="*", help="main.py arguments of the single synth (default: none, the "
                                                      "default blueprint)")
    args = parser.parse_args()
    time_synth(args.synth_args, runs=1)  # warm the .pyc and OS caches for every path alike
    single = time_synth(args.synth_args, runs=args.runs)
    everything = time_synth(["--all"], runs=args.runs)
    stock = None if args.skip_stock else time_synth(args.synth_args, runs=args.runs, stock=True)
    print(f"{args.runs} fresh processes per path on {os.cpu_count()} cores (CPU: user + sys, Node included):")
    print(single.line(" ".join(args.synth_args) or "default blueprint"))
    print(everything.line("--all (every environment)"))
    if stock is not None:
        print(stock.line("stock provider import"))
        print(f"  speed-up over stock         : {stock.best / single.best:6.1f}x best, "
              f"{statistics.median(stock.walls) / statistics.median(single.walls):.1f}x median")
    goals = [f"default <= {DEFAULT_GOAL_SECONDS} s ({verdict(single.best <= DEFAULT_GOAL_SECONDS)})",
             f"--all <= {ALL_GOAL_SECONDS} s ({verdict(everything.best <= ALL_GOAL_SECONDS)})"]
    if stock is not None:
        goals.append(f">= {STOCK_SPEEDUP_GOAL}x faster than stock "
                     f"({verdict(stock.best / single.best >= STOCK_SPEEDUP_GOAL)})")
    print(f"  goals: {'; '.join(goals)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
