#!/usr/bin/env python3
"""Run every vmlab benchmark, print a table and write ``benchmarks/results.json``.

    python benchmarks/run.py                 # full run (a few minutes), writes results.json
    python benchmarks/run.py --quick         # seconds: only checks every benchmark still runs
    BENCH_QUICK=1 python benchmarks/run.py   # the same
    python benchmarks/run.py --quick --output /tmp/r.json   # quick, and write its figures
    python benchmarks/run.py --only explorer pages          # some (writes nothing by default)
    python benchmarks/bench_migration.py                    # each bench_*.py runs on its own

Every figure comes with a baseline measured in the same run and the ratio of the two,
which holds better from machine to machine than the absolute time; see
``benchmarks/README.md``. The load average is recorded: on a busy machine every absolute
time grows, ratios much less. Timings are never asserted by tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_browser  # noqa: E402
import bench_class  # noqa: E402
import bench_cluster  # noqa: E402
import bench_lessons  # noqa: E402
import bench_migration  # noqa: E402
from common import Measurement  # noqa: E402

RESULTS = HERE / "results.json"

BENCHMARKS: dict[str, Callable[[bool], list[Measurement]]] = {
    "import": bench_lessons.import_time,  # first: nothing imported yet in this process
    "explorer": bench_migration.explorer,
    "expected": bench_migration.expected_model,
    "pages": bench_migration.pages_model,
    "ha": bench_cluster.ha_failure,
    "ha-growth": bench_cluster.ha_growth,
    "pages-memory": bench_migration.pages_memory,
    "lessons": bench_lessons.lessons_and_memory,
    "browser": bench_browser.browser,  # skipped in quick mode and without /usr/bin/chromium
    "class": bench_class.class_on_one_node,
}


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1e3:.3g} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    return f"{value:.2f}"


def table(rows: list[Measurement]) -> str:
    header = ("bench", "figure", "value", "baseline", "baseline value", "ratio", "target", "met")
    lines = [
        (
            r.bench,
            r.name,
            fmt(r.value, r.unit),
            r.baseline_name,
            fmt(r.baseline, r.unit),
            "-" if r.ratio is None else f"{r.ratio:.1f}x",
            "-" if r.target is None else f"<= {fmt(r.target, r.unit)}",
            {True: "yes", False: "NO", None: ""}[r.met],
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]
    right = {2, 4, 5, 6}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, lines)])


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("matplotlib", "numpy", "pandas", "simpy", "ipywidgets", "nbclient"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "missing"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
        help="tiny sizes: check that every benchmark runs (also BENCH_QUICK=1)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help=f"write the results here (default: {RESULTS.relative_to(HERE.parent)} after a "
        "full run of every benchmark; nothing after --quick or --only)",
    )
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these")
    args = parser.parse_args(argv)
    # results.json holds one complete full run: a quick or partial run never replaces it
    output = args.output or (None if args.quick or args.only else RESULTS)
    names = args.only or list(BENCHMARKS)
    mode = "quick" if args.quick else "full"

    load_start = os.getloadavg()
    print(f"vmlab benchmarks ({mode}); {os.cpu_count()} CPUs, load average "
          f"{load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}", flush=True)  # fmt: skip
    rows: list[Measurement] = []
    timings: dict[str, float] = {}
    failed: list[str] = []
    started = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        try:
            new = BENCHMARKS[name](args.quick)
        except Exception:
            failed.append(name)
            print(f"FAILED {name}:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            continue
        timings[name] = time.perf_counter() - t0
        if args.quick:  # tiny sizes and few samples: the figures are not worth judging
            for row in new:
                row.target = None
        rows.extend(new)
        print(f"  {name}: done in {timings[name]:.1f} s", flush=True)
    load_end = os.getloadavg()

    print()
    print(table(rows))
    if args.quick:
        print("(quick mode: tiny sizes, so no target is judged; run without --quick to measure)")
    missed = [r for r in rows if r.met is False]
    print()
    print(f"load average at the end {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}; "
          f"{len(rows)} figures in {time.perf_counter() - started:.0f} s; "
          f"{len(missed)} target(s) missed" + (f": {', '.join(r.name for r in missed)}"
                                                if missed else ""))  # fmt: skip

    if output is not None:
        results = {
            "mode": mode,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "loadavg_start": list(load_start),
                "loadavg_end": list(load_end),
            },
            "versions": versions(),
            "benchmark_seconds": timings,
            "failed": failed,
            "figures": [r.to_json() for r in rows],
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {output}")
    if failed:
        print(f"{len(failed)} benchmark(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
