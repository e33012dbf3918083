#!/usr/bin/env python3
"""Execute lessons top to bottom and store them with normalised metadata.

    python scripts/run_notebooks.py                      # every lesson, both editions, in place
    python scripts/run_notebooks.py notebooks/00-*.ipynb # some of them
    python scripts/run_notebooks.py --output-dir /tmp/x  # executed copies; lessons untouched
    python scripts/run_notebooks.py --check              # fail if a lesson is not normalised

Each notebook runs in a fresh ``python3`` kernel whose working directory is the
notebook's folder, as in JupyterLab. Stored outputs are what nbval compares, and
what GitHub shows, so the committed lessons must come from this script.

Normalised: kernelspec ``python3``; ``language_info`` reduced to its name; no widget
state (``metadata.widgets``) and no widget view ids in outputs (their text fallback
stays); no execution timings or other per-machine fields; execution counts 1..n.

A cell that raises stops that notebook (tag the cell ``raises-exception`` if the error
is the lesson); the file is then left as it was and the script exits non-zero.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
LANGUAGE_INFO = {"name": "python"}
# Top-level notebook metadata that only describes one machine or one run.
DROP_NOTEBOOK_METADATA = {"widgets", "vscode", "interpreter", "toc-autonumbering"}
# Cell metadata written by front ends and executors, not by the lesson's author.
DROP_CELL_METADATA = {
    "execution",
    "ExecuteTime",
    "scrolled",
    "collapsed",
    "jp-MarkdownHeadingCollapsed",
}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_PLACEHOLDER = "▶ Run this cell to bring the interactive widget to life."


def placeholder(nb: nbformat.NotebookNode) -> str:
    """:data:`WIDGET_PLACEHOLDER` in the lesson's language (a Chinese twin says it in Chinese,
    from vmlab's catalog, as its widgets' own ``repr`` does)."""
    if nb.metadata.get("vmlab", {}).get("edition") != "zh":
        return WIDGET_PLACEHOLDER
    from vmlab import i18n

    previous = i18n.language()
    try:
        i18n.use_language("zh")
        return i18n._(WIDGET_PLACEHOLDER)
    finally:
        i18n.use_language(previous)


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with stable, machine-independent metadata."""
    nb = copy.deepcopy(nb)
    text = placeholder(nb)
    meta = {k: v for k, v in nb.metadata.items() if k not in DROP_NOTEBOOK_METADATA}
    meta["kernelspec"] = dict(KERNELSPEC)
    meta["language_info"] = dict(LANGUAGE_INFO)
    nb.metadata = nbformat.from_dict(meta)
    count = 0
    for cell in nb.cells:
        for key in DROP_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        if cell.execution_count is None and not cell.outputs:
            continue
        count += 1
        cell.execution_count = count
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = count
            # A widget view names a model that exists only in a running kernel (a new random
            # id every run). Without saved state nothing can draw it, and JupyterLab shows the
            # text/plain fallback instead: make that a note to the student, not a repr.
            data = output.get("data", {})
            if data.pop(WIDGET_VIEW, None) is not None:
                data["text/plain"] = text
    return nb


def check(nb: nbformat.NotebookNode) -> str | None:
    """Why ``nb`` is not as ``make notebooks`` stores it, or None if it is."""
    unrun = [
        i
        for i, cell in enumerate(nb.cells, 1)
        if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None
    ]
    if unrun:
        # nbval compares nothing for a cell without an execution count.
        return f"cells {unrun} have no stored outputs"
    if normalise(nb) != nb:
        return "metadata is not normalised"
    return None


def execute(path: Path, timeout_s: int, kernel: str) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout_s,
        kernel_name=kernel,
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
    )
    client.execute()
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--output-dir", type=Path, help="write executed copies here instead")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--kernel", default="python3")
    parser.add_argument(
        "--check", action="store_true", help="do not execute: fail if a notebook is not normalised"
    )
    args = parser.parse_args(argv)
    # The English lessons, then their Chinese twins (generated by scripts/twins.py).
    paths = args.paths or [
        *sorted((REPO / "notebooks").glob("*.ipynb")),
        *sorted((REPO / "notebooks" / "zh").glob("*.ipynb")),
    ]
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    failed = []
    for path in paths:
        path = path.resolve()
        if args.check:
            problem = check(nbformat.read(path, as_version=4))
            if problem:
                failed.append(path)
                print(f"{path.name}: {problem} (run: make notebooks)", file=sys.stderr)
            continue
        start = time.monotonic()
        try:
            nb = normalise(execute(path, args.timeout, args.kernel))
        except Exception as exc:  # report every lesson, then fail
            failed.append(path)
            print(f"FAILED {path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        nbformat.validate(nb)
        target = path
        if args.output_dir:
            args.output_dir.mkdir(parents=True, exist_ok=True)
            # notebooks/zh/00-x.ipynb and notebooks/00-x.ipynb must not overwrite each other
            edition = path.parent.name if path.parent.name == "zh" else ""
            target = args.output_dir / edition / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        print(f"ran {path.name} in {time.monotonic() - start:.1f} s -> {target}")
    if failed:
        print(f"{len(failed)} of {len(paths)} notebooks failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
