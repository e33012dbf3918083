"""vSphere HA: failure detection, isolation, partitions, admission control and restarts.

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
    0   web-03     web    60.0
    1   web-19     web    60.0
    2   app-11     app   135.0
    3  mail-03    mail   165.0
    4  file-11    file   105.0

Each outage is 15 s of detection (no heartbeat, no ping, no datastore heartbeat) plus the
guest's boot and service start: minutes, as the source document says.

What this module holds, in the order the engine uses it:

- the published defaults (each cites ``reference/figures.md``);
- :class:`HAConfig`, the cluster's HA settings (``cluster.ha``), with the admission-control
  policies :class:`PercentagePolicy`, :class:`SlotPolicy`, :class:`FailoverHostsPolicy` and
  the current failover capacity;
- :class:`HAAgent`, the SimPy processes that a :class:`vmlab.sim.Simulation` starts when its
  cluster has HA: heartbeats, elections, failure / isolation / partition detection, restarts
  by priority with placement by free memory, VM monitoring;
- :func:`readable_log`, the event log in sentences.

This module never imports :mod:`vmlab.sim`: the simulation hands itself to :class:`HAAgent`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from vmlab import checks
from vmlab.cluster import RESTART_PRIORITIES, VM, Cluster, _listing
from vmlab.units import format_clock, format_duration

if TYPE_CHECKING:  # the simulation is handed in; never imported (DESIGN: cluster ← ha ← sim)
    import simpy

# ----------------------------------------------------------------------------------------
# Published defaults (reference/figures.md, "vSphere HA")
# ----------------------------------------------------------------------------------------

HEARTBEAT_INTERVAL_S = 1.0
"""Heartbeats every 1 s between the primary and the other hosts (VMware documentation)."""

FAILURE_DETECTION_S = 15.0
"""A host is declared failed after 15 s without network heartbeats, when it also answers no
ping and its datastore heartbeats have stopped (VMware documentation)."""

ISOLATION_DETECTION_PRIMARY_S = 5.0
"""A primary that hears nobody and cannot ping its isolation address declares itself
isolated after about 5 s (Broadcom KB)."""

ISOLATION_DETECTION_SECONDARY_S = 30.0
"""A secondary declares itself isolated after about 30 s (Broadcom KB)."""

ISOLATION_POLICY_DELAY_S = 30.0
"""The isolation response starts 30 s after the host declares itself isolated
(vSphere API, ``fdm.isolationPolicyDelaySec``)."""

RESTART_PRIORITY_WAIT_S = 600.0
"""A lower restart priority waits until the higher ones are ready, at most 600 s by default
(VMware documentation; Terraform vSphere provider docs)."""

MAX_RESTART_ATTEMPTS = 5
"""HA tries to restart a VM up to 5 times (``das.maxvmrestartcount``, VMware documentation)."""

VM_MONITORING_INTERVALS_S = {"high": 30.0, "medium": 60.0, "low": 120.0}
"""VM monitoring resets a guest that stopped heartbeating after 30 / 60 / 120 s for high /
medium / low sensitivity (VMware documentation)."""

VM_MONITORING_MAX_RESETS = 3
"""At most 3 resets per VM in the reset window (VMware documentation). figures.md gives no
window length; vmlab counts the resets over the whole run."""

HEARTBEAT_DATASTORES = 2
"""Heartbeat datastores per host by default (max 5) (VMware documentation). vmlab uses them
only as the yes/no signal that tells a failed host from an isolated or partitioned one."""

SLOT_DEFAULT_CPU_MHZ = 32.0
"""The slot policy's CPU slot when no VM has a CPU reservation: 32 MHz (VMware
documentation)."""

ELECTION_S = 15.0
"""Time to elect a new primary. NOT in figures.md (the issue only says "seconds"); taken from
a secondary source, Duncan Epping's timeline on the VMware vSphere blog (2011): a secondary
"enters election state" at T+10 s and "elects itself" at T+25 s, i.e. 15 s. Approximate."""

ISOLATION_SHUTDOWN_S = 60.0
"""How long a clean guest shutdown takes under the 'shutdown' isolation response. A teaching
assumption, not a published figure (figures.md has none)."""

ISOLATION_RESPONSES = ("leave_powered_on", "power_off", "shutdown")
"""What an isolated host does with its VMs (VMware documentation; figures.md)."""

ADMISSION_POLICIES = ("none", "percentage", "slots", "failover_hosts")
"""Admission-control policies (VMware documentation; figures.md): disabled, cluster
resources reserved as a percentage, slot policy, dedicated failover hosts."""

DEFAULT_ADMISSION_CONTROL = "percentage"
"""What ``enable_ha()`` uses when no policy is named: the cluster-resource percentage policy,
tolerating 1 host failure (VMware vSphere Availability, admission control (default: cluster
resource percentage, 1 host failure))."""

VM_MONITORING_LEVELS = ("off", "low", "medium", "high")

PRIORITY_ORDER = tuple(p for p in reversed(RESTART_PRIORITIES) if p != "disabled")
"""Restart order, highest first: ``highest, high, medium, low, lowest``. ``disabled`` VMs are
never restarted."""

# ----------------------------------------------------------------------------------------
# Admission control
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PercentagePolicy:
    """Reserve a share of the cluster's CPU and memory for failover.

    Parameters
    ----------
    host_failures : int
        Host failures the cluster should tolerate. With no percentages given, the reserve is
        ``host_failures / hosts × 100 %`` (how vSphere computes it for identical hosts).
    cpu_pct, memory_pct : float, optional
        Reserve these percentages instead (0–100).

    >>> PercentagePolicy(memory_pct=25).memory_pct
    25.0
    """

    host_failures: int = 1
    cpu_pct: float | None = None
    memory_pct: float | None = None
    name: str = field(default="percentage", init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "host_failures", checks.whole(self.host_failures, "host_failures"))
        for attr in ("cpu_pct", "memory_pct"):
            value = getattr(self, attr)
            if value is not None:
                object.__setattr__(self, attr, checks.percent(value, attr))

    def reserved_pct(self, cluster: Cluster) -> tuple[float, float]:
        """The reserved CPU and memory, in percent of the cluster."""
        n = max(len(cluster.hosts), 1)
        auto = min(100.0, 100.0 * self.host_failures / n)
        cpu = auto if self.cpu_pct is None else self.cpu_pct
        mem = auto if self.memory_pct is None else self.memory_pct
        return cpu, mem


@dataclass(frozen=True)
class SlotPolicy:
    """Count slots; keep enough slots free for ``host_failures``.

    vSphere sizes the slot by the largest CPU reservation (32 MHz when none) and, separately,
    the largest memory reservation plus overhead (VMware documentation): the two maxima may come
    from different VMs, so the slot can be larger than any one VM. vmlab's VMs have no separate
    reservations, so it treats each VM's vCPUs and memory as reserved (the way FT VMs are
    reserved in full). ``slot_vcpus`` / ``slot_memory_gib`` fix the slot size instead, like
    vSphere's advanced options.
    """

    host_failures: int = 1
    slot_vcpus: float | None = None
    slot_memory_gib: float | None = None
    name: str = field(default="slots", init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "host_failures", checks.whole(self.host_failures, "host_failures"))
        for attr in ("slot_vcpus", "slot_memory_gib"):
            value = getattr(self, attr)
            if value is not None and not float(value) > 0:
                raise ValueError(f"{attr} must be greater than 0, not {value!r}")


@dataclass(frozen=True)
class FailoverHostsPolicy:
    """Dedicated failover hosts: kept for restarts; admission control puts no new VM there."""

    hosts: tuple[str, ...] = ()
    name: str = field(default="failover_hosts", init=False, repr=False)

    def __post_init__(self) -> None:
        hosts = (self.hosts,) if isinstance(self.hosts, str) else tuple(self.hosts)
        object.__setattr__(self, "hosts", hosts)
        if not hosts:
            raise ValueError(
                "Name at least one dedicated failover host, e.g. failover_hosts=['esx-16']"
            )


AdmissionPolicy = PercentagePolicy | SlotPolicy | FailoverHostsPolicy


def slot_failover_capacity(
    hosts: Sequence[tuple[float, float]],
    vms: Sequence[tuple[float, float]],
    *,
    slot: tuple[float, float] | None = None,
) -> int:
    """Host failures a cluster tolerates under the slot policy.

    Parameters
    ----------
    hosts : sequence of (cpu, memory)
        Each host's capacity, in any units (the same for every row).
    vms : sequence of (cpu, memory)
        Each powered-on VM's reservation, in the same units.
    slot : (cpu, memory), optional
        The slot size; default the largest CPU and the largest memory reservation.

    Returns
    -------
    int
        The largest ``k`` such that the slots left after losing the ``k`` hosts with the most
        slots still hold every VM (one slot each); 0 when even no failure leaves room.

    Examples
    --------
    The worked example of the VMware documentation (figures.md): hosts of 9 GHz / 9 GB,
    9 GHz / 6 GB and 6 GHz / 6 GB, a 2 GHz / 2 GB slot, five VMs:

    >>> hosts = [(9, 9), (9, 6), (6, 6)]
    >>> vms = [(2, 1), (2, 1), (1, 2), (1, 1), (1, 1)]
    >>> slot_failover_capacity(hosts, vms)
    1
    """
    if not hosts:
        return 0
    if slot is None:
        slot = (
            max((c for c, _ in vms), default=SLOT_DEFAULT_CPU_MHZ),
            max((m for _, m in vms), default=1.0),
        )
    slot_cpu, slot_mem = slot
    eps = 1e-9
    per_host = sorted(
        (min(math.floor(c / slot_cpu + eps), math.floor(m / slot_mem + eps)) for c, m in hosts),
        reverse=True,
    )
    used = len(vms)
    left = sum(per_host)
    k = 0
    while k < len(per_host) - 1 and left - per_host[k] >= used:
        left -= per_host[k]
        k += 1
    return k


def memory_failover_capacity(cluster: Cluster) -> int:
    """Host failures the cluster absorbs by memory: the largest ``k`` such that, with its
    ``k`` largest up hosts gone, the others still have room for every VM (counted as one
    pool; placement can need a little more because VMs do not split).

    >>> memory_failover_capacity(Cluster.example())
    11
    """
    up = sorted((h.memory_gib for h in cluster.hosts.values() if h.state != "down"), reverse=True)
    need = sum(vm.memory_gib for vm in cluster.vms.values())
    left = sum(up)
    k = 0
    while k < len(up) - 1 and left - up[k] >= need - 1e-9:
        left -= up[k]
        k += 1
    return k


# ----------------------------------------------------------------------------------------
# The cluster's HA settings
# ----------------------------------------------------------------------------------------


@dataclass
class HAConfig:
    """A cluster's HA settings, as ``cluster.ha`` (``None`` while HA is off).

    Make it with :meth:`vmlab.Cluster.enable_ha`. The timings default to the published
    figures (see the module's constants) and can be changed for experiments.

    Attributes
    ----------
    primary : str
        The primary (master) host. vmlab elects the first host that is up; a simulation
        elects a new one when the primary fails or is cut off.
    isolation_response : str
        One of :data:`ISOLATION_RESPONSES`.
    admission_control : PercentagePolicy, SlotPolicy, FailoverHostsPolicy or None
    vm_monitoring : str or None
        ``None`` (off) or a sensitivity ``'low'``, ``'medium'``, ``'high'``.
    """

    primary: str
    isolation_response: str = "leave_powered_on"
    admission_control: AdmissionPolicy | None = None
    vm_monitoring: str | None = None
    heartbeat_interval_s: float = HEARTBEAT_INTERVAL_S
    failure_detection_s: float = FAILURE_DETECTION_S
    election_s: float = ELECTION_S
    isolation_detection_primary_s: float = ISOLATION_DETECTION_PRIMARY_S
    isolation_detection_secondary_s: float = ISOLATION_DETECTION_SECONDARY_S
    isolation_policy_delay_s: float = ISOLATION_POLICY_DELAY_S
    isolation_shutdown_s: float = ISOLATION_SHUTDOWN_S
    restart_priority_wait_s: float = RESTART_PRIORITY_WAIT_S
    max_restart_attempts: int = MAX_RESTART_ATTEMPTS
    cluster: Cluster | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return (
            f"HAConfig(primary={self.primary!r}, isolation_response={self.isolation_response!r}, "
            f"admission_control={self.admission_control!r}, vm_monitoring={self.vm_monitoring!r})"
        )

    # -- what the settings mean for the cluster ----------------------------------------------

    @property
    def policy_name(self) -> str:
        return "none" if self.admission_control is None else self.admission_control.name

    @property
    def failover_hosts(self) -> tuple[str, ...]:
        ac = self.admission_control
        return ac.hosts if isinstance(ac, FailoverHostsPolicy) else ()

    @property
    def failover_capacity(self) -> int:
        """Current failover capacity: how many host failures the cluster can absorb now.

        Under the slot policy, counted in slots (VMware's rule, see
        :func:`slot_failover_capacity`); otherwise by memory
        (:func:`memory_failover_capacity`).

        >>> c = Cluster.example()
        >>> c.enable_ha().failover_capacity
        11
        """
        cluster = self._cluster()
        if isinstance(self.admission_control, SlotPolicy):
            hosts, vms, slot = self._slot_inputs()
            return slot_failover_capacity(hosts, vms, slot=slot)
        return memory_failover_capacity(cluster)

    def report(self) -> pd.DataFrame:
        """Admission control at a glance: one row per figure (``figure, value, note``).

        >>> Cluster.example().enable_ha(admission_control="percentage").report().figure.tolist()[:3]
        ['primary', 'admission control', 'current failover capacity (hosts)']
        """
        cluster = self._cluster()
        rows: list[tuple[str, Any, str]] = [
            ("primary", self.primary, "the host that watches the others"),
            ("admission control", self.policy_name, ""),
            (
                "current failover capacity (hosts)",
                self.failover_capacity,
                "host failures whose VMs can all be restarted",
            ),
        ]
        ac = self.admission_control
        cpu_free, mem_free = self._free_pct(cluster)
        rows += [
            ("free CPU (%)", round(cpu_free, 1), "vCPUs not in use, of all cores of up hosts"),
            ("free memory (%)", round(mem_free, 1), "memory not in use, of all up hosts"),
        ]
        if isinstance(ac, PercentagePolicy):
            cpu, mem = ac.reserved_pct(cluster)
            rows += [
                ("reserved CPU (%)", round(cpu, 1), "kept free for failover"),
                ("reserved memory (%)", round(mem, 1), "kept free for failover"),
            ]
        if isinstance(ac, SlotPolicy):
            hosts, vms, slot = self._slot_inputs()
            total = sum(
                min(math.floor(c / slot[0] + 1e-9), math.floor(m / slot[1] + 1e-9))
                for c, m in hosts
            )
            rows += [
                (
                    "slot size",
                    f"{slot[0]:g} vCPU, {slot[1]:g} GiB",
                    "largest CPU and largest memory reservation, each taken separately",
                ),
                ("slots in the cluster", total, ""),
                ("slots used", len(vms), "one per powered-on VM"),
            ]
        if isinstance(ac, FailoverHostsPolicy):
            rows.append(("failover hosts", ", ".join(ac.hosts), "kept for restarts"))
        rows.append(("policy satisfied", self.satisfied(), "the reserve asked for is really free"))
        return pd.DataFrame(rows, columns=["figure", "value", "note"])

    def satisfied(self) -> bool:
        """Whether the cluster as it is now keeps the reserve its policy asks for."""
        ac = self.admission_control
        cluster = self._cluster()
        if ac is None:
            return True
        if isinstance(ac, PercentagePolicy):
            cpu, mem = ac.reserved_pct(cluster)
            cpu_free, mem_free = self._free_pct(cluster)
            return cpu_free >= cpu - 1e-9 and mem_free >= mem - 1e-9
        if isinstance(ac, SlotPolicy):
            return self.failover_capacity >= ac.host_failures
        return all(not cluster.vms_on(h) for h in ac.hosts)

    def admit(self, name: str, host: str, vcpus: int, memory_gib: float) -> None:
        """Refuse a new VM that would eat into the failover reserve (called by ``add_vm``).

        Raises
        ------
        ValueError
            Says which policy refuses, by how much, and what to try.
        """
        ac = self.admission_control
        cluster = self._cluster()
        if ac is None:
            return
        if isinstance(ac, FailoverHostsPolicy):
            if host in ac.hosts:
                others = [h for h in cluster.hosts if h not in ac.hosts]
                raise ValueError(
                    f"Admission control refuses {name!r} on {host}: it is a dedicated failover "
                    f"host, kept empty for restarts. Put it on another host ({_listing(others)})."
                )
            return
        up = [h for h in cluster.hosts.values() if h.state != "down"]
        cores = sum(h.cores for h in up)
        memory = sum(h.memory_gib for h in up)
        if isinstance(ac, PercentagePolicy):
            cpu_res, mem_res = ac.reserved_pct(cluster)
            used_cpu = sum(vm.vcpus for vm in cluster.vms.values()) + vcpus
            used_mem = sum(vm.memory_gib for vm in cluster.vms.values()) + memory_gib
            cpu_free = 100 * (1 - used_cpu / cores) if cores else 0.0
            mem_free = 100 * (1 - used_mem / memory) if memory else 0.0
            if cpu_free < cpu_res - 1e-9 or mem_free < mem_res - 1e-9:
                raise ValueError(
                    f"Admission control refuses {name!r}: with it only {cpu_free:.1f} % of the "
                    f"CPU and {mem_free:.1f} % of the memory would be free, but the percentage "
                    f"policy keeps {cpu_res:g} % CPU and {mem_res:g} % memory for failover. "
                    f"Remove a VM, add a host, or lower the reserve."
                )
            return
        hosts, vms, slot = self._slot_inputs(extra=(vcpus, memory_gib))
        capacity = slot_failover_capacity(hosts, vms, slot=slot)
        if capacity < ac.host_failures:
            raise ValueError(
                f"Admission control refuses {name!r}: with it the slot policy could absorb "
                f"only {capacity} host failure(s), not the {ac.host_failures} it promises. "
                f"Remove a VM, add a host, or make the slot smaller."
            )

    # -- helpers ---------------------------------------------------------------------------

    def _cluster(self) -> Cluster:
        if self.cluster is None:
            raise RuntimeError("This HAConfig belongs to no cluster; use cluster.enable_ha()")
        return self.cluster

    def _free_pct(self, cluster: Cluster) -> tuple[float, float]:
        up = [h for h in cluster.hosts.values() if h.state != "down"]
        cores = sum(h.cores for h in up)
        memory = sum(h.memory_gib for h in up)
        used_cpu = sum(vm.vcpus for vm in cluster.vms.values())
        used_mem = sum(vm.memory_gib for vm in cluster.vms.values())
        cpu = 100 * (1 - used_cpu / cores) if cores else 0.0
        mem = 100 * (1 - used_mem / memory) if memory else 0.0
        return cpu, mem

    def _slot_inputs(
        self, extra: tuple[float, float] | None = None
    ) -> tuple[list[tuple[float, float]], list[tuple[float, float]], tuple[float, float]]:
        cluster = self._cluster()
        ac = self.admission_control
        hosts = [
            (float(h.cores), h.memory_gib) for h in cluster.hosts.values() if h.state != "down"
        ]
        vms = [(float(vm.vcpus), vm.memory_gib) for vm in cluster.vms.values()]
        if extra is not None:
            vms.append((float(extra[0]), float(extra[1])))
        slot_cpu = max((c for c, _ in vms), default=1.0)
        slot_mem = max((m for _, m in vms), default=1.0)
        if isinstance(ac, SlotPolicy):
            slot_cpu = float(ac.slot_vcpus) if ac.slot_vcpus is not None else slot_cpu
            slot_mem = float(ac.slot_memory_gib) if ac.slot_memory_gib is not None else slot_mem
        return hosts, vms, (slot_cpu, slot_mem)


def make_policy(
    cluster: Cluster,
    admission_control: str | AdmissionPolicy | None,
    *,
    host_failures: int = 1,
    percent: float | None = None,
    failover_hosts: Iterable[str] | str | None = None,
) -> AdmissionPolicy | None:
    """Turn ``enable_ha``'s admission-control arguments into a policy (or ``None``).

    Raises
    ------
    ValueError
        Unknown policy name (the message lists them), a percentage outside 0–100, an unknown
        failover host, or every host named as a failover host.
    """
    if isinstance(admission_control, PercentagePolicy | SlotPolicy):
        return admission_control
    if isinstance(admission_control, FailoverHostsPolicy):
        policy: AdmissionPolicy = admission_control
    elif admission_control is None or admission_control == "none":
        return None
    elif admission_control == "percentage":
        pct = None if percent is None else checks.percent(percent, "percent")
        return PercentagePolicy(host_failures=host_failures, cpu_pct=pct, memory_pct=pct)
    elif admission_control == "slots":
        return SlotPolicy(host_failures=host_failures)
    elif admission_control == "failover_hosts":
        if failover_hosts is None:
            failover_hosts = [list(cluster.hosts)[-1]] if cluster.hosts else []
        policy = FailoverHostsPolicy(tuple([failover_hosts] if isinstance(failover_hosts, str)
                                           else failover_hosts))  # fmt: skip
    else:
        raise ValueError(
            f"Admission control {admission_control!r} is not known; choose one of "
            f"{', '.join(ADMISSION_POLICIES)} (or None), or pass a PercentagePolicy, "
            f"SlotPolicy or FailoverHostsPolicy"
        )
    for h in policy.hosts:
        cluster.hosts[h]  # unknown → NotFoundError listing the hosts
    if len(set(policy.hosts)) >= len(cluster.hosts):
        raise ValueError("At least one host must run VMs: not every host can be a failover host")
    return policy


def make_config(
    cluster: Cluster,
    *,
    isolation_response: str = "leave_powered_on",
    admission_control: str | AdmissionPolicy | None = "percentage",
    host_failures: int = 1,
    percent: float | None = None,
    failover_hosts: Iterable[str] | str | None = None,
    vm_monitoring: str | None = None,
    **timings: float,
) -> HAConfig:
    """Validate every setting and build the :class:`HAConfig` (used by ``Cluster.enable_ha``).

    Nothing is changed here; a bad setting raises ``ValueError`` naming the valid choices.
    """
    if isolation_response not in ISOLATION_RESPONSES:
        raise ValueError(
            f"Isolation response {isolation_response!r} is not known; choose one of "
            f"{', '.join(ISOLATION_RESPONSES)}"
        )
    if vm_monitoring == "off":
        vm_monitoring = None
    if vm_monitoring is not None and vm_monitoring not in VM_MONITORING_INTERVALS_S:
        raise ValueError(
            f"VM monitoring {vm_monitoring!r} is not known; choose one of "
            f"{', '.join(VM_MONITORING_LEVELS)} (or None)"
        )
    if not cluster.hosts:
        raise ValueError("HA needs hosts: add some with cluster.add_host(...) first")
    policy = make_policy(
        cluster, admission_control, host_failures=host_failures, percent=percent,
        failover_hosts=failover_hosts,
    )  # fmt: skip
    known = {
        f for f in HAConfig.__dataclass_fields__
        if f.endswith("_s") or f == "max_restart_attempts"
    }  # fmt: skip
    for key, value in timings.items():
        if key not in known:
            raise ValueError(
                f"enable_ha() has no setting {key!r}; timings are {', '.join(sorted(known))}"
            )
        if not float(value) >= 0:
            raise ValueError(f"{key} must be 0 or more, not {value!r}")
    up = [h.name for h in cluster.hosts.values() if h.state == "up"]
    primary = (up or list(cluster.hosts))[0]
    return HAConfig(
        primary=primary,
        isolation_response=isolation_response,
        admission_control=policy,
        vm_monitoring=vm_monitoring,
        cluster=cluster,
        **timings,  # type: ignore[arg-type]
    )


# ----------------------------------------------------------------------------------------
# Placement
# ----------------------------------------------------------------------------------------


def choose_host(
    cluster: Cluster,
    vm: VM,
    targets: Sequence[str],
    free_gib: dict[str, float],
    prefer: Iterable[str] = (),
) -> str | None:
    """Where HA restarts ``vm``: a target with room, dedicated failover hosts first, then the
    host with the most free memory ("the alternate hosts with the most available unreserved
    capacity", VMware documentation). ``None`` when no host has room.

    >>> c = Cluster.example()
    >>> free = {h: c.free_memory_gib(h) for h in c.hosts}
    >>> choose_host(c, c.vms["db-01"], ["esx-01", "esx-02"], free)
    'esx-01'
    """
    preferred = set(prefer)
    best: tuple[int, float, int] | None = None
    choice = None
    for i, h in enumerate(targets):
        if free_gib.get(h, 0.0) + 1e-9 < vm.memory_gib or cluster.hosts[h].cores < vm.vcpus:
            continue
        if vm.datastore and not cluster.datastores[vm.datastore].visible_from(h):
            continue
        key = (1 if h in preferred else 0, free_gib[h], -i)
        if best is None or key > best:
            best, choice = key, h
    return choice


# ----------------------------------------------------------------------------------------
# The HA agent: SimPy processes handed the simulation
# ----------------------------------------------------------------------------------------

MAIN, OTHER = "main", "other"


class HAAgent:
    """The HA agents of every host, as one model (the simulation starts it when the cluster
    has ``cluster.ha``).

    The network is a set of segments: the ``main`` one, the ``other`` side of a partition,
    and one segment per isolated host. Each segment with live hosts has a primary (elected
    :data:`ELECTION_S` after it lost one). The primary responsible for a failed host declares
    it failed :data:`FAILURE_DETECTION_S` after it stopped (or after the primary was elected,
    whichever is later), then restarts its VMs by priority on the up hosts of its segment.

    It uses only the simulation's public API (``env``, ``now``, ``log``, ``subscribe``,
    ``set_vm_state``, ``boot_vm``, ``cancel_pending``) and ``sim.partition_sides``.
    """

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.cluster: Cluster = sim.cluster
        self.config: HAConfig = sim.cluster.ha
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
        for kind, callback in (
            ("host_failed", self.on_host_failed),
            ("host_repaired", self.on_host_repaired),
            ("management_network_lost", self.on_network_lost),
            ("partition", self.on_partition),
            ("partition_healed", self.on_partition_healed),
            ("guest_hung", self.on_guest_hung),
            ("vm_running", self.on_vm_running),
        ):
            sim.subscribe(kind, callback)
        if self.cluster.hosts[self.config.primary].state == "down":
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
            if obj.state != "down" and self.segment(h) == seg
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
        yield self.env.timeout(self.config.election_s)
        self.electing.discard(seg)
        if seg == OTHER and self.sides is None:
            return
        live = self.members(seg)
        if not live or self.primary.get(seg) is not None:
            return
        new = live[0]
        self.primary[seg], self.primary_since[seg] = new, self.sim.now
        if seg == MAIN:
            self.config.primary = new
        where = "" if seg == MAIN else " on the other side of the partition"
        self.sim.log("election", host=new, detail=f"{new} is elected primary{where} after a "
                     f"{format_duration(self.config.election_s)} election")  # fmt: skip
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
            deadline = max(since, self.primary_since[wseg]) + self.config.failure_detection_s
            if self.sim.now < deadline - 1e-9:
                yield self.env.timeout(deadline - self.sim.now)
                continue
            return wseg

    # -- host failure ------------------------------------------------------------------------

    def on_host_failed(self, event: dict[str, Any]) -> None:
        host = event["host"]
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
            detail = (
                f"the other hosts hear no heartbeat from their primary {host}: they elect a new one"
            )
        elif watcher:
            detail = f"primary {watcher} hears no heartbeat from {host}"
        else:
            detail = f"no heartbeat from {host}, and no primary yet to act on it"
        self.sim.log("heartbeat_missed", host=host, detail=detail)
        wseg = yield from self._wait_for_primary(seg, t0)
        if wseg is None or self.cluster.hosts[host].state != "down":
            return
        victims = [vm for vm in self.cluster.vms_on(host) if vm.state == "down"]
        todo = [vm for vm in victims if self._restartable(vm)]
        skipped = len(victims) - len(todo)
        note = f"; {skipped} not protected (priority disabled)" if skipped else ""
        quiet = format_duration(self.sim.now - t0)
        self.sim.log(
            "host_declared_failed", host=host,
            detail=f"restarting {len(todo)} VMs… ({quiet} without heartbeat, ping reply or "
            f"datastore heartbeat{note})",
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

    def _protected(self, vm: VM) -> bool:
        return vm.protection != "ft" and vm.restart_priority != "disabled"

    def _restartable(self, vm: VM) -> bool:
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
        """Restart ``names`` by priority, highest first; a lower priority starts when the
        higher one's VMs are running, or after ``restart_priority_wait_s``."""
        levels = [
            [n for n in names if self.cluster.vms[n].restart_priority == p] for p in PRIORITY_ORDER
        ]
        levels = [lv for lv in levels if lv]
        for i, level in enumerate(levels):
            if self.primary.get(self._watcher_segment(seg)) is None:
                yield from self._wait_for_primary(
                    seg, self.sim.now - self.config.failure_detection_s
                )
            placed = self._place([n for n in level if self._needs_restart(n)], cause, seg)
            if placed and i < len(levels) - 1:
                ready = self.env.event()
                self._waiters.append((set(placed), ready))
                yield ready | self.env.timeout(self.config.restart_priority_wait_s)

    def _place(self, names: list[str], causes: str | dict[str, str], seg: str) -> list[str]:
        """Issue the restarts of ``names`` now; return the VMs that found a host. ``causes``
        is one cause for all, or one per VM."""
        if not names:
            return []
        wseg = self._watcher_segment(seg)
        targets = [h for h in self.members(wseg) if self.cluster.hosts[h].state == "up"]
        used: dict[str, float] = defaultdict(float)
        for vm in self.cluster.vms.values():
            used[vm.host] += vm.memory_gib
            secondary = getattr(vm, "secondary_host", None)  # an FT secondary reserves it too
            if secondary:
                used[secondary] += vm.memory_gib
        free = {h: self.cluster.hosts[h].memory_gib - used[h] for h in targets}
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
            target = choose_host(self.cluster, vm, targets, free, self.config.failover_hosts)
            if target is None:
                self.sim.set_vm_state(name, "down", host=vm.host, cause="insufficient capacity")
                last = n >= limit
                self.sim.log(
                    "restart_gave_up" if last else "restart_failed", host=vm.host, vm=name,
                    detail=f"insufficient capacity: no host has {vm.memory_gib:g} GiB free "
                    f"(attempt {n} of {limit})"
                    + ("; HA gives up" if last else "; HA retries when a host comes back"),
                )  # fmt: skip
                if last:
                    self.waiting.pop(name, None)
                else:
                    self.waiting[name] = (cause, seg)
                continue
            self.waiting.pop(name, None)
            free[target] -= vm.memory_gib
            self.sim.log(
                "restart_issued", host=target, vm=name,
                detail=f"from {vm.host}, {vm.restart_priority} priority (attempt {n} of {limit})",
            )  # fmt: skip
            # Register on the target at once, so nothing else restarts it meanwhile.
            self.sim.set_vm_state(name, "booting", host=target, cause=cause)
            self.sim.boot_vm(name, target, cause=cause)
            placed.append(name)
        return placed

    def on_vm_running(self, event: dict[str, Any]) -> None:
        if not self._waiters:
            return
        keep = []
        for pending, ready in self._waiters:
            pending.discard(event["vm"])
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

    def on_host_repaired(self, event: dict[str, Any]) -> None:
        self.isolated.discard(event["host"])
        self._reconcile()
        self._retry_waiting()

    # -- isolation -------------------------------------------------------------------------------

    def on_network_lost(self, event: dict[str, Any]) -> None:
        host = event["host"]
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
        response = cfg.isolation_response.replace("_", " ")
        self.sim.log(
            "host_isolated", host=host,
            detail=f"hears no other host and cannot ping its isolation address; isolation "
            f"response '{response}' in {format_duration(cfg.isolation_policy_delay_s)}",
        )  # fmt: skip
        yield self.env.timeout(cfg.isolation_policy_delay_s)
        if not self._still_isolated(host):
            return
        vms = [
            vm for vm in self.cluster.vms_on(host)
            if vm.state in ("running", "booting", "migrating") and self._protected(vm)
        ]  # fmt: skip
        if cfg.isolation_response == "leave_powered_on":
            self.sim.log(
                "isolation_response", host=host,
                detail=f"leaves its {len(vms)} VMs running; they still hold their disk locks, "
                "so HA restarts none of them: never two copies of one VM",
            )  # fmt: skip
            return
        verb = "powered off" if cfg.isolation_response == "power_off" else "shut down"
        cause = f"{host} isolated: {verb} by HA"
        does = "powers off" if cfg.isolation_response == "power_off" else "shuts down"
        self.sim.log("isolation_response", host=host,
                     detail=f"{does} its {len(vms)} VMs so the primary can restart them "
                     "elsewhere")  # fmt: skip
        for vm in vms:
            self.sim.cancel_pending(vm.name)
            self.sim.set_vm_state(vm.name, "down", cause=cause)
            self.sim.log("vm_down", host=host, vm=vm.name, detail=f"{vm.service} service stops")
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
        what = _listing(alive)
        self.sim.log(
            "host_unreachable", host=alive[0] if len(alive) == 1 else "",
            detail=f"primary {p} gets no heartbeat or ping from {what}, but datastore "
            "heartbeats go on: isolated or partitioned, not failed; its VMs are left alone",
        )  # fmt: skip

    # -- partitions ------------------------------------------------------------------------------

    def on_partition(self, event: dict[str, Any]) -> None:
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

    def on_partition_healed(self, event: dict[str, Any]) -> None:
        other = self.primary.get(OTHER)
        self.sides = None
        self.primary[OTHER] = None
        if self.primary[MAIN] is None and other is not None:
            self.primary[MAIN], self.primary_since[MAIN] = other, self.primary_since[OTHER]
            self.config.primary = other
            self._primary_changed()
        elif other is not None:
            self.sim.log(
                "election", host=self.primary[MAIN] or "",
                detail=f"partition healed: {self.primary[MAIN]} stays primary, {other} steps down",
            )  # fmt: skip
        self._reconcile()
        self._retry_waiting()

    # -- VM monitoring -------------------------------------------------------------------------

    def on_guest_hung(self, event: dict[str, Any]) -> None:
        level = self.config.vm_monitoring
        if level is None:
            return
        self.env.process(
            self._monitor(event["vm"], event["host"], VM_MONITORING_INTERVALS_S[level])
        )

    def _monitor(self, name: str, host: str, interval: float) -> Generator[Any, Any, None]:
        yield self.env.timeout(interval)
        vm = self.cluster.vms[name]
        if vm.state != "down" or vm.host != host or self.cluster.hosts[host].state != "up":
            return
        if self.resets[name] >= VM_MONITORING_MAX_RESETS:
            self.sim.log("vm_reset_skipped", host=host, vm=name,
                         detail=f"already reset {VM_MONITORING_MAX_RESETS} times")  # fmt: skip
            return
        self.resets[name] += 1
        self.sim.log(
            "vm_reset", host=host, vm=name,
            detail=f"no guest heartbeat for {format_duration(interval)}: VM monitoring resets it "
            f"(reset {self.resets[name]} of {VM_MONITORING_MAX_RESETS})",
        )  # fmt: skip
        self.sim.boot_vm(name, host, cause="guest hung")


# ----------------------------------------------------------------------------------------
# Reading the result
# ----------------------------------------------------------------------------------------

HA_EVENT_KINDS = (
    "host_failed", "heartbeat_missed", "election", "host_declared_failed", "host_unreachable",
    "management_network_lost", "host_isolated", "isolation_response", "partition",
    "partition_healed", "restart_issued", "restart_failed", "restart_gave_up", "vm_running",
    "guest_hung", "vm_reset", "host_repaired",
)  # fmt: skip
"""The event kinds that tell the story of an HA run (``vm_down`` / ``vm_booting`` left out)."""

_PHRASES = {
    "host_failed": "fails",
    "heartbeat_missed": "misses a heartbeat",
    "election": "becomes primary",
    "host_declared_failed": "declared failed",
    "host_unreachable": "unreachable",
    "management_network_lost": "loses its management network",
    "host_isolated": "declares itself isolated",
    "isolation_response": "applies its isolation response",
    "partition": "network partition",
    "partition_healed": "partition healed",
    "restart_issued": "restart",
    "restart_failed": "cannot be restarted",
    "restart_gave_up": "is given up",
    "vm_running": "running again",
    "vm_down": "down",
    "vm_booting": "booting",
    "guest_hung": "guest hangs",
    "vm_reset": "reset",
    "host_repaired": "repaired",
}


def readable_log(timeline: Any, kinds: Iterable[str] | None = HA_EVENT_KINDS,
                 max_lines: int | None = None) -> str:  # fmt: skip
    """The run's events as sentences: ``00:15 esx-03 declared failed — restarting 5 VMs…``.

    Parameters
    ----------
    timeline : Timeline
    kinds : iterable of str, optional
        Event kinds to keep (default :data:`HA_EVENT_KINDS`; ``None`` keeps all).
    max_lines : int, optional
        Keep the first lines and say how many were left out.

    >>> from vmlab import Simulation
    >>> c = Cluster.example(); _ = c.enable_ha()
    >>> sim = Simulation(c); sim.fail_host("esx-03", at_s=0)
    >>> print(readable_log(sim.run(until_s=300), kinds=["host_failed", "restart_issued"],
    ...                    max_lines=2))
    00:00 esx-03 fails — 5 VMs stop at once
    00:15 web-03 restarts on esx-01 — from esx-03, medium priority (attempt 1 of 5)
    … 4 more events
    """
    ev = timeline.events
    if kinds is not None:
        ev = ev[ev.kind.isin(list(kinds))]
    lines = []
    for r in ev.itertuples(index=False):
        if r.kind == "election":  # its detail is a whole sentence naming the host
            lines.append(f"{format_clock(r.t_s)} {r.detail}")
            continue
        else:
            who = r.vm or r.host
            phrase = _PHRASES.get(r.kind, r.kind.replace("_", " "))
        if r.kind == "restart_issued":
            phrase = f"restarts on {r.host}"
        if r.kind == "host_unreachable" and not who:
            phrase = "hosts unreachable"
        text = " ".join(x for x in (format_clock(r.t_s), who, phrase) if x)
        lines.append(f"{text} — {r.detail}" if r.detail else text)
    if max_lines is not None and len(lines) > max_lines:
        rest = len(lines) - max_lines
        lines = lines[:max_lines] + [f"… {rest} more events"]
    return "\n".join(lines)


__all__ = [
    "ADMISSION_POLICIES",
    "ELECTION_S",
    "FAILURE_DETECTION_S",
    "FailoverHostsPolicy",
    "HAAgent",
    "HAConfig",
    "HA_EVENT_KINDS",
    "HEARTBEAT_INTERVAL_S",
    "ISOLATION_POLICY_DELAY_S",
    "ISOLATION_RESPONSES",
    "MAX_RESTART_ATTEMPTS",
    "PercentagePolicy",
    "RESTART_PRIORITY_WAIT_S",
    "SlotPolicy",
    "VM_MONITORING_INTERVALS_S",
    "choose_host",
    "memory_failover_capacity",
    "readable_log",
    "slot_failover_capacity",
]
