"""Plots: each ``plot_*`` takes a result and an optional ``ax``, draws, and returns the Axes.

Nothing here calls ``plt.show()``; a lesson does::

    fig, ax = plt.subplots(figsize=(10, 4))
    plot_timeline(timeline, ax=ax)
"""

from __future__ import annotations

from vmlab.plots.cluster import plot_cluster_map, plot_stack, plot_timeline
from vmlab.plots.style import OKABE_ITO, STATE_COLOURS

__all__ = ["OKABE_ITO", "STATE_COLOURS", "plot_cluster_map", "plot_stack", "plot_timeline"]
