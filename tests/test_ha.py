"""vSphere HA: each timing against its source (reference/figures.md), admission control,
restarts, isolation, partitions and readable errors."""

from __future__ import annotations

import pytest

from vmlab import Cluster, NotFoundError, Simulation, ha
from vmlab.ha import (
    FailoverHostsPolicy,
    PercentagePolicy,
    SlotPolicy,
    readable_log,
    slot_failover_capacity,
)


def run(setup, *, until_s=1800, cluster=None, **settings):
    c = cluster or Cluster.example()
    c.enable_ha(**settings)
    sim = Simulation(c, seed=0)
    setup(sim)
    return sim.run(until_s=until_s)


def times(timeline, kind, host=None, vm=None):
    ev = timeline.events[timeline.events.kind == kind]
    if host is not None:
        ev = ev[ev.host == host]
    if vm is not None:
        ev = ev[ev.vm == vm]
    return ev.t_s.tolist()


def small_cluster(memory=(256, 256, 256)):
    c = Cluster(name="small")
    for i, m in enumerate(memory, 1):
        c.add_host(f"esx-{i:02d}", memory_gib=m)
    c.add_datastore("san-01")
    return c


# -- the published defaults ------------------------------------------------------------------


def test_defaults_match_figures_md():
    # figures.md, "vSphere HA" (VMware documentation, Broadcom KB, vSphere API)
    assert ha.HEARTBEAT_INTERVAL_S == 1
    assert ha.FAILURE_DETECTION_S == 15
    assert ha.ISOLATION_DETECTION_PRIMARY_S == 5
    assert ha.ISOLATION_DETECTION_SECONDARY_S == 30
    assert ha.ISOLATION_POLICY_DELAY_S == 30  # fdm.isolationPolicyDelaySec
    assert ha.RESTART_PRIORITY_WAIT_S == 600
    assert ha.MAX_RESTART_ATTEMPTS == 5  # das.maxvmrestartcount
    assert ha.VM_MONITORING_INTERVALS_S == {"high": 30, "medium": 60, "low": 120}
    assert ha.VM_MONITORING_MAX_RESETS == 3
    assert ha.HEARTBEAT_DATASTORES == 2
    assert ha.PRIORITY_ORDER == ("highest", "high", "medium", "low", "lowest")


def test_host_failure_is_declared_after_18_s_with_heartbeat_datastores():
    # VMware documentation: heartbeats every 1 s. Epping, "vSphere HA deepdive" (figures.md):
    # declared dead at T+18 s when heartbeat datastores are configured (the example's SAN).
    t = run(lambda s: s.fail_host("esx-03", at_s=100))
    assert times(t, "heartbeat_missed", "esx-03") == [101]
    assert times(t, "host_declared_failed", "esx-03") == [118]
    assert sorted(times(t, "restart_issued")) == [118] * 5
    assert ha.FAILURE_DETECTION_WITH_DATASTORES_S == 18


def test_without_heartbeat_datastores_a_host_is_declared_dead_after_15_s():
    # Epping, "vSphere HA deepdive": "T15s – if no heartbeat datastores are configured".
    t = run(lambda s: s.fail_host("esx-03", at_s=100), heartbeat_datastores=0)
    assert times(t, "host_declared_failed", "esx-03") == [115]
    assert (
        "no heartbeat datastores" in t.events.query("kind == 'host_declared_failed'").detail.iloc[0]
    )
    with pytest.raises(ValueError, match="at most 5"):
        Cluster.example().enable_ha(heartbeat_datastores=6)


def test_outage_is_detection_plus_boot():
    t = run(lambda s: s.fail_host("esx-03", at_s=60))
    out = t.outages().set_index("vm")
    c = Cluster.example()
    for vm in c.vms_on("esx-03"):
        assert out.loc[vm.name, "down_s"] == pytest.approx(18 + vm.boot_s)
        assert out.loc[vm.name, "cause"] == "esx-03 failed"
        assert not out.loc[vm.name, "ongoing"]


def test_restarted_vms_leave_the_failed_host():
    def setup(s):
        s.fail_host("esx-03", at_s=60)
        s.repair_host("esx-03", at_s=1200)

    t = run(setup)
    assert t.cluster.vms_on("esx-03") == []
    assert all(vm.state == "running" for vm in t.cluster.vms.values())
    assert times(t, "vm_booting", "esx-03") == []  # nothing boots twice


def test_primary_failure_needs_an_election_first():
    # Epping, "vSphere HA deepdive" (figures.md): election begins at T+10 s, the new primary
    # is elected at T+25 s and initiates the restarts at T+35 s.
    t = run(lambda s: s.fail_host("esx-01", at_s=100))
    assert (ha.ELECTION_START_S, ha.ELECTION_S, ha.PRIMARY_TAKEOVER_S) == (10, 15, 10)
    assert times(t, "election") == [125]
    assert t.events[t.events.kind == "election"].host.tolist() == ["esx-02"]
    assert times(t, "host_declared_failed", "esx-01") == [135]
    assert sorted(set(times(t, "restart_issued"))) == [135]
    assert t.cluster.ha.primary == "esx-02" and t.final.primary == "esx-02"


def test_secondary_isolation_timings():
    # Broadcom KB: a secondary declares itself isolated after ~30 s; the response follows
    # fdm.isolationPolicyDelaySec = 30 s later; the primary sees datastore heartbeats at 18 s.
    t = run(lambda s: s.isolate_host("esx-03", at_s=100), isolation_response="power_off")
    assert times(t, "host_unreachable", "esx-03") == [118]
    assert times(t, "host_isolated", "esx-03") == [130]
    assert times(t, "isolation_response", "esx-03") == [160]
    assert times(t, "host_declared_failed") == []  # isolated, not failed
    assert sorted(times(t, "restart_issued")) == [160] * 5
    out = t.outages()
    assert (out.start_s == 160).all() and out.cause.str.contains("isolated").all()


def test_primary_isolation_timings():
    # Broadcom KB: a primary declares itself isolated after ~5 s; the others elect a new one.
    t = run(lambda s: s.isolate_host("esx-01", at_s=100), isolation_response="power_off")
    assert times(t, "host_isolated", "esx-01") == [105]
    assert times(t, "isolation_response", "esx-01") == [135]
    assert times(t, "election") == [100 + ha.ELECTION_START_S + ha.ELECTION_S]
    assert set(t.events[t.events.kind == "restart_issued"].host) <= set(Cluster.example().hosts) - {
        "esx-01"
    }


def test_shutdown_response_waits_for_the_guests_to_stop():
    t = run(lambda s: s.isolate_host("esx-03", at_s=100), isolation_response="shutdown")
    assert sorted(set(times(t, "restart_issued"))) == [160 + ha.ISOLATION_SHUTDOWN_S]


def test_leave_powered_on_never_restarts_a_running_vm():
    t = run(lambda s: s.isolate_host("esx-03", at_s=100))
    assert times(t, "restart_issued") == []
    assert t.outages().empty
    assert all(vm.state == "running" for vm in t.cluster.vms_on("esx-03"))


def test_isolation_ends_with_repair_before_the_response():
    def setup(s):
        s.isolate_host("esx-03", at_s=100)
        s.repair_host("esx-03", at_s=140)

    t = run(setup, isolation_response="power_off")
    assert times(t, "isolation_response") == [] and t.outages().empty
    assert t.host_state_at("esx-03", 120) == "isolated" and t.host_state_at("esx-03", 150) == "up"


def test_partition_restarts_nothing_and_elects_a_second_primary():
    def setup(s):
        s.partition(["esx-01", "esx-02", "esx-03"], at_s=100, heal_at_s=400)

    t = run(setup, isolation_response="power_off")
    assert t.outages().empty
    elections = t.events[t.events.kind == "election"]
    assert elections.t_s.tolist() == [100 + ha.ELECTION_START_S + ha.ELECTION_S, 400]
    assert elections.host.tolist() == ["esx-04", "esx-01"]
    assert t.cluster.ha.primary == "esx-01"


def test_failure_inside_a_partition_is_handled_by_that_sides_primary():
    def setup(s):
        s.partition(["esx-01", "esx-02"], at_s=10)
        s.fail_host("esx-09", at_s=50)

    t = run(setup)
    issued = t.events[t.events.kind == "restart_issued"]
    assert set(issued.host) <= {f"esx-{i:02d}" for i in range(3, 17)} - {"esx-09"}
    assert times(t, "host_declared_failed", "esx-09") == [68]


# -- restart priority -----------------------------------------------------------------------


def _priorities():
    c = Cluster.example()
    for vm in c.vms_on("esx-03"):
        vm.restart_priority = "medium"
    c.vms["mail-03"].restart_priority = "highest"  # 150 s boot
    c.vms["web-19"].restart_priority = "low"
    return c


def test_by_default_every_priority_starts_once_the_higher_ones_have_resources():
    # vSphere's default "start next priority VMs when": Resources allocated (vSphere API
    # ClusterVmReadiness.readyCondition; figures.md): the order holds, nobody waits for a boot
    t = run(lambda s: s.fail_host("esx-03", at_s=0), cluster=_priorities())
    issued = t.events[t.events.kind == "restart_issued"]
    assert issued.vm.tolist()[0] == "mail-03" and issued.vm.tolist()[-1] == "web-19"
    assert set(issued.t_s) == {18}


def test_with_guest_heartbeats_lower_priorities_wait_until_the_higher_ones_run():
    t = run(
        lambda s: s.fail_host("esx-03", at_s=0),
        cluster=_priorities(),
        restart_readiness="guest_heartbeats",
    )
    assert times(t, "restart_issued", vm="mail-03") == [18]
    assert times(t, "restart_issued", vm="web-03") == [18 + 150]  # after mail-03 is running
    # medium: web-03 (45 s), app-11 (120 s), file-11 (90 s): low waits for the slowest
    assert times(t, "restart_issued", vm="web-19") == [18 + 150 + 120]


def test_powered_on_readiness_waits_for_nothing_in_this_model():
    # the VM is powered on (booting) as soon as the restart is issued
    t = run(lambda s: s.fail_host("esx-03", at_s=0), cluster=_priorities(),
            restart_readiness="powered_on")  # fmt: skip
    assert set(times(t, "restart_issued")) == {18}
    with pytest.raises(ValueError, match="Restart readiness 'soon' is not known"):
        Cluster.example().enable_ha(restart_readiness="soon")


def test_a_lower_priority_waits_at_most_600_s():
    c = Cluster.example()
    c.vms["mail-03"].restart_priority = "high"
    c.vms["mail-03"].boot_s = 2000
    t = run(lambda s: s.fail_host("esx-03", at_s=0), cluster=c, until_s=3000,
            restart_readiness="guest_heartbeats")  # fmt: skip
    assert times(t, "restart_issued", vm="web-03") == [18 + 600]


def test_disabled_priority_is_never_restarted():
    c = Cluster.example()
    c.vms["web-03"].restart_priority = "disabled"
    t = run(lambda s: s.fail_host("esx-03", at_s=0), cluster=c)
    assert times(t, "restart_issued", vm="web-03") == []
    assert t.outages().set_index("vm").loc["web-03", "ongoing"]


# -- capacity --------------------------------------------------------------------------------


def tight_cluster():
    c = small_cluster((128, 128, 128))
    c.add_vm("big", host="esx-01", memory_gib=100, vcpus=4)
    c.add_vm("mid-a", host="esx-02", memory_gib=60, vcpus=4)
    c.add_vm("mid-b", host="esx-03", memory_gib=60, vcpus=4)
    c.add_vm("small", host="esx-01", memory_gib=20, vcpus=2)
    return c


def test_insufficient_capacity_is_an_outage_never_a_lost_vm():
    t = run(lambda s: s.fail_host("esx-01", at_s=0), cluster=tight_cluster(), until_s=900)
    out = t.outages().set_index("vm")
    assert "insufficient capacity" in out.loc["big", "cause"]
    assert out.loc["big", "ongoing"]
    assert not out.loc["small", "ongoing"]  # the small one fits
    last = t.states[t.states.vm == "big"].iloc[-1]
    assert (last.host, last.state, last.cause) == ("esx-01", "down", "insufficient capacity")
    assert len(t.cluster.vms) == 4
    for h in t.cluster.hosts:
        assert t.cluster.free_memory_gib(h) >= 0


def test_unplaced_vm_is_retried_when_capacity_returns_and_given_up_after_5_attempts():
    def setup(s):
        s.fail_host("esx-01", at_s=0)
        for k in range(5):  # each return of a host is a new chance (and a new attempt)
            s.isolate_host("esx-03", at_s=100 + 100 * k)
            s.repair_host("esx-03", at_s=150 + 100 * k)

    t = run(setup, cluster=tight_cluster(), until_s=900)
    failed = t.events[t.events.vm == "big"]
    assert failed.kind.tolist().count("restart_failed") == 4
    assert failed.kind.tolist().count("restart_gave_up") == 1
    assert "attempt 5 of 5" in failed[failed.kind == "restart_gave_up"].detail.iloc[0]


def test_repair_of_the_failed_host_boots_the_vm_that_did_not_fit():
    def setup(s):
        s.fail_host("esx-01", at_s=0)
        s.repair_host("esx-01", at_s=300)

    t = run(setup, cluster=tight_cluster(), until_s=900)
    assert t.cluster.vms["big"].host == "esx-01" and t.cluster.vms["big"].state == "running"


def test_dedicated_failover_hosts_take_the_restarts():
    t = run(
        lambda s: s.fail_host("esx-03", at_s=0),
        admission_control="failover_hosts",
        failover_hosts=["esx-16"],
    )
    assert set(t.events[t.events.kind == "restart_issued"].host) == {"esx-16"}


# -- admission control -----------------------------------------------------------------------


def test_slot_policy_worked_example_gives_failover_capacity_1():
    # VMware documentation (figures.md): hosts 9 GHz/9 GB, 9 GHz/6 GB, 6 GHz/6 GB, slot
    # 2 GHz/2 GB → current failover capacity 1. figures.md gives hosts and slot only; the
    # answer holds for any 4 to 6 VMs of that slot size (10 slots, 6 without the largest host).
    hosts = [(9, 9), (9, 6), (6, 6)]
    assert slot_failover_capacity(hosts, [(2, 1), (2, 1), (1, 2), (1, 1), (1, 1)]) == 1
    for n in (4, 5, 6):
        assert slot_failover_capacity(hosts, [(2, 2)] * n) == 1
    assert slot_failover_capacity(hosts, [(2, 2)] * 3) == 2
    assert slot_failover_capacity(hosts, [(2, 2)] * 7) == 0


def test_slot_policy_worked_example_on_a_cluster():
    c = Cluster(name="worked-example")  # cores stand for GHz, GiB for GB
    c.add_host("h1", cores=9, memory_gib=9)
    c.add_host("h2", cores=9, memory_gib=6)
    c.add_host("h3", cores=6, memory_gib=6)
    c.add_datastore("san")
    for i, (cpu, mem, host) in enumerate(
        [(2, 1, "h1"), (2, 1, "h1"), (1, 2, "h2"), (1, 1, "h2"), (1, 1, "h3")], 1
    ):
        c.add_vm(f"vm{i}", host=host, vcpus=cpu, memory_gib=mem)
    config = c.enable_ha(admission_control="slots")
    assert config.failover_capacity == 1
    report = config.report().set_index("figure").value
    assert report["slot size"] == "2 vCPU, 2 GiB" and report["slots in the cluster"] == 10
    assert config.satisfied()


def test_failover_capacity_of_the_example_cluster():
    c = Cluster.example()
    assert c.enable_ha().failover_capacity == 11  # by memory: 1152 GiB need 5 of 16 hosts
    assert c.enable_ha(admission_control="slots").failover_capacity == 0  # 64 slots, 76 VMs


def test_percentage_policy_refuses_a_vm_that_eats_the_reserve():
    c = small_cluster((100, 100))
    c.add_vm("a", host="esx-01", memory_gib=40, vcpus=2)
    c.enable_ha(admission_control="percentage", percent=50)  # keep half free
    c.add_vm("b", host="esx-02", memory_gib=60, vcpus=2)  # 100 of 200 GiB: exactly half
    with pytest.raises(ValueError, match="Admission control refuses 'c'.*50 % memory"):
        c.add_vm("c", host="esx-02", memory_gib=10, vcpus=2)
    assert "c" not in c.vms
    c.disable_ha()
    c.add_vm("c", host="esx-02", memory_gib=10, vcpus=2)  # no guarantee, no refusal
    assert c.vms["c"].protection == "none"


def test_percentage_policy_default_is_host_failures_over_hosts():
    c = Cluster.example()
    c.enable_ha(admission_control=PercentagePolicy(host_failures=2))
    report = c.ha.report().set_index("figure").value
    assert report["reserved memory (%)"] == 12.5


def test_failover_host_takes_no_new_vm():
    c = Cluster.example()
    c.enable_ha(admission_control=FailoverHostsPolicy(["esx-16"]))
    with pytest.raises(ValueError, match="dedicated failover host"):
        c.add_vm("web-99", host="esx-16", service="web")
    c.add_vm("web-99", host="esx-15", service="web")
    assert c.vms["web-99"].protection == "ha"


def test_slot_policy_refuses_beyond_its_promise():
    c = small_cluster((64, 64, 64))
    for i in range(4):
        c.add_vm(f"v{i}", host=f"esx-0{i % 3 + 1}", memory_gib=16, vcpus=2)
    c.enable_ha(admission_control=SlotPolicy(host_failures=1))
    assert c.ha.failover_capacity == 2
    for i in range(4, 8):
        c.add_vm(f"v{i}", host=f"esx-0{i % 3 + 1}", memory_gib=16, vcpus=2)
    with pytest.raises(ValueError, match="slot policy could absorb only 0"):
        c.add_vm("v8", host="esx-03", memory_gib=16, vcpus=2)


# -- VM monitoring ---------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "interval"), [("high", 30), ("medium", 60), ("low", 120)])
def test_vm_monitoring_resets_a_hung_guest_after_its_interval(level, interval):
    t = run(lambda s: s.hang_guest("web-03", at_s=100), vm_monitoring=level)
    assert times(t, "vm_reset", vm="web-03") == [100 + interval]
    out = t.outages().set_index("vm")
    assert out.loc["web-03", "down_s"] == interval + 45


def test_vm_monitoring_resets_at_most_3_times():
    def setup(s):
        for k in range(5):
            s.hang_guest("web-03", at_s=100 + 200 * k)

    t = run(setup, vm_monitoring="high", until_s=2000)
    assert len(times(t, "vm_reset", vm="web-03")) == 3
    assert t.outages().iloc[-1].ongoing


def test_without_vm_monitoring_a_hung_guest_stays_down():
    t = run(lambda s: s.hang_guest("web-03", at_s=100))
    assert times(t, "vm_reset") == [] and t.outages().iloc[0].ongoing


# -- bad input: clear errors, nothing changed ------------------------------------------------


def test_unknown_settings_list_the_choices_and_change_nothing():
    c = Cluster.example()
    before = c.enable_ha(isolation_response="power_off")
    with pytest.raises(ValueError, match="leave_powered_on, power_off, shutdown"):
        c.enable_ha(isolation_response="reboot")
    with pytest.raises(ValueError, match="none, percentage, slots, failover_hosts"):
        c.enable_ha(admission_control="magic")
    with pytest.raises(ValueError, match="between 0 and 100"):
        c.enable_ha(admission_control="percentage", percent=150)
    with pytest.raises(ValueError, match="between 0 and 100"):
        PercentagePolicy(memory_pct=-1)
    with pytest.raises(NotFoundError, match="esx-01 … esx-16"):
        c.enable_ha(admission_control="failover_hosts", failover_hosts=["esx-17"])
    with pytest.raises(ValueError, match="off, low, medium, high"):
        c.enable_ha(vm_monitoring="paranoid")
    with pytest.raises(ValueError, match="no setting 'heartbeat_s'"):
        c.enable_ha(heartbeat_s=2)
    assert c.ha is before and c.ha.isolation_response == "power_off"


def test_impossible_host_actions_are_refused_up_front():
    c = Cluster.example()
    c.enable_ha()
    sim = Simulation(c)
    sim.fail_host("esx-03", at_s=10)
    planned = list(sim._actions)
    with pytest.raises(ValueError, match="Cannot isolate esx-03 at 20 s: it is down"):
        sim.isolate_host("esx-03", at_s=20)
    with pytest.raises(NotFoundError, match="Host 'esx-99' does not exist"):
        sim.isolate_host("esx-99", at_s=20)
    with pytest.raises(NotFoundError, match="VM 'nope' does not exist"):
        sim.hang_guest("nope", at_s=20)
    sim.isolate_host("esx-04", at_s=20)
    with pytest.raises(ValueError, match="It is isolated"):
        sim.isolate_host("esx-04", at_s=30)
    with pytest.raises(ValueError, match="both sides"):
        sim.partition(["esx-01"], ["esx-01", "esx-02"], at_s=5)
    with pytest.raises(ValueError, match="on neither: esx-03"):
        sim.partition(["esx-01"], [h for h in c.hosts if h not in ("esx-01", "esx-03")], at_s=5)
    sim.partition(["esx-01"], at_s=50, heal_at_s=100)
    with pytest.raises(ValueError, match="overlaps"):
        sim.partition(["esx-02"], at_s=60)
    assert len(sim._actions) == len(planned) + 1 + 2


def test_readable_log_reads_like_sentences():
    t = run(lambda s: s.fail_host("esx-03", at_s=0))
    text = readable_log(t)
    assert "00:18 esx-03 declared failed — restarting 5 VMs…" in text
    assert "00:18 web-03 restarts on" in text


def test_default_admission_control_is_vsphere_s_percentage_for_one_host():
    # VMware vSphere Availability: admission control is on by default when HA is turned on,
    # cluster resource percentage, 1 host failure tolerated.
    c = Cluster.example()
    config = c.enable_ha()
    assert isinstance(config.admission_control, PercentagePolicy)
    assert config.admission_control.host_failures == 1
    assert config.admission_control.reserved_pct(c) == (100 / 16, 100 / 16)
    report = config.report().set_index("figure").value
    assert report["admission control"] == "percentage"
    assert report["policy satisfied"]
    assert c.enable_ha(admission_control=None).admission_control is None  # still switchable off


def test_hosts_declared_failed_together_restart_by_priority_across_hosts():
    # The primary orders every VM it must restart by priority, whichever host it was on:
    # when room is short, the high-priority databases get it first.
    def left_down(cluster):
        sim = Simulation(cluster, seed=0)
        for h in list(cluster.hosts)[:13]:
            sim.fail_host(h, at_s=60)
        out = sim.run(until_s=900).outages()
        return set(out[out.cause.str.contains("insufficient capacity")].vm)

    c = Cluster.example()
    c.enable_ha()
    dbs = {vm.name for vm in c.vms.values() if vm.service == "db"}
    assert left_down(c) & dbs  # without priority some databases find no room
    for name in dbs:
        c.vms[name].restart_priority = "high"
    short = left_down(c)
    assert short and not short & dbs  # with it, every database is back; others wait instead
