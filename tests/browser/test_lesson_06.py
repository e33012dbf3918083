"""Lesson 06 in real JupyterLab: run it, take a datastore away on the storage panel, see VMCP
restart the VMs (and a choice VMCP cannot act on)."""

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


def test_lesson_06_lose_a_datastore_on_the_storage_panel(page, lab_server):
    open_lesson(page, lab_server, "06-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    cell = widget_cell(page, button="Lose the datastore")
    hosts = dropdown_options(cell, "Lost by")
    every = hosts[-1]  # ipywidgets shows the space as a no-break space
    assert len(hosts) == 17 and every.replace("\xa0", " ") == "every host", hosts
    widget = cell_output(cell)
    before = snapshot(widget)
    assert "VMCP terminated" not in before.text

    click_button(cell, "Lose the datastore")  # APD on esx-03, VMCP conservative
    after = wait_for_change(page, widget, before)
    figure = snapshot(cell.locator(WIDGET_OUTPUT))
    assert len(figure.images) == 1, f"expected one figure, got {len(figure.images)}"
    assert figure.images[0].startswith("data:image/png")
    assert "5 VMs stopped" in after.text and "VMCP terminated 5" in after.text, after.text

    select_option(cell, "Lost by", every)  # no host sees it: VMCP cannot restart
    select_option(cell, "VMCP", "Power off and restart VMs (aggressive)")
    click_button(cell, "Lose the datastore")
    again = wait_for_change(page, widget, after)
    assert "VMCP did not terminate them" in again.text, again.text
    assert "Traceback" not in again.text
    assert_no_errors(page)
    screenshot(page, "lesson-06-after-fault", scope=cell)
