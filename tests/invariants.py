"""The engine's invariants, checked on a finished run, and random mixed schedules to check them on.

Used by tests/test_engine_invariants.py (the unit layer) and by `make chaos` (many more
sequences). Every check reads only the Timeline a student gets, so a violation is something a
student could see.
"""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from dataclasses import dataclass, field

from vmlab import Cluster, Simulation

LIVE = {"running", "migrating", "stunned", "booting", "secondary"}
MAX_STUN_S = 100.0
"""vSphere fails a vMotion whose switchover would take longer than vmotion.maxSwitchoverSeconds
(100 s, figures.md); FT failovers and logging-cut races pause well under a second."""
EPS = 1e-9


def violations(t) -> list[str]:
    """Every broken invariant of a run, in words (an empty list: none)."""
    out: list[str] = []
    states = t.states
    primary = states[states.state != "secondary"]
    secondary = states[states.state == "secondary"]
    hosts = defaultdict(list)
    for r in t.host_states.itertuples(index=False):
        hosts[r.host].append((r.start_s, r.end_s, r.state))

    # one state at a time, from 0 to the end, and no VM lost
    seen = set()
    for vm, rows in primary.groupby("vm", sort=False):
        seen.add(vm)
        rows = rows.sort_values("start_s")
        if abs(rows.start_s.iloc[0]) > EPS:
            out.append(f"{vm}: first state starts at {rows.start_s.iloc[0]}")
        if abs(rows.end_s.iloc[-1] - t.until_s) > EPS:
            out.append(f"{vm}: last state ends at {rows.end_s.iloc[-1]}, not {t.until_s}")
        ends = rows.end_s.to_numpy()[:-1]
        starts = rows.start_s.to_numpy()[1:]
        for a, b in zip(ends, starts, strict=True):
            if abs(a - b) > EPS:
                out.append(f"{vm}: states overlap or leave a gap at {a}–{b}")
    lost = set(t.spec.vms) - seen
    if lost:
        out.append(f"VMs lost: {sorted(lost)}")

    # nothing live on a host that is down or in maintenance
    for r in states.itertuples(index=False):
        if r.state not in LIVE or r.end_s - r.start_s <= EPS:
            continue
        for start, end, hstate in hosts[r.host]:
            if (
                hstate in ("down", "maintenance")
                and min(end, r.end_s) - max(start, r.start_s) > EPS
            ):
                out.append(
                    f"{r.vm} {r.state} on {r.host} ({r.start_s:g}–{r.end_s:g} s) while the host "
                    f"is {hstate} ({start:g}–{end:g} s)"
                )
                break

    # a primary and its secondary never on one host
    by_vm = {vm: rows for vm, rows in primary.groupby("vm", sort=False)}
    for r in secondary.itertuples(index=False):
        rows = by_vm.get(r.vm)
        if rows is None:
            continue
        same = rows[
            (rows.host == r.host)
            & (rows.start_s < r.end_s - EPS)
            & (rows.end_s > r.start_s + EPS)
            & (rows.state.isin(list(LIVE)))
        ]
        if not same.empty:
            out.append(f"{r.vm}: primary and secondary both on {r.host} near {r.start_s:g} s")

    # no host over its memory (VMs, secondaries and reservations)
    mem = t.memory
    over = mem[mem.vms_gib + mem.secondaries_gib + mem.reserved_gib > mem.capacity_gib + 1e-6]
    for r in over.head(3).itertuples(index=False):
        out.append(
            f"{r.host} over its memory at {r.t_s:g} s: {r.vms_gib:g} + {r.secondaries_gib:g} + "
            f"{r.reserved_gib:g} reserved > {r.capacity_gib:g} GiB"
        )

    # no VM stunned longer than the switchover allows
    stunned = primary[primary.state == "stunned"]
    long = stunned[stunned.end_s - stunned.start_s > MAX_STUN_S + EPS]
    for r in long.head(3).itertuples(index=False):
        out.append(f"{r.vm} stunned {r.end_s - r.start_s:g} s from {r.start_s:g} s")

    # no VM restarted while it still runs: since it last ran, it must have stopped
    stopped: dict[str, bool] = {}
    for r in t.events.itertuples(index=False):
        if r.kind in ("vm_down", "guest_hung"):
            stopped[r.vm] = True
        elif r.kind in ("vm_running", "vm_booting", "ft_failover", "vmotion_completed"):
            stopped[r.vm] = False
        elif r.kind == "restart_issued":
            if not stopped.get(r.vm, False):
                out.append(f"{r.vm} restarted at {r.t_s:g} s while it still ran")
            stopped[r.vm] = False
    return out


# ----------------------------------------------------------------------------------------
# Clusters and random schedules
# ----------------------------------------------------------------------------------------


def tight_cluster(rng: random.Random) -> Cluster:
    """4–6 small hosts, memory tight, HA without admission control, FT on one or two VMs."""
    c = Cluster(name="tight")
    n = rng.randint(4, 6)
    for i in range(1, n + 1):
        c.add_host(f"esx-{i:02d}", memory_gib=rng.choice((64, 96, 128)))
    c.add_datastore("san-01", shared=True)
    c.add_network("vmotion", bandwidth_gbit_s=rng.choice((1, 10)))
    c.add_network("ft_logging", bandwidth_gbit_s=10)
    services = ("web", "app", "db", "mail", "file", "dc")
    k = 0
    for h in c.hosts:
        for _ in range(rng.randint(1, 4)):
            service = rng.choice(services)
            try:
                c.add_vm(f"{service}-{k:02d}", host=h, service=service)
            except ValueError:
                continue  # the host is full: tight is the point
            k += 1
    c.enable_ha(admission_control=None, isolation_response=rng.choice(
        ("leave_powered_on", "power_off", "shutdown")),
        restart_readiness=rng.choice(("allocated", "guest_heartbeats")),
        vm_monitoring=rng.choice((None, "high")))  # fmt: skip
    small = [vm for vm in c.vms.values() if vm.vcpus <= 4 and vm.memory_gib <= 16]
    for vm in rng.sample(small, k=min(len(small), rng.randint(0, 2))):
        with contextlib.suppress(ValueError):
            c.enable_ft(vm.name)
    return c


def example_cluster(rng: random.Random) -> Cluster:
    c = Cluster.example()
    c.enable_ha(isolation_response=rng.choice(("leave_powered_on", "power_off")))
    for vm in rng.sample(["web-01", "db-01", "mail-02", "app-05"], k=rng.randint(1, 3)):
        with contextlib.suppress(ValueError):  # an FT limit on the primary's host: fewer FT VMs
            c.enable_ft(vm)
    return c


@dataclass
class Run:
    seed: int
    actions: list[str] = field(default_factory=list)
    refused: int = 0


ACTIONS = (
    "fail_host", "repair_host", "isolate_host", "power_off_host", "power_on_host",
    "enter_maintenance", "exit_maintenance", "partition", "hang_guest", "cut_ft_logging",
    "migrate", "migrate_many",
)  # fmt: skip


def random_schedule(sim: Simulation, rng: random.Random, run: Run, *, n: int) -> None:
    """Up to ``n`` random actions; the ones the simulation refuses are counted, not kept."""
    hosts = list(sim.spec.hosts)
    vms = list(sim.spec.vms)
    ft = [v for v in vms if sim.spec.vms[v].secondary_host]
    for _ in range(n):
        kind = rng.choice(ACTIONS)
        t = round(rng.uniform(0, 900), 1)
        try:
            if kind == "partition":
                side = rng.sample(hosts, k=rng.randint(1, len(hosts) - 1))
                sim.partition(side, at_s=t, heal_at_s=t + rng.uniform(30, 400))
            elif kind == "hang_guest":
                sim.hang_guest(rng.choice(vms), at_s=t)
            elif kind == "cut_ft_logging":
                if not ft:
                    continue
                sim.cut_ft_logging(rng.choice(ft), at_s=t)
            elif kind == "migrate":
                sim.migrate(rng.choice(vms), rng.choice(hosts), at_s=t)
            elif kind == "migrate_many":
                picked = rng.sample(vms, k=min(len(vms), rng.randint(2, 5)))
                sim.migrate_many([(v, rng.choice(hosts)) for v in picked], at_s=t)
            else:
                getattr(sim, kind)(rng.choice(hosts), at_s=t)
        except ValueError:
            run.refused += 1
            continue
        run.actions.append(f"{kind}@{t:g}")


def one_run(seed: int, *, big: bool = False) -> tuple[Run, list[str]]:
    rng = random.Random(seed)
    cluster = example_cluster(rng) if big else tight_cluster(rng)
    sim = Simulation(cluster, seed=seed)
    run = Run(seed)
    random_schedule(sim, rng, run, n=rng.randint(3, 12))
    timeline = sim.run(until_s=2400)
    return run, violations(timeline)
