"""vmlab — a hands-on lab for vMotion, HA and FT, built on a small SimPy cluster engine.

>>> from vmlab import Cluster, Simulation
>>> cluster = Cluster.example()
>>> len(cluster.hosts), len(cluster.vms)
(16, 76)

The engine (``cluster``, ``sim`` and the feature models) never imports matplotlib or
ipywidgets; ``vmlab.plots`` and ``vmlab.widgets`` are imported only when a lesson asks.
"""

from __future__ import annotations

from vmlab.cluster import SERVICE_PROFILES, VM, Cluster, Datastore, Host, Network, NotFoundError
from vmlab.events import EventKind
from vmlab.ft import SCALES_WORKLOADS, Workload, checkpointing, record_replay
from vmlab.ha_log import readable_log
from vmlab.ha_settings import FailoverHostsPolicy, HAConfig, PercentagePolicy, SlotPolicy
from vmlab.i18n import use_language
from vmlab.sim import Simulation, Timeline

__version__ = "0.1.0"
__all__ = [
    "Cluster",
    "Datastore",
    "EventKind",
    "FailoverHostsPolicy",
    "HAConfig",
    "Host",
    "Network",
    "NotFoundError",
    "PercentagePolicy",
    "SCALES_WORKLOADS",
    "SERVICE_PROFILES",
    "Simulation",
    "SlotPolicy",
    "Timeline",
    "VM",
    "Workload",
    "checkpointing",
    "readable_log",
    "record_replay",
    "use_language",
]
