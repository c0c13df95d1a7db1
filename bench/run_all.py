"""Run every benchmark in bench/ and print what each reports, then one table (`make bench`).

Each benchmark's output is shown as it runs; the figures it marks for the table
(bench/summary.py) are gathered and printed together at the end, with their
targets and whether each is met.
"""

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from bench.summary import FIGURE  # noqa: E402

NOT_BENCHMARKS = {"run_all.py", "__init__.py", "summary.py", "locustfile.py"}


def main() -> int:
    failures, figures = 0, []
    for script in sorted(HERE.glob("*.py")):
        if script.name in NOT_BENCHMARKS:
            continue
        print(f"== {script.name}", flush=True)
        process = subprocess.Popen(  # noqa: S603 - our own scripts
            [sys.executable, str(script)], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None  # noqa: S101 - piped above
        for line in process.stdout:
            if line.startswith(FIGURE):
                figures.append(json.loads(line[len(FIGURE) :]))
            else:
                print(line, end="", flush=True)
        failures += process.wait() != 0
    print("\n== make bench: the figures")
    print(f"{'benchmark':<14}{'measure':<52}{'value':>14}  {'target':<22}verdict")
    for row in figures:
        value = f"{row['value']:,.2f} {row['unit']}".strip()
        verdict = {True: "met", False: "NOT met", None: ""}[row["met"]]
        print(
            f"{row['benchmark']:<14}{row['measure']:<52}{value:>14}  {row['target']:<22}{verdict}"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
