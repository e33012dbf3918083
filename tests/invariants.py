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
from vmlab.proactive import enable_drs, enable_proactive_ha

LIVE = {"running", "migrating", "stunned", "booting", "secondary"}
MAX_STUN_S = 100.0
"""vSphere fails a vMotion whose switchover would take longer than vmotion.maxSwitchoverSeconds
(100 s, figures.md); FT failovers and logging-cut races pause well under a second."""
EPS = 1e-9


def violations(t) -> list[str]:
    """Every broken invariant of a run, in words (an empty list: none)."""
    out: list[str] = []
    rows = list(
        zip(t.states.vm, t.states.host, t.states.state, t.states.start_s, t.states.end_s,
            strict=True)
    )  # fmt: skip
    hosts: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for h, hstate, start, end in zip(
        t.host_states.host,
        t.host_states.state,
        t.host_states.start_s,
        t.host_states.end_s,
        strict=True,
    ):
        hosts[h].append((start, end, hstate))
    primary: dict[str, list[tuple[str, str, float, float]]] = defaultdict(list)
    for vm, host, state, start, end in rows:
        if state != "secondary":
            primary[vm].append((host, state, start, end))

    # one state at a time, from 0 to the end, and no VM lost
    for vm, spans in primary.items():
        spans.sort(key=lambda r: r[2])
        if abs(spans[0][2]) > EPS:
            out.append(f"{vm}: first state starts at {spans[0][2]}")
        if abs(spans[-1][3] - t.until_s) > EPS:
            out.append(f"{vm}: last state ends at {spans[-1][3]}, not {t.until_s}")
        for before, after in zip(spans, spans[1:], strict=False):
            if abs(before[3] - after[2]) > EPS:
                out.append(f"{vm}: states overlap or leave a gap at {before[3]}–{after[2]}")
    lost = set(t.spec.vms) - set(primary)
    if lost:
        out.append(f"VMs lost: {sorted(lost)}")

    for vm, host, state, start, end in rows:
        if state not in LIVE or end - start <= EPS:
            continue
        # nothing live on a host that is down or in maintenance
        for h_start, h_end, hstate in hosts[host]:
            overlap = min(h_end, end) - max(h_start, start)
            if hstate in ("down", "maintenance") and overlap > EPS:
                out.append(
                    f"{vm} {state} on {host} ({start:g}–{end:g} s) while the host is {hstate} "
                    f"({h_start:g}–{h_end:g} s)"
                )
                break
        # a primary and its secondary never on one host
        if state == "secondary":
            for p_host, p_state, p_start, p_end in primary.get(vm, ()):
                if (
                    p_host == host
                    and p_state in LIVE
                    and p_start < end - EPS
                    and p_end > start + EPS
                ):
                    out.append(f"{vm}: primary and secondary both on {host} near {start:g} s")
                    break
        # no VM stunned longer than the switchover allows
        if state == "stunned" and end - start > MAX_STUN_S + EPS:
            out.append(f"{vm} stunned {end - start:g} s from {start:g} s")

    # no host over its memory (VMs, secondaries and reservations)
    mem = t.memory
    used = mem.vms_gib + mem.secondaries_gib + mem.reserved_gib
    for r in mem[used > mem.capacity_gib + 1e-6].head(3).itertuples(index=False):
        out.append(
            f"{r.host} over its memory at {r.t_s:g} s: {r.vms_gib:g} + {r.secondaries_gib:g} + "
            f"{r.reserved_gib:g} reserved > {r.capacity_gib:g} GiB"
        )

    # no VM restarted while it still runs: since it last ran, it must have stopped
    stopped: dict[str, bool] = {}
    for kind, vm, t_s in zip(t.events.kind, t.events.vm, t.events.t_s, strict=True):
        if kind in ("vm_down", "guest_hung"):
            stopped[vm] = True
        elif kind in ("vm_running", "vm_booting", "ft_failover", "vmotion_completed"):
            stopped[vm] = False
        elif kind == "restart_issued":
            if not stopped.get(vm, False):
                out.append(f"{vm} restarted at {t_s:g} s while it still ran")
            stopped[vm] = False

    # no VM serves from a host that has lost the datastore its disks are on (vmlab.storage;
    # FT VMs are left out of storage faults)
    lost: dict[tuple[str, str], float] = {}
    spans: list[tuple[str, str, float, float]] = []
    for when, host, ds, kind in getattr(t.final, "storage_history", ()):
        if kind:
            lost.setdefault((host, ds), when)
        elif (host, ds) in lost:
            spans.append((host, ds, lost.pop((host, ds)), when))
    spans += [(h, d, start, t.until_s) for (h, d), start in lost.items()]
    if spans:
        disks = {n: vm.datastore for n, vm in t.spec.vms.items() if vm.protection != "ft"}
        for vm, host, state, start_s, end_s in rows:
            if state not in ("running", "booting") or vm not in disks:
                continue
            for lost_host, ds, start, end in spans:
                if (
                    host == lost_host
                    and disks[vm] == ds
                    and start_s < end - EPS
                    and end_s > start + EPS
                ):
                    out.append(
                        f"{vm} {state} on {host} ({start_s:g}–{end_s:g} s) while {host} had "
                        f"lost {ds} ({start:g}–{end:g} s)"
                    )
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
    c.add_datastore("san-02", shared=True)
    c.add_network("vmotion", bandwidth_gbit_s=rng.choice((1, 10)))
    c.add_network("ft_logging", bandwidth_gbit_s=10)
    services = ("web", "app", "db", "mail", "file", "dc")
    k = 0
    for h in c.hosts:
        for _ in range(rng.randint(1, 4)):
            service = rng.choice(services)
            try:
                c.add_vm(
                    f"{service}-{k:02d}", host=h, service=service,
                    datastore=rng.choice(("san-01", "san-02")),
                )  # fmt: skip
            except ValueError:
                continue  # the host is full: tight is the point
            k += 1
    c.enable_ha(admission_control=None, isolation_response=rng.choice(
        ("leave_powered_on", "power_off", "shutdown")),
        restart_readiness=rng.choice(("allocated", "guest_heartbeats")),
        vm_monitoring=rng.choice((None, "high")),
        vmcp=rng.choice(("disabled", "issue_events", "conservative", "aggressive")),
        heartbeat_datastores=rng.choice((0, 2)))  # fmt: skip
    _maybe_proactive(c, rng)
    small = [vm for vm in c.vms.values() if vm.vcpus <= 4 and vm.memory_gib <= 16]
    for vm in rng.sample(small, k=min(len(small), rng.randint(0, 2))):
        with contextlib.suppress(ValueError):
            c.enable_ft(vm.name)
    return c


def _maybe_proactive(c: Cluster, rng: random.Random) -> None:
    """DRS and Proactive HA on half the clusters, with a random remediation."""
    if rng.random() < 0.5:
        enable_drs(c)
        enable_proactive_ha(
            c,
            remediation=rng.choice(("quarantine", "maintenance", "mixed")),
            automation=rng.choice(("manual", "automated", "automated")),
        )


def example_cluster(rng: random.Random) -> Cluster:
    c = Cluster.example()
    c.enable_ha(isolation_response=rng.choice(("leave_powered_on", "power_off")),
                vmcp=rng.choice(("disabled", "conservative", "aggressive")))  # fmt: skip
    _maybe_proactive(c, rng)
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
    "migrate", "migrate_many", "storage_fault", "heal_storage", "degrade_host",
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
            elif kind == "storage_fault":
                ds = rng.choice(list(sim.spec.datastores))
                some = rng.sample(hosts, k=rng.randint(1, len(hosts)))
                heal = rng.choice((None, t + rng.uniform(20, 600)))
                sim.storage_fault(
                    ds, kind=rng.choice(("apd", "pdl")), at_s=t,
                    hosts=rng.choice((None, some)), heal_at_s=heal,
                )  # fmt: skip
            elif kind == "heal_storage":
                sim.heal_storage(rng.choice(list(sim.spec.datastores)), at_s=t)
            elif kind == "degrade_host":
                sim.degrade_host(
                    rng.choice(hosts), at_s=t, severity=rng.choice(("moderate", "severe"))
                )
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
