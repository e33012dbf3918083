"""Lesson 03 in real JupyterLab: run it, fail a host on the HA dashboard, see the restarts."""

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


def test_lesson_03_fail_a_host_on_the_dashboard(page, lab_server):
    open_lesson(page, lab_server, "03-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    cell = widget_cell(page, button="Fail host")
    hosts = dropdown_options(cell, "Host")
    assert len(hosts) == 16, f"the Host dropdown offers {hosts}"
    host = hosts[4]  # not the one selected by default
    widget = cell_output(cell)
    before = snapshot(widget)
    assert f"{host} fails" not in before.text

    select_option(cell, "Host", host)
    click_button(cell, "Fail host")
    after = wait_for_change(page, widget, before)

    figure = snapshot(cell.locator(WIDGET_OUTPUT))
    assert len(figure.images) == 1, f"expected one HA timeline, got {len(figure.images)}"
    assert figure.images[0].startswith("data:image/png")
    assert f"{host} fails" in after.text, f"the summary does not name {host}: {after.text!r}"
    assert "VMs stopped" in after.text

    click_button(cell, "Fail host")  # the same host again, a minute later: impossible
    again = wait_for_change(page, widget, after)
    assert "Cannot do that" in again.text, again.text
    assert "Repair host button" in again.text and "sim." not in again.text, again.text
    assert_no_errors(page)
    screenshot(page, "lesson-03-after-fail", scope=cell)


def test_lesson_03_a_number_prediction_and_a_violated_policy(page, lab_server):
    open_lesson(page, lab_server, "03-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    # A numeric prediction: type a number, lock it in, the reveal compares it with the run.
    ask = widget_cell(page, button="Lock in my prediction", text="How many seconds will web-03")
    answer = widget_cell(page, text='reveal("03.web"')
    before = snapshot(cell_output(answer))
    assert "Make a prediction first" in before.text, before.text
    box = ask.locator(".widget-text input")
    box.fill("60")
    box.press("Enter")
    click_button(ask, "Lock in my prediction")
    after = wait_for_change(page, cell_output(answer), before, images=False)
    assert "You predicted 60 s; the run gave 63 s" in after.text, after.text
    screenshot(page, "lesson-03-number-prediction", scope=answer)

    # The dashboard at the slot policy: a failover capacity of 0 is shown as violated.
    board = widget_cell(page, button="Fail host")
    widget = cell_output(board)
    was = snapshot(widget)
    select_option(board, "Admission control", "slot policy: 1 host")
    now = wait_for_change(page, widget, was, images=False)
    assert "The slot policy is violated" in now.text, now.text
    assert "failover capacity 0" in now.text.replace("failover capacity\n0", "failover capacity 0")
    assert_no_errors(page)
    screenshot(page, "lesson-03-slot-policy-violated", scope=board)
