"""The convergence plot and the memory map draw what the migration result says."""

from __future__ import annotations

import doctest

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

import vmlab.plots.migration as plots_migration
from vmlab.migration import precopy
from vmlab.plots.migration import MAP_COLOURS, plot_convergence, plot_memory_map
from vmlab.plots.style import STATE_COLOURS


@pytest.fixture
def fig_ax():
    fig, ax = plt.subplots()
    yield fig, ax
    plt.close(fig)


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_docstring_examples_run() -> None:
    failures, _ = doctest.testmod(plots_migration)
    assert failures == 0


def test_convergence_plot_has_log_scale_labels_and_threshold(fig_ax) -> None:
    _, ax = fig_ax
    r = precopy(8, 300, 1, 10)
    assert plot_convergence(r, ax=ax) is ax
    assert ax.get_yscale() == "log"
    assert "MiB" in ax.get_ylabel() and "round" in ax.get_xlabel().lower()
    assert "converged" in ax.get_title() and "8 GiB" in ax.get_title()
    thresholds = [line for line in ax.get_lines() if line.get_label() == "switchover threshold"]
    assert len(thresholds) == 1
    assert thresholds[0].get_ydata()[0] == pytest.approx(r.switchover_threshold_mib)
    # one bar per round, the last one (stop-and-copy) in the "stunned" colour
    assert len(ax.patches) == r.n_rounds
    assert to_hex(ax.patches[-1].get_facecolor()) == STATE_COLOURS["stunned"].lower()
    # the line shows the dirty memory left after each pre-copy round
    (curve,) = [line for line in ax.get_lines() if line.get_label().startswith("dirty")]
    assert np.allclose(curve.get_ydata(), r.rounds["remaining_mib"].iloc[:-1])
    assert any("switchover threshold" in t for t in legend_texts(ax))
    assert any("paused" in t for t in legend_texts(ax))


def test_convergence_plot_annotates_the_sdps_throttle(fig_ax) -> None:
    _, ax = fig_ax
    r = precopy(8, 2048, 6, 1)
    plot_convergence(r, ax=ax)
    notes = [t.get_text() for t in ax.texts]
    assert "20 %" in notes and "99 %" in notes
    assert any("SDPS" in t for t in legend_texts(ax))
    assert "SDPS" in ax.get_title()


def test_convergence_plot_without_sdps_has_no_throttle_notes(fig_ax) -> None:
    _, ax = fig_ax
    plot_convergence(precopy(8, 300, 1, 10), ax=ax)
    assert not any("%" in t.get_text() for t in ax.texts)


def test_convergence_plot_of_an_aborted_migration(fig_ax) -> None:
    _, ax = fig_ax
    r = precopy(2, 300, 0.5, 1, on_no_convergence="abort")
    plot_convergence(r, ax=ax)
    assert "aborted" in ax.get_title()
    assert any("source" in t.get_text() for t in ax.texts)
    stunned = STATE_COLOURS["stunned"].lower()
    assert all(to_hex(p.get_facecolor()) != stunned for p in ax.patches)


def test_convergence_plot_of_an_idle_vm_says_nothing_was_left(fig_ax) -> None:
    _, ax = fig_ax
    plot_convergence(precopy(8, 0, 0, 10), ax=ax)
    assert any("nothing left dirty" in t.get_text() for t in ax.texts)
    low, high = ax.get_ylim()
    assert low > 0 and high > low


def test_convergence_plot_uses_the_current_axes_by_default() -> None:
    fig, ax = plt.subplots()
    assert plot_convergence(precopy(4, 100, 1, 10)) is ax
    plt.close(fig)


def test_xen_rules_without_a_target_draw_no_threshold(fig_ax) -> None:
    from vmlab.migration import XEN_RULES

    _, ax = fig_ax
    plot_convergence(precopy(1, 10, 0.0625, 1, **XEN_RULES), ax=ax)
    assert not [line for line in ax.get_lines() if line.get_label() == "switchover threshold"]


@pytest.fixture
def paged():
    return precopy(1, 50, 0.25, 1, model="pages", seed=3, switchover_target_ms=10)


def test_memory_map_of_all_rounds_is_one_row_per_round(fig_ax, paged) -> None:
    _, ax = fig_ax
    assert plot_memory_map(paged, ax=ax) is ax
    (image,) = ax.images
    data = image.get_array()
    assert data.shape == (paged.n_rounds, 4096)
    assert np.array_equal(np.asarray(data), paged.memory_map)
    assert "GiB" in ax.get_xlabel() and ax.get_ylabel() == "Copy round"
    assert ax.get_title() == "Memory map, round by round"
    assert legend_texts(ax) == [
        "clean (not sent this round)",
        "sent this round",
        "dirty: to send again",
    ]
    colours = [to_hex(c) for c in image.get_cmap().colors]
    assert colours == [MAP_COLOURS[s].lower() for s in ("clean", "sent", "dirty")]


def test_memory_map_of_one_round_is_a_square_grid(fig_ax, paged) -> None:
    _, ax = fig_ax
    plot_memory_map(paged, round=1, ax=ax)
    (image,) = ax.images
    grid = image.get_array()
    assert grid.shape == (64, 64)
    assert np.array_equal(np.asarray(grid).ravel(), paged.memory_map[1])
    assert ax.get_title() == "Memory map, round 1"
    assert "MiB per row" in ax.get_xlabel()


def test_memory_map_last_round_is_the_stop_and_copy(fig_ax, paged) -> None:
    _, ax = fig_ax
    plot_memory_map(paged, round=-1, ax=ax)
    assert "stop-and-copy" in ax.get_title()


def test_memory_map_pads_a_grid_that_is_not_square(fig_ax) -> None:
    _, ax = fig_ax
    r = precopy(0.75 / 1024, 10, 0.25 / 1024, 1, model="pages")  # 192 pages
    plot_memory_map(r, round=0, ax=ax)
    grid = ax.images[0].get_array()
    assert grid.shape == (14, 14)
    assert int(np.ma.count_masked(grid)) == 14 * 14 - 192


def test_memory_map_needs_the_pages_model(fig_ax) -> None:
    _, ax = fig_ax
    with pytest.raises(ValueError, match="model='pages'"):
        plot_memory_map(precopy(1, 50, 0.25, 1), ax=ax)


@pytest.mark.parametrize("bad", [99, -99, 1.5, True])
def test_memory_map_rejects_a_round_that_does_not_exist(fig_ax, paged, bad) -> None:
    _, ax = fig_ax
    with pytest.raises(ValueError, match="round"):
        plot_memory_map(paged, round=bad, ax=ax)


# ----------------------------------------------------------------------------- model vs QEMU


@pytest.mark.parametrize(
    "run",
    [
        "m512_w256_r8000_b64_d300_ac0",
        "m512_uniform_w64_r16000_b64_d300_ac0",
        "m512_hot_w256_r8000_b128_d300_ac0",
        "m512_uniform_w64_r24000_b64_d300_ac0",
    ],
)
def test_model_vs_qemu_draws_both_curves_and_the_threshold(run) -> None:
    from vmlab.plots import plot_model_vs_qemu
    from vmlab.reality import measured_curve, model_for

    fig, ax = plt.subplots()
    assert plot_model_vs_qemu(run, ax=ax) is ax
    measured, model = ax.get_lines()[:2]
    assert len(measured.get_xdata()) == len(measured_curve(run))
    assert max(model.get_xdata()) == pytest.approx(model_for(run).remaining_curve().t_s.max())
    assert ax.get_yscale() == "log"
    assert "MiB" in ax.get_ylabel() and "s" in ax.get_xlabel()
    assert "QEMU" in ax.get_title() and "model" in ax.get_title()
    threshold = model_for(run).switchover_threshold_mib
    assert any(np.allclose(line.get_ydata(), threshold) for line in ax.get_lines()[2:])
    plt.close(fig)


def test_model_vs_qemu_marks_a_cancelled_run() -> None:
    from vmlab.plots import plot_model_vs_qemu

    fig, ax = plt.subplots()
    plot_model_vs_qemu("m512_uniform_w64_r24000_b64_d300_ac0", ax=ax)
    assert any("cancelled" in t.get_text() for t in ax.texts)
    assert "does not converge" in ax.get_title()
    plt.close(fig)
