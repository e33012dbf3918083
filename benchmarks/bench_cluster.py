"""Benchmark 4: HA restarts after one host failure, as the cluster grows.

The clusters come from :func:`bench_ha.big_cluster` (the HA helper's benchmark: hosts of
128 cores / 2 TiB, mixed services and restart priorities, ``cluster.enable_ha()``). One
run = copy the cluster into a :class:`~vmlab.Simulation`, fail ``esx-03`` at 60 s, run
until every VM is back (7,200 s), as :func:`bench_ha.one_failure` does.

- 16, 64 and 256 hosts with 30 VMs each. Baseline: a bare SimPy loop that processes the
  same number of events as the run scheduled (one process yielding timeouts), so the
  ratio is the cost per event of HA's work over SimPy's own.
- growth: 64 hosts with 500 … 4,000 VMs (``bench_ha.py``'s figures); the exponent ``b``
  of a least-squares fit ``CPU time ∝ VMs^b`` (1 = linear; target ≤ 1.15, noise allowed),
  median of 7 runs per size. Most of a run is two deep copies of the cluster
  (``Simulation`` copies its input, the ``Timeline`` keeps a copy of the end state):
  ``details.cluster_copy_s`` shows one.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import simpy
from bench_ha import big_cluster
from common import Measurement, median, time_calls

from vmlab import Cluster, Simulation

VMS_PER_HOST = 30


def one_failure(cluster: Cluster, clock=time.perf_counter) -> tuple[float, int, float]:
    """(seconds to simulate, SimPy events scheduled, seconds for ``outages()``)."""
    started = clock()
    sim = Simulation(cluster, seed=0)
    sim.fail_host("esx-03", at_s=60)
    timeline = sim.run(until_s=7200)
    simulated = clock() - started
    # SimPy numbers every event it schedules from one counter (a private attribute; the
    # count is only used to size the baseline).
    events = next(sim.env._eid)
    started = time.perf_counter()
    out = timeline.outages()
    outages_s = time.perf_counter() - started
    if out.ongoing.any():
        raise RuntimeError(f"{int(out.ongoing.sum())} VMs were not restarted")
    return simulated, events, outages_s


def bare_simpy(events: int) -> float:
    """Seconds for SimPy alone to process ``events`` timeouts in one process."""

    def ticks(env: simpy.Environment):
        for _ in range(events):
            yield env.timeout(1)

    started = time.perf_counter()
    env = simpy.Environment()
    env.process(ticks(env))
    env.run()
    return time.perf_counter() - started


def ha_failure(quick: bool) -> list[Measurement]:
    sizes, repeat = ((16,), 1) if quick else ((16, 64, 256), 3)
    rows = []
    for hosts in sizes:
        vms = hosts * VMS_PER_HOST
        cluster = big_cluster(hosts, vms)
        runs = [one_failure(cluster) for _ in range(repeat)]
        t = median([r[0] for r in runs])
        events = runs[0][1]
        base = median([bare_simpy(events) for _ in range(repeat)])
        copy_s = median(time_calls(cluster.copy, repeat))
        rows.append(
            Measurement(
                "4 HA",
                f"{hosts} hosts x {VMS_PER_HOST} VMs, one failure",
                t,
                "s",
                "bare SimPy loop, same events",
                base,
                target=1.0 if hosts == 64 else None,
                details={
                    "vms": vms,
                    "events": events,
                    "us_per_vm": 1e6 * t / vms,
                    "cluster_copy_s": copy_s,
                    "outages_s": median([r[2] for r in runs]),
                },
            )  # fmt: skip
        )
    return rows


def ha_growth(quick: bool) -> list[Measurement]:
    counts, repeat = ((100, 200), 1) if quick else ((500, 1000, 2000, 4000), 7)
    hosts = 64
    times = []
    per_vm = {}
    for vms in counts:
        cluster = big_cluster(hosts, vms)
        # CPU time of this process: other users' load on the 2 shared cores distorts a fit
        # of wall times much more than it distorts one figure.
        t = median([one_failure(cluster, time.process_time)[0] for _ in range(repeat)])
        times.append(t)
        per_vm[vms] = 1e6 * t / vms
    slope, _ = np.polyfit(np.log(counts), np.log(times), 1)
    first, last = counts[0], counts[-1]
    return [
        Measurement(
            "4 HA",
            f"growth exponent, {hosts} hosts x {first}-{last} VMs",
            float(slope),
            "",
            "linear",
            1.0,
            target=1.15,
            details={
                "seconds": dict(zip(counts, times, strict=True)),
                "us_per_vm": per_vm,
                "per_vm_cost_last_over_first": per_vm[last] / per_vm[first],
                "doubling_steps": math.log2(last / first),
            },
        )  # fmt: skip
    ]


if __name__ == "__main__":  # run these benchmarks alone (prints; writes only with --output)
    import run

    sys.exit(run.main(["--only", "ha", "ha-growth", *sys.argv[1:]]))
