"""Property tests: whatever random sequence of failures and repairs happens, the
simulation's bookkeeping stays physically possible."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vmlab import Cluster, Simulation

UNTIL_S = 3000.0


@st.composite
def schedules(draw):
    """For each of three hosts, alternating fail/repair times (a valid schedule)."""
    plan = []
    for host in ("esx-01", "esx-02", "esx-03"):
        times = sorted(draw(st.lists(st.integers(0, 2800), max_size=6, unique=True)))
        for i, t in enumerate(times):
            plan.append(("fail_host" if i % 2 == 0 else "repair_host", host, float(t)))
    return plan


def small_cluster() -> Cluster:
    """Three hosts with two VMs each (a fixture would be shared across hypothesis examples)."""
    c = Cluster()
    for i in (1, 2, 3):
        c.add_host(f"esx-{i:02d}", cores=16, memory_gib=64)
    c.add_datastore("san-01")
    for i, h in enumerate(["esx-01", "esx-01", "esx-02", "esx-02", "esx-03", "esx-03"]):
        c.add_vm(f"vm-{i}", host=h, service=["web", "db"][i % 2], memory_gib=8)
    return c


CLUSTER = small_cluster()


def run(cluster, plan):
    sim = Simulation(cluster, seed=0)
    for kind, host, t in plan:
        getattr(sim, kind)(host, at_s=t)
    return sim.run(until_s=UNTIL_S)


@settings(max_examples=60, deadline=None)
@given(plan=schedules())
def test_every_vm_is_in_one_state_on_one_host_at_every_instant(plan):
    t = run(CLUSTER, plan)
    assert set(t.states.vm) == set(CLUSTER.vms), "no VM is ever lost"
    for _vm, rows in t.states.groupby("vm"):
        rows = rows.sort_values("start_s")
        assert rows.start_s.iloc[0] == 0 and rows.end_s.iloc[-1] == UNTIL_S
        # back to back, never overlapping: one state and one host at each instant
        assert (rows.start_s.iloc[1:].values == rows.end_s.iloc[:-1].values).all()
        assert (rows.end_s > rows.start_s).all()


@settings(max_examples=60, deadline=None)
@given(plan=schedules())
def test_no_vm_runs_or_boots_on_a_down_host(plan):
    t = run(CLUSTER, plan)
    down = t.host_states[t.host_states.state == "down"]
    alive = t.states[t.states.state.isin(["running", "booting", "stunned", "migrating"])]
    for h in down.itertuples():
        on_it = alive[alive.host == h.host]
        overlap = on_it[(on_it.start_s < h.end_s) & (on_it.end_s > h.start_s)]
        assert overlap.empty, f"{h.host} is down {h.start_s}–{h.end_s} but hosts {overlap}"


@settings(max_examples=60, deadline=None)
@given(plan=schedules())
def test_the_clock_never_goes_back_and_outages_add_up(plan):
    t = run(CLUSTER, plan)
    assert t.events.t_s.is_monotonic_increasing
    assert (t.events.t_s <= UNTIL_S).all()
    out = t.outages()
    assert (out.down_s > 0).all()
    not_running = t.states[t.states.state != "running"]
    assert abs(out.down_s.sum() - (not_running.end_s - not_running.start_s).sum()) < 1e-6


@settings(max_examples=40, deadline=None)
@given(plan=schedules())
def test_a_vm_is_down_exactly_while_its_host_is_down(plan):
    t = run(CLUSTER, plan)
    for r in t.states[t.states.state == "down"].itertuples():
        assert t.host_state_at(r.host, (r.start_s + r.end_s) / 2) == "down"
