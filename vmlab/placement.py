"""One placement for every feature: where a VM (or its FT secondary) may go, and why not.

HA restarts, FT secondaries, vMotion targets, maintenance evacuations and the balancer all
ask :func:`place`; each host is tested by the same rules (:func:`problems`):

- the host is up: not down, isolated, in maintenance or entering it;
- it is not a dedicated failover host, unless HA is restarting VMs (vSphere keeps those
  hosts empty: "DRS does not place VMs on them", VMware vSphere Availability);
- it has the cores, and the memory free once its VMs, FT secondaries and *reservations*
  (a migration or a secondary under way, see :mod:`vmlab.state`) are counted;
- it sees the VM's datastore (or the one a shared-nothing vMotion copies the disks to), and
  has not lost its paths to it in a storage fault (:func:`lost_datastores`, kept by
  :mod:`vmlab.storage`);
- it is not in quarantine (Proactive HA, :mod:`vmlab.proactive`), unless HA is restarting;
- FT anti-affinity: a primary and its secondary never share a host, for any move;
  FT's per-host limits and CPU rule (:mod:`vmlab.ft_rules`);
- for a live move (vMotion), CPUs that expose the same features (:func:`cpus_compatible`).

Of the hosts that pass, the one with the most free memory wins; ties go to the first in
the cluster ("the alternate hosts with the most available unreserved capacity", VMware
documentation on HA placement; a simplification of what DRS weighs).

>>> from vmlab import Cluster
>>> c = Cluster.example()
>>> place(c, "web-01", "vmotion").host
'esx-02'
>>> c.hosts["esx-02"].state = "down"
>>> place(c, "web-01", "vmotion", candidates=["esx-01", "esx-02"]).why_not(most=2)
'esx-01: web-01 already runs on esx-01; esx-02: is down; … (16 hosts in all)'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from vmlab import checks
from vmlab.cpus import CPU_MODELS
from vmlab.ft_rules import ft_limit_problems, secondary_cpu_problem
from vmlab.i18n import N_, _, ngettext
from vmlab.words import say

__all__ = [
    "PURPOSES",
    "Placement",
    "cpus_compatible",
    "lost_datastores",
    "place",
    "problems",
    "quarantined",
]

Purpose = Literal["restart", "vmotion", "evacuate", "balance", "secondary"]
PURPOSES: tuple[str, ...] = ("restart", "vmotion", "evacuate", "balance", "secondary")
"""What a host is chosen for: an HA restart, a vMotion target, a maintenance evacuation, a
balancing move, or a new FT secondary."""

LIVE_MOVES = frozenset({"vmotion", "evacuate", "balance"})

_HOST_STATES = {
    # TRANSLATORS: why a host cannot take a VM (after "esx-02: "): its state
    "down": N_("is down"),
    "maintenance": N_("is maintenance"),
    "isolated": N_("is isolated"),
}
"""Why a host that is not up cannot take a VM: "is {state}" for each state."""


@dataclass(frozen=True)
class Placement:
    """The chosen host (``None`` when no host passes) and, for every host left out, why.

    The reasons are in the current language (code that tells them apart by their words asks
    for them in English too: :func:`vmlab.features.in_both_languages`)."""

    vm: str
    purpose: str
    host: str | None
    rejected: dict[str, str] = field(default_factory=dict)

    def why_not(self, most: int = 4) -> str:
        """The reasons in one line: ``'esx-02: is down; esx-03: has 2 GiB free …'``."""
        items = [_("{host}: {why}").format(host=h, why=why) for h, why in self.rejected.items()]
        if not items:
            return _("no host to choose from")
        more = ""
        if len(items) > most:
            more = ngettext("; … ({n} host in all)", "; … ({n} hosts in all)", len(items))
            more = more.format(n=len(items))
        # TRANSLATORS: the separator between two reasons (a semicolon and a space)
        return _("; ").join(items[:most]) + more


def cpus_compatible(view: Any, source: str, target: str) -> str | None:
    """Why the CPUs of ``source`` and ``target`` forbid a live move, or None when they allow it.

    A running guest has seen its CPU's features and may be using them, so the target must
    offer every one: same vendor, same or newer generation. An EVC baseline (``view.evc``)
    masks every host down to the baseline's features, so any two hosts of that vendor at or
    above the baseline become compatible (VMware documentation, EVC).
    """
    checks.kind_of(view, "view", ("hosts", "vms"), "a Cluster, such as Cluster.example()")
    checks.name(source, view.hosts, "Host")
    checks.name(target, view.hosts, "Host")
    s, t = view.hosts[source], view.hosts[target]
    if s.cpu_vendor != t.cpu_vendor:
        return say(
            N_("CPUs are not compatible: {source} has an {source_cpu}, {target} an "
               "{target_cpu}; vMotion never crosses CPU vendors (not even with EVC)"),
            source=source, source_cpu=s.cpu_label, target=target, target_cpu=t.cpu_label,
        )  # fmt: skip
    if view.evc is not None:
        vendor, generation, _label = CPU_MODELS[view.evc]
        if vendor == s.cpu_vendor and min(s.cpu_generation, t.cpu_generation) >= generation:
            return None
    if t.cpu_generation < s.cpu_generation:
        newest_common = min((s, t), key=lambda h: h.cpu_generation).cpu
        return say(
            N_("CPUs are not compatible: {source} ({source_cpu}) has features that {target} "
               "({target_cpu}) lacks; give the cluster an EVC baseline, e.g. {code}, before "
               "its VMs power on"),
            source=source, source_cpu=s.cpu_label, target=target, target_cpu=t.cpu_label,
            code=f"cluster.evc = {newest_common!r}",
        )  # fmt: skip
    return None


def lost_datastores(view: Any, host: str) -> dict[str, str]:
    """The datastores ``host`` has lost in a storage fault during a run, each with the kind of
    fault (``{'san-02': 'apd'}``); empty for a spec or when nothing failed. The storage
    feature (:mod:`vmlab.storage`) keeps them as ``view.lost_datastores`` (host → datastore →
    kind)."""
    lost: dict[str, dict[str, str]] = getattr(view, "lost_datastores", None) or {}
    return lost.get(host, {})


def quarantined(view: Any) -> frozenset[str]:
    """Hosts Proactive HA put in quarantine during a run (``view.quarantined``,
    :mod:`vmlab.proactive`): DRS places no new VM there."""
    return frozenset(getattr(view, "quarantined", None) or ())


def _failover_hosts(view: Any) -> tuple[str, ...]:
    ha = view.ha
    return tuple(ha.failover_hosts) if ha is not None else ()


def problems(
    view: Any, vm: str, host: str, purpose: str, *, datastore: str | None = None
) -> list[str]:
    """Why ``host`` cannot take ``vm`` for ``purpose`` (an empty list: it can).

    ``view`` is a :class:`vmlab.Cluster` or a :class:`vmlab.state.RunState`.
    ``datastore`` is where the disks will be (a shared-nothing vMotion); default where they
    are.
    """
    v = view.vms[vm]
    h = view.hosts[host]
    out: list[str] = []
    if purpose == "secondary":
        if host == v.host:
            return [
                say(N_("{host} runs the primary; the secondary must be on another host"),
                       host=host)
            ]  # fmt: skip
    elif host == v.host:
        return [say(N_("{vm} already runs on {host}"), vm=vm, host=host)]
    if h.state != "up":
        out.append(say(_HOST_STATES.get(h.state, "is {state}"), state=h.state))
    elif host in getattr(view, "evacuating", ()):
        out.append(say(N_("is entering maintenance mode")))
    if host in _failover_hosts(view) and purpose != "restart":
        out.append(say(N_("is a dedicated failover host, kept empty for HA restarts")))
    if h.cores < v.vcpus:
        out.append(say(N_("has {cores} cores, {vm} has {vcpus} vCPUs"), cores=h.cores, vm=vm,
                          vcpus=v.vcpus))  # fmt: skip
    ds = datastore or v.datastore
    if ds and not view.datastores[ds].visible_from(host):
        out.append(say(N_("cannot see datastore {datastore} where the disks of {vm} are"),
                          datastore=repr(ds), vm=vm))  # fmt: skip
    elif ds and ds in lost_datastores(view, host):
        kind = lost_datastores(view, host)[ds].upper()
        out.append(say(N_("has lost its paths to {datastore} ({kind}), where the disks of "
                             "{vm} are"), datastore=ds, kind=kind, vm=vm))  # fmt: skip
    if purpose != "restart" and host in quarantined(view):
        out.append(say(N_("is in quarantine (Proactive HA): DRS places no new VM there")))
    free = view.free_memory_gib(host)
    if free + 1e-9 < v.memory_gib:
        out.append(say(N_("has {free} GiB of memory free, {vm} needs {memory} GiB"),
                          free=f"{max(free, 0):g}", vm=vm, memory=f"{v.memory_gib:g}"))  # fmt: skip
    if purpose == "secondary":
        if host == getattr(view, "incoming", lambda _vm: None)(vm):
            out.append(say(N_("is where {vm} is moving to with vMotion: the copies must not "
                                 "meet"), vm=vm))  # fmt: skip
        cpu = secondary_cpu_problem(view, vm, host)
        if cpu:
            out.append(cpu)
        out += ft_limit_problems(view, vm, host)
    elif v.protection == "ft":
        pending = getattr(view, "pending_secondary", lambda _vm: None)(vm)
        if host in (v.secondary_host, pending):
            out.append(
                say(N_("holds the FT secondary of {vm}: a primary and its secondary never "
                          "share a host"), vm=vm)
            )  # fmt: skip
        out += ft_limit_problems(view, vm, host)
    if purpose in LIVE_MOVES and v.host in view.hosts:
        cpu = cpus_compatible(view, v.host, host)
        if cpu:
            out.append(cpu)
    return out


def place(
    view: Any,
    vm: str,
    purpose: str,
    *,
    candidates: Sequence[str] | None = None,
    exclude: Iterable[str] = (),
    prefer: Iterable[str] = (),
    datastore: str | None = None,
    unreachable: str = N_("not reachable by the HA primary (network partition)"),
) -> Placement:
    """Choose a host for ``vm``; see the module docstring for the rules.

    Parameters
    ----------
    candidates : hosts to choose among (default: every host); the others are left out as
        ``unreachable``.
    exclude : hosts never to use (e.g. the host being emptied).
    prefer : hosts tried first when they pass (HA's dedicated failover hosts).
    datastore : see :func:`problems`.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"Placement purpose {purpose!r} is not known; choose one of {PURPOSES}")
    gone = _(unreachable)  # a caller's sentence, marked N_ (or said already)
    allowed = None if candidates is None else set(candidates)
    skip = set(exclude)
    preferred = set(prefer)
    rejected: dict[str, str] = {}
    best: tuple[int, float, int] | None = None
    chosen = None
    for i, host in enumerate(view.hosts):
        if host in skip:
            continue
        if allowed is not None and host not in allowed:
            if host != view.vms[vm].host:
                rejected[host] = gone
            continue
        found = problems(view, vm, host, purpose, datastore=datastore)
        if found:
            # TRANSLATORS: the separator between two reasons (a semicolon and a space)
            rejected[host] = _("; ").join(found)
            continue
        key = (1 if host in preferred else 0, view.free_memory_gib(host), -i)
        if best is None or key > best:
            best, chosen = key, host
    return Placement(vm, purpose, chosen, rejected)
