"""The lab's one palette and figure conventions (colour-blind safe: Okabe & Ito, 2008).

VM states always wear the same colours in every plot of every lesson.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}

STATE_COLOURS = {
    "running": OKABE_ITO["green"],
    "stunned": OKABE_ITO["orange"],
    "down": OKABE_ITO["vermillion"],
    "booting": OKABE_ITO["sky_blue"],
    "migrating": OKABE_ITO["blue"],
    "secondary": OKABE_ITO["purple"],
    "off": OKABE_ITO["grey"],
}
"""Colour of each VM state. ``migrating`` = running while vMotion pre-copies its memory."""

HOST_COLOURS = {
    "up": "#F4F4F4",
    "down": "#FBE3D6",
    "maintenance": "#E1EEF7",
    "isolated": "#FFF6C8",
}

FAILURE_MARK = OKABE_ITO["black"]

MAX_ROWS = 24
"""Above this many VM rows a timeline groups its rows (by host, else by service): at ~0.3 in
a row, 24 rows already fill a 9-inch figure, and a row label smaller than 8 pt is unreadable."""

LEGEND_BELOW_PAD = 4.6
"""A legend under an axes sits this many legend font sizes below it: clear of the tick labels
and the x label (10 pt each) whatever the figure's height (an axes fraction is not)."""

MIN_LABEL_PT = 8.0
"""The smallest text a plot draws for a name a student must read; smaller ones are dropped
and summarised instead."""


Bar = tuple[float, float, float, float, str]
"""One rectangle of a state: ``(x0, x1, y0, height, state)``."""


def state_bars(
    ax: Axes,
    bars: Iterable[Bar],
    *,
    zorder: float = 1.0,
    edgecolor: str = "none",
    linewidth: float = 0.0,
) -> set[str]:
    """Draw rectangles ``(x0, x1, y0, height, state)`` as one collection per state.

    One artist per state instead of one per bar: a timeline of 76 VMs draws 4 collections,
    not 250 ``broken_barh`` calls (each of which re-ran the axes' autoscaling). The
    collections do not move the data limits: the caller sets ``xlim``/``ylim``.

    Returns the states drawn.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> sorted(state_bars(ax, [(0, 60, -0.35, 0.7, "running"), (60, 90, -0.35, 0.7, "down")]))
    ['down', 'running']
    >>> len(ax.collections)
    2
    """
    by_state: dict[str, list[list[tuple[float, float]]]] = {}
    for x0, x1, y0, height, state in bars:
        y1 = y0 + height
        by_state.setdefault(state, []).append([(x0, y0), (x0, y1), (x1, y1), (x1, y0)])
    for state, verts in by_state.items():
        ax.add_collection(
            PolyCollection(verts, facecolors=STATE_COLOURS.get(state, "white"),
                           edgecolors=edgecolor, linewidths=linewidth, zorder=zorder,
                           label=state),
            autolim=False,
        )  # fmt: skip
    return set(by_state)


def name_list(names: list[str], *, most: int = 3, noun: str = "hosts") -> str:
    """``'esx-03'``, ``'esx-01, esx-02'`` or ``'16 hosts'``: names short enough for a label.

    >>> name_list(["esx-03"])
    'esx-03'
    >>> name_list(["esx-01", "esx-02", "esx-03"])
    'esx-01, esx-02, esx-03'
    >>> name_list([f"esx-{i:02d}" for i in range(1, 17)])
    '16 hosts'
    """
    return ", ".join(names) if len(names) <= most else f"{len(names)} {noun}"


def merge_marks(times: Iterable[float], tolerance_s: float) -> list[list[int]]:
    """Indices of ``times`` grouped into runs no wider than ``tolerance_s`` (sorted by time).

    Many hosts failing in the same instant get one line and one label, not 16 on top of
    each other.

    >>> merge_marks([60.0, 60.0, 75.0, 60.5], tolerance_s=1)
    [[0, 1, 3], [2]]
    """
    order = sorted(range(len(t := list(times))), key=lambda i: t[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and t[i] - t[groups[-1][0]] <= tolerance_s:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def share_bars(
    states: pd.DataFrame,
    group_of: dict[str, str],
    y_of: Mapping[str, float],
    *,
    order: tuple[str, ...],
    height: float = 0.7,
) -> list[Bar]:
    """Bars for one row per group of VMs: at each moment, the share of the group's VMs in
    each state, stacked in ``order`` from the bottom of the row.

    ``states`` has ``vm, state, start_s, end_s`` (one VM's copies must not overlap: pass
    the live copies only, no FT secondaries); ``group_of`` maps a VM to its row's key and
    ``y_of`` a key to the row's centre.

    >>> df = pd.DataFrame({"vm": ["a", "a", "b"], "state": ["running", "down", "running"],
    ...                    "start_s": [0.0, 60.0, 0.0], "end_s": [60.0, 90.0, 90.0]})
    >>> [(x0, x1, round(h, 2), s) for x0, x1, _, h, s in
    ...  share_bars(df, {"a": "g", "b": "g"}, {"g": 0}, order=("running", "down"))]
    [(0.0, 60.0, 0.7, 'running'), (60.0, 90.0, 0.35, 'running'), (60.0, 90.0, 0.35, 'down')]
    """
    bars: list[Bar] = []
    if states.empty:
        return bars
    rank = {s: i for i, s in enumerate(order)}
    states = states[states.vm.isin(list(group_of))]
    keys = states.vm.map(group_of)
    for key, mine in states.groupby(keys, sort=False):
        n = mine.vm.nunique()
        cuts = np.unique(np.concatenate([mine.start_s.to_numpy(), mine.end_s.to_numpy()]))
        if len(cuts) < 2:
            continue
        left = cuts[:-1]
        codes = mine.state.map(lambda s: rank.get(s, len(order))).to_numpy()
        # covers[i, j]: record i covers the interval starting at cut j
        covers = (mine.start_s.to_numpy()[:, None] <= left[None, :]) & (
            mine.end_s.to_numpy()[:, None] > left[None, :]
        )
        counts = np.zeros((len(order) + 1, len(left)))
        np.add.at(counts, codes, covers)
        # merge neighbouring intervals with the same mix: fewer, longer bars
        same = np.all(counts[:, 1:] == counts[:, :-1], axis=0)
        starts = np.concatenate([[0], np.nonzero(~same)[0] + 1])
        ends = np.concatenate([starts[1:], [len(left)]])
        y0 = float(y_of[key]) - height / 2
        for a, b in zip(starts, ends, strict=True):
            bottom = y0
            for code, state in enumerate(order):
                share = float(counts[code, a]) / n
                if share > 0:
                    bars.append((float(cuts[a]), float(cuts[b]), bottom, height * share, state))
                    bottom += height * share
    return bars
