"""The fuzz layer's catalogue: every public entry point of vmlab, what each argument
accepts, and the probe that throws bad values at it (used by ``tests/test_fuzz.py``).

An entry point is a public function, method or class of a vmlab module (its ``__all__``,
or, without one, the public names it defines). For each one, :data:`ENTRIES` knows how to
build a fresh target (a cluster, a simulation, a timeline …), valid arguments, and for each
argument a *domain*: the values the contract accepts. :func:`probe` calls the entry with one
argument replaced by a bad value and sorts what happened:

``refused``        a ``ValueError`` with a readable message, raised by vmlab's code, state unchanged
``accepted``       the value is in the domain and the call returned (a scheduling call's run too)
``unclear``        another exception, a raw message (one of :data:`RAW`), or raised outside vmlab
``state changed``  refused, but the cluster / simulation is not what it was before
``deferred``       accepted by a scheduling call, then ``sim.run()`` raised
``silent``         the value is outside the domain, yet the call returned an answer

Run ``python tests/fuzz_entries.py`` for the figures (entry points, inputs tried, and how
many of each outcome) that the issue's note quotes.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
import numbers
import os
import pkgutil
import signal
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import vmlab  # noqa: E402

VMLAB_DIR = os.path.dirname(vmlab.__file__)

# ----------------------------------------------------------------------------------------
# Bad values: every kind the issue names
# ----------------------------------------------------------------------------------------

CATALOG: list[tuple[str, Callable[[], Any]]] = [
    ("-1", lambda: -1),
    ("-0.5", lambda: -0.5),
    ("0", lambda: 0),
    ("2.5", lambda: 2.5),
    ("nan", lambda: math.nan),
    ("inf", lambda: math.inf),
    ("-inf", lambda: -math.inf),
    ("1e308", lambda: 1e308),
    ("10**400", lambda: 10**400),
    ("'abc'", lambda: "abc"),
    ("'10'", lambda: "10"),
    ("''", lambda: ""),
    ("None", lambda: None),
    ("[]", lambda: []),
    ("['esx-01']", lambda: ["esx-01"]),
    ("{'a': 1}", lambda: {"a": 1}),
    ("True", lambda: True),
    ("False", lambda: False),
    ("np.float64(nan)", lambda: np.float64("nan")),
    ("np.int64(-3)", lambda: np.int64(-3)),
    ("np.float32(2.5)", lambda: np.float32(2.5)),
    ("np.bool_(True)", lambda: np.bool_(True)),
    ("'esx-99'", lambda: "esx-99"),
    ("'ésx-01'", lambda: "ésx-01"),
    ("'主机-01'", lambda: "主机-01"),
    ("object()", lambda: object()),
    ("1+2j", lambda: 1 + 2j),
]
"""(label, factory): a fresh value per call, so a list a call mutates cannot leak."""

RAW = (
    "unhashable type",
    "could not convert",
    "invalid literal",
    "not supported between",
    "object has no attribute",
    "cannot be interpreted as an integer",
    "cannot convert float",
    "expected non-negative integer",
    "nonetype",
    "is not iterable",
    "not subscriptable",
    "positional argument",
    "unexpected keyword",
    "division by zero",
    "math domain error",
    "must be real number",
    "argument must be",
    "object of type",
    "index out of range",
    "truth value of",
    "traitlets",
    "trait of",
    "simpy",
    "numpy",
    "pandas",
    "traceback",
)
"""Pieces of raw Python, numpy, pandas, simpy or traitlets messages a student cannot act on."""


# ----------------------------------------------------------------------------------------
# Domains: what a contract accepts
# ----------------------------------------------------------------------------------------


def real(v: Any) -> bool:
    """A real, finite number that is not a bool or a string."""
    if isinstance(v, bool | np.bool_ | str) or not isinstance(v, numbers.Real):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def num(low: float | None = None, high: float | None = None, *, low_open: bool = False):
    def ok(v: Any, _ctx: Any = None) -> bool:
        if not real(v):
            return False
        x = float(v)
        if low is not None and (x <= low if low_open else x < low):
            return False
        return high is None or x <= high

    return ok


def whole(low: int | None = 0, high: int | None = None):
    def ok(v: Any, _ctx: Any = None) -> bool:
        if isinstance(v, numbers.Integral) and not isinstance(v, bool | np.bool_):
            n = int(v)  # an int too large for a float is still a whole number
        elif not real(v) or float(v) != int(v):
            return False
        else:
            n = int(v)
        return (low is None or n >= low) and (high is None or n <= high)

    return ok


def choice(options: Iterable[str]):
    options = tuple(options)
    return lambda v, _ctx=None: isinstance(v, str) and v in options


def name_of(getter: Callable[[Any], Iterable[str]]):
    return lambda v, ctx=None: isinstance(v, str) and v in list(getter(ctx))


def optional(inner):
    return lambda v, ctx=None: v is None or inner(v, ctx)


def flag(v: Any, _ctx: Any = None) -> bool:
    return isinstance(v, bool | np.bool_)


def text(v: Any, _ctx: Any = None) -> bool:
    return isinstance(v, str) and bool(v.strip())


def anything(_v: Any, _ctx: Any = None) -> bool:
    return True


def nothing(_v: Any, _ctx: Any = None) -> bool:
    return False


def list_of(inner, *, empty_ok: bool = False, unique: bool = True, single_ok: bool = False):
    def ok(v: Any, ctx: Any = None) -> bool:
        if isinstance(v, str) and single_ok:
            v = [v]
        if isinstance(v, str | bytes | Mapping) or not isinstance(v, list | tuple | set):
            return False
        items = list(v)
        if not items and not empty_ok:
            return False
        if unique and len({repr(i) for i in items}) != len(items):
            return False
        return all(inner(i, ctx) for i in items)

    return ok


def instance(*types: type):
    return lambda v, _ctx=None: isinstance(v, types)


def is_timeline(v: Any, _ctx: Any = None) -> bool:
    return type(v).__name__ == "Timeline"


def is_cluster(v: Any, _ctx: Any = None) -> bool:
    return type(v).__name__ == "Cluster"


seed = whole(0)
time_s = num(0)
positive = num(0, low_open=True)
non_negative = num(0)
pct = num(0, 100)
ax_ok = optional(lambda v, _ctx=None: isinstance(v, matplotlib.axes.Axes))


# ----------------------------------------------------------------------------------------
# Targets: fresh objects to call, and results cached once (they are read, never changed)
# ----------------------------------------------------------------------------------------


def small_cluster(*, ha: bool = False, ft: bool = False):
    """Three hosts, a shared datastore, five VMs (tests/conftest.py's small cluster)."""
    from vmlab import Cluster

    c = Cluster(name="small")
    for i in (1, 2, 3):
        c.add_host(f"esx-{i:02d}", cpu="intel-icelake", cores=16, memory_gib=64)
    c.add_datastore("san-01", shared=True)
    c.add_network("management", bandwidth_gbit_s=1)
    c.add_network("vmotion", bandwidth_gbit_s=10)
    c.add_network("ft_logging", bandwidth_gbit_s=10)
    c.add_vm("web-01", host="esx-01", service="web")
    c.add_vm("db-01", host="esx-01", vcpus=8, memory_gib=32, service="db", boot_s=300)
    c.add_vm("web-02", host="esx-02", service="web")
    c.add_vm("app-01", host="esx-02", service="app")
    c.add_vm("mail-01", host="esx-03", service="mail")
    if ha or ft:
        c.enable_ha()
    if ft:
        c.enable_ft("web-01")
    return c


@functools.cache
def a_timeline():
    """A run of the small HA cluster in which esx-01 fails at 60 s."""
    from vmlab import Simulation

    sim = Simulation(small_cluster(ha=True), seed=0)
    sim.fail_host("esx-01", at_s=60)
    return sim.run(until_s=900)


@functools.cache
def an_ft_timeline():
    from vmlab import Simulation

    sim = Simulation(small_cluster(ft=True), seed=0)
    sim.fail_host("esx-01", at_s=60)
    return sim.run(until_s=900)


@functools.cache
def a_migration():
    from vmlab.migration import precopy

    return precopy(8, 200, 1, 10)


@functools.cache
def a_page_migration():
    """A result with a memory map (the page model), for plot_memory_map."""
    from vmlab.migration import precopy

    return precopy(1, 50, 0.25, 1, model="pages")


@functools.cache
def a_comparison():
    from vmlab import scenarios

    return scenarios.compare(seed=0)


@functools.cache
def an_availability():
    from vmlab import scenarios

    return scenarios.availability(a_comparison(), host_failures_per_year=1, maintenance_per_year=4)


@functools.cache
def the_costs():
    from vmlab import scenarios

    return scenarios.costs()


@functools.cache
def a_table1():
    from vmlab import ft

    return ft.table1()


def hosts_of(ctx: Any) -> list[str]:
    return list(_cluster_in(ctx).hosts)


def vms_of(ctx: Any) -> list[str]:
    return list(_cluster_in(ctx).vms)


def _cluster_in(ctx: Any):
    if ctx is None:
        return small_cluster()
    if hasattr(ctx, "hosts"):
        return ctx
    return ctx.cluster


# ----------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------


@dataclass
class Call:
    """One ready call: ``fn(**kwargs)``, the object whose state must not change on an error,
    and (for a scheduling call) what to run after it is accepted."""

    fn: Callable[..., Any]
    kwargs: dict[str, Any]
    state: Any = None
    run: Callable[[], Any] | None = None


@dataclass
class Entry:
    qualname: str
    make: Callable[[], Call]
    domains: dict[str, Callable[[Any, Any], bool]]
    slow: bool = False  # builds a widget or runs the example cluster: fewer values
    extra: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """Named whole-call cases (several arguments at once) that must be refused."""


ENTRIES: dict[str, Entry] = {}


def entry(qualname: str, *, slow: bool = False, extra=(), **domains):
    """Register the function below as the maker of ``qualname``'s calls."""

    def register(make: Callable[[], Call]) -> Callable[[], Call]:
        ENTRIES[qualname] = Entry(qualname, make, domains, slow, list(extra))
        return make

    return register


def sim_call(method: str, kwargs: dict[str, Any], *, cluster=None, before=None) -> Call:
    from vmlab import Simulation

    sim = Simulation(cluster or small_cluster(ha=True), seed=0)
    if before:
        before(sim)
    return Call(getattr(sim, method), kwargs, sim, lambda: sim.run(until_s=900))


# -- vmlab.cluster -------------------------------------------------------------------------

CPU = ("intel-skylake", "intel-cascadelake", "intel-icelake", "intel-sapphirerapids",
       "intel-emeraldrapids", "amd-zen2", "amd-zen3", "amd-zen4")  # fmt: skip


def new_name(taken: Callable[[Any], Iterable[str]]):
    return lambda v, ctx=None: text(v) and v not in list(taken(ctx))


@entry("vmlab.cluster.Cluster", name=text)
def _():
    from vmlab import Cluster

    return Call(Cluster, {"name": "c"})


@entry("vmlab.cluster.Cluster.evc", baseline=optional(choice(CPU)))
def _():
    c = small_cluster()

    def set_evc(baseline):
        c.evc = baseline

    return Call(set_evc, {"baseline": "intel-icelake"}, c)


@entry("vmlab.cluster.Cluster.add_host", name=new_name(hosts_of), cpu=choice(CPU),
       cores=whole(1), memory_gib=positive)  # fmt: skip
def _():
    c = small_cluster()
    return Call(c.add_host, {"name": "esx-04", "cpu": "intel-icelake", "cores": 16,
                             "memory_gib": 64}, c)  # fmt: skip


@entry("vmlab.cluster.Cluster.add_datastore",
       name=new_name(lambda ctx: ctx.datastores), shared=flag,
       hosts=optional(list_of(name_of(hosts_of))))  # fmt: skip
def _():
    c = small_cluster()
    return Call(c.add_datastore, {"name": "nfs-01", "shared": True, "hosts": None}, c)


@entry(
    "vmlab.cluster.Cluster.add_network",
    kind=choice(("management", "vmotion", "ft_logging")),
    bandwidth_gbit_s=positive,
)
def _():
    c = small_cluster()
    return Call(c.add_network, {"kind": "vmotion", "bandwidth_gbit_s": 25}, c)


@entry("vmlab.cluster.Cluster.add_vm", name=new_name(vms_of), host=name_of(hosts_of),
       vcpus=optional(whole(1)), memory_gib=optional(positive), service=text,
       dirty_rate_mib_s=optional(non_negative), working_set_gib=optional(positive),
       boot_s=optional(positive), protection=choice(("none", "ha")),
       restart_priority=choice(("disabled", "lowest", "low", "medium", "high", "highest")),
       datastore=optional(name_of(lambda ctx: ctx.datastores)))  # fmt: skip
def _():
    c = small_cluster()
    return Call(c.add_vm, {"name": "new-01", "host": "esx-03", "vcpus": 2, "memory_gib": 4,
                           "service": "web", "dirty_rate_mib_s": 10, "working_set_gib": 1,
                           "boot_s": 30, "protection": "none", "restart_priority": "medium",
                           "datastore": "san-01"}, c)  # fmt: skip


for _method in ("vms_on", "secondaries_on", "used_memory_gib", "free_memory_gib", "used_vcpus",
                "ft_vms_on"):  # fmt: skip

    def _make(method=_method):
        c = small_cluster(ft=True)
        return Call(getattr(c, method), {"host": "esx-02"}, c)

    ENTRIES[f"vmlab.cluster.Cluster.{_method}"] = Entry(
        f"vmlab.cluster.Cluster.{_method}", _make, {"host": name_of(hosts_of)}
    )

for _method in ("host_table", "vm_table", "total", "copy", "disable_ha"):

    def _make(method=_method):
        c = small_cluster(ha=True)
        return Call(getattr(c, method), {}, c)

    ENTRIES[f"vmlab.cluster.Cluster.{_method}"] = Entry(
        f"vmlab.cluster.Cluster.{_method}", _make, {}
    )


@entry("vmlab.cluster.Cluster.example", hosts=whole(1, 10_000), vms=optional(whole(0)),
       slow=True)  # fmt: skip
def _():
    from vmlab import Cluster

    return Call(Cluster.example, {"hosts": 4, "vms": 10})


@entry("vmlab.cluster.Cluster.enable_ha",
       isolation_response=choice(("leave_powered_on", "power_off", "shutdown")),
       admission_control=optional(choice(("none", "percentage", "slots", "failover_hosts"))),
       host_failures=whole(0, 2), percent=optional(pct),
       failover_hosts=optional(list_of(name_of(hosts_of), single_ok=True)),
       vm_monitoring=optional(choice(("low", "medium", "high"))),
       failure_detection_s=non_negative,
       extra=[("failover_hosts = every host", {"admission_control": "failover_hosts",
                                               "failover_hosts": ["esx-01", "esx-02", "esx-03"]})],
       )  # fmt: skip
def _():
    c = small_cluster()
    return Call(c.enable_ha, {"isolation_response": "leave_powered_on",
                              "admission_control": "percentage", "host_failures": 1,
                              "percent": None, "failover_hosts": None, "vm_monitoring": None,
                              "failure_detection_s": 15}, c)  # fmt: skip


@entry("vmlab.cluster.Cluster.ft_host_problems", vm=name_of(vms_of), host=name_of(hosts_of),
       edition=choice(("standard", "enterprise", "enterprise_plus")))  # fmt: skip
def _():
    c = small_cluster(ha=True)
    return Call(c.ft_host_problems, {"vm": "web-02", "host": "esx-03",
                                     "edition": "enterprise_plus"}, c)  # fmt: skip


@entry("vmlab.cluster.Cluster.enable_ft", vm=name_of(vms_of),
       secondary_host=optional(name_of(hosts_of)),
       edition=choice(("standard", "enterprise", "enterprise_plus")))  # fmt: skip
def _():
    c = small_cluster(ha=True)
    return Call(c.enable_ft, {"vm": "web-02", "secondary_host": "esx-03",
                              "edition": "enterprise_plus"}, c)  # fmt: skip


@entry("vmlab.cluster.Cluster.disable_ft", vm=name_of(vms_of))
def _():
    c = small_cluster(ft=True)
    return Call(c.disable_ft, {"vm": "web-01"}, c)


# -- vmlab.sim -----------------------------------------------------------------------------


@entry("vmlab.sim.Simulation", cluster=lambda v, _c=None: type(v).__name__ == "Cluster",
       seed=seed)  # fmt: skip
def _():
    from vmlab import Simulation

    return Call(Simulation, {"cluster": small_cluster(), "seed": 0})


_HOST_ACTIONS = {
    "fail_host": None,
    "isolate_host": None,
    "power_off_host": None,
    "enter_maintenance": None,
    "repair_host": lambda s: s.fail_host("esx-01", at_s=10),
    "power_on_host": lambda s: s.power_off_host("esx-01", at_s=10),
    "exit_maintenance": lambda s: s.enter_maintenance("esx-01", at_s=10),
}
for _method, _before in _HOST_ACTIONS.items():

    def _make(method=_method, before=_before):
        return sim_call(method, {"host": "esx-01", "at_s": 100}, before=before)

    ENTRIES[f"vmlab.sim.Simulation.{_method}"] = Entry(
        f"vmlab.sim.Simulation.{_method}", _make, {"host": name_of(hosts_of), "at_s": time_s}
    )


@entry("vmlab.sim.Simulation.migrate", vm=name_of(vms_of), to_host=name_of(hosts_of),
       at_s=time_s, switchover_target_ms=optional(non_negative),
       datastore=optional(name_of(lambda sim: sim.cluster.datastores)),
       extra=[("a second migrate of web-02 at the same time",
               {"__before__": lambda s: s.migrate("web-02", "esx-03", at_s=100)})])  # fmt: skip
def _():
    return sim_call("migrate", {"vm": "web-02", "to_host": "esx-03", "at_s": 100,
                                "switchover_target_ms": 300, "datastore": None})  # fmt: skip


@entry("vmlab.sim.Simulation.migrate_many",
       moves=list_of(lambda m, ctx=None: isinstance(m, tuple | list) and len(m) == 2
                     and m[0] in vms_of(ctx) and m[1] in hosts_of(ctx), empty_ok=True),
       at_s=time_s,
       extra=[("the same VM twice",
               {"moves": [("web-02", "esx-03"), ("web-02", "esx-01")]})])  # fmt: skip
def _():
    return sim_call("migrate_many", {"moves": [("web-02", "esx-03")], "at_s": 100})


@entry("vmlab.sim.Simulation.partition",
       hosts_a=list_of(name_of(hosts_of), single_ok=True),
       hosts_b=optional(list_of(name_of(hosts_of), single_ok=True)),
       at_s=time_s, heal_at_s=optional(num(100, low_open=True)))  # fmt: skip
def _():
    return sim_call("partition", {"hosts_a": ["esx-01"], "hosts_b": None, "at_s": 100,
                                  "heal_at_s": 400})  # fmt: skip


@entry("vmlab.sim.Simulation.hang_guest", vm=name_of(vms_of), at_s=time_s)
def _():
    return sim_call("hang_guest", {"vm": "web-02", "at_s": 100})


@entry("vmlab.sim.Simulation.cut_ft_logging",
       vm=lambda v, _c=None: v == "web-01", at_s=time_s)  # fmt: skip
def _():
    return sim_call("cut_ft_logging", {"vm": "web-01", "at_s": 100}, cluster=small_cluster(ft=True))


@entry("vmlab.sim.Simulation.at", at_s=time_s, action=lambda v, _c=None: callable(v), label=text)
def _():
    return sim_call("at", {"at_s": 100, "action": lambda: None, "label": "noop"})


@entry("vmlab.sim.Simulation.run", until_s=num(0, low_open=True))
def _():
    from vmlab import Simulation

    sim = Simulation(small_cluster(ha=True), seed=0)
    sim.fail_host("esx-01", at_s=60)
    return Call(sim.run, {"until_s": 900}, sim)


def timeline_call(method: str, kwargs: dict[str, Any]) -> Call:
    t = a_timeline()
    return Call(getattr(t, method), kwargs, t)


@entry("vmlab.sim.Timeline.outages")
def _():
    return timeline_call("outages", {})


@entry("vmlab.sim.Timeline.state_at", vm=name_of(vms_of), t_s=num(0, 900))
def _():
    return timeline_call("state_at", {"vm": "web-01", "t_s": 100})


@entry("vmlab.sim.Timeline.host_state_at", host=name_of(hosts_of), t_s=num(0, 900))
def _():
    return timeline_call("host_state_at", {"host": "esx-01", "t_s": 100})


def EVENT_KINDS(_ctx: Any = None) -> set[str]:  # noqa: N802 - reads as a constant
    """Event kinds a log can be filtered by (those of the run, and common ones)."""
    common = {"host_failed", "vm_down", "vm_running", "host_repaired", "vmotion_start"}
    return set(a_timeline().events.kind) | common


@entry("vmlab.sim.Timeline.log",
       kinds=optional(list_of(lambda v, c=None: isinstance(v, str) and v in EVENT_KINDS(c),
                              empty_ok=True)))  # fmt: skip
def _():
    return timeline_call("log", {"kinds": None})


# -- vmlab.ha ------------------------------------------------------------------------------


@entry("vmlab.ha_settings.PercentagePolicy", host_failures=whole(0), cpu_pct=optional(pct),
       memory_pct=optional(pct))  # fmt: skip
def _():
    from vmlab.ha import PercentagePolicy

    return Call(PercentagePolicy, {"host_failures": 1, "cpu_pct": None, "memory_pct": None})


@entry("vmlab.ha_settings.SlotPolicy", host_failures=whole(0), slot_vcpus=optional(positive),
       slot_memory_gib=optional(positive))  # fmt: skip
def _():
    from vmlab.ha import SlotPolicy

    return Call(SlotPolicy, {"host_failures": 1, "slot_vcpus": None, "slot_memory_gib": None})


@entry("vmlab.ha_settings.FailoverHostsPolicy", hosts=list_of(text, single_ok=True))
def _():
    from vmlab.ha import FailoverHostsPolicy

    return Call(FailoverHostsPolicy, {"hosts": ("esx-03",)})


def _pairs(v: Any, _ctx: Any = None) -> bool:
    return (isinstance(v, list | tuple) and all(
        isinstance(p, list | tuple) and len(p) == 2 and all(real(x) and x > 0 for x in p)
        for p in v))  # fmt: skip


@entry("vmlab.ha_settings.slot_failover_capacity", hosts=_pairs, vms=_pairs,
       slot=optional(lambda v, _c=None: bool(v) and _pairs([v])),
       extra=[("a VM of size (0, 0)", {"hosts": [(9, 9)], "vms": [(0, 0)]})])  # fmt: skip
def _():
    from vmlab.ha import slot_failover_capacity

    return Call(slot_failover_capacity, {"hosts": [(32, 256)] * 3, "vms": [(2, 4), (8, 32)],
                                         "slot": None})  # fmt: skip


@entry("vmlab.ha_settings.memory_failover_capacity",
       cluster=lambda v, _c=None: type(v).__name__ == "Cluster")  # fmt: skip
def _():
    from vmlab.ha import memory_failover_capacity

    return Call(memory_failover_capacity, {"cluster": small_cluster(ha=True)})


@entry("vmlab.ha_settings.HAConfig.report")
def _():
    c = small_cluster(ha=True)
    return Call(c.ha.report, {}, c)


@entry("vmlab.ha_settings.HAConfig.satisfied")
def _():
    c = small_cluster(ha=True)
    return Call(c.ha.satisfied, {}, c)


@entry("vmlab.ha_log.readable_log", timeline=lambda v, _c=None: type(v).__name__ == "Timeline",
       kinds=optional(list_of(lambda v, c=None: isinstance(v, str) and v in EVENT_KINDS(c)
                              | set(__import__("vmlab.ha").ha.HA_EVENT_KINDS), empty_ok=True)),
       max_lines=optional(whole(1)))  # fmt: skip
def _():
    from vmlab.ha import readable_log

    return Call(readable_log, {"timeline": a_timeline(), "kinds": None, "max_lines": None})


@entry("vmlab.ha_settings.PercentagePolicy.reserved_pct", cluster=is_cluster)
def _():
    from vmlab.ha import PercentagePolicy

    return Call(PercentagePolicy().reserved_pct, {"cluster": small_cluster()})


# -- vmlab.ft ------------------------------------------------------------------------------


@entry("vmlab.ft.Workload", name=text, events_per_s=non_negative, net_in_mbit_s=non_negative,
       disk_read_mbit_s=non_negative, blocking_outputs_per_s=non_negative)  # fmt: skip
def _():
    from vmlab.ft import Workload

    return Call(Workload, {"name": "w", "events_per_s": 100, "net_in_mbit_s": 1,
                           "disk_read_mbit_s": 1, "blocking_outputs_per_s": 1})  # fmt: skip


@entry("vmlab.ft.record_replay", workload=lambda v, _c=None: type(v).__name__ == "Workload",
       logging_gbit_s=positive)  # fmt: skip
def _():
    from vmlab.ft import SCALES_WORKLOADS, record_replay

    return Call(record_replay, {"workload": next(iter(SCALES_WORKLOADS.values())),
                                "logging_gbit_s": 1})  # fmt: skip


@entry("vmlab.ft.checkpointing", dirty_rate_mib_s=non_negative, working_set_gib=non_negative,
       interval_ms=positive, logging_gbit_s=positive,
       extra=[("both at 1e308",
               {"dirty_rate_mib_s": 1e308, "working_set_gib": 1e308})])  # fmt: skip
def _():
    from vmlab.ft import checkpointing

    return Call(checkpointing, {"dirty_rate_mib_s": 100, "working_set_gib": 1,
                                "interval_ms": 25, "logging_gbit_s": 10})  # fmt: skip


@entry("vmlab.ft.logging_for_vm", cluster=lambda v, _c=None: type(v).__name__ == "Cluster",
       vm=name_of(vms_of))  # fmt: skip
def _():
    from vmlab.ft import logging_for_vm

    c = small_cluster(ft=True)
    return Call(logging_for_vm, {"cluster": c, "vm": "web-01"}, c)


@entry("vmlab.ft.table1", logging_gbit_s=positive)
def _():
    from vmlab.ft import table1

    return Call(table1, {"logging_gbit_s": 1})


@entry("vmlab.ft.LoggingResult.summary")
def _():
    from vmlab.ft import checkpointing

    return Call(checkpointing(100, 1).summary, {})


# -- vmlab.vmotion and vmlab.migration -----------------------------------------------------


@entry("vmlab.vmotion.check", cluster=lambda v, _c=None: type(v).__name__ == "Cluster",
       vm=name_of(vms_of), target_host=name_of(hosts_of),
       datastore=optional(name_of(lambda c: c.datastores)))  # fmt: skip
def _():
    from vmlab.vmotion import check

    c = small_cluster()
    return Call(check, {"cluster": c, "vm": "web-02", "target_host": "esx-03",
                        "datastore": None}, c)  # fmt: skip


@entry("vmlab.vmotion.fixed_problems", cluster=is_cluster, vm=name_of(vms_of),
       target_host=name_of(hosts_of),
       datastore=optional(name_of(lambda c: c.datastores)))  # fmt: skip
def _():
    from vmlab.vmotion import fixed_problems

    c = small_cluster()
    return Call(fixed_problems, {"cluster": c, "vm": "web-02", "target_host": "esx-03",
                                 "datastore": None}, c)  # fmt: skip


@entry("vmlab.placement.cpus_compatible", view=is_cluster, source=name_of(hosts_of),
       target=name_of(hosts_of))  # fmt: skip
def _():
    from vmlab.placement import cpus_compatible

    c = small_cluster()
    return Call(cpus_compatible, {"view": c, "source": "esx-01", "target": "esx-02"}, c)


@entry("vmlab.vmotion.concurrency_limit", bandwidth_gbit_s=positive)
def _():
    from vmlab.vmotion import concurrency_limit

    return Call(concurrency_limit, {"bandwidth_gbit_s": 10})


@entry("vmlab.vmotion.host_load", cluster=lambda v, _c=None: type(v).__name__ == "Cluster")
def _():
    from vmlab.vmotion import host_load

    return Call(host_load, {"cluster": small_cluster()})


@entry("vmlab.vmotion.propose_moves", cluster=lambda v, _c=None: type(v).__name__ == "Cluster",
       threshold_pct=num(1, 100), max_moves=whole(0))  # fmt: skip
def _():
    from vmlab.vmotion import propose_moves

    c = small_cluster()
    return Call(propose_moves, {"cluster": c, "threshold_pct": 50, "max_moves": 5}, c)


@entry("vmlab.migration.precopy", memory_gib=positive, dirty_rate_mib_s=non_negative,
       working_set_gib=non_negative, bandwidth_gbit_s=positive,
       pattern=choice(("uniform", "hotspot", "sequential", "zipf")),
       switchover_target_ms=non_negative, max_rounds=optional(whole(1)),
       on_no_convergence=choice(("sdps", "force", "abort")), seed=seed)  # fmt: skip
def _():
    from vmlab.migration import precopy

    return Call(precopy, {"memory_gib": 8, "dirty_rate_mib_s": 200, "working_set_gib": 1,
                          "bandwidth_gbit_s": 10, "pattern": "uniform",
                          "switchover_target_ms": 300, "max_rounds": 30,
                          "on_no_convergence": "sdps", "seed": 0})  # fmt: skip


for _prop in ("rounds", "summary"):

    def _make(prop=_prop):
        result = a_migration()
        attr = getattr(type(result), prop)
        return Call(getattr(result, prop) if callable(attr) else (lambda: getattr(result, prop)),
                    {})  # fmt: skip

    ENTRIES[f"vmlab.migration.MigrationResult.{_prop}"] = Entry(
        f"vmlab.migration.MigrationResult.{_prop}", _make, {}
    )


# -- vmlab.scenarios -----------------------------------------------------------------------


def example_names(kind: str):
    def get(_ctx):
        from vmlab import Cluster

        return getattr(Cluster.example(), kind)

    return name_of(get)


@entry("vmlab.scenarios.overloaded_cluster", extra_vms=whole(0, 8), slow=True)
def _():
    from vmlab import scenarios

    return Call(scenarios.overloaded_cluster, {"extra_vms": 8})


@entry("vmlab.scenarios.rebalance", cluster=lambda v, _c=None: type(v).__name__ == "Cluster",
       threshold_pct=num(1, 100), at_s=time_s, until_s=num(60, low_open=True),
       seed=seed, slow=True)  # fmt: skip
def _():
    from vmlab import scenarios

    c = small_cluster()
    return Call(scenarios.rebalance, {"cluster": c, "threshold_pct": 50, "at_s": 60,
                                      "until_s": 900, "seed": 0}, c)  # fmt: skip


for _fn in ("cpu_swap_weekday", "cpu_swap_weekend"):

    def _make(fn=_fn):
        from vmlab import scenarios

        return Call(getattr(scenarios, fn), {"host": None, "seed": 0})

    ENTRIES[f"vmlab.scenarios.{_fn}"] = Entry(
        f"vmlab.scenarios.{_fn}", _make,
        {"host": optional(example_names("hosts")), "seed": seed}, slow=True,
    )  # fmt: skip


@entry("vmlab.scenarios.overloaded_host", threshold_pct=num(1, 100), seed=seed,
       slow=True)  # fmt: skip
def _():
    from vmlab import scenarios

    return Call(scenarios.overloaded_host, {"threshold_pct": 80, "seed": 0})


@entry("vmlab.scenarios.host_failure", protection=choice(("none", "ha", "ft")), seed=seed,
       slow=True)  # fmt: skip
def _():
    from vmlab import scenarios

    return Call(scenarios.host_failure, {"protection": "none", "seed": 0})


@entry("vmlab.scenarios.vm_impact", timeline=lambda v, _c=None: type(v).__name__ == "Timeline",
       vm=name_of(lambda _c: a_timeline().cluster.vms))  # fmt: skip
def _():
    from vmlab import scenarios

    return Call(scenarios.vm_impact, {"timeline": a_timeline(), "vm": "web-01"})


@entry("vmlab.scenarios.compare", seed=seed, slow=True)
def _():
    from vmlab import scenarios

    return Call(scenarios.compare, {"seed": 0})


@entry("vmlab.scenarios.availability",
       table=lambda v, _c=None: isinstance(v, pd.DataFrame) and v is a_comparison(),
       host_failures_per_year=non_negative, maintenance_per_year=non_negative,
       weekend_outage_s=optional(non_negative), slow=True)  # fmt: skip
def _():
    from vmlab import scenarios

    return Call(scenarios.availability, {"table": a_comparison(), "host_failures_per_year": 1,
                                         "maintenance_per_year": 4,
                                         "weekend_outage_s": 3600})  # fmt: skip


@entry("vmlab.scenarios.nines", availability=num(0, 1))
def _():
    from vmlab import scenarios

    return Call(scenarios.nines, {"availability": 0.999})


@entry("vmlab.scenarios.costs",
       cluster=optional(lambda v, _c=None: type(v).__name__ == "Cluster"),
       vm=name_of(lambda _c: __import__("vmlab").Cluster.example().vms), slow=True)  # fmt: skip
def _():
    from vmlab import scenarios

    return Call(scenarios.costs, {"cluster": None, "vm": "db-01"})


@entry("vmlab.scenarios.choose_feature", max_outage_s=non_negative, vcpus=whole(1),
       boot_s=optional(positive),
       table=optional(lambda v, _c=None: isinstance(v, pd.DataFrame) and v is a_comparison()),
       slow=True)  # fmt: skip
def _():
    from vmlab import scenarios

    return Call(scenarios.choose_feature, {"max_outage_s": 60, "vcpus": 2, "boot_s": None,
                                           "table": a_comparison()})  # fmt: skip


# -- vmlab.quiz and vmlab.ha_quiz ----------------------------------------------------------


def quiz_ids(_ctx):
    from vmlab import quiz

    return quiz.QUESTIONS


@entry("vmlab.quiz.check", question_id=name_of(quiz_ids), answer=anything)
def _():
    from vmlab import quiz

    return Call(quiz.check, {"question_id": next(iter(quiz.QUESTIONS)), "answer": "a"})


@entry("vmlab.quiz.show", question_id=name_of(quiz_ids))
def _():
    from vmlab import quiz

    return Call(quiz.show, {"question_id": next(iter(quiz.QUESTIONS))})


@entry("vmlab.ha_quiz.ha_outage", vm=example_names("vms"), host=example_names("hosts"),
       fail_at_s=time_s, until_s=num(0, low_open=True), slow=True)  # fmt: skip
def _():
    from vmlab import ha_quiz

    return Call(ha_quiz.ha_outage, {"vm": "web-01", "host": "esx-01", "fail_at_s": 60,
                                    "until_s": 1800})  # fmt: skip


@entry("vmlab.ha_quiz.declared_failed_at", host=example_names("hosts"), fail_at_s=time_s,
       slow=True)  # fmt: skip
def _():
    from vmlab import ha_quiz

    return Call(ha_quiz.declared_failed_at, {"host": "esx-03", "fail_at_s": 60})


@entry("vmlab.ha_quiz.hosts_until_short", until_s=num(0, low_open=True), slow=True)
def _():
    from vmlab import ha_quiz

    return Call(ha_quiz.hosts_until_short, {"until_s": 1800})


# -- vmlab.units ---------------------------------------------------------------------------

for _fn, _arg in (("gib_to_mib", "gib"), ("mib_to_gib", "mib"), ("gbit_s_to_mib_s", "gbit_s"),
                  ("mib_s_to_gbit_s", "mib_s"), ("mbit_s_to_mib_s", "mbit_s"),
                  ("mib_to_pages", "mib"), ("pages_to_mib", "pages"),
                  ("format_duration", "seconds"), ("format_clock", "t_s")):  # fmt: skip

    def _make(fn=_fn, arg=_arg):
        from vmlab import units

        return Call(getattr(units, fn), {arg: 1})

    ENTRIES[f"vmlab.units.{_fn}"] = Entry(f"vmlab.units.{_fn}", _make, {_arg: non_negative})


# -- vmlab.plots ---------------------------------------------------------------------------


def plot_call(module: str, fn: str, kwargs: dict[str, Any]) -> Call:
    from matplotlib.figure import Figure  # no pyplot: nothing to close afterwards

    mod = importlib.import_module(f"vmlab.plots.{module}")
    ax = Figure(figsize=(6, 4)).add_subplot()

    def call(**kw):
        try:
            return getattr(mod, fn)(**kw)
        finally:
            if kw.get("ax") is None:  # it drew on pyplot's current Axes: start afresh
                plt.close("all")

    return Call(call, {**kwargs, "ax": ax})


def _plot(qualname: str, module: str, kwargs: Callable[[], dict[str, Any]], **domains):
    fn = qualname.rsplit(".", 1)[1]
    ENTRIES[qualname] = Entry(
        qualname, lambda: plot_call(module, fn, kwargs()), {**domains, "ax": ax_ok}, slow=True
    )


_plot("vmlab.plots.cluster.plot_cluster_map", "cluster",
      lambda: {"source": a_timeline(), "t_s": 100, "columns": None},
      source=lambda v, _c=None: is_timeline(v) or is_cluster(v), t_s=optional(num(0, 900)),
      columns=optional(whole(1)))  # fmt: skip
_plot(
    "vmlab.plots.cluster.plot_timeline",
    "cluster",
    lambda: {"timeline": a_timeline(), "vms": None, "affected_only": True},
    timeline=is_timeline,
    vms=optional(list_of(name_of(vms_of))),
    affected_only=flag,
)
_plot(
    "vmlab.plots.cluster.plot_stack",
    "cluster",
    lambda: {"cluster": small_cluster(), "host": "esx-01"},
    cluster=is_cluster,
    host=name_of(hosts_of),
)
_plot(
    "vmlab.plots.compare.plot_downtime",
    "compare",
    lambda: {"table": a_comparison()},
    table=lambda v, _c=None: v is a_comparison(),
)
_plot(
    "vmlab.plots.compare.plot_availability",
    "compare",
    lambda: {"avail": an_availability()},
    avail=lambda v, _c=None: v is an_availability(),
)
_plot(
    "vmlab.plots.compare.plot_costs",
    "compare",
    lambda: {"costs": the_costs()},
    costs=lambda v, _c=None: v is the_costs(),
)
_plot("vmlab.plots.ft.plot_ft_copies", "ft",
      lambda: {"timeline": an_ft_timeline(), "vm": "web-01", "t_range": None},
      timeline=is_timeline, vm=lambda v, _c=None: v == "web-01",
      t_range=optional(lambda v, _c=None: isinstance(v, tuple | list) and len(v) == 2
                       and all(real(x) for x in v) and v[0] < v[1]))  # fmt: skip
_plot(
    "vmlab.plots.ft.plot_table1",
    "ft",
    lambda: {"table": a_table1()},
    table=lambda v, _c=None: v is a_table1(),
)
_plot("vmlab.plots.ft.plot_outage_comparison", "ft",
      lambda: {"outages_s": {"HA": 120.0, "FT": 0.3}},
      outages_s=lambda v, _c=None: isinstance(v, dict) and bool(v)
      and all(isinstance(k, str) and real(x) and x >= 0 for k, x in v.items()))  # fmt: skip
_plot("vmlab.plots.ha.plot_ha_timeline", "ha",
      lambda: {"timeline": a_timeline(), "vms": None, "t_range": None},
      timeline=is_timeline, vms=optional(list_of(name_of(vms_of))),
      t_range=optional(lambda v, _c=None: isinstance(v, tuple | list) and len(v) == 2
                       and all(real(x) for x in v) and v[0] < v[1]))  # fmt: skip
_plot("vmlab.plots.ha.plot_outages", "ha", lambda: {"timeline": a_timeline()}, timeline=is_timeline)
_plot(
    "vmlab.plots.migration.plot_convergence",
    "migration",
    lambda: {"result": a_migration()},
    result=lambda v, _c=None: type(v).__name__ == "MigrationResult",
)
_plot("vmlab.plots.migration.plot_memory_map", "migration",
      lambda: {"result": a_page_migration(), "round": None},
      result=lambda v, _c=None: v is a_page_migration(),
      round=optional(whole(-a_page_migration().n_rounds,
                           a_page_migration().n_rounds - 1)))  # fmt: skip
_plot(
    "vmlab.plots.vmotion.plot_maintenance",
    "vmotion",
    lambda: {"timeline": a_timeline()},
    timeline=is_timeline,
)
_plot(
    "vmlab.plots.vmotion.plot_host_load",
    "vmotion",
    lambda: {"cluster": small_cluster(), "threshold_pct": None},
    cluster=is_cluster,
    threshold_pct=optional(pct),
)


@entry("vmlab.plots.ha.outage_breakdown", timeline=is_timeline)
def _():
    from vmlab.plots.ha import outage_breakdown

    return Call(outage_breakdown, {"timeline": a_timeline()})


@entry("vmlab.widgets.dashboard.describe_ha", timeline=is_timeline,
       actions=list_of(lambda a, _c=None: isinstance(a, tuple) and len(a) == 3
                       and a[0] in ("fail", "isolate", "repair") and a[1] in hosts_of(None)
                       and real(a[2]) and a[2] >= 0, empty_ok=True))  # fmt: skip
def _():
    from vmlab.widgets.dashboard import describe_ha

    return Call(describe_ha, {"timeline": a_timeline(), "actions": [("fail", "esx-01", 60.0)]})


@entry("vmlab.widgets.ft_panel.describe_ft_run", timeline=is_timeline,
       vm=lambda v, _c=None: v == "web-01", first_primary=name_of(hosts_of))  # fmt: skip
def _():
    from vmlab.widgets.ft_panel import describe_ft_run

    return Call(describe_ft_run, {"timeline": an_ft_timeline(), "vm": "web-01",
                                  "first_primary": "esx-01"})  # fmt: skip


@functools.cache
def a_picker():
    from vmlab.widgets import failure_picker

    return failure_picker(small_cluster(), until_s=900)


@functools.cache
def a_panel():
    from vmlab.widgets import ft_panel

    return ft_panel(small_cluster(ft=True), vm="web-01")


@entry("vmlab.widgets.failure.FailurePicker.simulate", host=name_of(hosts_of),
       repair_after_s=num(0, low_open=True))  # fmt: skip
def _():
    return Call(a_picker().simulate, {"host": "esx-01", "repair_after_s": 300})


@entry("vmlab.widgets.ft_panel.FTPanel.simulate",
       action=choice(("fail_primary", "fail_secondary", "cut", "fail_both")))  # fmt: skip
def _():
    return Call(a_panel().simulate, {"action": "fail_primary"})


# -- vmlab.widgets: factories (their callbacks are driven in test_fuzz.py) -----------------


@entry("vmlab.widgets.balance.balancer", cluster=is_cluster, threshold_pct=num(30, 100),
       seed=seed, slow=True)  # fmt: skip
def _():
    from vmlab.widgets import balancer

    return Call(balancer, {"cluster": small_cluster(), "threshold_pct": 80, "seed": 0})


@entry("vmlab.widgets.failure.failure_picker", cluster=optional(is_cluster),
       fail_at_s=time_s, until_s=num(180), seed=seed,
       extra=[("until_s only 2 minutes", {"until_s": 120})], slow=True)  # fmt: skip
def _():
    from vmlab.widgets import failure_picker

    return Call(failure_picker, {"cluster": small_cluster(), "fail_at_s": 60, "until_s": 1800,
                                 "seed": 0})  # fmt: skip


@entry("vmlab.widgets.failure.describe_failure", timeline=is_timeline, host=name_of(hosts_of))
def _():
    from vmlab.widgets import describe_failure

    return Call(describe_failure, {"timeline": a_timeline(), "host": "esx-01"})


@entry("vmlab.widgets.ft_panel.ft_panel", cluster=optional(is_cluster),
       vm=optional(name_of(vms_of)), fail_at_s=time_s, until_s=num(60, low_open=True),
       seed=seed, extra=[("a cluster with no VM", {"cluster": "__empty__"})],
       slow=True)  # fmt: skip
def _():
    from vmlab.widgets import ft_panel

    return Call(ft_panel, {"cluster": small_cluster(ft=True), "vm": "web-01", "fail_at_s": 60,
                           "until_s": 900, "seed": 0})  # fmt: skip


@entry("vmlab.widgets.dashboard.ha_dashboard", cluster=optional(is_cluster),
       until_s=num(0, low_open=True), seed=seed,
       extra=[("a cluster with no host", {"cluster": "__empty__"})], slow=True)  # fmt: skip
def _():
    from vmlab.widgets.dashboard import ha_dashboard

    return Call(ha_dashboard, {"cluster": small_cluster(ha=True), "until_s": 900, "seed": 0})


@entry("vmlab.widgets.explorer.migration_explorer", memory_gib=num(0.5, 256),
       dirty_rate_mib_s=num(0, 5000), working_set_gib=num(0, 256),
       switchover_target_ms=num(0, 2000),
       bandwidth_gbit_s=lambda v, _c=None: real(v) and v in (1, 10, 25),
       on_no_convergence=choice(("sdps", "force", "abort")), slow=True)  # fmt: skip
def _():
    from vmlab.widgets import migration_explorer

    return Call(migration_explorer, {"memory_gib": 8.0, "dirty_rate_mib_s": 500})


# -- entry points merged on main while this layer was written (the rest: PENDING) ------------


@entry("vmlab.i18n.use_language", lang=choice(("en", "zh")))
def _():
    from vmlab import i18n

    def use(lang):
        try:
            return i18n.use_language(lang)
        finally:
            i18n.use_language("en")  # the rest of the tests speak English

    return Call(use, {"lang": "en"})


@entry("vmlab.lesson_lines.say", name=choice(("after_moves", "vmcp_pdl")))
def _():
    from vmlab.lesson_lines import say

    return Call(say, {"name": "after_moves"})


def prediction_ids(_ctx):
    from vmlab import quiz

    return quiz.PREDICTION_QUESTIONS


@entry("vmlab.quiz.predict", qid=name_of(prediction_ids), slow=True)
def _():
    import vmlab.lessons  # noqa: F401 - registers the lessons' predictions
    from vmlab import quiz

    return Call(quiz.predict, {"qid": next(iter(quiz.PREDICTION_QUESTIONS))})


@entry("vmlab.migration.compare_policies", memory_gib=positive, dirty_rate_mib_s=non_negative,
       working_set_gib=non_negative, bandwidth_gbit_s=positive, slow=True)  # fmt: skip
def _():
    from vmlab.migration import compare_policies

    return Call(compare_policies, {"memory_gib": 8, "dirty_rate_mib_s": 200,
                                   "working_set_gib": 1, "bandwidth_gbit_s": 10})  # fmt: skip


@entry("vmlab.widgets.wizard.migrate_wizard", cluster=is_cluster, seed=seed, slow=True)
def _():
    from vmlab.widgets.wizard import migrate_wizard

    return Call(migrate_wizard, {"cluster": small_cluster(), "seed": 0})


_plot("vmlab.plots.vmotion.plot_vm_migration", "vmotion",
      lambda: {"timeline": a_timeline(), "vm": "web-01"},
      timeline=is_timeline, vm=name_of(vms_of))  # fmt: skip


@entry("vmlab.sim.Simulation.degrade_host", host=name_of(hosts_of), at_s=time_s,
       severity=choice(("moderate", "severe")))  # fmt: skip
def _():
    return sim_call("degrade_host", {"host": "esx-01", "at_s": 100, "severity": "moderate"})


@entry("vmlab.sim.Simulation.storage_fault",
       datastore=name_of(lambda sim: sim.cluster.datastores), kind=choice(("apd", "pdl")),
       at_s=time_s, hosts=optional(list_of(name_of(hosts_of), single_ok=True)),
       heal_at_s=optional(num(100, low_open=True)))  # fmt: skip
def _():
    return sim_call("storage_fault", {"datastore": "san-01", "kind": "apd", "at_s": 100,
                                      "hosts": None, "heal_at_s": None})  # fmt: skip


@entry("vmlab.sim.Simulation.heal_storage",
       datastore=name_of(lambda sim: sim.cluster.datastores), at_s=num(10, low_open=True),
       hosts=optional(list_of(name_of(hosts_of), single_ok=True)))  # fmt: skip
def _():
    return sim_call("heal_storage", {"datastore": "san-01", "at_s": 100, "hosts": None},
                    before=lambda s: s.storage_fault("san-01", at_s=10))  # fmt: skip


@functools.cache
def a_storage_timeline():
    """A run of the small HA cluster in which the shared datastore is lost (APD) at 60 s."""
    from vmlab import Simulation

    sim = Simulation(small_cluster(ha=True), seed=0)
    sim.storage_fault("san-01", at_s=60, heal_at_s=400)
    return sim.run(until_s=900)


@entry("vmlab.scenarios.degraded_host", proactive=flag,
       remediation=choice(("quarantine", "maintenance", "mixed")),
       automation=choice(("manual", "automated")), severity=choice(("moderate", "severe")),
       seed=seed, slow=True)  # fmt: skip
def _():
    from vmlab import scenarios

    return Call(scenarios.degraded_host, {"proactive": True, "remediation": "mixed",
                                          "automation": "automated", "severity": "severe",
                                          "seed": 0})  # fmt: skip


@entry("vmlab.scenarios.storage_failure", kind=choice(("apd", "pdl")),
       vmcp=choice(("disabled", "issue_events", "conservative", "aggressive")),
       heal_after_s=optional(positive), seed=seed, slow=True)  # fmt: skip
def _():
    from vmlab import scenarios

    return Call(scenarios.storage_failure, {"kind": "apd", "vmcp": "disabled",
                                            "heal_after_s": None, "seed": 0})  # fmt: skip


@entry("vmlab.scenarios.storage_outages", seed=seed, slow=True)
def _():
    from vmlab import scenarios

    return Call(scenarios.storage_outages, {"seed": 0})


@entry("vmlab.proactive.enable_drs", cluster=is_cluster,
       automation=choice(("manual", "partially_automated", "fully_automated")),
       migration_threshold=whole(1, 5))  # fmt: skip
def _():
    from vmlab.proactive import enable_drs

    c = small_cluster(ha=True)
    return Call(enable_drs, {"cluster": c, "automation": "fully_automated",
                             "migration_threshold": 3}, c)  # fmt: skip


@entry("vmlab.proactive.enable_proactive_ha", cluster=is_cluster,
       remediation=choice(("quarantine", "maintenance", "mixed")),
       automation=choice(("manual", "automated")))  # fmt: skip
def _():
    from vmlab.proactive import enable_drs, enable_proactive_ha

    c = small_cluster(ha=True)
    enable_drs(c)
    return Call(enable_proactive_ha, {"cluster": c, "remediation": "mixed",
                                      "automation": "automated"}, c)  # fmt: skip


_plot(
    "vmlab.plots.storage.plot_datastore_map",
    "storage",
    lambda: {"source": a_storage_timeline(), "at_s": 100},
    source=lambda v, _c=None: is_timeline(v) or is_cluster(v),
    at_s=optional(num(0, 900)),
)
_plot(
    "vmlab.plots.storage.plot_storage_timeline",
    "storage",
    lambda: {"timeline": a_storage_timeline(), "vms": None, "max_rows": 20},
    timeline=is_timeline,
    vms=optional(list_of(name_of(vms_of))),
    max_rows=whole(1),
)


@entry("vmlab.widgets.storage_panel.storage_panel", cluster=optional(is_cluster),
       fault_at_s=time_s, until_s=num(60, low_open=True), seed=seed, slow=True)  # fmt: skip
def _():
    from vmlab.widgets.storage_panel import storage_panel

    return Call(storage_panel, {"cluster": small_cluster(ha=True), "fault_at_s": 60,
                                "until_s": 1200, "seed": 0})  # fmt: skip


for _fn in ("outage_s", "outage_kind", "unprotected_window"):

    def _make(fn=_fn):
        from vmlab import lessons

        return Call(getattr(lessons, fn), {"timeline": an_ft_timeline(), "vm": "web-01"})

    ENTRIES[f"vmlab.lessons.{_fn}"] = Entry(
        f"vmlab.lessons.{_fn}", _make, {"timeline": is_timeline, "vm": name_of(vms_of)}
    )

for _fn in ("longest_outage_min", "pauses", "left_down", "longest_pause_kind"):

    def _make(fn=_fn):
        from vmlab import lessons

        return Call(getattr(lessons, fn), {"timeline": a_timeline()})

    ENTRIES[f"vmlab.lessons.{_fn}"] = Entry(
        f"vmlab.lessons.{_fn}", _make, {"timeline": is_timeline}
    )


@entry("vmlab.lessons.who_stopped", timeline=is_timeline, host=optional(name_of(hosts_of)))
def _():
    from vmlab import lessons

    return Call(lessons.who_stopped, {"timeline": a_timeline(), "host": "esx-01"})


@entry("vmlab.lessons.vm_story", timeline=is_timeline, vm=name_of(vms_of),
       kinds=optional(list_of(lambda v, c=None: isinstance(v, str) and v in EVENT_KINDS(c),
                              empty_ok=True)))  # fmt: skip
def _():
    from vmlab import lessons

    return Call(lessons.vm_story, {"timeline": a_timeline(), "vm": "web-01", "kinds": None})


@entry("vmlab.storage_quiz.back_after_s", timeline=is_timeline, vm=name_of(vms_of))
def _():
    from vmlab import storage_quiz

    return Call(storage_quiz.back_after_s, {"timeline": a_storage_timeline(), "vm": "web-01"})


@entry("vmlab.lessons.detection_s", timeline=is_timeline, host=name_of(hosts_of))
def _():
    from vmlab import lessons

    return Call(lessons.detection_s, {"timeline": a_timeline(), "host": "esx-01"})


@entry("vmlab.lessons.plan_moves", cluster=is_cluster, threshold_pct=num(1, 100))
def _():
    from vmlab import lessons

    c = small_cluster()
    return Call(lessons.plan_moves, {"cluster": c, "threshold_pct": 50}, c)


@entry("vmlab.lessons.service_table", cluster=is_cluster)
def _():
    from vmlab import lessons

    c = small_cluster()
    return Call(lessons.service_table, {"cluster": c}, c)


@entry("vmlab.lessons.fail_and_repair", cluster=is_cluster, host=name_of(hosts_of),
       fail_at_s=time_s, repair_at_s=num(60, low_open=True), seed=seed,
       until_s=optional(num(0, low_open=True)))  # fmt: skip
def _():
    from vmlab import lessons

    c = small_cluster(ha=True)
    return Call(lessons.fail_and_repair, {"cluster": c, "host": "esx-01", "fail_at_s": 60,
                                          "repair_at_s": 600, "seed": 0, "until_s": 900},
                c)  # fmt: skip


for _fn in ("affected_vms", "fault_table"):

    def _make(fn=_fn):
        from vmlab import storage

        return Call(getattr(storage, fn), {"timeline": a_storage_timeline()})

    ENTRIES[f"vmlab.storage.{_fn}"] = Entry(
        f"vmlab.storage.{_fn}", _make, {"timeline": is_timeline}
    )


@entry("vmlab.storage.how_ha_read", timeline=is_timeline, host=name_of(hosts_of))
def _():
    from vmlab import storage

    return Call(storage.how_ha_read, {"timeline": a_storage_timeline(), "host": "esx-01"})


@entry("vmlab.storage.lost_at", timeline=is_timeline, t_s=num(0, 900))
def _():
    from vmlab import storage

    return Call(storage.lost_at, {"timeline": a_storage_timeline(), "t_s": 100})


for _fn in ("compatibility", "explain_checks", "checks_table"):

    def _make(fn=_fn):
        from vmlab.widgets import wizard

        c = small_cluster()
        return Call(getattr(wizard, fn), {"cluster": c, "vm": "web-02", "target": "esx-03",
                                          "datastore": None}, c)  # fmt: skip

    ENTRIES[f"vmlab.widgets.wizard.{_fn}"] = Entry(
        f"vmlab.widgets.wizard.{_fn}", _make,
        {"cluster": is_cluster, "vm": name_of(vms_of), "target": name_of(hosts_of),
         "datastore": optional(name_of(lambda c: c.datastores))},
    )  # fmt: skip


def run_ids(_ctx):
    from vmlab import reality

    return list(reality.sample_table().run_id)


RUN = "m512_w16_r0_b64_d300_ac0"
"""A run of vmlab.reality's QEMU sample."""

for _fn in ("describe", "measured_curve", "run_row", "model_inputs", "model_for"):

    def _make(fn=_fn):
        from vmlab import reality

        return Call(getattr(reality, fn), {"run": RUN})

    ENTRIES[f"vmlab.reality.{_fn}"] = Entry(
        f"vmlab.reality.{_fn}", _make, {"run": name_of(run_ids)}
    )


@entry("vmlab.reality.converges_up_to_mib_s", run=name_of(run_ids), step_mib_s=num(0.5, 1e4),
       slow=True)  # fmt: skip
def _():
    from vmlab import reality

    return Call(reality.converges_up_to_mib_s, {"run": RUN, "step_mib_s": 50})


@entry("vmlab.reality.what_if", run=name_of(run_ids), writes_mib_s=optional(non_negative),
       working_set_mib=optional(non_negative), link_mib_s=optional(positive))  # fmt: skip
def _():
    from vmlab import reality

    return Call(reality.what_if, {"run": RUN, "writes_mib_s": 100, "working_set_mib": None,
                                  "link_mib_s": None})  # fmt: skip


@entry("vmlab.reality.compare", model=choice(("expected", "pages")), slow=True)
def _():
    from vmlab import reality

    return Call(reality.compare, {"model": "expected"})


for _fn in ("sample_table", "qemu_runs"):

    def _make(fn=_fn):
        from vmlab import reality

        return Call(getattr(reality, fn), {})

    ENTRIES[f"vmlab.reality.{_fn}"] = Entry(f"vmlab.reality.{_fn}", _make, {})


_plot("vmlab.plots.migration.plot_model_vs_qemu", "migration",
      lambda: {"run": RUN, "model": "expected"},
      run=name_of(run_ids), model=choice(("expected", "pages")))  # fmt: skip


@entry("vmlab.quiz.reveal", qid=name_of(prediction_ids), run=anything, slow=True)
def _():
    import vmlab.lessons  # noqa: F401 - registers the lessons' predictions
    from vmlab import quiz

    return Call(quiz.reveal, {"qid": next(iter(quiz.PREDICTION_QUESTIONS)), "run": None})


@entry("vmlab.quiz.lock_prediction", qid=name_of(prediction_ids), value=anything)
def _():
    import vmlab.lessons  # noqa: F401 - registers the lessons' predictions
    from vmlab import quiz

    def lock(qid, value):
        try:
            return quiz.lock_prediction(qid, value)
        finally:
            quiz.forget_predictions()

    q = next(iter(quiz.PREDICTION_QUESTIONS.values()))
    return Call(lock, {"qid": q.id, "value": (q.choices or ("1",))[0] if q.choices else 1})


@entry("vmlab.widgets.storage_panel.describe_storage", timeline=is_timeline)
def _():
    from vmlab.widgets.storage_panel import describe_storage

    return Call(describe_storage, {"timeline": a_storage_timeline()})


@entry("vmlab.ha_quiz.isolated_longest_outage", host=example_names("hosts"),
       response=choice(("leave_powered_on", "power_off", "shutdown")), at_s=num(0, 10**6),
       slow=True)  # fmt: skip
def _():
    from vmlab import ha_quiz

    return Call(ha_quiz.isolated_longest_outage, {"host": "esx-03", "response": "power_off",
                                                  "at_s": 60})  # fmt: skip


@entry("vmlab.lessons.with_priority", cluster=is_cluster,
       priority=choice(("disabled", "lowest", "low", "medium", "high", "highest")),
       service=optional(text), vm=optional(name_of(vms_of)))  # fmt: skip
def _():
    from vmlab import lessons

    c = small_cluster()
    return Call(lessons.with_priority, {"cluster": c, "priority": "high", "service": None,
                                        "vm": "web-01"}, c)  # fmt: skip


# ----------------------------------------------------------------------------------------
# What is public, and what the fuzz layer leaves out (with the reason)
# ----------------------------------------------------------------------------------------

ALIASES = {
    "vmlab.widgets.balance.Balancer": "vmlab.widgets.balance.balancer",
    "vmlab.widgets.failure.FailurePicker": "vmlab.widgets.failure.failure_picker",
    "vmlab.widgets.explorer.MigrationExplorer": "vmlab.widgets.explorer.migration_explorer",
    "vmlab.widgets.ft_panel.FTPanel": "vmlab.widgets.ft_panel.ft_panel",
    "vmlab.widgets.dashboard.HADashboard": "vmlab.widgets.dashboard.ha_dashboard",
    "vmlab.widgets.wizard.MigrateWizard": "vmlab.widgets.wizard.migrate_wizard",
    "vmlab.widgets.storage_panel.StoragePanel": "vmlab.widgets.storage_panel.storage_panel",
}
"""A widget class is built by its factory with the same arguments."""

CALLBACK_PREFIXES = ("on_",)
"""Widget methods driven by the callback test (``test_widget_callbacks_never_raise``)."""

EXEMPT: dict[str, str] = {
    "vmlab.checks": "the checks themselves: their doctests run in test_fuzz.py",
    "vmlab.i18n.N_": "the catalog's marker: returns its argument, used only inside vmlab",
    "vmlab.i18n.pgettext": "gettext's lookup with a context, used only inside vmlab",
    "vmlab.cluster.Host": "a plain record; build hosts with Cluster.add_host, which checks",
    "vmlab.cluster.VM": "a plain record; build VMs with Cluster.add_vm, which checks",
    "vmlab.cluster.Datastore": "a plain record; Cluster.add_datastore checks",
    "vmlab.cluster.Network": "a plain record; Cluster.add_network checks",
    "vmlab.cluster.Registry": "the read-only name mapping behind cluster.hosts / vms: its "
    "lookups are fuzzed through every entry that takes a name",
    "vmlab.cluster.ServiceProfile": "a constant record of SERVICE_PROFILES",
    "vmlab.cluster.NotFoundError": "the error class itself",
    "vmlab.ha_settings.HAConfig": "made by Cluster.enable_ha, which checks every setting",
    "vmlab.ha_settings.make_config": "Cluster.enable_ha's step (fuzzed through enable_ha)",
    "vmlab.ha_settings.make_policy": "Cluster.enable_ha's step (fuzzed through enable_ha)",
    "vmlab.ha.HAAgent": "started by Simulation when HA is on; not called by lessons",
    "vmlab.ft_agent": "the FT feature, started by Simulation; not called by lessons",
    "vmlab.ft_rules": "FT's rules, called by Cluster.enable_ft / ft_host_problems (fuzzed there)",
    "vmlab.features": "the contract between the simulation and its features, not lessons'",
    "vmlab.state": "the run state a simulation keeps; read through Timeline and the cluster",
    "vmlab.placement.Placement": "a result record of placement.place",
    "vmlab.placement.place": "the engine's one placement, called with checked names",
    "vmlab.placement.problems": "the engine's one placement, called with checked names",
    "vmlab.vmotion.VMotion": "the vMotion feature, started by Simulation; not called by lessons",
    "vmlab.events.Event": "a record of the event log",
    "vmlab.events.EventKind": "an enum; EventKind('typo') is Python's own ValueError",
    "vmlab.words": "wording helpers for vmlab's own messages",
    "vmlab.storage.StorageFaults": "the storage feature, started by Simulation",
    "vmlab.storage.Fault": "a record of a planned storage fault",
    "vmlab.proactive.ProactiveHA": "the Proactive HA feature, started by Simulation",
    "vmlab.proactive.ProactiveHAConfig": "made by enable_proactive_ha, which checks its settings",
    "vmlab.proactive.DRSConfig": "made by enable_drs, which checks its settings",
    "vmlab.proactive.drs_of": "reads the cluster's DRS settings (no argument to get wrong)",
    "vmlab.proactive.proactive_ha_of": "reads the cluster's Proactive HA settings",
    "vmlab.placement.lost_datastores": "the engine's placement, called with checked names",
    "vmlab.placement.quarantined": "the engine's placement, called with checked names",
    "vmlab.quiz.LockedPrediction": "a record of a locked prediction",
    "vmlab.quiz.PredictionQuestion": "question records, made once by lesson modules",
    "vmlab.widgets.messages.for_widget": "wording helper for the widgets' own messages",
    "vmlab.widgets.dashboard.primary_at_end": "the dashboard's own wording step",
    "vmlab.i18n._": "the translation of vmlab's own messages",
    "vmlab.i18n.ngettext": "the translation of vmlab's own messages",
    "vmlab.i18n.language": "reads the language (no argument)",
    "vmlab.widgets.wizard.Check": "a result record of the wizard's checks",
    "vmlab.sim.Simulation.cluster": "a read-only property",
    "vmlab.sim.Simulation.place": "the API of feature models, not of lessons",
    "vmlab.sim.Simulation.process": "the API of feature models, not of lessons",
    "vmlab.sim.Simulation.maintenance": "the API of features (maintenance mode, Proactive HA)",
    "vmlab.sim.Simulation.evacuate": "the API of features (maintenance mode, Proactive HA)",
    "vmlab.widgets.dashboard.HADashboard.spec": "a read-only property",
    "vmlab.ft.LoggingResult": "a result record made by record_replay / checkpointing",
    "vmlab.migration.MigrationResult": "a result record made by precopy",
    "vmlab.quiz.Choice": "question records, made once by lesson modules",
    "vmlab.quiz.Number": "question records, made once by lesson modules",
    "vmlab.quiz.Feedback": "a result record made by quiz.check",
    "vmlab.quiz.register": "called by lesson modules at import with their own questions",
    "vmlab.quiz.Choice.judge": "called by quiz.check (fuzzed there)",
    "vmlab.quiz.Number.judge": "called by quiz.check (fuzzed there)",
    "vmlab.sim.Simulation.log": "the API of feature models (vMotion, HA, FT), not of lessons",
    "vmlab.sim.Simulation.set_vm_state": "the API of feature models, not of lessons",
    "vmlab.sim.Simulation.end_copy": "the API of feature models, not of lessons",
    "vmlab.sim.Simulation.set_host_state": "the API of feature models, not of lessons",
    "vmlab.sim.Simulation.cancel_pending": "the API of feature models, not of lessons",
    "vmlab.sim.Simulation.boot_vm": "the API of feature models, not of lessons",
    "vmlab.sim.Simulation.now": "a read-only property",
    "vmlab.sim.Timeline": "made by Simulation.run; its methods are fuzzed",
    "vmlab.widgets.render": "figure/text outputs for the widgets' own use",
    "vmlab.widgets.dashboard.HADashboard.add_action": "the buttons' step (fuzzed through them)",
    "vmlab.widgets.dashboard.HADashboard.build": "the widget's own step (fuzzed through it)",
    "vmlab.widgets.dashboard.HADashboard.refresh": "the widget's own step (fuzzed through it)",
    "vmlab.widgets.explorer.MigrationExplorer.compute": "the controls' step (fuzzed through them)",
    "vmlab.widgets.explorer.MigrationExplorer.controls": "a read-only property",
    "vmlab.widgets.explorer.MigrationExplorer.update": "the controls' step (fuzzed through them)",
}
"""Public names the fuzz layer does not call, each with the reason. A module name exempts
everything in it."""


PENDING: dict[str, str] = dict.fromkeys(
    [
        "vmlab.reality_quiz.time_error_band",
        "vmlab.vmotion_quiz.first_sdps_rate_mib_s",
        "vmlab.vmotion_quiz.outage_band",
        "vmlab.vmotion_quiz.vsphere_outcome",
        "vmlab.widgets.failure.repair_max_min",
        "vmlab.widgets.messages.state_words",
        "vmlab.widgets.messages.then",
        "vmlab.lessons.admission_warning",
        "vmlab.lessons.advise",
        "vmlab.lessons.checkpoint_costs",
        "vmlab.lessons.fail_first",
        "vmlab.lessons.fail_in_turn",
        "vmlab.lessons.ft_price",
        "vmlab.lessons.ft_vm_of",
        "vmlab.lessons.logging_cut_winners",
        "vmlab.lessons.logging_link_limit",
        "vmlab.lessons.nines_text",
        "vmlab.lessons.one_failure_four_ways",
        "vmlab.lessons.plot_downtime_points",
        "vmlab.lessons.plot_yearly_points",
        "vmlab.lessons.plural",
        "vmlab.lessons.source_vs_model",
        "vmlab.lessons.usual_winner",
        "vmlab.lessons.yearly_table",
        "vmlab.migration.PrecopySettings",
        "vmlab.migration.PrecopySettings.checked",
        "vmlab.migration.PrecopySettings.replace",
        "vmlab.quiz.forget_predictions",
        "vmlab.quiz.register_prediction",
        "vmlab.reality.QemuSample",
        "vmlab.reality.agreement",
        "vmlab.widgets.wizard.MigrateWizard.evaluate",
        "vmlab.widgets.storage_panel.StoragePanel.simulate",
    ],
    "public on main since cc49dff (merged while this layer was written); not fuzzed yet",
) | dict.fromkeys(
    [
        "vmlab.plots.ha.ha_timeline_rows",
        "vmlab.plots.style.merge_marks",
        "vmlab.plots.style.name_list",
        "vmlab.plots.style.share_bars",
        "vmlab.plots.style.state_bars",
    ],
    "public since the 'scale' merge (76a24c6), the session's last; not fuzzed yet",
)
"""Public entry points the layer does not call yet: a visible debt, not an exemption. A name
new to vmlab that is in none of ENTRIES, EXEMPT and PENDING fails the coverage test."""


def _is_exempt(qualname: str) -> bool:
    return any(qualname == k or qualname.startswith(k + ".") for k in EXEMPT)


def public_entry_points() -> list[str]:
    """Every public function, class and public method of vmlab, found by walking its
    modules (``__all__``, or the public names a module defines)."""
    found: dict[str, None] = {}
    for info in pkgutil.walk_packages(vmlab.__path__, "vmlab."):
        mod = importlib.import_module(info.name)
        names = getattr(mod, "__all__", None)
        if names is None:
            names = [n for n in vars(mod) if not n.startswith("_")]
        for n in names:
            obj = getattr(mod, n, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            home = getattr(obj, "__module__", "")
            if not home.startswith("vmlab") or (getattr(mod, "__all__", None) is None
                                                and home != mod.__name__):  # fmt: skip
                continue
            key = f"{home}.{obj.__qualname__}"
            found[key] = None
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(member, staticmethod | classmethod):
                        member = member.__func__
                    if inspect.isfunction(member) or isinstance(
                        member, property | functools.cached_property
                    ):
                        found[f"{key}.{attr}"] = None
    return sorted(found)


def uncovered() -> list[str]:
    """Public entry points the fuzz layer neither calls nor exempts (must be empty)."""
    out = []
    for q in public_entry_points():
        if q in ENTRIES or q in ALIASES or q in PENDING or _is_exempt(q):
            continue
        cls, _, attr = q.rpartition(".")
        if cls in ALIASES and attr.startswith(CALLBACK_PREFIXES):
            continue  # a widget callback
        if cls in EXEMPT:
            continue  # a method of an exempt record
        out.append(q)
    return out


# ----------------------------------------------------------------------------------------
# The probe
# ----------------------------------------------------------------------------------------


def snapshot(obj: Any, _seen: dict[int, int] | None = None, _depth: int = 0) -> Any:
    """A comparable picture of ``obj``'s state (clusters, simulations, timelines)."""
    seen = {} if _seen is None else _seen
    if obj is None or isinstance(obj, str | int | bool | bytes):
        return obj
    if isinstance(obj, float | complex | np.generic):
        return repr(obj)
    if _depth > 12:
        return "…"
    if id(obj) in seen:
        return ("seen", seen[id(obj)])
    seen[id(obj)] = len(seen)
    if isinstance(obj, pd.DataFrame | pd.Series):
        return ("frame", obj.to_json())
    if isinstance(obj, np.random.Generator):
        return ("rng", repr(obj.bit_generator.state))
    if isinstance(obj, np.ndarray):
        return ("array", obj.tobytes())
    if callable(obj) and not hasattr(obj, "__dataclass_fields__") and inspect.isroutine(obj):
        return ("fn", id(obj))
    if isinstance(obj, Mapping) and not hasattr(obj, "__dict__"):
        return tuple((snapshot(k, seen, _depth + 1), snapshot(v, seen, _depth + 1))
                     for k, v in obj.items())  # fmt: skip
    if isinstance(obj, list | tuple):
        return tuple(snapshot(v, seen, _depth + 1) for v in obj)
    if isinstance(obj, set | frozenset):
        return tuple(sorted(repr(v) for v in obj))
    if type(obj).__name__ == "Environment":  # simpy: the clock and the queue
        return ("env", obj.now, len(obj._queue))
    state = getattr(obj, "__dict__", None)
    if state is None:
        return ("obj", type(obj).__name__)
    return (type(obj).__name__, tuple((k, snapshot(v, seen, _depth + 1))
                                      for k, v in state.items()))  # fmt: skip


@dataclass
class Outcome:
    entry: str
    arg: str
    label: str
    kind: str  # refused, accepted, unclear, state changed, deferred, silent
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.entry}({self.arg}={self.label}): {self.kind} — {self.detail}"


def readable(err: BaseException) -> str | None:
    """Why ``err``'s message is not one a student can act on (``None``: it is)."""
    msg = str(err)
    if not msg.strip() or len(msg) < 12:
        return f"too short: {msg!r}"
    low = msg.lower()
    for raw in RAW:
        if raw in low:
            return f"raw message ({raw!r}): {msg[:160]}"
    return None


def raised_in_vmlab(err: BaseException) -> bool:
    """Whether the last frame of ``err``'s traceback is vmlab's own code."""
    frames = traceback.extract_tb(err.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(VMLAB_DIR)


def _empty_cluster():
    from vmlab import Cluster

    return Cluster(name="empty")


TALLY: Counter = Counter()
"""Outcomes of every probe of this process, by kind (the fuzz layer's figures)."""


HANG_S = 30
"""A call (with its run) still going after this long counts as a hang (an unclear error)."""


class Hang(Exception):
    pass


def _alarm(_signum, _frame):
    raise Hang(f"still running after {HANG_S} s: a hang")


def probe(e: Entry, arg: str | None, label: str, value: Any, *, overrides=None) -> Outcome:
    """Call ``e`` with ``arg`` set to ``value`` (or with ``overrides``) and sort the outcome."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_S)
    try:
        outcome = _probe(e, arg, label, value, overrides=overrides)
    except Hang as err:
        outcome = Outcome(e.qualname, arg or "—", label, "unclear", str(err))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    TALLY[outcome.kind] += 1
    return outcome


def _probe(e: Entry, arg: str | None, label: str, value: Any, *, overrides=None) -> Outcome:
    call = e.make()
    kwargs = dict(call.kwargs)
    if overrides is not None:
        for k, v in overrides.items():
            if k == "__before__":
                v(call.state)
            else:
                kwargs[k] = _empty_cluster() if v == "__empty__" else v
        valid = False
    else:
        if arg is not None:
            kwargs[arg] = value
        valid = arg is None or e.domains[arg](value, call.state)
    before = snapshot(call.state) if call.state is not None else None
    where = arg or "—"
    try:
        call.fn(**kwargs)
    except ValueError as err:
        why = readable(err)
        if why:
            return Outcome(e.qualname, where, label, "unclear", why)
        if not raised_in_vmlab(err):
            return Outcome(e.qualname, where, label, "unclear",
                           f"raised outside vmlab: {str(err)[:120]}")  # fmt: skip
        if call.state is not None and snapshot(call.state) != before:
            return Outcome(e.qualname, where, label, "state changed", str(err)[:120])
        return Outcome(e.qualname, where, label, "refused", str(err)[:160])
    except Exception as err:  # noqa: BLE001 - sorting every failure is the point
        return Outcome(e.qualname, where, label, "unclear",
                       f"{type(err).__name__}: {str(err)[:120]}")  # fmt: skip
    if call.run is not None:  # a scheduling call: the run must not raise later
        try:
            call.run()
        except Exception as err:  # noqa: BLE001
            return Outcome(e.qualname, where, label, "deferred",
                           f"run() raised {type(err).__name__}: {str(err)[:120]}")  # fmt: skip
    if not valid:
        return Outcome(e.qualname, where, label, "silent", "accepted a value outside its domain")
    return Outcome(e.qualname, where, label, "accepted")


def catalog_values(e: Entry) -> list[tuple[str, Callable[[], Any]]]:
    if not e.slow:
        return CATALOG
    # slow entries (a widget, the example cluster): the values that probe most kinds
    keep = {"-1", "nan", "inf", "1e308", "'abc'", "'10'", "None", "['esx-01']", "{'a': 1}",
            "True", "np.int64(-3)", "'esx-99'", "2.5", "object()"}  # fmt: skip
    return [(label, make) for label, make in CATALOG if label in keep]


def probe_entry(e: Entry) -> list[Outcome]:
    """Every catalogue value at every argument of ``e``, then its named whole-call cases."""
    out = [probe(e, None, "valid call", None)]
    for arg in e.domains:
        for label, make in catalog_values(e):
            out.append(probe(e, arg, label, make()))
    for label, overrides in e.extra:
        out.append(probe(e, None, label, None, overrides=overrides))
    return out


def report(entries: Iterable[Entry] | None = None) -> tuple[Counter, list[Outcome]]:
    outcomes: list[Outcome] = []
    for e in entries or ENTRIES.values():
        outcomes.extend(probe_entry(e))
    return Counter(o.kind for o in outcomes), outcomes


if __name__ == "__main__":
    import time

    started = time.perf_counter()
    counts, outcomes = report()
    bad = [o for o in outcomes if o.kind not in ("refused", "accepted")]
    for o in bad:
        print(o)
    print()
    print(f"entry points covered: {len(ENTRIES)} (+ {len(ALIASES)} widget classes through their "
          f"factories); public but not covered: {len(uncovered())}")  # fmt: skip
    for q in uncovered():
        print("  uncovered:", q)
    print(f"inputs tried: {len(outcomes)}")
    for kind in ("refused", "accepted", "unclear", "deferred", "state changed", "silent"):
        print(f"  {kind}: {counts.get(kind, 0)}")
    by_entry = Counter(o.entry for o in bad)
    print(f"entry points with a problem: {len(by_entry)}")
    print(f"({time.perf_counter() - started:.1f} s)")
    sys.exit(0)
