"""The source article's scenarios as ready-made clusters and runs.

Each function builds what a lesson needs in one call and returns plain results, so a
notebook stays a few lines long.
"""

from __future__ import annotations

from vmlab.cluster import Cluster
from vmlab.sim import Simulation, Timeline
from vmlab.vmotion import propose_moves

OVERLOADED_HOST = "esx-05"


def overloaded_cluster(extra_vms: int = 8) -> Cluster:
    """:meth:`Cluster.example` with a project's batch VMs piled onto one host.

    ``extra_vms`` application servers (4 vCPU, 24 GiB, busy memory) land on ``esx-05``,
    which then uses far more memory than its neighbours — the source article's "one
    machine carries too much".

    >>> c = overloaded_cluster()
    >>> round(100 * c.used_memory_gib("esx-05") / c.hosts["esx-05"].memory_gib)
    94
    """
    c = Cluster.example()
    for i in range(1, extra_vms + 1):
        c.add_vm(
            f"batch-{i:02d}",
            host=OVERLOADED_HOST,
            service="app",
            memory_gib=24,
            dirty_rate_mib_s=250,
            working_set_gib=4,
        )
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
    moves = propose_moves(cluster, threshold_pct=threshold_pct)
    sim = Simulation(cluster, seed=seed)
    sim.migrate_many(list(zip(moves.vm, moves.to_host, strict=True)), at_s=at_s)
    return sim.run(until_s=until_s)
