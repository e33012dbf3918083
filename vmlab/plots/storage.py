"""Pictures of a storage fault: the affected VMs over time, and which host sees which datastore.

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
plot_storage_timeline(timeline, ax=left)
plot_datastore_map(timeline, at_s=200, ax=right)
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from vmlab import checks
from vmlab.cluster import Cluster
from vmlab.i18n import N_, _
from vmlab.plots.style import (
    FAILURE_MARK,
    OKABE_ITO,
    STATE_COLOURS,
    _finish_fonts,
    _prepare_fonts,
    _state_label,
)
from vmlab.sim import Timeline
from vmlab.storage import affected_vms, lost_at

__all__ = ["plot_datastore_map", "plot_storage_timeline"]

_STATES = ("running", "migrating", "stunned", "down", "booting")
_MARKS: tuple[tuple[str, str, Any, str], ...] = (
    ("datastore_apd", FAILURE_MARK, "--", "APD"),
    ("datastore_pdl", FAILURE_MARK, "--", "PDL"),
    ("apd_timeout", OKABE_ITO["grey"], ":", N_("APD timeout")),
    ("vmcp_terminated", OKABE_ITO["blue"], "-.", N_("VMCP restarts")),
    ("vmcp_cancelled", OKABE_ITO["green"], "-.", N_("VMCP cancelled")),
    # TRANSLATORS: a storage fault's step: the host sees the datastore's paths again
    ("datastore_recovered", OKABE_ITO["green"], "-", N_("paths back")),
    ("host_degraded", OKABE_ITO["orange"], "--", N_("host degraded")),
    ("host_failed", FAILURE_MARK, "-", N_("host fails")),
)


def plot_storage_timeline(
    timeline: Timeline,
    *,
    vms: list[str] | None = None,
    max_rows: int = 20,
    ax: Axes | None = None,
) -> Axes:
    """One row per VM a storage fault stopped, coloured by state, with the fault's steps
    marked: the fault (black, dashed), the APD timeout (grey, dotted), VMCP's terminations
    (blue, dash-dot), the paths coming back (green).

    Parameters
    ----------
    timeline : Timeline
    vms : list of str, optional
        The VMs to draw (default: every VM a storage fault stopped, else every VM with an
        outage).
    max_rows : int
        Draw at most this many VMs (the title says how many were left out).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.timeline(timeline)
    if vms is not None:
        checks.names(vms, timeline.spec.vms, "VM")
    checks.whole(max_rows, "max_rows", low=1)
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    names = list(vms) if vms is not None else affected_vms(timeline)
    if vms is None and not names:
        names = list(dict.fromkeys(timeline.outages().vm))
    for v in names:
        timeline.spec.vms[v]  # unknown name → readable error
    total = len(names)
    names = names[: max(int(max_rows), 1)]
    rows = {vm: len(names) - 1 - i for i, vm in enumerate(names)}
    st = timeline.states
    used = set()
    for r in st[(st.state != "secondary") & st.vm.isin(names)].itertuples(index=False):
        ax.broken_barh([(r.start_s, r.end_s - r.start_s)], (rows[r.vm] - 0.35, 0.7),
                       facecolors=STATE_COLOURS.get(r.state, "white"),
                       edgecolor="none")  # fmt: skip
        used.add(r.state)
    handles: list[Any] = [
        Patch(facecolor=STATE_COLOURS[s], label=_state_label(s)) for s in _STATES if s in used
    ]
    ev = timeline.events
    top = max(len(names), 1) + 0.75
    k = 0
    for kind, colour, style, mark in _MARKS:
        label = _(mark)
        hits = sorted(set(ev[ev.kind == kind].t_s))
        for t in hits:
            ax.axvline(t, color=colour, linestyle=style, linewidth=1.2, zorder=2)
            k += 1
            text = _("{step} {t_s:g} s").format(step=label, t_s=t)
            ax.annotate(text, (t, top), xytext=(3, -1 - 12 * (k % 2)),
                        textcoords="offset points", fontsize=7.5, va="top", color=colour,
                        zorder=5, bbox={"facecolor": "white", "edgecolor": "none",
                                        "pad": 0.6})  # fmt: skip
        if hits:
            handles.append(Line2D([], [], color=colour, linestyle=style, label=label))
    vmap = timeline.spec.vms
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(
        [f"{v} ({vmap[v].service}, {vmap[v].datastore})" for v in reversed(names)], fontsize=8
    )
    ax.set_ylim(-0.8, max(len(names), 1) + 0.8)
    ax.set_xlim(0, timeline.until_s)
    ax.set_xlabel(_("simulated time (s)"))
    if not names:
        title = _("No VM was interrupted")
    elif total > len(names):
        title = _("VMs whose disks stopped answering ({n} of {total} shown)").format(
            n=len(names), total=total
        )
    else:
        title = _("VMs whose disks stopped answering")
    ax.set_title(title)
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                  ncol=min(len(handles), 6), frameon=False, fontsize=8)  # fmt: skip
    return _finish_fonts(ax)


_CELL = {
    "sees": "#F4F4F4",
    "apd": OKABE_ITO["orange"],
    "pdl": OKABE_ITO["vermillion"],
    "not connected": "#FFFFFF",
}


def plot_datastore_map(
    source: Timeline | Cluster, *, at_s: float | None = None, ax: Axes | None = None
) -> Axes:
    """Which host sees which datastore: one column per host, one row per datastore. A cell
    is light when the host sees the datastore, orange when it has lost every path (APD), red
    when the device is gone (PDL), white when it was never connected; the number in a cell
    is how many VMs on that host keep their disks there (at ``at_s``).

    Parameters
    ----------
    source : Timeline or Cluster
        A run (the map at ``at_s``, default its end) or a cluster spec (nothing lost).
    at_s : float, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.cluster_or_timeline(source)
    if at_s is not None:
        checks.time_s(at_s, "at_s", high=getattr(source, "until_s", None))
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    if isinstance(source, Timeline):
        spec = source.spec
        t = source.until_s if at_s is None else float(at_s)
        lost = lost_at(source, t)
        st = source.states
        now = st[(st.state != "secondary") & (st.start_s <= t) & (st.end_s > t)]
        if t >= source.until_s:
            now = st[(st.state != "secondary") & (st.end_s >= source.until_s)]
        where = dict(zip(now.vm, now.host, strict=True))
        title = _("Datastores seen by each host at {t_s:g} s").format(t_s=t)
    elif isinstance(source, Cluster):
        spec, lost = source, {}
        where = {n: vm.host for n, vm in spec.vms.items()}
        title = _("Datastores seen by each host")
    else:
        raise ValueError(
            _("plot_datastore_map needs a Timeline or a Cluster, not {value}").format(
                value=repr(source)
            )
        )
    hosts, stores = list(spec.hosts), list(spec.datastores)
    counts: dict[tuple[str, str], int] = {}
    for name, host in where.items():
        key = (host, spec.vms[name].datastore)
        counts[key] = counts.get(key, 0) + 1
    used = set()
    for j, ds in enumerate(stores):
        y = len(stores) - 1 - j
        for i, h in enumerate(hosts):
            if not spec.datastores[ds].visible_from(h):
                cell = "not connected"
            else:
                cell = lost.get(h, {}).get(ds, "sees")
            used.add(cell)
            edge = "none" if cell == "not connected" else "#BBBBBB"
            ax.add_patch(plt.Rectangle((i - 0.45, y - 0.4), 0.9, 0.8, facecolor=_CELL[cell],
                                       edgecolor=edge, linewidth=0.6))  # fmt: skip
            if cell == "not connected":
                ax.text(i, y, "–", ha="center", va="center", fontsize=8, color="#999999")
            n = counts.get((h, ds), 0)
            if n:
                ax.text(i, y, str(n), ha="center", va="center", fontsize=8)
    ax.set_xlim(-0.6, len(hosts) - 0.4)
    ax.set_ylim(-0.6, len(stores) - 0.4)
    ax.set_xticks(range(len(hosts)))
    ax.set_xticklabels(hosts, rotation=90, fontsize=7.5)
    ax.set_yticks(range(len(stores)))
    ax.set_yticklabels(list(reversed(stores)), fontsize=8)
    ax.set_title(title)
    labels = {"sees": _("sees it"), "apd": _("lost: APD"), "pdl": _("lost: PDL"),
              "not connected": _("not connected")}  # fmt: skip
    handles = [
        Patch(
            facecolor=_CELL[c],
            edgecolor="#BBBBBB",
            label=labels[c] + (" (–)" if c == "not connected" else ""),
        )
        for c in _CELL
        if c in used
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.3),
              ncol=len(handles), frameon=False, fontsize=8)  # fmt: skip
    return _finish_fonts(ax)
