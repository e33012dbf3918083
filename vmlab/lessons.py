"""Small helpers the lessons call, so that lesson cells stay a few lines of calls.

Each returns a table, a run or a number a lesson shows; the tests in
``tests/test_lesson_claims.py`` read the same runs to check the lessons' sentences.

>>> from vmlab import Cluster
>>> float(service_table(Cluster.example()).loc["db", "boot_s"])
300.0
"""

from __future__ import annotations

import pandas as pd

from vmlab.cluster import SERVICE_PROFILES, Cluster
from vmlab.sim import Simulation, Timeline

# ----------------------------------------------------------------------------------------
# Lesson 00
# ----------------------------------------------------------------------------------------


def service_table(cluster: Cluster) -> pd.DataFrame:
    """One row per service: what it is, how many VMs run it, their size and boot time.

    >>> service_table(Cluster.example()).vms.sum()
    np.int64(76)
    """
    services = (
        cluster.vm_table()
        .groupby("service", sort=False)
        .agg(
            vms=("vm", "count"),
            vcpus=("vcpus", "first"),
            memory_gib=("memory_gib", "first"),
            boot_s=("boot_s", "first"),
        )
    )
    services.insert(0, "what it is", [SERVICE_PROFILES[s].description for s in services.index])
    return services


def fail_and_repair(
    cluster: Cluster,
    host: str,
    *,
    fail_at_s: float,
    repair_at_s: float,
    seed: int = 0,
    until_s: float | None = None,
) -> Timeline:
    """``host`` fails at ``fail_at_s`` and is repaired at ``repair_at_s``, nothing protects it.

    The run lasts until ``until_s`` or, if later, until every VM of ``host`` has booted again
    (plus a minute), so no outage is cut short by the end of the run.

    >>> tl = fail_and_repair(Cluster.example(), "esx-11", fail_at_s=60, repair_at_s=960)
    >>> tl.outages().set_index("vm").down_s["db-03"]
    np.float64(1200.0)
    """
    boots = [vm.boot_s for vm in cluster.vms_on(host)] or [0.0]
    end = float(repair_at_s) + max(boots) + 60
    sim = Simulation(cluster, seed=seed)
    sim.fail_host(host, at_s=fail_at_s)
    sim.repair_host(host, at_s=repair_at_s)
    return sim.run(until_s=max(end, float(until_s or 0)))


def longest_outage_min(timeline: Timeline) -> float:
    """The longest service outage of a run, in minutes (0 if nothing stopped)."""
    out = timeline.outages()
    return float(out.down_s.max() / 60) if len(out) else 0.0


def who_stopped(timeline: Timeline, host: str | None = None) -> str:
    """Which VMs stopped when ``host`` (default: the first host that failed) failed, in the
    words of prediction ``00.who``: ``'some of its VMs'``, ``'all of its VMs'`` or
    ``'VMs on other hosts too'``. (With no protection nothing moves, so the VMs on ``host``
    at the end of the run are those it carried.)"""
    if host is None:
        ev = timeline.events
        host = str(ev[ev.kind == "host_failed"].host.iloc[0])
    stopped = set(timeline.outages().vm)
    on_host = {vm.name for vm in timeline.cluster.vms_on(host)}
    if stopped - on_host:
        return "VMs on other hosts too"
    return "all of its VMs" if stopped >= on_host else "some of its VMs"


# ----------------------------------------------------------------------------------------
# Lesson 02
# ----------------------------------------------------------------------------------------


def plan_moves(cluster: Cluster, *, threshold_pct: float) -> pd.DataFrame:
    """:func:`vmlab.vmotion.propose_moves`, with what the plan achieves in ``plan.attrs``:

    * ``reaches_threshold`` — after the moves, is every host that is up under the threshold?
    * ``still_over`` — the hosts still over it after the moves;
    * ``average_pct`` — the memory the whole cluster uses, as a share of all its memory: no
      plan can bring every host under a threshold below it;
    * ``why`` — one sentence on why the plan falls short ('' when it does not).

    >>> from vmlab.scenarios import overloaded_cluster
    >>> plan = plan_moves(overloaded_cluster(), threshold_pct=30)
    >>> plan.attrs["reaches_threshold"], round(plan.attrs["average_pct"], 1)
    (False, 32.8)
    """
    from vmlab.vmotion import propose_moves

    plan = propose_moves(cluster, threshold_pct=threshold_pct)
    after = cluster.copy()
    for move in plan.itertuples():
        after.vms[move.vm].host = move.to_host
    up = [h for h in after.hosts if after.hosts[h].state == "up"]

    def pct(c: Cluster, host: str) -> float:
        return 100 * c.used_memory_gib(host) / c.hosts[host].memory_gib

    still_over = [h for h in up if pct(after, h) > threshold_pct]
    average = (
        100 * sum(after.used_memory_gib(h) for h in up) / sum(after.hosts[h].memory_gib for h in up)
        if up
        else 0.0
    )
    reaches = bool(plan.attrs.get("reaches_threshold", not still_over))
    if reaches:
        why = ""
    elif average > threshold_pct:
        why = (
            f"the cluster as a whole uses {average:.1f} % of its memory, so however the VMs are "
            f"spread, some host stays above {threshold_pct:g} %"
        )
    else:
        why = (
            f"no other VM on {', '.join(still_over)} has a host that would take it and stay "
            f"under {threshold_pct:g} % itself (the balancer moves whole VMs, greedily)"
        )
    plan.attrs.update(
        reaches_threshold=reaches, still_over=still_over, average_pct=average, why=why
    )
    return plan


def plural(n: int, word: str) -> str:
    """``'1 move'``, ``'2 moves'``.

    >>> plural(1, "move"), plural(3, "VM")
    ('1 move', '3 VMs')
    """
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def pauses(timeline: Timeline) -> pd.DataFrame:
    """The moves of a run with each VM's pause in milliseconds and who shared its link: one
    row per migration (``vm, from_host, to_host, pause_ms, moved_with``), ``moved_with``
    naming the other VMs leaving the same host while it moved."""
    mig = timeline.migrations
    rows = []
    for m in mig.itertuples():
        others = mig[
            (mig.from_host == m.from_host)
            & (mig.vm != m.vm)
            & (mig.start_s < m.end_s)
            & (mig.end_s > m.start_s)
        ]
        rows.append(
            {
                "vm": m.vm,
                "from_host": m.from_host,
                "to_host": m.to_host,
                "pause_ms": round(1000 * float(m.downtime_s)),
                "moved_with": ", ".join(others.vm) or "—",
            }
        )
    return pd.DataFrame(rows, columns=["vm", "from_host", "to_host", "pause_ms", "moved_with"])


def longest_pause_kind(timeline: Timeline) -> str:
    """The longest pause of a run in the words of prediction ``02.pause``."""
    out = timeline.outages()
    longest = float(out.down_s.max()) if len(out) else 0.0
    if longest == 0:
        return "none at all"
    if longest < 1:
        return "well under a second"
    if longest < 60:
        return "a few seconds"
    return "minutes, like a restart"
