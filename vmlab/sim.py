"""Simulated time for a cluster: scheduled actions, the event log and the timeline result.

    >>> from vmlab import Cluster, Simulation
    >>> sim = Simulation(Cluster.example(), seed=0)
    >>> sim.fail_host("esx-03", at_s=60)
    >>> sim.repair_host("esx-03", at_s=600)
    >>> timeline = sim.run(until_s=900)
    >>> timeline.outages()[["vm", "down_s"]].head(2)
           vm  down_s
    0  web-03   585.0
    1  web-19   585.0

The simulation works on its own copy of the cluster, so the cluster you pass in is never
changed. Every state change is logged as an event and as a state interval; the results are
pandas DataFrames (:class:`Timeline`).

Feature models (vMotion, HA, FT) plug in through the small API below — :meth:`Simulation.log`,
:meth:`Simulation.set_vm_state`, :meth:`Simulation.boot_vm`, :meth:`Simulation.subscribe` —
and never import this module's internals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import simpy

from vmlab import ft, ha, vmotion  # ft: FT (issue 5)
from vmlab.cluster import Cluster, NotFoundError
from vmlab.units import format_clock, format_duration

SimTime = float
"""Simulated time in seconds since the start of the run."""

VM_STATES = ("running", "stunned", "down", "booting", "migrating", "secondary", "off")
"""``running`` serves clients; ``migrating`` also serves them while vMotion copies memory;
``stunned`` is paused for a switchover; ``down`` is off because of a failure; ``booting`` is
starting its guest and service; ``secondary`` is an FT shadow copy; ``off`` is powered off
on purpose."""

OUTAGE_STATES = frozenset({"stunned", "down", "booting"})
"""States in which a VM's service does not answer its clients."""

EVENT_COLUMNS = ["t_s", "kind", "host", "vm", "detail"]
STATE_COLUMNS = ["vm", "host", "state", "start_s", "end_s", "cause"]
HOST_STATE_COLUMNS = ["host", "state", "start_s", "end_s"]
MIGRATION_COLUMNS = [
    "vm",
    "from_host",
    "to_host",
    "start_s",
    "end_s",
    "total_time_s",
    "downtime_s",
    "n_rounds",
    "transferred_gib",
    "outcome",
]
OUTAGE_COLUMNS = ["vm", "service", "start_s", "end_s", "down_s", "cause", "ongoing"]

# A host action is allowed only from some host states; the schedule is checked up front.
_HOST_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "fail_host": (("up", "maintenance", "isolated"), "down"),
    "repair_host": (("down", "isolated"), "up"),
    "isolate_host": (("up",), "isolated"),
    "power_off_host": (("up",), "down"),
    "power_on_host": (("down",), "up"),
    "enter_maintenance": (("up",), "maintenance"),
    "exit_maintenance": (("maintenance",), "up"),
}


_SAID = {
    "fail_host": "it failed",
    "repair_host": "it was repaired",
    "isolate_host": "it lost its management network",
    "enter_maintenance": "it entered maintenance",
    "power_off_host": "it was powered off",
    "power_on_host": "it was powered on",
    "exit_maintenance": "it left maintenance",
}


def _hint(host: str, state: str, kind: str) -> str:
    """What to try instead of an impossible host action."""
    if state == "down":
        return f"Repair it first with sim.repair_host({host!r}, at_s=…)."
    if state == "isolated":
        return f"It is isolated; sim.repair_host({host!r}, at_s=…) gives it its network back."
    if kind == "repair_host":
        return (
            "Only a failed or isolated host can be repaired; "
            f"fail it first with sim.fail_host({host!r}, at_s=…)."
        )
    if kind == "exit_maintenance":
        return f"Put it in maintenance first with sim.enter_maintenance({host!r}, at_s=…)."
    if state == "maintenance":
        return f"Bring it back first with sim.exit_maintenance({host!r}, at_s=…)."
    return ""


def _in_cluster_order(frame: pd.DataFrame, column: str, names: list[str]) -> pd.DataFrame:
    """Rows sorted by ``column`` in the cluster's order (``names``), then by ``start_s``."""
    rank = {name: i for i, name in enumerate(names)}
    return (
        frame.assign(_rank=frame[column].map(rank))
        .sort_values(["_rank", "start_s"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def _seconds(value: object, name: str, *, zero_ok: bool) -> float:
    """``value`` as a finite number of seconds, or a ValueError that says what was wrong."""
    try:
        t = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of seconds, not {value!r}") from None
    if not np.isfinite(t) or t < 0 or (t == 0 and not zero_ok):
        bound = "0 or more seconds after the start" if zero_ok else "more than 0 seconds"
        raise ValueError(f"{name} must be {bound}, not {value!r}")
    return t


@dataclass(frozen=True)
class Timeline:
    """What happened during a run.

    Attributes
    ----------
    events : DataFrame
        One row per event: ``t_s, kind, host, vm, detail``.
    states : DataFrame
        One row per VM state interval: ``vm, host, state, start_s, end_s, cause``. An interval
        still open when the run ends closes at ``until_s``.
    host_states : DataFrame
        One row per host state interval: ``host, state, start_s, end_s``.
    until_s : float
        When the run stopped.
    cluster : Cluster
        The cluster as it was at ``until_s``.
    migrations : DataFrame
        One row per vMotion that ran: ``vm, from_host, to_host, start_s, end_s, total_time_s,
        downtime_s, n_rounds, transferred_gib, outcome`` (empty when none ran).
    """

    events: pd.DataFrame
    states: pd.DataFrame
    host_states: pd.DataFrame
    until_s: float
    cluster: Cluster
    migrations: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=MIGRATION_COLUMNS)
    )

    def outages(self) -> pd.DataFrame:
        """One row per service outage: ``vm, service, start_s, end_s, down_s, cause, ongoing``.

        An outage is a stretch of time in which the VM's service does not answer (down,
        booting or stunned, back to back). ``cause`` is what started it; ``ongoing`` is true
        when the run ended before the service came back.
        """
        rows: list[dict[str, Any]] = []
        primary = self.states[self.states.state != "secondary"]
        current: dict[str, Any] | None = None
        previous_vm = None
        # one pass: the states table is sorted by VM, then by time
        for vm, state, start_s, end_s, cause in zip(
            primary.vm, primary.state, primary.start_s, primary.end_s, primary.cause, strict=True
        ):
            if vm != previous_vm and current is not None:
                current["ongoing"] = current["end_s"] >= self.until_s  # last interval: still out
                rows.append(current)
                current = None
            previous_vm = vm
            if state in OUTAGE_STATES:
                if current is None:
                    current = {"vm": vm, "start_s": start_s, "cause": cause, "ongoing": False}
                elif cause and cause not in current["cause"].split("; "):
                    current["cause"] += f"; {cause}"  # "esx-03 failed; insufficient capacity"
                current["end_s"] = end_s
            elif current is not None:
                rows.append(current)
                current = None
        if current is not None:
            current["ongoing"] = current["end_s"] >= self.until_s
            rows.append(current)
        out = pd.DataFrame(rows, columns=["vm", "start_s", "end_s", "cause", "ongoing"])
        services = {name: vm.service for name, vm in self.cluster.vms.items()}
        out["service"] = out["vm"].map(services)
        out["down_s"] = out["end_s"] - out["start_s"]
        out["ongoing"] = out["ongoing"].astype(bool)
        order = {name: i for i, name in enumerate(self.cluster.vms)}
        out = (
            out.assign(_o=out["vm"].map(order))
            .sort_values(["start_s", "_o"], kind="stable")
            .drop(columns="_o")
            .reset_index(drop=True)
        )
        return out[OUTAGE_COLUMNS]

    def state_at(self, vm: str, t_s: float) -> str:
        """The state of ``vm`` at time ``t_s`` (its primary copy)."""
        rows = self.states[
            (self.states.vm == vm)
            & (self.states.state != "secondary")
            & (self.states.start_s <= t_s)
            & (self.states.end_s > t_s)
        ]
        if rows.empty:
            rows = self.states[(self.states.vm == vm) & (self.states.state != "secondary")]
            if rows.empty:
                self.cluster.vms[vm]  # unknown name → readable error
            return str(rows.iloc[-1].state)
        return str(rows.iloc[0].state)

    def host_state_at(self, host: str, t_s: float) -> str:
        """The state of ``host`` at time ``t_s``."""
        self.cluster.hosts[host]
        rows = self.host_states[
            (self.host_states.host == host)
            & (self.host_states.start_s <= t_s)
            & (self.host_states.end_s > t_s)
        ]
        if rows.empty:
            return str(self.host_states[self.host_states.host == host].iloc[-1].state)
        return str(rows.iloc[0].state)

    def log(self, kinds: list[str] | None = None) -> str:
        """The event log as lines a person reads: ``01:00 esx-03 host_failed — …``."""
        ev = self.events if kinds is None else self.events[self.events.kind.isin(kinds)]
        lines = []
        for r in ev.itertuples(index=False):
            who = " ".join(x for x in (r.host, r.vm) if x)
            detail = f" — {r.detail}" if r.detail else ""
            lines.append(f"{format_clock(r.t_s)}  {r.kind:<18} {who}{detail}")
        return "\n".join(lines)


class Simulation:
    """Plays scheduled actions on a copy of a cluster in simulated time (SimPy).

    Parameters
    ----------
    cluster : Cluster
        Copied; the original is never changed.
    seed : int
        Seeds :attr:`rng`, the only source of randomness, so every run is the same.

    Examples
    --------
    >>> sim = Simulation(Cluster.example(), seed=0)
    >>> sim.fail_host("esx-03", at_s=60)
    >>> t = sim.run(until_s=300)
    >>> sorted(t.events.kind.unique())
    ['host_failed', 'vm_down']
    """

    def __init__(self, cluster: Cluster, seed: int = 0) -> None:
        if not isinstance(cluster, Cluster):
            raise TypeError(f"Simulation needs a Cluster, not {type(cluster).__name__}")
        self.cluster: Cluster = cluster.copy()
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.env = simpy.Environment()
        self._actions: list[tuple[float, int, str, str, Callable[[], None]]] = []
        self._events: list[tuple[float, str, str, str, str]] = []
        self._open: dict[tuple[str, str], list[Any]] = {}  # (vm, copy) -> [host, state, t, cause]
        self._intervals: list[tuple[str, str, str, float, float, str]] = []
        self._host_open: dict[str, list[Any]] = {}
        self._host_intervals: list[tuple[str, str, float, float]] = []
        self._token: dict[str, int] = defaultdict(int)  # bumps cancel a VM's pending steps
        self._subscribers: dict[str, list[Callable[[dict[str, Any]], None]]] = defaultdict(list)
        self._ran = False
        self.features: dict[str, Any] = {}  # feature agents (vMotion, HA, FT) by name
        for name, vm in self.cluster.vms.items():
            self._open[(name, "primary")] = [vm.host, vm.state, 0.0, ""]
        for name, host in self.cluster.hosts.items():
            self._host_open[name] = [host.state, 0.0]
        # FT (issue 5): opens each FT secondary's interval; fails over, re-protects (vmlab.ft)
        self._ft = ft.FTAgent(self)
        self.partition_sides: tuple[frozenset[str], frozenset[str]] | None = None
        self._partitions: list[tuple[float, float]] = []
        if self.cluster.ha is not None:  # HA is on: start its agent (vmlab.ha)
            self.features["ha"] = ha.HAAgent(self)

    # -- scheduling (validated up front; a rejected call changes nothing) ---------------------

    def fail_host(self, host: str, *, at_s: float) -> None:
        """Schedule a sudden failure of ``host`` (power, motherboard …) at ``at_s``.

        Its VMs stop at once. With no protection they stay down until the host is repaired.
        """
        self._schedule_host_action("fail_host", host, at_s, self._do_fail_host)

    def repair_host(self, host: str, *, at_s: float) -> None:
        """Schedule the repair of a failed ``host``: it is back up at ``at_s`` and the VMs still
        registered on it boot."""
        self._schedule_host_action("repair_host", host, at_s, self._do_repair_host)

    def power_off_host(self, host: str, *, at_s: float) -> None:
        """Schedule the old way of doing planned work: shut ``host``'s VMs down and power the
        host off at ``at_s``. Its services stop until :meth:`power_on_host` and their boot."""
        self._schedule_host_action(
            "power_off_host", host, at_s, lambda h: self._do_fail_host(h, planned=True)
        )

    def power_on_host(self, host: str, *, at_s: float) -> None:
        """Schedule powering ``host`` back on after planned work; its VMs boot."""
        self._schedule_host_action(
            "power_on_host", host, at_s, lambda h: self._do_repair_host(h, planned=True)
        )

    def migrate(
        self, vm: str, to_host: str, *, at_s: float, switchover_target_ms: float | None = None
    ) -> None:
        """Schedule a vMotion of ``vm`` to ``to_host`` at ``at_s``.

        The VM keeps running while its memory is copied (state ``migrating``), is stunned
        for the switchover only, and resumes on ``to_host`` with the same MAC and IP.
        Problems that cannot change with time (CPUs, storage, the vMotion network) are refused
        now with a ``ValueError``; those that can (free memory, host state) are checked when
        the migration starts and logged as ``vmotion_refused``.
        """
        t = self._check_time(at_s)
        self.cluster.vms[vm]
        self.cluster.hosts[to_host]
        fixed = vmotion.fixed_problems(self.cluster, vm, to_host)
        if fixed:
            raise ValueError(f"vMotion of {vm} to {to_host} is refused: " + "; ".join(fixed))
        self._actions.append(
            (
                t,
                len(self._actions),
                "migrate",
                "",
                lambda: vmotion.start_migration(self, vm, to_host, switchover_target_ms),
            )
        )

    def migrate_many(self, moves: list[tuple[str, str]], *, at_s: float) -> None:
        """Schedule several vMotions at ``at_s`` — e.g. the rows of
        :func:`vmlab.vmotion.propose_moves` as ``(vm, to_host)`` pairs. Moves leaving the same
        host run a few at a time and share its vMotion link, as in maintenance mode."""
        t = self._check_time(at_s)
        pairs = [(str(vm), str(host)) for vm, host in moves]
        for vm, host in pairs:
            self.cluster.vms[vm]
            self.cluster.hosts[host]
            fixed = vmotion.fixed_problems(self.cluster, vm, host)
            if fixed:
                raise ValueError(f"vMotion of {vm} to {host} is refused: " + "; ".join(fixed))
        self._actions.append(
            (t, len(self._actions), "migrate_many", "", lambda: vmotion.start_moves(self, pairs))
        )

    def enter_maintenance(self, host: str, *, at_s: float) -> None:
        """Schedule maintenance mode for ``host``: every VM leaves with vMotion (a few at a
        time), then the empty host is powered off for the work. No service stops."""
        self._schedule_host_action(
            "enter_maintenance", host, at_s, lambda h: vmotion.start_maintenance(self, h)
        )

    def exit_maintenance(self, host: str, *, at_s: float) -> None:
        """Schedule the end of maintenance: ``host`` is back up, empty, ready for VMs."""
        self._schedule_host_action(
            "exit_maintenance", host, at_s, lambda h: vmotion.finish_maintenance(self, h)
        )

    def isolate_host(self, host: str, *, at_s: float) -> None:
        """Schedule the loss of ``host``'s management network at ``at_s``: the host and its
        VMs keep running, but it hears no other host. With HA it applies the isolation
        response; :meth:`repair_host` gives it its network back."""
        self._schedule_host_action("isolate_host", host, at_s, self._do_isolate_host)

    def partition(
        self,
        hosts_a: list[str] | str,
        hosts_b: list[str] | str | None = None,
        *,
        at_s: float,
        heal_at_s: float | None = None,
    ) -> None:
        """Schedule a network partition: ``hosts_a`` and ``hosts_b`` (default: every other
        host) can no longer hear each other from ``at_s`` (until ``heal_at_s``). Every host
        stays up and keeps its VMs running; with HA each side elects its own primary.

        Raises
        ------
        ValueError
            Unknown host, a host on both sides or on neither, an empty side, or a partition
            overlapping another one.
        """
        t = self._check_time(at_s)
        a = [hosts_a] if isinstance(hosts_a, str) else list(hosts_a)
        b = [hosts_b] if isinstance(hosts_b, str) else (None if hosts_b is None else list(hosts_b))
        for h in a + (b or []):
            self.cluster.hosts[h]  # unknown host → NotFoundError listing the hosts
        if b is None:
            b = [h for h in self.cluster.hosts if h not in a]
        both = sorted(set(a) & set(b))
        if both:
            raise ValueError(f"A host cannot be on both sides of a partition: {', '.join(both)}")
        neither = [h for h in self.cluster.hosts if h not in a and h not in b]
        if neither:
            raise ValueError(
                f"Every host must be on one side of the partition; on neither: "
                f"{', '.join(neither)} (leave hosts_b out to mean 'every other host')"
            )
        if not a or not b:
            raise ValueError("Each side of a partition needs at least one host")
        end = float("inf") if heal_at_s is None else self._check_time(heal_at_s)
        if end <= t:
            raise ValueError(f"heal_at_s ({heal_at_s!r}) must come after at_s ({at_s!r})")
        for start, stop in self._partitions:
            if t < stop and start < end:
                raise ValueError(
                    f"This partition overlaps the one from {start:g} s; heal that one first "
                    f"(heal_at_s=…) or start this one later"
                )
        self._partitions.append((t, end))
        sides = (frozenset(a), frozenset(b))
        self._actions.append(
            (t, len(self._actions), "partition", "", lambda: self._do_partition(sides))
        )
        if heal_at_s is not None:
            self._actions.append(
                (end, len(self._actions), "partition_healed", "", self._do_heal_partition)
            )

    def hang_guest(self, vm: str, *, at_s: float) -> None:
        """Schedule a guest hang (a kernel panic, a blue screen) of ``vm`` at ``at_s``: the
        host is fine, but the guest stops answering and stops sending guest heartbeats. With
        HA's VM monitoring on, the VM is reset; otherwise it stays down."""
        t = self._check_time(at_s)
        self.cluster.vms[vm]  # unknown VM → NotFoundError listing the VMs
        self._actions.append(
            (t, len(self._actions), "hang_guest", "", lambda: self._do_hang_guest(vm))
        )

    def cut_ft_logging(self, vm: str, *, at_s: float) -> None:
        """Schedule a cut of the FT logging link of ``vm`` at ``at_s`` (issue 5, vmlab.ft).

        Both copies think the other has died and race for an atomic test-and-set on shared
        storage: exactly one goes on, the other stops itself, and a new secondary is started.

        Raises
        ------
        ValueError
            ``vm`` has no FT (the message lists the VMs that have it).
        """
        t = self._check_time(at_s)
        self._ft.check_cut(vm)
        self._actions.append(
            (t, len(self._actions), "cut_ft_logging", "", lambda: self._ft.cut_logging(vm))
        )

    def at(self, at_s: float, action: Callable[[], None], *, label: str = "action") -> None:
        """Schedule any callable at ``at_s`` (for feature models and experiments)."""
        t = self._check_time(at_s)
        self._actions.append((t, len(self._actions), label, "", action))

    def _check_time(self, at_s: float) -> float:
        self._check_not_ran()
        return _seconds(at_s, "at_s", zero_ok=True)

    def _check_not_ran(self) -> None:
        if self._ran:
            raise RuntimeError(
                "This simulation has already run; make a new Simulation to try another schedule"
            )

    def _schedule_host_action(
        self, kind: str, host: str, at_s: float, fn: Callable[[str], None]
    ) -> None:
        t = self._check_time(at_s)
        self.cluster.hosts[host]  # unknown host → NotFoundError listing the hosts
        planned = self._actions + [(t, len(self._actions), kind, host, lambda: fn(host))]
        self._check_host_sequence(host, planned)
        self._actions = planned

    def _check_host_sequence(self, host: str, actions: list) -> None:
        state, since = self.cluster.hosts[host].state, 0.0
        last_kind = "the start"
        for t, _, kind, target, _ in sorted(actions, key=lambda a: (a[0], a[1])):
            if target != host or kind not in _HOST_TRANSITIONS:
                continue
            allowed, new_state = _HOST_TRANSITIONS[kind]
            if state not in allowed:
                verb = kind.replace("_host", "").replace("_", " ")
                raise ValueError(
                    f"Cannot {verb} {host} at {t:g} s: it is {state} then "
                    f"(since {_SAID.get(last_kind, last_kind)} at {since:g} s). "
                    + _hint(host, state, kind)
                )
            state, since, last_kind = new_state, t, kind
        return None

    # -- the API that feature models use ---------------------------------------------------------

    @property
    def now(self) -> SimTime:
        return float(self.env.now)

    def log(self, kind: str, *, host: str = "", vm: str = "", detail: str = "") -> None:
        """Append an event at the current time and tell its subscribers."""
        self._events.append((self.now, kind, host, vm, detail))
        for callback in self._subscribers.get(kind, ()):
            callback({"t_s": self.now, "kind": kind, "host": host, "vm": vm, "detail": detail})

    def subscribe(self, kind: str, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call ``callback(event)`` each time an event of ``kind`` is logged."""
        self._subscribers[kind].append(callback)

    def set_vm_state(
        self,
        vm: str,
        state: str,
        *,
        host: str | None = None,
        cause: str = "",
        copy: str = "primary",
    ) -> None:
        """Close the VM's current state interval and open a new one (on ``host`` if given)."""
        if state not in VM_STATES:
            raise ValueError(f"Unknown VM state {state!r}; states are {', '.join(VM_STATES)}")
        v = self.cluster.vms[vm]
        key = (vm, copy)
        if key in self._open:
            old_host, old_state, start, old_cause = self._open[key]
            if old_state == state and host in (None, old_host) and not cause:
                return
            if self.now > start:
                self._intervals.append((vm, old_host, old_state, start, self.now, old_cause))
        new_host = host if host is not None else (self._open.get(key) or [v.host])[0]
        self._open[key] = [new_host, state, self.now, cause]
        if copy == "primary":
            v.state = state
            v.host = new_host

    def end_copy(self, vm: str, copy: str) -> None:
        """Close the open interval of a VM copy (e.g. an FT secondary that is gone)."""
        key = (vm, copy)
        if key in self._open:
            old_host, old_state, start, cause = self._open.pop(key)
            if self.now > start:
                self._intervals.append((vm, old_host, old_state, start, self.now, cause))

    def set_host_state(self, host: str, state: str) -> None:
        h = self.cluster.hosts[host]
        old_state, start = self._host_open[host]
        if old_state == state:
            return
        if self.now > start:
            self._host_intervals.append((host, old_state, start, self.now))
        self._host_open[host] = [state, self.now]
        h.state = state

    def cancel_pending(self, vm: str) -> None:
        """Forget the VM's pending steps (a boot under way when its host fails)."""
        self._token[vm] += 1

    def boot_vm(self, vm: str, host: str, *, cause: str = "") -> simpy.Process:
        """Boot ``vm`` on ``host``: ``booting`` for its ``boot_s``, then ``running``."""
        return self.env.process(self._boot(vm, host, cause))

    def _boot(self, vm: str, host: str, cause: str) -> Generator[simpy.Event, Any, None]:
        self.cancel_pending(vm)
        token = self._token[vm]
        v = self.cluster.vms[vm]
        self.set_vm_state(vm, "booting", host=host, cause=cause)
        self.log(
            "vm_booting",
            host=host,
            vm=vm,
            detail=f"guest and service start take {format_duration(v.boot_s)}",
        )
        yield self.env.timeout(v.boot_s)
        if self._token[vm] != token or self.cluster.hosts[host].state == "down":
            return
        self.set_vm_state(vm, "running", host=host)
        self.log("vm_running", host=host, vm=vm, detail="service answers again")

    # -- built-in actions ----------------------------------------------------------------

    def _do_fail_host(self, host: str, *, planned: bool = False) -> None:
        self.set_host_state(host, "down")
        # FT (issue 5): an FT VM whose secondary is live elsewhere fails over instead of stopping
        failovers = self._ft.failovers_for(host)
        victims = [
            vm
            for vm in self.cluster.vms_on(host)
            if vm.state != "down" and vm.name not in failovers
        ]
        if planned:
            cause = f"{host} powered off for maintenance"
            self.log("host_powered_off", host=host, detail=f"{len(victims)} VMs shut down first")
        else:
            cause = f"{host} failed"
            self.log("host_failed", host=host, detail=f"{len(victims)} VMs stop at once")
        for vm in victims:
            self.cancel_pending(vm.name)
            self.set_vm_state(vm.name, "down", host=host, cause=cause)
            self.log("vm_down", host=host, vm=vm.name, detail=f"{vm.service} service stops")
        self._ft.host_failed(host, failovers)  # FT (issue 5)

    def _do_repair_host(self, host: str, *, planned: bool = False) -> None:
        self.set_host_state(host, "up")
        waiting = [vm for vm in self.cluster.vms_on(host) if vm.state == "down"]
        kind = "host_powered_on" if planned else "host_repaired"
        self.log(kind, host=host, detail=f"{len(waiting)} VMs power on")
        for vm in waiting:
            self.boot_vm(vm.name, host, cause=self._open[(vm.name, "primary")][3])

    def _do_isolate_host(self, host: str) -> None:
        self.set_host_state(host, "isolated")
        n = len(self.cluster.vms_on(host))
        self.log(
            "management_network_lost",
            host=host,
            detail=f"the host and its {n} VMs keep running, but it hears no other host",
        )

    def _do_partition(self, sides: tuple[frozenset[str], frozenset[str]]) -> None:
        self.partition_sides = sides
        a, b = (sorted(s, key=list(self.cluster.hosts).index) for s in sides)
        self.log(
            "partition",
            detail=f"{a[0]}…{a[-1]} ({len(a)} hosts) and {b[0]}…{b[-1]} "
            f"({len(b)} hosts) can no longer hear each other",
        )

    def _do_heal_partition(self) -> None:
        self.partition_sides = None
        self.log("partition_healed", detail="every host hears every other again")

    def _do_hang_guest(self, vm: str) -> None:
        v = self.cluster.vms[vm]
        if v.state != "running":
            self.log(
                "guest_hang_skipped", host=v.host, vm=vm, detail=f"it was {v.state}, not running"
            )
            return
        self.set_vm_state(vm, "down", cause="guest hung")
        self.log(
            "guest_hung",
            host=v.host,
            vm=vm,
            detail=f"the guest stops answering; {v.service} service stops",
        )

    # -- running ----------------------------------------------------------------------------

    def run(self, until_s: float) -> Timeline:
        """Run to ``until_s`` seconds and return the :class:`Timeline`. A simulation runs once."""
        self._check_not_ran()
        until = _seconds(until_s, "until_s", zero_ok=False)
        self._ran = True
        for t, _, _, _, action in sorted(self._actions, key=lambda a: (a[0], a[1])):
            self.env.process(self._later(t, action))
        self.env.run(until=until)
        return self._timeline(until)

    def _later(self, t: float, action: Callable[[], None]) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(t - self.now)
        action()

    def _timeline(self, until: float) -> Timeline:
        intervals = list(self._intervals)
        for (vm, _copy), (host, state, start, cause) in self._open.items():
            if until > start:
                intervals.append((vm, host, state, start, until, cause))
        states = _in_cluster_order(
            pd.DataFrame(intervals, columns=STATE_COLUMNS), "vm", list(self.cluster.vms)
        )
        hosts = list(self._host_intervals) + [
            (h, s, start, until) for h, (s, start) in self._host_open.items() if until > start
        ]
        host_states = _in_cluster_order(
            pd.DataFrame(hosts, columns=HOST_STATE_COLUMNS), "host", list(self.cluster.hosts)
        )
        events = pd.DataFrame(self._events, columns=EVENT_COLUMNS)
        migrations = vmotion.migrations_table(self, MIGRATION_COLUMNS)
        return Timeline(events, states, host_states, until, self.cluster.copy(), migrations)


__all__ = ["Simulation", "Timeline", "VM_STATES", "OUTAGE_STATES", "NotFoundError"]
