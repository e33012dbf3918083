"""Pictures of a cluster and of what happened to it: the cluster map and the VM timeline.

Each ``plot_*`` takes a result and an optional ``ax``, draws on it and returns it::

    fig, ax = plt.subplots(figsize=(10, 6))
    plot_cluster_map(Cluster.example(), ax=ax)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from vmlab import checks
from vmlab.cluster import Cluster
from vmlab.i18n import N_, _, ngettext
from vmlab.plots.style import (
    FAILURE_MARK,
    HOST_COLOURS,
    LEGEND_BELOW_PAD,
    MAX_ROWS,
    MIN_LABEL_PT,
    OKABE_ITO,
    STATE_COLOURS,
    Bar,
    _finish_fonts,
    _group_rows,
    _label_width,
    _prepare_fonts,
    _state_label,
    merge_marks,
    name_list,
    share_bars,
    state_bars,
)
from vmlab.plots.style import (
    _pgettext as pgettext,
)
from vmlab.sim import Timeline
from vmlab.units import format_clock

_TIMELINE_STATES = ("running", "migrating", "stunned", "down", "booting", "secondary", "off")
_VM_STATE_LEGEND = {
    # TRANSLATORS: the cluster map's legend: a square of this colour is a VM in this state
    "running": N_("VM running"),
    "migrating": N_("VM migrating"),
    "stunned": N_("VM stunned"),
    "down": N_("VM down"),
    "booting": N_("VM booting"),
    "secondary": N_("VM secondary"),
    "off": N_("VM off"),
}


def plot_cluster_map(
    source: Cluster | Timeline,
    *,
    t_s: float | None = None,
    columns: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw hosts as tiles holding their VMs, coloured by state.

    Parameters
    ----------
    source : Cluster or Timeline
        A cluster (as it is now) or a timeline (as it was at ``t_s``).
    t_s : float, optional
        With a timeline, the moment to draw (default: the end of the run).
    columns : int, optional
        Tiles per row (default: a near-square grid, 4 for 16 hosts).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.cluster_or_timeline(source)
    if t_s is not None:
        checks.time_s(t_s, "t_s", high=getattr(source, "until_s", None))
    if columns is not None:
        checks.whole(columns, "columns", low=1)
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    if isinstance(source, Timeline):
        cluster = source.spec
        when = source.until_s if t_s is None else float(t_s)
        placement = _placement_at(source, when)
        host_state = {h: source.host_state_at(h, when) for h in cluster.hosts}
        title = _("The cluster at {clock}").format(clock=format_clock(when))
    else:
        cluster = source
        placement = {vm.name: (vm.host, vm.state) for vm in cluster.vms.values()}
        host_state = {h.name: h.state for h in cluster.hosts.values()}
        title = _("Cluster {name}: {hosts} hosts, {vms} VMs").format(
            name=repr(cluster.name), hosts=len(cluster.hosts), vms=len(cluster.vms)
        )

    hosts = list(cluster.hosts.values())
    cols = columns or max(1, math.ceil(math.sqrt(len(hosts))))
    rows = max(1, math.ceil(len(hosts) / cols))
    by_host: dict[str, list[tuple[str, str]]] = {h.name: [] for h in hosts}
    for vm, (where, state) in placement.items():
        by_host.setdefault(where, []).append((vm, state))

    tile_w, tile_h, gap = 1.0, 1.0, 0.12
    ax.set_xlim(-gap, cols * (tile_w + gap))
    ax.set_ylim(-gap, rows * (tile_h + gap))
    ax.set_aspect("equal")
    # points per data unit, as the axes stands now (a later tight_layout only enlarges it)
    box = ax.get_window_extent()
    pt = 72 / ax.figure.dpi * min(box.width / (cols * (tile_w + gap) + gap),
                                  box.height / (rows * (tile_h + gap) + gap))  # fmt: skip
    n_most = max((len(v) for v in by_host.values()), default=0)
    longest = max((len(v) for v in placement), default=1)
    layout = _vm_layout(n_most, longest, pt)
    per_row, box_w, box_h, step_x, step_y, vm_font = layout
    room = pt * (tile_w - 0.1)
    names: dict[str, list[str]] = {}
    memories: dict[str, list[str]] = {}
    for host in hosts:
        n = len(by_host[host.name])
        # TRANSLATORS: after a host's name on its tile in the cluster map: the host failed
        name = host.name + (_("  DOWN") if host_state[host.name] == "down" else "")
        used = sum(cluster.vms[v].memory_gib for v, _s in by_host[host.name] if v in cluster.vms)
        # the longest readable caption; the hatching already says "down"
        count = ngettext("{name}: {n} VM", "{name}: {n} VMs", n).format(name=name, n=n)
        names[host.name] = ([count] if not vm_font else []) + [name, host.name]
        memories[host.name] = [
            _("{used:g}/{total:g} GiB used").format(used=used, total=host.memory_gib),
            f"{used:g}/{host.memory_gib:g} GiB",
            _("{pct} used").format(pct=f"{100 * used / host.memory_gib:.0f} %"),
        ]
    # one variant for every tile, so that neighbours read alike
    name_pick, name_pt = _caption(room, list(names.values()), 8.5, bold=True)
    memory_pick, memory_pt = _caption(room, list(memories.values()), 8.0)
    vm_boxes: list[tuple[float, float, float, float, str]] = []
    for i, host in enumerate(hosts):
        col, row = i % cols, i // cols
        x0, y0 = col * (tile_w + gap), (rows - 1 - row) * (tile_h + gap)
        state = host_state[host.name]
        ax.add_patch(
            Rectangle(
                (x0, y0),
                tile_w,
                tile_h,
                facecolor=HOST_COLOURS.get(state, "white"),
                edgecolor=OKABE_ITO["vermillion"] if state == "down" else "#555555",
                linewidth=2 if state == "down" else 0.8,
                hatch="//" if state == "down" else None,
            )
        )
        vms = by_host[host.name]
        choices = names[host.name]
        ax.text(x0 + 0.05, y0 + tile_h - 0.05, choices[min(name_pick, len(choices) - 1)],
                ha="left", va="top", fontsize=name_pt, fontweight="bold")  # fmt: skip
        if memory_pt >= _CAPTION_PT:  # else left out: this figure cannot show it legibly
            ax.text(x0 + 0.05, y0 + 0.04, memories[host.name][memory_pick], ha="left",
                    va="bottom", fontsize=memory_pt, color="#444444",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8,
                          "alpha": 0.85})  # fmt: skip
        for j, (vm, vm_state) in enumerate(vms):
            vx = x0 + 0.05 + (j % per_row) * step_x
            vy = y0 + tile_h - _TOP - box_h - (j // per_row) * step_y
            vm_boxes.append((vx, vy, box_w, box_h, vm_state))
            if vm_font:
                ax.text(vx + box_w / 2, vy + box_h / 2, vm, ha="center", va="center",
                        fontsize=vm_font, color="white" if vm_state in (
                            "down", "running", "migrating") else "black")  # fmt: skip
    # one collection per state, above the tiles: 600 VMs as 600 patches took ~1.5 s
    state_bars(ax, ((vx, vx + bw, vy, bh, st) for vx, vy, bw, bh, st in vm_boxes), zorder=1.5,
               edgecolor="white", linewidth=0.5)  # fmt: skip

    ax.axis("off")
    if not vm_font and placement:
        title += "\n" + _(
            "one square per VM; at this size a name would be under {pt:g} pt, so "
            "names are left out (see cluster.vm_table())"
        ).format(pt=MIN_LABEL_PT)
    ax.set_title(title, fontsize=10)
    shown = sorted({s for _h, s in placement.values()} | {"running"}, key=_TIMELINE_STATES.index)
    handles = [Patch(facecolor=STATE_COLOURS[s], label=_(_VM_STATE_LEGEND[s])) for s in shown]
    if "down" in host_state.values():
        handles.append(
            Patch(
                facecolor=HOST_COLOURS["down"],
                hatch="//",
                edgecolor="#D55E00",
                # TRANSLATORS: the cluster map's legend: a hatched tile is a failed host
                label=_("host down"),
            )
        )
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles),
        frameon=False,
        fontsize=8,
    )
    return _finish_fonts(ax)


_TOP = 0.22  # the host's name line at the top of a tile
_BOTTOM = 0.17  # its memory line at the bottom
_INNER = 0.90  # the width a tile gives its VMs


_CAPTION_PT = 7.0  # host captions smaller than this are shortened, then left out


def _fit(width_pt: float, chars: float, most: float, *, bold: bool = False) -> float:
    """The largest font size (≤ ``most``) at which ``chars`` characters fit in ``width_pt``
    (DejaVu Sans averages ~0.62 em a character, ~0.68 em in bold)."""
    return min(most, width_pt / ((0.68 if bold else 0.62) * max(chars, 1)))


def _caption(width_pt: float, variants: list[list[str]], most: float, *, bold: bool = False
             ) -> tuple[int, float]:  # fmt: skip
    """Which caption variant every tile uses, and its font size: the first variant whose
    longest text (over the tiles) is readable (≥ 7 pt) in ``width_pt``, else the last."""
    count = max((len(v) for v in variants), default=1)
    size = 0.0
    for i in range(count):
        chars = max((_label_width(v[min(i, len(v) - 1)]) for v in variants), default=1)
        size = _fit(width_pt, chars, most, bold=bold)
        if size >= _CAPTION_PT:
            return i, size
    return count - 1, size


def _vm_layout(n: int, chars: int, pt: float) -> tuple[int, float, float, float, float, float]:
    """``(per_row, box_w, box_h, step_x, step_y, font)`` for the VM boxes in a tile holding
    up to ``n`` VMs with names of ``chars`` characters, at ``pt`` points per data unit.

    Picks the boxes per row that give the largest readable name; ``font`` is 0 when no
    layout gives a name of :data:`MIN_LABEL_PT` (then the boxes are as square as fits).
    """
    height = 1.0 - _TOP - _BOTTOM
    n = max(n, 1)
    best = None
    for per_row in range(1, n + 1):
        lines = math.ceil(n / per_row)
        step_x, step_y = _INNER / per_row, min(height / lines, 0.24)
        box_w, box_h = step_x - 0.03, step_y - 0.03
        font = min(_fit(pt * box_w * 0.92, chars, 9.0), pt * box_h * 0.62)
        if best is None or font > best[5]:
            best = (per_row, box_w, box_h, step_x, step_y, font)
    assert best is not None
    if best[5] >= MIN_LABEL_PT:
        return best
    per_row = max(1, min(n, math.ceil(math.sqrt(n * _INNER / height))))
    lines = math.ceil(n / per_row)
    side = min(_INNER / per_row, height / lines)
    return per_row, side - 0.02, side - 0.02, side, side, 0.0


def _placement_at(timeline: Timeline, t_s: float) -> dict[str, tuple[str, str]]:
    states = timeline.states[timeline.states.state != "secondary"]
    placement: dict[str, tuple[str, str]] = {}
    for r in states.itertuples(index=False):
        if r.start_s <= t_s < r.end_s or (t_s >= timeline.until_s and r.end_s >= timeline.until_s):
            placement[r.vm] = (r.host, r.state)
    return placement


def plot_timeline(
    timeline: Timeline,
    *,
    vms: list[str] | None = None,
    affected_only: bool = True,
    group_by: str | None = None,
    max_rows: int = MAX_ROWS,
    ax: Axes | None = None,
) -> Axes:
    """Draw one row per VM, coloured by state over time, with host failures marked.

    Hosts that fail (or are repaired) in the same instant share one line and one label. With
    more than ``max_rows`` VMs, a row holds a group instead: the VMs of one host (the host
    each VM started the run on), or of one service when even the hosts are too many; its bar
    is stacked by the share of the group's VMs in each state, and the title says so.

    Parameters
    ----------
    timeline : Timeline
    vms : list of str, optional
        The VMs to draw, top to bottom. Default: every VM that was ever not running
        (``affected_only=True``) or every VM.
    affected_only : bool
    group_by : {'vm', 'host', 'service'}, optional
        Force one row per VM, per host or per service (default: the first that fits).
    max_rows : int
        The most rows drawn before grouping (default 24).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.timeline(timeline)
    if vms is not None:
        checks.names(vms, timeline.spec.vms, "VM")
    checks.flag(affected_only, "affected_only")
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    states = timeline.states
    if vms is None:
        if affected_only:
            hit = set(states[states.state != "running"].vm)
            vms = [v for v in timeline.spec.vms if v in hit]
        else:
            vms = list(timeline.spec.vms)
    for v in vms:
        timeline.spec.vms[v]  # unknown name → readable error
    grouping, key_of, keys = _rows(timeline, vms, group_by, max_rows)
    rows = {k: len(keys) - 1 - i for i, k in enumerate(keys)}
    mine = states[states.vm.isin(vms)]
    if grouping == "vm":
        y = mine.vm.map(rows).to_numpy(dtype=float)
        second = (mine.state == "secondary").to_numpy()
        bars: Iterable[Bar] = zip(mine.start_s, mine.end_s, y + np.where(second, -0.42, -0.35),
                   np.where(second, 0.35, 0.7), mine.state, strict=True)  # fmt: skip
    else:  # shares of the live copies; an FT secondary is not a state of its VM
        live = mine[mine.state != "secondary"]
        bars = share_bars(live, key_of, rows, order=_TIMELINE_STATES)
    used = state_bars(ax, bars)

    n_rows = max(len(keys), 1)
    span = max(float(timeline.until_s), 1.0)
    marks = (
        ("host_failed", FAILURE_MARK, "--", _("{host} fails"), _("{hosts} fail"), n_rows - 0.4,
         "#000000"),
        ("host_repaired", OKABE_ITO["grey"], ":", _("{host} repaired"), _("{hosts} repaired"),
         -0.9, "#555555"),
    )  # fmt: skip
    for kind, colour, style, one, many, y_text, ink in marks:
        hits = timeline.events[timeline.events.kind == kind].reset_index(drop=True)
        for group in merge_marks(hits.t_s, tolerance_s=0.005 * span):
            t = float(hits.t_s[group[0]])
            hosts = list(dict.fromkeys(hits.host[i] for i in group))
            ax.axvline(t, color=colour, linestyle=style, linewidth=1)
            label = (one.format(host=hosts[0]) if len(hosts) == 1
                     else many.format(hosts=name_list(hosts)))  # fmt: skip
            # on a white patch above the lines: a repair a minute after the failure draws its
            # line through the failure's label otherwise
            ax.annotate(label, (t, y_text), xytext=(3, 0), textcoords="offset points",
                        fontsize=8, va="bottom", color=ink, zorder=5,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6})  # fmt: skip

    ax.set_yticks(range(len(keys)))
    if grouping == "vm":
        labels = [f"{vm} ({timeline.spec.vms[vm].service})" for vm in keys]
    else:
        counts: dict[str, int] = {}
        for k in key_of.values():
            counts[k] = counts.get(k, 0) + 1
        labels = [ngettext("{key}: {n} VM", "{key}: {n} VMs", counts[k]).format(key=k, n=counts[k])
                  for k in keys]  # fmt: skip
    ax.set_yticklabels(labels[::-1], fontsize=8)
    ax.set_ylim(-1, n_rows)
    ax.set_xlim(0, timeline.until_s)
    ax.set_xlabel(_("simulated time (s)"))
    title = _("What each VM was doing") if vms else _("No VM was ever interrupted")
    if grouping == "host":
        title = _(
            "What {n} VMs were doing, one row per host\n(each bar is stacked by the share "
            "of its VMs in each state)"
        ).format(n=len(vms))
    elif grouping != "vm":
        title = _(
            "What {n} VMs were doing, one row per service\n(each bar is stacked by the "
            "share of its VMs in each state)"
        ).format(n=len(vms))
    ax.set_title(title, fontsize=10)
    handles = [Patch(facecolor=STATE_COLOURS[s], label=_state_label(s)) for s in _TIMELINE_STATES
               if s in used]  # fmt: skip
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  borderaxespad=LEGEND_BELOW_PAD, ncol=len(handles), frameon=False,
                  fontsize=8)  # fmt: skip
    return _finish_fonts(ax)


def _rows(
    timeline: Timeline, vms: list[str], group_by: str | None, max_rows: int
) -> tuple[str, dict[str, str], list[str]]:
    """``(grouping, vm → row key, row keys top to bottom)`` for :func:`plot_timeline`; grouped by
    host, each VM stands under the host it started on."""
    first = timeline.states.drop_duplicates("vm")  # each VM's first record: where it started
    start = dict(zip(first.vm, first.host, strict=True))
    host_of = {v: start.get(v, timeline.spec.vms[v].host) for v in vms}
    return _group_rows(timeline, vms, host_of, group_by, max_rows)


def plot_stack(cluster: Cluster, host: str, *, ax: Axes | None = None) -> Axes:
    """Draw one host as the four layers a service stands on: server → ESXi → VMs → services.

    Parameters
    ----------
    cluster : Cluster
    host : str
        The host to draw.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.cluster(cluster)
    checks.name(host, cluster.hosts, "Host")
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    h = cluster.hosts[host]
    vms = cluster.vms_on(host)
    n = max(len(vms), 1)
    width = 10.0
    layers = [
        (
            0.0,
            _("physical server {host}: {cpu}, {cores} cores, {memory_gib:g} GiB").format(
                host=h.name, cpu=h.cpu_label, cores=h.cores, memory_gib=h.memory_gib
            ),
            "#DDDDDD",
        ),
        (1.0, _("ESXi — the hypervisor shares the server out to VMs"), OKABE_ITO["sky_blue"]),
    ]
    for y, text, colour in layers:
        ax.add_patch(Rectangle((0, y), width, 0.9, facecolor=colour, edgecolor="#333333"))
        ax.text(width / 2, y + 0.45, text, ha="center", va="center", fontsize=9)
    slot = width / n
    for i, vm in enumerate(vms):
        x = i * slot + 0.08
        boxes = (
            (
                2.0,
                STATE_COLOURS["running"],
                _("VM {vm}\n{vcpus} vCPU, {memory_gib:g} GiB").format(
                    vm=vm.name, vcpus=vm.vcpus, memory_gib=vm.memory_gib
                ),
                7.5,
                "white",
            ),
            # TRANSLATORS: a box of the host's stack: the service's name, then the word
            (
                3.0,
                OKABE_ITO["yellow"],
                _("{service}\nservice").format(service=vm.service),
                8,
                "black",
            ),  # fmt: skip
        )
        for y, colour, text, size, ink in boxes:
            ax.add_patch(Rectangle((x, y), slot - 0.16, 0.9, facecolor=colour, edgecolor="#333333"))
            ax.text(
                x + (slot - 0.16) / 2,
                y + 0.45,
                text,
                ha="center",
                va="center",
                fontsize=size,
                color=ink,
            )
    layers_said = (
        _("hardware"),
        _("hypervisor"),
        # TRANSLATORS: a layer of the host's stack (the VMs), not a count's unit ("5 VMs")
        pgettext("a layer of the host's stack", "VMs"),
        _("services"),
    )
    for y, label in zip((0.45, 1.45, 2.45, 3.45), layers_said, strict=True):
        ax.text(-0.2, y, label, ha="right", va="center", fontsize=9, fontweight="bold")
    ax.set_xlim(-2.2, width + 0.1)
    ax.set_ylim(-0.1, 4.0)
    ax.axis("off")
    ax.set_title(
        _("What runs on {host}: if the server stops, everything above it stops").format(host=h.name)
    )
    return _finish_fonts(ax)
