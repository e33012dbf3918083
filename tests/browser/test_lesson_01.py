"""Lesson 01 in real JupyterLab: run it, turn the explorer's dirty-rate slider, see it redraw."""

from harness import (
    WIDGET_OUTPUT,
    assert_no_errors,
    cell_output,
    open_lesson,
    run_all_cells,
    screenshot,
    set_slider,
    snapshot,
    wait_for_change,
    widget_cell,
)


def test_lesson_01_migration_explorer(page, lab_server):
    open_lesson(page, lab_server, "01-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    cell = widget_cell(page, text="Dirty rate (MiB/s)")
    widget = cell_output(cell)
    before = snapshot(widget)
    assert len(snapshot(cell.locator(WIDGET_OUTPUT)).images) == 1, "the explorer shows its plot"

    set_slider(cell, "Dirty rate (MiB/s)", 3000)
    after = wait_for_change(page, widget, before)
    assert after.images != before.images, "the convergence plot was redrawn"
    assert after.text != before.text, "the result summary changed"
    assert_no_errors(page)
    screenshot(page, "lesson-01-explorer", scope=cell)
