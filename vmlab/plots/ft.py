"""Pictures of FT: where each copy of a VM ran, what the logging channel costs, and outages.

Each ``plot_*`` takes a result and an optional ``ax``, draws on it and returns it::

    fig, ax = plt.subplots(figsize=(10, 3))
    plot_ft_copies(timeline, "db-01", ax=ax)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from vmlab import checks
from vmlab.i18n import N_, _
from vmlab.plots.style import (
    FAILURE_MARK,
    OKABE_ITO,
    STATE_COLOURS,
    _finish_fonts,
    _prepare_fonts,
    _said,
    _state_label,
    state_bars,
)
from vmlab.sim import Timeline
from vmlab.units import format_duration

_STATES = ("running", "stunned", "secondary", "down", "booting")
_MARKS = {
    "ft_failover": (N_("secondary takes over"), OKABE_ITO["green"]),
    "ft_secondary_created": (N_("new secondary in step"), OKABE_ITO["purple"]),
    "ft_test_and_set": (N_("test-and-set decided"), OKABE_ITO["orange"]),
    "ft_restart": (N_("restart issued"), OKABE_ITO["sky_blue"]),
    "restart_issued": (N_("HA restart issued"), OKABE_ITO["sky_blue"]),
}
# Table 1's workloads: benchmark names stay as they are, descriptions are translated.
_WORKLOADS = (
    # TRANSLATORS: a workload of Scales et al.'s Table 1: compiling the Linux kernel
    N_("Kernel compile"),
)
# The scenario labels lessons pass to plot_outage_comparison (lessons.one_failure_four_ways,
# scenarios.storage_outages' ``case``): translated where they are drawn.
_SCENARIOS = (
    N_("no protection (still down at the end)"),
    N_("FT, second host lost in the window"),
    N_("host failure, HA"),
    N_("APD, no VMCP (paths back at 30 min)"),
    N_("APD, VMCP"),
    N_("PDL, VMCP"),
    N_("degraded host, Proactive HA"),
)


def plot_ft_copies(
    timeline: Timeline,
    vm: str,
    *,
    t_range: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw one row per host that held a copy of ``vm``, coloured by what the copy was doing.

    The live copy is a full-height bar (running, stunned, down, booting); the FT secondary a
    purple bar. Host failures are dashed lines, labelled in a band above the rows (on a white
    background, alternating lines, so that bars and other lines never cross a label); FT steps
    (takeover, new secondary, test-and-set, restart) are dotted lines. The legend lists only
    what is visible in the range shown.

    Parameters
    ----------
    timeline : Timeline
    vm : str
        An FT VM of the run.
    t_range : (float, float), optional
        The stretch of time to show, in s (default: the whole run).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.timeline(timeline)
    checks.name(vm, timeline.spec.vms, "VM")
    if t_range is not None:
        checks.time_range(t_range)
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    timeline.spec.vms[vm]  # unknown name → readable error
    lo, hi = t_range if t_range is not None else (0.0, float(timeline.until_s))
    rows = timeline.states[timeline.states.vm == vm]
    hosts = [h for h in timeline.spec.hosts if h in set(rows.host)]
    y = {h: len(hosts) - 1 - i for i, h in enumerate(hosts)}
    band = len(hosts) + 0.45  # the labels' band above the rows
    second = (rows.state == "secondary").to_numpy()
    row_y = rows.host.map(y).to_numpy(dtype=float)
    state_bars(ax, zip(rows.start_s, rows.end_s, row_y + np.where(second, -0.2, -0.35),
                       np.where(second, 0.4, 0.7), rows.state, strict=True))  # fmt: skip
    visible = rows[(rows.end_s > lo) & (rows.start_s < hi)]
    used = set(visible.state)
    ev = timeline.events
    ev = ev[(ev.t_s >= lo) & (ev.t_s <= hi)]
    lines = []
    failed = ev[(ev.kind == "host_failed") & ev.host.isin(hosts)]
    for k, r in enumerate(failed.itertuples(index=False)):
        ax.axvline(r.t_s, color=FAILURE_MARK, linestyle="--", linewidth=1, zorder=2)
        ax.annotate(
            _("{host} fails").format(host=r.host),
            (r.t_s, band),
            xytext=(-3, -1 - 11 * (k % 2)),
            textcoords="offset points",
            fontsize=7.5,
            ha="right",
            va="top",
            zorder=5,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
        )
    if len(failed):
        lines.append(Line2D([], [], color=FAILURE_MARK, linestyle="--", label=_("host fails")))
    mine = ev[(ev.vm == vm) & ev.kind.isin(list(_MARKS))]
    for kind in _MARKS:
        label, colour = _MARKS[kind]
        for t in mine[mine.kind == kind].t_s:
            ax.axvline(t, color=colour, linestyle=":", linewidth=1.8)
        if (mine.kind == kind).any():
            lines.append(Line2D([], [], color=colour, linestyle=":", linewidth=1.8, label=_(label)))
    ax.set_yticks(range(len(hosts)))
    ax.set_yticklabels(list(reversed(hosts)), fontsize=9)
    ax.set_ylim(-0.6, max(len(hosts), 1) + 0.5)
    ax.set_xlim(lo, hi)
    ax.set_xlabel(_("simulated time (s)"))
    # TRANSLATORS: an axis label: one row per host
    ax.set_ylabel(_("host"))
    ax.set_title(_("{vm}: where its copies ran").format(vm=vm))
    handles: list[Artist] = [
        Patch(
            facecolor=STATE_COLOURS[s],
            label=_("secondary copy") if s == "secondary" else _state_label(s),
        )
        for s in _STATES
        if s in used
    ]
    handles += lines
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.3),
        ncol=min(max(len(handles), 1), 5),
        frameon=False,
        fontsize=8,
    )
    return _finish_fonts(ax)


def plot_table1(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Draw the throughput each workload loses to record/replay FT, from 0 %: the model's loss
    split into its two causes (recording events; waiting for acknowledgements, the output
    rule) next to the paper's measured loss, with the logging bandwidth above each pair.

    Parameters
    ----------
    table : DataFrame
        :func:`vmlab.ft.table1`'s result.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.frame(table, "table", ("workload", "lost_recording_pct", "lost_waiting_pct", "ratio",
                 "paper_ratio"), "ft.table1()")  # fmt: skip
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    x = np.arange(len(table))
    width = 0.38
    left = x - width / 2
    ax.bar(left, table.lost_recording_pct, width, color=OKABE_ITO["blue"],
           label=_("model: recording events"))  # fmt: skip
    ax.bar(left, table.lost_waiting_pct, width, bottom=table.lost_recording_pct,
           color=OKABE_ITO["sky_blue"], label=_("model: waiting for acknowledgements"))  # fmt: skip
    paper = 100 * (1 - table.paper_ratio)
    ax.bar(x + width / 2, paper, width, color=OKABE_ITO["grey"],
           label=_("Scales et al. (measured)"))  # fmt: skip
    for i, r in enumerate(table.itertuples(index=False)):
        top = max(100 * (1 - r.ratio), 100 * (1 - r.paper_ratio))
        ax.annotate(
            _("{mbit_s:.1f} Mbit/s\n(paper {paper_mbit_s:g})").format(
                mbit_s=r.bandwidth_mbit_s, paper_mbit_s=r.paper_bandwidth_mbit_s
            ),
            (i, top),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    ax.set_xticks(x)
    ax.set_xticklabels([_said(w) for w in table.workload], fontsize=9)
    highest = max(float(paper.max()), float((100 * (1 - table.ratio)).max()), 1.0)
    ax.set_ylim(0, highest * 1.45)
    ax.set_ylabel(_("throughput lost with FT (%)"))
    ax.set_title(_("What record/replay FT costs four workloads, and why (logging bandwidth above)"))
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return _finish_fonts(ax)


def plot_outage_comparison(outages_s: dict[str, float], *, ax: Axes | None = None) -> Axes:
    """Draw how long a service was out in each scenario, as points on a logarithmic time axis.

    Points, not bars: a bar on a log axis must start at an arbitrary value, and its length
    then means nothing (lesson 05). An outage of 0 is drawn as an open marker at the left edge,
    labelled "no outage".

    Parameters
    ----------
    outages_s : dict
        Scenario label → outage in seconds (0 is drawn as "no outage").
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.numbers_by_name(outages_s, "outages_s", unit="s")
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    labels = list(outages_s)
    values = [float(v) for v in outages_s.values()]
    floor = 0.01
    colours = [
        OKABE_ITO["green"] if v < 1 else OKABE_ITO["vermillion"] if v >= 60 else OKABE_ITO["orange"]
        for v in values
    ]
    y = np.arange(len(labels))[::-1]
    for yi, v, colour in zip(y, values, colours, strict=True):
        ax.plot([max(v, floor)], [yi], marker="o", markersize=9, linestyle="none",
                color=colour, markerfacecolor="white" if v == 0 else colour)  # fmt: skip
    ax.grid(axis="x", which="major", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for yi, v in zip(y, values, strict=True):
        text = _("no outage") if v == 0 else format_duration(v)
        ax.annotate(
            text,
            (max(v, floor), yi),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.set_xscale("log")
    ax.set_xlim(floor / 2, max(max(values, default=1) * 20, 10))  # room for the end points
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.set_yticks(y)
    ax.set_yticklabels([_said(label) for label in labels], fontsize=9)
    ax.set_xlabel(_("service outage (s, logarithmic)"))
    ax.set_title(_("How long the service was out"))
    return _finish_fonts(ax)
