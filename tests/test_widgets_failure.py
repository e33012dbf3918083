"""Lesson 00's failure widget, driven as a student would: pick, press, read."""

from __future__ import annotations

from vmlab import Cluster
from vmlab.widgets import failure_picker


def test_pressing_fail_runs_the_simulation_for_the_chosen_host(capsys):
    picker = failure_picker(Cluster.example(), fail_at_s=60, until_s=3600)
    assert picker.timeline is None
    picker.host.value = "esx-10"
    picker.repair_after.value = 20
    picker.fail_button.click()
    t = picker.timeline
    assert t is not None
    out = t.outages()
    assert set(out.vm) == {vm.name for vm in Cluster.example().vms_on("esx-10")}
    db = out.set_index("vm").loc["db-02"]
    assert db.down_s == 20 * 60 + 300
    assert picker.message.startswith("esx-10 failed at 01:00: 5 VMs stopped")
    assert "esx-10 failed" in picker.summary.value


def test_a_second_press_shows_the_new_host():
    picker = failure_picker(until_s=1800)
    picker.host.value = "esx-01"
    picker.fail_button.click()
    first = picker.message
    picker.host.value = "esx-16"
    picker.fail_button.click()
    assert picker.message != first and picker.message.startswith("esx-16")


def test_an_impossible_run_shows_a_message_not_a_traceback():
    picker = failure_picker(fail_at_s=60, until_s=1800)
    picker.repair_after.value = 5
    picker.fail_at_s = -10  # as if a teacher had mistyped the lesson's parameter
    picker.fail_button.click()
    assert picker.message.startswith("Cannot do that: at_s must be 0 or more")
    assert "Cannot do that" in picker.summary.value
    assert picker.timeline is None


def test_a_host_with_no_vms():
    c = Cluster()
    c.add_host("esx-01")
    c.add_host("esx-02")
    c.add_datastore("san-01")
    c.add_vm("web-01", host="esx-01", service="web")
    picker = failure_picker(c)
    picker.host.value = "esx-02"
    picker.fail_button.click()
    assert picker.message == "esx-02 failed at 01:00, but no VM was running on it."


def test_the_longest_repair_still_shows_the_whole_outage():
    # Lesson 00's widget: until_s = 2400, so the slider reaches 38 min; a database repaired
    # at 39:00 boots for 5 min, after the old end of the run. Its outage must not be cut short.
    picker = failure_picker(fail_at_s=60, until_s=2400)
    picker.host.value = "esx-11"
    picker.repair_after.value = picker.repair_after.max
    picker.fail_button.click()
    out = picker.timeline.outages().set_index("vm")
    assert not out.ongoing.any()
    assert out.down_s["db-03"] == picker.repair_after.max * 60 + 300
    assert "still down" not in picker.message


def test_the_repair_slider_ends_on_a_round_number():
    # Lesson 00 builds it with until_s=2400: 38 minutes was the end before; now 30.
    assert failure_picker(fail_at_s=60, until_s=2400).repair_after.max == 30
    assert failure_picker().repair_after.max == 25  # until_s=1800
    assert failure_picker(fail_at_s=60, until_s=600).repair_after.max == 8


def test_a_repair_a_minute_later_does_not_cross_out_the_failure_label():
    import matplotlib.pyplot as plt

    from vmlab.plots.cluster import plot_timeline

    picker = failure_picker(until_s=2400)
    picker.host.value = "esx-16"
    picker.repair_after.value = 1
    picker.fail_button.click()
    fig, ax = plt.subplots(figsize=(9, 3.2), dpi=90)
    plot_timeline(picker.timeline, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    label = next(t for t in ax.texts if t.get_text() == "esx-16 fails")
    repaired = next(line for line in ax.lines if line.get_linestyle() == ":")
    x = ax.transData.transform((repaired.get_xdata()[0], 0))[0]
    box = label.get_window_extent(renderer)
    assert box.x0 < x < box.x1  # the repaired line runs through the label's place …
    patch = label.get_bbox_patch()
    assert patch is not None and patch.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert label.get_zorder() > repaired.get_zorder()  # … and the label is drawn over it
    plt.close(fig)
