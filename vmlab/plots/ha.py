"""Pictures of an HA run: the restart timeline and why each outage lasts what it lasts.

Each ``plot_*`` takes a :class:`vmlab.sim.Timeline` and an optional ``ax``, draws on it and
returns it::

    fig, ax = plt.subplots(figsize=(10, 4))
    plot_ha_timeline(timeline, ax=ax)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from vmlab import checks
from vmlab.ha import PRIORITY_ORDER
from vmlab.i18n import N_, _, ngettext
from vmlab.plots.style import (
    FAILURE_MARK,
    LEGEND_BELOW_PAD,
    MAX_ROWS,
    OKABE_ITO,
    STATE_COLOURS,
    Bar,
    _finish_fonts,
    _group_rows,
    _prepare_fonts,
    _state_label,
    merge_marks,
    name_list,
    share_bars,
    state_bars,
)
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


_MARKS: tuple[tuple[str, str, Any, str, str, str], ...] = (
    ("host_failed", FAILURE_MARK, "--", N_("{host} fails"), N_("{hosts} fail"),
     N_("host failed")),
    ("host_declared_failed", OKABE_ITO["blue"], ":", N_("{host} declared failed"),
     N_("{hosts} declared failed"), N_("host declared failed")),
    ("isolation_response", OKABE_ITO["orange"], "-.", N_("{host} isolation response"),
     N_("{hosts} isolation responses"), N_("isolation response")),
)  # fmt: skip
"""Each HA step marked: event kind, colour, line style, label for one host and for several
(``{hosts}`` is :func:`name_list`'s), and the legend's entry."""

_PRIORITIES = {
    # TRANSLATORS: a VM's restart priority (vSphere HA), in a row label
    "highest": N_("highest"),
    # TRANSLATORS: a VM's restart priority (vSphere HA), in a row label
    "high": N_("high"),
    # TRANSLATORS: a VM's restart priority (vSphere HA), in a row label
    "medium": N_("medium"),
    # TRANSLATORS: a VM's restart priority (vSphere HA), in a row label
    "low": N_("low"),
    # TRANSLATORS: a VM's restart priority (vSphere HA), in a row label
    "lowest": N_("lowest"),
    # TRANSLATORS: a VM's restart priority (vSphere HA): HA never restarts it
    "disabled": N_("disabled"),
}


def _first_down_host(timeline: Timeline, names: list[str]) -> dict[str, str]:
    """The host each VM was on when its first outage began."""
    st = timeline.states
    down = st[st.vm.isin(names) & (st.state != "running") & (st.state != "secondary")]
    first = down.sort_values("start_s", kind="stable").drop_duplicates("vm")
    out = dict(zip(first.vm, first.host, strict=True))
    vms = timeline.spec.vms
    return {v: out.get(v, vms[v].host) for v in names}


def choose_rows(
    timeline: Timeline, names: list[str], group_by: str | None, max_rows: int
) -> tuple[str, dict[str, str], list[str]]:
    """How to draw ``names``: ``(grouping, vm → row key, row keys top to bottom)``; grouped by
    host, each VM stands under the host it stopped on (:func:`vmlab.plots.style._group_rows`)."""
    return _group_rows(timeline, names, _first_down_host(timeline, names), group_by, max_rows)


def ha_timeline_rows(
    timeline: Timeline,
    *,
    vms: list[str] | None = None,
    group_by: str | None = None,
    max_rows: int = MAX_ROWS,
) -> int:
    """How many rows :func:`plot_ha_timeline` draws for these arguments (VMs or groups), so
    that a widget can size its figure to the picture, not to the number of VMs.

    >>> from vmlab import Cluster, Simulation
    >>> c = Cluster.example(); _unused = c.enable_ha()
    >>> sim = Simulation(c, seed=0)
    >>> for h in list(c.hosts)[:13]: sim.fail_host(h, at_s=60)
    >>> ha_timeline_rows(sim.run(until_s=900))  # 64 VMs stopped: one row per host
    13
    """
    names = _affected(timeline) if vms is None else list(vms)
    return len(choose_rows(timeline, names, group_by, max_rows)[2])


def plot_ha_timeline(
    timeline: Timeline,
    *,
    vms: list[str] | None = None,
    t_range: tuple[float, float] | None = None,
    group_by: str | None = None,
    max_rows: int = MAX_ROWS,
    ax: Axes | None = None,
) -> Axes:
    """One row per VM that stopped, coloured by state, with HA's steps marked.

    Rows are ordered by restart priority (highest on top). Vertical lines: a host fails
    (black, dashed), HA declares it failed (blue, dotted), an isolated host applies its
    isolation response (orange, dash-dot). Their labels sit in a band above the rows, on
    alternating lines, on a white background so that no line crosses them; hosts that fail
    in the same instant share one line and one label ("16 hosts fail").

    With more than ``max_rows`` VMs to draw, a row holds a group of VMs instead: every VM
    that stopped on one host (or, with more hosts than rows, every VM of one service); the
    row's bar is stacked by the share of its VMs in each state at each moment, and the title
    says so. The title says when HA is off (nothing restarts a VM then).

    Parameters
    ----------
    timeline : Timeline
    vms : list of str, optional
        The VMs to draw, top to bottom (default: every VM that had an outage).
    t_range : (float, float), optional
        The stretch of time to show, in s. Default: from 0 to a little after the last
        restart of the drawn VMs (the whole run while an outage is still open).
    group_by : {'vm', 'host', 'service'}, optional
        Force one row per VM, per host or per service (default: the first that fits in
        ``max_rows``).
    max_rows : int
        The most rows drawn before grouping (default 24).
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from vmlab import Cluster, Simulation
    >>> c = Cluster.example(); _unused = c.enable_ha()
    >>> sim = Simulation(c, seed=0)
    >>> for h in c.hosts: sim.fail_host(h, at_s=60)
    >>> ax = plot_ha_timeline(sim.run(until_s=900))
    >>> ax.get_title().splitlines()[0]
    'HA restarted no VM after all 16 hosts failed'
    >>> len(ax.get_yticklabels())  # one row per host, not 76
    16
    """
    checks.timeline(timeline)
    if vms is not None:
        checks.names(vms, timeline.spec.vms, "VM")
    if t_range is not None:
        checks.time_range(t_range)
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    names = _affected(timeline) if vms is None else list(vms)
    for v in names:
        timeline.spec.vms[v]  # unknown name → readable error
    grouping, key_of, keys = choose_rows(timeline, names, group_by, max_rows)
    rows = {k: len(keys) - 1 - i for i, k in enumerate(keys)}
    st = timeline.states
    states = st[(st.state != "secondary") & st.vm.isin(names)]
    if grouping == "vm":
        y = states.vm.map(rows).to_numpy(dtype=float)
        bars: Iterable[Bar] = zip(states.start_s, states.end_s, y - 0.35, [0.7] * len(y),
                                  states.state, strict=True)  # fmt: skip
    else:
        bars = share_bars(states, key_of, rows, order=_STATES)
    used = state_bars(ax, bars)
    lo, hi = t_range if t_range is not None else _zoom(timeline, names)
    ev = timeline.events
    marked = ev[ev.kind.isin([m[0] for m in _MARKS])].t_s
    if t_range is None and ((marked - lo).abs() < 0.01 * (hi - lo)).any():
        lo -= 0.03 * (hi - lo)  # a mark at the start (a failure at t = 0) clear of the axis
    top = max(len(keys), 1) + 0.75  # a band above the rows holds the labels
    handles: list[Artist] = [
        Patch(facecolor=STATE_COLOURS[s], label=_state_label(s)) for s in _STATES if s in used
    ]
    k = 0
    for kind, colour, style, one, many, entry in _MARKS:
        hits = ev[ev.kind == kind].reset_index(drop=True)
        for group in merge_marks(hits.t_s, tolerance_s=0.005 * max(hi - lo, 1.0)):
            t = float(hits.t_s[group[0]])
            hosts = list(dict.fromkeys(hits.host[i] for i in group))
            ax.axvline(t, color=colour, linestyle=style, linewidth=1.2, zorder=2)
            k += 1
            # left of its line, clear of the declaration after it, when there is room there
            left = kind == "host_failed" and t - lo > 0.2 * (hi - lo)
            label = (_(one).format(host=hosts[0]) if len(hosts) == 1
                     else _(many).format(hosts=name_list(hosts)))  # fmt: skip
            ax.annotate(label, (t, top), xytext=(-3 if left else 3, -1 - 12 * (k % 2)),
                        ha="right" if left else "left", textcoords="offset points",
                        fontsize=7.5, va="top", color=colour, annotation_clip=True,
                        zorder=5, bbox={"facecolor": "white", "edgecolor": "none",
                                        "pad": 0.6})  # fmt: skip
        if len(hits):
            handles.append(Line2D([], [], color=colour, linestyle=style, label=_(entry)))
    ax.set_yticks(range(len(keys)))
    ax.set_yticklabels(_row_labels(timeline, grouping, key_of, keys)[::-1], fontsize=8)
    ax.set_ylim(-0.8, max(len(keys), 1) + 0.8)
    ax.set_xlim(lo, hi)
    ax.set_xlabel(_("simulated time (s)"))
    ax.set_title(_title(timeline, names, grouping), fontsize=10)
    if handles:
        # below the tick labels and the x label, the same distance whatever the height
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  borderaxespad=LEGEND_BELOW_PAD, ncol=min(len(handles), 6), frameon=False,
                  fontsize=8)  # fmt: skip
    return _finish_fonts(ax)


def _row_labels(
    timeline: Timeline, grouping: str, key_of: dict[str, str], keys: list[str]
) -> list[str]:
    vmap = timeline.spec.vms
    if grouping == "vm":
        return [f"{v} ({vmap[v].service}, {_priority(vmap[v].restart_priority)})" for v in keys]
    counts = pd.Series(list(key_of.values())).value_counts()
    return [ngettext("{key}: {n} VM", "{key}: {n} VMs", int(counts[k])).format(key=k, n=counts[k])
            for k in keys]  # fmt: skip


def _priority(priority: str) -> str:
    return _(_PRIORITIES[priority]) if priority in _PRIORITIES else priority


def _title(timeline: Timeline, names: list[str], grouping: str) -> str:
    if not names:
        return _("No VM was interrupted")
    ev = timeline.events
    failed = ev[ev.kind == "host_failed"].host.unique().tolist()
    every = len(failed) == len(timeline.spec.hosts) and len(failed) > 1
    who = _("all {n} hosts").format(n=len(failed)) if every else name_list(failed, most=3)
    if timeline.spec.ha is None:
        title = (
            _("HA is off: nothing restarts the VMs that stopped after {who} failed")
            if failed
            else _("HA is off: nothing restarts the VMs that stopped during the run")
        )
    elif not (ev.kind == "restart_issued").any():
        title = (
            _("HA restarted no VM after {who} failed")
            if failed
            else _("HA restarted no VM during the run")
        )
    else:
        title = _("HA restarts after {who} failed") if failed else _("HA restarts during the run")
    title = title.format(who=who)
    n = len(names)
    if grouping == "host":
        title += "\n" + ngettext(
            "{n} VM, one row per host: each bar is stacked by the share of its VMs in each state",
            "{n} VMs, one row per host: each bar is stacked by the share of its VMs in each state",
            n,
        ).format(n=n)
    elif grouping != "vm":
        title += "\n" + ngettext(
            "{n} VM, one row per service: each bar is stacked by the share of its VMs in each "
            "state",
            "{n} VMs, one row per service: each bar is stacked by the share of its VMs in each "
            "state",
            n,
        ).format(n=n)
    return title


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
    _prepare_fonts()
    ax = ax or plt.gca()
    parts = outage_breakdown(timeline)
    order = {v: i for i, v in enumerate(_affected(timeline))}
    parts = parts.assign(_o=parts.vm.map(order)).sort_values(["_o", "down_s"], kind="stable")
    parts = parts.drop_duplicates("vm", keep="last").reset_index(drop=True)
    y = list(range(len(parts) - 1, -1, -1))
    ax.barh(y, parts.waiting_s, color=STATE_COLOURS["down"], label=_("down: waiting for HA"))
    ax.barh(y, parts.booting_s, left=parts.waiting_s, color=STATE_COLOURS["booting"],
            label=_("booting: guest and service start"))  # fmt: skip
    for yi, r in zip(y, parts.itertuples(index=False), strict=True):
        text = (f"{r.down_s:.0f} s" if r.restarted
                else _("{down_s:.0f} s+, not restarted").format(down_s=r.down_s))  # fmt: skip
        ax.text(r.down_s, yi, f" {text}", va="center", fontsize=7.5)
        if not r.restarted:
            ax.barh([yi], [r.waiting_s], color="none", edgecolor="black", hatch="//")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r.vm} ({r.service})" for r in parts.itertuples()], fontsize=8)
    ax.set_xlabel(_("outage (s)"))
    ax.set_xlim(0, max(float(parts.down_s.max()) * 1.25, 1.0) if len(parts) else 1.0)
    ax.set_title(_("Each outage = waiting for HA + booting") if len(parts) else _("No outage"))
    if len(parts):
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8,
                  frameon=False)  # fmt: skip
    return _finish_fonts(ax)


__all__ = ["ha_timeline_rows", "outage_breakdown", "plot_ha_timeline", "plot_outages"]
