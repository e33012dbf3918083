"""vMotion inside a cluster: the checks vCenter makes, migrations in simulated time,
maintenance mode and load balancing.

The memory copy itself is the pure model in :mod:`vmlab.migration` (re-exported here as
:func:`precopy`); this module decides *whether* a VM may move, *where* to, and places the
copy on the simulation's clock. It is handed a simulation and never imports ``vmlab.sim``.

>>> from vmlab import Cluster
>>> from vmlab.vmotion import check
>>> c = Cluster.example()
>>> check(c, "web-01", "esx-02")
[]
>>> c.add_host("esx-17", cpu="amd-zen4")
Host('esx-17', amd-zen4, 32 cores, 256 GiB, up)
>>> check(c, "web-01", "esx-17")[0]  # doctest: +ELLIPSIS
'CPUs are not compatible: esx-01 has an Intel Ice Lake, esx-17 an AMD Zen 4; ...'
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from vmlab.cluster import CPU_MODELS, Cluster
from vmlab.migration import MigrationResult, precopy
from vmlab.units import format_duration

if TYPE_CHECKING:  # the simulation is handed in; never imported at run time
    import simpy

MIN_VMOTION_GBIT_S = 1.0
"""vSphere refuses vMotion on a link under 1 Gbit/s (vSphere API fault
``VMotionLinkCapacityLow``; figures.md)."""

MAX_CONCURRENT_PER_HOST = {1.0: 4, 10.0: 8}
"""Simultaneous vMotions per host: 4 on a 1 GbE vMotion network, 8 on 10 GbE or faster
(VMware vSphere documentation, "Limits on Simultaneous Migrations", vCenter Server and Host
Management). Not in figures.md: read from the VMware page directly."""

__all__ = [
    "MAX_CONCURRENT_PER_HOST",
    "MIN_VMOTION_GBIT_S",
    "MigrationResult",
    "check",
    "concurrency_limit",
    "host_load",
    "precopy",
    "propose_moves",
]


# ----------------------------------------------------------------------------------------
# The checks vCenter makes before it lets a VM move
# ----------------------------------------------------------------------------------------


def cpus_compatible(cluster: Cluster, source: str, target: str) -> str | None:
    """Why the CPUs of ``source`` and ``target`` forbid a vMotion, or None when they allow it.

    A running guest has seen its CPU's features and may be using them, so the target must
    offer every one: same vendor, same or newer generation. An EVC baseline
    (``cluster.evc``) masks every host down to the baseline's features, so any two hosts of
    that vendor at or above the baseline become compatible (VMware documentation, EVC).
    """
    s, t = cluster.hosts[source], cluster.hosts[target]
    if s.cpu_vendor != t.cpu_vendor:
        return (
            f"CPUs are not compatible: {source} has an {s.cpu_label}, {target} an "
            f"{t.cpu_label}; vMotion never crosses CPU vendors (not even with EVC)"
        )
    if cluster.evc is not None:
        vendor, generation, label = CPU_MODELS[cluster.evc]
        if vendor == s.cpu_vendor and min(s.cpu_generation, t.cpu_generation) >= generation:
            return None
    if t.cpu_generation < s.cpu_generation:
        newest_common = min((s, t), key=lambda h: h.cpu_generation).cpu
        return (
            f"CPUs are not compatible: {source} ({s.cpu_label}) has features that {target} "
            f"({t.cpu_label}) lacks; put both hosts in an EVC baseline, e.g. "
            f"cluster.evc = {newest_common!r}"
        )
    return None


def fixed_problems(cluster: Cluster, vm: str, target_host: str) -> list[str]:
    """The problems of a move that time cannot fix: CPUs, storage, the vMotion network."""
    v = cluster.vms[vm]
    cluster.hosts[target_host]
    problems: list[str] = []
    if v.host == target_host:
        return problems
    cpu = cpus_compatible(cluster, v.host, target_host)
    if cpu:
        problems.append(cpu)
    ds = cluster.datastores[v.datastore] if v.datastore else None
    if ds is not None and not ds.visible_from(target_host):
        problems.append(
            f"{target_host} cannot see datastore {ds.name!r} where the disks of {vm} live: "
            "classic vMotion needs storage both hosts share"
        )
    net = cluster.networks.get("vmotion")
    if net is None:
        problems.append(
            "The cluster has no vMotion network: add one, e.g. "
            "cluster.add_network('vmotion', bandwidth_gbit_s=10)"
        )
    elif net.bandwidth_gbit_s < MIN_VMOTION_GBIT_S:
        problems.append(
            f"The vMotion network runs at {net.bandwidth_gbit_s:g} Gbit/s; vSphere needs at "
            f"least {MIN_VMOTION_GBIT_S:g} Gbit/s"
        )
    return problems


def check(cluster: Cluster, vm: str, target_host: str) -> list[str]:
    """The problems that block moving ``vm`` to ``target_host`` with vMotion, in plain words.

    Parameters
    ----------
    cluster : Cluster
    vm : str
    target_host : str

    Returns
    -------
    list of str
        Empty when the move is allowed.

    Raises
    ------
    NotFoundError
        The VM or the host does not exist (the message lists the valid names).
    """
    v = cluster.vms[vm]
    t = cluster.hosts[target_host]
    problems: list[str] = []
    if v.host == target_host:
        problems.append(f"{vm} already runs on {target_host}")
        return problems
    if v.state not in ("running", "migrating"):
        problems.append(f"{vm} is {v.state}: vMotion moves running VMs only")
    if t.state != "up":
        problems.append(f"{target_host} is {t.state}: a VM can only move to a host that is up")
    problems += fixed_problems(cluster, vm, target_host)
    free = cluster.free_memory_gib(target_host)
    if v.memory_gib > free:
        problems.append(
            f"{target_host} has {free:g} GiB of memory free, {vm} needs {v.memory_gib:g} GiB"
        )
    return problems


def concurrency_limit(bandwidth_gbit_s: float) -> int:
    """How many vMotions one host runs at once on a link of this speed
    (:data:`MAX_CONCURRENT_PER_HOST`)."""
    return MAX_CONCURRENT_PER_HOST[10.0] if bandwidth_gbit_s >= 10 else MAX_CONCURRENT_PER_HOST[1.0]


# ----------------------------------------------------------------------------------------
# Migrations in simulated time
# ----------------------------------------------------------------------------------------


@dataclass
class VMotionAgent:
    """vMotion's bookkeeping during one simulation: links in use and memory reserved.

    Migrations leaving one host share its vMotion link equally; a migration's share is fixed
    when it starts (a simplification: real vMotion re-balances as streams come and go).
    Memory on the target is reserved when a migration starts, as vSphere does.
    """

    sim: Any
    active_from: dict[str, int] = field(default_factory=dict)
    reserved_gib: dict[str, float] = field(default_factory=dict)
    results: dict[str, list[MigrationResult]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)

    def free_gib(self, host: str) -> float:
        return self.sim.cluster.free_memory_gib(host) - self.reserved_gib.get(host, 0.0)

    def problems(self, vm: str, target: str) -> list[str]:
        found = check(self.sim.cluster, vm, target)
        need = self.sim.cluster.vms[vm].memory_gib
        if not found and need > self.free_gib(target):
            found.append(
                f"{target} has {self.free_gib(target):g} GiB free once the migrations already "
                f"under way land; {vm} needs {need:g} GiB"
            )
        return found

    def migrate(
        self,
        vm: str,
        target: str,
        *,
        switchover_target_ms: float | None = None,
        bandwidth_gbit_s: float | None = None,
    ) -> simpy.Process | None:
        """Start moving ``vm`` to ``target`` now and return the SimPy process, or log
        ``vmotion_refused`` and return None when a check fails.

        The target's memory is reserved at once. ``bandwidth_gbit_s`` is this migration's share
        of the source's vMotion link (default: an equal share with those already running from
        it).
        """
        sim = self.sim
        v = sim.cluster.vms[vm]
        source = v.host
        found = self.problems(vm, target)
        if found:
            sim.log("vmotion_refused", host=source, vm=vm, detail="; ".join(found))
            return None
        link = sim.cluster.networks["vmotion"].bandwidth_gbit_s
        self.active_from[source] = self.active_from.get(source, 0) + 1
        share = bandwidth_gbit_s or link / self.active_from[source]
        self.reserved_gib[target] = self.reserved_gib.get(target, 0.0) + v.memory_gib
        kwargs = (
            {} if switchover_target_ms is None else {"switchover_target_ms": switchover_target_ms}
        )
        result = precopy(v.memory_gib, v.dirty_rate_mib_s, v.working_set_gib, share, **kwargs)
        self.results.setdefault(vm, []).append(result)
        row = {
            "vm": vm,
            "from_host": source,
            "to_host": target,
            "start_s": sim.now,
            "end_s": float("nan"),
            "total_time_s": result.total_time_s,
            "downtime_s": result.downtime_s,
            "n_rounds": result.n_rounds,
            "transferred_gib": result.transferred_mib / 1024,
            "outcome": result.outcome,
        }
        self.log.append(row)
        sim.log(
            "vmotion_started",
            host=source,
            vm=vm,
            detail=f"to {target}; copying {v.memory_gib:g} GiB at {share:.3g} Gbit/s on average",
        )
        sim.set_vm_state(vm, "migrating", cause=f"vMotion to {target}")
        return sim.env.process(self._copy(vm, source, target, result, row))

    def _copy(
        self, vm: str, source: str, target: str, result: MigrationResult, row: dict[str, Any]
    ) -> Generator[Any, Any, bool]:
        sim = self.sim
        v = sim.cluster.vms[vm]
        try:
            yield sim.env.timeout(result.precopy_time_s)
            if sim.cluster.vms[vm].host != source or v.state != "migrating":
                row["outcome"] = "failed"  # the source host failed under us
                return False
            if result.outcome == "aborted" or sim.cluster.hosts[target].state != "up":
                why = result.reason if result.outcome == "aborted" else f"{target} went away"
                sim.set_vm_state(vm, "running")
                row["end_s"], row["outcome"] = sim.now, "aborted"
                sim.log("vmotion_aborted", host=source, vm=vm, detail=f"{why}; stays on {source}")
                return False
            sim.set_vm_state(vm, "stunned", cause=f"vMotion switchover to {target}")
            sim.log(
                "vm_stunned",
                host=source,
                vm=vm,
                detail=f"last {_final_copy_mib(result):.0f} MiB and device "
                f"state sent while paused ({format_duration(result.downtime_s)})",
            )
            yield sim.env.timeout(result.downtime_s)
            if v.state != "stunned" or sim.cluster.hosts[target].state != "up":
                row["outcome"] = "failed"
                return False
            sim.set_vm_state(vm, "running", host=target)
            row["end_s"] = sim.now
            sim.log(
                "vmotion_completed",
                host=target,
                vm=vm,
                detail=f"from {source} in {format_duration(result.total_time_s)}, "
                f"stunned {format_duration(result.downtime_s)}, "
                f"{result.n_rounds} rounds, {result.transferred_mib / 1024:.1f} GiB sent",
            )
            sim.log(
                "network_announced",
                host=target,
                vm=vm,
                detail="same MAC and IP; a RARP tells the switches the VM's new port",
            )
            return True
        finally:
            self.active_from[source] -= 1
            self.reserved_gib[target] -= v.memory_gib

    # -- maintenance mode ------------------------------------------------------------------

    def pick_target(self, vm: str, exclude: set[str]) -> str | None:
        """The up host with the most free memory that passes every check (ties: by name)."""
        options = [
            h for h in self.sim.cluster.hosts if h not in exclude and not self.problems(vm, h)
        ]
        if not options:
            return None
        order = {h: i for i, h in enumerate(self.sim.cluster.hosts)}
        return max(options, key=lambda h: (self.free_gib(h), -order[h]))

    def evacuate(self, host: str) -> simpy.Process:
        return self.sim.env.process(self._evacuate(host))

    def _evacuate(self, host: str) -> Generator[Any, Any, None]:
        sim = self.sim
        cluster = sim.cluster
        vms = [vm.name for vm in cluster.vms_on(host) if vm.state in ("running", "migrating")]
        link = cluster.networks["vmotion"].bandwidth_gbit_s if "vmotion" in cluster.networks else 0
        limit = concurrency_limit(link)
        sim.log(
            "maintenance_requested",
            host=host,
            detail=f"evacuating {len(vms)} VMs with vMotion, at most {limit} at a time",
        )
        yield from self._queue(host, vms, lambda vm: self.pick_target(vm, exclude={host}))
        if cluster.hosts[host].state == "down":
            return
        left = [vm.name for vm in cluster.vms_on(host) if vm.state != "down"]
        if left:
            sim.log(
                "maintenance_blocked",
                host=host,
                detail=f"{len(left)} VMs could not leave ({', '.join(left)}); the host stays up",
            )
            return
        sim.set_host_state(host, "maintenance")
        sim.log(
            "host_in_maintenance",
            host=host,
            detail="empty: powered off for the work; no service stopped",
        )

    def _queue(self, host: str, vms: list[str], choose: Any) -> Generator[Any, Any, list[str]]:
        """Migrate ``vms`` off ``host``, at most the concurrency limit at a time, sharing the
        link (:func:`fair_shares`); ``choose(vm)`` names each target when its turn comes.
        Returns the VMs that could not go."""
        sim = self.sim
        cluster = sim.cluster
        link = cluster.networks["vmotion"].bandwidth_gbit_s if "vmotion" in cluster.networks else 0
        limit = concurrency_limit(link)
        share = (
            fair_shares([cluster.vms[vm] for vm in vms], link_gbit_s=link, limit=limit)
            if link
            else {}
        )
        waiting = list(vms)
        running: list[simpy.Process] = []
        stuck: list[str] = []
        while waiting or running:
            while waiting and len(running) < limit:
                vm = waiting.pop(0)
                target = choose(vm)
                if target is None:
                    stuck.append(vm)
                    sim.log(
                        "vmotion_refused",
                        host=host,
                        vm=vm,
                        detail="no other host can take it (capacity, CPU or storage)",
                    )
                    continue
                process = self.migrate(vm, target, bandwidth_gbit_s=share.get(vm))
                if process is None:
                    stuck.append(vm)
                else:
                    running.append(process)
            if running:
                yield sim.env.any_of(running)
                running = [p for p in running if not p.triggered]
            if cluster.hosts[host].state == "down":
                break
        return stuck

    def move_many(self, moves: list[tuple[str, str]]) -> None:
        """Start a set of moves now: the moves leaving one host queue and share its link."""
        by_source: dict[str, list[tuple[str, str]]] = {}
        for vm, target in moves:
            by_source.setdefault(self.sim.cluster.vms[vm].host, []).append((vm, target))
        for source, pairs in by_source.items():
            targets = dict(pairs)
            self.sim.env.process(self._queue(source, list(targets), targets.get))


def fair_shares(vms: list[Any], *, link_gbit_s: float, limit: int) -> dict[str, float]:
    """Each VM's average share of one host's vMotion link during an evacuation.

    The migrations of an evacuation run at most ``limit`` at a time and split the link
    equally while they run; when one ends, the others speed up. The pre-copy model takes one
    bandwidth per migration, so we plan the evacuation as a fluid queue: each VM's volume is
    first estimated at an equal share, the queue is played out (equal split among active
    streams, the next VM starting when one ends), and each VM gets volume / time-in-queue.
    A two-pass approximation of how vMotion streams share a NIC; it keeps a large VM from
    crawling at a small share after the small VMs have gone.
    """
    if not vms:
        return {}
    shares = dict.fromkeys((vm.name for vm in vms), link_gbit_s / min(limit, len(vms)))
    for _ in range(4):  # volumes depend on the shares and the shares on the volumes
        volume = {
            vm.name: precopy(
                vm.memory_gib, vm.dirty_rate_mib_s, vm.working_set_gib, shares[vm.name]
            ).transferred_mib
            for vm in vms
        }
        shares = _fluid_queue(volume, [vm.name for vm in vms], link_gbit_s, limit)
    return shares


def _fluid_queue(
    volume: dict[str, float], order: list[str], link_gbit_s: float, limit: int
) -> dict[str, float]:
    """Play a queue of transfers sharing one link equally, ``limit`` at a time; return each
    transfer's average rate in Gbit/s."""
    left = dict(volume)
    rate = link_gbit_s * 1e9 / 8 / 2**20  # MiB/s of the whole link
    queue = list(order)
    active = [queue.pop(0) for _ in range(min(limit, len(queue)))]
    start = dict.fromkeys(active, 0.0)
    shares: dict[str, float] = {}
    now = 0.0
    while active:
        each = rate / len(active)
        name = min(active, key=lambda n: left[n])
        step = left[name] / each
        now += step
        for n in active:
            left[n] -= each * step
        active.remove(name)
        shares[name] = volume[name] / max(now - start[name], 1e-9) * 8 * 2**20 / 1e9
        if queue:
            nxt = queue.pop(0)
            active.append(nxt)
            start[nxt] = now
    return shares


def _final_copy_mib(result: MigrationResult) -> float:
    """Dirty memory sent while the VM is stunned (the stop-and-copy round)."""
    rounds = result.rounds
    return float(rounds.sent_mib.iloc[-1]) if len(rounds) > 1 else 0.0


def _agent(sim: Any) -> VMotionAgent:
    agent = sim.features.get("vmotion")
    if agent is None:
        agent = sim.features["vmotion"] = VMotionAgent(sim)
    return agent


def start_migration(sim: Any, vm: str, target: str, switchover_target_ms: float | None) -> None:
    """Scheduled action: start one vMotion now (refused with an event when it cannot run)."""
    _agent(sim).migrate(vm, target, switchover_target_ms=switchover_target_ms)


def start_moves(sim: Any, moves: list[tuple[str, str]]) -> None:
    """Scheduled action: start several vMotions at once (see :meth:`VMotionAgent.move_many`)."""
    _agent(sim).move_many(moves)


def start_maintenance(sim: Any, host: str) -> None:
    """Scheduled action: evacuate ``host`` with vMotion, then power it off for the work."""
    _agent(sim).evacuate(host)


def finish_maintenance(sim: Any, host: str) -> None:
    """Scheduled action: bring a host out of maintenance; it is up and empty."""
    if sim.cluster.hosts[host].state != "maintenance":
        sim.log(
            "maintenance_not_entered",
            host=host,
            detail="it never reached maintenance mode, so there is nothing to exit",
        )
        return
    sim.set_host_state(host, "up")
    sim.log("maintenance_exited", host=host, detail="back in the pool, ready for VMs")


def migrations_table(sim: Any, columns: list[str]) -> pd.DataFrame:
    """One row per vMotion of the run (see :attr:`vmlab.sim.Timeline.migrations`)."""
    agent = sim.features.get("vmotion")
    rows = [] if agent is None else agent.log
    return pd.DataFrame(rows, columns=columns)


# ----------------------------------------------------------------------------------------
# Load balancing
# ----------------------------------------------------------------------------------------


def host_load(cluster: Cluster) -> pd.DataFrame:
    """Per host: memory and vCPUs used, as a share of what the host has (percent)."""
    rows = []
    for h in cluster.hosts.values():
        rows.append(
            {
                "host": h.name,
                "state": h.state,
                "memory_pct": 100 * cluster.used_memory_gib(h.name) / h.memory_gib,
                "vcpu_per_core": cluster.used_vcpus(h.name) / h.cores,
            }
        )
    return pd.DataFrame(rows)


def propose_moves(
    cluster: Cluster, *, threshold_pct: float = 80.0, max_moves: int = 20
) -> pd.DataFrame:
    """Moves that bring every host's memory use under ``threshold_pct``, in as few moves as
    it can.

    Every vMotion costs network time and a stun, and round 0 copies the whole VM whatever
    its workload, so the time to move a GiB is about the same for every VM: what a plan can
    save is moves. Greedy "best fit", from the fullest host over the threshold:

    * if one VM frees enough on its own, move the smallest such VM;
    * otherwise move the largest VM, and look again;
    * among VMs of equal size, the one that dirties memory slowest (the shortest stun).

    Each VM goes to the allowed host (:func:`check`) with the most free memory, as long as
    that host stays under the threshold too. A simplification of what vSphere DRS weighs.

    Returns
    -------
    DataFrame
        ``vm, from_host, to_host, memory_gib, from_pct_after, to_pct_after``; empty when no
        host is over the threshold (or nothing can be moved).

    Raises
    ------
    ValueError
        ``threshold_pct`` is not between 1 and 100.
    """
    if not 1 <= float(threshold_pct) <= 100:
        raise ValueError(f"threshold_pct must be between 1 and 100, not {threshold_pct!r}")
    work = cluster.copy()
    order = {h: i for i, h in enumerate(work.hosts)}
    moves = []

    def pct(host: str) -> float:
        return 100 * work.used_memory_gib(host) / work.hosts[host].memory_gib

    def target_for(vm: Any, source: str) -> str | None:
        targets = [
            h
            for h in work.hosts
            if h != source
            and not check(work, vm.name, h)
            and 100 * (work.used_memory_gib(h) + vm.memory_gib) / work.hosts[h].memory_gib
            <= threshold_pct
        ]
        return max(targets, key=lambda h: (work.free_memory_gib(h), -order[h]), default=None)

    for _ in range(max_moves):
        hot = [h for h in work.hosts if work.hosts[h].state == "up" and pct(h) > threshold_pct]
        if not hot:
            break
        source = max(hot, key=pct)
        excess = work.used_memory_gib(source) - threshold_pct / 100 * work.hosts[source].memory_gib
        movable = [
            (vm, t)
            for vm in work.vms_on(source)
            if vm.state == "running" and (t := target_for(vm, source)) is not None
        ]
        if not movable:
            break
        enough = [(vm, t) for vm, t in movable if vm.memory_gib >= excess]
        if enough:
            vm, target = min(enough, key=lambda m: (m[0].memory_gib, m[0].dirty_rate_mib_s))
        else:
            vm, target = min(movable, key=lambda m: (-m[0].memory_gib, m[0].dirty_rate_mib_s))
        work.vms[vm.name].host = target
        moves.append(
            {
                "vm": vm.name,
                "from_host": source,
                "to_host": target,
                "memory_gib": vm.memory_gib,
                "from_pct_after": round(pct(source), 1),
                "to_pct_after": round(pct(target), 1),
            }
        )
    return pd.DataFrame(
        moves,
        columns=["vm", "from_host", "to_host", "memory_gib", "from_pct_after", "to_pct_after"],
    )
