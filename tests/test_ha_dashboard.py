"""HA plots and the dashboard widget, driven without a browser (.click(), .value = …)."""

from __future__ import annotations

import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from vmlab import Cluster, Simulation  # noqa: E402
from vmlab.plots.ha import outage_breakdown, plot_ha_timeline, plot_outages  # noqa: E402
from vmlab.widgets.dashboard import ha_dashboard  # noqa: E402


@pytest.fixture(scope="module")
def timeline():
    c = Cluster.example()
    c.enable_ha(restart_readiness="guest_heartbeats")  # the next priority waits for a boot
    c.vms["mail-03"].restart_priority = "high"
    sim = Simulation(c)
    sim.fail_host("esx-03", at_s=60)
    return sim.run(until_s=600)


def test_plots_have_titles_labels_and_units(timeline):
    fig, (a, b) = plt.subplots(2, 1)
    ax = plot_ha_timeline(timeline, ax=a)
    assert ax.get_title() == "HA restarts after esx-03 failed"
    assert ax.get_xlabel() == "simulated time (s)"
    assert ax.get_yticklabels()[-1].get_text() == "mail-03 (mail, high)"  # highest on top
    ax = plot_outages(timeline, ax=b)
    assert ax.get_xlabel() == "outage (s)" and ax.get_title()
    plt.close(fig)


def test_outage_breakdown_is_detection_and_priority_wait_plus_boot(timeline):
    parts = outage_breakdown(timeline).set_index("vm")
    assert parts.loc["mail-03", "waiting_s"] == 18 and parts.loc["mail-03", "booting_s"] == 150
    assert parts.loc["web-03", "waiting_s"] == 18 + 150  # waits for the high-priority VM
    assert (parts.waiting_s + parts.booting_s == parts.down_s).all()


@pytest.fixture()
def board():
    b = ha_dashboard()
    yield b
    plt.close("all")


def test_fail_button_runs_the_scenario_and_logs_in_words(board):
    board.host.value = "esx-03"
    start = time.perf_counter()
    board.fail_button.click()
    assert time.perf_counter() - start < 1.5  # fast enough to feel instant (2 busy cores)
    assert board.actions == [("fail", "esx-03", 60.0)]
    assert "01:18 esx-03 declared failed — restarting 5 VMs…" in board.event_log.value
    assert "5 VMs stopped" in board.message and "still down" not in board.message
    assert "down" in board.tiles[2].value and board.at_s.value == 120


def test_impossible_action_is_a_message_not_a_traceback(board):
    board.fail_button.click()
    board.fail_button.click()  # at 120 s: esx-03 is already down
    assert board.message.startswith("Cannot do that: Cannot fail esx-03 at 120 s")
    assert len(board.actions) == 1
    board.host.value = "esx-05"
    board.repair_button.click()
    assert "Only a failed or isolated host can be repaired" in board.message


def test_ha_off_leaves_the_vms_down(board):
    board.ha_on.value = False
    board.fail_button.click()
    assert "HA is off" in board.capacity.value
    assert "5 still down at the end" in board.message


def test_isolation_with_power_off_restarts_elsewhere(board):
    board.isolation.value = "power_off"
    board.isolate_button.click()
    assert "declares itself isolated" in board.event_log.value
    assert "isolated" in board.tiles[2].value


def test_admission_control_choice_and_failover_capacity(board):
    assert "failover capacity <b>11</b>" in board.capacity.value
    board.admission.value = "slots"
    assert "failover capacity <b>0</b>" in board.capacity.value
    board.admission.value = "failover_hosts"
    board.fail_button.click()
    assert "restarts on esx-16" in board.event_log.value


def test_restart_priority_per_vm(board):
    board.vm.value = "web-03"
    assert board.priority.value == "medium"
    board.priority.value = "disabled"
    board.fail_button.click()
    assert "web-03" in board.message and "still down" in board.message
    board.clear_button.click()
    assert board.actions == [] and "Nothing has happened yet" in board.message


def test_dashboard_starts_with_vsphere_s_default_admission_control():
    assert ha_dashboard().admission.value == "percentage"
    c = Cluster.example()
    c.enable_ha(admission_control="slots")
    assert ha_dashboard(c).admission.value == "slots"  # a cluster's own choice is kept


def test_errors_name_the_buttons_not_python_calls():
    board = ha_dashboard()
    board.host.value = "esx-03"
    board.fail_button.click()
    board.at_s.value = 120
    board.fail_button.click()  # esx-03 is down then
    assert board.message.startswith("Cannot do that: Cannot fail esx-03 at 120 s")
    assert "Repair host button" in board.message
    assert "sim." not in board.message and "at_s=" not in board.message


def test_the_slider_jump_is_said():
    board = ha_dashboard()
    board.at_s.value = 90
    board.fail_button.click()
    assert board.at_s.value == 150
    assert "The at (s) slider moved on to 150 s" in board.message


def test_a_refused_toggle_springs_back_with_a_message():
    c = Cluster.example()
    c.enable_ha()
    c.enable_ft("db-01")
    board = ha_dashboard(c)
    board.ha_on.value = False  # FT needs HA: the cluster refuses
    assert board.ha_on.value is True
    assert "HA cannot be switched off while FT protects db-01" in board.message
    assert "HA on is back as it was" in board.message
    assert "cluster." not in board.message


def test_no_primary_when_every_host_is_down():
    board = ha_dashboard()
    for host in board.cluster.hosts:
        board.host.value = host
        board.at_s.value = 60
        board.fail_button.click()
    assert "no primary</b>: every host is down" in board.capacity.value
    assert "primary <b>" not in board.capacity.value


def test_a_violated_admission_policy_is_shown():
    board = ha_dashboard()
    assert "violated" not in board.capacity.value  # vSphere's default, kept easily
    board.admission.value = "slots"
    assert "failover capacity <b>0</b>" in board.capacity.value
    assert "The slot policy is violated" in board.capacity.value
    board.admission.value = "failover_hosts"
    assert "esx-16 runs 4 VMs" in board.capacity.value
    assert "keeps failover hosts empty" in board.capacity.value
    assert "vMotion VMs onto them" in board.capacity.value


# -- what the newcomer trial saw (issue 16): labels cut, lines wrapping, "1 VMs" -------------


def _dropdowns(board):
    return [board.host, board.admission, board.isolation, board.vm, board.priority]


def _rough_px(text):
    """A lower bound of the width of ``text`` in a 13 px sans font (6 px a Latin letter)."""
    return sum(13 if ord(ch) >= 0x2E80 else 6 for ch in text)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_dropdown_label_is_cut_off_and_no_row_squeezes_one(language):
    from vmlab import i18n

    i18n.use_language(language)
    try:
        board = ha_dashboard()
        board.admission.value = "slots"  # the long warning that used to squeeze the priority
    finally:
        i18n.use_language("en")
    for dropdown in _dropdowns(board):
        width = dropdown.layout.width
        assert width.endswith("px"), (dropdown.description, width)
        labels = list(dropdown._options_labels)
        need = _rough_px(dropdown.description) + max(map(_rough_px, labels)) + 30
        assert int(width[:-2]) >= need, (dropdown.description, width, need)
        assert dropdown.layout.flex == "0 0 auto"  # a long neighbour cannot shrink it
    # The capacity line (and its warning) has a row of its own, not beside the dropdowns.
    assert board.capacity in board.children and board.capacity.layout.width == "100%"
    for row in board.children[:3]:
        assert row.layout.flex_flow == "row wrap"
    for button in (board.fail_button, board.clear_button):
        assert button.layout.width == "auto"  # "Clear sce…" no more


def test_isolation_labels_are_vsphere_8_names_and_the_values_stay():
    board = ha_dashboard()
    assert board.isolation.options == (
        ("Disabled (VMs stay powered on)", "leave_powered_on"),
        ("Power off and restart VMs", "power_off"),
        ("Shut down and restart VMs", "shutdown"),
    )
    board.isolation.value = "shutdown"
    assert board.isolation.label == "Shut down and restart VMs"


def test_at_the_slider_s_end_the_message_does_not_say_it_moved_on():
    board = ha_dashboard()
    board.at_s.value = board.at_s.max
    board.fail_button.click()
    assert board.actions == [("fail", "esx-03", 1800.0)] and board.at_s.value == 1800
    assert "moved on" not in board.message
    assert "The at (s) slider is at its end (1800 s)" in board.message


def test_a_tile_with_one_vm_says_vm_not_vms():
    c = Cluster(name="tiny")
    for h in ("esx-01", "esx-02"):
        c.add_host(h, memory_gib=64)
    c.add_datastore("san-01", shared=True)
    c.add_vm("web-01", host="esx-01", vcpus=2, memory_gib=4, service="web")
    board = ha_dashboard(c)
    assert "up · 1 VM<" in board.tiles[0].value and "1 VMs" not in board.tiles[0].value
    assert "up · 0 VMs" in board.tiles[1].value
    assert "failover capacity <b>1</b> host before any failure" in board.capacity.value
    assert "host(s)" not in board.capacity.value
    assert "failover capacity <b>11</b> hosts before" in ha_dashboard().capacity.value


def test_a_failure_at_t0_is_drawn_inside_the_axes():
    c = Cluster.example()
    c.enable_ha()
    sim = Simulation(c)
    sim.fail_host("esx-01", at_s=0)
    t = sim.run(until_s=600)
    fig, ax = plt.subplots()
    plot_ha_timeline(t, ax=ax)
    lo, hi = ax.get_xlim()
    assert lo < 0 and -lo >= 0.02 * hi  # the dashed line is not hidden by the axis
    label = next(x for x in ax.texts if x.get_text() == "esx-01 fails")
    assert label.get_ha() == "left"  # to the right of its line: no room on the left
    plt.close(fig)
