"""The harness itself, on a small fixture notebook (a stand-in for a lesson's widget).

If this fails while a lesson's test fails too, suspect the harness or the lab set-up
before the lesson.
"""

import json
import urllib.error
import urllib.request

import pytest
from harness import (
    WIDGET_OUTPUT,
    assert_no_errors,
    click_button,
    dropdown_options,
    lab_setting,
    open_lesson,
    run_all_cells,
    select_option,
    set_slider,
    snapshot,
    wait_for_change,
    widget_cell,
)

FIXTURE = "tests/browser/fixtures/widget-demo.ipynb"


def test_harness_drives_a_widget(page, lab_server):
    assert open_lesson(page, lab_server, FIXTURE) == FIXTURE
    state = run_all_cells(page)
    assert state["codeCells"] == 3 and state["unexecuted"] == 0
    assert_no_errors(page)
    # The test server's settings are in force: all cells rendered, no autosave, no news.
    assert lab_setting(page, "@jupyterlab/notebook-extension:tracker", "windowingMode") == "none"
    assert lab_setting(page, "@jupyterlab/docmanager-extension:plugin", "autosave") is False
    assert lab_setting(page, "@jupyterlab/apputils-extension:notification", "fetchNews") == "false"
    assert "last cell ran" in page.locator(".jp-Notebook").inner_text()

    cell = widget_cell(page, button="Fail this host")
    assert dropdown_options(cell, "Host") == ["esx-01", "esx-02", "esx-03"]
    output = cell.locator(WIDGET_OUTPUT)
    before = snapshot(output)
    assert not before.images

    select_option(cell, "Host", "esx-02")
    click_button(cell, "Fail this host")
    after = wait_for_change(page, output, before)
    assert len(after.images) == 1 and after.images[0].startswith("data:image/png")
    assert "esx-02 failed" in after.text

    select_option(cell, "Host", "esx-03")
    click_button(cell, "Fail this host")
    third = wait_for_change(page, output, after)
    assert "esx-03 failed" in third.text and "esx-02" not in third.text
    assert third.images != after.images
    assert_no_errors(page)


def test_harness_sets_a_slider(page, lab_server):
    open_lesson(page, lab_server, FIXTURE)
    run_all_cells(page)
    cell = widget_cell(page, text="bandwidth 10 Gbit/s")
    before = snapshot(cell)
    set_slider(cell, "Bandwidth", 25)
    after = wait_for_change(page, cell, before, images=False)
    assert "bandwidth 25 Gbit/s" in after.text


def test_the_test_server_never_writes_files(lab_server):
    target = "tests/browser/artifacts/never-written.txt"
    log = lab_server.refused_writes
    before = log.read_text() if log.exists() else ""
    body = json.dumps({"type": "file", "format": "text", "content": "x"}).encode()
    request = urllib.request.Request(
        f"{lab_server.url}api/contents/{target}?token={lab_server.token}",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403
        assert not (lab_server.root / target).exists()
        assert log.read_text().endswith(f"save {target}\n")
    finally:
        log.write_text(before)  # this refusal was the point; keep the session check clean
