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
