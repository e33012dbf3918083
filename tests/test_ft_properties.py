"""FT invariants under random failures, repairs and logging cuts (hypothesis).

- a primary and its secondary never share a host;
- at most one copy of a VM is live at any instant;
- no VM is lost: every VM's primary copy is accounted for from start to end, on one host at a
  time;
- no copy runs on a host that is down, and the clock never goes back.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vmlab import Cluster, Simulation

UNTIL_S = 2400.0
HOSTS = ("esx-01", "esx-02", "esx-03", "esx-04")
FT_VMS = ("db-01", "app-01")


def ft_cluster() -> Cluster:
    c = Cluster()
    for h in HOSTS:
        c.add_host(h, cores=32, memory_gib=96)
    c.add_datastore("san-01")
    c.add_network("ft_logging", bandwidth_gbit_s=10)
    c.add_vm("db-01", host="esx-01", vcpus=4, memory_gib=16, service="db", boot_s=120)
    c.add_vm("app-01", host="esx-02", vcpus=2, memory_gib=8, service="app", boot_s=60)
    c.add_vm("web-01", host="esx-03", service="web")
    c.enable_ha()  # FT needs HA on the cluster
    c.enable_ft("db-01")
    c.enable_ft("app-01")
    return c


CLUSTER = ft_cluster()


@st.composite
def schedules(draw):
    plan = []
    for host in HOSTS:
        times = sorted(draw(st.lists(st.integers(0, 2200), max_size=4, unique=True)))
        for i, t in enumerate(times):
            plan.append(("fail_host" if i % 2 == 0 else "repair_host", host, float(t)))
    for vm in FT_VMS:
        for t in draw(st.lists(st.integers(0, 2200), max_size=2, unique=True)):
            plan.append(("cut_ft_logging", vm, float(t)))
    return plan, draw(st.integers(0, 3))


def overlaps(a, b) -> bool:
    return a.start_s < b.end_s and b.start_s < a.end_s


def host_down_during(t, host: str, start: float, end: float) -> bool:
    hs = t.host_states
    down = hs[(hs.host == host) & (hs.state == "down")]
    return bool(((down.start_s < end) & (start < down.end_s)).any())


@settings(max_examples=60, deadline=None)
@given(schedules())
def test_ft_invariants(case):
    plan, seed = case
    sim = Simulation(CLUSTER, seed=seed)
    for kind, target, at in plan:
        getattr(sim, kind)(target, at_s=at)
    t = sim.run(until_s=UNTIL_S)

    assert t.events.t_s.is_monotonic_increasing
    for vm in CLUSTER.vms:
        r = t.states[t.states.vm == vm].sort_values("start_s")
        primary = r[r.state != "secondary"]
        secondary = r[r.state == "secondary"]
        # no VM lost: the primary copy covers [0, until] without gaps or overlaps
        assert primary.start_s.iloc[0] == 0
        assert primary.end_s.iloc[-1] == UNTIL_S
        assert (primary.start_s.to_numpy()[1:] == primary.end_s.to_numpy()[:-1]).all()
        # at most one live copy: secondary rows never overlap each other
        srows = list(secondary.itertuples(index=False))
        for a, b in zip(srows, srows[1:], strict=False):
            assert a.end_s <= b.start_s
        # the two copies never share a host
        for s in srows:
            for p in primary.itertuples(index=False):
                if overlaps(s, p):
                    assert s.host != p.host, (vm, s, p)
        # nothing runs on a host that is down, neither a live copy nor a secondary
        for row in r.itertuples(index=False):
            if row.state in ("running", "secondary", "stunned"):
                assert not host_down_during(t, row.host, row.start_s, row.end_s), (vm, row)
    final = t.cluster
    for vm in FT_VMS:
        v = final.vms[vm]
        assert v.secondary_host != v.host
