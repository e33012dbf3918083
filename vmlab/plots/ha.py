"""Pictures of an HA run: the restart timeline and why each outage lasts what it lasts.

Each ``plot_*`` takes a :class:`vmlab.sim.Timeline` and an optional ``ax``, draws on it and
returns it::

    fig, ax = plt.subplots(figsize=(10, 4))
    plot_ha_timeline(timeline, ax=ax)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from vmlab import checks
from vmlab.ha import PRIORITY_ORDER
from vmlab.plots.style import FAILURE_MARK, OKABE_ITO, STATE_COLOURS
from vmlab.sim import Timeline

_STATES = ("running", "migrating", "stunned", "down", "booting", "off")
_RANK = {p: i for i, p in enumerate(PRIORITY_ORDER)}


def _affected(timeline: Timeline) -> list[str]:
    """VMs with an outage, highest restart priority first, then by when they stopped."""
    out = timeline.outages()
    if out.empty:
        return []
    first = out.groupby("vm", sort=False).start_s.min()
    vms = timeline.spec.vms

    def key(name: str) -> tuple[int, float, int]:
        return (_RANK.get(vms[name].restart_priority, len(_RANK)), first[name], 0)

    return sorted(first.index, key=key)


def _zoom(timeline: Timeline, names: list[str]) -> tuple[float, float]:
    """The stretch of time that matters: from 0 to a little after the last change of state
    of the drawn VMs (the whole run when an outage is still open at the end)."""
    until = float(timeline.until_s)
    st = timeline.states
    mine = st[st.vm.isin(names) & (st.state != "secondary")]
    if mine.empty:
        return 0.0, until
    changes = mine[mine.start_s > 0].start_s
    if changes.empty or (mine[mine.state != "running"].end_s >= until - 1e-9).any():
        return 0.0, until
    last = float(changes.max())
    return 0.0, min(until, last + max(30.0, 0.15 * last))


def plot_ha_timeline(
    timeline: Timeline,
    *,
    vms: list[str] | None = None,
    t_range: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One row per VM that stopped, coloured by state, with HA's steps marked.

    Rows are ordered by restart priority (highest on top). Vertical lines: a host fails
    (black, dashed), HA declares it failed (blue, dotted), an isolated host applies its
    isolation response (orange, dash-dot). Their labels sit in a band above the rows, on
    alternating lines, on a white background so that no line crosses them.

    Parameters
    ----------
    timeline : Timeline
    vms : list of str, optional
        The VMs to draw, top to bottom (default: every VM that had an outage).
    t_range : (float, float), optional
        The stretch of time to show, in s. Default: from 0 to a little after the last
        restart of the drawn VMs (the whole run while an outage is still open).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.timeline(timeline)
    if vms is not None:
        checks.names(vms, timeline.cluster.vms, "VM")
    if t_range is not None:
        checks.time_range(t_range)
    checks.axes(ax)
    ax = ax or plt.gca()
    names = _affected(timeline) if vms is None else list(vms)
    for v in names:
        timeline.spec.vms[v]  # unknown name → readable error
    rows = {vm: len(names) - 1 - i for i, vm in enumerate(names)}
    states = timeline.states[
        (timeline.states.state != "secondary") & timeline.states.vm.isin(names)
    ]
    used = set()
    for r in states.itertuples(index=False):
        colour = STATE_COLOURS.get(r.state, "white")
        ax.broken_barh([(r.start_s, r.end_s - r.start_s)], (rows[r.vm] - 0.35, 0.7),
                       facecolors=colour, edgecolor="none")  # fmt: skip
        used.add(r.state)
    ev = timeline.events
    top = max(len(names), 1) + 0.75  # a band above the rows holds the labels
    k = 0
    marks = (
        ("host_failed", FAILURE_MARK, "--", "{host} fails"),
        ("host_declared_failed", OKABE_ITO["blue"], ":", "{host} declared failed"),
        ("isolation_response", OKABE_ITO["orange"], "-.", "{host} isolation response"),
    )
    handles = [Patch(facecolor=STATE_COLOURS[s], label=s) for s in _STATES if s in used]
    for kind, colour, style, label in marks:
        hits = ev[ev.kind == kind]
        for r in hits.itertuples(index=False):
            ax.axvline(r.t_s, color=colour, linestyle=style, linewidth=1.2, zorder=2)
            k += 1
            left = kind == "host_failed"  # left of its line: clear of the declaration after it
            ax.annotate(label.format(host=r.host), (r.t_s, top),
                        xytext=(-3 if left else 3, -1 - 12 * (k % 2)),
                        ha="right" if left else "left", textcoords="offset points",
                        fontsize=7.5, va="top", color=colour,
                        zorder=5, bbox={"facecolor": "white", "edgecolor": "none",
                                        "pad": 0.6})  # fmt: skip
        if len(hits):
            handles.append(
                Line2D([], [], color=colour, linestyle=style, label=kind.replace("_", " "))
            )
    vmap = timeline.spec.vms
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(
        [f"{v} ({vmap[v].service}, {vmap[v].restart_priority})" for v in reversed(names)],
        fontsize=8,
    )
    ax.set_ylim(-0.8, max(len(names), 1) + 0.8)
    ax.set_xlim(*(t_range if t_range is not None else _zoom(timeline, names)))
    ax.set_xlabel("simulated time (s)")
    failed = ev[ev.kind == "host_failed"].host.unique().tolist()
    what = f"after {', '.join(failed)} failed" if failed else "during the run"
    ax.set_title(f"HA restarts {what}" if names else "No VM was interrupted")
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                  ncol=min(len(handles), 6), frameon=False, fontsize=8)  # fmt: skip
    return ax


def outage_breakdown(timeline: Timeline) -> pd.DataFrame:
    """Split each outage into its parts: ``vm, service, priority, waiting_s, booting_s,
    down_s, restarted``.

    ``waiting_s`` runs from the stop to the start of the boot that ended the outage
    (detection, priority waits, capacity); ``booting_s`` is the guest's boot and service
    start. A VM never restarted has ``restarted = False`` and all its time in ``waiting_s``.
    """
    checks.timeline(timeline)
    out = timeline.outages()
    states = timeline.states
    rows = []
    for r in out.itertuples(index=False):
        mine = states[
            (states.vm == r.vm) & (states.start_s >= r.start_s) & (states.end_s <= r.end_s)
        ]
        boots = mine[mine.state == "booting"]
        boot_start = float(boots.start_s.iloc[-1]) if len(boots) else float(r.end_s)
        booting = float(r.end_s) - boot_start
        rows.append({
            "vm": r.vm, "service": r.service,
            "priority": timeline.spec.vms[r.vm].restart_priority,
            "waiting_s": boot_start - float(r.start_s), "booting_s": booting,
            "down_s": float(r.down_s), "restarted": not bool(r.ongoing),
        })  # fmt: skip
    cols = ["vm", "service", "priority", "waiting_s", "booting_s", "down_s", "restarted"]
    return pd.DataFrame(rows, columns=cols)


def plot_outages(timeline: Timeline, *, ax: Axes | None = None) -> Axes:
    """Per VM, the outage as two stacked bars: waiting (detection, priority, capacity) and
    booting. VMs still down at the end are hatched and marked "not restarted".

    Parameters
    ----------
    timeline : Timeline
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.timeline(timeline)
    checks.axes(ax)
    ax = ax or plt.gca()
    parts = outage_breakdown(timeline)
    order = {v: i for i, v in enumerate(_affected(timeline))}
    parts = parts.assign(_o=parts.vm.map(order)).sort_values(["_o", "down_s"], kind="stable")
    parts = parts.drop_duplicates("vm", keep="last").reset_index(drop=True)
    y = list(range(len(parts) - 1, -1, -1))
    ax.barh(y, parts.waiting_s, color=STATE_COLOURS["down"], label="down: waiting for HA")
    ax.barh(y, parts.booting_s, left=parts.waiting_s, color=STATE_COLOURS["booting"],
            label="booting: guest and service start")  # fmt: skip
    for yi, r in zip(y, parts.itertuples(index=False), strict=True):
        text = f"{r.down_s:.0f} s" if r.restarted else f"{r.down_s:.0f} s+, not restarted"
        ax.text(r.down_s, yi, f" {text}", va="center", fontsize=7.5)
        if not r.restarted:
            ax.barh([yi], [r.waiting_s], color="none", edgecolor="black", hatch="//")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r.vm} ({r.service})" for r in parts.itertuples()], fontsize=8)
    ax.set_xlabel("outage (s)")
    ax.set_xlim(0, max(float(parts.down_s.max()) * 1.25, 1.0) if len(parts) else 1.0)
    ax.set_title("Each outage = waiting for HA + booting" if len(parts) else "No outage")
    if len(parts):
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8,
                  frameon=False)  # fmt: skip
    return ax


__all__ = ["outage_breakdown", "plot_ha_timeline", "plot_outages"]
