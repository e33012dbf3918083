"""Lesson 07 in real JupyterLab: run it, see QEMU's measured migrations beside the model,
and do an exercise as a student does: run a new experiment, answer, get the feedback."""

from harness import CODE_CELL, assert_no_errors, open_lesson, run_all_cells, screenshot

_EDIT_AND_RUN_JS = """
async ([needle, source]) => {
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  const index = notebook.widgets.findIndex(
    (cell) => cell.model.sharedModel.getSource().includes(needle));
  if (index < 0) { return -1; }
  notebook.widgets[index].model.sharedModel.setSource(source);
  notebook.activeCellIndex = index;
  await app.commands.execute('notebook:run-cell');
  return index;
}
"""


def test_lesson_07_model_beside_qemu_and_an_experiment(page, lab_server):
    open_lesson(page, lab_server, "07-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    notebook = page.locator(".jp-Notebook")
    text = notebook.inner_text()
    for expected in ("QEMU:", "model:", "did not finish within its 40 s cap", "verdict_right"):
        assert expected in text, f"the lesson does not show {expected!r}"
    assert notebook.locator(".jp-OutputArea-output img").count() >= 4, "four model-vs-QEMU plots"

    plot = page.locator(CODE_CELL).filter(has_text="plot_model_vs_qemu(HOT_RUN")
    screenshot(page, "lesson-07-hot-run", scope=plot)

    # exercise 1 needs a new experiment: plot a run the lesson did not show, then answer
    experiment = (
        'plot_model_vs_qemu("m512_w64_r32000_b64_d300_ac0")\nplt.show()\ncheck("07.1", "b")'
    )
    index = page.evaluate(_EDIT_AND_RUN_JS, ['check("07.1", None)', experiment])
    assert index >= 0
    answered = page.locator(".jp-Notebook .jp-Cell").nth(index)
    answered.locator(".jp-OutputArea-output", has_text="Right").wait_for(timeout=60_000)
    assert answered.locator(".jp-OutputArea-output img").count() == 1, "the new plot is shown"
    assert_no_errors(page)
    screenshot(page, "lesson-07-exercise", scope=answered)
