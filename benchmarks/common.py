"""What every benchmark returns (a :class:`Measurement`) and the timing helpers they share."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

# Source of a function that returns the running process's peak RSS in KiB, for probes run
# in a child interpreter or a kernel. VmHWM, not getrusage's ru_maxrss: on Linux ru_maxrss
# survives exec(), so a child started by a big parent would report the parent's size.
PEAK_RSS_KIB = """
def _peak_rss_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""


@dataclass
class Measurement:
    """One measured figure, with the baseline measured in the same run.

    ``value`` and ``baseline`` are in ``unit`` ("s", "MiB" or "" for a plain number);
    ``ratio`` is value / baseline; ``target`` is the most ``value`` may be (None: no
    target), and ``met`` whether it is (None when there is no target).
    """

    bench: str
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    target: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline <= 0:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.value <= self.target

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["met"] = self.met
        return data


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank), so 50 samples give the 48th smallest."""
    ordered = sorted(values)
    rank = max(1, round(0.95 * len(ordered)))
    return ordered[rank - 1]


def time_calls(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls of ``fn``, one sample per call."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def per_call(fn: Callable[[], object], calls: int, repeat: int) -> float:
    """Median over ``repeat`` batches of the mean time of one call in a batch of ``calls``."""
    batches = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        batches.append((time.perf_counter() - started) / calls)
    return median(batches)


def big_cluster(hosts: int = 64, vms: int = 600):
    """The engine's larger example cluster: ``hosts`` hosts (32 cores, 256 GiB), ``vms`` VMs
    in the example's service mix (``Cluster.example(hosts=64, vms=600)``)."""
    from vmlab import Cluster

    return Cluster.example(hosts=hosts, vms=vms)
