"""The source article's scenarios as ready-made clusters and runs.

Each function builds what a lesson needs in one call and returns plain results, so a
notebook stays a few lines long.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from vmlab import checks
from vmlab.cluster import Cluster
from vmlab.i18n import N_, _
from vmlab.proactive import enable_drs, enable_proactive_ha
from vmlab.sim import Simulation, Timeline
from vmlab.vmotion import propose_moves

OVERLOADED_HOST = "esx-05"


def overloaded_cluster(extra_vms: int = 8) -> Cluster:
    """:meth:`Cluster.example` with a project's batch VMs piled onto one host.

    ``extra_vms`` batch servers (4 vCPU, 24 GiB, busy memory) land on ``esx-05``,
    which then uses far more memory than its neighbours — the source article's "one
    machine carries too much".

    >>> c = overloaded_cluster()
    >>> round(100 * c.used_memory_gib("esx-05") / c.hosts["esx-05"].memory_gib)
    94
    """
    extra_vms = checks.whole(extra_vms, "extra_vms", low=0)
    c = Cluster.example()
    for i in range(1, extra_vms + 1):
        c.add_vm(f"batch-{i:02d}", host=OVERLOADED_HOST, service="batch")
    return c


def rebalance(
    cluster: Cluster,
    *,
    threshold_pct: float = 80.0,
    at_s: float = 60.0,
    until_s: float = 900.0,
    seed: int = 0,
) -> Timeline:
    """Propose moves that bring every host under ``threshold_pct`` of its memory, then run them
    with vMotion, all starting at ``at_s``; returns the run's timeline."""
    checks.cluster(cluster)
    checks.percent(threshold_pct, "threshold_pct", low=1)
    if checks.time_s(until_s, "until_s", zero_ok=False) <= checks.time_s(at_s, "at_s"):
        raise ValueError(
            _("until_s ({until_s!r}) must come after at_s ({at_s!r}), when the moves start").format(
                until_s=until_s, at_s=at_s
            )
        )
    checks.seed(seed)
    moves = propose_moves(cluster, threshold_pct=threshold_pct)
    sim = Simulation(cluster, seed=seed)
    sim.migrate_many(list(zip(moves.vm, moves.to_host, strict=True)), at_s=at_s)
    return sim.run(until_s=until_s)


# ----------------------------------------------------------------------------------------
# The source article's scenarios, one function each
# ----------------------------------------------------------------------------------------

SUBJECT_VM = "db-01"
"""The VM every comparison follows: the database of ``Cluster.example()`` (64 GiB, 5 min
to start), on esx-09."""

REPAIR_AFTER_S = 4 * 3600.0
"""How long a failed host stays down in the comparison: an assumption (a technician with
the part on site the same day), not a published figure. Change it to see its effect."""

WORK_S = 2 * 3600.0
"""How long the planned work (the CPU swap) keeps the host off: an assumption."""

EVENT_AT_S = 60.0


def cpu_swap_weekday(*, host: str | None = None, seed: int = 0) -> Timeline:
    """Scenario A: the CPU of the subject VM's host is swapped on a weekday. Maintenance mode
    empties it with vMotion, the host is off for :data:`WORK_S`, then comes back."""
    if host is not None:
        checks.name(host, [f"esx-{i:02d}" for i in range(1, 17)], "Host")
    checks.seed(seed)
    c = Cluster.example()
    host = host or c.vms[SUBJECT_VM].host
    sim = Simulation(c, seed=seed)
    sim.enter_maintenance(host, at_s=EVENT_AT_S)
    sim.exit_maintenance(host, at_s=EVENT_AT_S + WORK_S)
    return sim.run(until_s=EVENT_AT_S + WORK_S + 1800)


def cpu_swap_weekend(*, host: str | None = None, seed: int = 0) -> Timeline:
    """Scenario A, the old way: shut everything on the host down, swap the CPU, power on."""
    if host is not None:
        checks.name(host, [f"esx-{i:02d}" for i in range(1, 17)], "Host")
    checks.seed(seed)
    c = Cluster.example()
    host = host or c.vms[SUBJECT_VM].host
    sim = Simulation(c, seed=seed)
    sim.power_off_host(host, at_s=EVENT_AT_S)
    sim.power_on_host(host, at_s=EVENT_AT_S + WORK_S)
    return sim.run(until_s=EVENT_AT_S + WORK_S + 1800)


def overloaded_host(*, threshold_pct: float = 80.0, seed: int = 0) -> Timeline:
    """Scenario A': an overloaded host relieved with vMotion (:func:`rebalance`)."""
    checks.percent(threshold_pct, "threshold_pct", low=1)
    checks.seed(seed)
    return rebalance(overloaded_cluster(), threshold_pct=threshold_pct, seed=seed)


PROTECTIONS = ("none", "ha", "ft")


def host_failure(protection: str = "none", *, seed: int = 0) -> Timeline:
    """Scenario B: the subject VM's host dies suddenly and is repaired after
    :data:`REPAIR_AFTER_S`.

    Parameters
    ----------
    protection : {'none', 'ha', 'ft'}
        Nothing; HA on the cluster; HA on the cluster and FT on the subject VM.
    """
    checks.choice(protection, ("none", "ha", "ft"), "Protection")
    checks.seed(seed)
    if protection not in PROTECTIONS:
        raise ValueError(
            _("protection {protection!r} is not known; choose one of {choices}").format(
                protection=protection, choices=", ".join(PROTECTIONS)
            )
        )
    c = Cluster.example()
    if protection in ("ha", "ft"):
        c.enable_ha()
    if protection == "ft":
        c.enable_ft(SUBJECT_VM)
    host = c.vms[SUBJECT_VM].host
    sim = Simulation(c, seed=seed)
    sim.fail_host(host, at_s=EVENT_AT_S)
    sim.repair_host(host, at_s=EVENT_AT_S + REPAIR_AFTER_S)
    return sim.run(until_s=EVENT_AT_S + REPAIR_AFTER_S + 1800)


def vm_impact(timeline: Timeline, vm: str = SUBJECT_VM) -> dict[str, object]:
    """What a run did to one VM, measured from its timeline.

    Returns ``downtime_s`` (all outages added up), ``vm_stops`` (whether the VM was ever
    down or booting — powered off and started again — rather than at most paused) and
    ``trigger`` (``'automatic'`` when HA, FT or Proactive HA acted on their own — a restart,
    a failover, or a vMotion Proactive HA started — else ``'manual'``: someone had to
    schedule the move or the repair).
    """
    checks.timeline(timeline)
    checks.name(vm, timeline.spec.vms, "VM")
    states = timeline.states[(timeline.states.vm == vm) & (timeline.states.state != "secondary")]
    out = timeline.outages()
    events = timeline.events[timeline.events.vm == vm]
    automatic = events.kind.isin(["restart_issued", "ft_failover"]).any()
    ev = timeline.events
    # Proactive HA's maintenance is requested at the instant the host is reported degraded
    degraded = set(
        zip(ev.t_s[ev.kind == "host_degraded"], ev.host[ev.kind == "host_degraded"], strict=True)
    )
    requested = ev[ev.kind == "maintenance_requested"]
    proactive = (ev.kind == "host_quarantined").any() or any(
        (t, h) in degraded for t, h in zip(requested.t_s, requested.host, strict=True)
    )
    automatic = automatic or bool(proactive and (events.kind == "vmotion_started").any())
    return {
        "downtime_s": float(out.loc[out.vm == vm, "down_s"].sum()),
        "vm_stops": bool(states.state.isin(["down", "booting"]).any()),
        "trigger": "automatic" if automatic else "manual",
    }


FEATURES = {
    # feature: (purpose, where it is configured, the run that measures it)
    # TRANSLATORS: what a feature is for (the "purpose" column of scenarios.compare())
    "vMotion": (N_("planned moves of running VMs"), "VM", lambda seed: cpu_swap_weekday(seed=seed)),
    "HA": (N_("host failure"), "cluster", lambda seed: host_failure("ha", seed=seed)),
    "FT": (N_("host failure"), "VM", lambda seed: host_failure("ft", seed=seed)),
    "none": (N_("(baseline: nothing)"), "—", lambda seed: host_failure("none", seed=seed)),
}
"""Purpose and place of configuration are facts of the product (a vMotion is started per VM;
HA is switched on for a cluster, ``cluster.enable_ha()``; FT per VM, ``cluster.enable_ft(vm)``);
everything else in :func:`compare` is measured."""

SOURCE_TABLE = pd.DataFrame(
    [
        ("vMotion", "应对计划内的VM移动", "VM", "否", "0", "手动指定目的地主机"),
        ("HA", "物理服务器故障", "Cluster", "有", "几分钟", "自动failover"),
        ("FT", "物理服务器故障", "VM", "否", "0", "自动failover"),
    ],
    columns=["功能", "目的", "设置对象", "VM是否停止", "停止时间", "设定"],
)
"""The summary table of the source article, as it stands (in Chinese)."""


PREDICTED_FAILURE_AFTER_S = 600.0
"""How long after the health provider's warning the degraded host really fails in
:func:`degraded_host`: an assumption (minutes to days in practice), not a published figure."""

STORAGE_HEAL_AFTER_S = 1800.0
"""How long the paths stay down when nothing else acts (:func:`storage_failure` with
``heal_after_s``): an assumption for the comparison."""


def storage_failure(
    kind: str = "apd",
    *,
    vmcp: str = "disabled",
    heal_after_s: float | None = None,
    seed: int = 0,
    **ha_settings: Any,
) -> Timeline:
    """Scenario C: the subject VM's host loses the paths to its datastore (``kind='apd'``) or
    the device is gone (``'pdl'``), at :data:`EVENT_AT_S`; the other hosts still see it. HA is
    on with VM Component Protection ``vmcp`` (vmlab.storage); the paths come back after
    ``heal_after_s`` (default: never). ``ha_settings`` go to ``enable_ha`` (e.g.
    ``vmcp_apd_delay_s=60``)."""
    if heal_after_s is not None:
        checks.positive(heal_after_s, "heal_after_s", unit="s", high=1e9)
    checks.seed(seed)
    c = Cluster.example()
    c.enable_ha(vmcp=vmcp, **ha_settings)
    vm = c.vms[SUBJECT_VM]
    sim = Simulation(c, seed=seed)
    heal = None if heal_after_s is None else EVENT_AT_S + heal_after_s
    sim.storage_fault(vm.datastore, kind=kind, at_s=EVENT_AT_S, hosts=[vm.host], heal_at_s=heal)
    return sim.run(until_s=EVENT_AT_S + STORAGE_HEAL_AFTER_S + 1800)


def degraded_host(
    *, proactive: bool = True, remediation: str = "mixed", automation: str = "automated",
    severity: str = "severe", seed: int = 0,
) -> Timeline:  # fmt: skip
    """Scenario D: a health provider reports the subject VM's host degraded at
    :data:`EVENT_AT_S`; it fails :data:`PREDICTED_FAILURE_AFTER_S` later and is repaired after
    :data:`REPAIR_AFTER_S`. HA is on; with ``proactive`` also DRS and Proactive HA
    (vmlab.proactive)."""
    checks.flag(proactive, "proactive")
    checks.seed(seed)
    c = Cluster.example()
    c.enable_ha()
    if proactive:
        enable_drs(c)
        enable_proactive_ha(c, remediation=remediation, automation=automation)
    host = c.vms[SUBJECT_VM].host
    sim = Simulation(c, seed=seed)
    sim.degrade_host(host, at_s=EVENT_AT_S, severity=severity)
    fail = EVENT_AT_S + PREDICTED_FAILURE_AFTER_S
    sim.fail_host(host, at_s=fail)
    sim.repair_host(host, at_s=fail + REPAIR_AFTER_S)
    return sim.run(until_s=fail + REPAIR_AFTER_S + 1800)


STORAGE_FEATURES = {
    "VMCP": (
        N_("storage lost by a host (APD)"), "cluster (HA)",
        lambda seed: storage_failure("apd", vmcp="conservative", seed=seed),
    ),
    "Proactive HA": (
        N_("host about to fail"), "cluster (HA + DRS)", lambda seed: degraded_host(seed=seed),
    ),
}  # fmt: skip
"""Rows :func:`compare` adds with ``storage=True`` (lesson 06)."""


def storage_outages(*, seed: int = 0) -> pd.DataFrame:
    """The subject VM's outage in each way lesson 06 breaks its host, measured from runs:
    ``case, downtime_s, vm_stops, trigger``.

    >>> storage_outages()[["case", "vm_stops"]]
                                      case  vm_stops
    0                     host failure, HA      True
    1  APD, no VMCP (paths back at 30 min)      True
    2                            APD, VMCP      True
    3                            PDL, VMCP      True
    4          degraded host, Proactive HA     False
    """
    checks.seed(seed)
    runs = {
        # TRANSLATORS: the cases of scenarios.storage_outages() (its "case" column)
        N_("host failure, HA"): host_failure("ha", seed=seed),
        N_("APD, no VMCP (paths back at 30 min)"): storage_failure(
            "apd", heal_after_s=STORAGE_HEAL_AFTER_S, seed=seed
        ),
        N_("APD, VMCP"): storage_failure("apd", vmcp="conservative", seed=seed),
        N_("PDL, VMCP"): storage_failure("pdl", vmcp="conservative", seed=seed),
        N_("degraded host, Proactive HA"): degraded_host(seed=seed),
    }
    rows = [{"case": _(case), **vm_impact(t)} for case, t in runs.items()]
    return pd.DataFrame(rows, columns=["case", "downtime_s", "vm_stops", "trigger"])


def compare(*, seed: int = 0, storage: bool = False) -> pd.DataFrame:
    """Run every scenario and rebuild the source article's summary table from the runs.

    Returns
    -------
    DataFrame
        One row per feature — ``vMotion``, ``HA``, ``FT`` and ``none`` (no protection) — with
        ``feature, purpose, configured_on, vm_stops, downtime_s, trigger``, measured on the
        subject VM (:data:`SUBJECT_VM`) of each run. With ``storage=True`` also ``VMCP`` and
        ``Proactive HA`` (:data:`STORAGE_FEATURES`, lesson 06).

    >>> table = compare()
    >>> table[["feature", "vm_stops", "trigger"]]
       feature  vm_stops    trigger
    0  vMotion     False     manual
    1       HA      True  automatic
    2       FT     False  automatic
    3     none      True     manual
    """
    checks.seed(seed)
    rows = []
    features = {**FEATURES, **STORAGE_FEATURES} if storage else FEATURES
    for feature, (purpose, configured_on, run) in features.items():
        impact = vm_impact(run(seed))
        rows.append(
            {"feature": feature, "purpose": _(purpose), "configured_on": configured_on, **impact}
        )
    return pd.DataFrame(
        rows, columns=["feature", "purpose", "configured_on", "vm_stops", "downtime_s", "trigger"]
    )


# ----------------------------------------------------------------------------------------
# Availability over a year
# ----------------------------------------------------------------------------------------

YEAR_S = 365.25 * 24 * 3600


def availability(
    table: pd.DataFrame,
    *,
    host_failures_per_year: float,
    maintenance_per_year: float,
    weekend_outage_s: float | None = None,
) -> pd.DataFrame:
    """Expected yearly downtime and "nines" of one VM under each level of protection.

    Each year its host fails ``host_failures_per_year`` times and needs planned work
    ``maintenance_per_year`` times. Per event, the outage is the one measured in ``table``
    (from :func:`compare`): a failure costs the ``HA``, ``FT`` or ``none`` downtime; planned
    work costs the ``vMotion`` stun when vMotion is used, else ``weekend_outage_s`` (default:
    measured by :func:`cpu_swap_weekend`). Both rates are inputs to choose, not statistics.

    Returns
    -------
    DataFrame
        ``protection, failure_s, maintenance_s, downtime_s_per_year, availability, nines``
        for ``none``, ``vMotion``, ``vMotion + HA`` and ``vMotion + FT``.

    Raises
    ------
    ValueError
        A rate is negative.
    """
    checks.frame(table, "table", ("feature", "downtime_s"), "scenarios.compare()")
    checks.non_negative(host_failures_per_year, "host_failures_per_year", high=1e6)
    checks.non_negative(maintenance_per_year, "maintenance_per_year", high=1e6)
    if weekend_outage_s is not None:
        checks.non_negative(weekend_outage_s, "weekend_outage_s", unit="s", high=1e9)
    for name, value in (
        ("host_failures_per_year", host_failures_per_year),
        ("maintenance_per_year", maintenance_per_year),
    ):
        if not float(value) >= 0:
            raise ValueError(
                _("{name} must be 0 or more, not {value!r}").format(name=name, value=value)
            )
    down = table.set_index("feature").downtime_s
    if weekend_outage_s is None:
        weekend_outage_s = float(vm_impact(cpu_swap_weekend())["downtime_s"])  # type: ignore[arg-type]
    plans = {
        "none": (down["none"], weekend_outage_s),
        "vMotion": (down["none"], down["vMotion"]),
        "vMotion + HA": (down["HA"], down["vMotion"]),
        "vMotion + FT": (down["FT"], down["vMotion"]),
    }
    rows = []
    for protection, (failure_s, maintenance_s) in plans.items():
        yearly = host_failures_per_year * failure_s + maintenance_per_year * maintenance_s
        avail = 1 - yearly / YEAR_S
        rows.append(
            {
                "protection": protection,
                "failure_s": failure_s,
                "maintenance_s": maintenance_s,
                "downtime_s_per_year": yearly,
                "availability": avail,
                "nines": nines(avail),
            }
        )
    return pd.DataFrame(rows)


def nines(availability: float) -> float:
    """Availability as a number of nines: 0.999 → 3.0, 0.9995 → 3.3; infinite for 1.

    >>> nines(0.999), round(nines(0.9995), 1)
    (3.0, 3.3)
    """
    checks.number(availability, "availability", low=0, high=1)
    if not 0 <= availability <= 1:
        raise ValueError(
            _("availability must be between 0 and 1, not {value!r}").format(value=availability)
        )
    return float("inf") if availability == 1 else round(-math.log10(1 - availability), 6)


# ----------------------------------------------------------------------------------------
# What each feature costs
# ----------------------------------------------------------------------------------------


def costs(cluster: Cluster | None = None, *, vm: str = SUBJECT_VM) -> pd.DataFrame:
    """What protecting ``vm`` with each feature holds in reserve, and the networks it needs.

    * vMotion holds nothing all the time: it needs room for the VM on another host only
      while the VM moves;
    * HA's admission control keeps one host's worth of the cluster free (percentage policy,
      one host failure), shared by every VM; this VM's share is in proportion to its memory;
    * FT keeps a full second copy running: the VM's memory and vCPUs again, all the time.

    Returns
    -------
    DataFrame
        ``feature, always_reserved_gib, always_reserved_vcpus, while_moving_gib, networks``.
    """
    if cluster is not None:
        checks.cluster(cluster)
    c = cluster.copy() if cluster is not None else Cluster.example()
    v = c.vms[vm]
    reserve_gib = sum(h.memory_gib for h in c.hosts.values()) / len(c.hosts)
    reserve_vcpus = sum(h.cores for h in c.hosts.values()) / len(c.hosts)
    used_gib = sum(x.memory_gib for x in c.vms.values())
    used_vcpus = sum(x.vcpus for x in c.vms.values())
    return pd.DataFrame(
        [
            ("vMotion", 0.0, 0.0, v.memory_gib, "vMotion ≥ 1 Gbit/s"),
            (
                "HA",
                round(reserve_gib * v.memory_gib / used_gib, 1),
                round(reserve_vcpus * v.vcpus / used_vcpus, 1),
                0.0,
                _("management (heartbeats)"),
            ),
            ("FT", v.memory_gib, float(v.vcpus), 0.0, _("FT logging 10 Gbit/s, vMotion")),
        ],
        columns=[
            "feature",
            "always_reserved_gib",
            "always_reserved_vcpus",
            "while_moving_gib",
            "networks",
        ],
    )


# ----------------------------------------------------------------------------------------
# A decision guide
# ----------------------------------------------------------------------------------------

FT_MAX_VCPUS_ENTERPRISE_PLUS = 8
"""vCPUs per FT VM with vSphere Enterprise Plus (VMware documentation; figures.md)."""


def choose_feature(
    *,
    max_outage_s: float,
    vcpus: int,
    boot_s: float | None = None,
    table: pd.DataFrame | None = None,
) -> str:
    """Which protection meets a service's tolerance for a host failure, and at what price.

    Parameters
    ----------
    max_outage_s : float
        The longest outage the service can accept when its host dies.
    vcpus : int
        The VM's size (FT is limited to :data:`FT_MAX_VCPUS_ENTERPRISE_PLUS` vCPUs).
    boot_s : float, optional
        The service's guest boot and start time (default: the subject VM's). Its HA outage
        is the measured detection delay (the ``HA`` row minus the subject VM's boot) plus it.
    table : DataFrame, optional
        Measured downtimes (:func:`compare`); computed when not given.

    Returns
    -------
    str
        A sentence: the cheapest feature that meets the tolerance, or why none does.

    >>> table = compare()
    >>> advice = choose_feature(max_outage_s=3600, vcpus=2, table=table)
    >>> print(advice)  # doctest: +NORMALIZE_WHITESPACE
    HA: an outage of about 5 min 18 s is within 1 h 00 min, and it costs only a share of the
    cluster's reserve.
    """
    checks.non_negative(max_outage_s, "max_outage_s", unit="s", high=1e9)
    checks.whole(vcpus, "vcpus", low=1)
    if boot_s is not None:
        checks.positive(boot_s, "boot_s", unit="s", high=1e9)
    if table is not None:
        checks.frame(table, "table", ("feature", "downtime_s"), "scenarios.compare()")
    from vmlab.units import format_duration

    if not float(max_outage_s) >= 0:
        raise ValueError(
            _("max_outage_s must be 0 or more seconds, not {value!r}").format(value=max_outage_s)
        )
    down = (compare() if table is None else table).set_index("feature").downtime_s.copy()
    subject_boot = Cluster.example().vms[SUBJECT_VM].boot_s
    down["HA"] = down["HA"] - subject_boot + (subject_boot if boot_s is None else float(boot_s))
    tolerance = format_duration(max_outage_s) if max_outage_s else _("no outage at all")
    ha, ft = format_duration(down["HA"]), format_duration(down["FT"])
    if down["HA"] <= max_outage_s:
        return _(
            "HA: an outage of about {ha} is within {tolerance}, "
            "and it costs only a share of the cluster's reserve."
        ).format(ha=ha, tolerance=tolerance)
    if vcpus > FT_MAX_VCPUS_ENTERPRISE_PLUS:
        return _(
            "Neither: HA takes about {ha}, more than {tolerance}, "
            "and FT protects at most {most} vCPUs; make the "
            "application itself redundant (two VMs on different hosts)."
        ).format(ha=ha, tolerance=tolerance, most=FT_MAX_VCPUS_ENTERPRISE_PLUS)
    return _(
        "FT: HA would take about {ha}, more than {tolerance}; FT "
        "pauses the VM for about {ft}, at the price of a full "
        "second copy and a 10 Gbit/s logging network."
    ).format(ha=ha, tolerance=tolerance, ft=ft)
