"""One line per headline figure, for `make bench`'s table (bench/run_all.py).

A benchmark prints its own report as it likes, and calls `figure(...)` for each
figure that belongs in the table: a line starting with FIGURE and a JSON object,
which run_all.py collects (and does not echo) and prints as one table at the end.
"""

import json

FIGURE = "@@figure "


def figure(
    benchmark: str, measure: str, value: float, unit: str, target: str = "", met: bool | None = None
) -> None:
    line = {"benchmark": benchmark, "measure": measure, "value": value, "unit": unit}
    line |= {"target": target, "met": met}
    print(FIGURE + json.dumps(line), flush=True)
