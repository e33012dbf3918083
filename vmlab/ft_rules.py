"""vSphere FT's rules: which VMs may have FT, and where a secondary may run.

These are plain rules on a cluster (spec or run state), used when a student turns FT on
(:meth:`vmlab.Cluster.enable_ft`) and by :mod:`vmlab.placement` whenever a secondary is
placed during a run. FT's behaviour in time is :mod:`vmlab.ft_agent`.
"""

from __future__ import annotations

from typing import Any

from vmlab.i18n import N_, _
from vmlab.words import listing, say

__all__ = [
    "FT_LOGGING_MIN_GBIT_S",
    "FT_MAX_VCPUS",
    "FT_MAX_VCPUS_PER_HOST",
    "FT_MAX_VMS_PER_HOST",
    "enable_problem",
    "ft_limit_problems",
    "secondary_cpu_problem",
]

# vSphere FT limits (reference/figures.md, "SMP-FT (vSphere 6+)" and "FT per host").
FT_MAX_VCPUS: dict[str, int] = {"standard": 2, "enterprise": 2, "enterprise_plus": 8}
"""Most vCPUs one FT VM may have, by vSphere edition (VMware documentation)."""
FT_MAX_VMS_PER_HOST = 4
"""Most FT VMs (primaries and secondaries together) on one host (``das.maxftvmsperhost``,
VMware documentation)."""
FT_MAX_VCPUS_PER_HOST = 8
"""Most FT vCPUs (primaries and secondaries together) on one host
(``das.maxftvcpusperhost``, VMware documentation)."""
FT_LOGGING_MIN_GBIT_S = 10.0
"""SMP-FT needs a dedicated 10 Gbit/s low-latency logging network (VMware documentation)."""


def secondary_cpu_problem(view: Any, vm: str, host: str) -> str | None:
    """Why ``host``'s CPU cannot replay ``vm``'s primary (same model, or the same vendor
    under an EVC baseline), or ``None``."""
    v = view.vms[vm]
    h, p = view.hosts[host], view.hosts[v.host]
    if h.cpu == p.cpu or (view.evc is not None and h.cpu_vendor == p.cpu_vendor):
        return None
    return say(
        N_("{host} has a {cpu} CPU and {primary_host} a {primary_cpu}: the secondary follows "
           "the primary instruction by instruction, so the CPUs must match (or set an EVC "
           "baseline)"),
        host=host, cpu=h.cpu_label, primary_host=v.host, primary_cpu=p.cpu_label,
    )  # fmt: skip


def ft_limit_problems(view: Any, vm: str, host: str) -> list[str]:
    """The per-host FT limits if one more copy of FT VM ``vm`` lands on ``host``."""
    v = view.vms[vm]
    others = [x for x in view.ft_vms_on(host) if x.name != vm]
    problems = []
    if len(others) + 1 > FT_MAX_VMS_PER_HOST:
        problems.append(
            say(N_("{host} already holds {n} FT VMs (limit {limit})"), host=host,
                   n=len(others), limit=FT_MAX_VMS_PER_HOST)
        )  # fmt: skip
    vcpus = sum(x.vcpus for x in others) + v.vcpus
    if vcpus > FT_MAX_VCPUS_PER_HOST:
        problems.append(
            say(N_("{host} would hold {n} FT vCPUs (limit {limit})"), host=host, n=vcpus,
                   limit=FT_MAX_VCPUS_PER_HOST)
        )  # fmt: skip
    return problems


def enable_problem(cluster: Any, vm: str, edition: str) -> str | None:
    """What forbids turning FT on for ``vm`` (before any host is chosen), or ``None``.

    The rules: HA on the cluster (FT needs it: "vSphere HA must be enabled on the cluster
    before you can use Fault Tolerance", VMware documentation), FT not on already, at most
    :data:`FT_MAX_VCPUS` vCPUs for the edition, a logging network of at least
    :data:`FT_LOGGING_MIN_GBIT_S`, disks on shared storage (the secondary's host must reach
    them; with SMP-FT the secondary gets its own copy of the disks, which vmlab puts on the
    same shared datastore), and room for one more FT VM on the primary's host.
    """
    v = cluster.vms[vm]
    if cluster.ha is None:
        return _(
            "FT needs vSphere HA on the cluster, and HA is off in cluster {cluster} (VMware: "
            '"vSphere HA must be enabled on the cluster before you can use Fault Tolerance"). '
            "Turn it on first with cluster.enable_ha(), then call {call} again"
        ).format(cluster=repr(cluster.name), call=f"cluster.enable_ft({vm!r})")
    if v.secondary_host is not None:
        return _(
            "VM {vm} already has FT: its secondary runs on {host}. To move it, call {call} first"
        ).format(vm=repr(vm), host=v.secondary_host, call=f"cluster.disable_ft({vm!r})")
    limit = FT_MAX_VCPUS[edition]
    if v.vcpus > limit:
        return _(
            "FT allows at most {limit} vCPUs per VM with the {edition} edition "
            "(standard/enterprise: 2, enterprise_plus: 8) and {vm} has {vcpus}. Give it fewer "
            "vCPUs, use edition='enterprise_plus', or protect it with HA instead"
        ).format(limit=limit, edition=edition, vm=repr(vm), vcpus=v.vcpus)
    net = cluster.networks.get("ft_logging")
    if net is None:
        return _(
            "FT needs a logging network between the hosts, and cluster {cluster} has none: add "
            "one with {call}"
        ).format(cluster=repr(cluster.name), call="cluster.add_network('ft_logging', "
                 "bandwidth_gbit_s=10)")  # fmt: skip
    if net.bandwidth_gbit_s < FT_LOGGING_MIN_GBIT_S:
        return _(
            "SMP-FT needs a {needed} Gbit/s logging network; this cluster's is {have} Gbit/s. "
            "Upgrade it with {call}"
        ).format(needed=f"{FT_LOGGING_MIN_GBIT_S:g}", have=f"{net.bandwidth_gbit_s:g}",
                 call="cluster.add_network('ft_logging', bandwidth_gbit_s=10)")  # fmt: skip
    ds = cluster.datastores[v.datastore] if v.datastore else None
    if ds is None or not ds.shared:
        if v.datastore:
            message = _(
                "FT needs {vm}'s disks on storage both hosts reach, but they are on "
                "{datastore} (not shared). Move them to a shared datastore"
            )
        else:
            message = _(
                "FT needs {vm}'s disks on storage both hosts reach, but they are on no "
                "datastore (not shared). Move them to a shared datastore"
            )
        return message.format(vm=repr(vm), datastore=v.datastore)
    mine = [x for x in cluster.ft_vms_on(v.host) if x.name != vm]
    if len(mine) + 1 > FT_MAX_VMS_PER_HOST or (
        sum(x.vcpus for x in mine) + v.vcpus > FT_MAX_VCPUS_PER_HOST
    ):
        return _(
            "{host} (the primary's host) already holds {n} FT VMs with {vcpus} vCPUs; the "
            "limits are {max_vms} FT VMs and {max_vcpus} FT vCPUs per host. Move {vm} to "
            "another host first"
        ).format(host=v.host, n=len(mine), vcpus=sum(x.vcpus for x in mine),
                 max_vms=FT_MAX_VMS_PER_HOST, max_vcpus=FT_MAX_VCPUS_PER_HOST,
                 vm=repr(vm))  # fmt: skip
    return None


def vms_with_ft(cluster: Any) -> str:
    """The FT VMs of a cluster, listed for a message."""
    return listing(name for name, vm in cluster.vms.items() if vm.secondary_host)
