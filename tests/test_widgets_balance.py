"""Lesson 02's balancer widget, driven from pytest."""

from __future__ import annotations

from vmlab.scenarios import OVERLOADED_HOST, overloaded_cluster
from vmlab.widgets.balance import balancer


def test_threshold_changes_the_proposal_and_run_applies_it():
    b = balancer(overloaded_cluster(), threshold_pct=80)
    n = len(b.moves)
    assert n >= 1 and b.message.startswith(f"{n} moves bring every host under 80 %")
    b.threshold.value = 60
    assert len(b.moves) > n and "under 60 %" in b.message
    b.run_button.click()
    t = b.timeline
    assert t is not None and len(t.migrations) == len(b.moves)
    end = t.cluster
    assert 100 * end.used_memory_gib(OVERLOADED_HOST) / 256 <= 60
    assert b.message.startswith(f"Done: {len(b.moves)} VMs moved while running")


def test_nothing_to_move_is_a_message():
    b = balancer(overloaded_cluster(), threshold_pct=100)
    assert b.moves.empty and "nothing to move" in b.message
    b.run_button.click()
    assert b.timeline is None and b.message.startswith("Nothing to move")


def _over(cluster, threshold):
    return [
        h
        for h in cluster.hosts
        if 100 * cluster.used_memory_gib(h) / cluster.hosts[h].memory_gib > threshold
    ]


def test_an_unreachable_threshold_is_said_in_words_before_and_after_the_run():
    # The overloaded cluster averages 32.8 % of its memory: no plan gets every host under 30 %.
    b = balancer(overloaded_cluster(), threshold_pct=30)
    assert b.moves.attrs["reaches_threshold"] is False
    assert b.message.startswith("No plan brings every host under 30 %")
    assert "uses 32.8 % of its memory" in b.message
    assert "bring every host under" not in b.message
    b.run_button.click()
    over = _over(b.timeline.cluster, 30)
    assert over, "the run should leave hosts over 30 %"
    assert f"{len(over)} hosts still over 30 %" in b.message
    assert "cannot be reached — the cluster as a whole uses 32.8 %" in b.message


def test_a_reachable_plan_really_reaches_its_threshold():
    for threshold in (35, 50, 80, 90):
        b = balancer(overloaded_cluster(), threshold_pct=threshold)
        assert b.moves.attrs["reaches_threshold"], threshold
        b.run_button.click()
        assert not _over(b.timeline.cluster, threshold), threshold
        assert f"Every host is now under {threshold} %" in b.message


def test_one_move_is_singular():
    b = balancer(overloaded_cluster(), threshold_pct=90)
    assert len(b.moves) == 1
    assert b.message.startswith("1 move brings every host under 90 %: mail-05.")
    b.run_button.click()
    assert b.message.startswith("Done: 1 VM moved while running")


def test_run_is_off_when_there_is_nothing_to_move():
    b = balancer(overloaded_cluster(), threshold_pct=100)
    assert b.run_button.disabled and "Nothing to move" in b.run_button.tooltip
    b.threshold.value = 80
    assert not b.run_button.disabled and len(b.moves) >= 1


def test_a_new_plan_after_a_run_says_it_starts_from_the_original_cluster():
    b = balancer(overloaded_cluster(), threshold_pct=80)
    assert "starts again" not in b.message  # nothing was run yet
    b.run_button.click()
    assert b.message.startswith("Done: 2 VMs moved")
    b.threshold.value = 75
    assert b.timeline is None and b.moves.vm.tolist() == ["batch-01", "batch-02"]
    assert "This plan starts again from the cluster as it was at the start" in b.message
    assert "starts again" in b.summary.value
    b.threshold.value = 70  # no run in between: nothing to warn about
    assert "starts again" not in b.message


def test_the_threshold_label_sits_beside_the_bars_not_on_them():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from vmlab.plots.vmotion import plot_host_load
    from vmlab.widgets.balance import _label_right_of_axes

    fig = Figure(figsize=(9, 3), dpi=90)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    plot_host_load(overloaded_cluster(), threshold_pct=30, ax=ax)
    _label_right_of_axes(ax, 30)
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    label = next(t for t in ax.texts if t.get_text() == "threshold 30 %")
    box = label.get_window_extent(renderer)
    assert box.x0 >= ax.get_window_extent(renderer).x1  # right of the axes
    assert box.x1 <= fig.bbox.x1  # and inside the figure
    for bar in ax.patches:
        assert not box.overlaps(bar.get_window_extent(renderer))
