"""Unit and property tests of the pre-copy model (vmlab.migration)."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import vmlab.migration as migration
from vmlab.migration import (
    MAX_ROUNDS,
    MAX_SWITCHOVER_S,
    RESUME_MS,
    ROUND_COLUMNS,
    SAFETY_ROUNDS,
    SWITCHOVER_TARGET_MS,
    MigrationResult,
    precopy,
)
from vmlab.units import gbit_s_to_mib_s, gib_to_mib

# ----------------------------------------------------------------------------- basics


def test_docstring_examples_run() -> None:
    failures, _ = doctest.testmod(migration, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0


def test_defaults_are_the_cited_ones() -> None:
    assert SWITCHOVER_TARGET_MS == 300.0  # QEMU downtime-limit
    assert MAX_ROUNDS == 30  # Xen DEF_MAX_ITERS 29 + the final round
    assert RESUME_MS == 9.0  # Clark et al. 2005
    assert MAX_SWITCHOVER_S == 100.0  # vSphere vmotion.maxSwitchoverSeconds, KB 2141355
    default = migration.VSPHERE_SETTINGS
    assert default.on_no_convergence == "sdps"  # vSphere's SDPS
    assert default.max_rounds is None  # vSphere publishes no round limit (30 is Xen's)
    assert default.max_switchover_s == MAX_SWITCHOVER_S


def test_result_fields_and_round_table() -> None:
    r = precopy(4, 100, 0.5, 10)
    assert isinstance(r, MigrationResult)
    assert list(r.rounds.columns) == list(ROUND_COLUMNS)
    assert r.rounds["round"].tolist() == list(range(r.n_rounds))
    assert r.rounds["round"].dtype == np.int64
    assert r.n_rounds == len(r.rounds)
    assert r.transferred_mib == pytest.approx(r.rounds["sent_mib"].sum())
    # rounds follow each other without gaps
    ends = (r.rounds["start_s"] + r.rounds["duration_s"]).to_numpy()
    assert np.allclose(ends[:-1], r.rounds["start_s"].to_numpy()[1:])
    # total = all rounds + resume (+ announcement, 0 by default)
    assert r.total_time_s == pytest.approx(ends[-1] + RESUME_MS / 1000)
    # downtime = the stop-and-copy round + resume
    assert r.downtime_s == pytest.approx(r.rounds["duration_s"].iloc[-1] + RESUME_MS / 1000)
    assert r.precopy_time_s == pytest.approx(r.total_time_s - r.downtime_s)
    assert r.memory_map is None  # expected model draws no map


def test_round_zero_copies_all_memory() -> None:
    r = precopy(2, 0, 0, 1)
    assert r.rounds["sent_mib"].iloc[0] == pytest.approx(gib_to_mib(2))
    assert r.rounds["duration_s"].iloc[0] == pytest.approx(gib_to_mib(2) / gbit_s_to_mib_s(1))


def test_each_round_resends_what_the_previous_one_left_dirty() -> None:
    r = precopy(8, 300, 2, 10, on_no_convergence="force")
    rows = r.rounds
    assert np.allclose(rows["sent_mib"].to_numpy()[1:-1], rows["remaining_mib"].to_numpy()[:-2])
    # the stop-and-copy round sends the rest plus the device state, dirties nothing
    last = rows.iloc[-1]
    assert last["sent_mib"] == pytest.approx(rows["remaining_mib"].iloc[-2] + 1.0)
    assert last["dirtied_mib"] == 0 and last["remaining_mib"] == 0


def test_dirty_set_saturates_at_the_working_set() -> None:
    ws_gib = 0.5
    r = precopy(8, 5000, ws_gib, 1, on_no_convergence="force")
    assert r.rounds["dirtied_mib"].max() <= gib_to_mib(ws_gib) + 1e-9
    assert r.rounds["dirtied_mib"].iloc[0] == pytest.approx(gib_to_mib(ws_gib), rel=1e-6)


def test_uniform_writes_follow_the_saturation_curve() -> None:
    # round 0 at 1 Gbit/s takes 1024/119.2 s; writes = rate × that time
    mem, ws, rate = 1.0, 0.25, 20.0
    r = precopy(mem, rate, ws, 1)
    written = rate * gib_to_mib(mem) / gbit_s_to_mib_s(1)
    expected = gib_to_mib(ws) * (1 - math.exp(-written / gib_to_mib(ws)))
    assert r.rounds["dirtied_mib"].iloc[0] == pytest.approx(expected)


def test_sequential_writes_grow_linearly_until_the_working_set() -> None:
    r = precopy(1, 20, 0.25, 1, pattern="sequential")
    written = 20 * gib_to_mib(1) / gbit_s_to_mib_s(1)  # ≈ 172 MiB < 256 MiB
    assert r.rounds["dirtied_mib"].iloc[0] == pytest.approx(written)
    r = precopy(1, 200, 0.25, 1, pattern="sequential", on_no_convergence="force")
    assert r.rounds["dirtied_mib"].iloc[0] == pytest.approx(256.0)
    # a scan dirties more distinct pages than random writes of the same volume
    uniform = precopy(1, 20, 0.25, 1)
    assert r.transferred_mib > uniform.transferred_mib


def test_zero_pages_cost_almost_nothing_in_round_zero() -> None:
    full = precopy(8, 0, 0, 10)
    half = precopy(8, 0, 0, 10, zero_fraction=0.5)
    assert half.rounds["sent_mib"].iloc[0] == pytest.approx(4096, rel=0.01)
    assert half.total_time_s < 0.55 * full.total_time_s


def test_idle_vm_converges_after_round_zero() -> None:
    r = precopy(16, 0, 0, 10)
    assert r.converged and r.outcome == "converged"
    assert r.n_rounds == 2
    assert "no memory was left dirty" in r.reason


# ----------------------------------------------------------------------------- policies


def test_force_switches_over_after_max_rounds_with_a_long_stun() -> None:
    r = precopy(8, 2048, 6, 1, on_no_convergence="force", max_rounds=10)
    assert not r.converged and r.outcome == "forced" and r.switched_over
    assert r.n_rounds == 10
    assert r.downtime_s > 10
    assert "did not converge" in r.reason and "switched over anyway" in r.reason
    assert "faster than" in r.reason


def test_abort_leaves_the_vm_on_the_source() -> None:
    r = precopy(8, 2048, 6, 1, on_no_convergence="abort", max_rounds=10)
    assert not r.converged and r.outcome == "aborted" and not r.switched_over
    assert r.downtime_s == 0
    assert r.n_rounds == 9  # the last round was kept for the stop-and-copy
    assert r.announce_times_s == () and r.resumed_at_s is None
    assert "keeps running on the source" in r.reason
    assert r.total_time_s == pytest.approx(r.rounds["duration_s"].sum())


def test_sdps_throttles_and_converges() -> None:
    r = precopy(8, 2048, 6, 1, on_no_convergence="sdps")
    assert r.converged and r.outcome == "sdps"
    assert r.max_throttle_pct > 0
    assert r.rounds["throttle_pct"].is_monotonic_increasing
    assert r.downtime_s < 1
    assert "SDPS slowed" in r.reason


def test_sdps_leaves_a_converging_guest_alone() -> None:
    r = precopy(8, 100, 1, 10)
    assert r.outcome == "converged"
    assert r.max_throttle_pct == 0


def test_sdps_that_runs_out_of_rounds_forces_the_switchover() -> None:
    r = precopy(8, 2048, 6, 1, on_no_convergence="sdps", max_rounds=6)
    assert r.outcome == "forced" and not r.converged
    assert "SDPS slowed the guest" in r.reason


def test_n_rounds_never_exceeds_max_rounds() -> None:
    for policy in ("sdps", "force", "abort"):
        for max_rounds in (2, 3, 7, 30):
            r = precopy(4, 1000, 4, 1, on_no_convergence=policy, max_rounds=max_rounds)
            assert r.n_rounds <= max_rounds


def test_announcements_follow_qemus_schedule() -> None:
    r = precopy(4, 0, 0, 10)
    times = np.array(r.announce_times_s) - r.resumed_at_s
    assert np.allclose(times * 1000, [0, 50, 200, 450, 800])
    # a lost first announcement costs the next one's 50 ms
    late = precopy(4, 0, 0, 10, announce_ms=50)
    assert late.downtime_s == pytest.approx(r.downtime_s + 0.05)


def test_summary_is_readable() -> None:
    text = precopy(8, 2048, 6, 1, on_no_convergence="abort").summary()
    for word in ("Rounds", "Total time", "Downtime", "Data sent", "aborted"):
        assert word in text


# ----------------------------------------------------------------------------- pages model


AGREEMENT_CASES = [
    (8, 200, 0.25, 10, {}),
    (4, 100, 1, 1, {}),
    (2, 300, 0.5, 1, {"on_no_convergence": "force"}),
    (2, 300, 0.5, 1, {"on_no_convergence": "abort"}),
    (8, 2048, 6, 1, {"max_rounds": 8, "on_no_convergence": "force"}),
    (4, 1500, 2, 10, {}),  # SDPS acts
    (1, 30, 0.25, 1, {"pattern": "sequential"}),
    (0.75, 25, 0.2, 1, {"zero_fraction": 0.3}),
]


@pytest.mark.parametrize(("mem", "rate", "ws", "bw", "kw"), AGREEMENT_CASES)
def test_pages_and_expected_models_agree_within_10_percent(mem, rate, ws, bw, kw) -> None:
    expected = precopy(mem, rate, ws, bw, model="expected", **kw)
    pages = precopy(mem, rate, ws, bw, model="pages", seed=1, **kw)
    assert pages.outcome == expected.outcome
    assert pages.total_time_s == pytest.approx(expected.total_time_s, rel=0.10)
    assert pages.transferred_mib == pytest.approx(expected.transferred_mib, rel=0.10)


def test_memory_map_has_a_row_per_round_and_known_codes() -> None:
    r = precopy(1, 50, 0.25, 1, model="pages", seed=3)
    assert r.memory_map is not None
    assert r.memory_map.shape == (r.n_rounds, 4096)
    assert set(np.unique(r.memory_map)) <= {0, 1, 2}
    assert r.memory_map_pages_per_cell == pytest.approx(64)
    # round 0 sends everything: no cell is left clean-and-unsent
    assert not np.any(r.memory_map[0] == 0)
    # the final stop-and-copy leaves nothing dirty
    assert not np.any(r.memory_map[-1] == 2)
    # the dirty cells sit inside the working set: about a quarter of memory
    dirty_share = np.mean(r.memory_map[0] == 2)
    assert 0 < dirty_share <= 0.26


def test_small_vm_map_shows_every_page() -> None:
    r = precopy(1 / 1024, 10, 0.5 / 1024, 1, model="pages")  # 1 MiB = 256 pages
    assert r.memory_map.shape[1] == 256
    assert r.memory_map_pages_per_cell == 1


def test_same_seed_same_rounds_other_seed_other_rounds() -> None:
    a = precopy(2, 200, 0.5, 1, model="pages", seed=7, on_no_convergence="force")
    b = precopy(2, 200, 0.5, 1, model="pages", seed=7, on_no_convergence="force")
    c = precopy(2, 200, 0.5, 1, model="pages", seed=8, on_no_convergence="force")
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    assert np.array_equal(a.memory_map, b.memory_map)
    assert not a.rounds.equals(c.rounds)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"memory_gib": 0}, ["memory_gib", "greater than 0"]),
        ({"memory_gib": -4}, ["memory_gib", "greater than 0"]),
        ({"memory_gib": float("nan")}, ["memory_gib", "finite"]),
        ({"memory_gib": "8"}, ["memory_gib", "number"]),
        ({"dirty_rate_mib_s": -1}, ["dirty_rate_mib_s", "at least 0"]),
        ({"working_set_gib": -1}, ["working_set_gib", "at least 0"]),
        ({"working_set_gib": 9}, ["working_set_gib", "memory_gib", "between 0 and 8"]),
        ({"bandwidth_gbit_s": 0}, ["bandwidth_gbit_s", "greater than 0"]),
        ({"switchover_target_ms": -5}, ["switchover_target_ms", "at least 0"]),
        ({"max_rounds": 1}, ["max_rounds", "from 2"]),
        ({"max_rounds": 2.5}, ["max_rounds", "whole number"]),
        ({"pattern": "random"}, ["pattern", "'uniform'", "'sequential'"]),
        ({"on_no_convergence": "wait"}, ["on_no_convergence", "'sdps'", "'abort'"]),
        ({"model": "exact"}, ["model", "'expected'", "'pages'"]),
        ({"zero_fraction": 1.0}, ["zero_fraction", "less than 1"]),
        ({"zero_fraction": -0.1}, ["zero_fraction", "at least 0"]),
        ({"min_dirty_pages": -1}, ["min_dirty_pages"]),
        ({"max_transfer_factor": 0.5}, ["max_transfer_factor", "at least 1"]),
        ({"seed": "x"}, ["seed"]),
        ({"memory_gib": 512, "working_set_gib": 1, "model": "pages"}, ["memory_gib", "256"]),
    ],
)
def test_bad_input_names_the_argument_and_its_range(kwargs, names) -> None:
    args = {"memory_gib": 8, "dirty_rate_mib_s": 100, "working_set_gib": 1, "bandwidth_gbit_s": 10}
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        precopy(**args)
    for name in names:
        assert name in str(err.value)


# ----------------------------------------------------------------------------- properties

memories = st.floats(min_value=0.25, max_value=64)
fractions = st.floats(min_value=0.0, max_value=1.0)
rates = st.floats(min_value=0.0, max_value=5000)
links = st.sampled_from([1.0, 10.0, 25.0]) | st.floats(min_value=0.1, max_value=100)
fixed_policies = st.sampled_from(["force", "abort"])
patterns = st.sampled_from(["uniform", "sequential", "hot"])


@settings(max_examples=150, deadline=None)
@given(memories, fractions, rates, rates, links, fixed_policies, patterns)
def test_more_dirtying_never_makes_migration_shorter_or_cheaper(
    mem, ws_share, rate_a, rate_b, bw, policy, pattern
) -> None:
    """Issue 3, Tests: total time and transferred volume never fall as the dirty rate
    rises. Holds for 'force' and 'abort' with a fixed round limit (Xen's 30); SDPS is
    tested apart below. Without a round limit a hopeless run stops when it makes no more
    progress, which a hungrier guest reaches sooner: not monotone, on purpose."""
    low, high = sorted((rate_a, rate_b))
    kw = {
        "on_no_convergence": policy,
        "pattern": pattern,
        "max_rounds": MAX_ROUNDS,
        "max_switchover_s": None,
    }
    a = precopy(mem, low, mem * ws_share, bw, **kw)
    b = precopy(mem, high, mem * ws_share, bw, **kw)
    assert b.total_time_s >= a.total_time_s * (1 - 1e-9)
    assert b.transferred_mib >= a.transferred_mib * (1 - 1e-9)


@settings(max_examples=150, deadline=None)
@given(memories, fractions, rates, links, links, fixed_policies, patterns)
def test_a_slower_link_never_makes_migration_shorter_or_cheaper(
    mem, ws_share, rate, bw_a, bw_b, policy, pattern
) -> None:
    slow, fast = sorted((bw_a, bw_b))
    kw = {
        "on_no_convergence": policy,
        "pattern": pattern,
        "max_rounds": MAX_ROUNDS,
        "max_switchover_s": None,
    }
    a = precopy(mem, rate, mem * ws_share, fast, **kw)
    b = precopy(mem, rate, mem * ws_share, slow, **kw)
    assert b.total_time_s >= a.total_time_s * (1 - 1e-9)
    assert b.transferred_mib >= a.transferred_mib * (1 - 1e-9)


def test_with_sdps_a_hungrier_guest_can_finish_sooner() -> None:
    """A known exception to monotonicity, kept on purpose: QEMU's auto-converge rule
    (our SDPS) throttles a faster-dirtying guest sooner, so it may finish first. Found by
    the property above when it included 'sdps'; pinned so a change is noticed."""
    slower = precopy(1, 2100, 0.5, 10)
    faster = precopy(1, 2110, 0.5, 10)
    assert faster.outcome == slower.outcome == "sdps"
    assert faster.total_time_s < slower.total_time_s


@settings(max_examples=200, deadline=None)
@given(
    memories,
    fractions,
    rates,
    links,
    st.floats(min_value=0, max_value=2000),
    st.sampled_from(["sdps", "force", "abort"]),
    patterns,
    st.floats(min_value=0, max_value=0.9),
)
def test_invariants(mem, ws_share, rate, bw, target_ms, policy, pattern, zero) -> None:
    r = precopy(
        mem,
        rate,
        mem * ws_share,
        bw,
        switchover_target_ms=target_ms,
        on_no_convergence=policy,
        pattern=pattern,
        zero_fraction=zero,
    )
    round0 = r.rounds["sent_mib"].iloc[0]
    # transferred ≥ what round 0 copied
    assert r.transferred_mib >= round0
    zero_mib = gib_to_mib(mem) * zero
    assert round0 == pytest.approx(gib_to_mib(mem) - zero_mib + zero_mib * 9 / 4096)
    # when converged, the stun fits the switchover target plus the fixed resume cost
    if r.converged:
        assert r.downtime_s <= target_ms / 1000 + r.fixed_cost_s + 1e-9
    assert r.n_rounds <= SAFETY_ROUNDS
    assert (r.downtime_s == 0) == (r.outcome == "aborted")
    assert r.converged == (r.outcome in ("converged", "sdps"))
    assert r.total_time_s >= r.downtime_s
    assert r.rounds["throttle_pct"].between(0, 99).all()
    assert (r.rounds["remaining_mib"] <= gib_to_mib(mem * ws_share) + 1e-6).all()


@settings(max_examples=15, deadline=None)
@given(
    st.floats(min_value=0.01, max_value=1),
    fractions,
    rates,
    links,
    st.integers(min_value=0, max_value=2**32),
)
def test_same_seed_same_rounds(mem, ws_share, rate, bw, seed) -> None:
    assume(mem * ws_share >= 0)
    kw = {"model": "pages", "seed": seed, "max_rounds": 12}
    a = precopy(mem, rate, mem * ws_share, bw, **kw)
    b = precopy(mem, rate, mem * ws_share, bw, **kw)
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    assert np.array_equal(a.memory_map, b.memory_map)


# ----------------------------------------------------------------------------- issue 15


def test_hot_pattern_follows_the_derived_formula() -> None:
    """D(x) = hW (1 - exp(-x (s/(hW) + (1-s)/W))) + (1-h)W (1 - exp(-x (1-s)/W))."""
    mem, ws_gib, rate = 1.0, 0.25, 20.0
    r = precopy(mem, rate, ws_gib, 1, pattern="hot", hot_fraction=0.1, hot_share=0.9)
    x = rate * gib_to_mib(mem) / gbit_s_to_mib_s(1)
    w, h, s = gib_to_mib(ws_gib), 0.1, 0.9
    expected = h * w * (1 - math.exp(-x * (s / (h * w) + (1 - s) / w))) + (1 - h) * w * (
        1 - math.exp(-x * (1 - s) / w)
    )
    assert r.rounds["dirtied_mib"].iloc[0] == pytest.approx(expected)
    # the hot part saturates first: fewer distinct pages than uniform writes of the same volume
    uniform = precopy(mem, rate, ws_gib, 1)
    assert r.rounds["dirtied_mib"].iloc[0] < uniform.rounds["dirtied_mib"].iloc[0]
    # with no hot share it is the uniform formula
    flat = precopy(mem, rate, ws_gib, 1, pattern="hot", hot_share=0)
    assert flat.rounds["dirtied_mib"].iloc[0] == pytest.approx(
        uniform.rounds["dirtied_mib"].iloc[0]
    )


def test_pending_pages_are_not_dirtied_again() -> None:
    """With QEMU's re-sync the unsent tail of a pass is pending when the bitmap is read
    again; what is new comes only from the clean part, so remaining = unsent + new and
    new ≤ working set − its pending part."""
    r = precopy(0.5, 62.5, 64 / 1024, 0.537, resync="qemu", on_no_convergence="abort")
    rows = r.rounds.iloc[:-1]
    assert np.allclose(rows.remaining_mib, rows.unsent_mib + rows.dirtied_mib)
    assert (rows.dirtied_mib <= 64 + 1e-9).all()
    assert (rows.unsent_mib.iloc[1:] > 0).any()  # mini-rounds: part of each pass still pending
    # a scan whose whole working set is pending dirties nothing new
    ws = 16 / 1024
    scan = precopy(1, 500, ws, 1, pattern="sequential", resync="qemu", switchover_target_ms=1000)
    assert scan.converged


@pytest.mark.parametrize("pattern", ["uniform", "hot", "sequential"])
@pytest.mark.parametrize("resync", ["pass", "qemu"])
def test_expected_and_pages_models_agree_on_patterns_and_resync(pattern, resync) -> None:
    kw = {"pattern": pattern, "resync": resync, "zero_fraction": 0.1}
    expected = precopy(0.5, 50, 0.25, 0.537, **kw)
    pages = precopy(0.5, 50, 0.25, 0.537, model="pages", seed=2, **kw)
    assert pages.outcome == expected.outcome
    assert pages.total_time_s == pytest.approx(expected.total_time_s, rel=0.10)
    assert pages.transferred_mib == pytest.approx(expected.transferred_mib, rel=0.10)


def test_qemu_resyncs_when_what_is_left_falls_below_the_threshold() -> None:
    """QEMU ``ram_save_pending``: the bitmap is read again when less than bandwidth ×
    downtime-limit is left of the pass, so each round's unsent part is below it, and the
    last pre-copy rounds near the edge are ~100 ms slices."""
    r = precopy(0.5, 62.5, 64 / 1024, 0.537, **migration.QEMU_RULES)
    rows = r.rounds.iloc[:-1]
    assert (rows.unsent_mib < r.switchover_threshold_mib).all()
    assert r.converged and r.n_rounds > 4
    assert rows.duration_s.iloc[-1] == pytest.approx(migration.QEMU_RATE_WINDOW_S, rel=0.05)


def test_settings_object_and_keywords_are_the_same_call() -> None:
    s = migration.PrecopySettings(pattern="hot", switchover_target_ms=100)
    a = precopy(8, 500, 1, 10, settings=s)
    b = precopy(8, 500, 1, 10, pattern="hot", switchover_target_ms=100)
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    assert a.settings == b.settings == s
    # keywords override the settings object
    c = precopy(8, 500, 1, 10, settings=s, switchover_target_ms=300)
    assert c.switchover_target_ms == 300 and c.pattern == "hot"
    # the plain call still works and keeps every field
    r = precopy(8, 500, 1, 10)
    for name in ("total_time_s", "downtime_s", "n_rounds", "transferred_mib", "outcome"):
        assert hasattr(r, name)
    assert r.precopy_time_s > 0 and r.switched_over and "sent_mib" in r.rounds


def test_unknown_setting_and_bad_settings_object_are_readable_errors() -> None:
    with pytest.raises(ValueError, match="no setting 'rounds'.*max_rounds"):
        precopy(8, 500, 1, 10, rounds=3)
    with pytest.raises(ValueError, match="settings must be a PrecopySettings"):
        precopy(8, 500, 1, 10, settings={"pattern": "hot"})
    with pytest.raises(ValueError, match="hot_fraction"):
        precopy(8, 500, 1, 10, pattern="hot", hot_fraction=0)
    with pytest.raises(ValueError, match="max_switchover_s"):
        precopy(8, 500, 1, 10, max_switchover_s=-1)


# ----------------------------------------------------------------------------- issue 16


def test_vsphere_default_never_forces_a_long_stun() -> None:
    """vSphere has SDPS and no "force after N rounds": by default a guest that outruns the
    link is slowed, and the stun stays within the target (figures.md, KB 2141355)."""
    for rate in (500, 2000, 5000):
        r = precopy(16, rate, 4, 1)
        assert r.outcome in ("converged", "sdps"), r.reason
        assert r.downtime_s <= 0.3 + r.fixed_cost_s


def test_a_switchover_over_100_s_fails_and_the_vm_stays_on_the_source() -> None:
    """vmotion.maxSwitchoverSeconds (100 s): without SDPS, 6 GiB left dirty over 0.5 Gbit/s
    would stun the VM for ~100 s or more: vSphere fails it, the VM keeps running."""
    r = precopy(8, 2048, 6, 0.5, on_no_convergence="force")
    assert r.outcome == "aborted" and not r.switched_over and r.downtime_s == 0
    assert "maxSwitchoverSeconds" in r.reason and "keeps running on the source" in r.reason
    # Xen's rule has no such limit: the same move is forced through with a long stun
    xen = precopy(8, 2048, 6, 0.5, **migration.XEN_RULES)
    assert xen.outcome == "forced" and xen.downtime_s > 100


def test_the_sdps_reason_says_too_fast_for_the_link_only_when_it_was() -> None:
    slow = precopy(16, 70, 4, 1)  # 70 MiB/s on a 119 MiB/s link: SDPS acts, not "faster"
    assert slow.outcome == "sdps"
    assert "faster than" not in slow.reason and "half" in slow.reason
    fast = precopy(8, 2048, 6, 1)
    assert fast.outcome == "sdps" and "faster than the 1 Gbit/s link" in fast.reason


# ----------------------------------------------------------------------------- lesson 01 claims


def test_lesson_01_pages_demo_converges_without_sdps() -> None:
    """Lesson 01 §3 shows the pages model before SDPS is taught: it must converge alone."""
    r = precopy(1, 40, 0.25, bandwidth_gbit_s=1, model="pages", seed=0)
    assert r.outcome == "converged" and r.max_throttle_pct == 0


def test_lesson_01_a_slow_writer_can_have_the_longer_stun() -> None:
    """Lesson 01 §2: "a VM that writes slowly can end with a longer stun than one that
    writes fast" — true of the lesson's own maintenance run."""
    from vmlab import Cluster, Simulation

    cluster = Cluster.example()
    sim = Simulation(cluster, seed=0)
    sim.enter_maintenance("esx-09", at_s=60)
    moves = sim.run(until_s=2000).migrations.set_index("vm")
    rate = {vm: cluster.vms[vm].dirty_rate_mib_s for vm in moves.index}
    assert any(
        rate[a] < rate[b] and moves.downtime_s[a] > moves.downtime_s[b]
        for a in moves.index
        for b in moves.index
    )
    assert (moves.downtime_s < 1).all()  # "either way the stun is a fraction of a second"


def test_lesson_01_policy_table() -> None:
    """Lesson 01 §4: vSphere's row converges with SDPS and a short stun; pre-copy alone
    leaves the VM on the source; Xen's rule forces a stun of many seconds."""
    table = migration.compare_policies(8, 2048, 6, 1)
    vsphere, alone, xen = table.itertuples()
    assert vsphere.outcome == "sdps" and vsphere[3] < 1
    assert alone.outcome == "aborted"
    assert xen.outcome == "forced" and xen[3] > 10


@settings(max_examples=120, deadline=None)
@given(
    st.floats(min_value=0.25, max_value=16),
    fractions,
    rates,
    links,
    st.floats(min_value=1, max_value=1000),
    st.sampled_from(["sdps", "force", "abort"]),
    patterns,
    st.sampled_from(["pass", "qemu"]),
)
def test_invariants_with_either_resync_rule(
    mem, ws_share, rate, bw, target_ms, policy, pattern, resync
) -> None:
    r = precopy(
        mem,
        rate,
        mem * ws_share,
        bw,
        switchover_target_ms=target_ms,
        on_no_convergence=policy,
        pattern=pattern,
        resync=resync,
        max_precopy_s=3600,
    )
    pre = r.rounds.iloc[:-1] if r.switched_over else r.rounds
    # what is left after a re-read = what the pass had not sent + what is newly dirty
    assert np.allclose(pre.remaining_mib, pre.unsent_mib + pre.dirtied_mib)
    # new dirty memory never exceeds the working set, and never what was clean of it
    assert (pre.dirtied_mib <= gib_to_mib(mem * ws_share) + 1e-6).all()
    if r.converged:
        assert r.downtime_s <= target_ms / 1000 + r.fixed_cost_s + 1e-9
    # vSphere's limit: no switchover of more than 100 s (vmotion.maxSwitchoverSeconds)
    assert r.downtime_s <= 100 + 1e-9
    assert r.transferred_mib == pytest.approx(r.rounds.sent_mib.sum())
