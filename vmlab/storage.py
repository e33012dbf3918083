"""When the storage fails: All Paths Down, Permanent Device Loss and VM Component Protection.

A host can lose a datastore while it keeps running and keeps its network: a cable, a switch
port or an HBA fails (**All Paths Down**, APD: the host does not know whether the paths come
back, so it keeps retrying the I/O), or the array tells the host the device is gone for good
(**Permanent Device Loss**, PDL). Either way the VMs whose disks are there stop doing I/O:
their service stops answering, but the host is up, sends its heartbeats, and plain HA sees
nothing to restart.

**VM Component Protection** (VMCP, vSphere 6.0+, part of HA: ``enable_ha(vmcp=...)``) is the
answer: it terminates the affected VMs and HA restarts them on a host that still sees the
datastore (VMware vSphere 6.0 Availability guide; figures.md "vSphere HA", VMCP row):

- PDL: at once;
- APD: only after the host's APD timeout (:data:`vmlab.ha_settings.APD_TIMEOUT_S`, 140 s)
  and VMCP's delay for VM failover (:data:`vmlab.ha_settings.VMCP_APD_DELAY_S`, 180 s by
  default) — about 320 s after the paths went — and not at all when the paths come back
  before that;
- responses (:data:`vmlab.ha_settings.VMCP_RESPONSES`): disabled (vSphere's default), issue
  events, or power off and restart, *conservative* (only when HA can confirm another host can
  take the VM) or *aggressive* (also when the host cannot reach the primary, e.g. in a network
  partition). Neither terminates a VM that no other host can take.

>>> from vmlab import Cluster, Simulation
>>> c = Cluster.example()
>>> _ = c.enable_ha(vmcp="conservative")
>>> sim = Simulation(c, seed=0)
>>> sim.storage_fault("san-01", kind="apd", at_s=60, hosts=["esx-03"])
>>> t = sim.run(until_s=900)
>>> t.outages()[["vm", "start_s", "down_s"]].head(2)
       vm  start_s  down_s
0  web-03     60.0   365.0
1  web-19     60.0   365.0

320 s of APD timeout and VMCP delay, then the 45 s boot of a web server elsewhere.

Where vmlab simplifies (say so when you teach it):

- a storage fault stops every affected VM's service at once (in vSphere a guest may survive a
  short APD from its cache, or crash on its own); when the paths of an APD come back in time,
  the guest resumes (vSphere can also reset it: ``vmReactionOnAPDCleared``, not modelled);
- after a PDL is healed (the LUN presented again), the VMs still on the host are powered on
  again there (in vSphere an administrator does that);
- one VMCP response for APD and PDL (vSphere sets them separately);
- VMCP restarts in priority order at once; it does not wait for readiness like HA's restarts;
- FT VMs are left out: VMCP does not protect them (vSphere turns it off for FT VMs, VMware
  vSphere 6.0 Availability guide, "Fault Tolerance interoperability"), and vmlab does not
  model what an FT pair does when one copy loses its storage.

This module is one feature of the engine (:class:`StorageFaults`, registered in
:data:`vmlab.sim.FEATURES`); the scheduling methods are ``Simulation.storage_fault`` and
``Simulation.heal_storage``. While a host has lost a datastore, placement sends no VM whose
disks are there to it (:func:`vmlab.placement.lost_datastores`), and HA no longer counts that
datastore's heartbeats from it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from vmlab import checks
from vmlab.events import HOST_BACK, Event, EventKind
from vmlab.features import Engine, FeatureBase
from vmlab.ha_log import priority_words
from vmlab.ha_settings import PRIORITY_ORDER
from vmlab.i18n import N_, _, ngettext
from vmlab.units import format_duration
from vmlab.words import listing

if TYPE_CHECKING:
    from vmlab.cluster import Cluster

__all__ = [
    "FAULT_KINDS", "Fault", "StorageFaults", "affected_vms", "fault_table", "how_ha_read",
    "lost_at",
]  # fmt: skip

FAULT_KINDS = ("apd", "pdl")
"""``apd``: All Paths Down (transient or unknown: the host retries); ``pdl``: Permanent Device
Loss (the array says the device is gone) (VMware vSphere 6.0 Availability guide)."""

_VMCP_WORDS = {
    # TRANSLATORS: a VMCP response (a setting of vSphere HA), in "VMCP (conservative) terminates …"
    "issue_events": N_("issue events"),
    "conservative": N_("conservative"),
    "aggressive": N_("aggressive"),
}

_HANGS = ("running", "booting")
"""States in which a VM's I/O stops when its host loses the datastore (a VM being moved by
vMotion is checked when its move ends)."""


@dataclass
class Fault:
    """One scheduled storage fault: ``hosts`` lose ``datastore`` from ``at_s`` (until
    ``heal_at_s``; ``None``: until the run ends)."""

    datastore: str
    kind: str
    hosts: tuple[str, ...]
    at_s: float
    heal_at_s: float | None = None
    vmcp_due: bool = False  # APD: the timeout and the VMCP delay have passed

    def covers(self, t: float) -> bool:
        return self.at_s <= t and (self.heal_at_s is None or t < self.heal_at_s)

    @property
    def where(self) -> str:
        return listing(list(self.hosts))


class StorageFaults(FeatureBase):
    """Storage faults and VM Component Protection, as one feature of a run.

    It keeps which datastores each host has lost (``engine.state.lost_datastores``, read by
    placement and HA), stops the I/O of the VMs there, and applies the VMCP response of
    ``cluster.ha.vmcp``. It reacts to VMs that start booting or running, or end a vMotion, on
    a host that lost their datastore (their I/O stops there too), and to hosts coming back
    (a VM VMCP had no room for is tried again).
    """

    name = "storage"

    @classmethod
    def wanted(cls, spec: Cluster) -> bool:
        return True  # a storage fault needs no HA: without VMCP the VMs just hang

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.sim = engine
        self.spec = engine.spec
        self.lost: dict[str, dict[str, str]] = {h: {} for h in engine.spec.hosts}
        engine.state.lost_datastores = self.lost
        self.history: list[tuple[float, str, str, str]] = []  # (t, host, datastore, kind or "")
        engine.state.storage_history = self.history
        self.faults: list[Fault] = []
        self.active: list[Fault] = []
        self.hung: dict[str, Fault] = {}  # VM whose I/O has stopped -> the fault
        self.hangs: list[tuple[str, str]] = []  # every (vm, datastore) whose I/O stopped
        engine.state.storage_hangs = self.hangs  # type: ignore[attr-defined]  # affected_vms()
        self.waiting: dict[str, Fault] = {}  # VMCP found no host yet
        self.on(
            frozenset(
                {
                    EventKind.VM_BOOTING,
                    EventKind.VM_RUNNING,
                    EventKind.VMOTION_COMPLETED,
                    EventKind.VMOTION_ABORTED,
                    EventKind.VMOTION_FAILED,
                }
            ),
            self._recheck,
        )
        self.on(HOST_BACK, lambda _event: self._retry())

    # -- scheduling (called by Simulation.storage_fault / heal_storage) ----------------------

    def plan_fault(
        self,
        datastore: str,
        kind: str,
        at_s: float,
        hosts: list[str] | str | None,
        heal_at_s: float | None,
    ) -> list[tuple[float, str, Callable[[], None]]]:
        """Check a fault and return its actions ``(t, label, action)``; record it only when
        every check passed (a rejected call changes nothing)."""
        if not isinstance(datastore, str):
            raise ValueError(
                _("datastore must be a name such as 'san-01', not {datastore!r}").format(
                    datastore=datastore
                )
            )
        ds = self.spec.datastores[datastore]  # unknown → NotFoundError listing the datastores
        if kind not in FAULT_KINDS:
            raise ValueError(
                _(
                    "Storage fault kind {kind!r} is not known; choose 'apd' (All Paths Down: "
                    "the paths may come back) or 'pdl' (Permanent Device Loss)"
                ).format(kind=kind)
            )
        users = [vm.name for vm in self.spec.vms.values() if vm.datastore == datastore]
        if not users:
            where = sorted({vm.datastore for vm in self.spec.vms.values()})
            raise ValueError(
                _(
                    "No VM keeps its disks on {datastore}, so losing it stops nothing; the VMs "
                    "use {used}"
                ).format(
                    datastore=datastore,
                    used=listing(where) if where else _("(no datastore: add VMs first)"),
                )
            )
        if hosts is None:
            chosen = [h for h in self.spec.hosts if ds.visible_from(h)]
        else:
            chosen = [hosts] if isinstance(hosts, str) else list(hosts)
            if not chosen:
                raise ValueError(_("hosts must name at least one host (or None: every host)"))
            for h in chosen:
                if not isinstance(h, str):
                    raise ValueError(
                        _("hosts must be host names such as 'esx-03', not {host!r}").format(host=h)
                    )
                self.spec.hosts[h]
                if not ds.visible_from(h):
                    raise ValueError(
                        _("{host} does not see {datastore}, so it cannot lose it").format(
                            host=h, datastore=datastore
                        )
                    )
            if len(set(chosen)) != len(chosen):
                raise ValueError(_("A host is named twice in hosts={hosts!r}").format(hosts=hosts))
        if heal_at_s is not None and heal_at_s <= at_s:
            raise ValueError(
                _("heal_at_s ({heal_at_s:g}) must come after at_s ({at_s:g})").format(
                    heal_at_s=heal_at_s, at_s=at_s
                )
            )
        fault = Fault(datastore, kind, tuple(chosen), at_s, heal_at_s)
        for other in self.faults:
            end = float("inf") if other.heal_at_s is None else other.heal_at_s
            mine = float("inf") if heal_at_s is None else heal_at_s
            shared = set(other.hosts) & set(chosen)
            if other.datastore == datastore and shared and at_s < end and other.at_s < mine:
                raise ValueError(
                    _(
                        "{hosts} already lose {datastore} from {at_s:g} s ({kind}); heal that "
                        "fault first or start this one later"
                    ).format(
                        hosts=listing(sorted(shared)),
                        datastore=datastore,
                        at_s=other.at_s,
                        kind=other.kind.upper(),
                    )
                )
        self.faults.append(fault)
        actions: list[tuple[float, str, Callable[[], None]]] = [
            (at_s, f"storage_{kind}", lambda: self.begin(fault))
        ]
        if heal_at_s is not None:
            actions.append((heal_at_s, "storage_healed", lambda: self.heal(fault)))
        return actions

    def plan_heal(
        self, datastore: str, at_s: float, hosts: list[str] | str | None
    ) -> tuple[float, str, Callable[[], None]]:
        """Check a heal: a scheduled fault on ``datastore`` must still be on at ``at_s``."""
        if not isinstance(datastore, str):
            raise ValueError(
                _("datastore must be a name such as 'san-01', not {datastore!r}").format(
                    datastore=datastore
                )
            )
        self.spec.datastores[datastore]
        on = [f for f in self.faults if f.datastore == datastore and f.covers(at_s)]
        if hosts is not None:
            wanted = {hosts} if isinstance(hosts, str) else set(hosts)
            on = [f for f in on if wanted <= set(f.hosts)]
        if not on:
            planned = [
                (
                    _("{kind} on {datastore} from {at_s:g} s")
                    if f.heal_at_s is None
                    else _("{kind} on {datastore} from {at_s:g} s to {heal_at_s:g} s")
                ).format(
                    kind=f.kind.upper(), datastore=f.datastore, at_s=f.at_s, heal_at_s=f.heal_at_s
                )
                for f in self.faults
            ]
            raise ValueError(
                _(
                    "There is no storage fault on {datastore} to heal at {at_s:g} s; scheduled "
                    "faults: {planned}. Schedule one first with "
                    "sim.storage_fault({datastore!r}, kind='apd', at_s=…)"
                ).format(datastore=datastore, at_s=at_s, planned=", ".join(planned) or _("(none)"))
            )
        fault = on[0]
        fault.heal_at_s = at_s
        return (at_s, "storage_healed", lambda: self.heal(fault))

    # -- during the run -----------------------------------------------------------------------

    def begin(self, fault: Fault) -> None:
        sim = self.sim
        for h in fault.hosts:
            self.lost[h][fault.datastore] = fault.kind
            self.history.append((sim.now, h, fault.datastore, fault.kind))
        self.active.append(fault)
        vms = [
            vm.name
            for h in fault.hosts
            for vm in sim.state.vms_on(h)
            if vm.datastore == fault.datastore and vm.state in _HANGS and vm.protection != "ft"
        ]
        host = fault.hosts[0] if len(fault.hosts) == 1 else ""
        if fault.kind == "apd":
            self.sim.log(
                EventKind.DATASTORE_APD, host=host,
                detail=ngettext(
                    "{hosts} lost every path to {datastore} (All Paths Down): the host retries "
                    "the I/O of {n} VM, whose service stops",
                    "{hosts} lost every path to {datastore} (All Paths Down): the host retries "
                    "the I/O of {n} VMs, whose service stops",
                    len(vms),
                ).format(hosts=fault.where, datastore=fault.datastore, n=len(vms)),
            )  # fmt: skip
        else:
            self.sim.log(
                EventKind.DATASTORE_PDL, host=host,
                detail=ngettext(
                    "the array reports {datastore} gone for good to {hosts} (Permanent Device "
                    "Loss): {n} VM stops",
                    "the array reports {datastore} gone for good to {hosts} (Permanent Device "
                    "Loss): {n} VMs stop",
                    len(vms),
                ).format(datastore=fault.datastore, hosts=fault.where, n=len(vms)),
            )  # fmt: skip
        for name in vms:
            self._hang(name, fault)
        if fault.kind == "apd":
            sim.process(self._apd_clock(fault))
        else:
            self._respond(fault, vms)

    def _hang(self, name: str, fault: Fault) -> None:
        sim = self.sim
        vm = sim.state.vms[name]
        sim.cancel_pending(name)
        self.hung[name] = fault
        self.hangs.append((name, fault.datastore))
        sim.set_vm_state(name, "down", cause=f"{fault.kind.upper()} on {fault.datastore}")
        sim.log(
            EventKind.VM_DOWN, host=vm.host, vm=name,
            detail=_("its disks on {datastore} do not answer: {service} service stops").format(
                datastore=fault.datastore, service=vm.service),
        )  # fmt: skip

    def _apd_clock(self, fault: Fault) -> Generator[Any, Any, None]:
        cfg = self.spec.ha
        timeout = cfg.apd_timeout_s if cfg is not None else 140.0
        yield self.sim.env.timeout(timeout)
        if fault not in self.active:
            return
        vms = self._hung_by(fault)
        self.sim.log(
            EventKind.APD_TIMEOUT, host=fault.hosts[0] if len(fault.hosts) == 1 else "",
            detail=ngettext(
                "{datastore}: no path for {timeout} (the APD timeout); {n} VM still hangs",
                "{datastore}: no path for {timeout} (the APD timeout); {n} VMs still hang",
                len(vms),
            ).format(datastore=fault.datastore, timeout=format_duration(timeout), n=len(vms)),
        )  # fmt: skip
        if cfg is None or cfg.vmcp == "disabled" or not vms:
            return
        if cfg.vmcp == "issue_events":
            self._respond(fault, vms)
            return
        delay = cfg.vmcp_apd_delay_s
        self.sim.log(
            EventKind.VMCP_WARNING, host=fault.hosts[0] if len(fault.hosts) == 1 else "",
            detail=ngettext(
                "VMCP ({response}) terminates and restarts {n} VM in {delay} unless the paths "
                "come back",
                "VMCP ({response}) terminates and restarts {n} VMs in {delay} unless the paths "
                "come back",
                len(vms),
            ).format(response=_vmcp_words(cfg.vmcp), n=len(vms), delay=format_duration(delay)),
        )  # fmt: skip
        yield self.sim.env.timeout(delay)
        if fault not in self.active:
            return
        fault.vmcp_due = True
        self._respond(fault, self._hung_by(fault))

    def _hung_by(self, fault: Fault) -> list[str]:
        """The VMs this fault still holds: down on one of its hosts (HA may have restarted
        some elsewhere meanwhile, e.g. when their host also failed)."""
        vms = self.sim.state.vms
        for n in [n for n, f in self.hung.items() if f is fault]:
            if vms[n].host not in fault.hosts or vms[n].state not in ("down",):
                del self.hung[n]
        return [n for n, f in self.hung.items() if f is fault]

    def _respond(self, fault: Fault, vms: list[str]) -> None:
        """Apply the VMCP response to ``vms`` (PDL at once; APD once its delay is over)."""
        cfg = self.spec.ha
        if cfg is None or cfg.vmcp == "disabled" or not vms:
            return
        if cfg.vmcp == "issue_events":
            for name in vms:
                self.sim.log(
                    EventKind.VMCP_WARNING, host=self.sim.state.vms[name].host, vm=name,
                    detail=_("{kind} on {datastore}: VMCP only raises an event; the VM stays "
                             "down until someone acts").format(kind=fault.kind.upper(),
                                                               datastore=fault.datastore),
                )  # fmt: skip
            return
        order = {p: i for i, p in enumerate(PRIORITY_ORDER)}
        names = sorted(vms, key=lambda n: order.get(self.sim.state.vms[n].restart_priority, 99))
        for name in names:
            self._terminate_and_restart(name, fault, cfg.vmcp)

    def _reaches_primary(self, host: str) -> bool:
        state = self.sim.state
        if state.hosts[host].state != "up" or state.primary is None:
            return False
        sides = self.sim.partition_sides
        return sides is None or any(host in s and state.primary in s for s in sides)

    def _terminate_and_restart(self, name: str, fault: Fault, response: str) -> None:
        sim = self.sim
        vm = sim.state.vms[name]
        host = vm.host
        if self.hung.get(name) is not fault or vm.state != "down":
            return
        if vm.restart_priority == "disabled":
            sim.log(
                EventKind.VMCP_NOT_TERMINATED, host=host, vm=name,
                detail=_("its restart priority is disabled, so VMCP cannot restart it"),
            )  # fmt: skip
            return
        side = [h for h in sim.state.hosts if self._reaches_primary(h)]
        if not self._reaches_primary(host):
            if response == "conservative":
                sim.log(
                    EventKind.VMCP_NOT_TERMINATED, host=host, vm=name,
                    detail=_("{host} cannot reach the primary to confirm another host can "
                             "take it; the conservative response leaves it (aggressive would "
                             "terminate it)").format(host=host),
                )  # fmt: skip
                return
            side = side or [h for h in sim.state.hosts if h != host]
        choice = sim.place(name, "restart", candidates=side)
        if choice.host is None:
            self.waiting[name] = fault
            sim.log(
                EventKind.VMCP_NOT_TERMINATED, host=host, vm=name,
                detail=_("no host can take it ({why}): VMCP does not terminate a VM it "
                         "cannot restart; it tries again when a host comes back").format(
                    why=choice.why_not(most=2)),
            )  # fmt: skip
            return
        self.waiting.pop(name, None)
        self.hung.pop(name, None)
        lost = format_duration(sim.now - fault.at_s)
        cause = "restarted by VMCP"
        sim.log(
            EventKind.VMCP_TERMINATED, host=host, vm=name,
            detail=_("{kind} on {datastore} for {lost}: VMCP powers it off so HA can restart "
                     "it where the datastore is seen").format(kind=fault.kind.upper(),
                                                              datastore=fault.datastore,
                                                              lost=lost),
        )  # fmt: skip
        sim.log(
            EventKind.RESTART_ISSUED, host=choice.host, vm=name,
            detail=_("from {host}, by VMCP, {priority}").format(
                host=host, priority=priority_words(vm.restart_priority)),
        )  # fmt: skip
        sim.set_vm_state(name, "booting", host=choice.host, cause=cause)
        sim.boot_vm(name, choice.host, cause=cause)

    def heal(self, fault: Fault) -> None:
        sim = self.sim
        if fault not in self.active:
            return
        self.active.remove(fault)
        for h in fault.hosts:
            if self.lost[h].get(fault.datastore) == fault.kind:
                del self.lost[h][fault.datastore]
                self.history.append((sim.now, h, fault.datastore, ""))
        names = self._hung_by(fault)
        for n in names:
            self.hung.pop(n, None)
            self.waiting.pop(n, None)
        pending = fault.kind == "apd" and not fault.vmcp_due and self.spec.ha is not None
        vmcp = self.spec.ha.vmcp if self.spec.ha is not None else "disabled"
        cancelled = pending and vmcp in ("conservative", "aggressive") and names
        one = len(fault.hosts) == 1
        if fault.kind == "apd":
            said = (
                _("{hosts} sees {datastore} again after {after}: their I/O resumes")
                if one
                else _("{hosts} see {datastore} again after {after}: their I/O resumes")
            )
        else:
            said = (
                _(
                    "{hosts} sees {datastore} again after {after}: the VMs still there are "
                    "powered on again (PDL needs a power cycle)"
                )
                if one
                else _(
                    "{hosts} see {datastore} again after {after}: the VMs still there are "
                    "powered on again (PDL needs a power cycle)"
                )
            )
        sim.log(
            EventKind.DATASTORE_RECOVERED, host=fault.hosts[0] if one else "",
            detail=said.format(hosts=fault.where, datastore=fault.datastore,
                               after=format_duration(sim.now - fault.at_s)),
        )  # fmt: skip
        if cancelled:
            sim.log(
                EventKind.VMCP_CANCELLED,
                detail=ngettext(
                    "the paths came back before VMCP's delay ended: {n} VM is not terminated",
                    "the paths came back before VMCP's delay ended: {n} VMs are not terminated",
                    len(names),
                ).format(n=len(names)),
            )
        for name in names:
            vm = sim.state.vms[name]
            if vm.state != "down" or sim.state.hosts[vm.host].state != "up":
                continue
            if fault.kind == "apd":
                sim.set_vm_state(name, "running")
                sim.log(
                    EventKind.VM_RUNNING, host=vm.host, vm=name,
                    detail=_("its disks answer again: service answers again"),
                )  # fmt: skip
            else:
                sim.boot_vm(name, vm.host, cause=f"PDL on {fault.datastore}")
        self._retry()

    def _recheck(self, event: Event) -> None:
        """A VM now boots or runs (or ended a vMotion) on a host that lost its datastore (a
        repaired host powers its VMs on): it cannot do I/O there, so it hangs at once."""
        if not event.vm or event.vm not in self.sim.state.vms:
            return
        vm = self.sim.state.vms[event.vm]
        kind = self.lost[vm.host].get(vm.datastore)
        if kind is None or vm.state not in _HANGS or vm.protection == "ft":
            return
        fault = next(f for f in self.active if f.datastore == vm.datastore and vm.host in f.hosts)
        self._hang(vm.name, fault)
        if fault.kind == "pdl" or fault.vmcp_due:
            self._respond(fault, [vm.name])

    def _retry(self) -> None:
        cfg = self.spec.ha
        if not self.waiting or cfg is None:
            return
        for name, fault in list(self.waiting.items()):
            self._terminate_and_restart(name, fault, cfg.vmcp)


# ----------------------------------------------------------------------------------------
# Reading a run
# ----------------------------------------------------------------------------------------


def _vmcp_words(response: str) -> str:
    """A VMCP response in the current language (``'conservative'`` → "保守")."""
    words = _VMCP_WORDS.get(response)
    return _(words) if words else response


def affected_vms(timeline: Any, datastore: str | None = None) -> list[str]:
    """The VMs whose I/O a storage fault stopped during the run (on ``datastore``, or any),
    in cluster order.

    >>> from vmlab import Cluster, Simulation
    >>> sim = Simulation(Cluster.example(), seed=0)
    >>> sim.storage_fault("san-01", kind="pdl", at_s=10, hosts="esx-03")
    >>> affected_vms(sim.run(until_s=60))
    ['web-03', 'web-19', 'app-11', 'mail-03', 'file-11']
    """
    checks.timeline(timeline)
    hangs = getattr(timeline.final, "storage_hangs", ())
    names = {vm for vm, ds in hangs if datastore is None or ds == datastore}
    return [vm for vm in timeline.spec.vms if vm in names]


def how_ha_read(timeline: Any, host: str) -> str:
    """How HA's primary read a host it stopped hearing: ``'failed'`` (declared failed),
    ``'isolated'`` (the host declared itself isolated: it says so in its file on a heartbeat
    datastore), ``'partitioned'`` (unreachable, but datastore heartbeats go on and it is not
    isolated), or ``'fine'`` (HA never lost it).

    >>> from vmlab import Cluster, Simulation
    >>> c = Cluster.example()
    >>> _ = c.enable_ha()
    >>> sim = Simulation(c, seed=0)
    >>> sim.isolate_host("esx-03", at_s=10)
    >>> how_ha_read(sim.run(until_s=120), "esx-03")
    'isolated'
    """
    checks.timeline(timeline)
    checks.name(host, timeline.spec.hosts, "Host")
    ev = timeline.events
    mine = ev[ev.host == host]
    if (mine.kind == "host_declared_failed").any():
        return "failed"
    if (mine.kind == "host_isolated").any():
        return "isolated"
    if (ev.kind == "partition").any() and (ev.kind == "host_unreachable").any():
        return "partitioned"
    return "fine"


def lost_at(timeline: Any, t_s: float) -> dict[str, dict[str, str]]:
    """Which datastores each host had lost at ``t_s`` in a run (host → datastore → ``'apd'``
    or ``'pdl'``; hosts that lost none are left out).

    >>> from vmlab import Cluster, Simulation
    >>> sim = Simulation(Cluster.example(), seed=0)
    >>> sim.storage_fault("san-01", at_s=10, hosts="esx-03", heal_at_s=100)
    >>> t = sim.run(until_s=200)
    >>> lost_at(t, 50), lost_at(t, 150)
    ({'esx-03': {'san-01': 'apd'}}, {})
    """
    checks.timeline(timeline)
    checks.time_s(t_s, "t_s", high=timeline.until_s)
    now: dict[str, dict[str, str]] = {}
    for t, host, ds, kind in getattr(timeline.final, "storage_history", ()):
        if t > t_s:
            break
        if kind:
            now.setdefault(host, {})[ds] = kind
        else:
            now.get(host, {}).pop(ds, None)
    return {h: d for h, d in now.items() if d}


def fault_table(timeline: Any) -> pd.DataFrame:
    """One row per storage event of a run: ``t_s, kind, host, vm, detail`` (faults, APD
    timeouts, VMCP's actions, recoveries)."""
    checks.timeline(timeline)
    kinds = {
        EventKind.DATASTORE_APD, EventKind.DATASTORE_PDL, EventKind.APD_TIMEOUT,
        EventKind.DATASTORE_RECOVERED, EventKind.VMCP_WARNING, EventKind.VMCP_TERMINATED,
        EventKind.VMCP_CANCELLED, EventKind.VMCP_NOT_TERMINATED,
    }  # fmt: skip
    ev = timeline.events
    return ev[ev.kind.isin([k.value for k in kinds])].reset_index(drop=True)
