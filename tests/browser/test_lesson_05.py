"""Lesson 05 in real JupyterLab: run it, see the rebuilt table and charts, answer an exercise
as a student does (edit the cell, run it) and get the instant feedback."""

from harness import (
    CODE_CELL,
    assert_no_errors,
    edit_and_run,
    open_lesson,
    run_all_cells,
    screenshot,
)

from vmlab.scenarios import compare, degraded_host, vm_impact
from vmlab.units import format_duration


def test_lesson_05_table_charts_and_an_exercise(page, lab_server):
    open_lesson(page, lab_server, "05-*.ipynb")
    run_all_cells(page)
    assert_no_errors(page)

    notebook = page.locator(".jp-Notebook")
    text = notebook.inner_text()
    table = compare().set_index("feature").downtime_s  # the model's numbers, not typed in
    ha, none = format_duration(table["HA"]), format_duration(table["none"])
    for expected in ("vMotion", ha, "nines", "物理服务器故障", "rests on"):
        assert expected in text, f"the lesson does not show {expected!r}"
    # The rebuilt table waits for a prediction: lock one in, and it appears with its numbers.
    ask = page.locator(CODE_CELL).filter(has_text="which rows will say that the database stops")
    answer = page.locator(CODE_CELL).filter(has_text='reveal("05.stops"')
    assert "Make a prediction first" in answer.inner_text()
    assert none not in answer.inner_text()
    ask.locator("label", has_text="HA and none").click()
    ask.locator(".widget-button", has_text="Lock in my prediction").click()
    answer.locator(".jp-OutputArea-output", has_text="and so it was").wait_for(timeout=60_000)
    assert none in answer.inner_text(), answer.inner_text()
    assert notebook.locator(".jp-OutputArea-output img").count() >= 3, "three charts"

    cell = page.locator(CODE_CELL).filter(has_text='check("05.5", None)')
    assert "Put your answer in place of None" in cell.inner_text()
    outage = vm_impact(degraded_host(automation="manual"))["downtime_s"]  # the model's, not typed
    index = edit_and_run(page, 'check("05.5", None)', f'check("05.5", {outage:.0f})')
    assert index >= 0
    answered = page.locator(".jp-Notebook .jp-Cell").nth(index)  # every cell, as JupyterLab counts
    answered.locator(".jp-OutputArea-output", has_text="Right").wait_for(timeout=60_000)
    assert "Nobody applied the recommendation" in answered.inner_text()
    assert_no_errors(page)
    screenshot(page, "lesson-05-exercise", scope=answered)
