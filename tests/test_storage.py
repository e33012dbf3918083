"""Storage faults and VM Component Protection (vmlab.storage), and datastore heartbeating in HA:
each timing against its source (reference/figures.md, "vSphere HA"), the VMCP responses,
placement under a storage fault, and readable errors."""

from __future__ import annotations

import pytest
from invariants import violations

from vmlab import Cluster, NotFoundError, Simulation, ha
from vmlab.placement import place
from vmlab.storage import affected_vms, fault_table, how_ha_read

ON_ESX03 = ["web-03", "web-19", "app-11", "mail-03", "file-11"]


def run(setup, *, until_s=1800, ha_on=True, **settings):
    c = Cluster.example()
    if ha_on:
        c.enable_ha(**settings)
    sim = Simulation(c, seed=0)
    setup(sim)
    t = sim.run(until_s=until_s)
    assert violations(t) == []
    return t


def times(t, kind, vm=None):
    ev = t.events[t.events.kind == kind]
    if vm is not None:
        ev = ev[ev.vm == vm]
    return ev.t_s.tolist()


def outage(t, vm):
    rows = t.outages()
    return rows[rows.vm == vm].iloc[0]


# -- the published timings ------------------------------------------------------------------


def test_vmcp_defaults_match_figures_md():
    # figures.md "vSphere HA", VMCP (6.0+): APD timeout 140 s, VMCP delay 180 s, "about 320 s"
    assert ha.APD_TIMEOUT_S == 140
    assert ha.VMCP_APD_DELAY_S == 180
    assert ha.APD_TIMEOUT_S + ha.VMCP_APD_DELAY_S == 320
    assert ha.VMCP_RESPONSES == ("disabled", "issue_events", "conservative", "aggressive")
    assert Cluster.example().enable_ha().vmcp == "disabled"  # vSphere's default
    # heartbeat datastores: 2 per host by default, at most 5
    assert ha.HEARTBEAT_DATASTORES == 2 and ha.MAX_HEARTBEAT_DATASTORES == 5


def test_apd_with_vmcp_restarts_after_the_apd_timeout_and_the_vmcp_delay():
    t = run(lambda s: s.storage_fault("san-01", kind="apd", at_s=60, hosts="esx-03"),
            vmcp="conservative")  # fmt: skip
    assert affected_vms(t) == ON_ESX03
    assert times(t, "apd_timeout") == [60 + 140]
    assert times(t, "vmcp_terminated") == [60 + 320] * 5
    issued = t.events[t.events.kind == "restart_issued"]
    assert set(issued.t_s) == {380} and "esx-03" not in set(issued.host)
    spec = t.spec.vms["web-03"]
    row = outage(t, "web-03")
    assert row.start_s == 60 and row.down_s == pytest.approx(320 + spec.boot_s)
    assert all(t.final.vms[v].state == "running" and t.final.vms[v].host != "esx-03"
               for v in ON_ESX03)  # fmt: skip


def test_a_shorter_vmcp_delay_is_a_setting():
    t = run(lambda s: s.storage_fault("san-01", at_s=0, hosts="esx-03"),
            vmcp="aggressive", vmcp_apd_delay_s=0)  # fmt: skip
    assert times(t, "vmcp_terminated") == [140] * 5


def test_apd_without_vmcp_the_vms_hang_until_the_paths_come_back():
    t = run(lambda s: s.storage_fault("san-01", at_s=60, hosts="esx-03", heal_at_s=1000))
    row = outage(t, "web-03")
    assert (row.start_s, row.end_s, bool(row.ongoing)) == (60, 1000, False)
    assert times(t, "restart_issued") == [] and times(t, "vmcp_terminated") == []
    assert t.final.vms["web-03"].host == "esx-03"  # the I/O resumed where it was
    assert t.state_at("web-03", 999) == "down" and t.state_at("web-03", 1001) == "running"


def test_apd_never_healed_without_vmcp_is_an_outage_to_the_end_of_the_run():
    t = run(lambda s: s.storage_fault("san-01", at_s=60, hosts="esx-03"))
    row = outage(t, "web-03")
    assert bool(row.ongoing) and row.down_s == 1800 - 60
    t = run(lambda s: s.storage_fault("san-01", at_s=60, hosts="esx-03"), ha_on=False)
    assert bool(outage(t, "mail-03").ongoing)


def test_apd_healed_before_the_vmcp_delay_ends_cancels_the_restarts():
    t = run(lambda s: s.storage_fault("san-01", at_s=0, hosts="esx-03", heal_at_s=250),
            vmcp="aggressive")  # fmt: skip
    assert times(t, "vmcp_cancelled") == [250]
    assert times(t, "vmcp_terminated") == [] and times(t, "restart_issued") == []
    assert outage(t, "web-03").down_s == 250
    assert t.final.vms["web-03"].host == "esx-03"


def test_pdl_with_vmcp_restarts_at_once_on_a_host_that_sees_the_datastore():
    t = run(lambda s: s.storage_fault("san-01", kind="pdl", at_s=60, hosts="esx-03"),
            vmcp="conservative")  # fmt: skip
    assert times(t, "apd_timeout") == []
    assert times(t, "vmcp_terminated") == [60] * 5
    for vm in ON_ESX03:
        assert outage(t, vm).down_s == pytest.approx(t.spec.vms[vm].boot_s)


def test_pdl_healed_without_vmcp_powers_the_vms_on_again_where_they_were():
    t = run(lambda s: s.storage_fault("san-01", kind="pdl", at_s=60, hosts="esx-03",
                                      heal_at_s=600))  # fmt: skip
    assert outage(t, "web-03").end_s == pytest.approx(600 + t.spec.vms["web-03"].boot_s)


def test_issue_events_only_warns():
    t = run(lambda s: s.storage_fault("san-01", kind="pdl", at_s=60, hosts="esx-03"),
            vmcp="issue_events")  # fmt: skip
    warned = t.events[t.events.kind == "vmcp_warning"]
    assert sorted(warned.vm) == sorted(ON_ESX03) and set(warned.t_s) == {60}
    assert bool(outage(t, "web-03").ongoing)


def test_vmcp_does_not_terminate_a_vm_that_no_host_can_take():
    t = run(lambda s: s.storage_fault("san-01", kind="pdl", at_s=60), vmcp="aggressive")
    assert times(t, "vmcp_terminated") == []
    refused = t.events[t.events.kind == "vmcp_not_terminated"]
    assert len(refused) == len(t.spec.vms)
    assert "lost its paths to san-01 (PDL)" in refused.detail.iloc[0]


def test_conservative_waits_when_the_host_cannot_reach_the_primary_aggressive_does_not():
    def setup(s):
        s.partition(["esx-03"], at_s=10)
        s.storage_fault("san-01", kind="pdl", at_s=100, hosts="esx-03")

    t = run(setup, vmcp="conservative")
    assert times(t, "vmcp_terminated") == []
    assert "conservative" in t.events[t.events.kind == "vmcp_not_terminated"].detail.iloc[0]
    t = run(setup, vmcp="aggressive")
    assert times(t, "vmcp_terminated") == [100] * 5


def test_restarts_go_only_to_hosts_that_still_see_the_datastore():
    half = [f"esx-{i:02d}" for i in range(1, 9)]
    t = run(lambda s: s.storage_fault("san-01", kind="pdl", at_s=10, hosts=half),
            vmcp="conservative")  # fmt: skip
    issued = t.events[t.events.kind == "restart_issued"]
    assert len(issued) == len(affected_vms(t)) > 0
    assert not set(issued.host) & set(half)


def test_a_host_that_lost_a_datastore_takes_no_vm_on_it():
    def setup(s):
        s.storage_fault("san-01", at_s=10, hosts="esx-02")
        s.migrate("web-01", "esx-02", at_s=20)

    t = run(setup)
    refused = t.events[t.events.kind == "vmotion_refused"]
    assert "has lost its paths to san-01 (APD)" in refused.detail.iloc[0]
    sim = Simulation(Cluster.example(), seed=0)
    sim.state.lost_datastores["esx-02"]["san-01"] = "apd"
    assert place(sim.state, "web-01", "restart").rejected["esx-02"].startswith("has lost")


def test_a_vm_that_boots_on_a_host_that_lost_its_datastore_hangs_again():
    def setup(s):
        s.fail_host("esx-03", at_s=0)
        s.storage_fault("san-01", at_s=5, hosts="esx-03")
        s.repair_host("esx-03", at_s=10)

    t = run(setup, ha_on=False)
    assert t.state_at("web-03", 500) == "down"
    assert "web-03" in affected_vms(t)


# -- datastore heartbeats: failed, isolated or partitioned -----------------------------------


def test_the_same_network_loss_is_read_three_ways():
    failed = run(lambda s: s.fail_host("esx-03", at_s=10))
    isolated = run(lambda s: s.isolate_host("esx-03", at_s=10))
    parted = run(lambda s: s.partition(["esx-03"], at_s=10))
    assert [how_ha_read(x, "esx-03") for x in (failed, isolated, parted)] == [
        "failed", "isolated", "partitioned",
    ]  # fmt: skip
    assert how_ha_read(run(lambda s: None), "esx-03") == "fine"
    # with datastore heartbeats, an isolated host is never declared failed: its VMs stay
    assert times(isolated, "host_declared_failed") == []
    assert times(isolated, "restart_issued") == []


def test_without_heartbeat_datastores_an_isolated_host_is_declared_failed_but_locks_hold():
    t = run(lambda s: s.isolate_host("esx-03", at_s=10), heartbeat_datastores=0)
    assert how_ha_read(t, "esx-03") == "failed"
    assert times(t, "host_declared_failed") == [10 + ha.FAILURE_DETECTION_S]
    locked = t.events[t.events.kind == "restart_failed"]
    assert sorted(locked.vm) == sorted(ON_ESX03)
    assert "holds the lock on its files" in locked.detail.iloc[0]
    assert t.outages().empty  # the VMs never stopped: no second copy, no outage


def test_an_isolated_host_that_also_lost_its_heartbeat_datastore_is_declared_failed():
    def setup(s):
        s.storage_fault("san-01", at_s=5, hosts="esx-03")
        s.isolate_host("esx-03", at_s=10)

    t = run(setup)
    assert how_ha_read(t, "esx-03") == "failed"
    declared = t.events[t.events.kind == "host_declared_failed"]
    assert "lost its heartbeat datastores" in declared.detail.iloc[0]
    assert declared.t_s.iloc[0] == 10 + ha.FAILURE_DETECTION_WITH_DATASTORES_S
    issued = t.events[t.events.kind == "restart_issued"]
    assert sorted(issued.vm) == sorted(ON_ESX03)


def test_heartbeat_datastores_are_chosen_among_the_shared_ones():
    c = Cluster.example()
    for name in ("san-02", "san-03"):
        c.add_datastore(name, shared=True)
    c.add_datastore("local-03", shared=False, hosts=frozenset({"esx-03"}))
    assert c.enable_ha().heartbeat_datastores_of("esx-03") == ["san-01", "san-02"]
    assert c.enable_ha(heartbeat_datastores=5).heartbeat_datastores_of("esx-03") == [
        "san-01", "san-02", "san-03",
    ]  # fmt: skip


def test_the_storage_table_lists_faults_and_vmcp_actions():
    t = run(lambda s: s.storage_fault("san-01", at_s=0, hosts="esx-03", heal_at_s=100))
    assert fault_table(t).kind.tolist() == ["datastore_apd", "datastore_recovered"]


# -- bad input: a readable error at the call, nothing scheduled -------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.storage_fault("san-09", at_s=10), "san-09"),
        (lambda s: s.storage_fault("san-01", kind="lost", at_s=10), "'apd'"),
        (lambda s: s.storage_fault("san-01", at_s=10, hosts=["esx-99"]), "esx-99"),
        (lambda s: s.storage_fault("san-02", at_s=10), "No VM keeps its disks on san-02"),
        (lambda s: s.storage_fault("san-01", at_s=10, heal_at_s=5), "must come after"),
        (lambda s: s.storage_fault("san-01", at_s=10, hosts=[]), "at least one host"),
        (lambda s: s.storage_fault("san-01", at_s=-1), "at_s"),
        (lambda s: s.storage_fault(["san-01"], at_s=10), "a name"),
        (lambda s: s.heal_storage("san-01", at_s=10), "no storage fault on san-01 to heal"),
        (lambda s: s.heal_storage("nope", at_s=10), "nope"),
    ],
)
def test_bad_input_is_refused_at_the_call_and_changes_nothing(call, message):
    c = Cluster.example()
    c.add_datastore("san-02", shared=True)
    sim = Simulation(c, seed=0)
    with pytest.raises(ValueError, match=message):
        call(sim)
    assert sim._actions == []
    assert sim.features["storage"].faults == []


def test_overlapping_faults_and_late_heals_are_refused():
    sim = Simulation(Cluster.example(), seed=0)
    sim.storage_fault("san-01", at_s=10, hosts="esx-03", heal_at_s=100)
    with pytest.raises(ValueError, match="already lose san-01"):
        sim.storage_fault("san-01", kind="pdl", at_s=50, hosts=["esx-03", "esx-04"])
    with pytest.raises(ValueError, match="no storage fault"):
        sim.heal_storage("san-01", at_s=200)
    sim.storage_fault("san-01", at_s=100, hosts="esx-03")  # right after the first: fine
    sim.heal_storage("san-01", at_s=150)
    assert len(sim._actions) == 4
    with pytest.raises(NotFoundError):
        sim.storage_fault("san-01", at_s=10, hosts="esx-77")


# -- the plot and the widget -------------------------------------------------------------------


def test_the_panel_runs_a_fault_and_says_what_vmcp_did():
    from vmlab.widgets.storage_panel import storage_panel

    panel = storage_panel()
    panel.run_button.click()
    assert panel.timeline is not None and "VMCP terminated 5" in panel.message
    assert panel.output.outputs[0]["data"]["image/png"]
    panel.heal.value, panel.heal_after.value = True, 100
    panel.run_button.click()
    assert "VMCP cancelled" in panel.message
    assert Cluster.example().ha is None  # the panel ran on a copy


def test_the_panel_shows_a_message_not_a_traceback():
    from vmlab.widgets.storage_panel import StoragePanel

    c = Cluster(name="empty")
    c.add_host("esx-01")
    c.add_datastore("san-01")
    panel = StoragePanel(c)
    panel.run_button.click()
    assert panel.message.startswith("Cannot do that: No VM keeps its disks on san-01")


def test_the_datastore_map_marks_lost_and_unconnected_cells():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vmlab.plots.storage import plot_datastore_map, plot_storage_timeline

    c = Cluster.example()
    c.add_datastore("local-03", shared=False, hosts=frozenset({"esx-03"}))
    sim = Simulation(c, seed=0)
    sim.storage_fault("san-01", kind="pdl", at_s=10, hosts="esx-03")
    t = sim.run(until_s=100)
    fig, (a, b) = plt.subplots(1, 2)
    plot_storage_timeline(t, ax=a)
    plot_datastore_map(t, at_s=50, ax=b)
    labels = [text.get_text() for text in b.get_legend().get_texts()]
    assert labels == ["sees it", "lost: PDL", "not connected (–)"]
    assert a.get_title() == "VMs whose disks stopped answering"
    assert [x.get_text() for x in a.get_yticklabels()][0].startswith("file-11")
    plt.close(fig)
    with pytest.raises(ValueError, match="Timeline or a Cluster"):
        plot_datastore_map("san-01")


@pytest.mark.parametrize(
    "name",
    [
        "vmlab.storage", "vmlab.proactive", "vmlab.plots.storage", "vmlab.widgets.storage_panel",
        "vmlab.storage_quiz",
    ],
)  # fmt: skip
def test_docstring_examples_of_the_storage_modules(name):
    import doctest
    import importlib

    failures, tried = doctest.testmod(
        importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    )
    assert tried > 0 or name == "vmlab.plots.storage"
    assert failures == 0


def test_the_lessons_predictions_measure_the_runs():
    import pandas as pd

    import vmlab.storage_quiz  # noqa: F401
    from vmlab.quiz import PREDICTION_QUESTIONS as Q

    readings = {}
    for how in ("fail_host", "isolate_host", "partition"):
        t = run(lambda s, how=how: getattr(s, how)("esx-03", at_s=60))
        readings[how] = (how_ha_read(t, "esx-03"), int((t.events.kind == "restart_issued").sum()))
    assert Q["06.readings"].result_of(readings) == "a"
    blind = run(lambda s: s.isolate_host("esx-03", at_s=60), heartbeat_datastores=0)
    assert Q["06.blind"].result_of(blind) == 0
    plain = run(lambda s: s.storage_fault("san-01", at_s=60, hosts=["esx-03"]))
    assert Q["06.apd_plain"].result_of(plain) == 0
    apd = run(lambda s: s.storage_fault("san-01", at_s=60, hosts=["esx-03"]), vmcp="conservative")
    assert Q["06.apd_vmcp"].result_of(apd) == 140 + 180 + 45
    back = run(lambda s: s.storage_fault("san-01", at_s=60, hosts=["esx-03"], heal_at_s=260),
               vmcp="conservative")  # fmt: skip
    assert Q["06.healed"].result_of(back) == "b"
    pdl = run(lambda s: s.storage_fault("san-01", kind="pdl", at_s=60, hosts=["esx-03"]),
              vmcp="conservative")  # fmt: skip
    assert Q["06.pdl"].result_of(pdl) == 45
    table = pd.DataFrame({"plain HA": [63.0, 138.0], "Proactive HA": [0.099, 0.22]})
    assert Q["06.proactive"].result_of(table) == 0.22


def test_lesson_06_keeps_the_course_structure():
    # numbered sections 1, 2, 3 … then ## Summary and ## Exercises (STYLE.md); each prediction
    # locked in before the cell that reveals it
    import re
    from pathlib import Path

    import nbformat

    (path,) = (Path(__file__).resolve().parents[1] / "notebooks").glob("06-*.ipynb")
    cells = nbformat.read(path, as_version=4).cells
    text = "\n".join(c.source for c in cells)
    heads = re.findall(r"^## (.+)$", text, flags=re.M)
    numbers = [int(m.group(1)) for h in heads if (m := re.match(r"(\d+) · ", h))]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 5, heads
    assert heads.index("Summary") < heads.index("Exercises")
    sources = [c.source for c in cells if c.cell_type == "code"]
    predicted = [m for s in sources for m in re.findall(r'predict\("(06\.\w+)"\)', s)]
    assert len(predicted) >= 5
    for qid in predicted:
        at = next(i for i, s in enumerate(sources) if f'predict("{qid}")' in s)
        assert any(f'reveal("{qid}"' in s for s in sources[at + 1 :]), qid
