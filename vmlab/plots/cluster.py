"""Pictures of a cluster and of what happened to it: the cluster map and the VM timeline.

Each ``plot_*`` takes a result and an optional ``ax``, draws on it and returns it::

    fig, ax = plt.subplots(figsize=(10, 6))
    plot_cluster_map(Cluster.example(), ax=ax)
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from vmlab import checks
from vmlab.cluster import Cluster
from vmlab.plots.style import FAILURE_MARK, HOST_COLOURS, OKABE_ITO, STATE_COLOURS
from vmlab.sim import Timeline
from vmlab.units import format_clock

_TIMELINE_STATES = ("running", "migrating", "stunned", "down", "booting", "secondary", "off")


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
    ax = ax or plt.gca()
    if isinstance(source, Timeline):
        cluster = source.spec
        when = source.until_s if t_s is None else float(t_s)
        placement = _placement_at(source, when)
        host_state = {h: source.host_state_at(h, when) for h in cluster.hosts}
        title = f"The cluster at {format_clock(when)}"
    else:
        cluster = source
        placement = {vm.name: (vm.host, vm.state) for vm in cluster.vms.values()}
        host_state = {h.name: h.state for h in cluster.hosts.values()}
        title = f"Cluster {cluster.name!r}: {len(cluster.hosts)} hosts, {len(cluster.vms)} VMs"

    hosts = list(cluster.hosts.values())
    cols = columns or max(1, math.ceil(math.sqrt(len(hosts))))
    rows = max(1, math.ceil(len(hosts) / cols))
    by_host: dict[str, list[tuple[str, str]]] = {h.name: [] for h in hosts}
    for vm, (host, state) in placement.items():
        by_host.setdefault(host, []).append((vm, state))

    tile_w, tile_h, gap = 1.0, 1.0, 0.12
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
        used = sum(cluster.vms[v].memory_gib for v, _ in by_host[host.name] if v in cluster.vms)
        label = f"{host.name}" + ("  DOWN" if state == "down" else "")
        ax.text(
            x0 + 0.05, y0 + tile_h - 0.06, label, ha="left", va="top", fontsize=8, fontweight="bold"
        )
        ax.text(
            x0 + 0.05,
            y0 + 0.05,
            f"{used:g}/{host.memory_gib:g} GiB used",
            ha="left",
            va="bottom",
            fontsize=6.5,
            color="#444444",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8, "alpha": 0.85},
        )
        vms = by_host[host.name]
        per_row = 3
        for j, (vm, vm_state) in enumerate(vms):
            vx = x0 + 0.05 + (j % per_row) * 0.31
            vy = y0 + tile_h - 0.30 - (j // per_row) * 0.19
            ax.add_patch(
                Rectangle(
                    (vx, vy),
                    0.28,
                    0.16,
                    facecolor=STATE_COLOURS.get(vm_state, "white"),
                    edgecolor="white",
                    linewidth=0.5,
                )
            )
            ax.text(
                vx + 0.14,
                vy + 0.08,
                vm,
                ha="center",
                va="center",
                fontsize=5.2,
                color="white" if vm_state in ("down", "running", "migrating") else "black",
            )

    ax.set_xlim(-gap, cols * (tile_w + gap))
    ax.set_ylim(-gap, rows * (tile_h + gap))
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    shown = sorted({s for _, s in placement.values()} | {"running"}, key=_TIMELINE_STATES.index)
    handles = [Patch(facecolor=STATE_COLOURS[s], label=f"VM {s}") for s in shown]
    if "down" in host_state.values():
        handles.append(
            Patch(
                facecolor=HOST_COLOURS["down"], hatch="//", edgecolor="#D55E00", label="host down"
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
    return ax


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
    ax: Axes | None = None,
) -> Axes:
    """Draw one row per VM, coloured by state over time, with host failures marked.

    Parameters
    ----------
    timeline : Timeline
    vms : list of str, optional
        The VMs to draw, top to bottom. Default: every VM that was ever not running
        (``affected_only=True``) or every VM.
    affected_only : bool
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    checks.timeline(timeline)
    if vms is not None:
        checks.names(vms, timeline.cluster.vms, "VM")
    checks.flag(affected_only, "affected_only")
    checks.axes(ax)
    ax = ax or plt.gca()
    states = timeline.states
    if vms is None:
        if affected_only:
            hit = states[states.state != "running"].vm.unique().tolist()
            vms = [v for v in timeline.spec.vms if v in hit]
        else:
            vms = list(timeline.spec.vms)
    for v in vms:
        timeline.spec.vms[v]  # unknown name → readable error
    rows = {vm: i for i, vm in enumerate(reversed(vms))}
    used = set()
    for r in states[states.vm.isin(vms)].itertuples(index=False):
        y = rows[r.vm]
        height, offset = (0.35, -0.42) if r.state == "secondary" else (0.7, -0.35)
        ax.broken_barh(
            [(r.start_s, r.end_s - r.start_s)],
            (y + offset, height),
            facecolors=STATE_COLOURS.get(r.state, "white"),
            edgecolor="none",
        )
        used.add(r.state)

    failures = timeline.events[timeline.events.kind == "host_failed"]
    for r in failures.itertuples(index=False):
        ax.axvline(r.t_s, color=FAILURE_MARK, linestyle="--", linewidth=1)
        ax.annotate(
            f"{r.host} fails",
            (r.t_s, len(vms) - 0.4),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8,
            va="bottom",
        )
    repairs = timeline.events[timeline.events.kind == "host_repaired"]
    for r in repairs.itertuples(index=False):
        ax.axvline(r.t_s, color=OKABE_ITO["grey"], linestyle=":", linewidth=1)
        ax.annotate(
            f"{r.host} repaired",
            (r.t_s, -0.9),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8,
            va="bottom",
            color="#555555",
        )

    ax.set_yticks(range(len(vms)))
    labels = {vm: f"{vm} ({timeline.spec.vms[vm].service})" for vm in vms}
    ax.set_yticklabels([labels[v] for v in reversed(vms)], fontsize=8)
    ax.set_ylim(-1, max(len(vms), 1))
    ax.set_xlim(0, timeline.until_s)
    ax.set_xlabel("simulated time (s)")
    ax.set_title("What each VM was doing" if vms else "No VM was ever interrupted")
    handles = [Patch(facecolor=STATE_COLOURS[s], label=s) for s in _TIMELINE_STATES if s in used]
    if handles:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncol=len(handles),
            frameon=False,
            fontsize=8,
        )
    return ax


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
    ax = ax or plt.gca()
    h = cluster.hosts[host]
    vms = cluster.vms_on(host)
    n = max(len(vms), 1)
    width = 10.0
    layers = [
        (
            0.0,
            f"physical server {h.name}: {h.cpu_label}, {h.cores} cores, {h.memory_gib:g} GiB",
            "#DDDDDD",
        ),
        (1.0, "ESXi — the hypervisor shares the server out to VMs", OKABE_ITO["sky_blue"]),
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
                f"VM {vm.name}\n{vm.vcpus} vCPU, {vm.memory_gib:g} GiB",
                7.5,
                "white",
            ),
            (3.0, OKABE_ITO["yellow"], f"{vm.service}\nservice", 8, "black"),
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
    for y, label in ((0.45, "hardware"), (1.45, "hypervisor"), (2.45, "VMs"), (3.45, "services")):
        ax.text(-0.2, y, label, ha="right", va="center", fontsize=9, fontweight="bold")
    ax.set_xlim(-2.2, width + 0.1)
    ax.set_ylim(-0.1, 4.0)
    ax.axis("off")
    ax.set_title(f"What runs on {h.name}: if the server stops, everything above it stops")
    return ax
