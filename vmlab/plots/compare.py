"""Pictures that compare vMotion, HA and FT: downtime, availability over a year, and cost."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from vmlab import checks
from vmlab.i18n import N_, _
from vmlab.plots.style import OKABE_ITO, _finish_fonts, _prepare_fonts, _said
from vmlab.units import format_duration

BAR_COLOUR = "#4D4D4D"
"""One neutral colour for features: the palette's colours keep their meaning (VM states)."""

# TRANSLATORS: a mark on a log time axis
_MARKS = [(1e-3, "1 ms"), (1, "1 s"), (60, "1 min"), (3600, "1 h"), (86400, N_("1 day"))]

# The words in scenarios' tables that these plots show (features, protections, networks);
# names (vMotion, HA, FT) are the same in both languages and pass through unchanged.
_TABLE_WORDS = (
    # TRANSLATORS: a feature in the comparison: no protection at all
    N_("none"),
    N_("management (heartbeats)"),
    N_("FT logging 10 Gbit/s, vMotion"),
)


def plot_downtime(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Measured downtime per feature, side by side on a log scale (milliseconds to hours).

    Parameters
    ----------
    table : DataFrame
        From :func:`vmlab.scenarios.compare` (``feature``, ``downtime_s``, ``vm_stops``).
    ax : Axes, optional
    """
    checks.frame(table, "table", ("feature", "downtime_s", "vm_stops"), "scenarios.compare()")
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    rows = list(reversed(range(len(table))))
    values = np.maximum(table.downtime_s.to_numpy(dtype=float), 1e-3)
    ax.barh(rows, values, color=BAR_COLOUR, left=1e-3)
    for y, v, stops in zip(rows, table.downtime_s, table.vm_stops, strict=True):
        label = (_("{duration} — the VM stops") if stops else _("{duration} — a pause")).format(
            duration=format_duration(v)
        )
        ax.annotate(
            label,
            (max(v, 1e-3), y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.set_xscale("log")
    ax.set_xlim(5e-4, 1e6)
    for x, name in _MARKS:
        ax.axvline(x, color="#CCCCCC", linewidth=0.8, zorder=0)
        ax.annotate(_(name), (x, len(table) - 0.45), fontsize=8, color="#555555", ha="center")
    ax.set_yticks(rows)
    ax.set_yticklabels([_said(f) for f in table.feature])
    ax.set_ylim(-0.6, len(table) - 0.2)
    ax.set_xlabel(_("outage of the service (s, log scale)"))
    ax.set_title(_("How long the database is out, measured in each scenario"))
    return _finish_fonts(ax)


def plot_availability(avail: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Expected downtime per year for each level of protection, with its "nines".

    Parameters
    ----------
    avail : DataFrame
        From :func:`vmlab.scenarios.availability`.
    ax : Axes, optional
    """
    checks.frame(avail, "avail", ("protection", "downtime_s_per_year", "availability", "nines"),
                 "scenarios.availability(…)")  # fmt: skip
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    x = np.arange(len(avail))
    values = np.maximum(avail.downtime_s_per_year.to_numpy(dtype=float), 1e-3)
    ax.bar(x, values, color=BAR_COLOUR)
    for xi, v, a, n in zip(x, values, avail.availability, avail.nines, strict=True):
        nines_text = "∞" if math.isinf(n) else f"{n:.1f}"
        digits = 2 if math.isinf(n) else max(2, math.ceil(n))  # enough to show the nines
        ax.annotate(
            _("{duration}/year\n{pct} %\n{nines} nines").format(
                duration=format_duration(v), pct=f"{100 * a:.{digits}f}", nines=nines_text
            ),
            (xi, v),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    ax.set_yscale("log")
    ax.set_ylim(1e-2, max(values.max() * 50, 10))
    ax.set_xticks(x)
    ax.set_xticklabels([_said(p) for p in avail.protection])
    ax.set_ylabel(_("expected downtime per year (s, log scale)"))
    ax.set_title(_("One VM's year: downtime and availability"))
    return _finish_fonts(ax)


def plot_costs(costs: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """What each feature keeps in reserve for one VM: memory always, memory while moving.

    Parameters
    ----------
    costs : DataFrame
        From :func:`vmlab.scenarios.costs`.
    ax : Axes, optional
    """
    checks.frame(costs, "costs", ("feature", "always_reserved_gib", "while_moving_gib", "networks"),
                 "scenarios.costs()")  # fmt: skip
    checks.axes(ax)
    _prepare_fonts()
    ax = ax or plt.gca()
    x = np.arange(len(costs))
    w = 0.38
    ax.bar(
        x - w / 2,
        costs.always_reserved_gib,
        w,
        color=OKABE_ITO["vermillion"],
        label=_("memory reserved all the time"),
    )
    ax.bar(
        x + w / 2,
        costs.while_moving_gib,
        w,
        color=OKABE_ITO["sky_blue"],
        label=_("memory needed only while moving"),
    )
    for xi, r in zip(x, costs.itertuples(), strict=True):
        ax.annotate(
            _said(r.networks),
            (xi, 0),
            xytext=(0, -28),
            textcoords="offset points",
            ha="center",
            fontsize=7.5,
            color="#444444",
        )
        ax.annotate(
            f"{r.always_reserved_gib:g} GiB, {r.always_reserved_vcpus:g} vCPU",
            (xi - w / 2, r.always_reserved_gib),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    ax.set_xticks(x)
    ax.set_xticklabels([_said(f) for f in costs.feature])
    ax.set_ylabel(_("memory (GiB)"))
    ax.set_ylim(0, max(costs.always_reserved_gib.max(), costs.while_moving_gib.max()) * 1.3)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(_("The price of protecting one 64 GiB database"))
    return _finish_fonts(ax)
