"""Properties of HA under random failures, isolations, partitions, hangs and repairs.

Whatever happens: no VM is ever on two hosts at once, no VM is lost, no host holds more
memory than it has, nothing runs on a failed host, HA never restarts a VM that is still
running, and a restart batch follows restart priority.
"""

from __future__ import annotations

import os

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmlab import Cluster, Simulation
from vmlab.ha import ISOLATION_RESPONSES, PRIORITY_ORDER

HOSTS = [f"esx-{i:02d}" for i in range(1, 6)]
UNTIL_S = 2400.0


def build_cluster(sizes: list[tuple[int, int, str]]) -> Cluster:
    c = Cluster(name="prop")
    for h in HOSTS:
        c.add_host(h, cores=16, memory_gib=64)
    c.add_datastore("san")
    for i, (host_i, mem, prio) in enumerate(sizes):
        host = HOSTS[host_i % len(HOSTS)]
        if c.free_memory_gib(host) < mem:
            continue
        c.add_vm(f"vm-{i:02d}", host=host, vcpus=2, memory_gib=mem, boot_s=30 + 7 * i,
                 restart_priority=prio)  # fmt: skip
    return c


actions = st.lists(
    st.tuples(
        st.sampled_from(["fail", "repair", "isolate", "partition", "hang"]),
        st.integers(0, len(HOSTS) - 1),
        st.integers(0, 1500),
    ),
    max_size=8,
)
vms = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.sampled_from([4, 8, 16, 24]),
        st.sampled_from(("highest", "high", "medium", "low", "disabled")),
    ),
    min_size=1,
    max_size=12,
)


def play(sizes, plan, response, monitoring):
    c = build_cluster(sizes)
    c.enable_ha(isolation_response=response, vm_monitoring=monitoring)
    sim = Simulation(c, seed=0)
    for kind, i, t in plan:
        host = HOSTS[i]
        try:
            if kind == "fail":
                sim.fail_host(host, at_s=t)
            elif kind == "repair":
                sim.repair_host(host, at_s=t)
            elif kind == "isolate":
                sim.isolate_host(host, at_s=t)
            elif kind == "partition":
                sim.partition(HOSTS[: i + 1] if i < len(HOSTS) - 1 else HOSTS[:1], at_s=t,
                              heal_at_s=t + 300)  # fmt: skip
            elif c.vms:
                sim.hang_guest(list(c.vms)[i % len(c.vms)], at_s=t)
        except ValueError:
            pass  # impossible in this order: refused up front, nothing changed
    return c, sim.run(until_s=UNTIL_S)


def check_invariants(cluster: Cluster, t) -> None:
    states = t.states[t.states.state != "secondary"]
    # never lost: every VM has intervals covering the whole run, back to back
    assert set(states.vm) == set(cluster.vms) == set(t.cluster.vms)
    for vm, g in states.groupby("vm"):
        g = g.sort_values("start_s")
        assert g.start_s.iloc[0] == 0 and g.end_s.iloc[-1] == UNTIL_S
        # one place at a time: intervals never overlap
        assert (g.start_s.iloc[1:].to_numpy() == g.end_s.iloc[:-1].to_numpy()).all(), vm
    # nothing runs or boots on a failed host
    down = t.host_states[t.host_states.state == "down"]
    live = states[states.state.isin(["running", "booting"])]
    for r in live.itertuples(index=False):
        d = down[(down.host == r.host) & (down.start_s < r.end_s) & (down.end_s > r.start_s)]
        assert d.empty, f"{r.vm} {r.state} on {r.host} while it was down"
    # no host holds more than its memory, at any moment
    memory = {vm: v.memory_gib for vm, v in cluster.vms.items()}
    for moment in sorted(set(states.start_s)):
        here = states[(states.start_s <= moment) & (states.end_s > moment)]
        used = here.groupby("host").vm.apply(lambda s: sum(memory[v] for v in s))
        for host, gib in used.items():
            assert gib <= cluster.hosts[host].memory_gib + 1e-9, (moment, host)
    # HA restarts only VMs that are down
    downs = t.events[t.events.kind == "vm_down"]
    for r in t.events[t.events.kind == "restart_issued"].itertuples(index=False):
        before = states[(states.vm == r.vm) & (states.end_s == r.t_s)]
        assert not before.empty, (r.vm, r.t_s)
        stopped_now = ((downs.vm == r.vm) & (downs.t_s == r.t_s)).any()  # powered off, 0 s
        assert before.iloc[-1].state == "down" or stopped_now, (r.vm, r.t_s)
    check_priorities(cluster, t)


def check_priorities(cluster: Cluster, t) -> None:
    """Within one batch (first attempts after one declaration or isolation response), a
    higher priority is never issued after a lower one."""
    ev = t.events
    starts = ev[ev.kind.isin(["host_declared_failed", "isolation_response"])]
    first = ev[(ev.kind == "restart_issued") & ev.detail.str.contains("attempt 1 of")]
    rows = []
    for r in first.itertuples(index=False):
        source = r.detail.split(",")[0].removeprefix("from ")
        batch = starts[(starts.host == source) & (starts.t_s <= r.t_s)].t_s.max()
        rank = PRIORITY_ORDER.index(cluster.vms[r.vm].restart_priority)
        rows.append((source, batch, rank, r.t_s))
    df = pd.DataFrame(rows, columns=["source", "batch", "rank", "t_s"])
    for _, g in df.groupby(["source", "batch"]):
        by_rank = g.groupby("rank").t_s.agg(["min", "max"]).sort_index()
        assert (by_rank["max"].to_numpy()[:-1] <= by_rank["min"].to_numpy()[1:]).all()


@settings(
    max_examples=int(os.environ.get("HA_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(vms, actions, st.sampled_from(ISOLATION_RESPONSES), st.sampled_from([None, "high"]))
def test_random_schedules_keep_every_invariant(sizes, plan, response, monitoring):
    cluster, t = play(sizes, plan, response, monitoring)
    check_invariants(cluster, t)


def test_a_known_busy_schedule_keeps_every_invariant():
    sizes = [(i, 16, p) for i, p in zip(range(12), ["high", "medium", "low"] * 4, strict=True)]
    plan = [
        ("fail", 0, 10), ("isolate", 1, 20), ("partition", 2, 30), ("fail", 3, 400),
        ("repair", 0, 500), ("repair", 1, 600), ("repair", 3, 900), ("hang", 4, 50),
    ]  # fmt: skip
    for response in ISOLATION_RESPONSES:
        cluster, t = play(sizes, plan, response, "high")
        check_invariants(cluster, t)
        assert (t.events.kind == "restart_issued").any()
