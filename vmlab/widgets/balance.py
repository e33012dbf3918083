"""Lesson 02's widget: choose a threshold, see the proposed moves, run them with vMotion."""

from __future__ import annotations

import html

import ipywidgets as w
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Annotation

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
        ran = self.timeline is not None  # the moves just run are not kept: say so below
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
            if ran:
                self.message = then(self.message, _starts_again())
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
            if ran:
                self.message = then(self.message, _starts_again())
            self.summary.value = f"<b style='color:#D55E00'>{_html(self.message)}</b>"
        # nothing to run: the button says so by being off (its tooltip says why)
        self.run_button.disabled = self.moves.empty
        self.run_button.tooltip = (
            _("Nothing to move at this threshold: drag the Threshold slider first.")
            if self.moves.empty
            else _("Run these moves with vMotion, from the cluster as it started.")
        )
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
        _label_right_of_axes(ax, self.threshold.value)
        ax.set_title(title)
        fig.tight_layout()
        self.output.outputs = (figure_output(fig, _("<host load: {title}>").format(title=title)),)


def balancer(cluster: Cluster, *, threshold_pct: int = 80, seed: int = 0) -> Balancer:
    """Build the load-balancing widget for ``cluster`` (it never displays itself)."""
    return Balancer(cluster, threshold_pct=threshold_pct, seed=seed)


def _html(text: str) -> str:
    return html.escape(text)


def _starts_again() -> str:
    return _(
        "This plan starts again from the cluster as it was at the start: the moves you ran "
        "are not kept."
    )


def _label_right_of_axes(ax: Axes, threshold_pct: float) -> None:
    """Move plot_host_load's "threshold N %" label into the right margin, at the line's
    height: inside the axes it sits on the last bars at a low threshold (30 %)."""
    label = _("threshold {pct:g} %").format(pct=threshold_pct)
    for text in ax.texts:
        if isinstance(text, Annotation) and text.get_text() == label:
            text.xycoords = ("axes fraction", "data")
            text.xy = (1.0, threshold_pct)
            text.xyann = (4, 0)
            text.set_horizontalalignment("left")
            text.set_verticalalignment("center")
