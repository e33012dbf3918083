"""Benchmarks 5, 6 and 7a: the lessons headless, ``import vmlab``, and the kernel's memory.

5. Each lesson in ``notebooks/`` executed top to bottom by nbclient in a fresh ``python3``
   kernel whose working directory is ``notebooks/`` (as ``scripts/run_notebooks.py`` and
   JupyterLab do). The executed copy goes to a temporary folder; ``notebooks/`` is never
   written. Baseline: a notebook with one ``pass`` cell, the same way (kernel start, run,
   shutdown), so a ratio of 3 means the lesson costs three bare kernels.
6. ``python -c "import vmlab"`` in a fresh interpreter. Baseline: ``python -c pass``.
   A second row times ``import numpy, pandas, simpy`` alone: vmlab's own share is the
   difference (pandas is most of the import).
   The same child reports whether matplotlib or ipywidgets were imported (they must not
   be: the engine stays light; ``tests/test_benchmarks_run.py`` asserts it).
7a. Peak RSS of ONE kernel that runs every lesson's code cells in order (a student who
   keeps one kernel for the whole lab: more than any single lesson needs), read by a
   last cell from ``/proc/self/status`` (VmHWM). Baseline: the bare kernel's peak.
   Target ≤ 600 MiB, so JupyterLab plus a kernel fit in the 1 GiB Binder guarantees.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from common import PEAK_RSS_KIB, Measurement, median, time_calls
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
RSS_CELL = PEAK_RSS_KIB + "import json\nprint(json.dumps(_peak_rss_kib()))"


def lessons() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def _execute(nb: nbformat.NotebookNode, name: str, out_dir: Path) -> tuple[float, float]:
    """Run ``nb`` with an RSS cell appended; (wall seconds, the kernel's peak RSS in MiB)."""
    nb.cells.append(nbformat.v4.new_code_cell(RSS_CELL))
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,
        store_widget_state=False,
    )
    started = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - started
    nbformat.write(nb, out_dir / name)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return wall, json.loads(text.strip().splitlines()[-1]) / 1024  # Linux: KiB


def _bare_notebook() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])


def _one_kernel_notebook(paths: list[Path]) -> nbformat.NotebookNode:
    """Every lesson's code cells, in order, in one notebook (tags such as raises-exception kept)."""
    cells = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        cells.extend(c for c in nb.cells if c.cell_type == "code")
    return nbformat.v4.new_notebook(cells=cells)


def lessons_and_memory(quick: bool) -> list[Measurement]:
    """Benchmarks 5 and 7a (they share the bare-kernel baseline).

    Quick mode runs no lesson: it drives the same code path with the bare notebook only.
    """
    paths = lessons()
    if not paths:
        raise RuntimeError(f"no lessons in {NOTEBOOKS}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="vmlab-bench-") as tmp:
        out_dir = Path(tmp)
        bare_wall, bare_rss = _execute(_bare_notebook(), "bare.ipynb", out_dir)
        if quick:
            wall, rss = _execute(_one_kernel_notebook([]), "all-in-one.ipynb", out_dir)
            return [
                Measurement("5 lessons", "quick: bare kernel only", wall, "s",
                            "bare kernel", bare_wall, details={"lessons": len(paths)}),
                Measurement("7 memory", "quick: bare kernel peak RSS", rss, "MiB",
                            "bare kernel", bare_rss),
            ]  # fmt: skip
        total = 0.0
        peaks = {}
        for path in paths:
            wall, rss = _execute(nbformat.read(path, as_version=4), path.name, out_dir)
            total += wall
            peaks[path.name] = rss
            rows.append(
                Measurement("5 lessons", path.stem, wall, "s", "bare kernel", bare_wall,
                            details={"kernel_peak_rss_mib": rss})
            )  # fmt: skip
        rows.append(
            Measurement(
                "5 lessons",
                f"all {len(paths)} lessons",
                total,
                "s",
                f"{len(paths)} bare kernels",
                bare_wall * len(paths),
                target=60.0,
            )  # fmt: skip
        )
        wall, rss = _execute(_one_kernel_notebook(paths), "all-in-one.ipynb", out_dir)
        rows.append(
            Measurement(
                "7 memory",
                "one kernel, every lesson: peak RSS",
                rss,
                "MiB",
                "bare kernel",
                bare_rss,
                target=600.0,
                details={"wall_s": wall, "largest_single_lesson_mib": max(peaks.values())},
            )  # fmt: skip
        )
    return rows


DEPENDENCIES = "import numpy, pandas, simpy"
_IMPORT_PROBE = (
    "import json, sys, time; t = time.perf_counter(); import vmlab; "
    "print(json.dumps([time.perf_counter() - t, "
    "'matplotlib' in sys.modules, 'ipywidgets' in sys.modules]))"
)


def import_time(quick: bool) -> list[Measurement]:
    repeat = 1 if quick else 7

    def run(code: str) -> None:
        subprocess.run([sys.executable, "-c", code], check=True)

    # warm the file cache once, so the first sample is not a disk read
    run("import vmlab")
    wall = median(time_calls(lambda: run("import vmlab"), repeat))
    base = median(time_calls(lambda: run("pass"), repeat))
    deps = median(time_calls(lambda: run(DEPENDENCIES), repeat))
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True, check=True
    )
    in_process, mpl, widgets = json.loads(out.stdout)
    return [
        Measurement(
            "6 import", "python -c 'import vmlab'", wall, "s", "python -c pass", base,
            target=0.5,
            details={"import_only_s": in_process, "imports_matplotlib": mpl,
                     "imports_ipywidgets": widgets},
        ),
        Measurement(
            "6 import", "python -c '" + DEPENDENCIES + "'", deps, "s", "python -c pass", base,
            details={"why": "the floor under import vmlab: the engine's own dependencies"},
        ),
    ]  # fmt: skip


if __name__ == "__main__":  # run these benchmarks alone (prints; writes only with --output)
    import run

    sys.exit(run.main(["--only", "import", "lessons", *sys.argv[1:]]))
