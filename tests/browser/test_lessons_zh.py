"""Every Chinese lesson in real JupyterLab: it runs, its widgets answer, and they answer in Chinese.

The Chinese lessons are generated from the English ones (scripts/twins.py), so their widgets
are the English lessons' widgets: this test presses the lesson's main widget (its first button)
and locks in a prediction, and reads what comes back — Chinese, with no English sentence left
(``tests/zh_text.py``).
"""

from __future__ import annotations

import sys

import pytest
from harness import (
    REPO,
    assert_no_errors,
    cell_output,
    open_lesson,
    run_all_cells,
    screenshot,
    snapshot,
    wait_for_change,
    widget_cell,
)

sys.path.insert(0, str(REPO / "tests"))
from zh_text import english_left, has_chinese  # noqa: E402

# lesson number → the call that shows its main widget (None: the lesson has only predictions),
# and one prediction id that the test locks in.
LESSONS = {
    "00": ("failure_picker(", "00.who"),
    "01": ("migrate_wizard(cluster", "01.outage"),
    "02": ("balancer(", "02.moves"),
    "03": ("ha_dashboard(", "03.web"),
    "04": ("ft_panel(", "04.pause"),
    "05": (None, "05.stops"),
    "06": ("storage_panel(", "06.readings"),
    "07": (None, "07.error"),
}


def _lesson(number: str) -> str:
    (path,) = sorted((REPO / "notebooks" / "zh").glob(f"{number}-*.ipynb"))
    return str(path.relative_to(REPO))


def _assert_chinese(text: str, where: str) -> None:
    assert has_chinese(text), f"{where} shows no Chinese: {text[:300]!r}"
    left = english_left(text)
    assert not left, f"{where} still speaks English: {left[:8]} in {text[:400]!r}"


@pytest.mark.parametrize("number", sorted(LESSONS))
def test_chinese_lesson_runs_and_its_widgets_speak_chinese(page, lab_server, number):
    call, prediction = LESSONS[number]
    open_lesson(page, lab_server, _lesson(number))
    run_all_cells(page)
    assert_no_errors(page)

    if call is not None:
        cell = widget_cell(page, text=call)
        widget = cell_output(cell)
        before = snapshot(widget)
        _assert_chinese(before.text, f"lesson {number}'s widget")
        cell.locator(".widget-button").first.click()
        after = wait_for_change(page, widget, before, images=False)
        _assert_chinese(after.text, f"lesson {number}'s widget after a press")
        assert "Traceback" not in after.text
        screenshot(page, f"zh-lesson-{number}-widget", scope=cell)

    ask = widget_cell(page, text=f'predict("{prediction}")')
    answer = widget_cell(page, text=f'reveal("{prediction}"')
    held = snapshot(cell_output(answer))
    _assert_chinese(snapshot(cell_output(ask)).text, f"prediction {prediction}")
    radio = ask.locator(".widget-radio-box label")
    if radio.count():
        radio.first.click()
    else:  # a number to predict
        box = ask.locator("input").first
        box.fill("10")
        box.press("Tab")
    ask.locator(".widget-button").first.click()  # lock in
    revealed = wait_for_change(page, cell_output(answer), held, images=False)
    _assert_chinese(revealed.text, f"the reveal of {prediction}")
    assert_no_errors(page)
    screenshot(page, f"zh-lesson-{number}-prediction", scope=answer)
