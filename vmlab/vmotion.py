"""vMotion inside a cluster: the checks vCenter makes, migrations in simulated time,
maintenance-mode evacuation and load balancing.

The memory copy itself is the pure model in :mod:`vmlab.migration` (re-exported here as
:func:`precopy`); this module decides *whether* a VM may move and *where* to (through
:mod:`vmlab.placement`), and places the copy on the simulation's clock as the feature
:class:`VMotion`. It is handed the simulation as a :class:`vmlab.features.Engine` and never
imports ``vmlab.sim``.

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

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import pandas as pd
import simpy

from vmlab import checks
from vmlab.events import HOST_GONE, Event, EventKind
from vmlab.features import Engine, FeatureBase, in_both_languages, join_reasons, vm_state_words
from vmlab.i18n import N_, _, ngettext
from vmlab.migration import MigrationResult, precopy
from vmlab.placement import cpus_compatible, place, problems
from vmlab.state import RunState
from vmlab.units import format_duration, gbit_s_to_mib_s, gib_to_mib

if TYPE_CHECKING:
    from vmlab.cluster import Cluster
    from vmlab.state import Reservation

MIN_VMOTION_GBIT_S = 1.0
"""vSphere refuses vMotion on a link under 1 Gbit/s (vSphere API fault
``VMotionLinkCapacityLow``; figures.md)."""

VM_TAKEN = frozenset({EventKind.VM_DOWN, EventKind.FT_FAILOVER, EventKind.FT_TEST_AND_SET})
"""Events after which a VM under vMotion may no longer be where the copy started."""

# TRANSLATORS: the phase of a vMotion, in "during the pre-copy" / "during the switchover"
_PHASES = {"pre-copy": N_("pre-copy"), "switchover": N_("switchover")}

MAX_CONCURRENT_PER_HOST = {1.0: 4, 10.0: 8}
"""Simultaneous vMotions per host: 4 on a 1 GbE vMotion network, 8 on 10 GbE or faster
(VMware vSphere 6.7 documentation, "Limits on Simultaneous Migrations"; figures.md)."""

__all__ = [
    "MAX_CONCURRENT_PER_HOST",
    "MIN_VMOTION_GBIT_S",
    "MigrationResult",
    "VMotion",
    "check",
    "concurrency_limit",
    "cpus_compatible",
    "fixed_problems",
    "host_load",
    "precopy",
    "propose_moves",
]


# ----------------------------------------------------------------------------------------
# The checks vCenter makes before it lets a VM move
# ----------------------------------------------------------------------------------------


def fixed_problems(
    cluster: Any, vm: str, target_host: str, *, datastore: str | None = None
) -> list[str]:
    """The problems of a move that time cannot fix: CPUs, storage, the vMotion network.

    ``datastore`` names the datastore a shared-nothing vMotion copies the disks to (vSphere
    5.1+: compute and storage change in one live operation); by default the disks stay where
    they are and the target must see them.
    """
    checks.cluster(cluster)
    checks.name(vm, cluster.vms, "VM")
    checks.name(target_host, cluster.hosts, "Host")
    if datastore is not None:
        checks.name(datastore, cluster.datastores, "Datastore")
    v = cluster.vms[vm]
    cluster.hosts[target_host]
    found: list[str] = []
    if datastore is not None:
        ds = cluster.datastores[datastore]  # unknown → NotFoundError listing them
        if not ds.visible_from(target_host):
            found.append(
                _("{host} cannot see datastore {datastore!r}").format(
                    host=target_host, datastore=datastore
                )
            )
    if v.host == target_host:
        if datastore is None or datastore == v.datastore:
            return found
    else:
        cpu = cpus_compatible(cluster, v.host, target_host)
        if cpu:
            found.append(cpu)
    if datastore is None and v.datastore:
        ds = cluster.datastores[v.datastore]
        if not ds.visible_from(target_host):
            found.append(
                _(
                    "{host} cannot see datastore {datastore!r} where the disks of {vm} live: "
                    "classic vMotion needs storage both hosts share; a shared-nothing vMotion "
                    "(datastore=...) copies the disks too"
                ).format(host=target_host, datastore=ds.name, vm=vm)
            )
    net = cluster.networks.get("vmotion")
    if net is None:
        found.append(
            _(
                "The cluster has no vMotion network: add one, e.g. "
                "cluster.add_network('vmotion', bandwidth_gbit_s=10)"
            )
        )
    elif net.bandwidth_gbit_s < MIN_VMOTION_GBIT_S:
        found.append(
            _(
                "The vMotion network runs at {gbit_s:g} Gbit/s; vSphere needs at "
                "least {least:g} Gbit/s"
            ).format(gbit_s=net.bandwidth_gbit_s, least=MIN_VMOTION_GBIT_S)
        )
    return found


def check(cluster: Any, vm: str, target_host: str, *, datastore: str | None = None) -> list[str]:
    """The problems that block moving ``vm`` to ``target_host`` with vMotion, in plain words.

    Parameters
    ----------
    cluster : Cluster (or a run's state)
    vm : str
    target_host : str
    datastore : str, optional
        For a shared-nothing vMotion: the datastore the disks are copied to.

    Returns
    -------
    list of str
        Empty when the move is allowed: the rules of :func:`vmlab.placement.problems` for a
        vMotion (host up, room, FT anti-affinity, CPUs …) and :func:`fixed_problems`.

    Raises
    ------
    NotFoundError
        The VM, host or datastore does not exist (the message lists the valid names).
    """
    checks.cluster(cluster)
    checks.name(vm, cluster.vms, "VM")
    checks.name(target_host, cluster.hosts, "Host")
    if datastore is not None:
        checks.name(datastore, cluster.datastores, "Datastore")
    v = cluster.vms[vm]
    cluster.hosts[target_host]
    if v.host == target_host and (datastore is None or datastore == v.datastore):
        return [_("{vm} already runs on {host}").format(vm=vm, host=target_host)]
    found: list[str] = []
    if v.state not in ("running", "migrating"):
        found.append(
            _("{vm} is {state}: vMotion moves running VMs only").format(
                vm=vm, state=vm_state_words(v.state)
            )
        )
    if v.host != target_host:
        # told apart by their English words, shown in the student's language
        for english, problem in in_both_languages(
            lambda: problems(cluster, vm, target_host, "vmotion", datastore=datastore)
        ):
            if english.startswith("CPUs") or "datastore" in english:
                continue  # said once, by fixed_problems
            found.append(problem if english[0].isupper() else f"{target_host} {problem}")
    found += fixed_problems(cluster, vm, target_host, datastore=datastore)
    return found


def concurrency_limit(bandwidth_gbit_s: float) -> int:
    """How many vMotions one host runs at once on a link of this speed
    (:data:`MAX_CONCURRENT_PER_HOST`)."""
    checks.positive(bandwidth_gbit_s, "bandwidth_gbit_s", unit="Gbit/s")
    return MAX_CONCURRENT_PER_HOST[10.0] if bandwidth_gbit_s >= 10 else MAX_CONCURRENT_PER_HOST[1.0]


# ----------------------------------------------------------------------------------------
# Migrations in simulated time
# ----------------------------------------------------------------------------------------


class VMotion(FeatureBase):
    """vMotion during one simulation, as a feature: migrations, their links and reservations.

    Migrations leaving one host share its vMotion link; a migration's share is fixed when it
    starts (a simplification: real vMotion re-balances as streams come and go). The VM's
    memory is reserved on the target when a migration starts, as vSphere does, and released
    when it ends either way. A migration whose target goes away (fails, is powered off,
    loses its network) stops at once: before the switchover the VM keeps running on the
    source; during the switchover it resumes on the source (the source keeps the VM until
    the target has taken over). A migration whose source fails takes the VM down with it;
    HA then treats it like the host's other VMs.
    """

    name = "vmotion"

    def __init__(self, sim: Engine) -> None:
        super().__init__(sim)
        self.sim = sim
        self.state: RunState = sim.state
        self.active_from: dict[str, int] = {}
        self.active: dict[str, tuple[simpy.Process, str, str]] = {}  # vm -> (process, src, dst)
        self.results: dict[str, list[MigrationResult]] = {}
        self.log: list[dict[str, Any]] = []
        self.on(HOST_GONE | {EventKind.HOST_IN_MAINTENANCE}, self._on_host_gone)

    def _on_host_gone(self, event: Event) -> None:
        for _vm, (process, source, target) in list(self.active.items()):
            if event.host in (source, target) and process.is_alive:
                process.interrupt(event.host)

    def problems(self, vm: str, target: str, datastore: str | None = None) -> list[str]:
        return check(self.state, vm, target, datastore=datastore)

    def start(self, vm: str, target: str, **options: Any) -> None:
        """Scheduled action: start one vMotion now (see :meth:`migrate`)."""
        self.migrate(vm, target, **options)

    def migrate(
        self,
        vm: str,
        target: str,
        *,
        switchover_target_ms: float | None = None,
        bandwidth_gbit_s: float | None = None,
        datastore: str | None = None,
    ) -> simpy.Process | None:
        """Start moving ``vm`` to ``target`` now and return the SimPy process, or log
        ``vmotion_refused`` and return None when a check fails.

        The target's memory is reserved at once. ``bandwidth_gbit_s`` is this migration's share
        of the source's vMotion link (default: an equal share with those already running from
        it). ``datastore``: a shared-nothing vMotion that copies the disks there first.
        """
        sim = self.sim
        v = self.state.vms[vm]
        source = v.host
        found = self.problems(vm, target, datastore)
        if vm in self.active:
            found.insert(0, _("{vm} is already being moved").format(vm=vm))
        if found:
            sim.log(EventKind.VMOTION_REFUSED, host=source, vm=vm, detail=join_reasons(found))
            return None
        link = self.state.networks["vmotion"].bandwidth_gbit_s
        self.active_from[source] = self.active_from.get(source, 0) + 1
        share = bandwidth_gbit_s or link / self.active_from[source]
        reservation = self.state.reserve(target, v.memory_gib, vm=vm, why=f"vMotion from {source}")
        kwargs: dict[str, Any] = (
            {} if switchover_target_ms is None else {"switchover_target_ms": switchover_target_ms}
        )
        result = precopy(v.memory_gib, v.dirty_rate_mib_s, v.working_set_gib, share, **kwargs)
        disk_s = 0.0
        if datastore is not None and datastore != v.datastore:
            disk_s = gib_to_mib(v.disk_gib) / gbit_s_to_mib_s(share)
        self.results.setdefault(vm, []).append(result)
        row = {
            "vm": vm,
            "from_host": source,
            "to_host": target,
            "start_s": sim.now,
            "end_s": float("nan"),
            "total_time_s": disk_s + result.total_time_s,
            "downtime_s": result.downtime_s,
            "n_rounds": result.n_rounds,
            "transferred_gib": result.transferred_mib / 1024 + (v.disk_gib if disk_s else 0.0),
            "outcome": result.outcome,
        }
        self.log.append(row)
        if disk_s:
            said = _(
                "to {target}; shared-nothing: copying its {disk_gib:g} GiB of disks to "
                "{datastore} ({disk_time}), then {gib:g} GiB of memory at {share:.3g} Gbit/s on "
                "average"
            )
        else:
            said = _("to {target}; copying {gib:g} GiB at {share:.3g} Gbit/s on average")
        sim.log(
            EventKind.VMOTION_STARTED,
            host=source,
            vm=vm,
            detail=said.format(
                target=target,
                disk_gib=v.disk_gib,
                datastore=datastore,
                disk_time=format_duration(disk_s),
                gib=v.memory_gib,
                share=share,
            ),
        )
        sim.set_vm_state(vm, "migrating", cause=f"vMotion to {target}")
        process = sim.process(
            self._copy(vm, source, target, result, row, reservation, disk_s, datastore)
        )
        self.active[vm] = (process, source, target)
        return process

    def _copy(
        self,
        vm: str,
        source: str,
        target: str,
        result: MigrationResult,
        row: dict[str, Any],
        reservation: Reservation,
        disk_s: float,
        datastore: str | None,
    ) -> Generator[Any, Any, bool]:
        sim = self.sim
        v = self.state.vms[vm]
        phase = "pre-copy"
        try:
            yield sim.env.timeout(disk_s + result.precopy_time_s)
            if result.outcome == "aborted" or not result.switched_over:
                why = _("{reason}; stays on {source}").format(reason=result.reason, source=source)
                return self._stay(vm, source, row, "aborted", why)
            clash = [
                said
                for english, said in in_both_languages(
                    lambda: problems(self.state, vm, target, "vmotion", datastore=datastore)
                )
                if "secondary" in english or english.startswith("is ")
            ]
            if clash:  # the target changed while the memory was copied
                why = _("{target} {problem}; {vm} keeps running on {source}").format(
                    target=target, problem=clash[0], vm=vm, source=source
                )
                return self._stay(vm, source, row, "failed", why)
            phase = "switchover"
            sim.set_vm_state(vm, "stunned", cause=f"vMotion switchover to {target}")
            sim.log(
                EventKind.VM_STUNNED,
                host=source,
                vm=vm,
                detail=_(
                    "last {mib:.0f} MiB and device state sent while paused ({downtime})"
                ).format(mib=_final_copy_mib(result), downtime=format_duration(result.downtime_s)),
            )
            yield sim.env.timeout(result.downtime_s)
            self.state.release(reservation)
            if datastore is not None:
                v.datastore = datastore
            sim.set_vm_state(vm, "running", host=target)
            row["end_s"] = sim.now
            sim.log(
                EventKind.VMOTION_COMPLETED,
                host=target,
                vm=vm,
                detail=ngettext(
                    "from {source} in {total}, stunned {downtime}, {n} round, {gib:.1f} GiB sent",
                    "from {source} in {total}, stunned {downtime}, {n} rounds, {gib:.1f} GiB sent",
                    result.n_rounds,
                ).format(
                    source=source,
                    total=format_duration(row["total_time_s"]),
                    downtime=format_duration(result.downtime_s),
                    n=result.n_rounds,
                    gib=row["transferred_gib"],
                ),
            )
            sim.log(
                EventKind.NETWORK_ANNOUNCED,
                host=target,
                vm=vm,
                detail=_("same MAC and IP; a RARP tells the switches the VM's new port"),
            )
            return True
        except simpy.Interrupt as stop:
            row["end_s"], row["outcome"] = sim.now, "failed"
            if v.host != source or v.state == "down":  # down with its host, or FT took over
                sim.log(
                    EventKind.VMOTION_FAILED,
                    host=source,
                    vm=vm,
                    detail=_(
                        "{vm} no longer runs on {source} during the {phase} ({state} on "
                        "{host}): the copy is abandoned"
                    ).format(
                        vm=vm,
                        source=source,
                        phase=_(_PHASES[phase]),
                        state=vm_state_words(v.state),
                        host=v.host,
                    ),
                )
                return False
            if phase == "pre-copy":
                said = _("{host} went away during the pre-copy; it keeps running on {source}")
            else:
                said = _("{host} went away during the switchover; it resumes on {source}")
            why = said.format(host=stop.cause or target, source=source)
            return self._stay(vm, source, row, "failed", why)
        finally:
            self.state.release(reservation)
            self.active_from[source] -= 1
            self.active.pop(vm, None)

    def _stay(self, vm: str, source: str, row: dict[str, Any], outcome: str, why: str) -> bool:
        """End a migration that did not switch over: the VM runs on at the source."""
        sim = self.sim
        if self.state.vms[vm].state in ("migrating", "stunned"):
            sim.set_vm_state(vm, "running")
        row["end_s"], row["outcome"] = sim.now, outcome
        kind = EventKind.VMOTION_ABORTED if outcome == "aborted" else EventKind.VMOTION_FAILED
        sim.log(kind, host=source, vm=vm, detail=why)
        return False

    # -- maintenance mode --------------------------------------------------------------------

    def pick_target(self, vm: str, exclude: set[str]) -> str | None:
        """Where an evacuated VM goes (:func:`vmlab.placement.place`, purpose ``evacuate``)."""
        return self.sim.place(vm, "evacuate", exclude=exclude).host

    def evacuate(self, host: str) -> list[simpy.Process]:
        vms = [vm.name for vm in self.state.vms_on(host) if vm.state in ("running", "migrating")]
        vms = [vm for vm in vms if vm not in self.active]
        if not vms:
            return []
        return [self.sim.process(self._queue(host, vms, lambda vm: self.pick_target(vm, {host})))]

    def _queue(
        self, host: str, vms: list[str], choose: Callable[[str], str | None]
    ) -> Generator[Any, Any, list[str]]:
        """Migrate ``vms`` off ``host``, at most the concurrency limit at a time, sharing the
        link (:func:`fair_shares`); ``choose(vm)`` names each target when its turn comes.
        Returns the VMs that could not go."""
        sim = self.sim
        state = self.state
        link = state.networks["vmotion"].bandwidth_gbit_s if "vmotion" in state.networks else 0
        limit = concurrency_limit(link)
        share = (
            fair_shares([state.vms[vm] for vm in vms], link_gbit_s=link, limit=limit)
            if link
            else {}
        )
        waiting = list(vms)
        running: list[simpy.Process] = []
        stuck: list[str] = []
        while waiting or running:
            while waiting and len(running) < limit:
                vm = waiting.pop(0)
                if state.vms[vm].host != host or state.vms[vm].state not in ("running",):
                    continue
                target = choose(vm)
                if target is None:
                    stuck.append(vm)
                    why = place(state, vm, "evacuate", exclude={host}).why_not()
                    sim.log(
                        EventKind.VMOTION_REFUSED,
                        host=host,
                        vm=vm,
                        detail=_("no other host can take it: {why}").format(why=why),
                    )
                    continue
                process = self.migrate(vm, target, bandwidth_gbit_s=share.get(vm))
                if process is None:
                    stuck.append(vm)
                else:
                    running.append(process)
            if running:
                yield sim.env.any_of(running)
                running = [p for p in running if p.is_alive]
            if state.hosts[host].state == "down":
                break
        return stuck

    def move_many(self, moves: list[tuple[str, str]]) -> None:
        """Start a set of moves now: the moves leaving one host queue and share its link."""
        by_source: dict[str, list[tuple[str, str]]] = {}
        for vm, target in moves:
            by_source.setdefault(self.state.vms[vm].host, []).append((vm, target))
        for source, pairs in by_source.items():
            targets = dict(pairs)
            self.sim.process(self._queue(source, list(targets), targets.get))

    def table(self, columns: list[str]) -> pd.DataFrame:
        """One row per vMotion of the run (see :attr:`vmlab.sim.Timeline.migrations`)."""
        return pd.DataFrame(self.log, columns=columns)


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
    for _round in range(4):  # volumes depend on the shares and the shares on the volumes
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
    active = [queue.pop(0) for _slot in range(min(limit, len(queue)))]
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


# ----------------------------------------------------------------------------------------
# Load balancing
# ----------------------------------------------------------------------------------------


def host_load(cluster: Cluster) -> pd.DataFrame:
    """Per host: memory and vCPUs used, as a share of what the host has (percent)."""
    checks.cluster(cluster)
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

    Each VM goes where :func:`vmlab.placement.place` puts it (purpose ``balance``: the
    allowed host with the most free memory), as long as that host stays under the threshold
    too. A simplification of what vSphere DRS weighs.

    Returns
    -------
    DataFrame
        ``vm, from_host, to_host, memory_gib, from_pct_after, to_pct_after``; empty when no
        host is over the threshold (or nothing can be moved). ``plan.attrs`` says whether the
        plan gets there: ``reaches_threshold`` (bool), ``hosts_over`` (the hosts still over
        it after the moves), ``average_pct`` (memory in use across the up hosts) and ``why``
        (in words, when it does not reach it).

    Raises
    ------
    ValueError
        ``threshold_pct`` is not between 1 and 100.
    """
    checks.cluster(cluster)
    checks.percent(threshold_pct, "threshold_pct", low=1)
    max_moves = checks.whole(max_moves, "max_moves", low=0)
    if not 1 <= float(threshold_pct) <= 100:
        raise ValueError(
            _("threshold_pct must be between 1 and 100, not {value!r}").format(value=threshold_pct)
        )
    work = RunState(cluster)  # the plan moves VMs in a run state; the cluster is not touched
    moves = []

    def pct(host: str) -> float:
        return 100 * work.used_memory_gib(host) / work.hosts[host].memory_gib

    def target_for(vm: Any, source: str) -> str | None:
        room = [
            h
            for h in work.hosts
            if 100 * (work.used_memory_gib(h) + vm.memory_gib) / work.hosts[h].memory_gib
            <= threshold_pct
        ]
        return place(work, vm.name, "balance", candidates=room, unreachable="would go over").host

    stopped = ""
    for _move in range(max_moves):
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
            stopped = _(
                "no VM on {host} can move without taking another host over {threshold:g} %"
            ).format(host=source, threshold=threshold_pct)
            break
        enough = [(vm, t) for vm, t in movable if vm.memory_gib >= excess]
        if enough:
            vm, target = min(enough, key=lambda m: (m[0].memory_gib, m[0].dirty_rate_mib_s))
        else:
            vm, target = min(movable, key=lambda m: (-m[0].memory_gib, m[0].dirty_rate_mib_s))
        work.move_vm(vm.name, target)
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
    else:
        stopped = _("the plan stopped at max_moves={max_moves}").format(max_moves=max_moves)
    plan = pd.DataFrame(
        moves,
        columns=["vm", "from_host", "to_host", "memory_gib", "from_pct_after", "to_pct_after"],
    )
    up = [h for h in work.hosts.values() if h.state == "up"]
    over = [h.name for h in up if pct(h.name) > threshold_pct]
    average = (
        100
        * sum(work.used_memory_gib(h.name) for h in up)
        / max(sum(h.memory_gib for h in up), 1e-9)
    )
    why = ""
    if over:
        why = stopped
        if average > threshold_pct:
            why = _(
                "the hosts that are up average {average_pct} of their memory in use, so "
                "no plan can bring every host under {threshold:g} %"
            ).format(
                average_pct=f"{average:.1f} %", threshold=threshold_pct
            )  # "% of": not %-format
    plan.attrs.update(
        reaches_threshold=not over, hosts_over=over, average_pct=round(average, 1), why=why
    )
    return plan
