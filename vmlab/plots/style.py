"""The lab's one palette and figure conventions (colour-blind safe: Okabe & Ito, 2008).

VM states always wear the same colours in every plot of every lesson.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.text import Text

from vmlab import i18n
from vmlab.features import vm_state_words
from vmlab.i18n import _, ngettext

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


def _state_label(state: str) -> str:
    """A VM state as a legend says it, in the current language (the state itself if unknown).

    >>> _state_label("running")
    'running'
    """
    return vm_state_words(state)


def _pgettext(context: str, message: str) -> str:
    """``message`` in the current language, as said in ``context``: for a short English word
    that another part of vmlab translates otherwise ("VMs" after a number is 台虚拟机; the
    stack's layer "VMs" is 虚拟机). Babel extracts ``pgettext(context, message)`` calls with
    their ``msgctxt``; English is ``message`` itself.

    >>> _pgettext("a layer of the host's stack", "VMs")
    'VMs'
    """
    return i18n.pgettext(context, message)


def _said(value: object) -> str:
    """A word or label from a results table (a feature, a workload, a scenario) as a plot
    shows it: its translation when the catalog has one, else itself (names such as
    ``vMotion`` or ``esx-03`` have none).

    >>> _said("none"), _said("")
    ('none', '')
    """
    text = str(value)
    return _(text) if text else text  # _("") would be the catalog's header


def _label_width(text: str) -> float:
    """How many Latin characters of DejaVu Sans ``text`` is as wide as: a Chinese character
    (full width, about 1 em) counts as 1.6 (a Latin one averages about 0.62 em).

    >>> _label_width("esx-03"), _label_width("主机")
    (6, 3.2)
    """
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return len(text) if not wide else len(text) - wide + 1.6 * wide


def _prepare_fonts() -> str | None:
    """Before a plot draws in Chinese: the bundled CJK font registered with matplotlib and at
    the end of ``font.family`` (:func:`vmlab.i18n.register_fonts` puts it there once; it is
    put back if something reset ``rcParams`` since, a style or ``matplotlib.rcdefaults()``).

    Returns the family, or None in English (nothing is changed then).
    """
    if i18n.language() != "zh":
        return None
    family = i18n.register_fonts()
    families = list(matplotlib.rcParams["font.family"])
    if family not in families:  # matplotlib falls back along this list, glyph by glyph
        matplotlib.rcParams["font.family"] = [*families, family]
    return family


def _finish_fonts(ax: Axes) -> Axes:
    """After a plot drew: in Chinese, give every text of ``ax`` the CJK fallback, also texts
    made before the font was registered (an Axes made while ``rcParams`` lacked it keeps the
    fonts of that moment in its title and tick labels). English plots are left as they are."""
    family = _prepare_fonts()
    if family is None:
        return ax
    for text in ax.findobj(Text):
        assert isinstance(text, Text)
        families = list(text.get_fontfamily())
        if family not in families:
            text.set_fontfamily([*families, family])
    return ax


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


GROUPINGS = ("vm", "host", "service")
"""How a timeline plot may group its rows."""


def _group_rows(
    timeline: object, names: list[str], host_of: Mapping[str, str], group_by: str | None,
    max_rows: int,
) -> tuple[str, dict[str, str], list[str]]:  # fmt: skip
    """How to draw ``names``: ``(grouping, vm → row key, row keys top to bottom)``.

    One row per VM up to ``max_rows`` VMs; above that one row per host (``host_of`` says which
    host stands for each VM), or one per service when even the hosts are too many.
    ``group_by`` forces a grouping.
    """
    if group_by is not None and group_by not in GROUPINGS:
        raise ValueError(
            _("group_by must be one of {choices} or None; got {value}.").format(
                choices=", ".join(map(repr, GROUPINGS)), value=repr(group_by)
            )
        )
    hosts = [h for h in timeline.spec.hosts if h in set(host_of.values())]  # type: ignore[attr-defined]
    if group_by is None:
        group_by = "vm" if len(names) <= max_rows else "host" if len(hosts) <= max_rows else (
            "service")  # fmt: skip
    if group_by == "vm":
        return "vm", {v: v for v in names}, list(names)
    if group_by == "host":
        return "host", dict(host_of), hosts
    vms = timeline.spec.vms  # type: ignore[attr-defined]
    of = {v: vms[v].service for v in names}
    return "service", of, list(dict.fromkeys(of[v] for v in names))


def name_list(names: list[str], *, most: int = 3, noun: str = "hosts") -> str:
    """``'esx-03'``, ``'esx-01, esx-02'`` or ``'16 hosts'``: names short enough for a label
    (the count in the current language; ``noun`` other than ``'hosts'`` stays as given).

    >>> name_list(["esx-03"])
    'esx-03'
    >>> name_list(["esx-01", "esx-02", "esx-03"])
    'esx-01, esx-02, esx-03'
    >>> name_list([f"esx-{i:02d}" for i in range(1, 17)])
    '16 hosts'
    """
    if len(names) <= most:
        return ", ".join(names)
    if noun == "hosts":
        return ngettext("{n} host", "{n} hosts", len(names)).format(n=len(names))
    return f"{len(names)} {noun}"


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
    >>> [(x0, x1, round(h, 2), s) for x0, x1, _y0, h, s in
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
