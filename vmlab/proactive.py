"""Proactive HA: empty a host with vMotion *before* its hardware fails, and the DRS it needs.

Plain HA acts after a host died: its VMs are down for detection plus a boot, minutes. Many
failures announce themselves first: a power supply, a fan or a memory module of a redundant
pair fails and the host runs on without its spare. A hardware **health provider** (the server
vendor's plug-in) reports the host as moderately or severely degraded, and **Proactive HA**
(vSphere 6.5+) moves its VMs away with vMotion while they still run, so the later failure
stops nothing (VMware vSphere 6.7 Availability guide; figures.md "vSphere HA", Proactive HA
row):

- Proactive HA **requires DRS** (:func:`enable_drs`): it is DRS that moves the VMs;
- its *remediation* says what happens to a degraded host (:data:`REMEDIATIONS`): quarantine
  mode for all failures, maintenance mode for all failures, or *mixed* (quarantine for a
  moderate, maintenance for a severe degradation);
- its *automation level* (:data:`AUTOMATION_LEVELS`): ``manual`` only recommends, ``automated``
  acts.

DRS itself has an automation level (:data:`DRS_AUTOMATION_LEVELS`: manual, partially
automated, fully automated) and a migration threshold from 1 (conservative) to 5
(aggressive), default 3 (VMware vSphere 7.0 Resource Management documentation, secondary;
figures.md, DRS row). vmlab stores and checks both, but uses only Proactive HA's own automation
level; its load balancer is :func:`vmlab.vmotion.propose_moves`, which has its own threshold.

>>> from vmlab import Cluster, Simulation
>>> c = Cluster.example()
>>> _ = c.enable_ha()
>>> _ = enable_drs(c)
>>> enable_proactive_ha(c, remediation="maintenance")
ProactiveHAConfig(remediation='maintenance', automation='automated')
>>> sim = Simulation(c, seed=0)
>>> sim.degrade_host("esx-03", at_s=60, severity="severe")
>>> sim.fail_host("esx-03", at_s=600)
>>> t = sim.run(until_s=900)
>>> t.host_state_at("esx-03", 599), bool(t.outages().down_s.max() < 1)
('maintenance', True)

Where vmlab simplifies: in quarantine mode vSphere moves VMs off "provided that virtual
machine performance is unaffected" and may leave some; vmlab moves every VM another host has
room for, and keeps the host up and out of new placements (HA may still restart VMs there).
vmlab's default remediation (``mixed``) and automation (``automated``) are choices for the
lesson, not vSphere's defaults (figures.md gives none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vmlab import checks
from vmlab.checks import choice
from vmlab.events import HOST_BACK, Event, EventKind
from vmlab.features import Engine, FeatureBase, host_state_words
from vmlab.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from vmlab.cluster import Cluster

__all__ = [
    "AUTOMATION_LEVELS",
    "DEFAULT_MIGRATION_THRESHOLD",
    "DRSConfig",
    "DRS_AUTOMATION_LEVELS",
    "ProactiveHA",
    "ProactiveHAConfig",
    "REMEDIATIONS",
    "SEVERITIES",
    "drs_of",
    "enable_drs",
    "enable_proactive_ha",
    "proactive_ha_of",
]

DRS_AUTOMATION_LEVELS = ("manual", "partially_automated", "fully_automated")
"""DRS automation levels: Manual / Partially Automated / Fully Automated (VMware vSphere 7.0
Resource Management documentation, secondary; figures.md)."""

DEFAULT_MIGRATION_THRESHOLD = 3
"""DRS migration threshold: 1 (conservative) to 5 (aggressive), default 3 (figures.md)."""

REMEDIATIONS = ("quarantine", "maintenance", "mixed")
"""Proactive HA remediation: quarantine mode for all failures, maintenance mode for all
failures, or mixed (quarantine for moderate, maintenance for severe) (VMware vSphere 6.7
Availability guide; figures.md)."""

AUTOMATION_LEVELS = ("manual", "automated")
"""Proactive HA automation: manual (vCenter only recommends) or automated (VMware vSphere 6.7
Availability guide, "Configuring Proactive HA")."""

# TRANSLATORS: how degraded a health provider reports a host, in "reports severe degradation"
_SEVERITY_WORDS = {"moderate": N_("moderate"), "severe": N_("severe")}

# TRANSLATORS: what Proactive HA does with a degraded host, in "Proactive HA: quarantine mode"
_MODE_WORDS = {"quarantine": N_("quarantine"), "maintenance": N_("maintenance")}

SEVERITIES = ("moderate", "severe")
"""What a health provider reports about a degraded host (besides healthy and unknown)."""


@dataclass(frozen=True)
class DRSConfig:
    """A cluster's DRS settings (``enable_drs``)."""

    automation: str = "fully_automated"
    migration_threshold: int = DEFAULT_MIGRATION_THRESHOLD


@dataclass(frozen=True)
class ProactiveHAConfig:
    """A cluster's Proactive HA settings (``enable_proactive_ha``)."""

    remediation: str = "mixed"
    automation: str = "automated"

    def mode_for(self, severity: str) -> str:
        """``'quarantine'`` or ``'maintenance'`` for a host degraded this much.

        >>> ProactiveHAConfig("mixed").mode_for("moderate")
        'quarantine'
        """
        if self.remediation == "mixed":
            return "quarantine" if severity == "moderate" else "maintenance"
        return self.remediation


def enable_drs(
    cluster: Cluster,
    *,
    automation: str = "fully_automated",
    migration_threshold: int = DEFAULT_MIGRATION_THRESHOLD,
) -> DRSConfig:
    """Switch DRS on for ``cluster`` (or change its settings) and return them.

    ``automation`` is one of :data:`DRS_AUTOMATION_LEVELS` (vmlab's default
    ``fully_automated``); ``migration_threshold`` 1–5, default 3 (figures.md). A bad setting
    raises ``ValueError`` and changes nothing.

    >>> from vmlab import Cluster
    >>> enable_drs(Cluster.example(), migration_threshold=5)
    DRSConfig(automation='fully_automated', migration_threshold=5)
    """
    checks.cluster(cluster)
    choice(automation, DRS_AUTOMATION_LEVELS, N_("DRS automation level"))
    if (
        isinstance(migration_threshold, bool)
        or not isinstance(migration_threshold, int)
        or not 1 <= migration_threshold <= 5
    ):
        raise ValueError(
            _(
                "DRS migration threshold must be a whole number from 1 (conservative) to 5 "
                "(aggressive), default 3; not {value!r}"
            ).format(value=migration_threshold)
        )
    config = DRSConfig(automation, migration_threshold)
    cluster.drs = config
    return config


def drs_of(cluster: Any) -> DRSConfig | None:
    """The cluster's DRS settings, or None when DRS is off."""
    spec = getattr(cluster, "spec", cluster)
    return getattr(spec, "drs", None)


def proactive_ha_of(cluster: Any) -> ProactiveHAConfig | None:
    """The cluster's Proactive HA settings, or None when it is off."""
    spec = getattr(cluster, "spec", cluster)
    return getattr(spec, "proactive_ha", None)


def enable_proactive_ha(
    cluster: Cluster, *, remediation: str = "mixed", automation: str = "automated"
) -> ProactiveHAConfig:
    """Switch Proactive HA on. It requires DRS (figures.md): without it, a ``ValueError``
    says to call :func:`enable_drs` first, and nothing changes.

    >>> from vmlab import Cluster
    >>> enable_proactive_ha(Cluster.example())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Proactive HA requires DRS (it is DRS that moves the VMs): call enable_drs...
    """
    checks.cluster(cluster)
    choice(remediation, REMEDIATIONS, N_("Proactive HA remediation"))
    choice(automation, AUTOMATION_LEVELS, N_("Proactive HA automation level"))
    if drs_of(cluster) is None:
        raise ValueError(
            _(
                "Proactive HA requires DRS (it is DRS that moves the VMs): call "
                "enable_drs(cluster) first"
            )
        )
    config = ProactiveHAConfig(remediation, automation)
    cluster.proactive_ha = config
    return config


class ProactiveHA(FeatureBase):
    """Proactive HA during a run: reacts to a degraded host (``Simulation.degrade_host``) by
    putting it in quarantine or maintenance mode and moving its VMs away through the other
    features' ``evacuate`` hooks (vMotion moves the VMs, FT its secondaries)."""

    name = "proactive_ha"

    @classmethod
    def wanted(cls, spec: Cluster) -> bool:
        return True  # a degraded host is reported even when nothing acts on it

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.sim = engine
        self.quarantined: set[str] = set()
        engine.state.quarantined = self.quarantined
        self.on(HOST_BACK | {EventKind.HOST_FAILED}, self._healthy_again)

    def _healthy_again(self, event: Event) -> None:
        self.quarantined.discard(event.host)  # failed, repaired or back: no longer quarantined

    def degrade(self, host: str, severity: str) -> None:
        """Scheduled action: the health provider reports ``host`` degraded now."""
        sim = self.sim
        state = sim.state.hosts[host].state
        config = proactive_ha_of(sim.spec)
        vms = [vm.name for vm in sim.state.vms_on(host) if vm.state in ("running", "migrating")]
        n = len(vms)
        how = _(_SEVERITY_WORDS[severity]) if severity in _SEVERITY_WORDS else severity
        said = _(
            "the health provider reports {severity} degradation (a failed power supply, fan "
            "or memory module: the host still runs)"
        ).format(severity=how)
        if state != "up":
            sim.log(
                EventKind.HOST_DEGRADED,
                host=host,
                detail=_("{said}; it is {state}: no action").format(
                    said=said, state=host_state_words(state)
                ),
            )
            return
        if config is None:
            sim.log(
                EventKind.HOST_DEGRADED, host=host,
                detail=ngettext(
                    "{said}; Proactive HA is off: its {n} VM stays until it fails",
                    "{said}; Proactive HA is off: its {n} VMs stay until it fails",
                    n,
                ).format(said=said, n=n),
            )  # fmt: skip
            return
        mode = config.mode_for(severity)
        mode_words = _(_MODE_WORDS[mode])
        sim.log(
            EventKind.HOST_DEGRADED,
            host=host,
            detail=_("{said}; Proactive HA: {mode} mode").format(said=said, mode=mode_words),
        )
        if config.automation == "manual":
            sim.log(
                EventKind.PROACTIVE_HA_RECOMMENDATION, host=host,
                detail=ngettext(
                    "recommends {mode} mode and moving its {n} VM away; automation is manual, "
                    "so nothing moves until an administrator applies it",
                    "recommends {mode} mode and moving its {n} VMs away; automation is manual, "
                    "so nothing moves until an administrator applies it",
                    n,
                ).format(mode=mode_words, n=n),
            )  # fmt: skip
            return
        if mode == "quarantine":
            self.quarantined.add(host)
            sim.log(
                EventKind.HOST_QUARANTINED, host=host,
                detail=ngettext(
                    "DRS places no new VM on it and moves its {n} VM away with vMotion where "
                    "other hosts have room; the host stays up",
                    "DRS places no new VM on it and moves its {n} VMs away with vMotion where "
                    "other hosts have room; the host stays up",
                    n,
                ).format(n=n),
            )  # fmt: skip
            sim.evacuate(host)
            return
        sim.maintenance(
            host,
            requested=ngettext(
                "Proactive HA ({severity} degradation): evacuating {n} VM with vMotion before "
                "the host fails",
                "Proactive HA ({severity} degradation): evacuating {n} VMs with vMotion before "
                "the host fails",
                n,
            ).format(severity=how, n=n),
            done=_("empty before its predicted failure (Proactive HA); no service stopped"),
            blocked=_("the degraded host stays up with them"),
        )
