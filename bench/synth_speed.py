"""Synth speed benchmark: the default blueprint with the lazy provider import vs the stock import.

Prints wall-clock figures (median of N runs, each a fresh `python main.py` process) and their ratio.
Goal (issue 2): lazy <= 4.0 s on a 2-core machine and >= 3x faster than stock. This prints, it does
not fail: speed is measured here, not asserted in the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_synth(stock: bool, runs: int, args: list[str]) -> list[float]:
    env = {**os.environ, "PLATFORM_STOCK_PROVIDER_IMPORT": "1" if stock else "0"}
    figures = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "main.py"), *args, "--out", out], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            figures.append(time.perf_counter() - started)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("synth_args", nargs="*", help="extra main.py arguments (default: the default blueprint)")
    args = parser.parse_args()
    time_synth(stock=False, runs=1, args=args.synth_args)  # warm the .pyc and OS caches for both paths alike
    lazy = time_synth(stock=False, runs=args.runs, args=args.synth_args)
    stock = time_synth(stock=True, runs=args.runs, args=args.synth_args)
    lazy_median, stock_median = statistics.median(lazy), statistics.median(stock)
    ratio = stock_median / lazy_median
    print(f"default blueprint synth, median of {args.runs} fresh processes on {os.cpu_count()} cores:")
    print(f"  lazy provider import : {lazy_median:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in lazy)}")
    print(f"  stock provider import: {stock_median:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in stock)}")
    print(f"  speed-up             : {ratio:6.1f}x")
    print(f"  goal: lazy <= 4.0 s ({'met' if lazy_median <= 4.0 else 'MISSED'}), "
          f">= 3x faster ({'met' if ratio >= 3 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
