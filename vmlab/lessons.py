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
