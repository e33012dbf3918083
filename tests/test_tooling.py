"""The test tooling itself: nbval's sanitize file and the notebook normaliser."""

import re
import sys
from pathlib import Path

import nbformat
from nbval.plugin import get_sanitize_patterns

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import run_notebooks  # noqa: E402


def sanitize(text: str) -> str:
    patterns = get_sanitize_patterns((REPO / "tests" / "nbval-sanitize.cfg").read_text())
    for regex, replace in patterns:
        text = re.sub(regex, replace, text)
    return text


def test_sanitize_file_has_a_replace_under_every_regex():
    lines = [ln for ln in (REPO / "tests/nbval-sanitize.cfg").read_text().splitlines() if ln]
    regexes = [i for i, ln in enumerate(lines) if ln.startswith("regex: ")]
    assert regexes, "no patterns"
    assert all(lines[i + 1].startswith("replace: ") for i in regexes)
    assert len(get_sanitize_patterns("\n".join(lines) + "\n")) == len(regexes)


def test_sanitize_hides_what_varies_and_keeps_what_matters():
    assert sanitize("<Axes: > at 0x7f3a2c1d90") == sanitize("<Axes: > at 0x7ffe00a1b2")
    assert sanitize("CPU times: user 3 ms, sys: 1 ms") == sanitize("CPU times: user 9 ms")
    assert sanitize("Wall time: 2.1 ms") == sanitize("Wall time: 40 ms")
    assert sanitize("saved /tmp/tmpab12/run.csv") == sanitize("saved /tmp/tmpzz99/run.csv")
    assert sanitize("/home/a/vmlab/vmlab/plots.py:3: UserWarning") == sanitize(
        "/srv/ci/vmlab/plots.py:3: UserWarning"
    )
    # Figures' reprs and the lesson's numbers are compared as they are.
    assert sanitize("<Figure size 640x480 with 1 Axes>") == "<Figure size 640x480 with 1 Axes>"
    assert sanitize("esx-03 failed: 5 VMs down for 690 s") == "esx-03 failed: 5 VMs down for 690 s"


def _messy_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "venv-xyz", "display_name": "My venv", "language": "python"},
        "language_info": {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"},
        "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
        "vmlab": {"lesson": 0},
    }
    md = nbformat.v4.new_markdown_cell("# Title")
    a = nbformat.v4.new_code_cell("1 + 1", execution_count=7)
    a.metadata = {"execution": {"iopub.status.idle": "2026-01-01T00:00:00Z"}, "tags": ["keep"]}
    a.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=7)]
    w = nbformat.v4.new_code_cell("widget", execution_count=9)
    view = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    w.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            {"application/vnd.jupyter.widget-view+json": view, "text/plain": "VBox()"},
            execution_count=9,
        )
    ]
    empty = nbformat.v4.new_code_cell("")
    nb.cells = [md, a, w, empty]
    return nb


def test_normalise_makes_metadata_machine_independent():
    nb = run_notebooks.normalise(_messy_notebook())
    assert nb.metadata.kernelspec == {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    assert nb.metadata.language_info == {"name": "python"}
    assert "widgets" not in nb.metadata
    assert nb.metadata.vmlab == {"lesson": 0}  # the author's own metadata stays
    a, w, empty = nb.cells[1:]
    assert a.metadata == {"tags": ["keep"]}
    assert (a.execution_count, a.outputs[0].execution_count) == (1, 1)
    assert (w.execution_count, w.outputs[0].execution_count) == (2, 2)
    assert w.outputs[0].data == {"text/plain": run_notebooks.WIDGET_PLACEHOLDER}, (
        "a note, not a repr"
    )
    assert empty.execution_count is None
    nbformat.validate(nb)


def test_normalise_is_idempotent_and_does_not_touch_its_input():
    messy = _messy_notebook()
    once = run_notebooks.normalise(messy)
    assert run_notebooks.normalise(once) == once
    assert messy.metadata.kernelspec.name == "venv-xyz"


def test_check_names_what_make_notebooks_would_fix():
    messy = _messy_notebook()
    assert run_notebooks.check(messy) == "metadata is not normalised"
    assert run_notebooks.check(run_notebooks.normalise(messy)) is None
    stripped = run_notebooks.normalise(messy)
    stripped.cells[1].execution_count = None
    assert run_notebooks.check(stripped) == "cells [2] have no stored outputs"


def test_a_saved_widget_says_to_run_its_cell_in_the_lessons_language():
    # JupyterLab autosaves a live lesson: what it keeps of a widget is repr(widget).
    from vmlab import Cluster, i18n
    from vmlab.widgets import failure_picker
    from vmlab.widgets.render import WIDGET_PLACEHOLDER

    assert repr(failure_picker(Cluster.example())) == run_notebooks.WIDGET_PLACEHOLDER
    assert WIDGET_PLACEHOLDER == run_notebooks.WIDGET_PLACEHOLDER
    zh = nbformat.v4.new_notebook(metadata={"vmlab": {"edition": "zh"}})
    try:
        i18n.use_language("zh")
        assert repr(failure_picker(Cluster.example())) == run_notebooks.placeholder(zh)
    finally:
        i18n.use_language("en")
    assert "运行" in run_notebooks.placeholder(zh)
