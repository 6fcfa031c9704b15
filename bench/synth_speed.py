"""Synth speed benchmark: the default blueprint with the lazy provider import vs the stock import.

Prints wall-clock figures of N fresh `python main.py` processes per path: the best run (as timeit
does: the least disturbed by other load, which on a shared VM can double single runs), the median,
and the CPU seconds the synth and its Node process used. Goal (issue 2): lazy <= 4.0 s on a 2-core
machine and >= 3x faster than stock, judged on the best runs. This prints, it does not fail:
speed is measured here, not asserted in the test suite.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_synth(stock: bool, runs: int, args: list[str]) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds) per run; CPU includes the jsii Node child, which the synth waits for."""
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
    return walls, cpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("synth_args", nargs="*", help="extra main.py arguments (default: the default blueprint)")
    args = parser.parse_args()
    time_synth(stock=False, runs=1, args=args.synth_args)  # warm the .pyc and OS caches for both paths alike
    lazy, lazy_cpu = time_synth(stock=False, runs=args.runs, args=args.synth_args)
    stock, stock_cpu = time_synth(stock=True, runs=args.runs, args=args.synth_args)
    print(f"synth of {' '.join(args.synth_args) or 'the default blueprint'}, {args.runs} fresh processes "
          f"per path on {os.cpu_count()} cores (wall: best / median; CPU: median):")
    for label, walls, cpus in (("lazy provider import ", lazy, lazy_cpu), ("stock provider import", stock, stock_cpu)):
        median_wall, median_cpu = statistics.median(walls), statistics.median(cpus)
        print(f"  {label}: {min(walls):6.2f} s / {median_wall:6.2f} s   CPU {median_cpu:6.2f} s"
              f"   runs: {', '.join(f'{x:.2f}' for x in walls)}")
    best_ratio, median_ratio = min(stock) / min(lazy), statistics.median(stock) / statistics.median(lazy)
    print(f"  speed-up             : {best_ratio:6.1f}x best, {median_ratio:.1f}x median")
    print(f"  goal: lazy <= 4.0 s ({'met' if min(lazy) <= 4.0 else 'MISSED'}, median "
          f"{'met' if statistics.median(lazy) <= 4.0 else 'missed'}), >= 3x faster "
          f"({'met' if best_ratio >= 3 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
