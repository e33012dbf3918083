"""Lesson 04 in real JupyterLab: run it, fail the primary's host in the FT panel, and see the
secondary take over."""

from harness import (
    WIDGET_OUTPUT,
    assert_no_errors,
    cell_output,
    click_button,
    open_lesson,
    run_all_cells,
    screenshot,
    snapshot,
    wait_for_change,
    widget_cell,
)


def test_lesson_04_the_secondary_takes_over(page, lab_server):
    open_lesson(page, lab_server, "04-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    cell = widget_cell(page, button="Fail the primary's host (esx-09)")
    widget = cell_output(cell)
    before = snapshot(widget)
    assert "primary on esx-09" in before.text, before.text
    assert "secondary on esx-01" in before.text, before.text

    click_button(cell, "Fail the primary's host (esx-09)")
    after = wait_for_change(page, widget, before)

    assert "The secondary on esx-01 is live" in after.text, after.text
    assert "At the end of that run: primary on esx-01" in after.text, after.text
    # every press starts again from the cluster as it is: the button still names esx-09
    assert "Every press starts again from here: db-01's primary on esx-09" in after.text
    assert "not a restart" in after.text, after.text
    figure = snapshot(cell.locator(WIDGET_OUTPUT))
    assert len(figure.images) == 1, f"expected one picture, got {len(figure.images)}"
    assert figure.images[0].startswith("data:image/png")
    assert_no_errors(page)
    screenshot(page, "lesson-04-after-failover", scope=cell)
