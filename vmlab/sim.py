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

The cluster you pass in is a spec and is never changed: a run keeps everything that changes
in one :class:`vmlab.state.RunState` (where each VM and each FT secondary is, their states,
the hosts' states, and memory reserved for work under way). Every state change is logged as
a typed event (:class:`vmlab.EventKind`) and as a state interval; the results are pandas
DataFrames (:class:`Timeline`).

The features (vMotion and maintenance, HA, FT) are parts with one contract
(:mod:`vmlab.features`): the simulation tells each the events it logs, asks them which VMs
they keep alive when a host stops and to move their copies off a host entering maintenance,
and offers them the :class:`vmlab.features.Engine` methods (``log``, ``set_vm_state``,
``boot_vm``, ``place`` …). :data:`FEATURES` lists them; a new feature is a new module and one
line there.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import simpy

from vmlab import checks
from vmlab.cluster import Cluster, NotFoundError
from vmlab.events import Event, EventKind
from vmlab.features import Feature, join_reasons, vm_state_words
from vmlab.ft_agent import FTAgent
from vmlab.ha import HAAgent
from vmlab.i18n import N_, _, ngettext
from vmlab.placement import Placement, place
from vmlab.proactive import SEVERITIES, ProactiveHA, proactive_ha_of
from vmlab.state import LIVE_STATES, MEMORY_COLUMNS, RunState
from vmlab.storage import StorageFaults
from vmlab.units import format_clock, format_duration
from vmlab.vmotion import VMotion, concurrency_limit, fixed_problems

SimTime = float
"""Simulated time in seconds since the start of the run."""

FEATURES: tuple[type[Any], ...] = (VMotion, HAAgent, FTAgent, StorageFaults, ProactiveHA)
"""The features a run may start, in the order they hear each event. Each is started when its
``wanted(cluster)`` says so (HA when the cluster has HA, FT when a VM has FT)."""

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
    "degrade_host": (("up",), "up"),  # Proactive HA off, manual, or quarantine
    "degrade_to_maintenance": (("up",), "maintenance"),  # Proactive HA empties it
}


_SAID = {
    # TRANSLATORS: why a host is in the state it is in, in "(since it failed at 60 s)"
    "the start": N_("the start"),
    "fail_host": N_("it failed"),
    "repair_host": N_("it was repaired"),
    "isolate_host": N_("it lost its management network"),
    "enter_maintenance": N_("it entered maintenance"),
    "power_off_host": N_("it was powered off"),
    "power_on_host": N_("it was powered on"),
    "exit_maintenance": N_("it left maintenance"),
    "degrade_host": N_("it was reported degraded"),
    "degrade_to_maintenance": N_("Proactive HA put it in maintenance"),
}

_ACTIONS = {
    # TRANSLATORS: a host action a schedule asks for, in "Cannot fail esx-03 at 60 s: …"
    "fail_host": N_("fail {host}"),
    "repair_host": N_("repair {host}"),
    "isolate_host": N_("isolate {host}"),
    "power_off_host": N_("power off {host}"),
    "power_on_host": N_("power on {host}"),
    "enter_maintenance": N_("enter maintenance {host}"),
    "exit_maintenance": N_("exit maintenance {host}"),
    "degrade_host": N_("degrade {host}"),
    "degrade_to_maintenance": N_("degrade {host}"),
}

# One sentence per host state the action is refused in (the state is a word of its own).
_REFUSED = {
    "up": N_("Cannot {action} at {t:g} s: it is up then (since {said} at {since:g} s). {hint}"),
    "down": N_("Cannot {action} at {t:g} s: it is down then (since {said} at {since:g} s). {hint}"),
    "isolated": N_(
        "Cannot {action} at {t:g} s: it is isolated then (since {said} at {since:g} s). {hint}"
    ),
    "maintenance": N_(
        "Cannot {action} at {t:g} s: it is maintenance then (since {said} at {since:g} s). {hint}"
    ),
}


def _hint(host: str, state: str, kind: str) -> str:
    """What to try instead of an impossible host action."""
    if state == "down":
        return _("Repair it first with sim.repair_host({host!r}, at_s=…).").format(host=host)
    if state == "isolated":
        return _(
            "It is isolated; sim.repair_host({host!r}, at_s=…) gives it its network back."
        ).format(host=host)
    if kind == "repair_host":
        return _(
            "Only a failed or isolated host can be repaired; "
            "fail it first with sim.fail_host({host!r}, at_s=…)."
        ).format(host=host)
    if kind == "exit_maintenance":
        return _(
            "Put it in maintenance first with sim.enter_maintenance({host!r}, at_s=…)."
        ).format(host=host)
    if state == "maintenance":
        return _("Bring it back first with sim.exit_maintenance({host!r}, at_s=…).").format(
            host=host
        )
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
    checks.time_s(value, name, zero_ok=zero_ok)
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(
            _("{name} must be a number of seconds, not {value!r}").format(name=name, value=value)
        )
    t = float(value)
    if not np.isfinite(t) or t < 0 or (t == 0 and not zero_ok):
        if zero_ok:
            message = _("{name} must be 0 or more seconds after the start, not {value!r}")
        else:
            message = _("{name} must be more than 0 seconds, not {value!r}")
        raise ValueError(message.format(name=name, value=value))
    return t


def _name(value: object, what: str) -> str:
    """A host/VM name must be a string (a list or a dict is a mistake worth saying so)."""
    if not isinstance(value, str):
        raise ValueError(
            _("{what} must be a name (a string such as 'esx-01'), not {value!r}").format(
                what=what, value=value
            )
        )
    return value


def _side(hosts: list[str]) -> str:
    """One side of a partition: ``esx-01…esx-08 (8 hosts)``."""
    n = len(hosts)
    return ngettext("{first}…{last} ({n} host)", "{first}…{last} ({n} hosts)", n).format(
        first=hosts[0], last=hosts[-1], n=n
    )


class Timeline:
    """What happened during a run.

    Attributes
    ----------
    events : DataFrame
        One row per event: ``t_s, kind, host, vm, detail`` (``kind`` is an
        :class:`vmlab.EventKind` value).
    states : DataFrame
        One row per VM state interval: ``vm, host, state, start_s, end_s, cause``. An interval
        still open when the run ends closes at ``until_s``. FT secondaries have their own
        intervals, in state ``secondary``.
    host_states : DataFrame
        One row per host state interval: ``host, state, start_s, end_s``.
    until_s : float
        When the run stopped.
    final : RunState
        Where everything was at ``until_s`` (``final.vms['web-01'].host``,
        ``final.vms_on('esx-03')``, ``final.primary`` …).
    cluster : Cluster
        A copy of the cluster as it was at ``until_s`` (made the first time it is read).
    spec : Cluster
        The cluster the run started from (unchanged).
    migrations : DataFrame
        One row per vMotion that ran: ``vm, from_host, to_host, start_s, end_s, total_time_s,
        downtime_s, n_rounds, transferred_gib, outcome`` (empty when none ran).
    memory : DataFrame
        One row per change of a host's memory: ``t_s, host, vms_gib, secondaries_gib,
        reserved_gib, capacity_gib`` (VMs registered there, FT secondaries, and memory
        reserved for a migration or a secondary under way).
    """

    def __init__(
        self,
        events: pd.DataFrame,
        states: pd.DataFrame,
        host_states: pd.DataFrame,
        until_s: float,
        final: RunState,
        migrations: pd.DataFrame | None = None,
        memory: pd.DataFrame | None = None,
    ) -> None:
        self.events = events
        self.states = states
        self.host_states = host_states
        self.until_s = until_s
        self.final = final
        self.spec = final.spec
        self.migrations = (
            pd.DataFrame(columns=MIGRATION_COLUMNS) if migrations is None else migrations
        )
        self.memory = pd.DataFrame(columns=MEMORY_COLUMNS) if memory is None else memory

    @cached_property
    def cluster(self) -> Cluster:
        return self.final.snapshot()

    def __repr__(self) -> str:
        return _(
            "<Timeline of {name!r} to {until_s:g} s: {n_events} events, {n_states} state intervals>"
        ).format(
            name=self.spec.name,
            until_s=self.until_s,
            n_events=len(self.events),
            n_states=len(self.states),
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
        services = {name: vm.service for name, vm in self.spec.vms.items()}
        out["service"] = out["vm"].map(services)
        out["down_s"] = out["end_s"] - out["start_s"]
        out["ongoing"] = out["ongoing"].astype(bool)
        order = {name: i for i, name in enumerate(self.spec.vms)}
        out = (
            out.assign(_o=out["vm"].map(order))
            .sort_values(["start_s", "_o"], kind="stable")
            .drop(columns="_o")
            .reset_index(drop=True)
        )
        return out[OUTAGE_COLUMNS]

    def state_at(self, vm: str, t_s: float) -> str:
        """The state of ``vm`` at time ``t_s`` (its primary copy)."""
        checks.name(vm, self.cluster.vms, "VM")
        checks.time_s(t_s, "t_s", high=self.until_s)
        rows = self.states[
            (self.states.vm == vm)
            & (self.states.state != "secondary")
            & (self.states.start_s <= t_s)
            & (self.states.end_s > t_s)
        ]
        if rows.empty:
            rows = self.states[(self.states.vm == vm) & (self.states.state != "secondary")]
            if rows.empty:
                self.spec.vms[vm]  # unknown name → readable error
            return str(rows.iloc[-1].state)
        return str(rows.iloc[0].state)

    def host_state_at(self, host: str, t_s: float) -> str:
        """The state of ``host`` at time ``t_s``."""
        checks.name(host, self.cluster.hosts, "Host")
        checks.time_s(t_s, "t_s", high=self.until_s)
        self.spec.hosts[host]
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
        if kinds is not None:
            checks.choices(kinds, [k.value for k in EventKind], N_("Event kind"))
        ev = self.events if kinds is None else self.events[self.events.kind.isin(kinds)]
        lines = []
        for r in ev.itertuples(index=False):
            who = " ".join(x for x in (r.host, r.vm) if x)
            detail = f" — {r.detail}" if r.detail else ""
            lines.append(f"{format_clock(r.t_s)}  {r.kind:<18} {who}{detail}")
        return "\n".join(lines)


class Simulation:
    """Plays scheduled actions on a cluster in simulated time (SimPy).

    Parameters
    ----------
    cluster : Cluster
        The spec; never changed (the run keeps its own :class:`vmlab.state.RunState`).
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
        checks.cluster(cluster, "Simulation()")
        checks.seed(seed)
        if not isinstance(cluster, Cluster):
            raise ValueError(
                _("Simulation needs a Cluster, not {type}").format(type=type(cluster).__name__)
            )
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(
                _("seed must be a whole number of 0 or more, not {seed!r}").format(seed=seed)
            )
        self.spec: Cluster = cluster
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.env = simpy.Environment()
        self.state = RunState(cluster, clock=lambda: float(self.env.now))
        self._actions: list[tuple[float, int, str, str, Callable[[], None]]] = []
        self._events: list[tuple[float, str, str, str, str]] = []
        self._open: dict[tuple[str, str], list[Any]] = {}  # (vm, copy) -> [host, state, t, cause]
        self._intervals: list[tuple[str, str, str, float, float, str]] = []
        self._host_open: dict[str, list[Any]] = {}
        self._host_intervals: list[tuple[str, str, float, float]] = []
        self._token: dict[str, int] = defaultdict(int)  # bumps cancel a VM's pending steps
        self._queue: deque[Event] = deque()
        self._holding = 0  # > 0 while an action runs: its events are told after it
        self._ran = False
        self._moves: set[tuple[str, float]] = set()
        self.partition_sides: tuple[frozenset[str], frozenset[str]] | None = None
        self._partitions: list[tuple[float, float]] = []
        for name, vm in self.state.vms.items():
            self._open[(name, "primary")] = [vm.host, vm.state, 0.0, ""]
        for name, host in self.state.hosts.items():
            self._host_open[name] = [host.state, 0.0]
        self.features: dict[str, Feature] = {}
        for feature in FEATURES:
            if feature.wanted(cluster):
                self.features[feature.name] = feature(self)

    @property
    def cluster(self) -> RunState:
        """The cluster as the run sees it (its :class:`vmlab.state.RunState`)."""
        return self.state

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
        self,
        vm: str,
        to_host: str,
        *,
        at_s: float,
        switchover_target_ms: float | None = None,
        datastore: str | None = None,
    ) -> None:
        """Schedule a vMotion of ``vm`` to ``to_host`` at ``at_s``.

        The VM keeps running while its memory is copied (state ``migrating``), is stunned
        for the switchover only, and resumes on ``to_host`` with the same MAC and IP. With
        ``datastore``, a shared-nothing vMotion (vSphere 5.1+): the disks are copied to that
        datastore first, over the same vMotion network, while the VM runs.

        Problems that cannot change with time (CPUs, storage, the vMotion network) are refused
        now with a ``ValueError``; those that can (free memory, host state, FT anti-affinity)
        are checked when the migration starts and logged as ``vmotion_refused``.
        """
        if switchover_target_ms is not None:
            checks.non_negative(switchover_target_ms, "switchover_target_ms", unit="ms", high=1e9)
        checks.name(vm, self.cluster.vms, "VM")
        checks.name(to_host, self.cluster.hosts, "Host")
        checks.time_s(at_s, "at_s")
        t = self._check_time(at_s)
        _name(vm, "vm")
        _name(to_host, "to_host")
        self.spec.vms[vm]
        self.spec.hosts[to_host]
        if datastore is not None:
            _name(datastore, "datastore")
        if switchover_target_ms is not None:
            _seconds(switchover_target_ms, "switchover_target_ms", zero_ok=False)
        fixed = fixed_problems(self.spec, vm, to_host, datastore=datastore)
        if fixed:
            raise ValueError(
                _("vMotion of {vm} to {host} is refused: {problems}").format(
                    vm=vm, host=to_host, problems=join_reasons(fixed)
                )
            )
        if (vm, t) in self._moves:
            raise ValueError(
                _(
                    "{vm} already has a vMotion scheduled at {t:g} s; a VM moves one way at a time"
                ).format(vm=vm, t=t)
            )
        self._moves.add((vm, t))
        self._actions.append(
            (
                t,
                len(self._actions),
                "migrate",
                "",
                lambda: self._vmotion().start(
                    vm, to_host, switchover_target_ms=switchover_target_ms, datastore=datastore
                ),
            )
        )

    def migrate_many(self, moves: list[tuple[str, str]], *, at_s: float) -> None:
        """Schedule several vMotions at ``at_s`` — e.g. the rows of
        :func:`vmlab.vmotion.propose_moves` as ``(vm, to_host)`` pairs. Moves leaving the same
        host run a few at a time and share its vMotion link, as in maintenance mode."""
        if isinstance(moves, str | bytes) or not isinstance(moves, list | tuple):
            raise ValueError(
                _(
                    "moves must be a list of (vm, to_host) pairs, such as "
                    "[('web-01', 'esx-02')], not {what}"
                ).format(what=checks.describe(moves))
            )
        for move in moves:
            if not (isinstance(move, list | tuple) and len(move) == 2):
                raise ValueError(
                    _(
                        "Each move is a (vm, to_host) pair, such as ('web-01', 'esx-02'), "
                        "not {what}"
                    ).format(what=checks.describe(move))
                )
            checks.name(move[1], self.cluster.hosts, "Host")
        checks.names([m[0] for m in moves], self.cluster.vms, "VM", empty_ok=True)  # each VM once
        checks.time_s(at_s, "at_s")
        t = self._check_time(at_s)
        if isinstance(moves, str | bytes) or not hasattr(moves, "__iter__"):
            raise ValueError(
                _("moves must be a list of (vm, to_host) pairs, not {moves!r}").format(moves=moves)
            )
        pairs: list[tuple[str, str]] = []
        for move in moves:
            if not isinstance(move, tuple | list) or len(move) != 2:
                raise ValueError(
                    _("Each move is a (vm, to_host) pair, not {move!r}").format(move=move)
                )
            vm, host = _name(move[0], "vm"), _name(move[1], "to_host")
            self.spec.vms[vm]
            self.spec.hosts[host]
            fixed = fixed_problems(self.spec, vm, host)
            if fixed:
                raise ValueError(
                    _("vMotion of {vm} to {host} is refused: {problems}").format(
                        vm=vm, host=host, problems=join_reasons(fixed)
                    )
                )
            pairs.append((vm, host))
        names = [vm for vm, _target in pairs]
        twice = sorted({vm for vm in names if names.count(vm) > 1})
        if twice:
            raise ValueError(
                _("Each VM can be moved once per call; twice: {vms}").format(vms=", ".join(twice))
            )
        clash = [vm for vm in names if (vm, t) in self._moves]
        if clash:
            raise ValueError(
                _("{vm} already has a vMotion scheduled at {t:g} s").format(vm=clash[0], t=t)
            )
        self._moves |= {(vm, t) for vm in names}
        self._actions.append(
            (t, len(self._actions), "migrate_many", "", lambda: self._vmotion().move_many(pairs))
        )

    def enter_maintenance(self, host: str, *, at_s: float) -> None:
        """Schedule maintenance mode for ``host``: every VM and every FT secondary leaves with
        vMotion (a few at a time), then the empty host is powered off for the work. No service
        stops. If something cannot leave, the host stays up (``maintenance_blocked``)."""
        self._schedule_host_action("enter_maintenance", host, at_s, self._do_enter_maintenance)

    def exit_maintenance(self, host: str, *, at_s: float) -> None:
        """Schedule the end of maintenance: ``host`` is back up, empty, ready for VMs."""
        self._schedule_host_action("exit_maintenance", host, at_s, self._do_exit_maintenance)

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
        checks.names(hosts_a, self.cluster.hosts, "Host")
        if hosts_b is not None:
            checks.names(hosts_b, self.cluster.hosts, "Host")
        if heal_at_s is not None:
            checks.time_s(heal_at_s, "heal_at_s")
        t = self._check_time(at_s)
        a = [hosts_a] if isinstance(hosts_a, str) else list(hosts_a)
        b = [hosts_b] if isinstance(hosts_b, str) else (None if hosts_b is None else list(hosts_b))
        for h in a + (b or []):
            self.spec.hosts[_name(h, "host")]  # unknown host → NotFoundError listing the hosts
        if b is None:
            b = [h for h in self.spec.hosts if h not in a]
        both = sorted(set(a) & set(b))
        if both:
            raise ValueError(
                _("A host cannot be on both sides of a partition: {hosts}").format(
                    hosts=", ".join(both)
                )
            )
        neither = [h for h in self.spec.hosts if h not in a and h not in b]
        if neither:
            raise ValueError(
                _(
                    "Every host must be on one side of the partition; on neither: "
                    "{hosts} (leave hosts_b out to mean 'every other host')"
                ).format(hosts=", ".join(neither))
            )
        if not a or not b:
            raise ValueError(_("Each side of a partition needs at least one host"))
        end = float("inf") if heal_at_s is None else self._check_time(heal_at_s)
        if end <= t:
            raise ValueError(
                _("heal_at_s ({heal_at_s!r}) must come after at_s ({at_s!r})").format(
                    heal_at_s=heal_at_s, at_s=at_s
                )
            )
        for start, stop in self._partitions:
            if t < stop and start < end:
                raise ValueError(
                    _(
                        "This partition overlaps the one from {start:g} s; heal that one first "
                        "(heal_at_s=…) or start this one later"
                    ).format(start=start)
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
        checks.name(vm, self.cluster.vms, "VM")
        t = self._check_time(at_s)
        self.spec.vms[_name(vm, "vm")]  # unknown VM → NotFoundError listing the VMs
        self._actions.append(
            (t, len(self._actions), "hang_guest", "", lambda: self._do_hang_guest(vm))
        )

    def cut_ft_logging(self, vm: str, *, at_s: float) -> None:
        """Schedule a cut of the FT logging link of ``vm`` at ``at_s`` (vmlab.ft).

        Both copies think the other has died and race for an atomic test-and-set on shared
        storage: exactly one goes on, the other stops itself, and a new secondary is started.

        Raises
        ------
        ValueError
            ``vm`` has no FT (the message lists the VMs that have it).
        """
        checks.name(vm, self.cluster.vms, "VM")
        t = self._check_time(at_s)
        self.spec.vms[_name(vm, "vm")]
        ft = self.features.get("ft")
        if not isinstance(ft, FTAgent) or self.spec.vms[vm].secondary_host is None:
            with_ft = [n for n, v in self.spec.vms.items() if v.secondary_host]
            raise ValueError(
                _(
                    "VM {vm!r} has no FT, so it has no logging link to cut; VMs with FT: "
                    "{with_ft}. Turn it on first with cluster.enable_ft({vm!r})"
                ).format(vm=vm, with_ft=", ".join(with_ft) or _("(none)"))
            )
        self._actions.append(
            (t, len(self._actions), "cut_ft_logging", "", lambda: ft.cut_logging(vm))
        )

    # -- storage faults and degraded hosts (vmlab.storage, vmlab.proactive) --------------------

    def storage_fault(
        self,
        datastore: str,
        *,
        kind: str = "apd",
        at_s: float,
        hosts: list[str] | str | None = None,
        heal_at_s: float | None = None,
    ) -> None:
        """Schedule the loss of ``datastore`` by ``hosts`` (default: every host that sees it)
        at ``at_s``, until ``heal_at_s`` (default: the end of the run) (vmlab.storage).

        ``kind='apd'`` (All Paths Down: the paths may come back) or ``'pdl'`` (Permanent
        Device Loss). The VMs whose disks are there stop answering; the hosts stay up. With
        ``enable_ha(vmcp=...)`` VMCP restarts them where the datastore is seen: a PDL at once,
        an APD after the APD timeout (140 s) and the VMCP delay (180 s).

        Raises
        ------
        ValueError
            Unknown datastore, kind or host; a host that does not see the datastore; a
            datastore no VM uses; ``heal_at_s`` not after ``at_s``; an overlapping fault.
        """
        if hosts is not None:
            checks.names(hosts, self.cluster.hosts, "Host")
        t = self._check_time(at_s)
        end = None if heal_at_s is None else self._check_time(heal_at_s)
        feature = self.features["storage"]
        assert isinstance(feature, StorageFaults)
        for when, label, action in feature.plan_fault(datastore, kind, t, hosts, end):
            self._actions.append((when, len(self._actions), label, "", action))

    def heal_storage(
        self, datastore: str, *, at_s: float, hosts: list[str] | str | None = None
    ) -> None:
        """Schedule the end of a storage fault on ``datastore`` at ``at_s`` (the paths are back,
        or the LUN is presented again). Healing a fault that was never scheduled, or is
        already over then, raises ``ValueError``."""
        if hosts is not None:
            checks.names(hosts, self.cluster.hosts, "Host")
        t = self._check_time(at_s)
        feature = self.features["storage"]
        assert isinstance(feature, StorageFaults)
        when, label, action = feature.plan_heal(datastore, t, hosts)
        self._actions.append((when, len(self._actions), label, "", action))

    def degrade_host(self, host: str, *, at_s: float, severity: str = "moderate") -> None:
        """Schedule a hardware health provider's report that ``host`` is degraded
        (``'moderate'`` or ``'severe'``) at ``at_s``: it still runs, but may fail soon. With
        Proactive HA (:func:`vmlab.proactive.enable_proactive_ha`) its VMs leave by vMotion.

        Raises
        ------
        ValueError
            Unknown host or severity, or the host is not up at ``at_s`` in the schedule.
        """
        if severity not in SEVERITIES:
            raise ValueError(
                _("severity {severity!r} is not known; choose one of {choices}").format(
                    severity=severity, choices=SEVERITIES
                )
            )
        config = proactive_ha_of(self.spec)
        empties = (
            config is not None
            and config.automation == "automated"
            and config.mode_for(severity) == "maintenance"
        )
        feature = self.features["proactive_ha"]
        assert isinstance(feature, ProactiveHA)
        self._schedule_host_action(
            "degrade_to_maintenance" if empties else "degrade_host",
            host,
            at_s,
            lambda h: feature.degrade(h, severity),
        )

    def at(self, at_s: float, action: Callable[[], None], *, label: str = "action") -> None:
        """Schedule any callable at ``at_s`` (for feature models and experiments)."""
        checks.time_s(at_s, "at_s")
        checks.function(action, "action")
        checks.text(label, "label")
        t = self._check_time(at_s)
        if not callable(action):
            raise ValueError(
                _("action must be a function to call at {t:g} s, not {action!r}").format(
                    t=t, action=action
                )
            )
        self._actions.append((t, len(self._actions), str(label), "", action))

    def _check_time(self, at_s: float) -> float:
        self._check_not_ran()
        return _seconds(at_s, "at_s", zero_ok=True)

    def _check_not_ran(self) -> None:
        if self._ran:
            raise ValueError(
                _("This simulation has already run; make a new Simulation to try another schedule")
            )

    def _schedule_host_action(
        self, kind: str, host: str, at_s: float, fn: Callable[[str], None]
    ) -> None:
        t = self._check_time(at_s)
        self.spec.hosts[_name(host, "host")]  # unknown host → NotFoundError listing the hosts
        planned = self._actions + [(t, len(self._actions), kind, host, lambda: fn(host))]
        self._check_host_sequence(host, planned)
        self._actions = planned

    def _check_host_sequence(self, host: str, actions: list[Any]) -> None:
        state, since = self.spec.hosts[host].state, 0.0
        last_kind = "the start"
        for t, _order, kind, target, _action in sorted(actions, key=lambda a: (a[0], a[1])):
            if target != host or kind not in _HOST_TRANSITIONS:
                continue
            allowed, new_state = _HOST_TRANSITIONS[kind]
            if state not in allowed:
                said = _SAID.get(last_kind)
                message = _REFUSED.get(state)
                raise ValueError(
                    (
                        _(message)
                        if message
                        else _(
                            "Cannot {action} at {t:g} s: it is {state} then "
                            "(since {said} at {since:g} s). {hint}"
                        )
                    ).format(
                        action=_(_ACTIONS[kind]).format(host=host),
                        t=t,
                        state=state,
                        said=_(said) if said else last_kind,
                        since=since,
                        hint=_hint(host, state, kind),
                    )
                )
            state, since, last_kind = new_state, t, kind

    # -- the Engine that features use (vmlab.features) ---------------------------------------

    @property
    def now(self) -> SimTime:
        return float(self.env.now)

    def log(self, kind: EventKind | str, *, host: str = "", vm: str = "", detail: str = "") -> None:
        """Append an event at the current time; the features hear it once the action that
        logged it is over."""
        event = Event(self.now, EventKind(kind), host, vm, detail)
        self._events.append((event.t_s, event.kind.value, host, vm, detail))
        self._queue.append(event)
        if not self._holding:
            self._tell()

    def _tell(self) -> None:
        self._holding += 1
        try:
            while self._queue:
                event = self._queue.popleft()
                for feature in self.features.values():
                    feature.handle(event)
        finally:
            self._holding -= 1

    @contextmanager
    def _action(self) -> Iterator[None]:
        """Hold the events an action logs until it is done, then tell the features."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
        if not self._holding:
            self._tell()

    def place(self, vm: str, purpose: str, **options: Any) -> Placement:
        """Choose a host for ``vm`` in this run (:func:`vmlab.placement.place`)."""
        return place(self.state, vm, purpose, **options)

    def process(self, generator: Generator[Any, Any, Any]) -> simpy.Process:
        return self.env.process(generator)

    def set_vm_state(
        self,
        vm: str,
        state: str,
        *,
        host: str | None = None,
        cause: str = "",
        copy: str = "primary",
    ) -> None:
        """Close the VM's current state interval and open a new one (on ``host`` if given).
        For the primary copy, the run state moves the VM to ``host``."""
        if state not in VM_STATES:
            raise ValueError(f"Unknown VM state {state!r}; states are {', '.join(VM_STATES)}")
        v = self.state.vms[vm]
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
            self.state.move_vm(vm, new_host)

    def end_copy(self, vm: str, copy: str) -> None:
        """Close the open interval of a VM copy (e.g. an FT secondary that is gone)."""
        key = (vm, copy)
        if key in self._open:
            old_host, old_state, start, cause = self._open.pop(key)
            if self.now > start:
                self._intervals.append((vm, old_host, old_state, start, self.now, cause))

    def set_host_state(self, host: str, state: str) -> None:
        h = self.state.hosts[host]
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
        v = self.state.vms[vm]
        self.set_vm_state(vm, "booting", host=host, cause=cause)
        self.log(
            EventKind.VM_BOOTING,
            host=host,
            vm=vm,
            detail=_("guest and service start take {duration}").format(
                duration=format_duration(v.boot_s)
            ),
        )
        yield self.env.timeout(v.boot_s)
        if self._token[vm] != token or self.state.hosts[host].state == "down":
            return
        self.set_vm_state(vm, "running", host=host)
        self.log(EventKind.VM_RUNNING, host=host, vm=vm, detail=_("service answers again"))

    def _vmotion(self) -> VMotion:
        feature = self.features["vmotion"]
        assert isinstance(feature, VMotion)
        return feature

    # -- the simulation's own actions -----------------------------------------------------------

    def _do_fail_host(self, host: str, *, planned: bool = False) -> None:
        with self._action():
            self.set_host_state(host, "down")
            self.state.evacuating.discard(host)
            saved: set[str] = set()
            for feature in self.features.values():
                saved |= feature.claim(host)  # FT: primaries whose secondary takes over
            victims = [
                vm
                for vm in self.state.vms_on(host)
                if vm.state in LIVE_STATES and vm.name not in saved
            ]
            if planned:
                cause = f"{host} powered off for maintenance"
                n = len(victims)
                self.log(
                    EventKind.HOST_POWERED_OFF,
                    host=host,
                    detail=ngettext("{n} VM shut down first", "{n} VMs shut down first", n).format(
                        n=n
                    ),
                )
            else:
                cause = f"{host} failed"
                n = len(victims)
                self.log(
                    EventKind.HOST_FAILED,
                    host=host,
                    detail=ngettext("{n} VM stops at once", "{n} VMs stop at once", n).format(n=n),
                )
            for vm in victims:
                self.cancel_pending(vm.name)
                self.set_vm_state(vm.name, "down", host=host, cause=cause)
                self.log(
                    EventKind.VM_DOWN,
                    host=host,
                    vm=vm.name,
                    detail=_("{service} service stops").format(service=vm.service),
                )

    def _do_repair_host(self, host: str, *, planned: bool = False) -> None:
        with self._action():
            self.set_host_state(host, "up")
            waiting = [vm for vm in self.state.vms_on(host) if vm.state == "down"]
            kind = EventKind.HOST_POWERED_ON if planned else EventKind.HOST_REPAIRED
            n = len(waiting)
            self.log(
                kind,
                host=host,
                detail=ngettext("{n} VM powers on", "{n} VMs power on", n).format(n=n),
            )
            for vm in waiting:
                self.boot_vm(vm.name, host, cause=self._open[(vm.name, "primary")][3])

    def _do_isolate_host(self, host: str) -> None:
        with self._action():
            self.set_host_state(host, "isolated")
            n = len(self.state.vms_on(host))
            self.log(
                EventKind.MANAGEMENT_NETWORK_LOST,
                host=host,
                detail=ngettext(
                    "the host and its {n} VM keep running, but it hears no other host",
                    "the host and its {n} VMs keep running, but it hears no other host",
                    n,
                ).format(n=n),
            )

    def _do_enter_maintenance(self, host: str) -> None:
        vms = [vm for vm in self.state.vms_on(host) if vm.state in ("running", "migrating")]
        secondaries = self.state.secondaries_on(host)
        net = self.state.networks.get("vmotion")
        limit = concurrency_limit(net.bandwidth_gbit_s if net else 0)
        n = len(vms)
        some_vms = ngettext("{n} VM", "{n} VMs", n).format(n=n)
        if secondaries:
            m = len(secondaries)
            requested = _(
                "evacuating {vms} and {secondaries} with vMotion, at most {limit} at a time"
            ).format(
                vms=some_vms,
                secondaries=ngettext("{n} FT secondary", "{n} FT secondaries", m).format(n=m),
                limit=limit,
            )
        else:
            requested = _("evacuating {vms} with vMotion, at most {limit} at a time").format(
                vms=some_vms, limit=limit
            )
        self.maintenance(
            host,
            requested=requested,
            done=_("empty: powered off for the work; no service stopped"),
            blocked=_("the host stays up"),
        )

    def evacuate(self, host: str) -> list[simpy.Process]:
        """Ask every feature to move its copies off ``host`` now; the moves under way."""
        moves: list[simpy.Process] = []
        for feature in self.features.values():
            moves += feature.evacuate(host)
        return moves

    def maintenance(self, host: str, *, requested: str, done: str, blocked: str) -> None:
        """Take ``host`` into maintenance mode now: log ``requested``, place nothing new on
        it, have every feature move its copies away, then either enter maintenance (``done``)
        or, if something could not leave, stay up (``blocked``)."""
        with self._action():
            self.log(EventKind.MAINTENANCE_REQUESTED, host=host, detail=requested)
            self.state.evacuating.add(host)
            moves = self.evacuate(host)
            self.env.process(self._finish_evacuation(host, moves, done, blocked))

    def _finish_evacuation(
        self, host: str, moves: list[simpy.Process], done: str, blocked: str
    ) -> Generator[Any, Any, None]:
        if moves:
            yield self.env.all_of(moves)
        self.state.evacuating.discard(host)
        if self.state.hosts[host].state != "up":
            return
        left = self.state.live_copies_on(host)
        with self._action():
            if left:
                self.log(
                    EventKind.MAINTENANCE_BLOCKED,
                    host=host,
                    detail=_("{n} could not leave ({names}); {blocked}").format(
                        n=len(left), names=", ".join(left), blocked=blocked
                    ),
                )
                return
            self.set_host_state(host, "maintenance")
            self.log(EventKind.HOST_IN_MAINTENANCE, host=host, detail=done)

    def _do_exit_maintenance(self, host: str) -> None:
        with self._action():
            if self.state.hosts[host].state != "maintenance":
                self.log(
                    EventKind.MAINTENANCE_NOT_ENTERED,
                    host=host,
                    detail=_("it never reached maintenance mode, so there is nothing to exit"),
                )
                return
            self.set_host_state(host, "up")
            self.log(
                EventKind.MAINTENANCE_EXITED,
                host=host,
                detail=_("back in the pool, ready for VMs"),
            )

    def _do_partition(self, sides: tuple[frozenset[str], frozenset[str]]) -> None:
        with self._action():
            self.partition_sides = sides
            order = list(self.spec.hosts)
            a, b = (sorted(s, key=order.index) for s in sides)
            self.log(
                EventKind.PARTITION,
                detail=_("{side_a} and {side_b} can no longer hear each other").format(
                    side_a=_side(a), side_b=_side(b)
                ),
            )

    def _do_heal_partition(self) -> None:
        with self._action():
            self.partition_sides = None
            self.log(EventKind.PARTITION_HEALED, detail=_("every host hears every other again"))

    def _do_hang_guest(self, vm: str) -> None:
        with self._action():
            v = self.state.vms[vm]
            if v.state != "running":
                self.log(
                    EventKind.GUEST_HANG_SKIPPED,
                    host=v.host,
                    vm=vm,
                    detail=_("it was {state}, not running").format(state=vm_state_words(v.state)),
                )
                return
            self.set_vm_state(vm, "down", cause="guest hung")
            self.log(
                EventKind.GUEST_HUNG,
                host=v.host,
                vm=vm,
                detail=_("the guest stops answering; {service} service stops").format(
                    service=v.service
                ),
            )

    # -- running ----------------------------------------------------------------------------

    def run(self, until_s: float) -> Timeline:
        """Run to ``until_s`` seconds and return the :class:`Timeline`. A simulation runs once."""
        checks.time_s(until_s, "until_s", zero_ok=False)
        self._check_not_ran()
        until = _seconds(until_s, "until_s", zero_ok=False)
        self._ran = True
        for t, _order, _kind, _target, action in sorted(self._actions, key=lambda a: (a[0], a[1])):
            self.env.process(self._later(t, action))
        self.env.run(until=until)
        return self._timeline(until)

    def _later(self, t: float, action: Callable[[], None]) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(t - self.now)
        with self._action():
            action()

    def _timeline(self, until: float) -> Timeline:
        intervals = list(self._intervals)
        for (vm, _copy), (host, state, start, cause) in self._open.items():
            if until > start:
                intervals.append((vm, host, state, start, until, cause))
        states = _in_cluster_order(
            pd.DataFrame(intervals, columns=STATE_COLUMNS), "vm", list(self.spec.vms)
        )
        hosts = list(self._host_intervals) + [
            (h, s, start, until) for h, (s, start) in self._host_open.items() if until > start
        ]
        host_states = _in_cluster_order(
            pd.DataFrame(hosts, columns=HOST_STATE_COLUMNS), "host", list(self.spec.hosts)
        )
        events = pd.DataFrame(self._events, columns=EVENT_COLUMNS)
        migrations = self._vmotion().table(MIGRATION_COLUMNS)
        memory = pd.DataFrame(self.state.memory_log, columns=MEMORY_COLUMNS)
        return Timeline(events, states, host_states, until, self.state, migrations, memory)


__all__ = [
    "FEATURES",
    "OUTAGE_STATES",
    "VM_STATES",
    "NotFoundError",
    "Simulation",
    "Timeline",
]
