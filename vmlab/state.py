"""The run state: where every VM and every FT secondary is during one run, and what is reserved.

A :class:`vmlab.Cluster` is a *spec*: what a student builds, never changed by a run. A run
owns one :class:`RunState`, made from the spec in one pass (no deep copy), and every change
during the run goes through its methods, which keep each host's memory totals up to date:

- the VMs registered on a host (whatever their state: a VM that is down on a host that is up
  still holds its memory there), FT secondaries on it, and
- *reservations*: memory claimed on a host for something under way — a vMotion copying a VM
  there, a new FT secondary being created there.

The placement (:mod:`vmlab.placement`) reads :meth:`RunState.free_memory_gib`, which counts
all three, so no two features can promise the same memory twice.

>>> from vmlab import Cluster
>>> state = RunState(Cluster.example())
>>> state.free_memory_gib("esx-02")
208.0
>>> r = state.reserve("esx-02", 64, vm="db-01", why="vMotion from esx-09")
>>> state.free_memory_gib("esx-02"), state.reserved_gib("esx-02")
(144.0, 64.0)
>>> state.release(r)
>>> state.free_memory_gib("esx-02")
208.0

``memory_log`` keeps one row per change of a host's totals (see
:attr:`vmlab.sim.Timeline.memory`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vmlab.cluster import Registry
from vmlab.i18n import N_, _
from vmlab.words import say

if TYPE_CHECKING:  # the spec's types, for annotations only
    from vmlab.cluster import VM, Cluster, Host

__all__ = ["LIVE_STATES", "MEMORY_COLUMNS", "HostRun", "Reservation", "RunState", "VMRun"]

LIVE_STATES = frozenset({"running", "migrating", "stunned", "booting"})
"""States in which a VM's primary copy is alive on its host (uses the host's CPUs)."""

MEMORY_COLUMNS = ["t_s", "host", "vms_gib", "secondaries_gib", "reserved_gib", "capacity_gib"]


class _Run:
    """A spec object during a run: what changes lives here, the rest is read from the spec."""

    __slots__ = ("spec",)
    spec: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.spec, name)

    @property
    def name(self) -> str:
        return str(self.spec.name)


class VMRun(_Run):
    """One VM during a run: ``host``, ``state``, ``secondary_host`` and ``datastore`` (a
    shared-nothing vMotion moves the disks) change; every other attribute (``memory_gib``,
    ``service``, ``boot_s`` …) is read from its spec."""

    __slots__ = ("host", "state", "secondary_host", "datastore")

    def __init__(self, spec: VM) -> None:
        self.spec = spec
        self.host: str = spec.host
        self.state: str = spec.state
        self.secondary_host: str | None = spec.secondary_host
        self.datastore: str = spec.datastore

    def __repr__(self) -> str:
        said = {"name": repr(self.name), "state": self.state, "host": self.host,
                "secondary": self.secondary_host}  # fmt: skip
        if self.secondary_host:
            return _("VMRun({name} {state} on {host}, FT secondary on {secondary})").format(**said)
        return _("VMRun({name} {state} on {host})").format(**said)


class HostRun(_Run):
    """One host during a run: ``state`` changes; ``cpu``, ``cores``, ``memory_gib`` … are the
    spec's."""

    __slots__ = ("state",)

    def __init__(self, spec: Host) -> None:
        self.spec = spec
        self.state: str = spec.state

    def __repr__(self) -> str:
        return f"HostRun({self.name!r}, {self.state})"


@dataclass(frozen=True)
class Reservation:
    """Memory claimed on ``host`` for ``vm`` while something is under way (``why``)."""

    id: int
    host: str
    gib: float
    vm: str
    why: str


class RunState:
    """The mutable state of one run, made from a cluster spec (which it never changes).

    It offers the same reading methods as :class:`vmlab.Cluster` (``hosts``, ``vms``,
    ``datastores``, ``networks``, ``evc``, ``ha``, ``vms_on``, ``secondaries_on``,
    ``free_memory_gib`` …), so checks and placement work on either.
    """

    def __init__(self, spec: Cluster, clock: Callable[[], float] | None = None) -> None:
        self.spec = spec
        self._clock = clock or (lambda: 0.0)
        self.hosts: Registry[HostRun] = Registry("Host")
        self.vms: Registry[VMRun] = Registry("VM")
        for name, host in spec.hosts.items():
            self.hosts._add(name, HostRun(host))
        for name, vm in spec.vms.items():
            self.vms._add(name, VMRun(vm))
        self._order = {h: i for i, h in enumerate(spec.hosts)}
        self._on: dict[str, dict[str, None]] = {h: {} for h in spec.hosts}  # ordered sets
        self._secondaries: dict[str, dict[str, None]] = {h: {} for h in spec.hosts}
        self._vms_gib = dict.fromkeys(spec.hosts, 0.0)
        self._sec_gib = dict.fromkeys(spec.hosts, 0.0)
        self._res_gib = dict.fromkeys(spec.hosts, 0.0)
        self.reservations: dict[int, Reservation] = {}
        self._ids = itertools.count(1)
        self.evacuating: set[str] = set()
        """Hosts entering maintenance mode: nothing new is placed on them."""
        self.quarantined: set[str] = set()
        """Hosts Proactive HA put in quarantine (:mod:`vmlab.proactive`)."""
        self.lost_datastores: dict[str, dict[str, str]] = {}
        """Host → datastore → ``'apd'`` or ``'pdl'``: paths lost in a storage fault
        (:mod:`vmlab.storage`)."""
        self.storage_history: list[Any] = []
        """The storage faults of the run, as :mod:`vmlab.storage` records them."""
        self.primary: str | None = spec.ha.primary if spec.ha is not None else None
        """vSphere HA's primary host of the main network segment (kept by the HA feature)."""
        for run in self.vms.values():
            self._on[run.host][run.name] = None
            self._vms_gib[run.host] += run.memory_gib
            if run.secondary_host is not None:
                self._secondaries[run.secondary_host][run.name] = None
                self._sec_gib[run.secondary_host] += run.memory_gib
        self.memory_log: list[tuple[float, str, float, float, float, float]] = []
        for h in spec.hosts:
            self._record(h)

    # -- the spec's static parts -------------------------------------------------------------

    @property
    def datastores(self) -> Any:
        return self.spec.datastores

    @property
    def networks(self) -> Any:
        return self.spec.networks

    @property
    def evc(self) -> str | None:
        return self.spec.evc

    @property
    def ha(self) -> Any:
        return self.spec.ha

    @property
    def name(self) -> str:
        return self.spec.name

    def order(self, host: str) -> int:
        """The host's position in the cluster (ties in placement go to the first)."""
        return self._order[host]

    # -- reading ---------------------------------------------------------------------------

    def vms_on(self, host: str) -> list[VMRun]:
        """The VMs registered on ``host`` (any state), in the order they were added."""
        return [self.vms[n] for n in self._on[self.hosts[host].name]]

    def secondaries_on(self, host: str) -> list[VMRun]:
        """The FT VMs whose secondary runs on ``host``."""
        return [self.vms[n] for n in self._secondaries[self.hosts[host].name]]

    def live_copies_on(self, host: str) -> list[str]:
        """What still runs on ``host``: live primaries and secondaries (e.g. ``'db-01'``,
        ``'db-01 (secondary)'``)."""
        live = [vm.name for vm in self.vms_on(host) if vm.state in LIVE_STATES]
        return live + [say(N_("{vm} (secondary)"), vm=vm.name) for vm in self.secondaries_on(host)]

    def used_memory_gib(self, host: str) -> float:
        """Memory of the VMs and FT secondaries on ``host`` (reservations not included)."""
        return self._vms_gib[host] + self._sec_gib[host]

    def reserved_gib(self, host: str) -> float:
        return self._res_gib[host]

    def free_memory_gib(self, host: str) -> float:
        """The host's memory less its VMs, FT secondaries and reservations."""
        return self.hosts[host].memory_gib - self.used_memory_gib(host) - self._res_gib[host]

    def used_vcpus(self, host: str) -> int:
        return sum(vm.vcpus for vm in self.vms_on(host)) + sum(
            vm.vcpus for vm in self.secondaries_on(host)
        )

    def pending_secondary(self, vm: str) -> str | None:
        """The host a new FT secondary of ``vm`` is being created on, if any."""
        for r in self.reservations.values():
            if r.vm == vm and r.why.startswith("FT secondary"):
                return r.host
        return None

    def incoming(self, vm: str) -> str | None:
        """The host ``vm`` is being moved to by a vMotion under way, if any."""
        for r in self.reservations.values():
            if r.vm == vm and r.why.startswith("vMotion"):
                return r.host
        return None

    def ft_vms_on(self, host: str) -> list[VMRun]:
        """FT VMs with a copy on ``host``: primaries there and secondaries."""
        return [vm for vm in self.vms_on(host) if vm.protection == "ft"] + self.secondaries_on(host)

    def __iter__(self) -> Iterator[str]:
        return iter(self.vms)

    # -- changing (every change of place goes through here) -----------------------------------

    def move_vm(self, vm: str, host: str) -> None:
        """Register ``vm`` on ``host`` (its memory moves with it)."""
        v = self.vms[vm]
        if host == v.host:
            return
        self.hosts[host]
        old = v.host
        del self._on[old][vm]
        self._vms_gib[old] -= v.memory_gib
        self._on[host][vm] = None
        self._vms_gib[host] += v.memory_gib
        v.host = host
        self._record(old)
        self._record(host)

    def set_secondary(self, vm: str, host: str | None) -> None:
        """Put ``vm``'s FT secondary on ``host`` (``None``: it has none)."""
        v = self.vms[vm]
        old = v.secondary_host
        if old == host:
            return
        if old is not None:
            del self._secondaries[old][vm]
            self._sec_gib[old] -= v.memory_gib
            self._record(old)
        if host is not None:
            self._secondaries[self.hosts[host].name][vm] = None
            self._sec_gib[host] += v.memory_gib
            self._record(host)
        v.secondary_host = host

    def reserve(self, host: str, gib: float, *, vm: str, why: str) -> Reservation:
        """Claim ``gib`` of memory on ``host`` until :meth:`release`."""
        r = Reservation(next(self._ids), self.hosts[host].name, float(gib), vm, why)
        self.reservations[r.id] = r
        self._res_gib[host] += r.gib
        self._record(host)
        return r

    def release(self, reservation: Reservation | None) -> None:
        """Give a reservation's memory back (a second release does nothing)."""
        if reservation is None or self.reservations.pop(reservation.id, None) is None:
            return
        self._res_gib[reservation.host] -= reservation.gib
        self._record(reservation.host)

    def _record(self, host: str) -> None:
        row = (
            self._clock(),
            host,
            round(self._vms_gib[host], 9),
            round(self._sec_gib[host], 9),
            round(self._res_gib[host], 9),
            self.hosts[host].memory_gib,
        )
        log = self.memory_log
        # one row per host and instant: a later change at the same time replaces it
        for i in range(len(log) - 1, max(len(log) - 40, -1), -1):
            if log[i][0] != row[0]:
                break
            if log[i][1] == host:
                log[i] = row
                return
        log.append(row)

    # -- the end of a run -----------------------------------------------------------------------

    def snapshot(self) -> Cluster:
        """A copy of the spec as the run left it (hosts' states, where each VM is, its state
        and secondary). Made only when asked for."""
        c = self.spec.copy()
        for name, host in self.hosts.items():
            c.hosts[name].state = host.state
        for name, vm in self.vms.items():
            spec = c.vms[name]
            spec.host, spec.state, spec.secondary_host = vm.host, vm.state, vm.secondary_host
            spec.datastore = vm.datastore
        if c.ha is not None and self.primary is not None:
            c.ha.primary = self.primary
        return c

    def __repr__(self) -> str:
        return _("<RunState of {name}: {hosts} hosts, {vms} VMs>").format(
            name=repr(self.spec.name), hosts=len(self.hosts), vms=len(self.vms)
        )
