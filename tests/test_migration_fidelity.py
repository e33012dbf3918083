"""Fidelity tests: the pre-copy model against the published figures it cites.

Every test names its source (rows of ``reference/figures.md``). Where the model needs a
parameter the source does not publish (a write rate, a working set), the test says how
it was chosen. Where the model and a figure disagree, the test keeps the figure and the
docstring says so; it is never bent to pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from vmlab.migration import (
    QEMU_AUTO_CONVERGE,
    THROTTLE_INCREMENT_PCT,
    THROTTLE_INITIAL_PCT,
    THROTTLE_MAX_PCT,
    XEN_RULES,
    precopy,
)
from vmlab.units import gbit_s_to_mib_s, gib_to_mib, mib_to_gib, pages_to_mib

GBE_MIB_S = gbit_s_to_mib_s(1)  # ≈ 119.2 MiB/s
MB = 1e6 / 2**20  # one decimal megabyte in MiB (the papers quote MB)


def within_order_of_magnitude(value: float, published: float) -> bool:
    return published / 10 <= value <= published * 10


# ----------------------------------------------------------------------------- idle VM


def test_idle_vm_takes_one_full_copy_and_a_tiny_downtime() -> None:
    """An idle guest dirties nothing: one full copy (time ≈ memory / bandwidth) and a
    stun of only the fixed costs.

    Source: QEMU measured (OPNFV kvmfornfv documentation): idle 8 GiB guest, downtime
    26 ms. Their total, 2,271 ms, is shorter than 8 GiB / 10 Gbit/s (6.9 s) because an
    idle guest's memory is mostly zero pages, which we do not try to guess here.
    """
    r = precopy(8, 0, 0, 10)
    assert r.converged and r.n_rounds == 2
    assert r.total_time_s == pytest.approx(gib_to_mib(8) / gbit_s_to_mib_s(10), rel=0.01)
    assert r.downtime_s < 0.05
    assert within_order_of_magnitude(r.downtime_s, 0.026)  # model: ≈ 10 ms


# ----------------------------------------------------------------------------- working sets


def test_small_working_set_converges_even_when_the_dirty_rate_beats_the_link() -> None:
    """Clark et al. NSDI 2005, the writable working set: a guest may write far faster
    than the link, but if it keeps rewriting the same few pages the dirty set stays
    small and pre-copy converges without any throttling.

    A 4 GiB VM writing 500 MiB/s (4 × a 1 Gbit/s link) into a 16 MiB working set.
    ``on_no_convergence='abort'`` so no SDPS can help.
    """
    rate_mib_s = 500
    assert rate_mib_s > 4 * GBE_MIB_S * 0.99
    r = precopy(4, rate_mib_s, 16 / 1024, 1, on_no_convergence="abort")
    assert r.converged and r.outcome == "converged"
    assert r.max_throttle_pct == 0
    assert r.downtime_s < 0.3 + r.fixed_cost_s


def test_large_working_set_does_not_converge_and_forced_downtime_is_seconds() -> None:
    """Clark et al. NSDI 2005 (secondary): the memory-hammering "MMuncher" workload
    dirties memory faster than the link sends it; pre-copy cannot converge and the
    final stop-and-copy takes about 3.5 s.

    Parameters: Gigabit Ethernet as in the paper. A 3.5 s stop-and-copy at ~119 MiB/s is
    ~400 MiB left dirty, so we give a 512 MiB VM a 400 MiB working set written at
    300 MiB/s (2.5 × the link). The paper does not publish these two numbers; the test
    checks the mechanism (no convergence, a forced stun of seconds), not a fit.
    Model: 3.0 s.
    """
    args = (0.5, 300, 400 / 1024, 1)
    aborted = precopy(*args, on_no_convergence="abort")
    assert not aborted.converged and aborted.outcome == "aborted"
    forced = precopy(*args, on_no_convergence="force")
    assert forced.outcome == "forced"
    assert 1.0 <= forced.downtime_s <= 10.0
    assert within_order_of_magnitude(forced.downtime_s, 3.5)
    # SDPS (vSphere 5.0+) slows the guest until it converges: sub-second stun again
    sdps = precopy(*args, on_no_convergence="sdps")
    assert sdps.converged and sdps.outcome == "sdps"
    assert sdps.downtime_s < 1.0


# ----------------------------------------------------------------------------- Clark's workloads


def test_specweb_downtime_and_volume() -> None:
    """Clark et al. NSDI 2005: SPECweb99 in an 800 MB VM over Gigabit Ethernet:
    downtime 210 ms (≈ 201 ms final copy of ~18 MB + 9 ms resume, secondary) and about
    960 MB sent in all (1.2 × RAM, secondary).

    Parameters the paper does not give, chosen from what it does give: ~160 MB re-sent
    during pre-copy (1.2 × RAM − RAM) and ~18 MB left at the end say the working set is a
    few hundred MB, written slowly enough that it shrinks to tens of MB in a second;
    we take a 200 MiB working set written at 25 MiB/s (logs, page cache, sessions).
    Switchover by the lab's default rule (QEMU, 300 ms), not Xen 2005's rate-limited
    rule: Clark's pre-copy also limited its own bandwidth, which we do not model.
    Model: downtime ≈ 200 ms, ≈ 1.2 × RAM sent.
    """
    memory_gib = mib_to_gib(800 * MB)
    r = precopy(memory_gib, 25, 200 / 1024, 1)
    assert r.converged
    assert within_order_of_magnitude(r.downtime_s, 0.210)
    ratio = r.transferred_mib / gib_to_mib(memory_gib)
    assert 1.0 < ratio < 1.5  # published ≈ 1.2
    final_copy_mb = r.rounds["sent_mib"].iloc[-1] / MB
    assert within_order_of_magnitude(final_copy_mb, 18)


def test_quake3_downtime() -> None:
    """Clark et al. NSDI 2005: a Quake 3 server in a 64 MB VM migrates with 60 ms of
    downtime; players notice nothing.

    Parameters: a game server rewrites a small state (players, world) over and over;
    we take an 8 MiB working set written at 20 MiB/s over Gigabit Ethernet (not in the
    paper). Model: ≈ 66 ms. Also the published order: Quake 3's stun is shorter than
    SPECweb's.
    """
    quake = precopy(mib_to_gib(64 * MB), 20, 8 / 1024, 1)
    assert quake.converged
    assert within_order_of_magnitude(quake.downtime_s, 0.060)
    specweb = precopy(mib_to_gib(800 * MB), 25, 200 / 1024, 1)
    assert quake.downtime_s < specweb.downtime_s


def test_vmotion_downtime_under_a_second_for_a_range_of_workloads() -> None:
    """Nelson, Lim, Hutchins, USENIX ATC 2005: VMware VMotion keeps application
    downtime under one second for a range of workloads. With the lab's defaults (SDPS,
    300 ms target) over a 10 Gbit/s link, every workload below converges within 1 s."""
    for memory in (1, 4, 16, 64):
        for share in (0.01, 0.1, 0.5, 1.0):
            for rate in (0, 50, 500, 2000):
                r = precopy(memory, rate, memory * share, 10)
                assert r.converged, (memory, share, rate, r.reason)
                assert r.downtime_s < 1.0


# ----------------------------------------------------------------------------- Xen's rules


def test_xen_stops_when_fewer_than_50_pages_are_dirty() -> None:
    """Xen ``tools/libxc/xc_domain_save.c``: the last iteration starts when fewer than
    50 pages were dirtied in a round. A guest that dirties slowly (10 MiB/s into 64 MiB
    over 1 Gbit/s) shrinks its dirty set each round until that happens."""
    r = precopy(1, 10, 64 / 1024, 1, **XEN_RULES)
    assert r.converged
    remaining = r.rounds["remaining_mib"].to_numpy()[:-1]  # pre-copy rounds
    assert remaining[-1] < pages_to_mib(50)
    assert np.all(remaining[:-1] >= pages_to_mib(50))
    assert "fewer than 50 pages" in r.reason


def test_xen_stops_after_30_rounds() -> None:
    """Xen ``xc_domain_save.c``, DEF_MAX_ITERS 29: at most 29 live iterations, then the
    final one — 30 rounds in all; the final copy is done whatever is left."""
    r = precopy(8, 150, 0.5, 1, **{**XEN_RULES, "max_transfer_factor": None})
    assert r.n_rounds == 30
    assert r.outcome == "forced"


def test_xen_stops_once_three_times_ram_has_been_sent() -> None:
    """Xen ``xc_domain_save.c``, DEF_MAX_FACTOR 3: the last iteration starts once more
    than 3 × the VM's memory has been sent. A guest rewriting all its memory faster than
    the link re-sends nearly all of it every round, so that happens after round 3."""
    r = precopy(1, 1000, 1, 1, **XEN_RULES)
    sent = r.rounds["sent_mib"].to_numpy()
    precopied = np.cumsum(sent[:-1])
    assert precopied[-1] > 3 * 1024 >= precopied[-2]
    assert r.outcome == "forced" and r.n_rounds < 30
    assert "3 ×" in r.reason


# ----------------------------------------------------------------------------- QEMU's rules


@pytest.mark.parametrize("limit_ms", [300.0, 30.0])
def test_qemu_switches_over_when_the_dirty_bytes_fit_the_downtime_limit(limit_ms) -> None:
    """QEMU ``migration/migration.c``: switch over as soon as the pending dirty bytes
    can be sent within ``downtime-limit`` at the link's bandwidth (300 ms by default,
    30 ms in older releases, ``migration/options.c``)."""
    r = precopy(4, 400, 1, 10, switchover_target_ms=limit_ms, on_no_convergence="abort")
    threshold = gbit_s_to_mib_s(10) * limit_ms / 1000
    remaining = r.rounds["remaining_mib"].to_numpy()[:-1]
    assert r.converged
    assert remaining[-1] <= threshold
    assert np.all(remaining[:-1] > threshold)  # no earlier round was small enough


def test_qemu_auto_converge_throttle_steps() -> None:
    """QEMU auto-converge (``migration/ram.c`` migration_trigger_throttle,
    mig_throttle_guest_down; defaults in ``migration/options.c``): when the bytes
    dirtied in a period (≥ 1 s) exceed 50 % of the bytes sent, twice, throttle the vCPUs
    to 20 %, then +10 % each further time, at most 99 %."""
    r = precopy(8, 2048, 6, 1, **QEMU_AUTO_CONVERGE)
    throttle = r.rounds["throttle_pct"].to_numpy()
    levels = list(dict.fromkeys(throttle[throttle > 0]))
    ladder = [THROTTLE_INITIAL_PCT]
    while ladder[-1] < THROTTLE_MAX_PCT:
        ladder.append(min(ladder[-1] + THROTTLE_INCREMENT_PCT, THROTTLE_MAX_PCT))
    assert ladder == [20, 30, 40, 50, 60, 70, 80, 90, 99]
    assert levels == ladder[: len(levels)]
    assert levels[-1] == 99
    # every round here lasts > 1 s, so each step needs two rounds over the threshold:
    # throttling starts at round 2 and each level lasts two rounds
    assert throttle[0] == throttle[1] == 0 and throttle[2] == 20
    changes = np.flatnonzero(np.diff(throttle)) + 1
    assert np.all(np.diff(changes) >= 2)
    assert r.outcome == "sdps"


def test_qemu_auto_converge_counts_checks_at_most_once_a_second() -> None:
    """QEMU ``migration/ram.c``: the throttle rule is checked at a bitmap sync only when
    at least 1 s has passed since the last check; shorter rounds add up. A 2 GiB guest
    rewriting all its memory at 8000 MiB/s on 25 Gbit/s has rounds of about 0.6 s, so
    each check covers two rounds and throttling starts at round 4, not round 2."""
    r = precopy(2, 8000, 2, 25, max_rounds=1000)
    durations = r.rounds["duration_s"].to_numpy()
    first = int(np.flatnonzero(r.rounds["throttle_pct"].to_numpy() > 0)[0])
    assert np.all(durations[1:first] < 1.0)
    assert durations[:first].sum() >= 2.0  # two 1-second periods at least
    assert first == 4
