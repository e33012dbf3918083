"""Benchmarks 1–3 and 7b: the migration explorer's redraw and the two pre-copy models.

1. explorer redraw: set the dirty-rate slider to 50 values; each change recomputes the
   migration and renders the convergence plot to a PNG (``last_redraw_s``). Baseline: an
   empty figure of the same size, dpi and margins rendered by the same helper.
2. ``precopy(model='expected')`` per call. Baseline: a bare Python loop over the same
   number of rounds doing one float update each (the interpreter's floor for the work).
3. ``precopy(model='pages')`` for 4, 16 and 64 GiB, the slider's worst case (the working
   set is all of memory, 5,000 MiB/s on 10 Gbit/s: SDPS, ~20 rounds). Baseline: one numpy
   pass over a page bitmap of the same size (draw, compare, count), so the ratio reads as
   "the model costs this many bitmap passes".
7b. peak RSS of a fresh interpreter that runs the 64 GiB pages model. Baseline: a fresh
   interpreter that only imports vmlab.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from common import PEAK_RSS_KIB, Measurement, median, p95, per_call, time_calls

PAGES_CASE = {"dirty_rate_mib_s": 5000, "bandwidth_gbit_s": 10, "on_no_convergence": "sdps"}
PAGE_KIB = 4


def explorer(quick: bool) -> list[Measurement]:
    from matplotlib.figure import Figure

    from vmlab.widgets import explorer as ex
    from vmlab.widgets.render import figure_output

    n = 3 if quick else 50
    widget = ex.migration_explorer()
    # 50 dirty rates across the slider: converged, SDPS and long runs all appear.
    values = [int(v) // 10 * 10 for v in np.linspace(100, 5000, n)]
    samples = []
    computes = []
    for value in values:
        widget.dirty_rate.value = value
        samples.append(widget.last_redraw_s)
        computes.extend(time_calls(widget.compute, 1))

    empty = Figure(figsize=ex._FIGSIZE_IN, dpi=ex._DPI)
    empty.add_subplot()
    empty.subplots_adjust(**ex._MARGINS)
    base = time_calls(lambda: figure_output(empty), n)
    details = {
        "slider_values": len(values),
        "compute_median_s": median(computes),
        "figure_in": list(ex._FIGSIZE_IN),
        "dpi": ex._DPI,
    }
    baseline_name = "empty figure, same size, to PNG"
    return [
        Measurement(
            "1 explorer",
            "redraw median",
            median(samples),
            "s",
            baseline_name,
            median(base),
            target=0.100,
            details=details,
        ),  # fmt: skip
        Measurement(
            "1 explorer",
            "redraw p95",
            p95(samples),
            "s",
            baseline_name,
            p95(base),
        ),  # fmt: skip
    ]


def expected_model(quick: bool) -> list[Measurement]:
    from vmlab.migration import precopy

    calls, repeat = (20, 3) if quick else (300, 7)
    cases = [(8, 500, 1, 10), (8, 2000, 4, 10), (64, 5000, 64, 10), (16, 1000, 2, 1)]
    n_rounds = [precopy(*c).n_rounds for c in cases]

    def model() -> None:
        for case in cases:
            precopy(*case)

    def floor() -> None:
        for rounds in n_rounds:
            dirty = 1.0
            for _ in range(rounds):
                dirty = dirty * 0.5 + 1.0

    t = per_call(model, calls, repeat) / len(cases)
    base = per_call(floor, calls, repeat) / len(cases)
    return [
        Measurement(
            "2 expected",
            "precopy(expected) per call",
            t,
            "s",
            "bare Python loop, same rounds",
            base,
            target=0.001,
            details={"cases": cases, "rounds": n_rounds},
        )  # fmt: skip
    ]


def bitmap_pass(n_pages: int) -> None:
    """One dense-round pass of the pages model's kind over ``n_pages`` pages."""
    rng = np.random.default_rng(0)
    dirty = np.empty(n_pages, dtype=bool)
    draws = rng.integers(0, 1 << 16, n_pages, dtype=np.uint16)
    np.less(draws, 1 << 15, out=dirty)
    np.count_nonzero(dirty)


def pages_model(quick: bool) -> list[Measurement]:
    from vmlab.migration import precopy

    sizes, repeat = ((4,), 1) if quick else ((4, 16, 64), 3)
    rows = []
    for gib in sizes:
        n_pages = gib * 1024 * 1024 // PAGE_KIB
        result = precopy(gib, working_set_gib=gib, model="pages", **PAGES_CASE)
        t = median(
            time_calls(lambda g=gib: precopy(g, working_set_gib=g, model="pages", **PAGES_CASE),
                       repeat)
        )  # fmt: skip
        base = median(time_calls(lambda n=n_pages: bitmap_pass(n), max(repeat, 3)))
        rows.append(
            Measurement(
                "3 pages",
                f"precopy(pages) {gib} GiB",
                t,
                "s",
                "one numpy bitmap pass, same pages",
                base,
                target=1.0 if gib == 64 else None,
                details={
                    "pages": n_pages,
                    "rounds": result.n_rounds,
                    "outcome": result.outcome,
                    **PAGES_CASE,
                },
            )  # fmt: skip
        )
    return rows


_RSS_PROBE = (
    PEAK_RSS_KIB
    + """
import json
import vmlab
from vmlab.migration import precopy
if {run}:
    precopy({gib}, working_set_gib={gib}, model="pages", **{case!r})
print(json.dumps(_peak_rss_kib()))
"""
)


def _peak_rss_mib(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1]) / 1024  # Linux: KiB


def pages_memory(quick: bool) -> list[Measurement]:
    gib = 4 if quick else 64
    peak = _peak_rss_mib(_RSS_PROBE.format(run=True, gib=gib, case=PAGES_CASE))
    base = _peak_rss_mib(_RSS_PROBE.format(run=False, gib=gib, case=PAGES_CASE))
    return [
        Measurement(
            "7 memory",
            f"pages model {gib} GiB, peak RSS",
            peak,
            "MiB",
            "fresh interpreter, import vmlab",
            base,
            details={"added_mib": peak - base},
        )  # fmt: skip
    ]


if __name__ == "__main__":  # run these benchmarks alone (prints; writes only with --output)
    import run

    sys.exit(run.main(["--only", "explorer", "expected", "pages", "pages-memory", *sys.argv[1:]]))
