"""The migration explorer: turn sliders, watch pre-copy converge (or not).

A student moves the VM's memory, its dirty rate and working set, the switchover target,
picks a link, a write pattern and a policy, and sees the convergence plot and the result
redrawn. The default policy is vSphere's (SDPS, and the 100 s switchover limit); the
others are named comparisons: pre-copy without SDPS, and Xen's "force after 30 rounds"::

    explorer = migration_explorer(dirty_rate_mib_s=2000)
    explorer            # last line of a cell shows it

In code (and in tests) set a control's ``.value``; the explorer recomputes at once and
keeps the current :class:`~vmlab.migration.MigrationResult` in ``explorer.result``.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as w
from matplotlib.figure import Figure

from vmlab import checks
from vmlab.i18n import N_, _
from vmlab.migration import MAX_ROUNDS, SWITCHOVER_TARGET_MS, MigrationResult, precopy
from vmlab.plots.migration import plot_convergence
from vmlab.widgets.render import Placeholder, figure_output, text_output

__all__ = ["LINKS_GBIT_S", "PATTERNS", "POLICIES", "MigrationExplorer", "migration_explorer"]

LINKS_GBIT_S = (1, 10, 25)
"""The links to choose from, Gbit/s (vSphere needs at least 1 Gbit/s for vMotion)."""

POLICIES = {
    "sdps": N_("vSphere: SDPS (default)"),
    "abort": N_("No SDPS: give up"),
    "xen": N_("Xen: force after 30 rounds"),
}
"""What to do when pre-copy cannot converge, and the button label for each. ``'sdps'`` is
vSphere's behaviour (and its 100 s switchover limit); ``'abort'`` shows pre-copy alone;
``'xen'`` is Xen's rule (``XEN_RULES``' round limit and forced switchover), not vSphere's."""

POLICY_SETTINGS: dict[str, dict[str, Any]] = {
    "sdps": {"on_no_convergence": "sdps"},
    "abort": {"on_no_convergence": "abort"},
    "xen": {"on_no_convergence": "force", "max_rounds": MAX_ROUNDS, "max_switchover_s": None},
}
"""The :func:`precopy` settings behind each policy button."""

PATTERNS = {
    # TRANSLATORS: a write pattern: each write lands on a random page
    "uniform": N_("random"),
    # TRANSLATORS: a write pattern: most writes land in a hot part of the memory
    "hot": N_("hot/cold"),
    # TRANSLATORS: a write pattern: the guest scans its memory in order
    "sequential": N_("scan"),
}
"""How the guest writes inside its working set, and the button label for each."""

DEFAULTS: dict[str, Any] = {
    "memory_gib": 8.0,
    "dirty_rate_mib_s": 500,
    "working_set_gib": 1.0,
    "switchover_target_ms": int(SWITCHOVER_TARGET_MS),  # QEMU's downtime-limit
    "bandwidth_gbit_s": 10,
    "on_no_convergence": "sdps",
    "pattern": "uniform",
}
"""The explorer's starting point (any of them can be passed to :func:`migration_explorer`)."""

_RANGES = {
    "memory_gib": (0.5, 256.0, 0.5, "GiB"),
    "dirty_rate_mib_s": (0, 5000, 10, "MiB/s"),
    "working_set_gib": (0.0, 256.0, 0.25, "GiB"),
    "switchover_target_ms": (0, 2000, 10, "ms"),
}

_FIGSIZE_IN = (8.0, 3.8)
_DPI = 90
_MARGINS = {"left": 0.09, "right": 0.98, "bottom": 0.13, "top": 0.91}
_PLOT_HEIGHT = "360px"


class MigrationExplorer(Placeholder, w.VBox):
    """Sliders and choices for one VM's vMotion; the plot and the result follow them.

    Controls: ``memory`` (GiB), ``dirty_rate`` (MiB/s), ``working_set`` (GiB),
    ``switchover_target`` (ms), ``link`` (Gbit/s), ``policy``. After every change:
    ``result`` holds the :class:`MigrationResult` (None when the settings are invalid),
    ``message`` the text shown under the controls, ``output`` the convergence plot or
    the error, ``last_redraw_s`` how long the update took (compute + render).
    """

    def __init__(self, **initial: Any) -> None:
        for key, (_low, _high, _step, unit) in _RANGES.items():  # the range: _initial_values
            if key in initial:
                checks.number(initial[key], key, unit=unit)
        if "bandwidth_gbit_s" in initial:
            checks.number(initial["bandwidth_gbit_s"], "bandwidth_gbit_s", unit="Gbit/s")
        if not isinstance(initial.get("on_no_convergence", ""), str):
            checks.choice(initial["on_no_convergence"], POLICIES, "on_no_convergence")
        values = _initial_values(initial)
        self.result: MigrationResult | None = None
        self.message = ""
        self.last_redraw_s = 0.0
        slider_style = {"description_width": "170px"}
        slider_layout = w.Layout(width="460px")
        self.memory = w.FloatSlider(
            value=values["memory_gib"],
            min=0.5,
            max=256,
            step=0.5,
            description=_("Memory (GiB)"),
            readout_format=".1f",
            continuous_update=False,
            style=slider_style,
            layout=slider_layout,
        )
        self.dirty_rate = w.IntSlider(
            value=values["dirty_rate_mib_s"],
            min=0,
            max=5000,
            step=10,
            description=_("Dirty rate (MiB/s)"),
            continuous_update=False,
            style=slider_style,
            layout=slider_layout,
        )
        self.working_set = w.FloatSlider(
            value=values["working_set_gib"],
            min=0,
            max=256,
            step=0.25,
            description=_("Working set (GiB)"),
            readout_format=".2f",
            continuous_update=False,
            style=slider_style,
            layout=slider_layout,
        )
        self.switchover_target = w.IntSlider(
            value=values["switchover_target_ms"],
            min=0,
            max=2000,
            step=10,
            description=_("Switchover target (ms)"),
            continuous_update=False,
            style=slider_style,
            layout=slider_layout,
        )
        self.link = w.ToggleButtons(
            options=[(f"{g} Gbit/s", g) for g in LINKS_GBIT_S],
            value=values["bandwidth_gbit_s"],
            description=_("vMotion link"),
            style={"description_width": "140px", "button_width": "90px"},
        )
        self.policy = w.ToggleButtons(
            options=[(_(label), key) for key, label in POLICIES.items()],
            value=values["on_no_convergence"],
            description=_("If it can't converge"),
            tooltips=[
                _(
                    "vSphere: slow the guest's vCPUs until pre-copy converges; a switchover "
                    "over 100 s fails and the VM stays on the source"
                ),
                _("Pre-copy alone: when it stops making progress, give up (VM stays put)"),
                _("Xen's rule, not vSphere's: switch over after 30 rounds, however long the pause"),
            ],
            style={"description_width": "140px", "button_width": "190px"},
        )
        self.pattern = w.ToggleButtons(
            options=[(_(label), key) for key, label in PATTERNS.items()],
            value=values["pattern"],
            description=_("Write pattern"),
            tooltips=[
                _("Each write lands on a random page of the working set"),
                # no "90 % of" in the msgid: gettext tools would read "% o" as a %-format
                _("{share} of writes land in a hot tenth of the working set").format(share="90 %"),
                _("The guest scans its working set in order"),
            ],
            style={"description_width": "140px", "button_width": "90px"},
        )
        self.summary = w.HTML()
        # one off-screen figure, redrawn in place: cheaper than a new one per change
        self._figure = Figure(figsize=_FIGSIZE_IN, dpi=_DPI)
        self._axes = self._figure.add_subplot()
        self._figure.subplots_adjust(**_MARGINS)  # fixed: tight_layout costs a second draw
        self.output = w.Output(layout=w.Layout(height=_PLOT_HEIGHT, overflow="hidden"))
        for control in self.controls:
            control.observe(self.on_change, names="value")
        super().__init__(
            [
                w.VBox([self.memory, self.dirty_rate, self.working_set, self.switchover_target]),
                self.link,
                self.pattern,
                self.policy,
                self.summary,
                self.output,
            ]
        )
        self.update()

    @property
    def controls(self) -> tuple[w.ValueWidget, ...]:
        """Every control whose value drives the migration."""
        return (
            self.memory,
            self.dirty_rate,
            self.working_set,
            self.switchover_target,
            self.link,
            self.pattern,
            self.policy,
        )

    @checks.widget_callback
    def on_change(self, _change: dict | None = None) -> None:
        """A control changed: recompute and redraw."""
        self.update()

    def compute(self) -> MigrationResult:
        """The migration the controls describe (raises ``ValueError`` for bad settings)."""
        return precopy(
            self.memory.value,
            self.dirty_rate.value,
            self.working_set.value,
            self.link.value,
            switchover_target_ms=self.switchover_target.value,
            pattern=self.pattern.value,
            **POLICY_SETTINGS[self.policy.value],
        )

    def update(self) -> None:
        """Recompute the migration, then replace the summary and the plot in one step.

        Bad settings (a working set larger than memory, …) show a readable message in
        the output area instead of a plot; nothing is raised to the notebook.
        """
        started = time.perf_counter()
        try:
            result = self.compute()
        except ValueError as err:
            self.result = None
            self.message = _("Cannot migrate with these settings: {error}").format(error=err)
            self.summary.value = f"<b style='color:#D55E00'>{html.escape(self.message)}</b>"
            self.output.outputs = (text_output(self.message),)
            self.last_redraw_s = time.perf_counter() - started
            return
        self.result = result
        self.message = result.summary()
        lines = self.message.splitlines()
        self.summary.value = "<br>".join(
            f"<b>{html.escape(line)}</b>" if i == len(lines) - 2 else html.escape(line)
            for i, line in enumerate(lines)
        )
        # Replacing the whole output at once (no clear-then-draw) keeps it from
        # flickering, works with any matplotlib backend, and needs no running kernel.
        self.output.outputs = (self._render(result),)
        self.last_redraw_s = time.perf_counter() - started

    def _render(self, result: MigrationResult) -> dict[str, Any]:
        """The convergence plot as a display_data output (a PNG), drawn off-screen."""
        self._axes.clear()
        plot_convergence(result, ax=self._axes)
        return figure_output(
            self._figure, _("<convergence plot: {outcome}>").format(outcome=result.outcome)
        )


def _initial_values(initial: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(initial) - set(DEFAULTS))
    if unknown:
        raise ValueError(
            _("migration_explorer() does not know {unknown}; it takes {known}.").format(
                unknown=", ".join(unknown), known=", ".join(DEFAULTS)
            )
        )
    values = {**DEFAULTS, **initial}
    for name, (low, high, _step, unit) in _RANGES.items():
        value = values[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (low <= value <= high)
        ):
            raise ValueError(
                _(
                    "{name} must be a number from {low:g} to {high:g} {unit} for the "
                    "explorer's slider; got {value}."
                ).format(name=name, low=low, high=high, unit=unit, value=repr(value))
            )
    if values["bandwidth_gbit_s"] not in LINKS_GBIT_S:
        raise ValueError(
            _("bandwidth_gbit_s must be one of {choices} (Gbit/s); got {value}.").format(
                choices=", ".join(map(str, LINKS_GBIT_S)), value=repr(values["bandwidth_gbit_s"])
            )
        )
    if values["pattern"] not in PATTERNS:
        raise ValueError(
            _("pattern must be one of {choices}; got {value}.").format(
                choices=", ".join(map(repr, PATTERNS)), value=repr(values["pattern"])
            )
        )
    if values["on_no_convergence"] not in POLICIES:
        raise ValueError(
            _("on_no_convergence must be one of {choices}; got {value}.").format(
                choices=", ".join(map(repr, POLICIES)), value=repr(values["on_no_convergence"])
            )
        )
    return values


def migration_explorer(**initial: Any) -> MigrationExplorer:
    """Build the migration explorer (returns the widget; it never displays itself).

    Parameters
    ----------
    **initial
        Starting values: ``memory_gib`` (0.5–256), ``dirty_rate_mib_s`` (0–5000),
        ``working_set_gib`` (0–256), ``switchover_target_ms`` (0–2000; default 300,
        QEMU's downtime-limit), ``bandwidth_gbit_s`` (1, 10 or 25), ``pattern``
        (``'uniform'``, ``'hot'`` or ``'sequential'``) and ``on_no_convergence``
        (``'sdps'``, vSphere's default; ``'abort'``, pre-copy alone; ``'xen'``, Xen's
        forced switchover after 30 rounds).

    Returns
    -------
    MigrationExplorer
        A container widget; ``.result`` is the current migration.

    Raises
    ------
    ValueError
        For an unknown starting value or one outside its slider's range.

    Examples
    --------
    >>> explorer = migration_explorer(dirty_rate_mib_s=2000, bandwidth_gbit_s=1)
    >>> explorer.result.outcome
    'sdps'
    >>> explorer.policy.value = "abort"
    >>> explorer.result.outcome
    'aborted'
    """
    return MigrationExplorer(**initial)
