"""Benchmark 9: a class on one node — N students' kernels at once, each doing lesson 03.

N kernels (N = 1, 10, 30) start together on this machine (as N students on one JupyterHub
node: one kernel each, sharing its cores). Each runs every cell of lesson 03 with nbclient
(working directory ``notebooks/``, as JupyterLab), then, as a student playing with the
dashboard, builds it with the lesson's own call and presses *Fail host* 5 times, waiting a
seeded 1–4 s between presses (a student reads the result), so N students' presses overlap
the way a class's do. Each kernel reports the wall time of every press (the widget's whole
callback: simulate, redraw, send the picture; wall time and the kernel's CPU time) and its
resident memory: ``VmRSS`` after the
presses (what it holds while the student reads) and ``VmHWM`` (its peak).

Figures per N: press latency median and p95 over every press of every student, the lesson's
wall time (slowest student), memory per kernel (median RSS, largest peak). Baseline: the
same figure for N = 1, measured in the same run; the ratio says how much N students slow
each other down. From these, ``README.md`` (Teaching on a JupyterHub) sizes a node.

Everything is bounded: each cell has a 600 s timeout and each student 300 s; a student
whose kernel dies or times out is counted in ``details.failed`` and the class goes on. Run it alone
(``python benchmarks/bench_class.py``) or from ``run.py``; run it once, not in a loop: 30
kernels take the whole machine for a few minutes. Quick mode starts one kernel and presses
a dashboard built in a two-cell notebook (seconds), to check the code path still runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from common import PEAK_RSS_KIB, Measurement, median, p95
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SIZES = (1, 10, 30)
PRESSES = 5
CELL_TIMEOUT_S = 600
STUDENT_TIMEOUT_S = 300
PRESS_TARGET_S = 1.0

# A student's last cells: build the lesson's dashboard, press it, report.
STUDENT = (
    PEAK_RSS_KIB
    + """
import json, random, time

def _rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

_rng = random.Random({student})
_board = ha_dashboard(cluster, until_s=UNTIL_S, seed=SEED)
_presses, _cpu = [], []
for _host in ["esx-02", "esx-05", "esx-08", "esx-11", "esx-14"][:{presses}]:
    time.sleep(_rng.uniform({think_s}))  # the student reads the last result
    _board.host.value = _host
    _t, _c = time.perf_counter(), time.process_time()
    _board.fail_button.click()
    _presses.append(time.perf_counter() - _t)
    _cpu.append(time.process_time() - _c)
print(json.dumps({{"presses_s": _presses, "press_cpu_s": _cpu, "rss_kib": _rss_kib(),
                  "peak_kib": _peak_rss_kib(), "last": _board.message.splitlines()[-1]}}))
"""
)

QUICK_SETUP = (
    "from vmlab import Cluster\nfrom vmlab.widgets import ha_dashboard\n"
    "cluster = Cluster.example()\ncluster.enable_ha()\nUNTIL_S, SEED = 900, 0"
)


def _lesson03() -> Path:
    (path,) = sorted(NOTEBOOKS.glob("03-*.ipynb"))
    return path


def _student_notebook(student: int, quick: bool) -> nbformat.NotebookNode:
    if quick:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(QUICK_SETUP)])
        presses = 2
    else:
        nb = nbformat.read(_lesson03(), as_version=4)
        presses = PRESSES
    think = "0.0, 0.05" if quick else "1.0, 4.0"
    code = STUDENT.format(student=student, presses=presses, think_s=think)
    nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


async def _student(student: int, quick: bool, sockets: Path) -> dict:
    nb = _student_notebook(student, quick)
    # IPC sockets, one folder per kernel: 30 kernels picking free TCP ports at the same
    # moment collide ("Address already in use")
    km = AsyncKernelManager(kernel_name="python3", transport="ipc",
                            ip=str(sockets / f"kernel-{student}"))  # fmt: skip
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,
        # the dashboard's Output widget captures the plot inside the press: nbclient must
        # track widget state to route those outputs
        store_widget_state=True,
    )
    started = time.perf_counter()
    try:
        await client.async_execute()
    finally:  # nbclient leaves a kernel it did not start running
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    wall = time.perf_counter() - started
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    report = json.loads(text.strip().splitlines()[-1])
    report["wall_s"] = wall
    return report


async def _class(n: int, quick: bool) -> tuple[list[dict], float, list[str]]:
    """Every student's report, the class's wall time, and what went wrong for any student
    whose kernel died or timed out (a class still reports the others)."""
    started = time.perf_counter()

    async def one(i: int, sockets: Path) -> dict | str:
        await asyncio.sleep(0.1 * i)  # a class logs in over a few seconds, not in one ms
        try:
            return await asyncio.wait_for(_student(i, quick, sockets), STUDENT_TIMEOUT_S)
        except Exception as err:  # noqa: BLE001 - reported, and the class goes on
            return f"student {i}: {type(err).__name__}: {err}"[:300]

    with tempfile.TemporaryDirectory(prefix="vmlab-class-") as sockets:
        results = await asyncio.gather(*(one(i, Path(sockets)) for i in range(n)))
    reports = [r for r in results if isinstance(r, dict)]
    failures = [r for r in results if isinstance(r, str)]
    if not reports:
        raise RuntimeError(f"no student of {n} finished: {failures[:3]}")
    return reports, time.perf_counter() - started, failures


def _figures(n: int, reports: list[dict], wall_s: float) -> dict:
    presses = [p for r in reports for p in r["presses_s"]]
    return {
        "students": n,
        "press_median_s": median(presses),
        "press_p95_s": p95(presses),
        "press_max_s": max(presses),
        # CPU time of one press in its kernel: what it costs, whatever the contention
        "press_cpu_median_s": median([c for r in reports for c in r["press_cpu_s"]]),
        "presses": len(presses),
        "rss_median_mib": median([r["rss_kib"] / 1024 for r in reports]),
        "peak_max_mib": max(r["peak_kib"] / 1024 for r in reports),
        "total_rss_gib": sum(r["rss_kib"] for r in reports) / 1024**2,
        "slowest_student_s": max(r["wall_s"] for r in reports),
        "class_wall_s": wall_s,
        "loadavg_after": list(os.getloadavg()),
    }


def class_on_one_node(quick: bool) -> list[Measurement]:
    asked = tuple(int(x) for x in os.environ.get("BENCH_CLASS", "").split(",") if x)
    sizes = asked or ((1,) if quick else SIZES)
    results = {}
    for n in sizes:
        reports, wall, failures = asyncio.run(_class(n, quick))
        results[n] = _figures(n, reports, wall) | {"failed": failures}
        f = results[n]
        print(f"  9 class: {n} students: press median {f['press_median_s']:.2f} s, p95 "
              f"{f['press_p95_s']:.2f} s; RSS {f['rss_median_mib']:.0f} MiB per kernel "
              f"({f['total_rss_gib']:.1f} GiB in all); slowest lesson "
              f"{f['slowest_student_s']:.0f} s; {len(f['failed'])} kernel(s) failed",
              flush=True)  # fmt: skip
    one = results[sizes[0]]
    rows = []
    for n, f in results.items():
        what = f"quick: {n} kernel(s), 2 presses" if quick else f"{n} students at once"
        base = f"{sizes[0]} student"
        rows += [
            Measurement("9 class", f"{what}: press median", f["press_median_s"], "s", base,
                        one["press_median_s"], target=PRESS_TARGET_S, details=f),
            Measurement("9 class", f"{what}: press p95", f["press_p95_s"], "s", base,
                        one["press_p95_s"]),
            Measurement("9 class", f"{what}: RSS per kernel (median)", f["rss_median_mib"],
                        "MiB", base, one["rss_median_mib"]),
            Measurement("9 class", f"{what}: notebook wall, slowest student",
                        f["slowest_student_s"], "s", base, one["slowest_student_s"]),
        ]  # fmt: skip
    return rows


if __name__ == "__main__":  # run this benchmark alone (prints; writes only with --output)
    import run

    sys.exit(run.main(["--only", "class", *sys.argv[1:]]))
