"""Pictures of a pre-copy migration: how the dirty memory shrinks, and where it lies.

Each ``plot_*`` takes a :class:`~vmlab.migration.MigrationResult` and an optional
``ax``, draws on it and returns it::

    fig, ax = plt.subplots(figsize=(8, 4))
    plot_convergence(precopy(8, 300, 1, 10), ax=ax)
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import NullLocator

from vmlab import checks
from vmlab.i18n import _
from vmlab.migration import MAP_STATES, MigrationResult
from vmlab.plots.style import OKABE_ITO, STATE_COLOURS, _finish_fonts, _prepare_fonts
from vmlab.units import PAGE_KIB, format_duration, mib_s_to_gbit_s, mib_to_gib, pages_to_mib

__all__ = ["MAP_COLOURS", "plot_convergence", "plot_memory_map", "plot_model_vs_qemu"]

MAP_COLOURS = {
    "clean": "#EEEEEE",
    "sent": OKABE_ITO["sky_blue"],
    "dirty": OKABE_ITO["vermillion"],
}
"""Colours of the memory map: untouched, sent this round, dirty (to send again)."""

_SENT_COLOUR = "#C9D9E8"
_REMAINING_COLOUR = OKABE_ITO["blue"]
_STOP_COLOUR = STATE_COLOURS["stunned"]
_THROTTLE_COLOUR = OKABE_ITO["purple"]
_FLOOR_MIB = pages_to_mib(1)


def _verdict(result: MigrationResult) -> str:
    n = result.n_rounds - (1 if result.switched_over else 0)
    if result.outcome == "converged":
        # "round(s)" whatever the count: English kept as it was printed; Chinese has one form
        return _("converged after {n} pre-copy round(s)").format(n=n)
    if result.outcome == "sdps":
        return _("converged after {n} rounds, with SDPS").format(n=n)
    if result.outcome == "forced":
        return _("did not converge: forced switchover (not vSphere's rule)")
    return {"aborted": _("did not converge: aborted")}[result.outcome]


def plot_convergence(result: MigrationResult, ax: Axes | None = None) -> Axes:
    """Draw the dirty memory left after each copy round, on a log scale.

    Bars show what each round sent; the line shows the dirty memory still to send when
    the round ended; the dashed line is the switchover threshold (what the link sends
    within the switchover target). Pre-copy converges when the line drops under it. The
    stop-and-copy round (the VM paused) is drawn in the "stunned" colour, and when SDPS
    slowed the guest each new throttle level is written above its round.

    Parameters
    ----------
    result : MigrationResult
        What :func:`vmlab.migration.precopy` returned.
    ax : Axes, optional
        Where to draw (default: the current Axes).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from vmlab.migration import precopy
    >>> fig, ax = plt.subplots()
    >>> ax = plot_convergence(precopy(8, 300, 1, 10), ax=ax)
    >>> ax.get_yscale()
    'log'
    >>> plt.close(fig)
    """
    checks.migration_result(result)
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    rows = result.rounds
    rounds = rows["round"].to_numpy()
    sent = rows["sent_mib"].to_numpy()
    remaining = rows["remaining_mib"].to_numpy()
    throttle = rows["throttle_pct"].to_numpy()
    n_pre = len(rows) - (1 if result.switched_over else 0)

    colours = [_SENT_COLOUR] * n_pre + [_STOP_COLOUR] * (len(rows) - n_pre)
    ax.bar(rounds, sent, color=colours, width=0.7, zorder=1)
    left = remaining[:n_pre] > 0  # a log axis cannot show 0: those rounds get a note
    ax.plot(
        rounds[:n_pre][left],
        remaining[:n_pre][left],
        marker="o",
        color=_REMAINING_COLOUR,
        linewidth=2,
        zorder=3,
        label=_("dirty memory left after the round"),
    )
    shown = np.concatenate([sent[sent > 0], remaining[remaining > 0]])
    if result.switchover_threshold_mib > 0:
        shown = np.append(shown, result.switchover_threshold_mib)
    low, high = (shown.min(), shown.max()) if shown.size else (_FLOOR_MIB, 1.0)
    ax.set_yscale("log")
    ax.set_ylim(low / 3, high * 60)  # head-room for the legend
    ax.yaxis.set_minor_locator(NullLocator())  # decades only: easier to read, faster
    for r in rounds[:n_pre][~left]:
        ax.annotate(
            _("nothing left dirty"),
            (r, low / 3),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            color=_REMAINING_COLOUR,
        )
    handles: list = [
        Patch(color=_SENT_COLOUR, label=_("sent in the round (VM running)")),
        Line2D([], [], color=_REMAINING_COLOUR, marker="o", label=_("dirty memory left")),
    ]
    threshold = result.switchover_threshold_mib
    if threshold > 0:
        ax.axhline(
            threshold,
            color=OKABE_ITO["black"],
            linestyle="--",
            linewidth=1.2,
            zorder=2,
            label=_("switchover threshold"),
        )
        handles.append(
            Line2D(
                [],
                [],
                color=OKABE_ITO["black"],
                linestyle="--",
                label=_(
                    "switchover threshold: {mib:,.0f} MiB ({target_ms:g} ms of link time)"
                ).format(mib=threshold, target_ms=result.switchover_target_ms),
            )
        )
    if result.switched_over:
        handles.append(
            Patch(
                color=_STOP_COLOUR,
                label=_("stop-and-copy, VM paused {duration}").format(
                    duration=format_duration(result.downtime_s)
                ),
            )
        )
    if result.max_throttle_pct > 0:
        previous = 0.0
        for r, level, y in zip(rounds[:n_pre], throttle[:n_pre], remaining[:n_pre], strict=True):
            if level != previous:
                ax.annotate(
                    f"{level:.0f} %",
                    (r, y if y > 0 else low / 3),
                    xytext=(0, 8),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                    color=_THROTTLE_COLOUR,
                )
                previous = level
        handles.append(
            Line2D(
                [],
                [],
                color=_THROTTLE_COLOUR,
                marker="$\\%$",
                linestyle="none",
                label=_("SDPS throttle: share of time the vCPUs are held back"),
            )
        )
    if not result.switched_over:
        ax.annotate(
            _("aborted: VM stays on the source"),
            (rounds[-1], remaining[-1] if remaining[-1] > 0 else low / 3),
            xytext=(-10, -18),
            textcoords="offset points",
            ha="right",
            fontsize=9,
            color=OKABE_ITO["vermillion"],
        )

    ax.set_xlabel(_("Copy round (0 = full copy)"))
    ax.set_ylabel(_("Memory (MiB, log scale)"))
    link = mib_s_to_gbit_s(result.bandwidth_mib_s)
    ax.set_title(
        _("Pre-copy of {memory_gib:g} GiB over {link:.3g} Gbit/s: {verdict}").format(
            memory_gib=mib_to_gib(result.memory_mib), link=link, verdict=_verdict(result)
        )
    )
    if len(rounds) <= 20:
        ax.set_xticks(rounds)
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.9)
    return _finish_fonts(ax)


def plot_memory_map(
    result: MigrationResult, round: int | None = None, ax: Axes | None = None
) -> Axes:
    """Draw the memory map of a page-model migration: clean, sent and dirty pages.

    With ``round=None`` every round is one row (round 0 at the top), memory runs left to
    right: the dirty pages cluster in the working set. With ``round=k`` round *k* is
    drawn as a square grid, one cell per page read row by row.

    Parameters
    ----------
    result : MigrationResult
        From ``precopy(..., model='pages')``, which records the map.
    round : int, optional
        A round to draw alone (0 … ``n_rounds - 1``; negative counts from the end).
    ax : Axes, optional
        Where to draw (default: the current Axes).

    Returns
    -------
    Axes

    Raises
    ------
    ValueError
        When the result has no memory map (``model='expected'``) or the round does not
        exist.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from vmlab.migration import precopy
    >>> fig, ax = plt.subplots()
    >>> ax = plot_memory_map(precopy(1, 50, 0.25, 1, model="pages"), ax=ax)
    >>> ax.images[0].get_array().shape
    (4, 4096)
    >>> plt.close(fig)
    """
    checks.migration_result(result)
    if round is not None:
        checks.whole(round, "round", low=None)
    checks.axes(ax)
    if result.memory_map is None:
        raise ValueError(
            _("This result has no memory map: it was computed with model='expected'. "
              "Run precopy(..., model='pages') to record one.")
        )  # fmt: skip
    maps = result.memory_map
    n_rounds, n_cells = maps.shape
    if round is not None:
        if isinstance(round, bool) or not isinstance(round, int | np.integer):
            raise ValueError(
                _("round must be a whole number or None; got {value}.").format(value=repr(round))
            )
        if not -n_rounds <= round < n_rounds:
            raise ValueError(
                _("round must be between 0 and {last} (this migration had {n} rounds), or None "
                  "for all of them; got {value}.").format(last=n_rounds - 1, n=n_rounds,
                                                          value=round)
            )  # fmt: skip
    _prepare_fonts()
    ax = ax or plt.gca()
    cmap = ListedColormap([MAP_COLOURS[s] for s in MAP_STATES]).with_extremes(bad="white")
    per_cell = result.memory_map_pages_per_cell
    sample_note = (
        _("each cell is one 4 KiB page")
        if per_cell <= 1
        else _("each cell is one page out of every {n:,.0f}").format(n=per_cell)
    )
    if round is None:
        memory_gib = mib_to_gib(result.memory_mib)
        ax.imshow(
            maps,
            cmap=cmap,
            vmin=0,
            vmax=len(MAP_STATES) - 1,
            aspect="auto",
            interpolation="nearest",
            extent=(0, memory_gib, n_rounds - 0.5, -0.5),
        )
        ax.set_xlabel(_("Memory address (GiB); {note}").format(note=sample_note))
        ax.set_ylabel(_("Copy round"))
        if n_rounds <= 20:
            ax.set_yticks(range(n_rounds))
        ax.set_title(_("Memory map, round by round"))
    else:
        k = int(round) % n_rounds
        cols = math.ceil(math.sqrt(n_cells))
        grid_rows = math.ceil(n_cells / cols)
        grid = np.full(grid_rows * cols, np.nan)
        grid[:n_cells] = maps[k]
        ax.imshow(
            np.ma.masked_invalid(grid.reshape(grid_rows, cols)),
            cmap=cmap,
            vmin=0,
            vmax=len(MAP_STATES) - 1,
            interpolation="nearest",
        )
        row_mib = cols * per_cell * PAGE_KIB / 1024
        ax.set_xlabel(
            _("Memory, row by row ({row_mib:,.3g} MiB per row; {note})").format(
                row_mib=row_mib, note=sample_note
            )
        )
        # TRANSLATORS: an axis label: a row of the memory map's grid
        ax.set_ylabel(_("Row"))
        ax.set_xticks([])
        ax.set_yticks([])
        last = k == n_rounds - 1 and result.switched_over
        ax.set_title(
            (_("Memory map, round {k} (stop-and-copy)") if last else _("Memory map, round {k}"))
            .format(k=k)
        )  # fmt: skip
    labels = {
        "clean": _("clean (not sent this round)"),
        "sent": _("sent this round"),
        "dirty": _("dirty: to send again"),
    }
    ax.legend(
        handles=[Patch(color=MAP_COLOURS[s], label=labels[s]) for s in MAP_STATES],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
    )
    return _finish_fonts(ax)


def plot_model_vs_qemu(run: object, ax: Axes | None = None, model: str = "expected") -> Axes:
    """Draw a real QEMU migration's ``remaining`` memory over time beside the model's
    prediction for the same parameters.

    The dots are QEMU's own ``query-migrate`` polls (every ~100 ms, time counted from the
    end of QEMU's setup); the line is :func:`vmlab.reality.model_for` for the same run
    (QEMU's rules). The dashed line is the switchover threshold (bandwidth ×
    downtime-limit): a migration can switch over only once what is left drops below it.
    A run that did not converge is cut at its time cap (grey line).

    Parameters
    ----------
    run : str or pandas.Series
        A ``run_id`` of :func:`vmlab.reality.qemu_runs` (or one of its rows).
    ax : Axes, optional
        Where to draw (default: the current Axes).
    model : {'expected', 'pages'}
        Which of the model's two ways of counting pages to draw.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = plot_model_vs_qemu("m512_hot_w256_r8000_b128_d300_ac0", ax=ax)
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['QEMU 7.2, measured', 'model, same parameters']
    >>> plt.close(fig)
    """
    checks.axes(ax)
    from vmlab.reality import measured_curve, model_for, model_inputs, run_row

    _prepare_fonts()
    ax = ax or plt.gca()
    row = run_row(run)
    measured = measured_curve(row)
    result = model_for(row, model=model)
    predicted = result.remaining_curve()
    (_mem, rate, ws, _bw), settings = model_inputs(row)
    floor = 1.0
    ax.plot(
        measured.t_s,
        measured.remaining_mib.clip(lower=floor),
        linestyle="none",
        marker="o",
        markersize=3.5,
        color=OKABE_ITO["vermillion"],
        label=_("QEMU 7.2, measured"),
        zorder=3,
    )
    t_model, y_model = _densify(predicted.t_s.to_numpy(), predicted.remaining_mib.to_numpy())
    ax.plot(
        t_model,
        np.clip(y_model, floor, None),
        color=_REMAINING_COLOUR,
        linewidth=1.8,
        label=_("model, same parameters"),
        zorder=2,
    )
    threshold = result.switchover_threshold_mib
    ax.axhline(threshold, color=OKABE_ITO["black"], linestyle="--", linewidth=1.0, zorder=1)
    ax.annotate(
        _("switchover threshold {mib:.0f} MiB").format(mib=threshold),
        (0, threshold),
        xytext=(4, 4),
        textcoords="offset points",
        fontsize=8,
    )
    converged = bool(row.converged)
    if not converged:
        cap = float(settings.max_precopy_s or 0.0)
        ax.axvline(cap, color=OKABE_ITO["grey"], linewidth=1.2)
        ax.annotate(
            _("cancelled: not done in time"),
            (cap, float(row.guest_mem_mib)),
            xytext=(-4, 0),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color=OKABE_ITO["grey"],
        )
    ax.set_yscale("log")
    ax.set_ylim(floor * 0.8, float(row.guest_mem_mib) * 2.5)
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlim(left=0)
    ax.set_xlabel(_("Time since copying began (s; QEMU's setup left out)"))
    ax.set_ylabel(_("Memory still to send (MiB, log)"))
    q = (
        _("converged in {t_s:.1f} s").format(t_s=(row.total_time_ms - row.setup_time_ms) / 1000)
        if converged
        else _("not done in {t_s:g} s").format(t_s=row.wall_cap_s)
    )
    m = (_("converged in {t_s:.1f} s").format(t_s=result.total_time_s) if result.converged
         else _("does not converge"))  # fmt: skip
    ax.set_title(
        _("{pattern}, {working_set_mib:.0f} MiB working set, {rate:.0f} MiB/s of writes, "
          "{link:.0f} MiB/s link\nQEMU: {qemu} · model: {model}").format(
            pattern=_pattern(str(row.pattern)), working_set_mib=ws * 1024, rate=rate,
            link=row.max_bandwidth_mib_s, qemu=q, model=m,
        ),
        fontsize=10,
    )  # fmt: skip
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    return _finish_fonts(ax)


def _pattern(name: str) -> str:
    """A QEMU sample's write pattern (``seq``, ``uniform``, ``hot``) as a title says it."""
    if name == "seq":
        # TRANSLATORS: a write pattern of the QEMU sample: pages written in address order
        return _("seq")
    if name == "uniform":
        # TRANSLATORS: a write pattern of the QEMU sample: pages written at random, evenly
        return _("uniform")
    if name == "hot":
        # TRANSLATORS: a write pattern of the QEMU sample: a small hot set written most
        return _("hot")
    return name


def _densify(t: np.ndarray, y: np.ndarray, per_segment: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Points along each straight piece, so that a linear fall looks like one on a log axis."""
    ts, ys = [t[:1]], [y[:1]]
    for k in range(1, len(t)):
        if t[k] > t[k - 1] and per_segment > 1:
            f = np.linspace(0, 1, per_segment)[1:]
            ts.append(t[k - 1] + f * (t[k] - t[k - 1]))
            ys.append(y[k - 1] + f * (y[k] - y[k - 1]))
        else:
            ts.append(t[k : k + 1])
            ys.append(y[k : k + 1])
    return np.concatenate(ts), np.concatenate(ys)
