"""The shared render helpers: a figure as one PNG output, and the busy indicator."""

from __future__ import annotations

import base64

import ipywidgets as w
import pytest
from matplotlib.figure import Figure

from vmlab.widgets import render
from vmlab.widgets.render import BUSY_NOTE, busy, figure_output


class Panel(w.VBox):
    """A minimal widget with two buttons, a summary and a callback that records the UI."""

    def __init__(self, work=None):
        self.go = w.Button(description="Go")
        self.other = w.Button(description="Other")
        self.off = w.Button(description="Off", disabled=True)
        self.summary = w.HTML("ready")
        self.calls: list[tuple[bool, bool, str]] = []
        self.work = work
        super().__init__([w.HBox([self.go, self.other, self.off]), self.summary])

    @busy
    def on_go(self, _button=None):
        self.calls.append((self.go.disabled, self.other.disabled, self.summary.value))
        if self.work:
            self.work(self)


def test_figure_output_is_one_png():
    fig = Figure(figsize=(2, 1), dpi=50)
    fig.add_subplot()
    out = figure_output(fig, "<x>")
    assert out["output_type"] == "display_data" and out["data"]["text/plain"] == "<x>"
    assert base64.b64decode(out["data"]["image/png"]).startswith(b"\x89PNG")


def test_busy_disables_the_buttons_and_says_so_then_restores():
    p = Panel()
    p.go.on_click(p.on_go)
    p.go.click()
    assert p.calls == [(True, True, f"<i>⏳ {BUSY_NOTE}</i>")]
    assert (p.go.disabled, p.other.disabled, p.off.disabled) == (False, False, True)
    assert p.summary.value == "ready"


def test_busy_keeps_the_callbacks_own_message_and_survives_an_error():
    p = Panel(work=lambda self: setattr(self.summary, "value", "done"))
    p.on_go()
    assert p.summary.value == "done" and not p.go.disabled

    def boom(self):
        raise RuntimeError("bug")

    q = Panel(work=boom)
    with pytest.raises(RuntimeError):
        q.on_go()
    assert not q.go.disabled and q.summary.value == "ready"
    q.work = None
    q.on_go()  # the widget is usable again
    assert len(q.calls) == 2


def test_a_click_sent_while_the_last_press_was_working_is_dropped(monkeypatch):
    clock = {"now": 100.0}
    monkeypatch.setattr(render.time, "monotonic", lambda: clock["now"])

    def slow(self):
        clock["now"] += 2.0  # the press takes 2 s

    p = Panel(work=slow)
    sent = iter([("m1", 1000.0), ("m2", 1000.5), ("m3", 1003.0), ("m3", 1003.0)])
    monkeypatch.setattr(render, "_click_sent", lambda: next(sent))
    p.on_go()  # m1 runs and takes 2 s
    p.on_go()  # m2 was clicked 0.5 s later, while m1 was working: dropped
    assert len(p.calls) == 1
    p.on_go()  # m3 was clicked 3 s after m1, once it was done: runs
    assert len(p.calls) == 2
    p.on_go()  # the same message again (code calling twice from one cell): runs
    assert len(p.calls) == 3


def test_clicks_from_code_always_run_and_re_entry_does_not():
    p = Panel(work=lambda self: self.on_go())  # a callback that presses itself
    p.go.on_click(p.on_go)
    for _ in range(3):
        p.go.click()
    assert len(p.calls) == 3  # one per click, none from the re-entry


def test_outside_a_kernel_there_is_no_click_time():
    assert render._click_sent() is None


def test_figure_slot_lays_out_once_per_shape_and_keeps_titles_inside():
    from vmlab import Cluster, Simulation
    from vmlab.plots.ha import plot_ha_timeline
    from vmlab.widgets.render import FigureSlot

    c = Cluster.example()
    c.enable_ha()
    slot = FigureSlot((9.5, 4), dpi=72)
    for host in ("esx-03", "esx-04", "esx-05"):
        sim = Simulation(c, seed=0)
        sim.fail_host(host, at_s=60)
        t = sim.run(until_s=900)
        out = slot.render(lambda ax, t=t: plot_ha_timeline(t, ax=ax), height_in=3.2)
        assert base64.b64decode(out["data"]["image/png"]).startswith(b"\x89PNG")
    assert slot.layouts == 1  # three presses of one shape: one layout
    fig = slot.figure
    fig.canvas.draw()
    box = fig.bbox
    for artist in [slot.axes.title, *slot.axes.get_yticklabels(), slot.axes.xaxis.label]:
        ext = artist.get_window_extent()
        assert box.x0 - 1 <= ext.x0 and ext.x1 <= box.x1 + 1 and ext.y1 <= box.y1 + 1
    assert fig.get_figheight() == 3.2


@pytest.mark.parametrize(
    ("factory", "callback"),
    [
        ("ha_dashboard", "on_fail"),
        ("ha_dashboard", "on_isolate"),
        ("ha_dashboard", "on_repair"),
        ("ha_dashboard", "on_clear"),
        ("ft_panel", "on_fail_primary"),
        ("ft_panel", "on_fail_secondary"),
        ("ft_panel", "on_cut_logging"),
        ("ft_panel", "on_fail_both"),
        ("failure_picker", "on_fail"),
        ("balancer", "on_run"),
    ],
)
def test_every_press_that_simulates_shows_it_is_working(factory, callback):
    import vmlab.widgets as vw
    from vmlab.scenarios import overloaded_cluster

    make = getattr(vw, factory)
    widget = make(overloaded_cluster()) if factory == "balancer" else make()
    assert hasattr(getattr(type(widget), callback), "__wrapped__"), f"{callback} is not @busy"
    buttons = [b for b in render._walk(widget) if isinstance(b, w.Button)]
    summaries, disabled = [], []
    widget.summary.observe(lambda change: summaries.append(change["new"]), names="value")
    for b in buttons:
        b.observe(lambda change: disabled.append(change["new"]), names="disabled")
    getattr(widget, callback)()
    assert f"<i>⏳ {BUSY_NOTE}</i>" in summaries  # said at once, before the work
    assert disabled[: len(buttons)] == [True] * len(buttons)  # every button, first
    assert not any(b.disabled for b in buttons)  # and all back afterwards
