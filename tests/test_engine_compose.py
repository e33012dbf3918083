"""vMotion, maintenance mode, HA and FT together: the five reproductions of the engine issue,
each a regression test, plus the structure that fixed them (one run state, one placement,
typed events, features with one contract)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from invariants import violations

import vmlab
from vmlab import Cluster, EventKind, Simulation
from vmlab.features import FeatureBase
from vmlab.placement import place
from vmlab.sim import FEATURES
from vmlab.state import RunState


def ft_example():
    c = Cluster.example()
    c.enable_ha()
    c.enable_ft("web-01")
    assert c.vms["web-01"].secondary_host == "esx-02"
    return c


def kinds(t, vm=None, host=None):
    ev = t.events
    if vm is not None:
        ev = ev[ev.vm == vm]
    if host is not None:
        ev = ev[ev.host == host]
    return ev.kind.tolist()


# -- 1. an FT primary never lands on its own secondary's host -------------------------------


def test_an_ft_primary_is_never_moved_onto_its_secondarys_host():
    sim = Simulation(ft_example(), seed=0)
    sim.migrate("web-01", "esx-02", at_s=10)
    t = sim.run(until_s=120)
    refused = t.events[(t.events.kind == "vmotion_refused") & (t.events.vm == "web-01")]
    assert "holds the FT secondary of web-01" in refused.detail.iloc[0]
    assert (
        t.final.vms["web-01"].host == "esx-01" and t.final.vms["web-01"].secondary_host == "esx-02"
    )
    assert violations(t) == []


def test_maintenance_never_evacuates_an_ft_primary_onto_its_secondary():
    c = ft_example()
    # make esx-02 (the secondary's host) the emptiest, so plain "most free memory" picks it
    for vm in list(c.vms_on("esx-02")):
        c.vms[vm.name].host = "esx-03"
    sim = Simulation(c, seed=0)
    sim.enter_maintenance("esx-01", at_s=10)
    t = sim.run(until_s=900)
    started = t.events[(t.events.kind == "vmotion_started") & (t.events.vm == "web-01")]
    assert "to esx-02" not in started.detail.iloc[0]
    assert t.host_state_at("esx-01", 899) == "maintenance"
    assert violations(t) == []


# -- 2. a switchover whose target goes away ---------------------------------------------------


def _stun_window(vm="db-01", target="esx-02"):
    sim = Simulation(Cluster.example(), seed=0)
    sim.migrate(vm, target, at_s=10)
    t = sim.run(until_s=600)
    stunned = t.states[(t.states.vm == vm) & (t.states.state == "stunned")].iloc[0]
    return stunned.start_s, stunned.end_s


@pytest.mark.parametrize("how", ["fail_host", "isolate_host"])
def test_a_vm_whose_vmotion_target_goes_away_during_the_switchover_resumes_on_the_source(how):
    start, end = _stun_window()
    sim = Simulation(Cluster.example(), seed=0)
    sim.migrate("db-01", "esx-02", at_s=10)
    getattr(sim, how)("esx-02", at_s=(start + end) / 2)
    t = sim.run(until_s=600)
    assert t.final.vms["db-01"].state == "running" and t.final.vms["db-01"].host == "esx-09"
    failed = t.events[t.events.kind == "vmotion_failed"]
    assert "during the switchover; it resumes on esx-09" in failed.detail.iloc[0]
    assert t.migrations.outcome.tolist() == ["failed"]
    assert violations(t) == []


def test_a_vm_whose_source_fails_during_the_switchover_is_restarted_by_ha():
    start, end = _stun_window()
    c = Cluster.example()
    c.enable_ha()
    sim = Simulation(c, seed=0)
    sim.migrate("db-01", "esx-02", at_s=10)
    sim.fail_host("esx-09", at_s=(start + end) / 2)
    t = sim.run(until_s=900)
    assert "restart_issued" in kinds(t, vm="db-01")
    assert t.final.vms["db-01"].state == "running"
    assert violations(t) == []


# -- 3. no host over its memory: FT secondaries and migrations reserve it ---------------------


def three_small_hosts():
    c = Cluster(name="small")
    for i in (1, 2, 3):
        c.add_host(f"esx-{i:02d}", memory_gib=64)
    c.add_datastore("san-01", shared=True)
    c.add_network("vmotion", bandwidth_gbit_s=1)
    c.add_network("ft_logging", bandwidth_gbit_s=10)
    return c


def test_ha_placement_counts_memory_claimed_by_a_vmotion_in_flight():
    c = three_small_hosts()
    c.add_vm("big-01", host="esx-01", service="app", memory_gib=40)
    c.add_vm("mover", host="esx-03", service="app", memory_gib=32)
    c.add_vm("filler", host="esx-02", service="app", memory_gib=24)
    c.enable_ha(admission_control=None)
    sim = Simulation(c, seed=0)
    sim.migrate("mover", "esx-02", at_s=0)  # 32 GiB claimed on esx-02 for minutes (1 Gbit/s)
    sim.fail_host("esx-01", at_s=5)  # HA must not put big-01 (40 GiB) there as well
    t = sim.run(until_s=900)
    mem = t.memory
    assert (mem.vms_gib + mem.secondaries_gib + mem.reserved_gib <= mem.capacity_gib).all()
    assert mem.reserved_gib.max() == 32
    assert violations(t) == []


def test_a_new_ft_secondary_reserves_its_memory_while_it_is_copied():
    c = Cluster.example()
    c.enable_ha()
    c.enable_ft("db-01")  # primary esx-09, secondary esx-01
    sim = Simulation(c, seed=0)
    sim.fail_host("esx-01", at_s=10)  # the secondary is lost: a new one is copied elsewhere
    t = sim.run(until_s=900)
    starting = t.events[t.events.kind == "ft_secondary_starting"].iloc[0]
    reserved = t.memory[(t.memory.host == starting.host) & (t.memory.t_s == starting.t_s)]
    assert reserved.reserved_gib.iloc[0] >= 64
    assert violations(t) == []


# -- 4. maintenance mode moves FT secondaries too ------------------------------------------


def test_maintenance_moves_the_ft_secondaries_off_the_host_first():
    sim = Simulation(ft_example(), seed=0)
    sim.enter_maintenance("esx-02", at_s=10)
    sim.cut_ft_logging("web-01", at_s=600)
    t = sim.run(until_s=900)
    moved = t.events[t.events.kind == "ft_secondary_moved"]
    assert moved.vm.tolist() == ["web-01"] and "from esx-02" in moved.detail.iloc[0]
    in_maintenance = t.events[t.events.kind == "host_in_maintenance"].t_s.iloc[0]
    assert moved.t_s.iloc[0] <= in_maintenance
    secondary = t.states[(t.states.vm == "web-01") & (t.states.state == "secondary")]
    assert not ((secondary.host == "esx-02") & (secondary.end_s > in_maintenance)).any()
    # after the cut, whichever copy wins is not on the host in maintenance
    assert t.final.vms["web-01"].host != "esx-02"
    assert violations(t) == []


def test_maintenance_is_blocked_when_a_secondary_has_nowhere_to_go():
    c = three_small_hosts()
    c.add_vm("web-01", host="esx-01", service="web")
    c.add_vm("fill-03", host="esx-03", service="app", memory_gib=62)
    c.enable_ha(admission_control=None)
    c.enable_ft("web-01", secondary_host="esx-02")
    sim = Simulation(c, seed=0)
    sim.enter_maintenance("esx-02", at_s=10)
    t = sim.run(until_s=600)
    blocked = t.events[t.events.kind == "maintenance_blocked"]
    assert "web-01 (secondary)" in blocked.detail.iloc[0]
    assert t.host_state_at("esx-02", 599) == "up"
    assert violations(t) == []


# -- 5. HA tries again whenever a host comes back, whichever way ----------------------------


@pytest.mark.parametrize(
    "comeback",
    [
        ("exit_maintenance", "enter_maintenance"),
        ("power_on_host", "power_off_host"),
        ("repair_host", "fail_host"),
    ],
)
def test_ha_restarts_the_vms_it_had_no_room_for_when_a_host_comes_back(comeback):
    back, away = comeback
    c = three_small_hosts()
    c.add_vm("big-01", host="esx-01", service="app", memory_gib=40)
    c.add_vm("big-02", host="esx-02", service="app", memory_gib=40)
    c.enable_ha(admission_control=None)
    sim = Simulation(c, seed=0)
    getattr(sim, away)("esx-03", at_s=0)  # esx-03 is empty: maintenance is quick
    sim.fail_host("esx-01", at_s=100)
    getattr(sim, back)("esx-03", at_s=600)
    t = sim.run(until_s=1200)
    failed = t.events[(t.events.kind == "restart_failed") & (t.events.vm == "big-01")]
    assert "retries when a host comes back" in failed.detail.iloc[0]
    issued = t.events[(t.events.kind == "restart_issued") & (t.events.vm == "big-01")]
    assert issued.t_s.tolist() == [600] and issued.host.tolist() == ["esx-03"]
    assert t.final.vms["big-01"].state == "running"
    assert violations(t) == []


# -- the structure ---------------------------------------------------------------------------


def test_a_run_never_changes_or_copies_its_cluster(monkeypatch):
    c = ft_example()
    before = c.vm_table().to_dict(), c.host_table().to_dict(), c.ha.primary
    copies = []
    monkeypatch.setattr(Cluster, "copy", lambda self: copies.append(1) or None)
    sim = Simulation(c, seed=0)
    sim.fail_host("esx-01", at_s=10)
    sim.enter_maintenance("esx-05", at_s=20)
    t = sim.run(until_s=900)
    assert copies == [], "no deep copy of the spec per run"
    assert (c.vm_table().to_dict(), c.host_table().to_dict(), c.ha.primary) == before
    assert t.final.primary == "esx-02"
    monkeypatch.undo()
    assert t.cluster.ha.primary == "esx-02"  # the snapshot is made only when asked for


def test_every_event_kind_is_an_eventkind_member():
    sim = Simulation(ft_example(), seed=0)
    sim.enter_maintenance("esx-02", at_s=10)
    sim.fail_host("esx-01", at_s=400)
    sim.cut_ft_logging("web-01", at_s=800)
    t = sim.run(until_s=1200)
    assert set(t.events.kind) <= {k.value for k in EventKind}
    assert vmlab.EventKind.HOST_FAILED == "host_failed"


def test_one_placement_explains_every_host_it_left_out():
    state = RunState(ft_example())
    state.hosts["esx-03"].state = "down"
    choice = place(state, "web-01", "restart", candidates=list(state.hosts)[:4])
    assert choice.rejected["esx-02"].startswith("holds the FT secondary of web-01")
    assert choice.rejected["esx-03"] == "is down"
    assert choice.rejected["esx-05"].startswith("not reachable")
    assert choice.host == "esx-04"


def test_every_feature_follows_the_contract():
    for feature in FEATURES:
        assert issubclass(feature, FeatureBase) and feature.name
        for hook in ("wanted", "handle", "claim", "evacuate"):
            assert callable(getattr(feature, hook))


ENGINE = {
    "cpus", "checks", "units", "words", "events", "cluster", "ha_settings", "ft_rules",
    "placement", "state", "migration", "features", "vmotion", "ha_log", "ha", "ft",
    "ft_agent", "storage", "proactive", "sim", "scenarios",
}  # fmt: skip
SPEC = {"cpus", "checks", "units", "words", "events", "cluster", "ha_settings", "ft_rules",
        "placement", "state", "migration"}  # fmt: skip
FEATURE_MODULES = {"features", "vmotion", "ha_log", "ha", "ft", "ft_agent", "storage", "proactive"}


def _imports() -> dict[str, set[str]]:
    """Module → the vmlab modules it imports (at any depth, TYPE_CHECKING blocks left out)."""
    root = Path(vmlab.__file__).parent
    out: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts) or "vmlab"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skip |= {id(sub) for stmt in node.body for sub in ast.walk(stmt)}
        deps = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("vmlab"):
                deps.add(node.module.removeprefix("vmlab").lstrip("."))
                if node.module == "vmlab":
                    deps |= {a.name for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {
                    a.name.removeprefix("vmlab.") for a in node.names if a.name.startswith("vmlab")
                }
        out[name] = {d for d in deps if d}
    return out


def test_no_import_cycles_and_the_engine_layers_hold():
    graph = _imports()
    packages = {"vmlab", "plots", "widgets"}
    edges = {m: {d for d in ds if d in graph and d not in packages} for m, ds in graph.items()}

    def cycle_from(start):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in edges.get(node, ()):
                if nxt == start:
                    return path + [nxt]
                if nxt not in path:
                    stack.append((nxt, path + [nxt]))
        return None

    cycles = [c for m in edges if (c := cycle_from(m))]
    assert not cycles, f"import cycle: {' -> '.join(cycles[0])}"
    for module in ENGINE:
        bad = {d for d in graph[module] if d.split(".")[0] in ("plots", "widgets", "quiz")}
        assert not bad, f"engine module {module} imports {bad}"
    for module in SPEC:
        up = graph[module] & (FEATURE_MODULES | {"sim", "scenarios"})
        assert not up, f"spec module {module} imports {up} (spec ← features ← sim)"
    for module in FEATURE_MODULES:
        up = graph[module] & {"sim", "scenarios"}
        assert not up, f"feature module {module} imports {up}"


def test_the_invariant_checker_sees_a_broken_run():
    sim = Simulation(ft_example(), seed=0)
    sim.fail_host("esx-03", at_s=10)
    t = sim.run(until_s=300)
    assert violations(t) == []
    states = t.states.copy()
    i = states.index[(states.vm == "web-01") & (states.state == "secondary")][0]
    states.loc[i, "host"] = "esx-01"  # the secondary on the primary's host
    states.loc[states.index[(states.vm == "web-03")][-1], "host"] = "esx-03"  # live on a dead host
    t.states = states
    t.memory = t.memory.assign(reserved_gib=t.memory.reserved_gib + 300)
    found = " | ".join(violations(t))
    assert "primary and secondary both on esx-01" in found
    assert "web-03 running on esx-03" in found and "while the host is down" in found
    assert "over its memory" in found


def test_proactive_ha_maintenance_uses_the_simulations_maintenance_and_can_be_exited():
    from vmlab.proactive import enable_drs, enable_proactive_ha

    c = Cluster.example()
    c.enable_ha()
    enable_drs(c)
    enable_proactive_ha(c, remediation="maintenance")
    sim = Simulation(c, seed=0)
    sim.degrade_host("esx-03", at_s=10, severity="severe")
    sim.exit_maintenance("esx-03", at_s=900)  # accepted: the schedule knows it goes there
    with pytest.raises(ValueError, match="Cannot degrade esx-03 at 950 s: it is down"):
        s2 = Simulation(c, seed=0)
        s2.fail_host("esx-03", at_s=100)
        s2.degrade_host("esx-03", at_s=950)
    t = sim.run(until_s=1200)
    kinds_ = kinds(t, host="esx-03")
    assert kinds_.index("maintenance_requested") < kinds_.index("host_in_maintenance")
    assert "maintenance_exited" in kinds_ and t.final.hosts["esx-03"].state == "up"
    assert violations(t) == []
