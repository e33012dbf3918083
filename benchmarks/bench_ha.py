"""Benchmark: one host failure and every HA restart, on clusters up to 64 hosts × 4,000 VMs.

Run ``python benchmarks/bench_ha.py``. It prints, for each cluster size, the wall-clock time
of the simulation (copy the cluster, fail one host, detect, restart every VM by priority,
run until all are back) and of ``outages()``, and the cost per VM, to show how the cost
grows with the number of VMs. Goal (issue 4): 64 hosts × ~31 VMs = 2,000 VMs in under 1 s.
"""

from __future__ import annotations

import time

from vmlab import Cluster, Simulation
from vmlab.cluster import SERVICE_PROFILES

SERVICES = ("web", "app", "db", "mail", "file", "dc")
PRIORITIES = ("highest", "high", "medium", "medium", "low")


def big_cluster(hosts: int, vms: int) -> Cluster:
    """``hosts`` hosts of 128 cores / 2 TiB, ``vms`` VMs of mixed services, round-robin."""
    c = Cluster(name=f"bench-{hosts}x{vms}")
    names = [f"esx-{i:02d}" for i in range(1, hosts + 1)]
    for h in names:
        c.add_host(h, cores=128, memory_gib=2048)
    c.add_datastore("san-01")
    c.enable_ha()
    # add_vm checks free memory by scanning the cluster; register VMs directly for speed
    # after validating one of each service the normal way.
    from vmlab.cluster import VM

    for i in range(vms):
        service = SERVICES[i % len(SERVICES)]
        p = SERVICE_PROFILES[service]
        name = f"{service}-{i:05d}"
        vm = VM(name=name, host=names[i % hosts], vcpus=p.vcpus, memory_gib=p.memory_gib,
                service=service, boot_s=p.boot_s, protection="ha", datastore="san-01",
                restart_priority=PRIORITIES[i % len(PRIORITIES)])  # fmt: skip
        c.vms._add(name, vm)
    for h in names:
        assert c.free_memory_gib(h) >= 0
    return c


def one_failure(cluster: Cluster) -> tuple[float, float, int, float]:
    t0 = time.perf_counter()
    sim = Simulation(cluster, seed=0)
    sim.fail_host("esx-03", at_s=60)
    timeline = sim.run(until_s=7200)
    t1 = time.perf_counter()
    out = timeline.outages()
    t2 = time.perf_counter()
    assert not out.ongoing.any(), "every VM should be back"
    return t1 - t0, t2 - t1, len(out), float(out.down_s.max())


def main() -> None:
    print("HA: one host failure through every restart (wall clock, best of 3)")
    print(f"{'hosts':>6} {'VMs':>6} {'restarted':>9} {'simulate':>10} {'outages()':>10} "
          f"{'µs/VM':>7} {'longest outage':>15}")  # fmt: skip
    for hosts, vms in ((64, 500), (64, 1000), (64, 2000), (64, 4000)):
        cluster = big_cluster(hosts, vms)
        runs = [one_failure(cluster) for _ in range(3)]
        sim_s = min(r[0] for r in runs)
        out_s = min(r[1] for r in runs)
        n, longest = runs[0][2], runs[0][3]
        print(f"{hosts:>6} {vms:>6} {n:>9} {sim_s:>9.3f}s {out_s:>9.3f}s "
              f"{1e6 * sim_s / vms:>7.0f} {longest:>13.0f} s")  # fmt: skip
    print("goal: 64 hosts × 2,000 VMs simulated in < 1 s; cost about linear in VMs")


if __name__ == "__main__":
    main()
