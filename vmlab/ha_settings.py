"""vSphere HA's settings: its published constants, the admission-control policies and
``HAConfig`` (what ``cluster.enable_ha()`` returns and ``cluster.ha`` holds).

These are plain data and arithmetic on a cluster spec; the HA agent that acts on them during a
run is :mod:`vmlab.ha`, and its log wording :mod:`vmlab.ha_log`.

Detection follows the published timeline (Duncan Epping, "vSphere HA deepdive",
figures.md): a failed secondary host is declared dead 15 s after its last heartbeat when no
heartbeat datastores are configured, 18 s when they are (vmlab's default, as vSphere picks 2
heartbeat datastores per host when shared datastores exist); a failed primary costs an
election first (it starts 10 s after the last heartbeat, the new primary is elected at 25 s
and starts restarts at 35 s).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from vmlab import checks
from vmlab.i18n import N_, _
from vmlab.words import Reason
from vmlab.words import listing as _listing

if TYPE_CHECKING:
    from vmlab.cluster import Cluster

__all__ = [
    "ADMISSION_POLICIES",
    "APD_TIMEOUT_S",
    "AdmissionPolicy",
    "DEFAULT_ADMISSION_CONTROL",
    "ELECTION_S",
    "ELECTION_START_S",
    "FAILURE_DETECTION_S",
    "FAILURE_DETECTION_WITH_DATASTORES_S",
    "FailoverHostsPolicy",
    "HAConfig",
    "HEARTBEAT_DATASTORES",
    "HEARTBEAT_INTERVAL_S",
    "ISOLATION_DETECTION_PRIMARY_S",
    "ISOLATION_DETECTION_SECONDARY_S",
    "ISOLATION_POLICY_DELAY_S",
    "ISOLATION_RESPONSES",
    "ISOLATION_SHUTDOWN_S",
    "MAX_HEARTBEAT_DATASTORES",
    "MAX_RESTART_ATTEMPTS",
    "PRIMARY_TAKEOVER_S",
    "PRIORITY_ORDER",
    "PercentagePolicy",
    "READINESS",
    "RESTART_PRIORITIES",
    "RESTART_PRIORITY_WAIT_S",
    "SLOT_DEFAULT_CPU_MHZ",
    "SlotPolicy",
    "VM_MONITORING_INTERVALS_S",
    "VM_MONITORING_LEVELS",
    "VM_MONITORING_MAX_RESETS",
    "VMCP_APD_DELAY_S",
    "VMCP_RESPONSES",
    "make_config",
    "make_policy",
    "memory_failover_capacity",
    "slot_failover_capacity",
]

RESTART_PRIORITIES = ("disabled", "lowest", "low", "medium", "high", "highest")
"""vSphere HA restart priorities, lowest to highest; ``medium`` is the default
(VMware documentation, "VM restart priority")."""

# ----------------------------------------------------------------------------------------
# Published defaults (reference/figures.md, "vSphere HA")
# ----------------------------------------------------------------------------------------

HEARTBEAT_INTERVAL_S = 1.0
"""Heartbeats every 1 s between the primary and the other hosts (VMware documentation)."""

FAILURE_DETECTION_S = 15.0
"""A host is declared failed 15 s after its last network heartbeat when it also answers no
ping and no heartbeat datastores are configured (VMware documentation; Epping, "vSphere HA
deepdive": "T15s – if no heartbeat datastores are configured, the host will be declared
dead")."""

FAILURE_DETECTION_WITH_DATASTORES_S = 18.0
"""With heartbeat datastores the primary also waits for the host's datastore heartbeats to
stop: declared dead at T+18 s (Epping, "vSphere HA deepdive", figures.md: "T18s – if
heartbeat datastores are configured, the host will be declared dead")."""

ISOLATION_DETECTION_PRIMARY_S = 5.0
"""A primary that hears nobody and cannot ping its isolation address declares itself
isolated after about 5 s (Broadcom KB)."""

ISOLATION_DETECTION_SECONDARY_S = 30.0
"""A secondary declares itself isolated after about 30 s (Broadcom KB)."""

ISOLATION_POLICY_DELAY_S = 30.0
"""The isolation response starts 30 s after the host declares itself isolated
(vSphere API, ``fdm.isolationPolicyDelaySec``)."""

RESTART_PRIORITY_WAIT_S = 600.0
"""A lower restart priority waits until the higher ones meet the readiness condition, or at
most 600 s ("or after timeout occurs at", VMware documentation; Terraform vSphere provider
docs)."""

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
as the signal that tells a failed host from an isolated or partitioned one, and for the
detection time (:data:`FAILURE_DETECTION_WITH_DATASTORES_S`)."""

MAX_HEARTBEAT_DATASTORES = 5

SLOT_DEFAULT_CPU_MHZ = 32.0
"""The slot policy's CPU slot when no VM has a CPU reservation: 32 MHz (VMware
documentation)."""

ELECTION_START_S = 10.0
"""The other hosts start an election 10 s after their primary's last heartbeat (Epping,
"vSphere HA deepdive", figures.md: "T10s – election begins")."""

ELECTION_S = 15.0
"""An election takes 15 s: it starts at T+10 s and the new primary is elected at T+25 s
(Epping, "vSphere HA deepdive", figures.md)."""

PRIMARY_TAKEOVER_S = 10.0
"""A newly elected primary reads the protected-VM list and starts the restarts of hosts
already silent 10 s later, at T+35 s after a primary failure (Epping, "vSphere HA
deepdive", figures.md: "T35s – new primary initiates restarts")."""

READINESS = ("allocated", "powered_on", "guest_heartbeats", "app_heartbeats")
"""HA's "start next priority VMs when" condition: resources allocated (vSphere's default),
powered on, guest heartbeats detected, app heartbeats detected (vSphere API
``ClusterVmReadiness.readyCondition``, default ``none`` = resources allocated; VMware
vSphere 6.5+ Availability documentation). vmlab counts a guest as heartbeating when its
service runs (state ``running``); app heartbeats are treated the same way."""

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

APD_TIMEOUT_S = 140.0
"""A host declares All Paths Down timed out 140 s after it lost every path to a device (the
host's APD timeout, default 140 s; VMware vSphere 6.0 Availability guide, "VMCP"; figures.md).
Until then it retries the VMs' I/O; VMCP acts on an APD only after this timeout."""

VMCP_APD_DELAY_S = 180.0
"""VMCP's "delay for VM failover for APD": after the APD timeout it waits 180 s more before it
terminates and restarts the affected VMs, so about 320 s after the paths were lost (VMware
vSphere 6.0 Availability guide, "VMCP"; figures.md). A PDL is acted on at once."""

VMCP_RESPONSES = ("disabled", "issue_events", "conservative", "aggressive")
"""VM Component Protection's response to a datastore the VMs lost: ``disabled`` (vSphere's
default), ``issue_events`` (events and alarms only), or power off and restart,
``conservative`` (only when HA can confirm another host can take the VM) or ``aggressive``
(also when it cannot ask the primary, e.g. in a network partition) (VMware vSphere 6.0
Availability guide; vSphere API ``ClusterVmComponentProtectionSettings``; figures.md). vmlab
uses one response for APD and PDL; vSphere sets them separately (PDL has no conservative /
aggressive choice: both mean power off and restart)."""

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
        checks.whole(self.host_failures, "host_failures", high=10**6)
        object.__setattr__(self, "host_failures", checks.whole(self.host_failures, "host_failures"))
        for attr in ("cpu_pct", "memory_pct"):
            value = getattr(self, attr)
            if value is not None:
                object.__setattr__(self, attr, checks.percent(value, attr))

    def reserved_pct(self, cluster: Cluster) -> tuple[float, float]:
        """The reserved CPU and memory, in percent of the cluster."""
        checks.cluster(cluster)
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
        checks.whole(self.host_failures, "host_failures", high=10**6)
        for attr in ("slot_vcpus", "slot_memory_gib"):
            if getattr(self, attr) is not None:
                checks.positive(getattr(self, attr), attr, high=1e9)
        object.__setattr__(self, "host_failures", checks.whole(self.host_failures, "host_failures"))
        for attr in ("slot_vcpus", "slot_memory_gib"):
            value = getattr(self, attr)
            if value is not None and not float(value) > 0:
                raise ValueError(
                    _("{what} must be greater than {low}, not {value}").format(
                        what=attr, low=0, value=repr(value)
                    )
                )


@dataclass(frozen=True)
class FailoverHostsPolicy:
    """Dedicated failover hosts: kept for restarts; admission control puts no new VM there."""

    hosts: tuple[str, ...] = ()
    name: str = field(default="failover_hosts", init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.hosts, str):
            checks.text(self.hosts, N_("failover host"))
        else:
            checks.names(
                self.hosts,
                [h for h in self.hosts if isinstance(h, str)]
                if isinstance(self.hosts, list | tuple | set | frozenset)
                else [],
                "Host",
                empty_ok=True,
            )
        hosts = (self.hosts,) if isinstance(self.hosts, str) else tuple(self.hosts)
        object.__setattr__(self, "hosts", hosts)
        if not hosts:
            raise ValueError(
                _("Name at least one dedicated failover host, e.g. {code}").format(
                    code="failover_hosts=['esx-16']"
                )
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
    for what, pairs, low_open in (("hosts", hosts, False), ("vms", vms, True)):
        if isinstance(pairs, str | bytes) or not isinstance(pairs, list | tuple):
            raise ValueError(
                _("{what} must be a list of (cpu, memory) pairs, such as [(9, 9)], not {value}")
                .format(what=what, value=checks.describe(pairs))
            )  # fmt: skip
        for pair in pairs:
            if not (isinstance(pair, list | tuple) and len(pair) == 2):
                raise ValueError(
                    _("Each of {what} is a (cpu, memory) pair, such as (9, 9), not {value}")
                    .format(what=what, value=checks.describe(pair))
                )  # fmt: skip
            for x in pair:
                size = _("each size in {what}").format(what=what)
                checks.number(x, size, low=0, low_open=low_open, high=1e12)
    if slot is not None:
        if not (isinstance(slot, list | tuple) and len(slot) == 2):
            raise ValueError(
                _("slot is a (cpu, memory) pair, such as (2, 2), not {value}").format(
                    value=checks.describe(slot)
                )
            )
        for x in slot:
            checks.positive(x, N_("each size of slot"), high=1e12)
    if not hosts:
        return 0
    if slot is None:
        slot = (
            max((c for c, _unused in vms), default=SLOT_DEFAULT_CPU_MHZ),
            max((m for _unused, m in vms), default=1.0),
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

    >>> from vmlab import Cluster
    >>> memory_failover_capacity(Cluster.example())
    11
    """
    checks.cluster(cluster)
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
    restart_readiness: str = "allocated"
    heartbeat_datastores: int = HEARTBEAT_DATASTORES
    vmcp: str = "disabled"
    apd_timeout_s: float = APD_TIMEOUT_S
    vmcp_apd_delay_s: float = VMCP_APD_DELAY_S
    heartbeat_interval_s: float = HEARTBEAT_INTERVAL_S
    failure_detection_s: float | None = None
    election_start_s: float = ELECTION_START_S
    election_s: float = ELECTION_S
    primary_takeover_s: float = PRIMARY_TAKEOVER_S
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
    def uses_datastore_heartbeats(self) -> bool:
        """Whether the primary has heartbeat datastores: at least one is asked for and the
        cluster has a shared datastore to put them on."""
        cluster = self.cluster
        shared = cluster is not None and any(d.shared for d in cluster.datastores.values())
        return self.heartbeat_datastores > 0 and shared

    def heartbeat_datastores_of(self, host: str) -> list[str]:
        """The heartbeat datastores of ``host``: the first ``heartbeat_datastores`` shared
        datastores it sees (vCenter picks them to maximise the hosts that reach one and to
        avoid datastores on the same LUN or NFS server, VMware vSphere Availability,
        "Datastore Heartbeating"; vmlab simply takes them in order).

        >>> from vmlab import Cluster
        >>> c = Cluster.example()
        >>> c.enable_ha().heartbeat_datastores_of("esx-03")
        ['san-01']
        """
        cluster = self.cluster
        if cluster is None:
            return []
        seen = [d.name for d in cluster.datastores.values() if d.shared and d.visible_from(host)]
        return seen[: self.heartbeat_datastores]

    @property
    def detection_s(self) -> float:
        """Seconds from a host's last heartbeat until the primary declares it failed:
        ``failure_detection_s`` when set, else 18 s with heartbeat datastores and 15 s
        without (:data:`FAILURE_DETECTION_WITH_DATASTORES_S`, :data:`FAILURE_DETECTION_S`)."""
        if self.failure_detection_s is not None:
            return float(self.failure_detection_s)
        if self.uses_datastore_heartbeats:
            return FAILURE_DETECTION_WITH_DATASTORES_S
        return FAILURE_DETECTION_S

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

        >>> from vmlab import Cluster
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

        Each figure's name is a :class:`vmlab.words.Reason`: it equals the English name (look a
        row up with ``report.set_index("figure").value["policy satisfied"]`` in either
        language) and prints in the current language, like the notes.

        >>> from vmlab import Cluster
        >>> Cluster.example().enable_ha(admission_control="percentage").report().figure.tolist()[:3]
        ['primary', 'admission control', 'current failover capacity (hosts)']
        """
        cluster = self._cluster()
        rows: list[tuple[str, Any, str]] = [
            # TRANSLATORS: a row of HA's admission-control report: HA's primary host
            (_figure(N_("primary")), self.primary, _("the host that watches the others")),
            (_figure(N_("admission control")), self.policy_name, ""),
            (
                _figure(N_("current failover capacity (hosts)")),
                self.failover_capacity,
                _("host failures whose VMs can all be restarted"),
            ),
        ]
        ac = self.admission_control
        cpu_free, mem_free = self._free_pct(cluster)
        rows += [
            (
                _figure(N_("free CPU (%)")),
                round(cpu_free, 1),
                _("vCPUs not in use, of all cores of up hosts"),
            ),
            (
                _figure(N_("free memory (%)")),
                round(mem_free, 1),
                _("memory not in use, of all up hosts"),
            ),
        ]
        if isinstance(ac, PercentagePolicy):
            cpu, mem = ac.reserved_pct(cluster)
            rows += [
                (_figure(N_("reserved CPU (%)")), round(cpu, 1), _("kept free for failover")),
                (_figure(N_("reserved memory (%)")), round(mem, 1), _("kept free for failover")),
            ]
        if isinstance(ac, SlotPolicy):
            hosts, vms, slot = self._slot_inputs()
            total = sum(
                min(math.floor(c / slot[0] + 1e-9), math.floor(m / slot[1] + 1e-9))
                for c, m in hosts
            )
            rows += [
                (
                    _figure(N_("slot size")),
                    f"{slot[0]:g} vCPU, {slot[1]:g} GiB",
                    _("largest CPU and largest memory reservation, each taken separately"),
                ),
                (_figure(N_("slots in the cluster")), total, ""),
                (_figure(N_("slots used")), len(vms), _("one per powered-on VM")),
            ]
        if isinstance(ac, FailoverHostsPolicy):
            rows.append(
                (_figure(N_("failover hosts")), ", ".join(ac.hosts), _("kept for restarts"))
            )
        rows.append(
            (
                _figure(N_("policy satisfied")),
                self.satisfied(),
                _("the reserve asked for is really free"),
            )
        )
        return pd.DataFrame(rows, columns=["figure", "value", "note"])

    def vms_on_failover_hosts(self) -> dict[str, list[str]]:
        """The VMs that run on dedicated failover hosts, by host (empty: the hosts are kept
        empty, as vSphere keeps them).

        >>> from vmlab import Cluster
        >>> c = Cluster.example()
        >>> c.enable_ha(admission_control="failover_hosts").vms_on_failover_hosts()["esx-16"][:2]
        ['web-16', 'app-08']
        """
        cluster = self._cluster()
        return {h: [vm.name for vm in cluster.vms_on(h)] for h in self.failover_hosts
                if cluster.vms_on(h)}  # fmt: skip

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
                    _("Admission control refuses {vm} on {host}: it is a dedicated failover "
                      "host, kept empty for restarts. Put it on another host ({hosts}).")
                    .format(vm=repr(name), host=host, hosts=_listing(others))
                )  # fmt: skip
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
                    # the percentages come with their "%" (a "%" in a msgid reads as a
                    # printf field to the catalog tools)
                    _("Admission control refuses {vm}: with it only {cpu_free} of the CPU and "
                      "{mem_free} of the memory would be free, but the percentage policy keeps "
                      "{cpu_reserved} CPU and {mem_reserved} memory for failover. Remove a VM, "
                      "add a host, or lower the reserve.")
                    .format(vm=repr(name), cpu_free=f"{cpu_free:.1f} %",
                            mem_free=f"{mem_free:.1f} %", cpu_reserved=f"{cpu_res:g} %",
                            mem_reserved=f"{mem_res:g} %")
                )  # fmt: skip
            return
        hosts, vms, slot = self._slot_inputs(extra=(vcpus, memory_gib))
        capacity = slot_failover_capacity(hosts, vms, slot=slot)
        if capacity < ac.host_failures:
            raise ValueError(
                _("Admission control refuses {vm}: with it the slot policy could absorb only "
                  "{capacity} host failure(s), not the {promised} it promises. Remove a VM, add "
                  "a host, or make the slot smaller.")
                .format(vm=repr(name), capacity=capacity, promised=ac.host_failures)
            )  # fmt: skip

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
        slot_cpu = max((c for c, _unused in vms), default=1.0)
        slot_mem = max((m for _unused, m in vms), default=1.0)
        if isinstance(ac, SlotPolicy):
            slot_cpu = float(ac.slot_vcpus) if ac.slot_vcpus is not None else slot_cpu
            slot_mem = float(ac.slot_memory_gib) if ac.slot_memory_gib is not None else slot_mem
        return hosts, vms, (slot_cpu, slot_mem)


def _figure(name: str) -> Reason:
    return Reason(name)


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
            _("Admission control {value} is not known; choose one of {options} (or None), or "
              "pass a PercentagePolicy, SlotPolicy or FailoverHostsPolicy")
            .format(value=repr(admission_control), options=", ".join(ADMISSION_POLICIES))
        )  # fmt: skip
    assert isinstance(policy, FailoverHostsPolicy)
    for h in policy.hosts:
        cluster.hosts[h]  # unknown → NotFoundError listing the hosts
    if len(set(policy.hosts)) >= len(cluster.hosts):
        raise ValueError(_("At least one host must run VMs: not every host can be a failover host"))
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
    restart_readiness: str = "allocated",
    heartbeat_datastores: int = HEARTBEAT_DATASTORES,
    vmcp: str = "disabled",
    **timings: float,
) -> HAConfig:
    """Validate every setting and build the :class:`HAConfig` (used by ``Cluster.enable_ha``).

    Nothing is changed here; a bad setting raises ``ValueError`` naming the valid choices.
    """
    checks.choice(isolation_response, ISOLATION_RESPONSES, N_("Isolation response"))
    if vm_monitoring is not None and not isinstance(vm_monitoring, str):
        checks.choice(vm_monitoring, ("off", "low", "medium", "high"), N_("VM monitoring"))
    if isinstance(admission_control, str) and admission_control != "none":
        checks.choice(admission_control, ADMISSION_POLICIES, N_("Admission control"))
    checks.whole(host_failures, "host_failures", low=0, high=max(len(cluster.hosts), 1))
    if percent is not None:
        checks.percent(percent, "percent")
    if failover_hosts is not None:
        checks.names(failover_hosts, cluster.hosts, "Host")
    for key, value in timings.items():
        if key == "max_restart_attempts":
            checks.whole(value, key, low=0, high=100)
        elif key in HAConfig.__dataclass_fields__:
            checks.number(value, key, unit="s", low=0, high=1e6)
    if isolation_response not in ISOLATION_RESPONSES:
        raise ValueError(
            _("{what} {value} is not known; choose one of {options}").format(
                what=_("Isolation response"), value=repr(isolation_response),
                options=", ".join(ISOLATION_RESPONSES))
        )  # fmt: skip
    if vm_monitoring == "off":
        vm_monitoring = None
    if vm_monitoring is not None and vm_monitoring not in VM_MONITORING_INTERVALS_S:
        raise ValueError(
            _("VM monitoring {value} is not known; choose one of {options} (or None)").format(
                value=repr(vm_monitoring), options=", ".join(VM_MONITORING_LEVELS)
            )
        )
    if not cluster.hosts:
        raise ValueError(
            _("HA needs hosts: add some with {call} first").format(call="cluster.add_host(...)")
        )
    checks.choice(restart_readiness, READINESS, N_("Restart readiness"))
    checks.choice(vmcp, VMCP_RESPONSES, N_("VM Component Protection response (vmcp)"))
    heartbeat_datastores = checks.whole(heartbeat_datastores, "heartbeat_datastores")
    if heartbeat_datastores > MAX_HEARTBEAT_DATASTORES:
        raise ValueError(
            _("heartbeat_datastores can be at most {limit} (vSphere's limit), not {value}").format(
                limit=MAX_HEARTBEAT_DATASTORES, value=heartbeat_datastores
            )
        )
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
                _("enable_ha() has no setting {key}; timings are {names}").format(
                    key=repr(key), names=", ".join(sorted(known))
                )
            )
        if key == "max_restart_attempts":
            timings[key] = checks.whole(value, key, low=1)
        else:
            timings[key] = checks.non_negative(value, key)
    up = [h.name for h in cluster.hosts.values() if h.state == "up"]
    primary = (up or list(cluster.hosts))[0]
    return HAConfig(
        primary=primary,
        isolation_response=isolation_response,
        admission_control=policy,
        vm_monitoring=vm_monitoring,
        restart_readiness=restart_readiness,
        heartbeat_datastores=heartbeat_datastores,
        vmcp=vmcp,
        cluster=cluster,
        **timings,  # type: ignore[arg-type]
    )
