"""Lesson 03's self-checks (questions ``03.1`` … ``03.5``) and predictions, added to
:mod:`vmlab.quiz`.

Importing this module registers them; the lesson then asks with ``check("03.1", answer)``.
The answers are computed by running the model, so they stay true when the model changes.

    >>> import vmlab.ha_quiz
    >>> from vmlab.quiz import check
    >>> check("03.5", 2).correct
    True
"""

from __future__ import annotations

from typing import Any

from vmlab import checks
from vmlab.cluster import Cluster
from vmlab.ha import slot_failover_capacity
from vmlab.i18n import N_, _
from vmlab.lessons import _lacks_capacity
from vmlab.quiz import QUESTIONS, Number, register, register_prediction
from vmlab.sim import Simulation


def ha_outage(vm: str, host: str, fail_at_s: float = 60, until_s: float = 1800) -> float:
    """Seconds ``vm`` is out when ``host`` fails at ``fail_at_s`` in the example cluster
    with HA on (default settings)."""
    checks.name(vm, Cluster.example().vms, "VM")
    checks.name(host, Cluster.example().hosts, "Host")
    if checks.time_s(until_s, "until_s") <= checks.time_s(fail_at_s, "fail_at_s", high=10**6):
        raise ValueError(
            _("until_s ({until_s!r}) must come after fail_at_s ({fail_at_s!r})").format(
                until_s=until_s, fail_at_s=fail_at_s
            )
        )
    checks.time_s(until_s, "until_s", zero_ok=False)
    cluster = Cluster.example()
    cluster.enable_ha()
    sim = Simulation(cluster, seed=0)
    sim.fail_host(host, at_s=fail_at_s)
    out = sim.run(until_s=until_s).outages()
    return float(out.loc[out.vm == vm, "down_s"].iloc[0])


def declared_failed_at(host: str, fail_at_s: float = 60, **settings: Any) -> float:
    """When HA declares ``host`` failed after it stops at ``fail_at_s`` (example cluster;
    ``settings`` go to ``enable_ha``, e.g. ``election_s=25``)."""
    checks.name(host, Cluster.example().hosts, "Host")
    checks.time_s(fail_at_s, "fail_at_s", high=10**6)
    cluster = Cluster.example()
    cluster.enable_ha(**settings)
    sim = Simulation(cluster, seed=0)
    sim.fail_host(host, at_s=fail_at_s)
    ev = sim.run(until_s=fail_at_s + 600).events
    return float(ev[(ev.kind == "host_declared_failed") & (ev.host == host)].t_s.iloc[0])


def isolated_longest_outage(host: str, response: str, at_s: float = 60) -> float:
    """The longest outage among ``host``'s VMs when it is isolated at ``at_s`` with isolation
    response ``response`` (example cluster)."""
    checks.name(host, Cluster.example().hosts, "Host")
    checks.time_s(at_s, "at_s", high=10**6)
    cluster = Cluster.example()
    cluster.enable_ha(isolation_response=response)
    sim = Simulation(cluster, seed=0)
    sim.isolate_host(host, at_s=at_s)
    out = sim.run(until_s=at_s + 1200).outages()
    return float(out.down_s.max()) if len(out) else 0.0


def hosts_until_short(
    until_s: float = 1800, ft: tuple[str, ...] = ("db-01", "db-02", "db-03", "db-04")
) -> int:
    """The fewest hosts (esx-01, esx-02, … failing together) that leave a VM without a
    host to restart on, in the example cluster with HA on and FT on the VMs ``ft`` (each FT
    secondary holds its VM's memory on another host). Admission control only refuses new
    power-ons; it never stops a restart, so the policy does not matter here."""
    checks.time_s(until_s, "until_s", zero_ok=False)
    base = Cluster.example()
    base.enable_ha(admission_control=None)
    for vm in ft:
        base.enable_ft(vm)
    hosts = list(base.hosts)
    for k in range(1, len(hosts) + 1):
        sim = Simulation(base, seed=0)
        for h in hosts[:k]:
            sim.fail_host(h, at_s=60)
        out = sim.run(until_s=until_s).outages()
        if _lacks_capacity(out.cause).any():
            return k
    return len(hosts) + 1


_QUESTIONS = [
    Number(
        "03.1",
        N_(
            "HA is on with its default settings. esx-10 fails at t = 60 s. For how many seconds "
            "is its database db-02 out of service?"
        ),
        answer=lambda: ha_outage("db-02", "esx-10"),
        unit="s",
        explain=N_(
            "HA's failure detection (about 18 s with heartbeat datastores), then the "
            "database's 300 s boot on "
            "another host."
        ),
        hint=N_("detection time + the VM's boot_s (cluster.vms['db-02'].boot_s)."),
        abs_tolerance=1,
    ),
    Number(
        "03.2",
        N_(
            "esx-05 loses its management network at t = 60 s in a cluster whose isolation "
            "response is 'power_off' (cluster.enable_ha(isolation_response='power_off')). How many "
            "seconds is the longest outage among esx-05's VMs?"
        ),
        answer=lambda: isolated_longest_outage("esx-05", "power_off"),
        unit="s",
        explain=N_(
            "The host first declares itself isolated, waits before applying the response, "
            "powers its VMs off; only then does the primary restart them, and each boots."
        ),
        hint=N_(
            "repeat section 5's power_off run for esx-05 and read .outages().down_s.max(); it "
            "is shorter than after a failure of the host: the VMs ran on until the power-off"
        ),
        abs_tolerance=1,
    ),
    Number(
        "03.3",
        N_(
            "Predict, then check: in a cluster whose elections take 25 s "
            "(cluster.enable_ha(election_s=25)), the primary esx-01 fails at t = 120 s. At what "
            "time (in s) does HA declare it failed?"
        ),
        answer=lambda: declared_failed_at("esx-01", fail_at_s=120, election_s=25),
        unit="s",
        explain=N_(
            "A failed primary cannot watch itself: the others start an election about 10 s "
            "after its last heartbeat, the election takes 25 s here, and the new primary declares "
            "esx-01 failed about 10 s after it is elected (VMware's published timeline: restarts "
            "at "
            "about 35 s with a 15 s election)."
        ),
        hint=N_(
            "a failed primary cannot watch itself: what must the other hosts do first, and "
            "how long does each step take? Simulate it with Simulation and readable_log."
        ),
        abs_tolerance=0.5,
    ),
    Number(
        "03.4",
        N_(
            "In Cluster.example() with HA on and FT on db-01, db-02, db-03 and db-04, hosts "
            "esx-01, esx-02, … fail all at the same moment. What is the smallest number of failed "
            "hosts that leaves some VM down for lack of memory?"
        ),
        answer=hosts_until_short,
        unit="hosts",
        explain=N_(
            "With this many hosts gone, the memory left on the survivors cannot hold every "
            "VM and every FT secondary: the four secondaries hold 256 GiB, one host's worth, so "
            "the "
            "cluster absorbs one failure fewer than the failover capacity of section 7 says."
        ),
        hint=N_(
            "turn FT on for the four databases (cluster.enable_ft(...)), then fail the first k "
            "hosts in one Simulation and look for 'insufficient capacity' in outages().cause; the "
            "secondaries take memory too."
        ),
        abs_tolerance=0,
    ),
    Number(
        "03.5",
        N_(
            "VMware's slot example gets a fourth host of 6 GHz / 6 GB (the same five VMs, the "
            "same 2 GHz / 2 GB slot). What is its current failover capacity now?"
        ),
        answer=lambda: slot_failover_capacity(
            [(9, 9), (9, 6), (6, 6), (6, 6)], [(2, 1), (2, 1), (1, 2), (1, 1), (1, 1)]
        ),
        unit="host failures",
        explain=N_(
            "4 + 3 + 3 + 3 = 13 slots. Without the largest host 9 remain, without the two "
            "largest 6, both enough for the 5 VMs; without three only 3 remain."
        ),
        hint=N_(
            "count slots per host (the smaller of CPU / slot CPU and memory / slot memory), "
            "then take the largest hosts away first until fewer than 5 slots remain."
        ),
        abs_tolerance=0,
    ),
]

for _q in _QUESTIONS:
    if _q.id not in QUESTIONS:  # importing twice (a re-run cell) registers once
        register(_q)


def _outage_of(vm: str):
    def measure(timeline) -> float:
        out = timeline.outages()
        mine = out[out.vm == vm]
        return float(mine.down_s.max()) if len(mine) else 0.0

    return measure


def _restarts(timeline) -> float:
    return float((timeline.events.kind == "restart_issued").sum())


register_prediction(
    "03.web",
    N_(
        "The same failure of esx-03, now with HA on. web-03's guest and service need 45 s to "
        "start. "
        "How many seconds will web-03 be out?"
    ),
    unit="s",
    tolerance=0.2,
    measure=_outage_of("web-03"),
    explain=lambda r: _(
        "{r:g} s: HA's failure detection first, then the 45 s boot on another "
        "host. HA cannot make the boot shorter."
    ).format(r=r),
)
register_prediction(
    "03.isolated",
    N_(
        "esx-03 only loses its management network; its VMs keep running. The isolation response is "
        "'leave powered on'. How many VMs does HA restart?"
    ),
    unit="VMs",
    tolerance=0,
    measure=_restarts,
    explain=N_(
        "Its datastore heartbeats go on, so the primary knows it is isolated, not dead; its "
        "VMs still hold their disk locks, and a second copy would corrupt their disks."
    ),
)
register_prediction(
    "03.hang",
    N_(
        "VM monitoring is on (high sensitivity). At 01:00 the guest of app-11 hangs: the host is "
        "fine, but the guest stops answering. Its guest and service need 120 s to start. How many "
        "seconds is app-11 out?"
    ),
    unit="s",
    tolerance=0.2,
    measure=_outage_of("app-11"),
    explain=lambda r: _(
        "{r:g} s: VM monitoring waits its failure interval without guest "
        "heartbeats, resets the VM on the same host, and the guest boots again."
    ).format(r=r),
)

__all__ = ["declared_failed_at", "ha_outage", "hosts_until_short", "isolated_longest_outage"]
register_prediction(
    "03.prio_default",
    N_(
        "mail-03 (150 s boot) gets restart priority 'highest'; the others stay 'medium'. With "
        "vSphere's default readiness condition (Resources allocated), how many seconds is the web "
        "server web-03 out after esx-03 fails?"
    ),
    unit="s",
    tolerance=0.2,
    measure=_outage_of("web-03"),
    explain=lambda r: _(
        "{r:g} s. The medium VMs start as soon as mail-03 has its resources — "
        "a moment after its restart was issued — not when it has booted."
    ).format(r=r),
)
register_prediction(
    "03.prio_guest",
    N_(
        "The same, but with restart_readiness='guest_heartbeats' (start the next priority when "
        "the higher one's guest sends VMware Tools heartbeats). How many seconds is web-03 out?"
    ),
    unit="s",
    tolerance=0.2,
    measure=_outage_of("web-03"),
    explain=lambda r: _(
        "{r:g} s. Now the medium VMs wait until mail-03's guest has booted: "
        "its whole 150 s boot is added to their outages."
    ).format(r=r),
)
