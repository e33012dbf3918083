"""vmlab speaks Chinese during a run: event details, log lines, summaries and scheduling errors.

With ``vmlab.use_language("zh")`` every run below (host failures, isolation, partitions,
maintenance mode, vMotion, FT, storage faults, Proactive HA, HA restarts by priority) is
read back through ``timeline.log()``, ``readable_log()`` and the summary texts, and every
line must hold Chinese and no English sentence (:func:`zh_text.english_left`). The scheduling
calls' ValueErrors are raised in Chinese too, with the Python call they suggest left as code.
The catalog's entries for the engine's files keep each placeholder of their English.

Some details quote a reason written by another module (placement's ``why_not()``, the
pre-copy model's ``reason``): :data:`THEIRS` cuts that quote out, and what is left — the
engine's own sentence around it — is checked like every other line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from zh_text import english_left, has_chinese

import vmlab
from vmlab import Cluster, EventKind, Simulation, readable_log, scenarios
from vmlab.ft import SCALES_WORKLOADS, Workload, checkpointing, record_replay
from vmlab.proactive import enable_drs, enable_proactive_ha
from vmlab.storage import affected_vms
from vmlab.vmotion import check, propose_moves

ENGINE_FILES = {
    f"vmlab/{name}.py"
    for name in (
        "sim", "features", "vmotion", "ha", "ha_log", "ft", "ft_agent", "storage", "proactive",
        "scenarios", "__init__",
    )
}  # fmt: skip
CATALOG = Path(vmlab.__file__).parent / "locale" / "zh_CN" / "LC_MESSAGES" / "vmlab.po"

THEIRS = {
    # kind: patterns whose group "theirs" is another module's text quoted in the detail
    "vmotion_refused": [r"没有其他主机能接收它：(?P<theirs>.+)$"],
    "vmotion_aborted": [r"^(?P<theirs>.+)；留在 \S+ 上$"],
    "vmcp_not_terminated": [r"没有主机能接收它（(?P<theirs>.+)）："],
}


@pytest.fixture(autouse=True)
def chinese():
    assert vmlab.use_language("zh") == "zh"
    yield
    vmlab.use_language("en")


def own(kind: str, text: str) -> str:
    """``text`` without another module's quoted reason (see :data:`THEIRS`)."""
    for pattern in THEIRS.get(kind, ()):
        m = re.search(pattern, text)
        if m:
            return text[: m.start("theirs")] + "…" + text[m.end("theirs") :]
    return text


def assert_chinese(text: str, where: str = "") -> None:
    assert has_chinese(text), f"no Chinese in {where}: {text!r}"
    assert english_left(text) == [], f"English left in {where}: {text!r}"


# -- the runs -------------------------------------------------------------------------------


def mixed_run() -> vmlab.Timeline:
    """HA + FT + maintenance + vMotion + PDL + isolation + a hung guest, in one cluster."""
    c = Cluster.example()
    c.enable_ha(vm_monitoring="high")
    c.enable_ft("db-01")
    sim = Simulation(c, seed=0)
    sim.migrate("web-01", "esx-04", at_s=10)
    sim.enter_maintenance("esx-02", at_s=30)
    sim.fail_host("esx-09", at_s=60)
    sim.isolate_host("esx-05", at_s=100)
    sim.storage_fault("san-01", kind="pdl", at_s=200, hosts=["esx-07"], heal_at_s=700)
    sim.hang_guest("web-03", at_s=250)
    sim.repair_host("esx-09", at_s=600)
    sim.repair_host("esx-05", at_s=650)
    sim.exit_maintenance("esx-02", at_s=800)
    return sim.run(until_s=1200)


def priorities_run() -> vmlab.Timeline:
    """Two hosts fail at once; HA restarts their VMs by priority, waiting for guest heartbeats;
    the primary's host is one of them (an election first)."""
    c = Cluster.example()
    c.enable_ha(restart_readiness="guest_heartbeats", isolation_response="power_off")
    for name, priority in (("web-03", "highest"), ("app-11", "high"), ("mail-03", "low"),
                           ("file-11", "lowest"), ("web-17", "disabled")):  # fmt: skip
        c.vms[name].restart_priority = priority
    sim = Simulation(c, seed=0)
    sim.fail_host("esx-01", at_s=20)
    sim.fail_host("esx-03", at_s=20)
    sim.isolate_host("esx-06", at_s=400)
    sim.power_off_host("esx-08", at_s=500)
    sim.power_on_host("esx-08", at_s=900)
    return sim.run(until_s=1500)


def partition_run() -> vmlab.Timeline:
    """A partition with an election on each side, healed; then an isolated host without
    heartbeat datastores is declared failed and its restarts fail on the file locks."""
    c = Cluster.example()
    c.enable_ha(heartbeat_datastores=0, isolation_response="shutdown")
    sim = Simulation(c, seed=0)
    sim.partition([f"esx-{i:02d}" for i in range(1, 5)], at_s=10, heal_at_s=300)
    sim.isolate_host("esx-12", at_s=400)
    sim.hang_guest("web-04", at_s=500)  # no VM monitoring: it stays down
    sim.hang_guest("web-04", at_s=600)  # already down: skipped
    return sim.run(until_s=900)


def primary_partition_run() -> vmlab.Timeline:
    """The partition heals while both sides have a primary: one steps down."""
    c = Cluster.example()
    c.enable_ha()
    sim = Simulation(c, seed=0)
    sim.partition(["esx-01", "esx-02"], at_s=10, heal_at_s=200)
    sim.isolate_host("esx-04", at_s=300)
    return sim.run(until_s=600)


def capacity_run() -> vmlab.Timeline:
    """No host has room: HA retries each time a host comes back, then gives up."""
    c = Cluster(name="small")
    for i, memory in enumerate((128, 128, 128), 1):
        c.add_host(f"esx-{i:02d}", memory_gib=memory)
    c.add_datastore("san-01")
    c.add_vm("big", host="esx-01", memory_gib=100, vcpus=4)
    c.add_vm("mid-a", host="esx-02", memory_gib=60, vcpus=4)
    c.add_vm("mid-b", host="esx-03", memory_gib=60, vcpus=4)
    c.add_vm("small", host="esx-01", memory_gib=20, vcpus=2)
    c.enable_ha(vm_monitoring="high")
    sim = Simulation(c, seed=0)
    sim.fail_host("esx-01", at_s=0)
    for k in range(5):
        sim.isolate_host("esx-03", at_s=100 + 100 * k)
        sim.repair_host("esx-03", at_s=150 + 100 * k)
    for k in range(4):  # VM monitoring resets it 3 times, then no more
        sim.hang_guest("mid-a", at_s=700 + 200 * k)
    return sim.run(until_s=1600)


def storage_runs() -> list[vmlab.Timeline]:
    """APD with each VMCP response, paths back in time or not; PDL; VMCP in a partition."""
    runs = [
        scenarios.storage_failure("apd", vmcp="conservative"),
        scenarios.storage_failure("apd", vmcp="aggressive", heal_after_s=250),
        scenarios.storage_failure("apd", vmcp="issue_events"),
        scenarios.storage_failure("apd", heal_after_s=600),
        scenarios.storage_failure("pdl", vmcp="conservative", heal_after_s=900),
    ]
    c = Cluster.example()
    c.enable_ha(vmcp="conservative")
    c.vms["web-03"].restart_priority = "disabled"
    sim = Simulation(c, seed=0)
    sim.partition(["esx-03"], at_s=0)
    sim.storage_fault("san-01", kind="pdl", at_s=60, hosts="esx-03")
    sim.storage_fault("san-01", kind="apd", at_s=60, hosts=["esx-05", "esx-06"], heal_at_s=900)
    runs.append(sim.run(until_s=1200))
    return runs


def proactive_runs() -> list[vmlab.Timeline]:
    """Proactive HA: quarantine, maintenance, manual, and off."""
    return [
        scenarios.degraded_host(),
        scenarios.degraded_host(severity="moderate"),
        scenarios.degraded_host(automation="manual"),
        scenarios.degraded_host(proactive=False),
    ]


def ft_runs() -> list[vmlab.Timeline]:
    """FT: failover, a lost secondary, both copies lost (with HA and without), a cut logging
    link won by either copy, a new secondary whose host fails, maintenance moving or blocked
    by a secondary."""

    def ft_cluster() -> Cluster:
        c = Cluster(name="ft")
        for i in range(1, 5):
            c.add_host(f"esx-{i:02d}", cores=32, memory_gib=128)
        c.add_datastore("san-01", shared=True)
        c.add_network("ft_logging", bandwidth_gbit_s=10)
        c.add_network("vmotion", bandwidth_gbit_s=10)
        c.add_vm("db-01", host="esx-01", vcpus=4, memory_gib=16, service="db", boot_s=300)
        c.add_vm("web-01", host="esx-02", service="web")
        c.enable_ha()
        c.enable_ft("db-01")
        return c

    runs = []
    for seed in range(4):  # each copy wins the test-and-set in some seed
        sim = Simulation(ft_cluster(), seed=seed)
        sim.cut_ft_logging("db-01", at_s=30)
        sim.cut_ft_logging("db-01", at_s=32)  # nothing in step to race for
        runs.append(sim.run(until_s=400))
    # db-01 runs on esx-01, its secondary on esx-03
    sim = Simulation(ft_cluster(), seed=0)
    sim.fail_host("esx-01", at_s=60)  # failover; a new secondary is copied to esx-04 …
    sim.fail_host("esx-04", at_s=61)  # … which fails meanwhile; the next goes to esx-02
    sim.fail_host("esx-02", at_s=300)  # the secondary's host: lost, the primary runs on
    runs.append(sim.run(until_s=900))
    for ha in (True, False):  # both copies lost: HA restarts it, or FT when HA was dropped
        c = ft_cluster()
        if not ha:
            c.ha = None
        sim = Simulation(c, seed=0)
        sim.fail_host("esx-03", at_s=60)  # the secondary's host
        sim.fail_host("esx-01", at_s=61)  # then the primary's, before a new one is in step
        runs.append(sim.run(until_s=900))
    c = Cluster()
    c.add_host("esx-01", memory_gib=32)
    c.add_host("esx-02", memory_gib=32)
    c.add_datastore("san-01")
    c.add_network("ft_logging", bandwidth_gbit_s=10)
    c.add_vm("db-01", host="esx-01", vcpus=4, memory_gib=16, boot_s=100)
    c.enable_ha(admission_control=None)
    c.enable_ft("db-01")
    c.ha = None
    sim = Simulation(c, seed=0)
    sim.fail_host("esx-01", at_s=10)
    sim.fail_host("esx-02", at_s=20)
    sim.repair_host("esx-02", at_s=300)
    runs.append(sim.run(until_s=1000))
    sim = Simulation(ft_cluster(), seed=0)
    sim.enter_maintenance("esx-03", at_s=10)  # moves the secondary of db-01 away
    runs.append(sim.run(until_s=600))
    c = Cluster(name="small")
    for i in (1, 2, 3):
        c.add_host(f"esx-{i:02d}", memory_gib=64)
    c.add_datastore("san-01", shared=True)
    c.add_network("vmotion", bandwidth_gbit_s=1)
    c.add_network("ft_logging", bandwidth_gbit_s=10)
    c.add_vm("web-01", host="esx-01", service="web")
    c.add_vm("fill-03", host="esx-03", service="app", memory_gib=62)
    c.enable_ha(admission_control=None)
    c.enable_ft("web-01", secondary_host="esx-02")
    sim = Simulation(c, seed=0)
    sim.enter_maintenance("esx-02", at_s=10)  # the secondary has nowhere to go: blocked
    sim.exit_maintenance("esx-02", at_s=500)  # never reached: nothing to exit
    runs.append(sim.run(until_s=600))
    return runs


def vmotion_runs() -> list[vmlab.Timeline]:
    """vMotions that complete, abort, lose their target in either phase or their source, a
    shared-nothing one, an evacuation with nowhere to go, and a rebalancing."""
    runs = []
    base = Simulation(Cluster.example(), seed=0)
    base.migrate("db-01", "esx-02", at_s=10)
    t = base.run(until_s=600)
    stun = t.states[(t.states.vm == "db-01") & (t.states.state == "stunned")].iloc[0]
    for target_fails_at in (20.0, (stun.start_s + stun.end_s) / 2):
        sim = Simulation(Cluster.example(), seed=0)
        sim.migrate("db-01", "esx-02", at_s=10)
        sim.fail_host("esx-02", at_s=target_fails_at)
        runs.append(sim.run(until_s=600))
    sim = Simulation(Cluster.example(), seed=0)
    sim.migrate("db-01", "esx-02", at_s=10)
    sim.fail_host("esx-09", at_s=20)  # the source: the copy is abandoned
    runs.append(sim.run(until_s=600))
    c = Cluster(name="mixed")
    c.add_host("esx-01", memory_gib=128)
    c.add_host("esx-02", memory_gib=128)
    c.add_datastore("local-01", shared=False, hosts=["esx-01"])
    c.add_datastore("local-02", shared=False, hosts=["esx-02"])
    c.add_network("vmotion", bandwidth_gbit_s=10)
    c.add_vm("file-01", host="esx-01", service="file", datastore="local-01")
    c.add_vm("web-01", host="esx-01", service="web", datastore="local-01", memory_gib=120)
    sim = Simulation(c, seed=0)
    sim.migrate("file-01", "esx-02", at_s=10, datastore="local-02")  # shared-nothing
    sim.enter_maintenance("esx-01", at_s=400)  # web-01 cannot leave (local disk, no room)
    runs.append(sim.run(until_s=900))
    c = Cluster(name="hot")
    c.add_host("esx-01", memory_gib=256)
    c.add_host("esx-02", memory_gib=256)
    c.add_datastore("san-01")
    c.add_network("vmotion", bandwidth_gbit_s=1)
    c.add_vm("hot-01", host="esx-01", memory_gib=128, dirty_rate_mib_s=20000, working_set_gib=120)
    sim = Simulation(c, seed=0)
    sim.migrate("hot-01", "esx-02", at_s=0)  # pre-copy gives up (after days of rounds)
    runs.append(sim.run(until_s=8e7))
    runs.append(scenarios.overloaded_host())
    runs.append(scenarios.cpu_swap_weekend())
    return runs


RUNS: dict[str, Callable[[], list[vmlab.Timeline]]] = {
    "mixed": lambda: [mixed_run()],
    "priorities": lambda: [priorities_run()],
    "partition": lambda: [partition_run(), primary_partition_run()],
    "capacity": lambda: [capacity_run()],
    "storage": storage_runs,
    "proactive": proactive_runs,
    "ft": ft_runs,
    "vmotion": vmotion_runs,
}


@pytest.fixture(scope="module")
def timelines() -> dict[str, list[vmlab.Timeline]]:
    vmlab.use_language("zh")
    try:
        return {name: make() for name, make in RUNS.items()}
    finally:
        vmlab.use_language("en")


# -- every line of a run in Chinese ---------------------------------------------------------


@pytest.mark.parametrize("name", list(RUNS))
def test_every_event_detail_and_log_line_of_a_run_is_chinese(timelines, name):
    for t in timelines[name]:
        ev = t.events
        assert len(ev) > 0
        for r in ev.itertuples(index=False):
            assert r.detail, f"{r.kind} has no detail"
            assert_chinese(own(r.kind, r.detail), f"{name}: {r.kind}")
        lines = t.log().splitlines()
        assert len(lines) == len(ev)
        for line, r in zip(lines, ev.itertuples(index=False), strict=True):
            assert f" {r.kind}" in line, "log() keeps the raw kind in its kind column"
            assert_chinese(own(r.kind, line), f"{name}: log() line")


@pytest.mark.parametrize("name", list(RUNS))
def test_every_readable_log_line_is_chinese(timelines, name):
    for t in timelines[name]:
        for kinds in (None, list(vmlab.ha.HA_EVENT_KINDS)):
            text = readable_log(t, kinds=kinds)
            ev = t.events if kinds is None else t.events[t.events.kind.isin(kinds)]
            lines = text.splitlines() if text else []
            assert len(lines) == len(ev)
            for line, kind in zip(lines, ev.kind, strict=True):
                assert_chinese(own(kind, line), f"{name}: readable_log {kind}")
        cut = readable_log(t, kinds=None, max_lines=1)
        if len(t.events) > 1:
            assert_chinese(cut.splitlines()[-1], "readable_log(max_lines=1)")
            assert f"另有 {len(t.events) - 1} 个事件" in cut


def test_the_runs_cover_almost_every_kind_of_event(timelines):
    seen = {k for runs in timelines.values() for t in runs for k in t.events.kind}
    never = {k.value for k in EventKind} - seen
    # "action" is logged only by a feature model of the student's own (Simulation.at)
    assert never <= {"action"}, sorted(never)


def test_events_keep_the_language_of_their_run_and_kinds_columns_stay_english():
    vmlab.use_language("en")
    c = Cluster.example()
    c.enable_ha()
    sim = Simulation(c, seed=0)
    sim.fail_host("esx-03", at_s=0)
    english = sim.run(until_s=300)
    vmlab.use_language("zh")
    sim = Simulation(c, seed=0)
    sim.fail_host("esx-03", at_s=0)
    chinese = sim.run(until_s=300)
    assert english.events.detail.iloc[0] == "5 VMs stop at once"  # said when it ran
    assert chinese.events.detail.iloc[0] == "5 台虚拟机同时停止"
    for column in ("t_s", "kind", "host", "vm"):
        assert english.events[column].tolist() == chinese.events[column].tolist()
    assert english.outages().equals(chinese.outages()), "the figures are the same"
    assert list(chinese.events.columns) == ["t_s", "kind", "host", "vm", "detail"]
    assert affected_vms(english) == affected_vms(chinese) == []


def test_affected_vms_does_not_read_the_details():
    t = scenarios.storage_failure("pdl", vmcp="conservative")
    vmlab.use_language("en")
    english = scenarios.storage_failure("pdl", vmcp="conservative")
    assert affected_vms(t) == affected_vms(english) == affected_vms(english, "san-01")
    assert affected_vms(t, "san-01") and affected_vms(t, "no-such") == []


def test_proactive_ha_is_still_recognised_as_automatic_in_chinese():
    assert scenarios.vm_impact(scenarios.degraded_host())["trigger"] == "automatic"
    assert scenarios.vm_impact(scenarios.degraded_host(severity="moderate"))["trigger"] == (
        "automatic"
    )
    assert scenarios.vm_impact(scenarios.cpu_swap_weekday())["trigger"] == "manual"


# -- summaries, descriptions and reasons ---------------------------------------------------


def test_summaries_and_scenario_texts_are_chinese():
    texts = [
        record_replay(SCALES_WORKLOADS["MS-SQL DVD Store"]).summary(),
        record_replay(Workload("netperf", events_per_s=10_000, net_in_mbit_s=940)).summary(),
        checkpointing(150, 3).summary(),
        repr(scenarios.host_failure("ha")),
    ]
    table = scenarios.compare(storage=True)
    texts += list(table.purpose)
    assert list(table.feature) == ["vMotion", "HA", "FT", "none", "VMCP", "Proactive HA"]
    assert set(table.trigger) == {"manual", "automatic"}, "categories stay English"
    cases = list(scenarios.storage_outages().case)
    assert cases[2:4] == ["APD，VMCP", "PDL，VMCP"]  # terms kept in Latin letters
    texts += cases[:2] + cases[4:]
    texts += [n for n in scenarios.costs().networks if n != "vMotion ≥ 1 Gbit/s"]
    for max_outage_s, vcpus in ((3600, 2), (60, 2), (60, 16), (0, 2)):
        texts.append(scenarios.choose_feature(max_outage_s=max_outage_s, vcpus=vcpus, table=table))
    overloaded = scenarios.overloaded_cluster()
    for threshold, most in ((80, 1), (5, 20)):
        why = propose_moves(overloaded, threshold_pct=threshold, max_moves=most).attrs["why"]
        texts.append(why)
    for text in texts:
        assert_chinese(text, "summary")
    assert "记录/重放" in texts[0] and "瓶颈" in texts[1] and "检查点" in texts[2]


def test_vmotion_check_reasons_of_the_engine_are_chinese():
    c = Cluster(name="mixed")
    c.add_host("esx-01", memory_gib=128)
    c.add_host("esx-02", memory_gib=128)
    c.add_datastore("san-01", shared=True)
    c.add_datastore("local-01", shared=False, hosts=["esx-01"])
    c.add_vm("web-01", host="esx-01", service="web")
    c.add_vm("file-01", host="esx-01", service="file", datastore="local-01")
    reasons = check(c, "web-01", "esx-01")  # already there
    reasons += check(c, "file-01", "esx-02")  # local disk, and no vMotion network
    reasons += check(c, "web-01", "esx-02", datastore="local-01")  # esx-02 cannot see it
    c.add_network("vmotion", bandwidth_gbit_s=0.5)
    reasons += check(c, "web-01", "esx-02")  # too slow
    assert len(reasons) == 6
    for reason in reasons:
        assert_chinese(reason, "check()")
    assert "cluster.add_network('vmotion', bandwidth_gbit_s=10)" in reasons[2]


# -- scheduling errors ------------------------------------------------------------------------


def _sim() -> Simulation:
    c = Cluster.example()
    c.enable_ha()
    c.add_datastore("local-03", shared=False, hosts=["esx-03"])
    c.add_vm("file-99", host="esx-03", service="file", datastore="local-03")
    return Simulation(c, seed=0)


SCHEDULES: dict[str, tuple[Callable[[Simulation], None], str]] = {
    # name: (a schedule whose last call is refused, code the message must keep)
    "fail twice": (
        lambda s: (s.fail_host("esx-03", at_s=10), s.fail_host("esx-03", at_s=20)),
        "sim.repair_host('esx-03', at_s=…)",
    ),
    "repair an up host": (
        lambda s: s.repair_host("esx-03", at_s=10),
        "sim.fail_host('esx-03', at_s=…)",
    ),
    "exit without entering": (
        lambda s: s.exit_maintenance("esx-03", at_s=10),
        "sim.enter_maintenance('esx-03', at_s=…)",
    ),
    "fail an isolated host's network again": (
        lambda s: (s.isolate_host("esx-03", at_s=10), s.isolate_host("esx-03", at_s=20)),
        "sim.repair_host('esx-03', at_s=…)",
    ),
    "power on in maintenance": (
        lambda s: (s.enter_maintenance("esx-03", at_s=10), s.power_on_host("esx-03", at_s=20)),
        "sim.exit_maintenance('esx-03', at_s=…)",
    ),
    "degrade a failed host": (
        lambda s: (s.fail_host("esx-03", at_s=10), s.degrade_host("esx-03", at_s=20)),
        "sim.repair_host('esx-03', at_s=…)",
    ),
    "power on an up host": (lambda s: s.power_on_host("esx-03", at_s=10), ""),
    "vMotion without shared storage": (
        lambda s: s.migrate("file-99", "esx-04", at_s=10),
        "datastore=...",
    ),
    "two vMotions at once": (
        lambda s: (s.migrate("web-01", "esx-02", at_s=10), s.migrate("web-01", "esx-03", at_s=10)),
        "",
    ),
    "two vMotions at once, many": (
        lambda s: (
            s.migrate("web-01", "esx-02", at_s=10),
            s.migrate_many([("web-01", "esx-03")], at_s=10),
        ),
        "",
    ),
    "both sides": (lambda s: s.partition(["esx-01"], ["esx-01", "esx-02"], at_s=10), ""),
    "neither side": (lambda s: s.partition(["esx-01"], ["esx-02"], at_s=10), "hosts_b"),
    "heal before": (lambda s: s.partition(["esx-01"], at_s=10, heal_at_s=5), "heal_at_s"),
    "overlapping partitions": (
        lambda s: (
            s.partition(["esx-01"], at_s=10, heal_at_s=100),
            s.partition(["esx-02"], at_s=50),
        ),
        "heal_at_s=…",
    ),
    "cut a VM without FT": (
        lambda s: s.cut_ft_logging("web-01", at_s=10),
        "cluster.enable_ft('web-01')",
    ),
    "unknown severity": (lambda s: s.degrade_host("esx-03", at_s=10, severity="mild"), ""),
    "run twice": (lambda s: (s.run(until_s=10), s.fail_host("esx-03", at_s=20)), "Simulation"),
    "unknown fault kind": (lambda s: s.storage_fault("san-01", kind="lun", at_s=10), "'apd'"),
    "heal a fault before it starts": (
        lambda s: s.storage_fault("san-01", at_s=10, heal_at_s=5),
        "",
    ),
    "a host that does not see it": (
        lambda s: s.storage_fault("local-03", at_s=10, hosts=["esx-01"]),
        "",
    ),
    "a datastore no VM uses": (
        lambda s: (s.spec.add_datastore("empty-01"), s.storage_fault("empty-01", at_s=10)),
        "",
    ),
    "overlapping faults": (
        lambda s: (
            s.storage_fault("san-01", at_s=10, hosts="esx-01"),
            s.storage_fault("san-01", at_s=20, hosts="esx-01"),
        ),
        "",
    ),
    "heal nothing": (
        lambda s: s.heal_storage("san-01", at_s=10),
        "sim.storage_fault('san-01', kind='apd', at_s=…)",
    ),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_scheduling_errors_are_chinese_and_keep_the_call_to_make(name):
    schedule, code = SCHEDULES[name]
    sim = _sim()
    with pytest.raises(ValueError) as error:
        schedule(sim)
    message = str(error.value)
    assert_chinese(message, name)
    assert code in message


def test_a_refused_host_action_names_when_and_why_in_chinese():
    sim = _sim()
    sim.fail_host("esx-03", at_s=60)
    with pytest.raises(ValueError) as error:
        sim.fail_host("esx-03", at_s=120)
    assert str(error.value) == (
        "无法在 120 s 时让 esx-03 发生故障：那时它已停机（60 s 时它发生了故障）。"
        "请先用 sim.repair_host('esx-03', at_s=…) 修复它。"
    )
    assert [a[2] for a in sim._actions] == ["fail_host"], "the refused call changed nothing"


def test_other_engine_errors_are_chinese():
    def no_drs() -> None:
        enable_proactive_ha(Cluster.example())

    def bad_threshold() -> None:
        enable_drs(Cluster.example(), migration_threshold=9)

    def no_logging_network() -> None:
        c = Cluster(name="bare")
        c.add_host("esx-01")
        c.add_datastore("san-01")
        c.add_vm("web-01", host="esx-01")
        vmlab.ft.logging_for_vm(c, "web-01")

    for call in (no_drs, bad_threshold, no_logging_network):
        with pytest.raises(ValueError) as error:
            call()
        assert_chinese(str(error.value), call.__name__)
    with pytest.raises(ValueError) as error:
        record_replay("SPECJbb2005")  # type: ignore[arg-type]
    message = str(error.value)  # checks.describe() and the workloads' names are not ours
    assert message.startswith("record_replay 需要一个 Workload，而不是 ")
    assert "；例如 SCALES_WORKLOADS['SPECJbb2005']（工作负载：" in message


# -- the catalog ------------------------------------------------------------------------------


def _engine_entries() -> list:
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    return [m for m in catalog if m.id and {loc for loc, _ in m.locations} & ENGINE_FILES]


def _fields(text: str) -> list[str]:
    return sorted(re.findall(r"\{[^{}]*\}", text))


def test_every_engine_sentence_is_translated_with_its_placeholders():
    entries = _engine_entries()
    assert len(entries) >= 290
    for m in entries:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert "fuzzy" not in m.flags, m.id
        assert all(strings), f"untranslated: {m.id!r}"
        for s in strings:
            for i in ids:
                assert set(_fields(s)) == set(_fields(i)), (i, s)
            # a few are Latin terms with Chinese punctuation only ("APD，VMCP", "；")
            assert has_chinese(s) or (s != ids[0] and english_left(s) == []), (m.id, s)
