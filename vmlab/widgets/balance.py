"""Lesson 02's widget: choose a threshold, see the proposed moves, run them with vMotion."""

from __future__ import annotations

import html

import ipywidgets as w
from matplotlib.figure import Figure

from vmlab import checks
from vmlab.cluster import Cluster
from vmlab.i18n import _, ngettext
from vmlab.lessons import plan_moves
from vmlab.plots.vmotion import plot_host_load
from vmlab.scenarios import rebalance
from vmlab.sim import Timeline
from vmlab.state import RunState
from vmlab.widgets.messages import for_widget, then
from vmlab.widgets.render import Placeholder, busy, figure_output


class Balancer(Placeholder, w.VBox):
    """A threshold slider and a *Run the moves* button over a cluster.

    Moving ``threshold`` redraws the proposal (``moves``); pressing ``run_button`` runs the
    moves with vMotion (``timeline``) and draws the load after them. ``message`` says what
    happened in words.
    """

    def __init__(self, cluster: Cluster, *, threshold_pct: int = 80, seed: int = 0) -> None:
        checks.cluster(cluster)
        threshold_pct = checks.whole(threshold_pct, "threshold_pct", low=30, high=100, unit="%")
        checks.seed(seed)
        self.cluster = cluster
        self.seed = seed
        self.timeline: Timeline | None = None
        self.message = ""
        self.threshold = w.IntSlider(
            value=threshold_pct,
            min=30,
            max=100,
            step=5,
            description=_("Threshold (%)"),
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.run_button = w.Button(
            description=_("Run the moves"), button_style="primary", icon="truck"
        )
        self.summary = w.HTML()
        self.output = w.Output(layout=w.Layout(min_height="300px"))
        self.moves = plan_moves(cluster, threshold_pct=threshold_pct)
        self.threshold.observe(self.on_threshold, names="value")
        self.run_button.on_click(self.on_run)
        super().__init__([w.HBox([self.threshold, self.run_button]), self.summary, self.output])
        self.on_threshold()

    @checks.widget_callback
    def on_threshold(self, _change: object = None) -> None:
        """Propose moves for the new threshold and say whether they reach it."""
        threshold = self.threshold.value
        self.moves = plan_moves(self.cluster, threshold_pct=threshold)
        self.timeline = None
        n = len(self.moves)
        names = ", ".join(self.moves.vm)
        if self.moves.attrs["reaches_threshold"]:
            if n:
                self.message = ngettext(
                    "{n} move brings every host under {threshold} %: {names}. Press Run the moves.",
                    "{n} moves bring every host under {threshold} %: {names}. Press Run the moves.",
                    n,
                ).format(n=n, threshold=threshold, names=names)
            else:
                self.message = _(
                    "Every host is already under {threshold} %: nothing to move."
                ).format(threshold=threshold)
            self.summary.value = _html(self.message)
        else:
            over = len(self.moves.attrs["still_over"])
            best = (
                ngettext(
                    "The best the balancer finds is {n} move ({names}), which leaves {hosts} over.",
                    "The best the balancer finds is {n} moves ({names}), which leave {hosts} over.",
                    n,
                ).format(
                    n=n,
                    names=names,
                    hosts=ngettext("{n} host", "{n} hosts", over).format(n=over),
                )
                if n
                else _("It finds no move that helps.")
            )
            self.message = then(
                _("No plan brings every host under {threshold} %: {why}.").format(
                    threshold=threshold, why=self.moves.attrs["why"]
                ),
                best,
            )
            self.summary.value = f"<b style='color:#D55E00'>{_html(self.message)}</b>"
        self._draw(self.cluster, _("How full each host is now"))

    @busy
    @checks.widget_callback
    def on_run(self, _button: object = None) -> None:
        """Run the proposed moves with vMotion and show the result."""
        threshold = self.threshold.value
        if self.moves.empty:
            self.message = (
                _(
                    "Nothing to move at this threshold: lower it first (drag the Threshold "
                    "slider to the left)."
                )
                if self.moves.attrs["reaches_threshold"]
                else _(
                    "The balancer finds no move that helps at {threshold} %: raise the "
                    "Threshold slider."
                ).format(threshold=threshold)
            )
            self.summary.value = f"<b>{_html(self.message)}</b>"
            return
        try:
            self.timeline = rebalance(self.cluster, threshold_pct=threshold, seed=self.seed)
        except ValueError as err:  # a readable message, never a traceback
            self.message = _("Cannot run these moves: {error}").format(
                error=for_widget(str(err), {})
            )
            self.summary.value = f"<b style='color:#D55E00'>{_html(self.message)}</b>"
            return
        out = self.timeline.outages()
        end = self.timeline.cluster
        over = [
            h
            for h in end.hosts
            if end.hosts[h].state == "up"
            and 100 * end.used_memory_gib(h) / end.hosts[h].memory_gib > threshold
        ]
        moved = len(self.timeline.migrations)
        longest = f"{out.down_s.max() * 1000:.0f} ms" if len(out) else "0 ms"
        why = self.moves.attrs["why"]
        if not over:
            after = _("Every host is now under {threshold} %.").format(threshold=threshold)
        elif why:
            after = ngettext(
                "{n} host still over {threshold} % ({hosts}): this threshold cannot be "
                "reached — {why}.",
                "{n} hosts still over {threshold} % ({hosts}): this threshold cannot be "
                "reached — {why}.",
                len(over),
            ).format(n=len(over), threshold=threshold, hosts=", ".join(over), why=why)
        else:
            after = ngettext(
                "{n} host still over {threshold} % ({hosts}): this threshold cannot be reached.",
                "{n} hosts still over {threshold} % ({hosts}): this threshold cannot be reached.",
                len(over),
            ).format(n=len(over), threshold=threshold, hosts=", ".join(over))
        self.message = then(
            ngettext(
                "Done: {n} VM moved while running; the longest pause was {longest}.",
                "Done: {n} VMs moved while running; the longest pause was {longest}.",
                moved,
            ).format(n=moved, longest=longest),
            after,
        )
        self.summary.value = f"<b>{_html(self.message)}</b>"
        self._draw(self.timeline.final, _("How full each host is after the moves"))

    def _draw(self, cluster: Cluster | RunState, title: str) -> None:
        fig = Figure(figsize=(9, 3), dpi=90)
        ax = fig.add_subplot()
        plot_host_load(cluster, threshold_pct=self.threshold.value, ax=ax)
        ax.set_title(title)
        fig.tight_layout()
        self.output.outputs = (figure_output(fig, _("<host load: {title}>").format(title=title)),)


def balancer(cluster: Cluster, *, threshold_pct: int = 80, seed: int = 0) -> Balancer:
    """Build the load-balancing widget for ``cluster`` (it never displays itself)."""
    return Balancer(cluster, threshold_pct=threshold_pct, seed=seed)


def _html(text: str) -> str:
    return html.escape(text)
