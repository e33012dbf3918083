"""Lesson 07 in real JupyterLab: run it, lock in the predictions and see QEMU's measured
migrations revealed beside the model, then do an exercise as a student does: run a new
experiment, answer, get the feedback."""

from harness import (
    CODE_CELL,
    assert_no_errors,
    edit_and_run,
    open_lesson,
    run_all_cells,
    screenshot,
)


def lock_in(page, qid: str, choice: int) -> None:
    cell = page.locator(CODE_CELL).filter(has_text=f'predict("{qid}")')
    cell.locator(".widget-radio-box input").nth(choice).check()
    cell.get_by_role("button", name="Lock in my prediction").click()
    cell.get_by_text("Locked in", exact=False).first.wait_for(timeout=30_000)


def test_lesson_07_predictions_model_beside_qemu_and_an_experiment(page, lab_server):
    open_lesson(page, lab_server, "07-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    notebook = page.locator(".jp-Notebook")
    assert "verdict_right" in notebook.inner_text(), "the score table is shown"
    assert notebook.locator(".jp-OutputArea-output img").count() >= 2, "two plots before any reveal"
    reveal = page.locator(CODE_CELL).filter(has_text='reveal("07.converge"')
    assert "did not finish" not in reveal.inner_text(), "the result waits for a prediction"

    lock_in(page, "07.error", 0)
    lock_in(page, "07.converge", 1)
    reveal.get_by_text("did not finish within its 40 s cap").wait_for(timeout=60_000)
    assert reveal.locator("img").count() == 1, "the plot appears once a prediction is locked in"
    assert_no_errors(page)
    screenshot(page, "lesson-07-reveal", scope=reveal)

    # exercise 1 needs a new experiment: plot a run the lesson did not show, then answer
    experiment = (
        'plot_model_vs_qemu("m512_w64_r32000_b64_d300_ac0")\nplt.show()\ncheck("07.1", "b")'
    )
    index = edit_and_run(page, 'check("07.1", None)', experiment)
    assert index >= 0
    answered = page.locator(".jp-Notebook .jp-Cell").nth(index)
    answered.locator(".jp-OutputArea-output", has_text="Right").wait_for(timeout=60_000)
    assert answered.locator(".jp-OutputArea-output img").count() == 1, "the new plot is shown"
    assert_no_errors(page)
    screenshot(page, "lesson-07-exercise", scope=answered)
