"""The cluster: hosts, VMs, datastores and networks as plain state, validated with clear errors.

A cluster is built the way an administrator reads it::

    >>> from vmlab import Cluster
    >>> c = Cluster()
    >>> c.add_host("esx-01", cpu="intel-icelake", cores=32, memory_gib=256)
    Host('esx-01', intel-icelake, 32 cores, 256 GiB, up)
    >>> c.add_host("esx-02", cpu="intel-icelake", cores=32, memory_gib=256)
    Host('esx-02', intel-icelake, 32 cores, 256 GiB, up)
    >>> c.add_datastore("san-01", shared=True)
    Datastore('san-01', shared)
    >>> c.add_vm("web-01", host="esx-01", vcpus=2, memory_gib=4, service="web")
    VM('web-01' on esx-01, 2 vCPU, 4 GiB, web)
    >>> c.vms["web-01"].host
    'esx-01'

Nothing here knows about simulated time: :class:`vmlab.sim.Simulation` takes a copy of a
cluster and plays failures, repairs and migrations on it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pandas as pd

from vmlab import checks, ha_settings, placement
from vmlab.checks import choice, positive
from vmlab.cpus import CPU_MODELS
from vmlab.ft_rules import (
    FT_LOGGING_MIN_GBIT_S,
    FT_MAX_VCPUS,
    FT_MAX_VCPUS_PER_HOST,
    FT_MAX_VMS_PER_HOST,
    enable_problem,
)
from vmlab.ha_settings import RESTART_PRIORITIES
from vmlab.i18n import N_, _
from vmlab.words import Reason, listing

if TYPE_CHECKING:
    from vmlab.ha_settings import HAConfig

__all__ = [
    "CPU_MODELS",
    "FT_LOGGING_MIN_GBIT_S",
    "FT_MAX_VCPUS",
    "FT_MAX_VCPUS_PER_HOST",
    "FT_MAX_VMS_PER_HOST",
    "HOST_STATES",
    "NETWORK_KINDS",
    "PROTECTIONS",
    "RESTART_PRIORITIES",
    "SERVICE_PROFILES",
    "VM",
    "Cluster",
    "Datastore",
    "Host",
    "Network",
    "NotFoundError",
    "Registry",
    "ServiceProfile",
]

# ----------------------------------------------------------------------------------------
# Vocabulary
# ----------------------------------------------------------------------------------------

HOST_STATES = ("up", "down", "maintenance", "isolated")
PROTECTIONS = ("none", "ha", "ft")
NETWORK_KINDS = ("management", "vmotion", "ft_logging")


@dataclass(frozen=True)
class ServiceProfile:
    """What one kind of service looks like to the hypervisor.

    These are teaching assumptions, not measurements: round numbers of the right order
    for each kind of service, so that a database dirties memory faster and boots slower
    than a web front end. Change them to describe your own estate.
    """

    service: str
    description: str
    vcpus: int
    memory_gib: float
    dirty_rate_mib_s: float
    working_set_gib: float
    boot_s: float
    disk_gib: float = 40.0


SERVICE_PROFILES: dict[str, ServiceProfile] = {
    p.service: p
    for p in (
        ServiceProfile("web", Reason(N_("web front end (nginx)")), 2, 4, 20, 0.5, 45, 20),
        ServiceProfile("app", Reason(N_("application server (Java)")), 4, 16, 150, 3, 120, 40),
        ServiceProfile("db", Reason(N_("database (PostgreSQL)")), 8, 64, 400, 12, 300, 200),
        ServiceProfile("mail", Reason(N_("mail server")), 4, 16, 60, 2, 150, 100),
        ServiceProfile("file", Reason(N_("file server")), 2, 8, 30, 1, 90, 500),
        ServiceProfile("dc", Reason(N_("directory and DNS")), 2, 8, 10, 0.5, 90, 40),
        ServiceProfile("batch", Reason(N_("batch job server")), 4, 24, 250, 4, 120, 60),
    )
}
"""Default workload per service. ``boot_s`` is guest boot plus service start — the part of
an HA outage after the restart is issued. ``disk_gib`` is the size of the VM's disks, which a
shared-nothing vMotion copies (teaching assumptions too). A ``description`` is a
:class:`vmlab.words.Reason`: it equals the English words and prints in the current language
(a table of the profiles reads in Chinese after ``use_language("zh")``)."""


_listing = listing

_NEEDS_NAME = {
    "host": N_("A host needs a name (a non-empty string), not {value}"),
    "datastore": N_("A datastore needs a name (a non-empty string), not {value}"),
    "VM": N_("A VM needs a name (a non-empty string), not {value}"),
}
_TAKEN = {
    "host": N_("There is already a host called {name}; pick another name"),
    "datastore": N_("There is already a datastore called {name}; pick another name"),
    "VM": N_("There is already a VM called {name}; pick another name"),
}


NotFoundError = checks.NotFoundError
"""A name that is not in the cluster (one class for all of vmlab, from :mod:`vmlab.checks`)."""


T = TypeVar("T")

_REGISTRY_REPRS = {
    "Host": N_("<{n} hosts: {names}>"),
    "VM": N_("<{n} vms: {names}>"),
    "Datastore": N_("<{n} datastores: {names}>"),
}
"""How ``cluster.hosts`` (…) shows itself: ``<16 hosts: esx-01 … esx-16>``."""

# Names of what a message is about, said in the student's language (vmlab.checks.what_text).
# TRANSLATORS: what an error message is about (a noun, e.g. "Host 'esx-17' does not exist")
N_("Host"), N_("VM"), N_("Datastore"), N_("CPU model"), N_("EVC baseline"), N_("Network kind")
# TRANSLATORS: what an error message is about (a noun)
N_("Protection"), N_("Restart priority"), N_("Edition")


class Registry(Mapping[str, T], Generic[T]):
    """A read-only mapping from name to object whose missing keys explain themselves."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._items: dict[str, T] = {}

    def __getitem__(self, name: str) -> T:
        if not isinstance(name, str):
            checks.name(name, self._items, self._what)  # a list, a number …: say what a name is
        try:
            return self._items[name]
        except KeyError:
            raise NotFoundError(checks.not_found(self._what, name, self._items)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        message = _REGISTRY_REPRS.get(self._what)
        if message is None:
            return f"<{len(self)} {self._what.lower()}s: {_listing(self._items)}>"
        return _(message).format(n=len(self), names=_listing(self._items))

    def _add(self, name: str, item: T) -> None:
        self._items[name] = item


# ----------------------------------------------------------------------------------------
# The parts of a cluster
# ----------------------------------------------------------------------------------------


@dataclass
class Host:
    """A physical server running ESXi.

    Attributes
    ----------
    name : str
    cpu : str
        CPU generation, one of :data:`CPU_MODELS` (e.g. ``'intel-icelake'``).
    cores : int
    memory_gib : float
    state : str
        ``'up'``, ``'down'``, ``'maintenance'`` or ``'isolated'``.
    """

    name: str
    cpu: str
    cores: int
    memory_gib: float
    state: str = "up"

    @property
    def cpu_vendor(self) -> str:
        """``'intel'`` or ``'amd'``: vMotion never crosses vendors."""
        return CPU_MODELS[self.cpu][0]

    @property
    def cpu_generation(self) -> int:
        """Generation within the vendor; a newer one has every feature of an older one."""
        return CPU_MODELS[self.cpu][1]

    @property
    def cpu_label(self) -> str:
        return CPU_MODELS[self.cpu][2]

    def __repr__(self) -> str:
        return _("Host({name}, {cpu}, {cores} cores, {memory} GiB, {state})").format(
            name=repr(self.name), cpu=self.cpu, cores=self.cores,
            memory=f"{self.memory_gib:g}", state=self.state,
        )  # fmt: skip


@dataclass
class VM:
    """A virtual machine and the service inside it.

    Attributes
    ----------
    name, host : str
        ``host`` is the name of the host the VM is registered on (runs on, when running).
    vcpus : int
    memory_gib : float
    service : str
        What runs inside (``'web'``, ``'db'`` …), see :data:`SERVICE_PROFILES`.
    dirty_rate_mib_s, working_set_gib : float
        The workload as vMotion sees it: how fast the guest writes memory, and the size of
        the memory it keeps rewriting (Clark et al., NSDI 2005, "writable working set").
    boot_s : float
        Guest boot plus service start, in seconds.
    disk_gib : float
        Size of the VM's disks (copied by a shared-nothing vMotion).
    protection : str
        ``'none'``, ``'ha'`` or ``'ft'``.
    restart_priority : str
        One of :data:`RESTART_PRIORITIES` (used by HA).
    datastore : str
        Where the VM's disks live.
    secondary_host : str or None
        With FT on (:meth:`Cluster.enable_ft`), the host where the VM's secondary copy runs;
        ``None`` otherwise.
    """

    name: str
    host: str
    vcpus: int
    memory_gib: float
    service: str = "app"
    dirty_rate_mib_s: float = 50.0
    working_set_gib: float = 1.0
    boot_s: float = 60.0
    disk_gib: float = 40.0
    protection: str = "none"
    restart_priority: str = "medium"
    datastore: str = ""
    state: str = "running"
    secondary_host: str | None = None
    cpu_level: str = ""
    """The CPU features the guest was powered on with: its host's CPU, or the cluster's EVC
    baseline when that is lower (see :attr:`Cluster.evc`)."""

    def __repr__(self) -> str:
        said = {"name": repr(self.name), "host": self.host, "vcpus": self.vcpus,
                "memory": f"{self.memory_gib:g}", "service": self.service,
                "secondary": self.secondary_host}  # fmt: skip
        if self.secondary_host:
            return _(
                "VM({name} on {host}, {vcpus} vCPU, {memory} GiB, {service}, FT secondary on "
                "{secondary})"
            ).format(**said)
        return _("VM({name} on {host}, {vcpus} vCPU, {memory} GiB, {service})").format(**said)


@dataclass
class Datastore:
    """Storage for VM disks. A shared datastore is seen by every host listed in ``hosts``
    (``None`` = every host of the cluster); a local one by its own host only."""

    name: str
    shared: bool = True
    hosts: frozenset[str] | None = None

    def visible_from(self, host: str) -> bool:
        return self.hosts is None or host in self.hosts

    def __repr__(self) -> str:
        hosts = _listing(sorted(self.hosts or ()))
        if self.shared and self.hosts is None:
            message = _("Datastore({name}, shared)")
        elif self.shared:
            message = _("Datastore({name}, shared by {hosts})")
        else:
            message = _("Datastore({name}, local to {hosts})")
        return message.format(name=repr(self.name), hosts=hosts)


@dataclass
class Network:
    """A VMkernel network: ``management`` (HA heartbeats), ``vmotion`` or ``ft_logging``."""

    kind: str
    bandwidth_gbit_s: float

    def __repr__(self) -> str:
        return f"Network({self.kind!r}, {self.bandwidth_gbit_s:g} Gbit/s)"


# ----------------------------------------------------------------------------------------
# The cluster
# ----------------------------------------------------------------------------------------


@dataclass
class Cluster:
    """Hosts pooled as one resource pool, with the VMs that run on them.

    ``hosts``, ``vms`` and ``datastores`` are read-only mappings from name to object; add to
    them with :meth:`add_host`, :meth:`add_datastore`, :meth:`add_vm`. ``networks`` maps a
    network kind to its :class:`Network`. ``evc`` is the cluster's EVC baseline (a CPU
    model name) or ``None``.
    """

    hosts: Registry[Host] = field(default_factory=lambda: Registry("Host"))
    vms: Registry[VM] = field(default_factory=lambda: Registry("VM"))
    datastores: Registry[Datastore] = field(default_factory=lambda: Registry("Datastore"))
    networks: dict[str, Network] = field(default_factory=dict)
    _evc: str | None = field(default=None, repr=False)
    name: str = "cluster"
    ha: HAConfig | None = None
    """vSphere HA settings (:class:`vmlab.ha.HAConfig`), ``None`` while HA is off; see
    :meth:`enable_ha`."""
    drs: Any = None
    """DRS settings (:func:`vmlab.proactive.enable_drs`), ``None`` while DRS is off."""
    proactive_ha: Any = None
    """Proactive HA settings (:func:`vmlab.proactive.enable_proactive_ha`), or ``None``."""

    # -- EVC ------------------------------------------------------------------------------

    def __post_init__(self) -> None:
        checks.text(self.name, "name")

    @property
    def evc(self) -> str | None:
        """The cluster's EVC baseline (a CPU model of :data:`CPU_MODELS`), or ``None``.

        Every host is masked down to the baseline's CPU features, so VMs can move between
        hosts of different generations of one vendor. The baseline can be raised at any
        time, but it cannot be lowered below the features that running VMs already use:
        "you must power off or migrate out of the cluster" the VMs that run with features
        above the new mode, and a VM picks up a changed mode only after a power cycle
        (VMware documentation, "Change the EVC Mode for a Cluster"). Set the baseline
        before the VMs are added (powered on) to have them use it.

        >>> c = Cluster()
        >>> _ = c.add_host("old", cpu="intel-skylake"); _ = c.add_host("new", cpu="intel-icelake")
        >>> _ = c.add_datastore("san-01", shared=True)
        >>> c.evc = "intel-skylake"          # before any VM runs: fine
        >>> _ = c.add_vm("web-01", host="new", service="web")
        >>> c.vms["web-01"].cpu_level
        'intel-skylake'
        """
        return self._evc

    @evc.setter
    def evc(self, baseline: str | None) -> None:
        if baseline is not None:
            choice(baseline, CPU_MODELS, "EVC baseline")
            vendor, generation, label = CPU_MODELS[baseline]
            above = [
                vm.name
                for vm in self.vms.values()
                if vm.state in ("running", "migrating", "stunned", "booting")
                and CPU_MODELS[vm.cpu_level][0] == vendor
                and CPU_MODELS[vm.cpu_level][1] > generation
            ]
            if above:
                raise ValueError(
                    _("Cannot lower the cluster's EVC mode to {label}: {vms} already run with "
                      "newer CPU features. In vSphere those VMs must be powered off (or moved "
                      "out of the cluster) first, and a VM picks up a new EVC mode only after "
                      "a power cycle. Set cluster.evc before adding the VMs"
                      ).format(label=label, vms=_listing(above))
                )  # fmt: skip
        self._evc = baseline

    # -- building -------------------------------------------------------------------------

    def add_host(
        self, name: str, *, cpu: str = "intel-icelake", cores: int = 32, memory_gib: float = 256
    ) -> Host:
        """Add an ESXi host and return it.

        Raises
        ------
        ValueError
            The name is taken, the CPU model is unknown, or a size is not positive.
        """
        self._new_name(name, self.hosts, "host")
        choice(cpu, CPU_MODELS, "CPU model")
        if int(positive(cores, "cores")) != cores:
            raise ValueError(
                _("{what} must be a whole number, not {value}").format(
                    what="cores", value=repr(cores)
                )
            )
        host = Host(name, cpu, int(cores), positive(memory_gib, "memory_gib"))
        self.hosts._add(name, host)
        return host

    def add_datastore(
        self, name: str, *, shared: bool = True, hosts: Iterable[str] | None = None
    ) -> Datastore:
        """Add a datastore. Shared with ``hosts=None`` means every host sees it (SAN, NFS,
        vSAN); a local datastore needs exactly one host.
        """
        checks.flag(shared, "shared")
        if hosts is not None:
            checks.names(hosts, self.hosts, "Host")
        self._new_name(name, self.datastores, "datastore")
        seen = None
        if hosts is not None:
            seen = frozenset(hosts)
            for h in seen:
                self.hosts[h]  # raises NotFoundError with the valid names
        if not shared and (seen is None or len(seen) != 1):
            raise ValueError(
                _("A local datastore belongs to one host: {call}").format(
                    call=f"add_datastore({name!r}, shared=False, hosts=['esx-01'])"
                )
            )
        ds = Datastore(name, bool(shared), seen)
        self.datastores._add(name, ds)
        return ds

    def add_network(self, kind: str, *, bandwidth_gbit_s: float) -> Network:
        """Add (or replace) a VMkernel network of ``kind`` management / vmotion / ft_logging."""
        choice(kind, NETWORK_KINDS, "Network kind")
        net = Network(kind, positive(bandwidth_gbit_s, "bandwidth_gbit_s"))
        self.networks[kind] = net
        return net

    def add_vm(
        self,
        name: str,
        *,
        host: str,
        vcpus: int | None = None,
        memory_gib: float | None = None,
        service: str = "app",
        dirty_rate_mib_s: float | None = None,
        working_set_gib: float | None = None,
        boot_s: float | None = None,
        disk_gib: float | None = None,
        protection: str = "none",
        restart_priority: str = "medium",
        datastore: str | None = None,
    ) -> VM:
        """Add a running VM on ``host`` and return it.

        Sizes and workload left out come from the service's profile in
        :data:`SERVICE_PROFILES` (an unknown service uses the ``'app'`` profile). The disks go
        on ``datastore``, by default the first datastore ``host`` can see.

        Raises
        ------
        ValueError
            The name is taken; the host, datastore, protection or priority is unknown; the VM
            is larger than any host; or the host has not enough free memory or cores.
        """
        checks.name(host, self.hosts, "Host")
        checks.text(service, "service")
        if vcpus is not None:
            checks.whole(vcpus, "vcpus", low=1)
        sizes = (("memory_gib", memory_gib, "GiB"), ("working_set_gib", working_set_gib, "GiB"),
                 ("boot_s", boot_s, "s"))  # fmt: skip
        for arg, value, unit in sizes:
            if value is not None:
                checks.positive(value, arg, unit=unit, high=1e9)
        if dirty_rate_mib_s is not None:
            checks.non_negative(dirty_rate_mib_s, "dirty_rate_mib_s", unit="MiB/s", high=1e9)
        if datastore is not None:
            checks.name(datastore, self.datastores, "Datastore")
        self._new_name(name, self.vms, "VM")
        h = self.hosts[host]
        profile = SERVICE_PROFILES.get(service, SERVICE_PROFILES["app"])
        vcpus = profile.vcpus if vcpus is None else vcpus
        memory = positive(profile.memory_gib if memory_gib is None else memory_gib, "memory_gib")
        if int(positive(vcpus, "vcpus")) != vcpus:
            raise ValueError(
                _("{what} must be a whole number, not {value}").format(
                    what="vcpus", value=repr(vcpus)
                )
            )
        dirty = profile.dirty_rate_mib_s if dirty_rate_mib_s is None else dirty_rate_mib_s
        if float(dirty) < 0:
            raise ValueError(
                _("{what} must be {low} or more{unit}, not {value}").format(
                    what="dirty_rate_mib_s", low=0, unit="", value=repr(dirty)
                )
            )
        wss = positive(
            min(profile.working_set_gib, memory) if working_set_gib is None else working_set_gib,
            "working_set_gib",
        )
        if wss > memory:
            raise ValueError(
                _("working_set_gib ({wss}) cannot be larger than the VM's memory ({memory} GiB)")
                .format(wss=f"{wss:g}", memory=f"{memory:g}")
            )  # fmt: skip
        boot = positive(profile.boot_s if boot_s is None else boot_s, "boot_s")
        disk = positive(profile.disk_gib if disk_gib is None else disk_gib, "disk_gib")
        choice(protection, PROTECTIONS, "Protection")
        if protection == "ft":
            raise ValueError(
                _("FT needs a secondary copy on another host: add {vm} with protection 'none' "
                  "or 'ha', then call {call}").format(vm=repr(name),
                                                      call=f"cluster.enable_ft({name!r})")
            )  # fmt: skip
        choice(restart_priority, RESTART_PRIORITIES, "Restart priority")

        biggest = max(self.hosts.values(), key=lambda x: x.memory_gib)
        if memory > biggest.memory_gib or vcpus > max(x.cores for x in self.hosts.values()):
            raise ValueError(
                _("VM {vm} ({vcpus} vCPU, {memory} GiB) is larger than any host; the largest "
                  "is {host} ({cores} cores, {host_memory} GiB)").format(
                    vm=repr(name), vcpus=vcpus, memory=f"{memory:g}", host=biggest.name,
                    cores=biggest.cores, host_memory=f"{biggest.memory_gib:g}")
            )  # fmt: skip
        if vcpus > h.cores:
            raise ValueError(
                _("VM {vm} has {vcpus} vCPUs but {host} has only {cores} cores").format(
                    vm=repr(name), vcpus=vcpus, host=host, cores=h.cores
                )
            )
        free = self.free_memory_gib(host)
        if memory > free:
            roomy = [x for x in self.hosts if self.free_memory_gib(x) >= memory]
            raise ValueError(
                _("{host} has {free} GiB free, not enough for {vm} ({memory} GiB); hosts with "
                  "room: {hosts}").format(host=host, free=f"{free:g}", vm=repr(name),
                                          memory=f"{memory:g}", hosts=_listing(roomy))
            )  # fmt: skip
        if datastore is None:
            seen = [d.name for d in self.datastores.values() if d.visible_from(host)]
            if not seen:
                raise ValueError(
                    _("{host} sees no datastore for the disks of {vm}: add one first, e.g. "
                      "{call}").format(host=host, vm=repr(name),
                                       call="cluster.add_datastore('san-01', shared=True)")
                )  # fmt: skip
            datastore = seen[0]
        elif not self.datastores[datastore].visible_from(host):
            raise ValueError(
                _("{host} cannot see datastore {datastore}").format(
                    host=host, datastore=repr(datastore)
                )
            )
        if self.ha is not None:  # admission control may refuse it (HA's failover reserve)
            self.ha.admit(name, host, int(vcpus), memory)
            if protection == "none":
                protection = "ha"

        vm = VM(
            name=name,
            host=host,
            vcpus=int(vcpus),
            memory_gib=memory,
            service=service,
            dirty_rate_mib_s=float(dirty),
            working_set_gib=wss,
            boot_s=boot,
            disk_gib=disk,
            protection=protection,
            restart_priority=restart_priority,
            datastore=datastore,
            cpu_level=self._power_on_level(h.cpu),
        )
        self.vms._add(name, vm)
        return vm

    def _power_on_level(self, cpu: str) -> str:
        """The CPU features a guest powered on on a host with ``cpu`` sees (EVC masks them)."""
        if self._evc is None or CPU_MODELS[self._evc][0] != CPU_MODELS[cpu][0]:
            return cpu
        return min((cpu, self._evc), key=lambda m: CPU_MODELS[m][1])

    def _new_name(self, name: str, registry: Registry, what: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(_(_NEEDS_NAME[what]).format(value=repr(name)))
        if name in registry:
            raise ValueError(_(_TAKEN[what]).format(name=repr(name)))

    # -- reading ---------------------------------------------------------------------------

    def vms_on(self, host: str) -> list[VM]:
        """The VMs registered on ``host``, in the order they were added."""
        self.hosts[host]
        return [vm for vm in self.vms.values() if vm.host == host]

    def secondaries_on(self, host: str) -> list[VM]:
        """The FT VMs whose secondary copy runs on ``host``."""
        self.hosts[host]
        return [vm for vm in self.vms.values() if vm.secondary_host == host]

    def used_memory_gib(self, host: str) -> float:
        """Memory of the VMs on ``host``, FT secondaries included (FT reserves it fully)."""
        return sum(vm.memory_gib for vm in self.vms_on(host)) + sum(
            vm.memory_gib for vm in self.secondaries_on(host)
        )

    def free_memory_gib(self, host: str) -> float:
        return self.hosts[host].memory_gib - self.used_memory_gib(host)

    def used_vcpus(self, host: str) -> int:
        """vCPUs of the VMs on ``host``, FT secondaries included."""
        return sum(vm.vcpus for vm in self.vms_on(host)) + sum(
            vm.vcpus for vm in self.secondaries_on(host)
        )

    def host_table(self) -> pd.DataFrame:
        """One row per host: CPU, size, state, VMs and how full it is."""
        rows = []
        for h in self.hosts.values():
            used = self.used_memory_gib(h.name)
            rows.append(
                {
                    "host": h.name,
                    "cpu": h.cpu,
                    "cores": h.cores,
                    "memory_gib": h.memory_gib,
                    "state": h.state,
                    "vms": len(self.vms_on(h.name)),
                    "vcpus_used": self.used_vcpus(h.name),
                    "memory_used_gib": used,
                    "memory_used_pct": round(100 * used / h.memory_gib, 1),
                }
            )
        return pd.DataFrame(rows)

    def vm_table(self) -> pd.DataFrame:
        """One row per VM: where it runs, its size, workload and protection."""
        cols = [
            "name", "host", "service", "vcpus", "memory_gib", "dirty_rate_mib_s",
            "working_set_gib", "boot_s", "protection", "restart_priority", "datastore",
            "secondary_host",
        ]  # fmt: skip
        return pd.DataFrame(
            [{c: getattr(vm, c) for c in cols} for vm in self.vms.values()], columns=cols
        ).rename(columns={"name": "vm"})

    def total(self) -> dict[str, float]:
        """The cluster as one resource pool: total and used cores and memory."""
        hosts = list(self.hosts.values())
        return {
            "hosts": len(hosts),
            "cores": sum(h.cores for h in hosts),
            "memory_gib": sum(h.memory_gib for h in hosts),
            "vms": len(self.vms),
            "vcpus_used": sum(vm.vcpus for vm in self.vms.values()),
            "memory_used_gib": sum(vm.memory_gib for vm in self.vms.values()),
        }

    def copy(self) -> Cluster:
        """A deep copy: change it freely, the original stays as it was."""
        return copy.deepcopy(self)

    # -- vSphere HA (the model lives in vmlab.ha) ------------------------------------------------

    def enable_ha(
        self,
        *,
        isolation_response: str = "leave_powered_on",
        admission_control: Any = "percentage",
        host_failures: int = 1,
        percent: float | None = None,
        failover_hosts: Iterable[str] | str | None = None,
        vm_monitoring: str | None = None,
        restart_readiness: str = "allocated",
        heartbeat_datastores: int = 2,
        vmcp: str = "disabled",
        **timings: float,
    ) -> HAConfig:
        """Switch vSphere HA on for the cluster (or change its settings) and return them.

        Parameters
        ----------
        isolation_response : str
            What an isolated host does with its VMs: ``'leave_powered_on'`` (default),
            ``'power_off'`` or ``'shutdown'``.
        admission_control : str, policy or None
            ``'percentage'`` (default), ``None`` / ``'none'`` (off), ``'slots'``,
            ``'failover_hosts'``, or a :class:`vmlab.ha.PercentagePolicy` / ``SlotPolicy`` /
            ``FailoverHostsPolicy``. The default is vSphere's own when HA is turned on:
            admission control enabled with the cluster-resource percentage policy, tolerating
            1 host failure (VMware vSphere Availability, admission control (default: cluster
            resource percentage, 1 host failure)). In a cluster of 16 identical hosts it keeps
            1/16 = 6.25 % of the CPU and memory free.
        host_failures : int
            Host failures the percentage and slot policies reserve for (default 1, vSphere's
            "Host failures cluster tolerates").
        percent : float, optional
            Percentage policy: reserve this share (0–100) of CPU and memory instead.
        failover_hosts : list of str, optional
            Dedicated failover hosts (default: the last host).
        vm_monitoring : str, optional
            ``None`` (off), ``'low'``, ``'medium'`` or ``'high'`` sensitivity.
        restart_readiness : str
            When the next restart priority starts: ``'allocated'`` (vSphere's default: as
            soon as the higher priority's VMs have their resources), ``'powered_on'``,
            ``'guest_heartbeats'`` or ``'app_heartbeats'`` (when their guests run), each "or
            after" ``restart_priority_wait_s`` (600 s) (:data:`vmlab.ha_settings.READINESS`).
        heartbeat_datastores : int
            Heartbeat datastores per host, 0–5 (default 2, vSphere's). With them a failed
            host is declared dead after 18 s, without them after 15 s; without them HA also
            cannot tell a failed host from an isolated or partitioned one.
        vmcp : str
            VM Component Protection (:data:`vmlab.ha_settings.VMCP_RESPONSES`): what HA does
            when a host loses a datastore (:meth:`vmlab.Simulation.storage_fault`):
            ``'disabled'`` (vSphere's default), ``'issue_events'``, ``'conservative'`` or
            ``'aggressive'`` (power off and restart). A PDL is acted on at once, an APD after
            ``apd_timeout_s`` (140 s) plus ``vmcp_apd_delay_s`` (180 s).
        **timings
            Override a published default, e.g. ``failure_detection_s=15``.

        Every VM with protection ``'none'`` becomes ``'ha'``. A bad setting raises
        ``ValueError`` listing the choices, and nothing changes.

        >>> c = Cluster.example()
        >>> policy = c.enable_ha().admission_control  # vSphere's default
        >>> policy.name, policy.host_failures
        ('percentage', 1)
        >>> c.enable_ha(admission_control="slots").failover_capacity
        0
        >>> c.ha.primary
        'esx-01'
        """
        config = ha_settings.make_config(
            self, isolation_response=isolation_response, admission_control=admission_control,
            host_failures=host_failures, percent=percent, failover_hosts=failover_hosts,
            vm_monitoring=vm_monitoring, restart_readiness=restart_readiness,
            heartbeat_datastores=heartbeat_datastores, vmcp=vmcp, **timings,
        )  # fmt: skip
        self.ha = config
        for vm in self.vms.values():
            if vm.protection == "none":
                vm.protection = "ha"
        return config

    def disable_ha(self) -> None:
        """Switch HA off: VMs protected by HA go back to protection ``'none'``.

        Raises
        ------
        ValueError
            A VM still has FT, which needs HA (VMware documentation); the message names the
            VMs and says to call ``cluster.disable_ft(vm)`` first. Nothing changes.
        """
        with_ft = [vm.name for vm in self.vms.values() if vm.secondary_host is not None]
        if with_ft:
            raise ValueError(
                _("HA cannot be switched off while FT protects {vms}: FT needs HA. Turn FT off "
                  "first with {call}").format(vms=_listing(with_ft),
                                              call=f"cluster.disable_ft({with_ft[0]!r})")
            )  # fmt: skip
        self.ha = None
        for vm in self.vms.values():
            if vm.protection == "ha":
                vm.protection = "none"

    def __repr__(self) -> str:
        return _("<Cluster {name}: {hosts} hosts, {vms} VMs>").format(
            name=repr(self.name), hosts=len(self.hosts), vms=len(self.vms)
        )

    # -- vSphere FT (its rules live in vmlab.ft_rules, its behaviour in vmlab.ft_agent) ------

    def ft_host_problems(
        self, vm: str, host: str, *, edition: str = "enterprise_plus"
    ) -> list[str]:
        """Why ``host`` cannot run the FT secondary of ``vm`` (an empty list: it can).

        The rules are :mod:`vmlab.placement`'s for a secondary: not the primary's host, up, a
        CPU the primary's can be followed on (the same model, or the same vendor under an EVC
        baseline), the VM's datastore visible, the VM's memory free (FT reserves it fully),
        and at most :data:`FT_MAX_VMS_PER_HOST` FT VMs and :data:`FT_MAX_VCPUS_PER_HOST` FT
        vCPUs on the host (VMware documentation).

        >>> c = Cluster.example()
        >>> c.ft_host_problems("web-01", "esx-01")
        ['esx-01 runs the primary; the secondary must be on another host']
        >>> c.ft_host_problems("web-01", "esx-02")
        []
        """
        choice(edition, FT_MAX_VCPUS, "Edition")
        found = placement.problems(self, vm, host, "secondary")
        if found and not found[0].startswith(host):
            found = [f"{host} {found[0]}", *found[1:]]
        return found

    def ft_vms_on(self, host: str) -> list[VM]:
        """FT VMs with a copy on ``host``: primaries registered there and secondaries."""
        checks.name(host, self.hosts, "Host")
        return [
            vm
            for vm in self.vms.values()
            if (vm.protection == "ft" and vm.host == host) or vm.secondary_host == host
        ]

    def enable_ft(
        self, vm: str, *, secondary_host: str | None = None, edition: str = "enterprise_plus"
    ) -> VM:
        """Turn on vSphere Fault Tolerance for ``vm``: a secondary copy on another host.

        Parameters
        ----------
        vm : str
            The VM's name.
        secondary_host : str, optional
            Where the secondary runs. Default: the host that can take it with the most free
            memory (the first such host on a tie), chosen by :func:`vmlab.placement.place`.
        edition : str
            The vSphere edition, which sets the vCPU limit per FT VM (:data:`FT_MAX_VCPUS`:
            2 for ``'standard'`` and ``'enterprise'``, 8 for ``'enterprise_plus'``).

        Returns
        -------
        VM
            The VM, now with ``protection == 'ft'`` and ``secondary_host`` set.

        Raises
        ------
        ValueError
            A rule of :func:`vmlab.ft_rules.enable_problem` is broken (HA off, too many vCPUs,
            no or a slow FT logging network, disks not on shared storage, FT already on), or
            no host can run the secondary. The message names the rule and what to change;
            the cluster is left as it was.

        Examples
        --------
        >>> c = Cluster.example()
        >>> _ = c.enable_ha()  # FT needs HA on the cluster
        >>> c.enable_ft("web-01")
        VM('web-01' on esx-01, 2 vCPU, 4 GiB, web, FT secondary on esx-02)
        >>> c.free_memory_gib("esx-02")  # 48 GiB of VMs, plus the 4 GiB secondary
        204.0
        """
        v = self.vms[vm]
        choice(edition, FT_MAX_VCPUS, "Edition")
        problem = enable_problem(self, vm, edition)
        if problem:
            raise ValueError(problem)
        if secondary_host is not None:
            self.hosts[secondary_host]
            problems = self.ft_host_problems(vm, secondary_host, edition=edition)
            if problems:
                raise ValueError(
                    _("The secondary of {vm} cannot run on {host}: {problems}").format(
                        vm=repr(vm), host=secondary_host, problems=_("; ").join(problems)
                    )
                )
            target = secondary_host
        else:
            chosen = placement.place(self, vm, "secondary")
            if chosen.host is None:
                raise ValueError(
                    _("No host can run the secondary of {vm} ({vcpus} vCPU, {memory} GiB): "
                      "{why}. FT needs a second host with a matching CPU and room").format(
                        vm=repr(vm), vcpus=v.vcpus, memory=f"{v.memory_gib:g}",
                        why=chosen.why_not())
                )  # fmt: skip
            target = chosen.host
        v.protection = "ft"
        v.secondary_host = target
        return v

    def disable_ft(self, vm: str) -> VM:
        """Turn FT off for ``vm``: its secondary is removed and its memory freed there.

        The VM keeps running where it is, protected by HA when the cluster has HA, else by
        nothing.

        Raises
        ------
        ValueError
            ``vm`` has no FT; the message lists the VMs that do.
        """
        v = self.vms[vm]
        if v.secondary_host is None and v.protection != "ft":
            with_ft = [x.name for x in self.vms.values() if x.secondary_host]
            raise ValueError(
                _("VM {vm} has no FT; VMs with FT: {vms}").format(
                    vm=repr(vm), vms=_listing(with_ft)
                )
            )
        v.secondary_host = None
        v.protection = "ha" if self.ha is not None else "none"
        return v

    # -- the source document's cluster -------------------------------------------------------

    @classmethod
    def example(cls, hosts: int = 16, vms: int | None = None) -> Cluster:
        """The cluster of the source document: 16 identical hosts on shared storage.

        16 × Intel Ice Lake hosts (32 cores, 256 GiB each) on one shared SAN datastore, a
        1 Gbit/s management network, 10 Gbit/s vMotion and FT-logging networks, running 76
        VMs of a typical company:

        ======== ===== ======================================================
        service  count what it is
        ======== ===== ======================================================
        web         24 web front ends, 2 vCPU / 4 GiB
        app         16 application servers, 4 vCPU / 16 GiB
        db           8 databases, 8 vCPU / 64 GiB, busy memory, slow start
        mail         8 mail servers, 4 vCPU / 16 GiB
        file        12 file servers, 2 vCPU / 8 GiB
        dc           8 directory / DNS servers, 2 vCPU / 8 GiB
        ======== ===== ======================================================

        VMs are spread round-robin over the hosts in the order of the table, so every host
        runs a mix. Workloads follow :data:`SERVICE_PROFILES`. The result is the same every
        time.

        A larger (or smaller) cluster of the same kind: ``hosts`` identical hosts, and ``vms``
        VMs (default: the same 4.75 VMs per host) in the same service mix, e.g.
        ``Cluster.example(hosts=64, vms=600)`` for a class exercise at scale.

        >>> big = Cluster.example(hosts=64, vms=600)
        >>> len(big.hosts), len(big.vms), big.vms_on("esx-64")[0].name
        (64, 600, 'web-64')
        """
        hosts = checks.whole(hosts, "hosts", low=1, high=256)  # more is slow to build and run
        if vms is not None:
            vms = checks.whole(vms, "vms", low=1, high=40 * hosts)
        hosts = int(positive(hosts, "hosts"))
        counts = {"web": 24, "app": 16, "db": 8, "mail": 8, "file": 12, "dc": 8}
        total = sum(counts.values())
        if hosts != 16 or vms is not None:
            wanted = round(total * hosts / 16) if vms is None else int(positive(vms, "vms"))
            scaled = {k: n * wanted / total for k, n in counts.items()}
            counts = {k: int(x) for k, x in scaled.items()}
            for service in sorted(scaled, key=lambda s: int(scaled[s]) - scaled[s])[
                : wanted - sum(counts.values())
            ]:
                counts[service] += 1
        c = cls(name="example")
        for i in range(1, hosts + 1):
            c.add_host(f"esx-{i:02d}", cpu="intel-icelake", cores=32, memory_gib=256)
        c.add_datastore("san-01", shared=True)
        c.add_network("management", bandwidth_gbit_s=1)
        c.add_network("vmotion", bandwidth_gbit_s=10)
        c.add_network("ft_logging", bandwidth_gbit_s=10)
        names = list(c.hosts)
        k = 0
        for service, n in counts.items():
            for i in range(1, n + 1):
                c.add_vm(f"{service}-{i:02d}", host=names[k % len(names)], service=service)
                k += 1
        return c
