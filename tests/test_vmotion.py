"""vMotion inside a cluster: vCenter's checks, migrations on the clock, maintenance mode and
load balancing."""

from __future__ import annotations

import pytest

from vmlab import Cluster, Simulation
from vmlab.vmotion import MAX_CONCURRENT_PER_HOST, check, concurrency_limit, propose_moves


@pytest.fixture
def mixed():
    """Two Ice Lake hosts, an older Skylake, an AMD host, shared and local storage."""
    c = Cluster(name="mixed")
    c.add_host("esx-01", cpu="intel-icelake", memory_gib=128)
    c.add_host("esx-02", cpu="intel-icelake", memory_gib=128)
    c.add_host("esx-old", cpu="intel-skylake", memory_gib=128)
    c.add_host("esx-amd", cpu="amd-zen4", memory_gib=128)
    c.add_datastore("san-01", shared=True)
    c.add_datastore("local-01", shared=False, hosts=["esx-01"])
    c.add_network("vmotion", bandwidth_gbit_s=10)
    c.add_vm("web-01", host="esx-01", service="web")
    c.add_vm("db-01", host="esx-01", service="db")
    c.add_vm("file-01", host="esx-01", service="file", datastore="local-01")
    c.add_vm("app-old", host="esx-old", service="app")
    return c


def test_a_move_between_identical_hosts_is_allowed(mixed):
    assert check(mixed, "web-01", "esx-02") == []


def test_cpu_rules(mixed):
    (amd,) = check(mixed, "web-01", "esx-amd")
    assert "never crosses CPU vendors" in amd
    (older,) = check(mixed, "web-01", "esx-old")
    assert "has features that esx-old (Intel Skylake) lacks" in older
    assert "cluster.evc = 'intel-skylake'" in older
    assert check(mixed, "app-old", "esx-01") == [], "older to newer is always fine"
    # VMware, "Change the EVC Mode for a Cluster": VMs running with newer features must be
    # powered off (or moved out) before the mode is lowered; nothing changes on refusal
    with pytest.raises(ValueError, match="already run with newer CPU features"):
        mixed.evc = "intel-skylake"
    assert mixed.evc is None


def test_an_evc_baseline_set_before_the_vms_power_on_lets_them_move_to_older_hosts():
    c = Cluster(name="evc")
    c.add_host("esx-01", cpu="intel-icelake")
    c.add_host("esx-old", cpu="intel-skylake")
    c.add_host("esx-amd", cpu="amd-zen4")
    c.add_datastore("san-01", shared=True)
    c.add_network("vmotion", bandwidth_gbit_s=10)
    c.evc = "intel-skylake"
    c.add_vm("web-01", host="esx-01", service="web")
    assert c.vms["web-01"].cpu_level == "intel-skylake"
    assert check(c, "web-01", "esx-old") == [], "EVC masks both hosts down to Skylake"
    assert "never crosses CPU vendors" in check(c, "web-01", "esx-amd")[0]
    c.evc = "intel-icelake"  # raising is always allowed; running VMs keep what they had
    c.evc = "intel-skylake"  # and lowering back is fine: no VM uses more than Skylake
    assert c.evc == "intel-skylake"


def test_storage_network_memory_and_state_rules(mixed):
    (local,) = check(mixed, "file-01", "esx-02")
    assert "cannot see datastore 'local-01'" in local
    mixed.add_vm("big-01", host="esx-02", service="db", memory_gib=100)
    (full,) = check(mixed, "db-01", "esx-02")
    assert full == "esx-02 has 28 GiB of memory free, db-01 needs 64 GiB"
    mixed.hosts["esx-02"].state = "down"
    assert any("esx-02 is down" in p for p in check(mixed, "web-01", "esx-02"))
    assert check(mixed, "web-01", "esx-01") == ["web-01 already runs on esx-01"]


def test_network_rules(mixed):
    mixed.add_network("vmotion", bandwidth_gbit_s=0.1)
    assert "needs at least 1 Gbit/s" in check(mixed, "web-01", "esx-02")[0]
    del mixed.networks["vmotion"]
    assert "no vMotion network" in check(mixed, "web-01", "esx-02")[0]


def test_a_migration_stuns_the_vm_only_for_the_switchover(mixed):
    sim = Simulation(mixed)
    sim.migrate("web-01", "esx-02", at_s=10)
    t = sim.run(until_s=300)
    web = t.states[t.states.vm == "web-01"]
    assert web.state.tolist() == ["running", "migrating", "stunned", "running"]
    assert web.host.tolist() == ["esx-01", "esx-01", "esx-01", "esx-02"]
    (m,) = t.migrations.itertuples()
    assert m.outcome == "converged" and m.downtime_s < 1
    assert m.end_s == pytest.approx(10 + m.total_time_s)
    out = t.outages()
    assert len(out) == 1 and out.down_s.iloc[0] == pytest.approx(m.downtime_s)
    kinds = t.events.kind.tolist()
    assert kinds == ["vmotion_started", "vm_stunned", "vmotion_completed", "network_announced"]
    assert "same MAC and IP" in t.events.detail.iloc[-1]
    assert t.cluster.vms["web-01"].host == "esx-02"


def test_fixed_problems_are_refused_when_scheduled(mixed):
    sim = Simulation(mixed)
    with pytest.raises(ValueError, match="vMotion of web-01 to esx-amd is refused: CPUs"):
        sim.migrate("web-01", "esx-amd", at_s=10)
    with pytest.raises(KeyError, match="Host 'esx-99' does not exist"):
        sim.migrate("web-01", "esx-99", at_s=10)
    assert sim.run(until_s=20).events.empty


def test_problems_that_depend_on_time_are_logged_when_the_move_starts(mixed):
    mixed.add_vm("big-01", host="esx-02", service="db", memory_gib=100)
    sim = Simulation(mixed)
    sim.migrate("db-01", "esx-02", at_s=5)
    t = sim.run(until_s=100)
    assert t.events.kind.tolist() == ["vmotion_refused"]
    assert "esx-02 has 28 GiB of memory free" in t.events.detail.iloc[0]
    assert t.cluster.vms["db-01"].host == "esx-01"


def test_the_source_failing_during_the_copy_takes_the_vm_down(mixed):
    sim = Simulation(mixed)
    sim.migrate("db-01", "esx-02", at_s=0)
    sim.fail_host("esx-01", at_s=20)
    t = sim.run(until_s=2000)
    assert t.cluster.vms["db-01"].host == "esx-01"
    assert t.state_at("db-01", 1999) == "down"
    assert t.migrations.outcome.tolist() == ["failed"]
    assert "vmotion_completed" not in t.events.kind.tolist()


def test_maintenance_mode_empties_the_host_with_no_real_outage():
    c = Cluster.example()
    sim = Simulation(c)
    sim.enter_maintenance("esx-09", at_s=60)
    sim.exit_maintenance("esx-09", at_s=3600)
    t = sim.run(until_s=4000)
    moved = {vm.name for vm in c.vms_on("esx-09")}
    assert set(t.migrations.vm) == moved
    assert (t.migrations.outcome.isin(["converged", "sdps"])).all()
    assert t.cluster.vms_on("esx-09") == []
    assert t.outages().down_s.max() < 1, "every service stopped for less than a second"
    assert t.host_state_at("esx-09", 3000) == "maintenance"
    assert t.host_state_at("esx-09", 3700) == "up"
    kinds = t.events.kind.tolist()
    assert kinds.index("host_in_maintenance") > max(
        i for i, k in enumerate(kinds) if k == "vmotion_completed"
    )


@pytest.mark.parametrize(("gbit", "limit"), [(1, 4), (10, 8), (25, 8)])
def test_maintenance_respects_the_concurrency_limit(gbit, limit):
    c = Cluster()
    c.add_host("esx-01", memory_gib=512, cores=64)
    c.add_host("esx-02", memory_gib=512, cores=64)
    c.add_datastore("san-01")
    c.add_network("vmotion", bandwidth_gbit_s=gbit)
    for i in range(12):
        c.add_vm(f"web-{i:02d}", host="esx-01", service="web")
    sim = Simulation(c)
    sim.enter_maintenance("esx-01", at_s=0)
    t = sim.run(until_s=3600)
    assert concurrency_limit(gbit) == limit
    starts = t.migrations.start_s.tolist()
    ends = t.migrations.end_s.tolist()
    peak = max(sum(1 for s, e in zip(starts, ends, strict=True) if s <= x < e) for x in starts)
    assert peak == limit
    assert t.host_state_at("esx-01", 3599) == "maintenance"
    assert set(MAX_CONCURRENT_PER_HOST.values()) == {4, 8}


def test_maintenance_blocked_when_no_host_can_take_a_vm(mixed):
    sim = Simulation(mixed)
    sim.enter_maintenance("esx-01", at_s=0)
    t = sim.run(until_s=3600)
    assert "maintenance_blocked" in t.events.kind.tolist()
    assert t.cluster.vms["file-01"].host == "esx-01", "its disks are local"
    assert t.host_state_at("esx-01", 3599) == "up"


def test_maintenance_schedule_errors(mixed):
    sim = Simulation(mixed)
    with pytest.raises(ValueError, match="Put it in maintenance first"):
        sim.exit_maintenance("esx-01", at_s=10)
    sim.enter_maintenance("esx-02", at_s=10)
    with pytest.raises(ValueError, match="Bring it back first"):
        sim.enter_maintenance("esx-02", at_s=20)


def test_propose_moves_brings_a_hot_host_under_the_threshold():
    c = Cluster.example()
    for i in range(1, 5):
        c.add_vm(f"batch-{i:02d}", host="esx-09", service="app", memory_gib=32)
    assert 100 * c.used_memory_gib("esx-09") / 256 > 80
    moves = propose_moves(c, threshold_pct=60)
    assert not moves.empty and set(moves.from_host) == {"esx-09"}
    assert moves.from_pct_after.iloc[-1] <= 60
    assert (moves.to_pct_after <= 60).all()
    after = c.copy()
    for m in moves.itertuples():
        assert check(after, m.vm, m.to_host) == []
        after.vms[m.vm].host = m.to_host
    assert 100 * after.used_memory_gib("esx-09") / 256 <= 60
    assert propose_moves(Cluster.example(), threshold_pct=80).empty


def test_propose_moves_rejects_a_bad_threshold():
    with pytest.raises(ValueError, match="between 1 and 100"):
        propose_moves(Cluster.example(), threshold_pct=150)


def test_an_evacuation_never_sends_faster_than_the_link():
    """The migrations share the host's vMotion NIC: data sent / elapsed ≤ link speed."""
    sim = Simulation(Cluster.example())
    sim.enter_maintenance("esx-09", at_s=0)
    t = sim.run(until_s=3600)
    m = t.migrations
    elapsed = m.end_s.max() - m.start_s.min()
    gbit_s = m.transferred_gib.sum() * 2**30 * 8 / 1e9 / elapsed
    assert 9.0 < gbit_s <= 10.0 * 1.01, "close to the 10 Gbit/s link, never above it"


def test_migrate_many_queues_moves_per_source_and_refuses_impossible_ones(mixed):
    sim = Simulation(mixed)
    with pytest.raises(ValueError, match="vMotion of web-01 to esx-amd is refused"):
        sim.migrate_many([("db-01", "esx-02"), ("web-01", "esx-amd")], at_s=0)
    sim.migrate_many([("db-01", "esx-02"), ("web-01", "esx-02")], at_s=5)
    t = sim.run(until_s=3600)
    assert sorted(t.migrations.vm) == ["db-01", "web-01"]
    assert (t.migrations.start_s == 5).all()
    assert {t.cluster.vms[v].host for v in ("db-01", "web-01")} == {"esx-02"}


def test_propose_moves_uses_as_few_moves_as_it_can():
    """esx-05 is 35 GiB over 80 %: no VM frees that alone, so the largest (24 GiB) goes, then
    the smallest that covers the remaining 11 GiB — of the 16 GiB ones, the quieter mail-05."""
    from vmlab.scenarios import overloaded_cluster

    moves = propose_moves(overloaded_cluster(), threshold_pct=80)
    assert moves.vm.tolist() == ["batch-01", "mail-05"]
    assert moves.from_pct_after.iloc[-1] <= 80
