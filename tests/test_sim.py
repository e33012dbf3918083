"""The simulation: failures, repairs, the event log and the timeline's tables."""

from __future__ import annotations

import pytest

from vmlab import Cluster, Simulation
from vmlab.sim import EVENT_COLUMNS, OUTAGE_COLUMNS, STATE_COLUMNS


def fail_and_repair(cluster, host="esx-01", fail=60, repair=600, until=1200):
    sim = Simulation(cluster, seed=0)
    sim.fail_host(host, at_s=fail)
    if repair is not None:
        sim.repair_host(host, at_s=repair)
    return sim.run(until_s=until)


def test_nothing_happens_without_actions(small_cluster):
    t = Simulation(small_cluster).run(until_s=100)
    assert t.events.empty
    assert list(t.states.columns) == STATE_COLUMNS
    assert (t.states.state == "running").all()
    assert (t.states.start_s == 0).all() and (t.states.end_s == 100).all()
    assert t.outages().empty and list(t.outages().columns) == OUTAGE_COLUMNS


def test_unprotected_vms_stay_down_until_repair_then_boot(small_cluster):
    t = fail_and_repair(small_cluster)
    web = t.states[t.states.vm == "web-01"][["host", "state", "start_s", "end_s"]]
    assert web.values.tolist() == [
        ["esx-01", "running", 0.0, 60.0],
        ["esx-01", "down", 60.0, 600.0],
        ["esx-01", "booting", 600.0, 645.0],
        ["esx-01", "running", 645.0, 1200.0],
    ]
    out = t.outages().set_index("vm")
    assert out.loc["web-01", "down_s"] == 600 - 60 + 45
    assert out.loc["db-01", "down_s"] == 600 - 60 + 300
    assert out.loc["db-01", "cause"] == "esx-01 failed"
    assert set(out.index) == {"web-01", "db-01"}, "VMs on other hosts are untouched"


def test_without_repair_the_outage_is_still_open_at_the_end(small_cluster):
    t = fail_and_repair(small_cluster, repair=None, until=900)
    out = t.outages()
    assert out.ongoing.all()
    assert (out.end_s == 900).all() and (out.down_s == 840).all()
    assert t.state_at("web-01", 899) == "down"


def test_event_log(small_cluster):
    t = fail_and_repair(small_cluster)
    assert list(t.events.columns) == EVENT_COLUMNS
    assert t.events.t_s.is_monotonic_increasing
    kinds = t.events.kind.tolist()
    assert kinds[:3] == ["host_failed", "vm_down", "vm_down"]
    assert kinds.count("vm_booting") == 2 and kinds.count("vm_running") == 2
    assert "host_repaired" in kinds
    log = t.log()
    assert log.splitlines()[0].startswith("01:00  host_failed")
    assert "db-01" in log


def test_host_states_and_lookups(small_cluster):
    t = fail_and_repair(small_cluster)
    assert t.host_state_at("esx-01", 59) == "up"
    assert t.host_state_at("esx-01", 300) == "down"
    assert t.host_state_at("esx-01", 700) == "up"
    assert t.state_at("db-01", 700) == "booting"
    assert t.state_at("db-01", 1000) == "running"


def test_a_second_failure_during_boot_cancels_the_boot(small_cluster):
    sim = Simulation(small_cluster)
    sim.fail_host("esx-01", at_s=10)
    sim.repair_host("esx-01", at_s=100)
    sim.fail_host("esx-01", at_s=200)  # db-01 is still booting (300 s)
    sim.repair_host("esx-01", at_s=400)
    t = sim.run(until_s=1000)
    db = t.states[t.states.vm == "db-01"].state.tolist()
    assert db == ["running", "down", "booting", "down", "booting", "running"]
    assert t.state_at("db-01", 399) == "down"
    assert t.outages().set_index("vm").loc["db-01", "end_s"] == 700


def test_the_callers_cluster_is_never_changed(small_cluster):
    before = small_cluster.vm_table()
    fail_and_repair(small_cluster, repair=None)
    assert small_cluster.hosts["esx-01"].state == "up"
    assert small_cluster.vm_table().equals(before)


def test_same_seed_same_timeline():
    a = fail_and_repair(Cluster.example(), host="esx-10")
    b = fail_and_repair(Cluster.example(), host="esx-10")
    assert a.events.equals(b.events) and a.states.equals(b.states)


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda s: s.fail_host("esx-99", at_s=1), "Host 'esx-99' does not exist; hosts are"),
        (lambda s: s.fail_host("esx-01", at_s=-5), "at_s must be 0 or more"),
        (lambda s: s.fail_host("esx-01", at_s="soon"), "at_s must be a number"),
        (lambda s: s.repair_host("esx-02", at_s=10), "Only a failed .*host can be repaired"),
        (lambda s: s.fail_host("esx-01", at_s=90), "Cannot fail esx-01 at 90 s: it is down"),
        (lambda s: s.repair_host("esx-01", at_s=30), "Cannot repair esx-01 at 30 s: it is up"),
    ],
)
def test_bad_schedule_is_refused_and_the_schedule_is_unchanged(small_cluster, action, message):
    sim = Simulation(small_cluster)
    sim.fail_host("esx-01", at_s=60)
    with pytest.raises(ValueError, match=message):
        action(sim)
    t = sim.run(until_s=120)
    assert t.events.kind.tolist().count("host_failed") == 1
    assert "host_repaired" not in t.events.kind.tolist()


def test_a_simulation_runs_once_and_until_must_be_positive(small_cluster):
    sim = Simulation(small_cluster)
    with pytest.raises(ValueError, match="until_s must be more than 0"):
        sim.run(until_s=0)
    sim.run(until_s=10)
    with pytest.raises(ValueError, match="already run"):
        sim.run(until_s=20)
    with pytest.raises(ValueError, match="already run"):
        sim.fail_host("esx-01", at_s=5)


def test_simulation_needs_a_cluster():
    with pytest.raises(ValueError, match="needs a Cluster"):
        Simulation("esx-01")  # type: ignore[arg-type]


def test_actions_after_the_end_do_not_happen(small_cluster):
    sim = Simulation(small_cluster)
    sim.fail_host("esx-01", at_s=500)
    t = sim.run(until_s=100)
    assert t.events.empty and t.outages().empty
