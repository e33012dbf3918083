"""vSphere HA during a run: failure detection, isolation, partitions and restarts.

HA is switched on per cluster::

    >>> from vmlab import Cluster, Simulation
    >>> cluster = Cluster.example()
    >>> cluster.enable_ha(isolation_response="power_off").primary
    'esx-01'
    >>> sim = Simulation(cluster, seed=0)
    >>> sim.fail_host("esx-03", at_s=0)
    >>> timeline = sim.run(until_s=600)
    >>> timeline.outages()[["vm", "service", "down_s"]]
            vm service  down_s
    0   web-03     web    63.0
    1   web-19     web    63.0
    2   app-11     app   138.0
    3  mail-03    mail   168.0
    4  file-11    file   108.0

Each outage is 18 s of detection (no heartbeat, no ping, no datastore heartbeat) plus the
guest's boot and service start: minutes, as the source document says.

The HA model is three modules:

- :mod:`vmlab.ha_settings`: the published defaults (each cites ``reference/figures.md``),
  :class:`HAConfig` (``cluster.ha``) and the admission-control policies;
- this module: :class:`HAAgent`, the feature a :class:`vmlab.sim.Simulation` starts when
  its cluster has HA — heartbeats, elections, failure / isolation / partition detection,
  restarts by priority placed by :mod:`vmlab.placement`, VM monitoring;
- :mod:`vmlab.ha_log`: :func:`readable_log`, the event log in sentences.

The names of the other two are re-exported here, so ``from vmlab.ha import SlotPolicy``
works. This module never imports :mod:`vmlab.sim`: the simulation hands itself to
:class:`HAAgent` as a :class:`vmlab.features.Engine`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from vmlab.events import HOST_BACK, Event, EventKind
from vmlab.features import Engine, FeatureBase
from vmlab.ha_log import HA_EVENT_KINDS, priority_words, readable_log
from vmlab.ha_settings import *  # noqa: F403  (the settings are part of vmlab.ha's surface)
from vmlab.ha_settings import (
    PRIORITY_ORDER,
    VM_MONITORING_INTERVALS_S,
    VM_MONITORING_MAX_RESETS,
    HAConfig,
)
from vmlab.ha_settings import __all__ as _settings_all
from vmlab.i18n import N_, _, ngettext
from vmlab.placement import lost_datastores
from vmlab.units import format_duration
from vmlab.words import listing as _listing

if TYPE_CHECKING:
    import simpy

    from vmlab.cluster import Cluster
    from vmlab.state import RunState, VMRun

__all__ = [*_settings_all, "HAAgent", "HA_EVENT_KINDS", "readable_log"]

MAIN, OTHER = "main", "other"

_RESPONSES = {
    # TRANSLATORS: an isolation response (a setting of vSphere HA), in "isolation response '…'"
    "leave_powered_on": N_("leave powered on"),
    "power_off": N_("power off"),
    "shutdown": N_("shutdown"),
}


class HAAgent(FeatureBase):
    """The HA agents (FDM) of every host, as one feature (the simulation starts it when the
    cluster has ``cluster.ha``).

    The network is a set of segments: the ``main`` one, the ``other`` side of a partition,
    and one segment per isolated host. Each segment with live hosts has a primary: when it
    loses one, the others start an election after :data:`ELECTION_START_S` and elect a new
    primary :data:`ELECTION_S` later. The primary responsible for a failed host declares it
    failed :attr:`HAConfig.detection_s` after its last heartbeat (18 s with heartbeat
    datastores) — or, when it was only just elected, :data:`PRIMARY_TAKEOVER_S` after its
    election — then restarts its VMs by priority on the up hosts of its segment, placed by
    :func:`vmlab.placement.place`.

    A host that stops answering but still writes to one of its heartbeat datastores
    (:meth:`HAConfig.heartbeat_datastores_of`) is isolated or partitioned, not failed: its VMs
    are left alone (``host_unreachable``). Without heartbeat datastores, or when the host lost
    them in a storage fault (:mod:`vmlab.storage`), the primary cannot tell: it declares the
    host failed and tries to restart its VMs; the copies still running hold the locks on their
    files, so those restarts fail (``restart_failed``) and no VM ever runs twice.

    It reacts to the events of :mod:`vmlab.events` (a host failed, came back in any way,
    lost its network, a partition, a guest hang, a VM running) and uses only the
    :class:`vmlab.features.Engine` it is handed.
    """

    name = "ha"

    @classmethod
    def wanted(cls, spec: Cluster) -> bool:
        return spec.ha is not None

    def __init__(self, sim: Engine) -> None:
        super().__init__(sim)
        self.sim = sim
        self.cluster: RunState = sim.state
        assert sim.spec.ha is not None
        self.config: HAConfig = sim.spec.ha
        self.env: simpy.Environment = sim.env
        self.isolated: set[str] = {
            h.name for h in self.cluster.hosts.values() if h.state == "isolated"
        }
        self.sides: tuple[frozenset[str], frozenset[str]] | None = None
        self.primary: dict[str, str | None] = {MAIN: self.config.primary, OTHER: None}
        self.primary_since: dict[str, float] = {MAIN: 0.0, OTHER: 0.0}
        self.electing: set[str] = set()
        self.attempts: dict[str, int] = defaultdict(int)
        self.waiting: dict[str, tuple[str, str]] = {}  # unplaced VM -> (cause, segment)
        self.resets: dict[str, int] = defaultdict(int)
        self._waiters: list[tuple[set[str], Any]] = []
        self._batches: dict[tuple[str, float], tuple[list[str], dict[str, str], str]] = {}
        self._primary_event = self.env.event()
        self.on(EventKind.HOST_FAILED, self.on_host_failed)
        self.on(HOST_BACK, self.on_host_back)
        self.on(EventKind.HOST_IN_MAINTENANCE, lambda _event: self._reconcile())
        self.on(EventKind.HOST_POWERED_OFF, lambda _event: self._reconcile())
        self.on(EventKind.MANAGEMENT_NETWORK_LOST, self.on_network_lost)
        self.on(EventKind.PARTITION, self.on_partition)
        self.on(EventKind.PARTITION_HEALED, self.on_partition_healed)
        self.on(EventKind.GUEST_HUNG, self.on_guest_hung)
        self.on(EventKind.VM_RUNNING, self.on_vm_ready)
        self.on(EventKind.VM_BOOTING, self.on_vm_ready)
        if self.cluster.hosts[self.config.primary].state != "up":
            self.primary[MAIN] = None
            self._reconcile()

    # -- the network as HA sees it ---------------------------------------------------------

    def segment(self, host: str) -> str:
        """Which part of the management network ``host`` is in."""
        if host in self.isolated:
            return f"isolated:{host}"
        if self.sides is not None and host in self.sides[1]:
            return OTHER
        return MAIN

    def members(self, seg: str) -> list[str]:
        """Live hosts of a segment, in cluster order."""
        return [
            h for h, obj in self.cluster.hosts.items()
            if obj.state not in ("down", "maintenance") and self.segment(h) == seg
        ]  # fmt: skip

    def _watcher_segment(self, seg: str) -> str:
        """The segment whose primary looks after hosts of ``seg`` that stopped."""
        if not seg.startswith("isolated:") and self.members(seg):
            return seg
        if self.members(MAIN) or self.sides is None or not self.members(OTHER):
            return MAIN
        return OTHER

    def _reconcile(self) -> None:
        """After any change: drop primaries that are gone, start elections where needed."""
        for seg in (MAIN, OTHER):
            if seg == OTHER and self.sides is None:
                continue
            live = self.members(seg)
            if self.primary.get(seg) not in live:
                self.primary[seg] = None
            if live and self.primary[seg] is None and seg not in self.electing:
                self.env.process(self._election(seg))

    def _election(self, seg: str) -> Generator[Any, Any, None]:
        self.electing.add(seg)
        yield self.env.timeout(self.config.election_start_s + self.config.election_s)
        self.electing.discard(seg)
        if seg == OTHER and self.sides is None:
            return
        live = self.members(seg)
        if not live or self.primary.get(seg) is not None:
            return
        new = live[0]
        self.primary[seg], self.primary_since[seg] = new, self.sim.now
        if seg == MAIN:
            self.cluster.primary = new
        cfg = self.config
        if seg == MAIN:
            said = _(
                "{host} is elected primary: the election started {start} after the last "
                "heartbeat and took {took}"
            )
        else:
            said = _(
                "{host} is elected primary on the other side of the partition: the election "
                "started {start} after the last heartbeat and took {took}"
            )
        self.sim.log(
            EventKind.ELECTION, host=new,
            detail=said.format(host=new, start=format_duration(cfg.election_start_s),
                               took=format_duration(cfg.election_s)),
        )  # fmt: skip
        self._primary_changed()

    def _primary_changed(self) -> None:
        event, self._primary_event = self._primary_event, self.env.event()
        event.succeed()

    def _wait_for_primary(self, seg: str, since: float) -> Generator[Any, Any, str | None]:
        """Wait until the segment watching ``seg`` has a primary that has listened for the
        detection time; return that segment, or ``None`` if the run ends first."""
        while True:
            wseg = self._watcher_segment(seg)
            p = self.primary.get(wseg)
            if p is None:
                if not self.members(wseg) and wseg not in self.electing:
                    self._reconcile()
                yield self._primary_event
                continue
            deadline = max(
                since + self.config.detection_s,
                self.primary_since[wseg] + self.config.primary_takeover_s,
            )
            if self.sim.now < deadline - 1e-9:
                yield self.env.timeout(deadline - self.sim.now)
                continue
            return wseg

    # -- host failure ------------------------------------------------------------------------

    def on_host_failed(self, event: Event) -> None:
        host = event.host
        seg = self.segment(host)
        was_primary = host in self.primary.values()
        self._reconcile()
        self.env.process(self._detect_failure(host, seg, self.sim.now, was_primary))

    def _detect_failure(
        self, host: str, seg: str, t0: float, was_primary: bool = False
    ) -> Generator[Any, Any, None]:
        yield self.env.timeout(self.config.heartbeat_interval_s)
        if self.cluster.hosts[host].state != "down":
            return
        watcher = self.primary.get(self._watcher_segment(seg))
        if was_primary:
            detail = _(
                "the other hosts hear no heartbeat from their primary {host}: they elect a new one"
            ).format(host=host)
        elif watcher:
            detail = _("primary {primary} hears no heartbeat from {host}").format(
                primary=watcher, host=host
            )
        else:
            detail = _("no heartbeat from {host}, and no primary yet to act on it").format(
                host=host
            )
        self.sim.log(EventKind.HEARTBEAT_MISSED, host=host, detail=detail)
        wseg = yield from self._wait_for_primary(seg, t0)
        if wseg is None or self.cluster.hosts[host].state != "down":
            return
        victims = [vm for vm in self.cluster.vms_on(host) if vm.state == "down"]
        todo = [vm for vm in victims if self._restartable(vm)]
        skipped = len(victims) - len(todo)
        quiet = format_duration(self.sim.now - t0)
        signals = _("heartbeat, ping reply or datastore heartbeat")
        if not self.config.uses_datastore_heartbeats:
            signals = _("heartbeat or ping reply (no heartbeat datastores)")
        n = len(todo)
        if skipped:
            said = ngettext(
                "restarting {n} VM… ({quiet} without {signals}; {skipped} not protected "
                "(priority disabled))",
                "restarting {n} VMs… ({quiet} without {signals}; {skipped} not protected "
                "(priority disabled))",
                n,
            )
        else:
            said = ngettext(
                "restarting {n} VM… ({quiet} without {signals})",
                "restarting {n} VMs… ({quiet} without {signals})",
                n,
            )
        self.sim.log(
            EventKind.HOST_DECLARED_FAILED, host=host,
            detail=said.format(n=n, quiet=quiet, signals=signals, skipped=skipped),
        )  # fmt: skip
        if todo:
            self._queue_restarts([vm.name for vm in todo], f"{host} failed", seg)

    def _queue_restarts(self, names: list[str], cause: str, seg: str) -> None:
        """Restart ``names`` together with the VMs of every other host the same primary
        declares failed at this same instant: one restart order by priority across all of
        them (the primary restarts the highest priorities first, whichever host they were on)."""
        key = (self._watcher_segment(seg), self.sim.now)
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = ([], {}, seg)
            self.env.process(self._flush(key))
        batch[0].extend(names)
        batch[1].update({n: cause for n in names})

    def _flush(self, key: tuple[str, float]) -> Generator[Any, Any, None]:
        yield self.env.timeout(0)  # after every declaration of this instant
        names, causes, seg = self._batches.pop(key)
        yield from self._restart(names, causes, seg)

    def _protected(self, vm: VMRun) -> bool:
        return vm.protection != "ft" and vm.restart_priority != "disabled"

    def _restartable(self, vm: VMRun) -> bool:
        """HA restarts a stopped VM: an HA VM, or an FT VM that lost both copies (its secondary
        was gone when its host failed; with a secondary, FT fails over and the VM never stops)."""
        if vm.restart_priority == "disabled":
            return False
        return vm.protection != "ft" or (vm.state == "down" and vm.secondary_host is None)

    def _needs_restart(self, name: str) -> bool:
        vm = self.cluster.vms[name]
        return (
            vm.state == "down"
            and self.cluster.hosts[vm.host].state in ("down", "isolated")
            and self._restartable(vm)
        )

    # -- restarts ------------------------------------------------------------------------------

    def _restart(
        self, names: list[str], cause: str | dict[str, str], seg: str
    ) -> Generator[Any, Any, None]:
        """Restart ``names`` by priority, highest first. The next priority starts when the
        higher one meets the readiness condition (:attr:`HAConfig.restart_readiness`:
        vSphere's default is as soon as its resources are allocated), or after
        ``restart_priority_wait_s``."""
        levels = [
            [n for n in names if self.cluster.vms[n].restart_priority == p] for p in PRIORITY_ORDER
        ]
        levels = [lv for lv in levels if lv]
        for i, level in enumerate(levels):
            if self.primary.get(self._watcher_segment(seg)) is None:
                yield from self._wait_for_primary(seg, self.sim.now - self.config.detection_s)
            placed = self._place([n for n in level if self._needs_restart(n)], cause, seg)
            pending = {n for n in placed if not self._ready(n)}
            if pending and i < len(levels) - 1:
                ready = self.env.event()
                self._waiters.append((pending, ready))
                yield ready | self.env.timeout(self.config.restart_priority_wait_s)

    def _ready(self, name: str) -> bool:
        """Whether a restarted VM meets the readiness condition for the next priority."""
        condition = self.config.restart_readiness
        state = self.cluster.vms[name].state
        if condition == "allocated":
            return True
        if condition == "powered_on":
            return state in ("booting", "running")
        return state == "running"  # guest (or app) heartbeats: the guest runs its service

    def _place(self, names: list[str], causes: str | dict[str, str], seg: str) -> list[str]:
        """Issue the restarts of ``names`` now; return the VMs that found a host. ``causes``
        is one cause for all, or one per VM."""
        if not names:
            return []
        wseg = self._watcher_segment(seg)
        targets = self.members(wseg)
        limit = self.config.max_restart_attempts
        placed = []
        for name in names:
            vm = self.cluster.vms[name]
            cause = causes if isinstance(causes, str) else causes[name]
            if self.attempts[name] >= limit:
                self.waiting.pop(name, None)
                continue
            self.attempts[name] += 1
            n = self.attempts[name]
            choice = self.sim.place(
                name, "restart", candidates=targets, prefer=self.config.failover_hosts
            )
            if choice.host is None:
                self.sim.set_vm_state(name, "down", host=vm.host, cause="insufficient capacity")
                last = n >= limit
                if last:
                    said = _(
                        "insufficient capacity: no host has {gib:g} GiB free "
                        "(attempt {n} of {limit}); HA gives up"
                    )
                else:
                    said = _(
                        "insufficient capacity: no host has {gib:g} GiB free "
                        "(attempt {n} of {limit}); HA retries when a host comes back"
                    )
                self.sim.log(
                    EventKind.RESTART_GAVE_UP if last else EventKind.RESTART_FAILED,
                    host=vm.host, vm=name,
                    detail=said.format(gib=vm.memory_gib, n=n, limit=limit),
                )  # fmt: skip
                if last:
                    self.waiting.pop(name, None)
                else:
                    self.waiting[name] = (cause, seg)
                continue
            target = choice.host
            self.waiting.pop(name, None)
            self.sim.log(
                EventKind.RESTART_ISSUED, host=target, vm=name,
                detail=_("from {host}, {priority} (attempt {n} of {limit})").format(
                    host=vm.host, priority=priority_words(vm.restart_priority), n=n, limit=limit
                ),
            )  # fmt: skip
            # Register on the target at once, so nothing else restarts it meanwhile.
            self.sim.set_vm_state(name, "booting", host=target, cause=cause)
            self.sim.boot_vm(name, target, cause=cause)
            placed.append(name)
        return placed

    def on_vm_ready(self, event: Event) -> None:
        if not self._waiters:
            return
        keep = []
        for pending, ready in self._waiters:
            if event.vm in pending and self._ready(event.vm):
                pending.discard(event.vm)
            if pending:
                keep.append((pending, ready))
            elif not ready.triggered:
                ready.succeed()
        self._waiters = keep

    def _retry_waiting(self) -> None:
        if not self.waiting:
            return
        by_cause: dict[tuple[str, str], list[str]] = defaultdict(list)
        for name, (cause, seg) in self.waiting.items():
            by_cause[(cause, seg)].append(name)
        self.waiting = {}
        for (cause, seg), names in by_cause.items():
            self.env.process(self._restart(names, cause, seg))

    def on_host_back(self, event: Event) -> None:
        """A host rejoined (repaired, powered on, out of maintenance): retry waiting VMs."""
        self.isolated.discard(event.host)
        self._reconcile()
        self._retry_waiting()

    # -- isolation -------------------------------------------------------------------------------

    def on_network_lost(self, event: Event) -> None:
        host = event.host
        was_primary = host in self.primary.values()
        old_seg = self.segment(host)
        self.isolated.add(host)
        self._reconcile()
        self.env.process(self._isolation(host, was_primary))
        self.env.process(self._notice_unreachable([host], old_seg, self.sim.now))

    def _still_isolated(self, host: str) -> bool:
        return host in self.isolated and self.cluster.hosts[host].state == "isolated"

    def _isolation(self, host: str, was_primary: bool) -> Generator[Any, Any, None]:
        cfg = self.config
        delay = (
            cfg.isolation_detection_primary_s
            if was_primary
            else cfg.isolation_detection_secondary_s
        )
        yield self.env.timeout(delay)
        if not self._still_isolated(host):
            return
        words = _RESPONSES.get(cfg.isolation_response)
        response = _(words) if words else cfg.isolation_response.replace("_", " ")
        self.sim.log(
            EventKind.HOST_ISOLATED, host=host,
            detail=_("hears no other host and cannot ping its isolation address; isolation "
                     "response '{response}' in {delay}").format(
                response=response, delay=format_duration(cfg.isolation_policy_delay_s)),
        )  # fmt: skip
        yield self.env.timeout(cfg.isolation_policy_delay_s)
        if not self._still_isolated(host):
            return
        vms = [
            vm for vm in self.cluster.vms_on(host)
            if vm.state in ("running", "booting", "migrating") and self._protected(vm)
        ]  # fmt: skip
        if cfg.isolation_response == "leave_powered_on":
            n = len(vms)
            self.sim.log(
                EventKind.ISOLATION_RESPONSE, host=host,
                detail=ngettext(
                    "leaves its {n} VM running; they still hold their disk locks, "
                    "so HA restarts none of them: never two copies of one VM",
                    "leaves its {n} VMs running; they still hold their disk locks, "
                    "so HA restarts none of them: never two copies of one VM",
                    n,
                ).format(n=n),
            )  # fmt: skip
            return
        verb = "powered off" if cfg.isolation_response == "power_off" else "shut down"
        cause = f"{host} isolated: {verb} by HA"
        n = len(vms)
        if cfg.isolation_response == "power_off":
            does = ngettext(
                "powers off its {n} VM so the primary can restart them elsewhere",
                "powers off its {n} VMs so the primary can restart them elsewhere",
                n,
            )
        else:
            does = ngettext(
                "shuts down its {n} VM so the primary can restart them elsewhere",
                "shuts down its {n} VMs so the primary can restart them elsewhere",
                n,
            )
        self.sim.log(EventKind.ISOLATION_RESPONSE, host=host,
                     detail=does.format(n=n))  # fmt: skip
        for vm in vms:
            self.sim.cancel_pending(vm.name)
            self.sim.set_vm_state(vm.name, "down", cause=cause)
            self.sim.log(
                EventKind.VM_DOWN,
                host=host,
                vm=vm.name,
                detail=_("{service} service stops").format(service=vm.service),
            )
        if cfg.isolation_response == "shutdown":
            yield self.env.timeout(cfg.isolation_shutdown_s)
        names = [vm.name for vm in vms if self._needs_restart(vm.name)]
        if names:
            yield from self._restart(names, cause, f"isolated:{host}")

    def _notice_unreachable(
        self, hosts: list[str], seg: str, t0: float
    ) -> Generator[Any, Any, None]:
        """The primary's view: no heartbeat, no ping, but datastore heartbeats go on."""
        wseg = yield from self._wait_for_primary(seg, t0)
        alive = [h for h in hosts if self.cluster.hosts[h].state != "down"
                 and self.segment(h) != wseg]  # fmt: skip
        if wseg is None or not alive:
            return
        p = self.primary[wseg]
        silent = [h for h in alive if not self.datastore_heartbeats(h)]
        alive = [h for h in alive if h not in silent]
        if alive:
            what = _listing(alive)
            self.sim.log(
                EventKind.HOST_UNREACHABLE, host=alive[0] if len(alive) == 1 else "",
                detail=_("primary {primary} gets no heartbeat or ping from {hosts}, but "
                         "datastore heartbeats go on: isolated or partitioned, not failed; its "
                         "VMs are left alone").format(primary=p, hosts=what),
            )  # fmt: skip
        for host in silent:
            self._declare_silent(host, wseg)

    def datastore_heartbeats(self, host: str) -> bool:
        """Whether ``host`` still writes heartbeats to one of its heartbeat datastores
        (:meth:`HAConfig.heartbeat_datastores_of`) that it has not lost in a storage fault
        (:func:`vmlab.placement.lost_datastores`)."""
        if not self.config.uses_datastore_heartbeats:
            return False
        lost = lost_datastores(self.cluster, host)
        return any(d not in lost for d in self.config.heartbeat_datastores_of(host))

    def _declare_silent(self, host: str, wseg: str) -> None:
        """No network heartbeat, no ping and no datastore heartbeat from a host that still
        runs (isolated or partitioned, but HA cannot see that): the primary declares it failed
        and tries to restart its VMs. The copies still running hold the locks on their files,
        so those power-ons fail: never two copies of one VM (VMware vSphere Availability,
        "Datastore Heartbeating": a host that stopped datastore heartbeating "is considered
        to have failed and its virtual machines are restarted elsewhere")."""
        why = (
            _("no heartbeat datastore is configured")
            if not self.config.uses_datastore_heartbeats
            else _("it lost its heartbeat datastores")
        )
        running = [
            vm for vm in self.cluster.vms_on(host)
            if vm.state in ("running", "migrating", "booting") and self._protected(vm)
        ]  # fmt: skip
        todo = [vm.name for vm in self.cluster.vms_on(host) if self._needs_restart(vm.name)]
        n = len(running) + len(todo)
        self.sim.log(
            EventKind.HOST_DECLARED_FAILED, host=host,
            detail=ngettext(
                "no heartbeat, ping reply or datastore heartbeat ({why}): HA cannot tell "
                "it from a failed host; restarting {n} VM…",
                "no heartbeat, ping reply or datastore heartbeat ({why}): HA cannot tell "
                "it from a failed host; restarting {n} VMs…",
                n,
            ).format(why=why, n=n),
        )  # fmt: skip
        for vm in running:
            self.sim.log(
                EventKind.RESTART_FAILED, host=host, vm=vm.name,
                detail=_("its copy still running on {host} holds the lock on its files: HA "
                         "cannot power on a second copy").format(host=host),
            )  # fmt: skip
        if todo:
            self._queue_restarts(todo, f"{host} declared failed", self.segment(host))

    # -- partitions ------------------------------------------------------------------------------

    def on_partition(self, event: Event) -> None:
        assert self.sim.partition_sides is not None
        a, b = self.sim.partition_sides
        if self.primary[MAIN] in b:  # the side holding the primary stays "main"
            a, b = b, a
        self.sides = (frozenset(a), frozenset(b))
        self.primary[OTHER] = None
        self._reconcile()
        t0 = self.sim.now
        self.env.process(self._notice_unreachable(sorted(b, key=self._order), MAIN, t0))
        self.env.process(self._notice_unreachable(sorted(a, key=self._order), OTHER, t0))

    def _order(self, host: str) -> int:
        return list(self.cluster.hosts).index(host)

    def on_partition_healed(self, event: Event) -> None:
        other = self.primary.get(OTHER)
        self.sides = None
        self.primary[OTHER] = None
        if self.primary[MAIN] is None and other is not None:
            self.primary[MAIN], self.primary_since[MAIN] = other, self.primary_since[OTHER]
            self.cluster.primary = other
            self._primary_changed()
        elif other is not None:
            self.sim.log(
                EventKind.ELECTION, host=self.primary[MAIN] or "",
                detail=_("partition healed: {primary} stays primary, {other} steps down").format(
                    primary=self.primary[MAIN], other=other
                ),
            )  # fmt: skip
        self._reconcile()
        self._retry_waiting()

    # -- VM monitoring -------------------------------------------------------------------------

    def on_guest_hung(self, event: Event) -> None:
        level = self.config.vm_monitoring
        if level is None:
            return
        self.env.process(self._monitor(event.vm, event.host, VM_MONITORING_INTERVALS_S[level]))

    def _monitor(self, name: str, host: str, interval: float) -> Generator[Any, Any, None]:
        yield self.env.timeout(interval)
        vm = self.cluster.vms[name]
        if vm.state != "down" or vm.host != host or self.cluster.hosts[host].state != "up":
            return
        if self.resets[name] >= VM_MONITORING_MAX_RESETS:
            most = VM_MONITORING_MAX_RESETS
            self.sim.log(EventKind.VM_RESET_SKIPPED, host=host, vm=name,
                         detail=ngettext("already reset {n} time", "already reset {n} times",
                                         most).format(n=most))  # fmt: skip
            return
        self.resets[name] += 1
        self.sim.log(
            EventKind.VM_RESET, host=host, vm=name,
            detail=_("no guest heartbeat for {interval}: VM monitoring resets it "
                     "(reset {n} of {most})").format(interval=format_duration(interval),
                                                     n=self.resets[name],
                                                     most=VM_MONITORING_MAX_RESETS),
        )  # fmt: skip
        self.sim.boot_vm(name, host, cause="guest hung")
