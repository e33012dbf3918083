"""Plots: each ``plot_*`` takes a result and an optional ``ax``, draws, and returns the Axes.

Nothing here calls ``plt.show()``; a lesson does::

    fig, ax = plt.subplots(figsize=(10, 4))
    plot_timeline(timeline, ax=ax)

One module per subject: ``cluster`` (map, stack, timeline), ``migration`` (pre-copy),
``vmotion`` (maintenance, host load), ``ha``, ``ft`` and ``compare``; ``style`` holds the
one colour-blind-safe palette.

Every word a plot draws is in the language of :func:`vmlab.use_language` (``"zh"``: from the
zh_CN catalog, with the bundled CJK font behind the usual one on every text); numbers, units
and names are drawn the same in both languages.
"""

from __future__ import annotations

from vmlab.plots.cluster import plot_cluster_map, plot_stack, plot_timeline
from vmlab.plots.compare import plot_availability, plot_costs, plot_downtime
from vmlab.plots.ft import plot_ft_copies, plot_outage_comparison, plot_table1
from vmlab.plots.ha import plot_ha_timeline, plot_outages
from vmlab.plots.migration import plot_convergence, plot_memory_map, plot_model_vs_qemu
from vmlab.plots.storage import plot_datastore_map, plot_storage_timeline
from vmlab.plots.style import OKABE_ITO, STATE_COLOURS
from vmlab.plots.vmotion import plot_host_load, plot_maintenance, plot_vm_migration

__all__ = [
    "OKABE_ITO",
    "STATE_COLOURS",
    "plot_availability",
    "plot_cluster_map",
    "plot_convergence",
    "plot_costs",
    "plot_datastore_map",
    "plot_downtime",
    "plot_ft_copies",
    "plot_ha_timeline",
    "plot_host_load",
    "plot_maintenance",
    "plot_memory_map",
    "plot_model_vs_qemu",
    "plot_outage_comparison",
    "plot_outages",
    "plot_stack",
    "plot_storage_timeline",
    "plot_table1",
    "plot_timeline",
    "plot_vm_migration",
]
