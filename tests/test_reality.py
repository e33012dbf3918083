"""The pre-copy model against the fourteen real QEMU 7.2 migrations shipped in vmlab
(``vmlab/data/qemu_sample``), with issue 15's thresholds. The fourteen are a sample of a
larger kept-back set; nothing in the model is fitted to them."""

from __future__ import annotations

import numpy as np
import pytest

from vmlab.reality import (
    LOOPBACK_GBIT_S,
    agreement,
    compare,
    measured_curve,
    model_for,
    model_inputs,
    qemu_runs,
    run_row,
)


def test_the_loader_returns_the_fourteen_runs_offline() -> None:
    runs, polls, rounds = qemu_runs()
    assert len(runs) == 14 and runs.run_id.is_unique
    assert set(runs.pattern) == {"seq", "uniform", "hot"}
    assert set(polls.run_id) == set(runs.run_id) == set(rounds.run_id)
    assert {"t_ms", "remaining", "transferred"} <= set(polls.columns)
    assert {"t_start_ms", "new_dirty_pages_sync", "vm_stopped"} <= set(rounds.columns)
    assert int(runs.converged.sum()) == 11  # three runs were cancelled after 40 s


def test_the_loader_hands_out_copies() -> None:
    runs = qemu_runs().runs
    runs.loc[0, "pattern"] = "changed"
    assert qemu_runs().runs.loc[0, "pattern"] != "changed"


def test_the_data_readme_says_where_the_runs_come_from() -> None:
    from importlib import resources

    text = resources.files("vmlab.data.qemu_sample").joinpath("README.md").read_text()
    for fact in ("7.2.22", "TCG", "2026-11-28", "max-bandwidth", "downtime-limit", "hot"):
        assert fact in text


@pytest.mark.parametrize("model", ["expected", "pages"])
def test_the_verdict_is_right_in_at_least_95_percent_of_runs(model) -> None:
    table = compare(model=model)
    assert table.verdict_agrees.mean() >= 0.95, table[~table.verdict_agrees]


@pytest.mark.parametrize("model", ["expected", "pages"])
def test_time_and_volume_errors_median_8_percent_p90_20_percent(model) -> None:
    """Issue 15's targets: |error| of the migration time (QEMU's setup left out) and of
    the volume sent, over the runs both converged: median ≤ 8 %, p90 ≤ 20 %, per
    pattern and over all; sequential guests stay near 5 %."""
    summary = agreement(compare(model=model))
    for pattern, row in summary.iterrows():
        assert row.time_median <= 0.08, (pattern, row)
        assert row.volume_median <= 0.08, (pattern, row)
        assert row.time_p90 <= 0.20, (pattern, row)
        assert row.volume_p90 <= 0.20, (pattern, row)
    assert summary.loc["seq", "time_median"] <= 0.06


def test_downtime_within_the_limit_whenever_the_model_converges() -> None:
    table = compare()
    for _, row in table[table.model_converged].iterrows():
        r = model_for(row.run_id)
        assert r.downtime_s <= row.downtime_limit_s + r.fixed_cost_s + 1e-9


def test_qemus_resync_rule_is_what_makes_the_difference() -> None:
    """With Clark's rounds (re-sync only when a pass has sent everything) the same model
    is worse on the random-access runs: the rule is physics, not decoration."""
    qemu_rule = agreement(compare())
    pass_rule = agreement(compare(resync="pass"))
    assert qemu_rule.loc["uniform", "time_median"] < pass_rule.loc["uniform", "time_median"]


def test_model_inputs_come_from_the_run_parameters() -> None:
    row = run_row("m512_uniform_w64_r16000_b64_d300_ac0")
    (memory_gib, rate, ws_gib, link_gbit_s), settings = model_inputs(row)
    assert memory_gib == pytest.approx(511.875 / 1024)
    assert rate == pytest.approx(16000 * 4 / 1024)  # page writes/s × 4 KiB
    assert ws_gib == pytest.approx(64 / 1024)
    assert link_gbit_s == pytest.approx(64 * 2**20 * 8 / 1e9)
    assert settings.resync == "qemu" and settings.on_no_convergence == "abort"
    assert settings.switchover_target_ms == 300
    assert settings.final_copy_gbit_s == LOOPBACK_GBIT_S
    assert settings.max_precopy_s == pytest.approx(40 - row.setup_time_ms / 1000)


def test_measured_curve_starts_full_and_ends_at_zero_when_converged() -> None:
    curve = measured_curve("m512_hot_w256_r8000_b128_d300_ac0")
    assert list(curve.columns) == ["t_s", "remaining_mib"]
    assert curve.remaining_mib.iloc[0] > 400 and curve.remaining_mib.iloc[-1] == 0
    assert curve.t_s.is_monotonic_increasing
    cancelled = measured_curve("m512_uniform_w64_r24000_b64_d300_ac0")
    assert cancelled.remaining_mib.iloc[-1] > 0


def test_model_curve_tracks_the_measured_one() -> None:
    """At the polls of a converged run, the model's remaining memory is within 25 % of
    QEMU's for most of round 0 (the model spreads zero pages evenly; QEMU meets them at the
    top of memory, so its last second of round 0 drops faster)."""
    run = "m512_uniform_w256_r8000_b128_d300_ac0"
    measured = measured_curve(run)
    model = model_for(run).remaining_curve()
    first = measured[measured.t_s < 3.0]
    y = np.interp(first.t_s, model.t_s.iloc[:2], model.remaining_mib.iloc[:2])
    assert np.median(np.abs(y / first.remaining_mib - 1)) < 0.25


def test_an_unknown_run_is_a_readable_error() -> None:
    with pytest.raises(ValueError, match="no run 'nope'.*qemu_runs"):
        model_for("nope")
