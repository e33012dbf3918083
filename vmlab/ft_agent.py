"""vSphere FT during a run: failover, re-protection, logging-link cuts and maintenance.

The feature behind :mod:`vmlab.ft`'s second half (see that module for the story and the
published figures): a :class:`vmlab.sim.Simulation` starts :class:`FTAgent` when its cluster
has FT VMs. It never imports the simulation; it is handed a :class:`vmlab.features.Engine`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from vmlab.events import HOST_BACK, Event, EventKind
from vmlab.features import Engine, FeatureBase
from vmlab.ft import FAILOVER_DETECTION_S, HA_FAILURE_DETECTION_S, MAX_LAG_S, TEST_AND_SET_JITTER_S
from vmlab.i18n import _, ngettext
from vmlab.migration import precopy
from vmlab.units import format_duration
from vmlab.words import listing as _listing

if TYPE_CHECKING:
    import simpy

    from vmlab.cluster import Cluster
    from vmlab.state import Reservation, RunState

__all__ = ["FTAgent"]

PROTECTED, CREATING, UNPROTECTED, RACING, DOWN = (
    "protected",
    "creating",
    "unprotected",
    "racing",
    "down",
)


class FTAgent(FeatureBase):
    """The FT machinery of every FT VM in a simulation, as one feature.

    It claims the primaries whose secondary takes over when a host stops
    (:meth:`claim`), reacts to host failures, power-offs, returning hosts and running VMs
    (typed events), moves secondaries off a host entering maintenance (:meth:`evacuate`),
    and runs the scheduled logging-link cuts (:meth:`cut_logging`). Every host it picks
    comes from :func:`vmlab.placement.place`, and the memory of a secondary being created
    is reserved on its host until it is in step.

    ``status[vm]`` is one of ``'protected'`` (the secondary is in step), ``'creating'`` (a new
    secondary is being copied), ``'unprotected'`` (no secondary, none on the way), ``'racing'``
    (the logging link is cut; the test-and-set is not decided yet) or ``'down'`` (both copies
    lost; an HA-style restart is under way).
    """

    name = "ft"

    @classmethod
    def wanted(cls, spec: Cluster) -> bool:
        return any(vm.secondary_host is not None for vm in spec.vms.values())

    def __init__(self, sim: Engine) -> None:
        super().__init__(sim)
        self.sim = sim
        self.cluster: RunState = sim.state
        self.env = sim.env
        self._claimed: dict[str, set[str]] = {}
        self._reserved: dict[str, Reservation] = {}
        self.status: dict[str, str] = {}
        self.creating: dict[str, str] = {}  # vm -> host its new secondary is copied to
        self.waiting: set[str] = set()  # unprotected VMs with no host for a secondary yet
        self.cut_links: set[frozenset[str]] = set()  # host pairs whose logging link is cut
        self._gen: dict[str, int] = defaultdict(int)  # bump = cancel the VM's FT processes
        for vm in self.cluster.vms.values():
            if vm.secondary_host is not None:
                sim.set_vm_state(vm.name, "secondary", host=vm.secondary_host, copy="secondary")
                self.status[vm.name] = PROTECTED
        self.on(frozenset({EventKind.HOST_FAILED, EventKind.HOST_POWERED_OFF}), self._on_host_down)
        self.on(EventKind.VM_RUNNING, self._on_vm_running)
        self.on(HOST_BACK, self._on_host_back)

    # -- what the simulation calls ----------------------------------------------------------

    def claim(self, host: str) -> set[str]:
        """FT VMs whose primary is on ``host`` and whose secondary can take over: the
        simulation leaves these to FT instead of stopping them when ``host`` stops."""
        self._claimed[host] = self.failovers_for(host)
        return self._claimed[host]

    def _on_host_down(self, event: Event) -> None:
        self.host_failed(event.host, self._claimed.pop(event.host, set()))

    def failovers_for(self, host: str) -> set[str]:
        """FT VMs whose primary is on ``host`` and whose secondary can take over."""
        out = set()
        for name, status in self.status.items():
            vm = self.cluster.vms[name]
            if (
                status in (PROTECTED, RACING)
                and vm.host == host
                and vm.state != "down"
                and vm.secondary_host is not None
                and self.cluster.hosts[vm.secondary_host].state == "up"
            ):
                out.add(name)
        return out

    def host_failed(self, host: str, failovers: set[str]) -> None:
        """React to the failure of ``host`` (after the built-in handler stopped its VMs)."""
        for name in list(self.status):
            vm = self.cluster.vms[name]
            if name in failovers:
                self._failover(name, cause=f"{host} failed")
            elif vm.secondary_host == host:
                self._secondary_lost(name, host)
            elif self.creating.get(name) == host:
                self._gen[name] += 1
                self._cancel_creation(name)
                self.sim.log(
                    EventKind.FT_SECONDARY_FAILED, host=host, vm=name,
                    detail=_("{host} failed while the new secondary was being copied to it"
                             ).format(host=host),
                )  # fmt: skip
                self._reprotect(name)
            elif vm.host == host and vm.state == "down":
                self._both_lost(name, host)

    def check_cut(self, vm: str) -> None:
        """Refuse ``cut_ft_logging`` for a VM without FT (listing the FT VMs)."""
        self.cluster.vms[vm]
        if vm not in self.status:
            raise ValueError(
                _(
                    "VM {vm!r} has no FT, so it has no logging link to cut; VMs with FT: "
                    "{with_ft}. Turn it on first with cluster.enable_ft({vm!r})"
                ).format(vm=vm, with_ft=_listing(self.status) if self.status else _("(none)"))
            )

    def cut_logging(self, name: str) -> None:
        """The logging link of ``name`` is cut: both copies race for the test-and-set."""
        vm = self.cluster.vms[name]
        if self.status.get(name) != PROTECTED or vm.state not in ("running", "migrating"):
            self.sim.log(
                EventKind.FT_LOGGING_CUT, host=vm.host, vm=name,
                detail=_("no secondary in step, so there is nothing to race for"),
            )  # fmt: skip
            return
        primary, secondary = vm.host, vm.secondary_host
        assert secondary is not None
        lag = self._lag()
        rng = self.sim.rng
        t_primary = FAILOVER_DETECTION_S + float(rng.uniform(0, TEST_AND_SET_JITTER_S))
        t_secondary = FAILOVER_DETECTION_S + lag + float(rng.uniform(0, TEST_AND_SET_JITTER_S))
        self._gen[name] += 1
        self.status[name] = RACING
        self.cut_links.add(frozenset((primary, secondary)))
        self.sim.log(
            EventKind.FT_LOGGING_CUT, host=primary, vm=name,
            detail=_("the logging link between {primary} and {secondary} is cut: each copy "
                     "thinks the other has died; the primary holds its outputs (no "
                     "acknowledgements)").format(primary=primary, secondary=secondary),
        )  # fmt: skip
        self.sim.set_vm_state(name, "stunned", cause="FT logging link cut")
        self.env.process(self._race(name, primary, secondary, t_primary, t_secondary))

    # -- the steps ----------------------------------------------------------------------------

    def _lag(self) -> float:
        return float(self.sim.rng.uniform(0.01, MAX_LAG_S))

    def _failover(self, name: str, cause: str) -> None:
        vm = self.cluster.vms[name]
        new = vm.secondary_host
        assert new is not None
        self._gen[name] += 1
        gen = self._gen[name]
        lag = self._lag()
        self.sim.cancel_pending(name)
        self.status[name] = UNPROTECTED
        # The VM is now the copy on `new`: paused while the failure is detected and the lag
        # replayed; then it is live.
        self.sim.end_copy(name, "secondary")
        self.cluster.set_secondary(name, None)
        self.sim.set_vm_state(name, "stunned", host=new, cause=f"FT failover: {cause}")
        self.env.process(self._go_live(name, new, FAILOVER_DETECTION_S, lag, gen))

    def _go_live(
        self, name: str, host: str, detect_s: float, lag_s: float, gen: int
    ) -> Generator[Any, Any, None]:
        yield self.env.timeout(detect_s + lag_s)
        if self._gen[name] != gen:
            return
        self.sim.set_vm_state(name, "running", host=host)
        self.sim.log(
            EventKind.FT_FAILOVER, host=host, vm=name,
            detail=_("the secondary on {host} is live after {detect} of failure detection + "
                     "{lag} of lag; no restart, clients keep their connections").format(
                host=host, detect=format_duration(detect_s), lag=format_duration(lag_s)),
        )  # fmt: skip
        self.sim.log(
            EventKind.FT_UNPROTECTED, host=host, vm=name,
            detail=_(
                "no secondary until a new one is in step: another failure now means a restart"
            ),
        )  # fmt: skip
        self._reprotect(name)

    def _race(
        self, name: str, primary: str, secondary: str, t_primary: float, t_secondary: float
    ) -> Generator[Any, Any, None]:
        gen = self._gen[name]
        yield self.env.timeout(min(t_primary, t_secondary))
        if self._gen[name] != gen:
            return
        vm = self.cluster.vms[name]
        where = (
            _("datastore {datastore}").format(datastore=vm.datastore)
            if vm.datastore
            else _("shared storage")
        )
        self._gen[name] += 1
        self.status[name] = UNPROTECTED
        self.sim.end_copy(name, "secondary")
        self.cluster.set_secondary(name, None)
        if t_primary <= t_secondary:
            moving = self.cluster.incoming(name) is not None  # a vMotion goes on
            self.sim.set_vm_state(name, "migrating" if moving else "running", host=primary)
            self.sim.log(
                EventKind.FT_TEST_AND_SET, host=primary, vm=name,
                detail=_("the primary on {primary} won the atomic test-and-set on {where}; the "
                         "secondary on {secondary} lost and stops itself").format(
                    primary=primary, where=where, secondary=secondary),
            )  # fmt: skip
            where_now = primary
        else:
            self.sim.set_vm_state(name, "running", host=secondary)
            self.sim.log(
                EventKind.FT_TEST_AND_SET, host=secondary, vm=name,
                detail=_("the secondary on {secondary} won the atomic test-and-set on {where}; "
                         "the primary on {primary} lost and stops itself").format(
                    secondary=secondary, where=where, primary=primary),
            )  # fmt: skip
            self.sim.log(
                EventKind.FT_FAILOVER, host=secondary, vm=name,
                detail=_("the secondary on {host} is live; the old primary is gone").format(
                    host=secondary),
            )  # fmt: skip
            where_now = secondary
        self.sim.log(
            EventKind.FT_UNPROTECTED, host=where_now, vm=name,
            detail=_("exactly one copy goes on; no secondary until a new one is in step"),
        )  # fmt: skip
        self._reprotect(name)

    def _secondary_lost(self, name: str, host: str) -> None:
        vm = self.cluster.vms[name]
        racing = self.status.get(name) == RACING
        self._gen[name] += 1
        self.sim.end_copy(name, "secondary")
        self.cluster.set_secondary(name, None)
        self.status[name] = UNPROTECTED
        self.sim.log(
            EventKind.FT_SECONDARY_LOST, host=host, vm=name,
            detail=_("{host} failed with the secondary; the primary on {primary} runs on").format(
                host=host, primary=vm.host),
        )  # fmt: skip
        if racing and vm.state == "stunned":
            self.sim.set_vm_state(name, "running")
        if vm.state in ("running", "stunned"):
            self.sim.log(
                EventKind.FT_UNPROTECTED, host=vm.host, vm=name,
                detail=_("no secondary until a new one is in step"),
            )  # fmt: skip
            self._reprotect(name)

    def _both_lost(self, name: str, host: str) -> None:
        vm = self.cluster.vms[name]
        self._gen[name] += 1
        self._cancel_creation(name)
        self.waiting.discard(name)
        if vm.secondary_host is not None:  # a secondary on a host that is down already
            self.sim.end_copy(name, "secondary")
            self.cluster.set_secondary(name, None)
        self.status[name] = DOWN
        if "ha" in self.sim.features:  # HA (required by FT) restarts it like its other VMs
            self.sim.log(
                EventKind.FT_NO_SECONDARY, host=host, vm=name,
                detail=_("{host} failed while {vm} had no secondary in step: FT cannot help; "
                         "HA restarts it like any other VM once it declares {host} failed "
                         "(then {boot} of boot)").format(
                    host=host, vm=name, boot=format_duration(vm.boot_s)),
            )  # fmt: skip
            return
        self.sim.log(
            EventKind.FT_NO_SECONDARY, host=host, vm=name,
            detail=_("{host} failed while {vm} had no secondary in step: FT cannot help; HA "
                     "is off, so FT restarts it the way HA would ({detect} of detection + "
                     "{boot} of boot)").format(
                host=host, vm=name, detect=format_duration(HA_FAILURE_DETECTION_S),
                boot=format_duration(vm.boot_s)),
        )  # fmt: skip
        self.env.process(self._restart(name, host, self._gen[name]))

    def _restart(self, name: str, failed: str, gen: int) -> Generator[Any, Any, None]:
        """The fallback when HA is off (it was switched off after FT was enabled): restart the
        way HA would, after HA's failure detection, on the up host with the most free memory.
        With HA on, :class:`vmlab.ha.HAAgent` restarts the VM instead."""
        yield self.env.timeout(HA_FAILURE_DETECTION_S)
        vm = self.cluster.vms[name]
        if self._gen[name] != gen or vm.state != "down" or vm.host != failed:
            return
        target = self._restart_host(name)
        if target is None:
            self.sim.log(
                EventKind.FT_RESTART_WAITING, host=failed, vm=name,
                detail=_("no host has {gib:g} GiB free; it waits for {host}'s repair").format(
                    gib=vm.memory_gib, host=failed),
            )  # fmt: skip
            return
        cause = f"{failed} failed (no FT secondary)"
        self.sim.log(
            EventKind.FT_RESTART, host=target, vm=name,
            detail=_("booting on {host} after {detect} of failure detection").format(
                host=target, detect=format_duration(HA_FAILURE_DETECTION_S)),
        )  # fmt: skip
        self.sim.set_vm_state(name, "booting", host=target, cause=cause)
        self.sim.boot_vm(name, target, cause=cause)

    def _restart_host(self, name: str) -> str | None:
        return self.sim.place(name, "restart").host

    def _secondary_target(self, name: str, exclude: tuple[str, ...] = ()) -> str | None:
        vm = self.cluster.vms[name]
        cut = [h for h in self.cluster.hosts if frozenset((vm.host, h)) in self.cut_links]
        # the cut link cannot carry the copy
        return self.sim.place(
            name, "secondary", exclude=(*exclude, *cut), unreachable=_("logging link cut")
        ).host

    def _reprotect(self, name: str) -> None:
        """Start copying a new secondary to a third host (or wait for one to come back)."""
        vm = self.cluster.vms[name]
        target = self._secondary_target(name)
        if target is None:
            self.status[name] = UNPROTECTED
            self.waiting.add(name)
            self.sim.log(
                EventKind.FT_UNPROTECTED, host=vm.host, vm=name,
                detail=_("no host can take a new secondary now (CPU, room or FT limits); "
                         "FT tries again when a host comes back"),
            )  # fmt: skip
            return
        self.waiting.discard(name)
        self._cancel_creation(name)
        self.status[name] = CREATING
        self.creating[name] = target
        self._reserved[name] = self.cluster.reserve(
            target, vm.memory_gib, vm=name, why=f"FT secondary of {name} being created"
        )
        self._gen[name] += 1
        self.env.process(self._copy_secondary(name, target, self._gen[name]))

    def _cancel_creation(self, name: str) -> None:
        """Forget a secondary under way: its reserved memory is given back."""
        self.creating.pop(name, None)
        self.cluster.release(self._reserved.pop(name, None))

    def _copy_secondary(self, name: str, target: str, gen: int) -> Generator[Any, Any, None]:
        vm = self.cluster.vms[name]
        link = self.cluster.networks["ft_logging"].bandwidth_gbit_s
        copy = precopy(vm.memory_gib, vm.dirty_rate_mib_s, vm.working_set_gib, link)
        self.sim.log(
            EventKind.FT_SECONDARY_STARTING, host=target, vm=name,
            detail=ngettext(
                "copying {gib:g} GiB from {host} over the {link:g} Gbit/s FT logging network "
                "({n} pre-copy round, {time})",
                "copying {gib:g} GiB from {host} over the {link:g} Gbit/s FT logging network "
                "({n} pre-copy rounds, {time})",
                copy.n_rounds,
            ).format(gib=vm.memory_gib, host=vm.host, link=link, n=copy.n_rounds,
                     time=format_duration(copy.total_time_s)),
        )  # fmt: skip
        yield self.env.timeout(copy.total_time_s)
        if self._gen[name] != gen:
            return
        self._cancel_creation(name)
        if (
            vm.state not in ("running", "migrating")
            or self.cluster.hosts[target].state != "up"
            or target in self.cluster.evacuating
            or target == vm.host
        ):
            self.status[name] = UNPROTECTED
            self._reprotect(name)
            return
        self.cluster.set_secondary(name, target)
        self.status[name] = PROTECTED
        self.sim.set_vm_state(name, "secondary", host=target, copy="secondary")
        self.sim.log(
            EventKind.FT_SECONDARY_CREATED, host=target, vm=name,
            detail=_("the new secondary on {host} is in step after {time}: {vm} is protected "
                     "again").format(host=target, time=format_duration(copy.total_time_s),
                                     vm=name),
        )  # fmt: skip

    # -- maintenance mode -----------------------------------------------------------------------

    def evacuate(self, host: str) -> list[simpy.Process]:
        """Move every secondary off ``host`` (entering maintenance) with vMotion; a secondary
        being created there starts again elsewhere. (A simplification: each secondary's copy
        gets the whole vMotion link, instead of sharing it with the VMs leaving the host.)"""
        for name, target in list(self.creating.items()):
            if target == host:
                self._gen[name] += 1
                self._cancel_creation(name)
                self._reprotect(name)
        moves = []
        for vm in self.cluster.secondaries_on(host):
            if self.status.get(vm.name) != PROTECTED:
                continue
            new_host = self._secondary_target(vm.name, exclude=(host,))
            if new_host is None:
                self.sim.log(
                    EventKind.FT_UNPROTECTED, host=host, vm=vm.name,
                    detail=_("no other host can take the secondary of {vm} (CPU, room or "
                             "FT limits): it stays on {host}").format(vm=vm.name, host=host),
                )  # fmt: skip
                continue
            reservation = self.cluster.reserve(
                new_host, vm.memory_gib, vm=vm.name, why=f"FT secondary of {vm.name} moving"
            )
            self._gen[vm.name] += 1
            moves.append(
                self.env.process(
                    self._move_secondary(vm.name, host, new_host, reservation, self._gen[vm.name])
                )
            )
        return moves

    def _move_secondary(
        self, name: str, source: str, target: str, reservation: Reservation, gen: int
    ) -> Generator[Any, Any, None]:
        vm = self.cluster.vms[name]
        net = self.cluster.networks.get("vmotion") or self.cluster.networks["ft_logging"]
        copy = precopy(vm.memory_gib, vm.dirty_rate_mib_s, vm.working_set_gib, net.bandwidth_gbit_s)
        try:
            yield self.env.timeout(copy.total_time_s)
        finally:
            self.cluster.release(reservation)
        if self._gen[name] != gen or vm.secondary_host != source:
            return
        if self.cluster.hosts[target].state != "up" or target == vm.host:
            return
        self.sim.end_copy(name, "secondary")
        self.cluster.set_secondary(name, target)
        self.sim.set_vm_state(name, "secondary", host=target, copy="secondary")
        self.sim.log(
            EventKind.FT_SECONDARY_MOVED, host=target, vm=name,
            detail=_("the secondary moved from {source} to {target} with vMotion in {time}; "
                     "{vm} stayed protected").format(source=source, target=target,
                                                    time=format_duration(copy.total_time_s),
                                                    vm=name),
        )  # fmt: skip

    # -- subscriptions ------------------------------------------------------------------------

    def _on_vm_running(self, event: Event) -> None:
        name = event.vm
        if self.status.get(name) == DOWN and self.cluster.vms[name].state == "running":
            self.status[name] = UNPROTECTED
            self.sim.log(
                EventKind.FT_UNPROTECTED, host=event.host, vm=name,
                detail=_("running again after a restart; FT starts a new secondary"),
            )  # fmt: skip
            self._reprotect(name)

    def _on_host_back(self, event: Event) -> None:
        order = list(self.cluster.vms)
        for name in sorted(self.waiting, key=order.index):
            if self.cluster.vms[name].state == "running" and self.status[name] == UNPROTECTED:
                self._reprotect(name)
