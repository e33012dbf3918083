"""Lesson 01 in real JupyterLab: run it; migrate one VM by hand with the wizard and see its
timeline; try a move vCenter refuses and the shared-nothing one; lock in a prediction and see
the result revealed; turn the explorer's dirty-rate slider and see it redraw."""

from harness import (
    CODE_CELL,
    WIDGET_OUTPUT,
    assert_no_errors,
    cell_output,
    click_button,
    open_lesson,
    run_all_cells,
    screenshot,
    select_option,
    set_slider,
    snapshot,
    wait_for_change,
    widget_cell,
)


def test_lesson_01_wizard_prediction_and_explorer(page, lab_server):
    open_lesson(page, lab_server, "01-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    # 1 · the migrate wizard, first use: move web-01 to a host the student picks
    wizard = widget_cell(page, button="Migrate", text="migrate_wizard(cluster")
    assert "Compatibility" in wizard.inner_text() and "✔" in wizard.inner_text()
    select_option(wizard, "3 · Destination host", "esx-05")
    before = snapshot(cell_output(wizard))
    click_button(wizard, "Migrate")
    after = wait_for_change(page, cell_output(wizard), before)
    assert "web-01 moved from esx-01 to esx-05" in after.text
    assert "kept its MAC and IP" in after.text
    assert len(snapshot(wizard.locator(WIDGET_OUTPUT)).images) == 1, "the VM's timeline"
    assert_no_errors(page)
    screenshot(page, "lesson-01-wizard", scope=wizard)

    # a prediction, locked in before its result is shown
    predicted = page.locator(CODE_CELL).filter(has_text='predict("01.outage")')
    predicted.locator(".widget-radio-box input").nth(0).check()
    predicted.get_by_role("button", name="Lock in my prediction").click()
    revealed = page.locator(CODE_CELL).filter(has_text='reveal("01.outage"')
    revealed.get_by_text("db-01").first.wait_for(timeout=60_000)
    assert "You predicted" in revealed.inner_text()

    # 5 · the wizard on the mixed cluster: a refused move, then shared-nothing vMotion
    mixed = widget_cell(page, button="Migrate", text="migrate_wizard(mixed")
    select_option(mixed, "1 · Virtual machine", "build-01")
    select_option(mixed, "3 · Destination host", "esx-06")
    mixed.get_by_text("cannot see 'local-05'").wait_for(timeout=30_000)
    assert mixed.locator(".widget-button", has_text="Migrate").is_disabled()
    mixed.locator(".widget-toggle-button", has_text="Change both compute resource").click()
    select_option(mixed, "4 · Datastore", "san-01")
    mixed.get_by_text("shared-nothing vMotion").wait_for(timeout=30_000)
    before = snapshot(cell_output(mixed))
    click_button(mixed, "Migrate")
    after = wait_for_change(page, cell_output(mixed), before, images=False)
    assert "build-01" in after.text and "Traceback" not in after.text
    assert_no_errors(page)
    screenshot(page, "lesson-01-wizard-shared-nothing", scope=mixed)

    # the explorer redraws on a slider change
    cell = widget_cell(page, text="Dirty rate (MiB/s)")
    widget = cell_output(cell)
    before = snapshot(widget)
    assert len(snapshot(cell.locator(WIDGET_OUTPUT)).images) == 1, "the explorer shows its plot"
    set_slider(cell, "Dirty rate (MiB/s)", 3000)
    after = wait_for_change(page, widget, before)
    assert after.images != before.images, "the convergence plot was redrawn"
    assert "SDPS" in after.text
    assert_no_errors(page)
    screenshot(page, "lesson-01-explorer", scope=cell)
