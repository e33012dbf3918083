"""Lesson 02's widget: choose a threshold, see the proposed moves, run them with vMotion."""

from __future__ import annotations

import ipywidgets as w
from matplotlib.figure import Figure

from vmlab.cluster import Cluster
from vmlab.plots.vmotion import plot_host_load
from vmlab.scenarios import rebalance
from vmlab.sim import Timeline
from vmlab.state import RunState
from vmlab.vmotion import propose_moves
from vmlab.widgets.render import figure_output


class Balancer(w.VBox):
    """A threshold slider and a *Run the moves* button over a cluster.

    Moving ``threshold`` redraws the proposal (``moves``); pressing ``run_button`` runs the
    moves with vMotion (``timeline``) and draws the load after them. ``message`` says what
    happened in words.
    """

    def __init__(self, cluster: Cluster, *, threshold_pct: int = 80, seed: int = 0) -> None:
        self.cluster = cluster
        self.seed = seed
        self.timeline: Timeline | None = None
        self.message = ""
        self.threshold = w.IntSlider(
            value=threshold_pct,
            min=30,
            max=100,
            step=5,
            description="Threshold (%)",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.run_button = w.Button(
            description="Run the moves", button_style="primary", icon="truck"
        )
        self.summary = w.HTML()
        self.output = w.Output(layout=w.Layout(min_height="300px"))
        self.moves = propose_moves(cluster, threshold_pct=threshold_pct)
        self.threshold.observe(self.on_threshold, names="value")
        self.run_button.on_click(self.on_run)
        super().__init__([w.HBox([self.threshold, self.run_button]), self.summary, self.output])
        self.on_threshold()

    def on_threshold(self, _change: object = None) -> None:
        """Propose moves for the new threshold and show them."""
        self.moves = propose_moves(self.cluster, threshold_pct=self.threshold.value)
        self.timeline = None
        n = len(self.moves)
        if n:
            names = ", ".join(self.moves.vm)
            self.message = (
                f"{n} moves bring every host under {self.threshold.value} %: {names}. "
                "Press Run the moves."
            )
        else:
            self.message = f"Every host is already under {self.threshold.value} %: nothing to move."
        self.summary.value = self.message
        self._draw(self.cluster, "How full each host is now")

    def on_run(self, _button: object = None) -> None:
        """Run the proposed moves with vMotion and show the result."""
        if self.moves.empty:
            self.message = "Nothing to move at this threshold: lower it first."
            self.summary.value = f"<b>{self.message}</b>"
            return
        self.timeline = rebalance(self.cluster, threshold_pct=self.threshold.value, seed=self.seed)
        out = self.timeline.outages()
        self.message = (
            f"Done: {len(self.timeline.migrations)} VMs moved while running; the longest pause "
            f"was {out.down_s.max() * 1000:.0f} ms."
        )
        self.summary.value = f"<b>{self.message}</b>"
        self._draw(self.timeline.final, "How full each host is after the moves")

    def _draw(self, cluster: Cluster | RunState, title: str) -> None:
        fig = Figure(figsize=(9, 3), dpi=90)
        ax = fig.add_subplot()
        plot_host_load(cluster, threshold_pct=self.threshold.value, ax=ax)
        ax.set_title(title)
        fig.tight_layout()
        self.output.outputs = (figure_output(fig, f"<host load: {title}>"),)


def balancer(cluster: Cluster, *, threshold_pct: int = 80, seed: int = 0) -> Balancer:
    """Build the load-balancing widget for ``cluster`` (it never displays itself)."""
    return Balancer(cluster, threshold_pct=threshold_pct, seed=seed)
