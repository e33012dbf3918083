"""Drive a lesson in real JupyterLab: open it, run it, use its widgets, look at the page.

A lesson's browser test is a few lines (see ``test_lesson_00.py``)::

    def test_lesson_03(page, lab_server):
        open_lesson(page, lab_server, "03-*.ipynb")
        run_all_cells(page)
        assert_no_errors(page)
        cell = widget_cell(page, button="Fail this host")
        before = snapshot(cell)
        click_button(cell, "Fail this host")
        after = wait_for_change(page, cell, before)
        assert after.images and "esx-03" in after.text

Every wait is bounded and its timeout error says what the page looked like.
Selectors follow ipywidgets 8 and JupyterLab 4.
"""

from __future__ import annotations

import fnmatch
import re
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# Generous but bounded: the first kernel start on a 2-core machine is slow.
OPEN_TIMEOUT_S = 120
RUN_TIMEOUT_S = 300
WIDGET_TIMEOUT_S = 60
POLL_S = 0.25

# Selectors (ipywidgets 8 / JupyterLab 4).
CODE_CELL = ".jp-Notebook .jp-CodeCell"
WIDGET_BUTTON = ".widget-button"
WIDGET_DROPDOWN = ".widget-dropdown"
WIDGET_SLIDER = ".widget-slider"
WIDGET_OUTPUT = ".jupyter-widgets.widget-output"
CELL_OUTPUT = ".jp-Cell-outputArea"
STDERR_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"

_NOTEBOOK_STATE_JS = """
() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  if (!w || !w.content || !w.sessionContext) return null;
  const session = w.sessionContext.session;
  const kernel = session ? session.kernel : null;
  const cells = w.content.widgets.filter(c => c.model.type === 'code');
  let pending = 0, unexecuted = 0;
  const errors = [];
  cells.forEach((c, i) => {
    const prompt = c.node.querySelector('.jp-InputPrompt');
    if (prompt && prompt.textContent.includes('*')) pending += 1;
    if (c.model.sharedModel.getSource().trim() && c.model.executionCount === null) unexecuted += 1;
    for (const o of c.model.outputs.toJSON()) {
      if (o.output_type === 'error') errors.push(`code cell ${i + 1}: ${o.ename}: ${o.evalue}`);
    }
  });
  const dialog = document.querySelector('.jp-Dialog');
  return {
    path: w.context.path,
    kernel: kernel ? kernel.status : null,
    connection: kernel ? kernel.connectionStatus : null,
    codeCells: cells.length,
    pending, unexecuted, errors,
    dialog: dialog ? dialog.innerText.slice(0, 300) : null,
  };
}
"""


class HarnessTimeout(AssertionError):
    """A bounded wait ran out; the message carries the last state seen."""


def notebook_state(page: Page) -> dict | None:
    """The current notebook's path, kernel status and cell counts, read from JupyterLab."""
    return page.evaluate(_NOTEBOOK_STATE_JS)


def _wait(page: Page, what: str, check, timeout_s: float):
    """Poll ``check()`` until it returns something truthy; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last = None
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            try:
                last = notebook_state(page)
            except Exception as exc:  # the page itself may be broken
                last = f"(state unavailable: {exc})"
            raise HarnessTimeout(f"timed out after {timeout_s:.0f} s waiting for {what}; {last}")
        time.sleep(POLL_S)


def lab_setting(page: Page, plugin: str, key: str):
    """The value JupyterLab uses for setting ``key`` of ``plugin`` (user settings applied)."""
    return page.evaluate(
        """async ([plugin, key]) => {
             const s = await window.jupyterapp.serviceManager.settings.fetch(plugin);
             if (s.settings && key in s.settings) return s.settings[key];
             return s.schema.properties?.[key]?.default;
           }""",
        [plugin, key],
    )


def find_lesson(pattern: str) -> str:
    """Repository-relative path of the one notebook under notebooks/ matching ``pattern``."""
    if "/" in pattern:
        return pattern
    matches = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    found = [name for name in matches if fnmatch.fnmatch(name, pattern)]
    if len(found) != 1:
        raise AssertionError(f"expected one lesson matching {pattern!r}, found {found or matches}")
    return f"notebooks/{found[0]}"


def open_lesson(page: Page, server, lesson: str, timeout_s: float = OPEN_TIMEOUT_S) -> str:
    """Open a lesson (``"00-*.ipynb"``, a file name, or a repo-relative path) with an idle kernel.

    Returns the repository-relative path opened.
    """
    path = find_lesson(lesson)
    page.goto(server.lab_url(path), timeout=timeout_s * 1000)
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=timeout_s * 1000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")

    def opened():
        state = notebook_state(page)
        if state and state["dialog"]:
            raise AssertionError(f"JupyterLab shows a dialog instead of {path}: {state['dialog']}")
        return state and state["path"] == path

    _wait(page, f"{path} to open", opened, timeout_s)
    page.evaluate(
        """async () => {
             const w = window.jupyterapp.shell.currentWidget;
             await w.context.ready;
             await w.sessionContext.ready;
           }"""
    )
    wait_until_idle(page, timeout_s)
    return path


def wait_until_idle(page: Page, timeout_s: float = WIDGET_TIMEOUT_S) -> dict:
    """Wait until the kernel is connected and idle and no cell shows ``[*]``."""

    def idle():
        state = notebook_state(page)
        if state and state["dialog"]:
            raise AssertionError(f"JupyterLab shows a dialog: {state['dialog']}")
        ok = (
            state
            and state["kernel"] == "idle"
            and state["connection"] == "connected"
            and state["pending"] == 0
        )
        return state if ok else None

    return _wait(page, "an idle kernel", idle, timeout_s)


def run_all_cells(page: Page, timeout_s: float = RUN_TIMEOUT_S) -> dict:
    """Run every cell (``notebook:run-all-cells``) and wait until all code cells have run.

    Fails at once, naming the cell, when a cell raises.
    """
    page.evaluate(
        """async () => {
             const app = window.jupyterapp;
             await app.shell.currentWidget.sessionContext.ready;
             app.commands.execute('notebook:run-all-cells');
           }"""
    )

    def done():
        state = notebook_state(page)
        if state is None:
            return None
        if state["errors"]:
            raise AssertionError("a cell raised: " + "; ".join(state["errors"]))
        ok = (
            state["kernel"] == "idle"
            and state["pending"] == 0
            and state["unexecuted"] == 0
            and state["codeCells"] > 0
        )
        return state if ok else None

    return _wait(page, "all cells to run", done, timeout_s)


def assert_no_errors(page: Page) -> None:
    """No traceback, no error output, no 'Error displaying widget' anywhere in the notebook."""
    state = notebook_state(page)
    assert state is not None, "no notebook is open"
    assert not state["errors"], "error outputs: " + "; ".join(state["errors"])
    tracebacks = [t for t in page.locator(STDERR_OUTPUT).all_inner_texts() if "Traceback" in t]
    assert not tracebacks, "stderr shows a traceback:\n" + "\n---\n".join(tracebacks)
    notebook_text = page.locator(".jp-Notebook").inner_text()
    for bad in ("Error displaying widget", "Error rendering output", "model not found"):
        assert bad not in notebook_text, f"the page shows {bad!r}"


def widget_cell(page: Page, *, button: str | None = None, text: str | None = None) -> Locator:
    """The one code cell whose output holds a widget button ``button`` (or contains ``text``)."""
    cells = page.locator(CODE_CELL)
    if button is not None:
        cells = cells.filter(has=page.locator(WIDGET_BUTTON, has_text=_exact(button)))
    if text is not None:
        cells = cells.filter(has_text=text)
    count = cells.count()
    assert count == 1, f"expected one cell with button={button!r} text={text!r}, found {count}"
    return cells.first


def cell_output(cell: Locator) -> Locator:
    """The output area of a code cell: its widgets (all of them) and what they show."""
    return cell.locator(CELL_OUTPUT)


def click_button(scope: Page | Locator, text: str) -> None:
    """Click the widget button labelled exactly ``text`` inside ``scope``."""
    target = scope.locator(WIDGET_BUTTON, has_text=_exact(text))
    target.scroll_into_view_if_needed()
    target.click()


def select_option(scope: Page | Locator, label: str, option: str) -> None:
    """Choose ``option`` in the Dropdown whose description is ``label``."""
    dropdown = scope.locator(WIDGET_DROPDOWN).filter(
        has=_root(scope).locator(".widget-label", has_text=_exact(label))
    )
    dropdown.locator("select").select_option(option)


def dropdown_options(scope: Page | Locator, label: str) -> list[str]:
    """The option texts of the Dropdown whose description is ``label``."""
    dropdown = scope.locator(WIDGET_DROPDOWN).filter(
        has=_root(scope).locator(".widget-label", has_text=_exact(label))
    )
    return dropdown.locator("option").evaluate_all("os => os.map(o => o.textContent.trim())")


def set_slider(scope: Page | Locator, label: str, value: float | int) -> None:
    """Set the slider whose description is ``label`` by typing into its readout."""
    slider = scope.locator(WIDGET_SLIDER).filter(
        has=_root(scope).locator(".widget-label", has_text=_exact(label))
    )
    readout = slider.locator(".widget-readout")
    readout.scroll_into_view_if_needed()
    readout.click()
    readout.press("Control+A")
    readout.type(str(value))
    readout.press("Enter")


@dataclass(frozen=True)
class Snapshot:
    """What a part of the page shows: its HTML, visible text and image sources."""

    html: str
    text: str
    images: tuple[str, ...]


def snapshot(scope: Locator) -> Snapshot:
    """What ``scope`` shows now (use on a cell, or on ``cell.locator(WIDGET_OUTPUT)``)."""
    return Snapshot(
        html=scope.inner_html(),
        text=scope.inner_text(),
        images=tuple(
            scope.locator("img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
        ),
    )


def wait_for_change(
    page: Page,
    scope: Locator,
    before: Snapshot,
    *,
    images: bool = True,
    timeout_s: float = WIDGET_TIMEOUT_S,
) -> Snapshot:
    """Wait until ``scope`` differs from ``before`` (with an image if ``images``) and settles.

    Settled = the kernel is idle and two reads a moment apart are the same.
    """

    def changed():
        now = snapshot(scope)
        if now.html == before.html or (images and not now.images):
            return None
        state = notebook_state(page)
        if not state or state["kernel"] != "idle":
            return None
        time.sleep(2 * POLL_S)
        again = snapshot(scope)
        return again if again == now else None

    return _wait(page, "the widget output to change", changed, timeout_s)


def screenshot(page: Page, name: str, scope: Locator | None = None) -> Path:
    """Save a PNG under tests/browser/artifacts/ (of ``scope`` if given) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / (name if name.endswith(".png") else f"{name}.png")
    if scope is not None:
        scope.scroll_into_view_if_needed()
        scope.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path))
    return path


def _root(scope: Page | Locator) -> Page:
    # A locator given as ``has=`` is matched inside each candidate, so build it from the page.
    return scope.page if isinstance(scope, Locator) else scope


def _exact(text: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


_EDIT_AND_RUN_JS = """
async ([needle, source]) => {
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  const index = notebook.widgets.findIndex(
    (cell) => cell.model.sharedModel.getSource().includes(needle));
  if (index < 0) { return -1; }
  notebook.widgets[index].model.sharedModel.setSource(source);
  notebook.activeCellIndex = index;
  await app.commands.execute('notebook:run-cell');
  return index;
}
"""


def edit_and_run(page: Page, needle: str, source: str) -> int:
    """Do what a student does with an exercise cell: replace the source of the first cell
    containing ``needle`` with ``source`` and run it. Returns the cell's index among all
    cells (-1 when no cell contains ``needle``)."""
    return int(page.evaluate(_EDIT_AND_RUN_JS, [needle, source]))
