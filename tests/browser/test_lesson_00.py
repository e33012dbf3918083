"""Lesson 00 in real JupyterLab: run it, fail a host with the widget, see the result."""

from harness import (
    WIDGET_OUTPUT,
    assert_no_errors,
    cell_output,
    click_button,
    dropdown_options,
    open_lesson,
    run_all_cells,
    screenshot,
    select_option,
    snapshot,
    wait_for_change,
    widget_cell,
)


def test_lesson_00_fail_a_host(page, lab_server):
    open_lesson(page, lab_server, "00-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    cell = widget_cell(page, button="Fail this host")
    hosts = dropdown_options(cell, "Host")
    assert len(hosts) >= 3, f"the Host dropdown offers {hosts}"
    host = hosts[2]  # not the one selected by default
    widget = cell_output(cell)
    before = snapshot(widget)
    assert f"{host} failed" not in before.text

    select_option(cell, "Host", host)
    click_button(cell, "Fail this host")
    after = wait_for_change(page, widget, before)

    figure = snapshot(cell.locator(WIDGET_OUTPUT))
    assert len(figure.images) == 1, f"expected one timeline figure, got {len(figure.images)}"
    assert figure.images[0].startswith("data:image/png")
    assert figure.images[0] not in before.images
    assert f"{host} failed" in after.text, f"the summary does not name {host}: {after.text!r}"
    assert_no_errors(page)
    screenshot(page, "lesson-00-after-fail", scope=cell)


def test_lesson_00_a_prediction_is_locked_then_revealed(page, lab_server):
    # The reveal cell runs before anyone predicts (run-all): it must hold the result back,
    # then fill in by itself when the prediction is locked in above it.
    open_lesson(page, lab_server, "00-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    ask = widget_cell(page, button="Lock in my prediction", text="Which VMs stop?")
    answer = widget_cell(page, text='reveal("00.who"')
    before = snapshot(cell_output(answer))
    assert "Make a prediction first" in before.text, before.text
    assert "host_failed" not in before.text  # the log is held back

    ask.locator("label", has_text="all of its VMs").click()
    screenshot(page, "lesson-00-prediction-before-lock", scope=ask)
    click_button(ask, "Lock in my prediction")
    after = wait_for_change(page, cell_output(answer), before, images=False)
    assert "You predicted b) all of its VMs — and so it was." in after.text, after.text
    assert "host_failed" in after.text  # the run's log appears only now
    assert "Locked in" in snapshot(cell_output(ask)).text
    assert_no_errors(page)
    screenshot(page, "lesson-00-prediction-revealed", scope=answer)
