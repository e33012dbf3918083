"""Pictures of vMotion in a cluster: a maintenance timeline and host load."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from vmlab import checks
from vmlab.cluster import Cluster
from vmlab.i18n import _
from vmlab.plots.style import OKABE_ITO, STATE_COLOURS, _finish_fonts, _prepare_fonts, _state_label
from vmlab.sim import Timeline
from vmlab.state import RunState
from vmlab.units import format_duration


def plot_maintenance(timeline: Timeline, *, ax: Axes | None = None) -> Axes:
    """One row per vMotion: the pre-copy while the VM runs, and its stun, labelled in ms.

    Parameters
    ----------
    timeline : Timeline
        A run with migrations (e.g. after ``sim.enter_maintenance``).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.timeline(timeline)
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    m = timeline.migrations
    if m.empty:
        ax.set_title(_("No vMotion ran"))
        ax.axis("off")
        return _finish_fonts(ax)
    rows = list(reversed(range(len(m))))
    for y, r in zip(rows, m.itertuples(), strict=True):
        end = r.end_s if np.isfinite(r.end_s) else timeline.until_s
        copy_s = max(end - r.start_s - r.downtime_s, 0)
        ax.barh(y, copy_s, left=r.start_s, color=STATE_COLOURS["migrating"], height=0.6)
        ax.barh(
            y,
            max(r.downtime_s, 0),
            left=r.start_s + copy_s,
            color=STATE_COLOURS["stunned"],
            height=0.6,
        )
        ax.annotate(
            _("{host}, stunned {duration}").format(
                host=r.to_host, duration=format_duration(r.downtime_s)
            ),
            (end, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(rows)
    ax.set_yticklabels([f"{r.vm} ({r.memory:g} GiB)" for r in _with_memory(timeline)], fontsize=8)
    for r in timeline.events[timeline.events.kind == "host_in_maintenance"].itertuples():
        ax.axvline(r.t_s, color=OKABE_ITO["black"], linestyle="--", linewidth=1)
        ax.annotate(
            _("{host} empty: powered off").format(host=r.host),
            (r.t_s, len(m) - 0.5),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8,
        )
    span = max(float(np.nanmax(m.end_s.fillna(timeline.until_s))), 1.0)
    ax.set_xlim(float(m.start_s.min()) - 0.02 * span, span * 1.35)
    ax.set_ylim(-0.8, len(m) - 0.2 + 0.6)
    ax.set_xlabel(_("simulated time (s)"))
    ax.set_title(_("Maintenance mode: each VM copied while it runs, then stunned for a moment"))
    ax.legend(
        handles=[
            Patch(color=STATE_COLOURS["migrating"], label=_("pre-copy (VM running)")),
            Patch(color=STATE_COLOURS["stunned"], label=_("switchover (VM stunned)")),
        ],
        loc="lower right",
        fontsize=8,
    )
    return _finish_fonts(ax)


def _with_memory(timeline: Timeline):
    class Row:
        def __init__(self, vm: str, memory: float) -> None:
            self.vm, self.memory = vm, memory

    return [Row(v, timeline.spec.vms[v].memory_gib) for v in timeline.migrations.vm]


def plot_host_load(
    cluster: Cluster | RunState, *, threshold_pct: float | None = None, ax: Axes | None = None
) -> Axes:
    """Memory used on each host, in percent, with an optional threshold line.

    Parameters
    ----------
    cluster : Cluster
    threshold_pct : float, optional
        Draws the line a balancer keeps hosts under; bars above it are vermilion.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.cluster(cluster)
    if threshold_pct is not None:
        checks.percent(threshold_pct, "threshold_pct")
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    names = list(cluster.hosts)
    pct = [100 * cluster.used_memory_gib(h) / cluster.hosts[h].memory_gib for h in names]
    colours = [
        OKABE_ITO["vermillion"]
        if threshold_pct is not None and p > threshold_pct
        else OKABE_ITO["blue"]
        for p in pct
    ]
    ax.bar(names, pct, color=colours)
    if threshold_pct is not None:
        ax.axhline(threshold_pct, color=OKABE_ITO["black"], linestyle="--", linewidth=1)
        ax.annotate(
            _("threshold {pct:g} %").format(pct=threshold_pct),
            (len(names) - 0.5, threshold_pct),
            xytext=(0, 3),
            textcoords="offset points",
            ha="right",
            fontsize=8,
        )
    ax.set_ylim(0, 105)
    ax.set_ylabel(_("memory used (%)"))
    # TRANSLATORS: an axis label: one bar per host
    ax.set_xlabel(_("host"))
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.set_title(_("How full each host is"))
    return _finish_fonts(ax)


def plot_vm_migration(timeline: Timeline, vm: str, *, ax: Axes | None = None) -> Axes:
    """One VM's vMotion: the copy while it runs on the source, the stun, and the VM running
    on the target with the same MAC and IP (the announcement to the switches is marked).

    Parameters
    ----------
    timeline : Timeline
        A run in which ``vm`` was migrated (e.g. by the migrate wizard).
    vm : str
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from vmlab import Cluster, Simulation
    >>> sim = Simulation(Cluster.example(), seed=0)
    >>> sim.migrate("web-01", "esx-02", at_s=10)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_vm_migration(sim.run(until_s=60), "web-01", ax=ax)
    >>> "web-01" in ax.get_title()
    True
    >>> plt.close(fig)
    """
    checks.timeline(timeline)
    checks.name(vm, timeline.spec.vms, "VM")
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    moves = timeline.migrations
    moves = moves[moves.vm == vm] if not moves.empty else moves
    if moves.empty:
        ax.set_title(_("{vm} did not move").format(vm=vm))
        ax.axis("off")
        return _finish_fonts(ax)
    move = moves.iloc[-1]
    states = timeline.states[timeline.states.vm == vm]
    start = float(move.start_s)
    end = float(move.end_s) if np.isfinite(move.end_s) else float(timeline.until_s)
    span = max(end - start, 1e-3)
    left, right = start - 0.25 * span, end + 0.45 * span
    hosts = [move.from_host, move.to_host]
    rows = {move.from_host: 1, move.to_host: 0}
    for r in states.itertuples():
        s0, s1 = max(r.start_s, left), min(r.end_s, right)
        if s1 <= s0 or r.host not in rows:
            continue
        ax.barh(
            rows[r.host],
            s1 - s0,
            left=s0,
            height=0.5,
            color=STATE_COLOURS.get(r.state, OKABE_ITO["grey"]),
            edgecolor="white",
        )
    stuns = states[states.state == "stunned"]
    for r in stuns.itertuples():
        ax.annotate(
            _("stunned {duration}").format(duration=format_duration(r.end_s - r.start_s)),
            (r.end_s, rows.get(r.host, 1)),
            xytext=(8, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            arrowprops={"arrowstyle": "-", "color": OKABE_ITO["black"], "linewidth": 0.8},
            fontsize=9,
            color=OKABE_ITO["black"],
        )
    announced = timeline.events[
        (timeline.events.vm == vm) & (timeline.events.kind == "network_announced")
    ]
    for r in announced.itertuples():
        ax.axvline(r.t_s, color=OKABE_ITO["black"], linestyle=":", linewidth=1)
        ax.annotate(
            _("resumes with the same MAC and IP;\nthe switches learn its new port"),
            (r.t_s, 0.5),
            xytext=(-6, 0),
            textcoords="offset points",
            fontsize=8,
            va="center",
            ha="right",
        )
    if move.outcome != "converged" and move.outcome != "sdps":
        ax.annotate(
            _stays(str(move.outcome), vm, str(move.from_host)),
            (end, 1),
            xytext=(6, -14),
            textcoords="offset points",
            fontsize=9,
            color=OKABE_ITO["vermillion"],
        )
    ax.set_yticks([1, 0])
    ax.set_yticklabels([_("{host} (source)").format(host=hosts[0]),
                        _("{host} (target)").format(host=hosts[1])])  # fmt: skip
    ax.set_ylim(-0.8, 1.8)
    ax.set_xlim(left, right)
    ax.set_xlabel(_("simulated time (s)"))
    ax.set_title(
        _("vMotion of {vm}: {duration} in all, {gib:.1f} GiB sent").format(
            vm=vm, duration=format_duration(float(move.total_time_s)),
            gib=float(move.transferred_gib),
        )
    )  # fmt: skip
    ax.legend(
        handles=[
            Patch(color=STATE_COLOURS["running"], label=_state_label("running")),
            Patch(color=STATE_COLOURS["migrating"], label=_("running, memory being copied")),
            Patch(color=STATE_COLOURS["stunned"], label=_("stunned (switchover)")),
        ],
        loc="lower left",
        fontsize=8,
        framealpha=0.9,
    )
    return _finish_fonts(ax)


def _stays(outcome: str, vm: str, host: str) -> str:
    """The note on a vMotion that did not complete: ``'aborted: web-01 stays on esx-01'``."""
    if outcome == "aborted":
        return _("aborted: {vm} stays on {host}").format(vm=vm, host=host)
    if outcome == "failed":
        return _("failed: {vm} stays on {host}").format(vm=vm, host=host)
    if outcome == "forced":
        return _("forced: {vm} stays on {host}").format(vm=vm, host=host)
    return _("{outcome}: {vm} stays on {host}").format(outcome=outcome, vm=vm, host=host)
